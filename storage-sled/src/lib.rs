//! # citypassport-sled
//!
//! The city passport in a folder on the local disk, kept by the embedded
//! [sled](https://docs.rs/sled/0.34) engine: no server to run, one process at a time.
//!
//! [`SledStorage`] implements the core's [`Storage`](citypassport_core::Storage) trait
//! with every guarantee it documents: change sets are applied all or nothing in one
//! multi-tree sled transaction, version expectations are checked inside that
//! transaction, audit records are numbered without gaps, index entries change with
//! their records, and readers never see part of a change set. By default `apply`
//! returns only once the change is on disk; [`Durability::Relaxed`] trades the last
//! half second of acknowledged writes in a crash for speed, never part of a change set.
//!
//! ```
//! use citypassport_core::storage::{ChangeSet, Expected, IndexEntry, RecordKind, StoredRecord};
//! use citypassport_core::storage::Write;
//! use citypassport_core::Storage;
//! use citypassport_sled::SledStorage;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let folder = tempfile::tempdir()?;
//!     let store = SledStorage::open(folder.path())?;
//!
//!     let setting = StoredRecord {
//!         kind: RecordKind::Setting,
//!         key: "city".into(),
//!         version: 1,
//!         body: r#"{"name":"Kazan"}"#.into(),
//!         index: vec![IndexEntry::new("scope", "city")],
//!     };
//!     let write = Write::Put { record: setting.clone(), expected: Expected::Absent };
//!     store.apply(ChangeSet { writes: vec![write], audit: vec![] }).await?;
//!
//!     assert_eq!(store.get(RecordKind::Setting, "city").await?, Some(setting));
//!     assert_eq!(store.find(RecordKind::Setting, "scope", "city").await?.len(), 1);
//!     Ok(())
//! }
//! ```
//!
//! ## On disk
//!
//! The folder holds one sled database with four trees: `records`, `index`, `audit` and
//! `meta`; the keys are described in the `keys` module's source. `meta` holds the
//! [`SCHEMA_VERSION`], checked on every open, so that an older release refuses a store
//! written by a newer one instead of misreading it. A record is kept in a small binary
//! layout around the core's JSON body; a store of schema 1, whose records were JSON
//! throughout, is raised to schema 2 on open and reads both.
//!
//! ## Memory
//!
//! sled's own page cache defaults to 1 GiB, and loading a million records with it
//! peaked at over 2 GiB of memory. This crate sets the cache to
//! [`DEFAULT_CACHE_CAPACITY`] (64 MiB) unless [`SledConfig::cache_capacity`] says
//! otherwise.

mod config;
mod error;
mod flusher;
mod keys;
mod store;

pub use config::{Durability, SledConfig, DEFAULT_CACHE_CAPACITY, RELAXED_FLUSH_INTERVAL_MS};
pub use error::OpenError;
pub use store::{SledStorage, SCHEMA_VERSION};
