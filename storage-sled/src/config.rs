//! How a [`SledStorage`](crate::SledStorage) is opened: where, how durably, with how much
//! cache.

use std::path::PathBuf;

/// How long `apply` waits before it reports success.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Durability {
    /// `apply` returns only after the change set is on disk: a crash of the process or
    /// of the machine right after `Ok` loses nothing. Each change set costs one flush
    /// (an `fsync`), so writes are slower; concurrent writers share flushes.
    ///
    /// Readers in the same process see a change set as soon as it is committed in
    /// memory, a fraction of a millisecond before it is on disk. A crash in that window
    /// loses a change set whose writer was never told it succeeded but which a reader
    /// may already have seen. If the flush itself fails, `apply` returns an error
    /// although the change set is committed in memory: readers see it, and it is on
    /// disk only if a later flush succeeds.
    #[default]
    Durable,

    /// `apply` returns as soon as the change set is committed in memory; sled writes it
    /// to disk in the background every [`RELAXED_FLUSH_INTERVAL_MS`] milliseconds and
    /// when the store is dropped.
    ///
    /// A crash (of the process or the machine) may lose the change sets acknowledged
    /// during roughly the last half second, and a change set that is lost is lost
    /// whole: after reopening, the store holds every change set up to some point in
    /// commit order and none after it, each one with all of its writes, index entries
    /// and audit records, and the audit log has no gaps. Nothing half-applied is ever
    /// read back. Call [`SledStorage::flush`](crate::SledStorage::flush) to make
    /// everything acknowledged so far durable, e.g. at the end of a bulk load.
    Relaxed,
}

/// How often sled writes buffered changes to disk in the background, in milliseconds.
///
/// This bounds what [`Durability::Relaxed`] may lose in a crash. It is sled's default,
/// set explicitly so that the promise does not change with sled's defaults.
pub const RELAXED_FLUSH_INTERVAL_MS: u64 = 500;

/// The default size of sled's page cache in bytes: 64 MiB.
///
/// sled's own default is 1 GiB, and loading a million records of about 120 bytes with
/// it peaked at over 2 GiB of memory. A passport holds far fewer records than that and
/// reads them mostly by key, so a modest cache costs little speed and keeps the store
/// well-behaved next to other services.
pub const DEFAULT_CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// Where and how to open a [`SledStorage`](crate::SledStorage).
///
/// ```
/// use citypassport_sled::{Durability, SledConfig};
///
/// let config = SledConfig::new("/var/lib/citypassport")
///     .with_durability(Durability::Relaxed)
///     .with_cache_capacity(256 * 1024 * 1024);
/// assert_eq!(config.durability, Durability::Relaxed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SledConfig {
    /// The folder that holds the store; created if it does not exist.
    pub path: PathBuf,
    /// When `apply` reports success; [`Durability::Durable`] unless changed.
    pub durability: Durability,
    /// The size of sled's page cache in bytes; [`DEFAULT_CACHE_CAPACITY`] unless
    /// changed.
    pub cache_capacity: u64,
}

impl SledConfig {
    /// A durable store in `path` with the default cache.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SledConfig {
            path: path.into(),
            durability: Durability::default(),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
        }
    }

    /// The same configuration with another durability.
    #[must_use]
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The same configuration with a page cache of `bytes`.
    #[must_use]
    pub fn with_cache_capacity(mut self, bytes: u64) -> Self {
        self.cache_capacity = bytes;
        self
    }
}
