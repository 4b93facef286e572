//! How to reach the server and how to pool connections to it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use crate::error::PostgresError;

/// Longest schema name PostgreSQL keeps without truncating it (NAMEDATALEN - 1 bytes).
const MAX_SCHEMA_NAME: usize = 63;

/// Where and how to open a PostgreSQL store.
///
/// Build it with [`PostgresConfig::new`] and change what you need:
///
/// ```
/// use citypassport_postgres::PostgresConfig;
///
/// let config = PostgresConfig::new("postgres://passport:secret@db.example/passport")
///     .with_schema("passport")
///     .with_max_connections(16);
/// assert_eq!(config.schema.as_deref(), Some("passport"));
/// // The password stays out of debug output.
/// assert!(!format!("{config:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct PostgresConfig {
    /// A `postgres://user:password@host:port/database` URL; the query parameters
    /// libpq knows (`sslmode`, `application_name`, ...) are accepted.
    pub url: String,
    /// The most connections the pool opens at once.
    pub max_connections: u32,
    /// How long an operation waits for a free connection, or for the server to answer
    /// a new one, before it fails with a storage error.
    pub acquire_timeout: Duration,
    /// The schema that holds the store's tables, created by the first migration if it
    /// does not exist. `None` uses the role's `search_path`, usually `public`.
    pub schema: Option<String>,
    /// Whether opening runs pending migrations. With `false`, opening a store whose
    /// schema is not current fails, so that an application role without the right to
    /// create tables can open a store that an administrator migrates.
    pub migrate: bool,
}

impl PostgresConfig {
    /// A configuration for `url` with 10 connections, a 10 second acquire timeout, the
    /// role's default schema, and migrations on open.
    pub fn new(url: impl Into<String>) -> Self {
        PostgresConfig {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            schema: None,
            migrate: true,
        }
    }

    /// The same configuration with the tables in `schema`.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// The same configuration with at most `max_connections` pooled connections.
    pub fn with_max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// The same configuration with another acquire timeout.
    pub fn with_acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The same configuration, saying whether opening runs pending migrations.
    pub fn with_migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// Checks the settings and parses the URL.
    pub(crate) fn connect_options(&self) -> Result<PgConnectOptions, PostgresError> {
        if self.max_connections == 0 {
            return Err(PostgresError::InvalidConfig("max_connections must be at least 1".into()));
        }
        if let Some(schema) = &self.schema {
            validate_schema_name(schema)?;
        }

        // The parser's messages describe the fault ("invalid port number"), never the
        // URL itself, so they are safe to pass on.
        let options = PgConnectOptions::from_str(&self.url).map_err(|e| {
            PostgresError::InvalidConfig(format!("the connection URL is not valid: {e}"))
        })?;
        Ok(options.application_name("citypassport"))
    }
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A derived Debug would print the URL and with it the password.
        let server = match PgConnectOptions::from_str(&self.url) {
            Ok(options) => target(&options),
            Err(_) => "<unparsable URL>".to_string(),
        };
        f.debug_struct("PostgresConfig")
            .field("server", &server)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("schema", &self.schema)
            .field("migrate", &self.migrate)
            .finish()
    }
}

/// The server as `host:port/database as user`: enough to find it, no secret.
pub(crate) fn target(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or(options.get_username());
    format!(
        "{}:{}/{} as {}",
        options.get_host(),
        options.get_port(),
        database,
        options.get_username()
    )
}

/// Refuses names PostgreSQL would truncate or cannot store. Any other name works,
/// because the name only ever reaches the server as a bound parameter that the server
/// quotes itself.
fn validate_schema_name(schema: &str) -> Result<(), PostgresError> {
    if schema.is_empty() {
        return Err(PostgresError::InvalidConfig("the schema name is empty".into()));
    }
    if schema.len() > MAX_SCHEMA_NAME {
        return Err(PostgresError::InvalidConfig(format!(
            "the schema name is longer than {MAX_SCHEMA_NAME} bytes"
        )));
    }
    if schema.contains('\0') {
        return Err(PostgresError::InvalidConfig("the schema name contains a NUL".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password() {
        let config = PostgresConfig::new("postgres://u:hunter2@localhost:5433/db");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("localhost:5433/db as u"), "{shown}");
    }

    #[test]
    fn unparsable_url_is_refused_without_echoing_it() {
        let config = PostgresConfig::new("postgres://u:hunter2@localhost:notaport/db");
        let error = config.connect_options().expect_err("a bad port");
        assert!(matches!(error, PostgresError::InvalidConfig(_)));
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn empty_or_overlong_schema_names_are_refused() {
        let base = PostgresConfig::new("postgres://localhost/db");
        assert!(base.clone().with_schema("").connect_options().is_err());
        assert!(base.clone().with_schema("x".repeat(64)).connect_options().is_err());
        assert!(base.with_schema("Город \"2\"").connect_options().is_ok());
    }

    #[test]
    fn zero_connections_are_refused() {
        let config = PostgresConfig::new("postgres://localhost/db").with_max_connections(0);
        assert!(config.connect_options().is_err());
    }
}
