//! Why a store could not be opened.
//!
//! Failures of operations on an open store are the core's
//! [`Error::Storage`](citypassport_core::Error::Storage), with a message that names the
//! operation and never the contents of a record.

use std::path::PathBuf;

/// Why [`SledStorage::open`](crate::SledStorage::open) failed.
///
/// The variants separate "the folder could not be opened" (fix the path, the
/// permissions or stop the other process) from "the folder holds something else" (do
/// not point the passport at it) and "the store is newer than this program" (upgrade).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The path names a file or something else that is not a folder.
    #[error("{} is not a folder; a sled store is a folder of its own", path.display())]
    NotAFolder {
        /// The path that was given.
        path: PathBuf,
    },

    /// The folder could not be read to check what it holds.
    #[error("could not read the folder {}: {source}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },

    /// sled could not open or set up its files: missing permissions, a full disk, or
    /// another process (or another `SledStorage` in this one) has the store open.
    #[error("could not open the sled store in {}: {source}", path.display())]
    Engine {
        /// The folder.
        path: PathBuf,
        /// What sled said.
        source: sled::Error,
    },

    /// sled found files it cannot read: damaged, or written by an incompatible version
    /// of sled.
    #[error("the sled store in {} is damaged or was written by an incompatible sled: {source}",
        path.display())]
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// What sled said.
        source: sled::Error,
    },

    /// The folder holds something other than a city passport store: other files, or a
    /// sled database of another program.
    #[error("{} holds something other than a city passport store; use an empty or new folder",
        path.display())]
    NotAPassportStore {
        /// The folder.
        path: PathBuf,
    },

    /// The store was written by a newer version of this crate, with a schema this one
    /// does not know. Nothing was changed.
    #[error("the store in {} has schema version {found}, but this program knows only up to \
        {supported}; upgrade citypassport", path.display())]
    NewerSchema {
        /// The folder.
        path: PathBuf,
        /// The schema version found in the store.
        found: u64,
        /// The newest schema version this crate knows.
        supported: u64,
    },
}

impl From<OpenError> for citypassport_core::Error {
    /// For embedders that report every failure as the core's error.
    fn from(error: OpenError) -> Self {
        citypassport_core::Error::storage(format!("opening the store: {error}"))
    }
}
