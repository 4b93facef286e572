//! What can go wrong while opening a store: connecting and migrating.
//!
//! Once a store is open, its operations return the core's
//! [`Error`](citypassport_core::Error) like every other backend.

/// Why a PostgreSQL store could not be opened or migrated.
///
/// Messages name the server as `host:port/database as user` and never carry the
/// connection URL's password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// The configuration was refused before any connection was tried.
    #[error("invalid PostgreSQL configuration: {0}")]
    InvalidConfig(String),

    /// The server could not be reached, or it refused the login.
    #[error("could not connect to PostgreSQL at {target}: {source}")]
    Connect {
        /// The server, as `host:port/database as user`.
        target: String,
        /// What the driver reported.
        source: sqlx::Error,
    },

    /// The server is one the store cannot run on (too old, or not UTF-8).
    #[error("PostgreSQL at {target} is not supported: {reason}")]
    Unsupported {
        /// The server, as `host:port/database as user`.
        target: String,
        /// What is missing.
        reason: String,
    },

    /// Creating, locking or reading the table of applied migrations failed; nothing
    /// was changed.
    #[error("checking the store's migrations failed: {source}")]
    MigrationState {
        /// What the driver reported.
        source: sqlx::Error,
    },

    /// A migration failed and was rolled back with every other step of its run; the
    /// store is as it was before.
    #[error("migration {version} ({name}) failed and was rolled back: {source}")]
    Migration {
        /// The migration's version.
        version: u32,
        /// The migration's name.
        name: &'static str,
        /// What the server reported.
        source: sqlx::Error,
    },

    /// The store records a migration this library does not have under that version,
    /// so it was made by another build; it is left untouched.
    #[error("the store's migration {version} is '{found}', but this library's is '{expected}'")]
    MigrationMismatch {
        /// The migration's version.
        version: u32,
        /// The name recorded in the store.
        found: String,
        /// The name this library has.
        expected: &'static str,
    },

    /// The store was migrated by a newer version of the library; it is left untouched.
    #[error(
        "the store's schema is at version {found}, newer than this library knows \
         ({known}); use a newer library"
    )]
    NewerSchema {
        /// The store's schema version.
        found: u32,
        /// The newest version this library knows.
        known: u32,
    },

    /// Migrations are pending and the configuration says not to run them.
    #[error(
        "the store's schema is at version {found} and must be migrated to {known}; \
         run migrate() as a role that may create tables"
    )]
    MigrationNeeded {
        /// The store's schema version; 0 for an empty schema.
        found: u32,
        /// The version this library needs.
        known: u32,
    },
}

impl From<PostgresError> for citypassport_core::Error {
    fn from(error: PostgresError) -> Self {
        citypassport_core::Error::storage(error)
    }
}
