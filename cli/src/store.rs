//! Which store the tool works on: a sled folder or a PostgreSQL database.
//!
//! A store is named by one string, given with `--store` or in the environment variable
//! `CITYPASSPORT_STORE`:
//!
//! - `sled:PATH`: an embedded store in the folder PATH, created on first use;
//! - `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (or `postgresql://`): a database on
//!   a PostgreSQL server, with the tables in the schema given by `--schema` (or
//!   `CITYPASSPORT_PG_SCHEMA`), else in the role's default schema.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use citypassport_core::Storage;
use citypassport_postgres::{PostgresConfig, PostgresStorage};
use citypassport_sled::SledStorage;

/// Where a store is.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// An embedded sled store in this folder.
    Sled(PathBuf),
    /// A PostgreSQL database at this URL.
    Postgres {
        /// The connection URL; it may hold a password, so it is never shown.
        url: String,
        /// The schema holding the tables, if not the role's default.
        schema: Option<String>,
    },
}

/// The store could not be named or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store string is not one of the forms the tool knows.
    #[error(
        "'{0}' does not name a store; use sled:PATH for a folder on this computer or \
         postgres://USER@HOST/DATABASE for a PostgreSQL server"
    )]
    Unknown(String),

    /// The sled folder could not be opened.
    #[error("the store in {path} could not be opened: {source}")]
    Sled {
        /// The folder.
        path: String,
        /// The cause.
        source: citypassport_sled::OpenError,
    },

    /// The PostgreSQL store could not be opened.
    #[error("the PostgreSQL store could not be opened: {0}")]
    Postgres(#[from] citypassport_postgres::PostgresError),
}

impl StoreSpec {
    /// The same store with its PostgreSQL tables in `schema` (ignored for sled).
    pub fn with_schema(self, schema: Option<String>) -> Self {
        match self {
            StoreSpec::Postgres { url, .. } => StoreSpec::Postgres { url, schema },
            sled => sled,
        }
    }

    /// Opens the store; a sled folder and a PostgreSQL schema are created if they do not
    /// exist, and a PostgreSQL schema is migrated to the version this tool needs.
    pub async fn open(&self) -> Result<Arc<dyn Storage>, StoreError> {
        match self {
            StoreSpec::Sled(path) => {
                let store = SledStorage::open(path).map_err(|source| StoreError::Sled {
                    path: path.display().to_string(),
                    source,
                })?;
                Ok(Arc::new(store))
            }
            StoreSpec::Postgres { url, schema } => {
                let mut config = PostgresConfig::new(url.clone()).with_max_connections(4);
                if let Some(schema) = schema {
                    config = config.with_schema(schema.clone());
                }
                Ok(Arc::new(PostgresStorage::connect_with(config).await?))
            }
        }
    }
}

impl FromStr for StoreSpec {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        let s = s.trim();
        if let Some(path) = s.strip_prefix("sled:") {
            if !path.is_empty() {
                return Ok(StoreSpec::Sled(PathBuf::from(path)));
            }
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(StoreSpec::Postgres { url: s.to_string(), schema: None });
        }
        // The string may be a URL of another scheme with a password in it: show only
        // the scheme.
        let shown = match s.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://..."),
            None => s.to_string(),
        };
        Err(StoreError::Unknown(shown))
    }
}

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSpec::Sled(path) => write!(f, "sled:{}", path.display()),
            StoreSpec::Postgres { url, schema } => {
                // Only the host and database: the URL may carry a password.
                let address = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
                let server = address.rsplit('@').next().unwrap_or_default();
                let server = server.split('?').next().unwrap_or_default();
                write!(f, "PostgreSQL {server}")?;
                if let Some(schema) = schema {
                    write!(f, ", schema {schema}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSpec({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_store_is_shown_without_its_password() {
        let spec: StoreSpec =
            "postgres://passport:s3cret@db.city.example:5432/passport".parse().unwrap();
        let shown = format!("{spec} {spec:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.city.example:5432/passport"), "{shown}");
    }

    #[test]
    fn an_unknown_store_is_refused_without_echoing_a_password() {
        let error = "mysql://root:s3cret@db/passport".parse::<StoreSpec>().unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
        assert!("sled:".parse::<StoreSpec>().is_err());
        assert_eq!("sled:./store".parse::<StoreSpec>().unwrap(), StoreSpec::Sled("./store".into()));
    }
}
