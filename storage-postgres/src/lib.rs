#![doc = include_str!("../README.md")]

mod config;
mod error;
mod migrate;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::PostgresConfig;
pub use error::PostgresError;
pub use migrate::SCHEMA_VERSION;
pub use store::PostgresStorage;
