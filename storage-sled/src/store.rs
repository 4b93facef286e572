//! [`SledStorage`]: opening a folder and the [`Storage`] implementation.

use std::fmt;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use citypassport_core::storage::{
    chain_hash, conflict, AuditQuery, AuditRecord, ChangeSet, Expected, NewAuditRecord, RecordKind,
    Storage, StoredRecord, Write, GENESIS_HASH,
};
use citypassport_core::{Error, Result};
use sled::transaction::{abort, ConflictableTransactionResult, TransactionError};
use sled::Transactional;

use crate::config::{Durability, SledConfig, RELAXED_FLUSH_INTERVAL_MS};
use crate::error::OpenError;
use crate::flusher::Flusher;
use crate::keys;

/// The schema version this crate writes and reads.
///
/// Stored in the `meta` tree when a store is created. A store with a higher version was
/// written by a newer release and is refused with [`OpenError::NewerSchema`] rather
/// than misread.
///
/// - 1: records as JSON.
/// - 2: records in a binary layout, the body kept as it is. A store of schema 1 is
///   raised to 2 when it is opened: its JSON records stay readable and each is
///   rewritten in the new layout when it next changes. A release that knows only
///   schema 1 then refuses the store instead of misreading the new records.
pub const SCHEMA_VERSION: u64 = 2;

const RECORDS_TREE: &str = "records";
const INDEX_TREE: &str = "index";
const AUDIT_TREE: &str = "audit";
const META_TREE: &str = "meta";

/// The city passport in a folder on the local disk, kept by the embedded sled engine.
///
/// It gives every guarantee of [`Storage`]; durability as chosen by
/// [`Durability`]. One folder can be open in one `SledStorage` at a time: share it
/// through an `Arc` (the store is `Send + Sync`), a second open fails with
/// [`OpenError::Engine`].
///
/// # Blocking
///
/// Opening reads the folder and may replay sled's log, so [`open`](Self::open) blocks;
/// call it at start-up or through the runtime's blocking pool. The async methods do
/// only in-memory work on the calling thread (sled serves reads from its cache and
/// commits into its in-memory log) and wait for the disk only through a thread of the
/// store's own, which runs the `fsync` once for all the writers waiting at that moment
/// (sled's own `flush_async` can hang when called concurrently). A commit does wait
/// for reads of several keys that are under way (see the `gate` field), so a `scan` of
/// a whole large kind or an `audit` query over a long log holds writers back for as long
/// as it takes. Dropping the store writes out what is still buffered and waits for it.
pub struct SledStorage {
    records: sled::Tree,
    index: sled::Tree,
    audit: sled::Tree,
    meta: sled::Tree,
    durability: Durability,
    path: PathBuf,
    /// Readers of more than one key hold it shared, `apply` holds it exclusively while
    /// it commits. sled makes each transaction atomic, but its iterators and separate
    /// `get`s see every commit as soon as it lands, so without this a `find`, `scan` or
    /// `audit` running beside an `apply` could see part of a change set (an index
    /// entry without its record, one of two records). It is never held across an
    /// `.await` and only around in-memory work.
    gate: RwLock<()>,
    /// Writes sled's log to disk for durable change sets and [`flush`](Self::flush).
    flusher: Flusher,
}

impl fmt::Debug for SledStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStorage")
            .field("path", &self.path)
            .field("durability", &self.durability)
            .finish_non_exhaustive()
    }
}

impl SledStorage {
    /// Opens the store in the folder `path` with the defaults of [`SledConfig::new`]:
    /// durable, with a 64 MiB cache. Creates the folder and the store if there is none.
    ///
    /// Blocks while sled opens its files; see [Blocking](Self#blocking).
    ///
    /// # Errors
    ///
    /// As [`open_with`](Self::open_with).
    pub fn open(path: impl AsRef<Path>) -> std::result::Result<Self, OpenError> {
        Self::open_with(SledConfig::new(path.as_ref()))
    }

    /// Opens the store as `config` says. Creates the folder and the store if there is
    /// none.
    ///
    /// Blocks while sled opens its files; see [Blocking](Self#blocking).
    ///
    /// # Errors
    ///
    /// [`OpenError::NotAFolder`] for a path that is a file,
    /// [`OpenError::NotAPassportStore`] for a folder that holds other files or another
    /// program's sled database, [`OpenError::NewerSchema`] for a store written by a
    /// newer release (all three leave the folder as it was), [`OpenError::Engine`] when
    /// sled cannot open its files (permissions, disk, the store open elsewhere: an open
    /// waits up to a second for a store that is being closed) and
    /// [`OpenError::Unreadable`] when it finds them damaged.
    pub fn open_with(config: SledConfig) -> std::result::Result<Self, OpenError> {
        let SledConfig { path, durability, cache_capacity } = config;
        check_folder(&path)?;

        // The background flush runs in both modes: it is what bounds the loss of the
        // relaxed mode, and in the durable mode it only writes out what `apply`'s own
        // flush would write anyway.
        let sled_config = sled::Config::new()
            .path(&path)
            .cache_capacity(cache_capacity)
            .flush_every_ms(Some(RELAXED_FLUSH_INTERVAL_MS));
        let db = open_waiting_for_lock(&sled_config).map_err(|source| match source {
            sled::Error::Io(_) => OpenError::Engine { path: path.clone(), source },
            _ => OpenError::Unreadable { path: path.clone(), source },
        })?;
        let created = ensure_schema(&db, &path)?;

        let tree = |name| {
            db.open_tree(name).map_err(|source| OpenError::Engine { path: path.clone(), source })
        };
        // The trees and the flushing thread's handle keep the database open; it closes
        // (writing out what is buffered) when the last of them goes.
        let flusher = Flusher::start(db.clone())
            .map_err(|e| OpenError::Engine { path: path.clone(), source: sled::Error::Io(e) })?;
        let store = SledStorage {
            flusher,
            records: tree(RECORDS_TREE)?,
            index: tree(INDEX_TREE)?,
            audit: tree(AUDIT_TREE)?,
            meta: tree(META_TREE)?,
            durability,
            path,
            gate: RwLock::new(()),
        };

        tracing::debug!(
            path = %store.path.display(),
            durability = ?store.durability,
            cache_capacity,
            created,
            schema = SCHEMA_VERSION,
            "opened sled store"
        );
        Ok(store)
    }

    /// The folder the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The durability the store was opened with.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// Writes everything committed so far to disk and waits until it is there.
    ///
    /// Needed only with [`Durability::Relaxed`], to close the window in which a crash
    /// may lose acknowledged change sets (say, after a bulk load). The `fsync` runs on
    /// the store's own flushing thread, not on the caller's.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the disk refuses the write; what was committed stays
    /// readable but may not survive a crash.
    pub async fn flush(&self) -> Result<()> {
        self.flusher
            .flush()
            .await
            .map_err(|e| Error::storage(format!("flush: writing to disk failed: {e}")))
    }

    fn read_gate(&self) -> RwLockReadGuard<'_, ()> {
        // The gate guards no data, only the order of commits and reads, so a panic
        // elsewhere while holding it leaves nothing to repair.
        self.gate.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_gate(&self) -> RwLockWriteGuard<'_, ()> {
        self.gate.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The record of `kind` with `key`, read without the gate: sled reads one key
    /// atomically.
    fn read_record(
        &self,
        operation: &str,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<StoredRecord>> {
        let bytes = self.records.get(keys::record_key(kind, key)).map_err(|e| {
            Error::storage(format!("{operation}: reading a {kind} record failed: {e}"))
        })?;
        bytes.map(|bytes| decode_record(operation, kind, key.to_string(), &bytes)).transpose()
    }
}

#[async_trait]
impl Storage for SledStorage {
    async fn get(&self, kind: RecordKind, key: &str) -> Result<Option<StoredRecord>> {
        self.read_record("get", kind, key)
    }

    async fn get_many(
        &self,
        kind: RecordKind,
        keys: &[String],
    ) -> Result<Vec<Option<StoredRecord>>> {
        let _gate = self.read_gate();
        keys.iter().map(|key| self.read_record("get_many", kind, key)).collect()
    }

    async fn find(&self, kind: RecordKind, index: &str, value: &str) -> Result<Vec<StoredRecord>> {
        let prefix = keys::index_prefix(kind, index, value);
        let failed = |e: sled::Error| {
            Error::storage(format!("find: reading the {kind} index {index} failed: {e}"))
        };
        let _gate = self.read_gate();

        let mut found = Vec::new();
        for entry in self.index.scan_prefix(&prefix) {
            let (index_key, _) = entry.map_err(failed)?;
            let key = keys::key_after(prefix.len(), &index_key).ok_or_else(|| {
                Error::storage(format!("find: the {kind} index {index} holds a damaged entry"))
            })?;
            match self.read_record("find", kind, &key)? {
                Some(record) => found.push(record),
                // Cannot happen while every write goes through `apply`; a reader is
                // better served by the records that exist than by an error.
                None => tracing::warn!(
                    kind = %kind,
                    index,
                    "find: an index entry points at a missing record; skipped"
                ),
            }
        }
        Ok(found)
    }

    async fn scan(&self, kind: RecordKind, prefix: &str) -> Result<Vec<StoredRecord>> {
        let tree_prefix = keys::record_key(kind, prefix);
        let key_start = tree_prefix.len() - prefix.len();
        let _gate = self.read_gate();

        self.records
            .scan_prefix(&tree_prefix)
            .map(|entry| {
                let (tree_key, bytes) = entry.map_err(|e| {
                    Error::storage(format!("scan: reading {kind} records failed: {e}"))
                })?;
                let key = keys::key_after(key_start, &tree_key).ok_or_else(|| {
                    Error::storage(format!("scan: a stored {kind} key is damaged"))
                })?;
                decode_record("scan", kind, key, &bytes)
            })
            .collect()
    }

    async fn scan_page(
        &self,
        kind: RecordKind,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>> {
        let tree_prefix = keys::record_key(kind, prefix);
        let key_start = tree_prefix.len() - prefix.len();
        let _gate = self.read_gate();

        // A range read from just after `after`, so a page costs its own records and not
        // the whole kind. A cursor before the prefix starts at the prefix.
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(keys::record_key(kind, after)),
            _ => Bound::Included(tree_prefix.clone()),
        };
        self.records
            .range::<Vec<u8>, _>((start, Bound::Unbounded))
            .take_while(|entry| entry.as_ref().map_or(true, |(k, _)| k.starts_with(&tree_prefix)))
            .take(limit)
            .map(|entry| {
                let (tree_key, bytes) = entry.map_err(|e| {
                    Error::storage(format!("scan: reading {kind} records failed: {e}"))
                })?;
                let key = keys::key_after(key_start, &tree_key).ok_or_else(|| {
                    Error::storage(format!("scan: a stored {kind} key is damaged"))
                })?;
                decode_record("scan", kind, key, &bytes)
            })
            .collect()
    }

    async fn apply(&self, changes: ChangeSet) -> Result<Vec<u64>> {
        changes.validate()?;
        if changes.is_empty() {
            return Ok(Vec::new());
        }

        // Everything that can be prepared outside the transaction is, so that the
        // transaction (which holds sled's global commit lock and may be retried) only
        // reads, compares and writes bytes.
        let writes: Vec<PreparedWrite> = changes.writes.iter().map(PreparedWrite::new).collect();
        // The hash chain needs the sequence numbers, which only the transaction knows,
        // so audit records are encoded inside it.
        let audit = &changes.audit;

        let seqs = {
            let _gate = self.write_gate();
            (&self.records, &self.index, &self.audit, &self.meta)
                .transaction(|(records, index, audit_tree, meta)| {
                    // The expectations are checked inside the transaction, against what
                    // it reads, so a retried transaction checks them again.
                    for write in &writes {
                        write.stage(records, index)?;
                    }
                    append_audit(audit_tree, meta, audit)
                })
                .map_err(|e| match e {
                    TransactionError::Abort(error) => error,
                    TransactionError::Storage(e) => {
                        Error::storage(format!("apply: the sled transaction failed: {e}"))
                    }
                })?
        };

        // Visible to readers from here on; in durable mode the caller hears of it only
        // once it is on disk. The flushing thread runs one fsync for all the writers
        // waiting at that moment.
        if self.durability == Durability::Durable {
            self.flusher.flush().await.map_err(|e| {
                Error::storage(format!(
                    "apply: the change set was committed but writing it to disk failed, so \
                     it may be lost in a crash: {e}"
                ))
            })?;
        }
        Ok(seqs)
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        // Sequence numbers start at 1, so "after 0" and "no cursor" are the same.
        let Some(start) = query.after_seq.unwrap_or(0).checked_add(1) else {
            return Ok(Vec::new());
        };
        let limit = query.limit.unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let _gate = self.read_gate();

        // The cursor is a range start; every other condition is checked record by
        // record, so a query by actor, record or time reads the log from the cursor
        // on. The log has no secondary indexes: they would cost every write more than
        // the occasional audit query by actor or record saves.
        let mut found = Vec::new();
        for entry in self.audit.range(keys::encode_seq(start)..) {
            let (seq, bytes) = entry
                .map_err(|e| Error::storage(format!("audit: reading the audit log failed: {e}")))?;
            let seq = keys::decode_seq(&seq)
                .ok_or_else(|| Error::storage("audit: the audit log holds a damaged key"))?;
            let record: AuditRecord = serde_json::from_slice(&bytes).map_err(|_| {
                Error::storage(format!("audit: audit record {seq} could not be decoded"))
            })?;
            if query.matches(&record) {
                found.push(record);
                if found.len() == limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    async fn last_audit_seq(&self) -> Result<u64> {
        let stored = self.meta.get(keys::LAST_AUDIT_SEQ_KEY).map_err(|e| {
            Error::storage(format!("last_audit_seq: reading the audit counter failed: {e}"))
        })?;
        decode_counter("last_audit_seq", stored.as_deref())
    }

    async fn flush(&self) -> Result<()> {
        SledStorage::flush(self).await
    }
}

/// One write of a change set, encoded for the transaction.
struct PreparedWrite<'a> {
    kind: RecordKind,
    key: &'a str,
    expected: Expected,
    record_key: Vec<u8>,
    /// The encoded record and its index keys; `None` for a delete.
    put: Option<(Vec<u8>, Vec<Vec<u8>>)>,
}

impl<'a> PreparedWrite<'a> {
    fn new(write: &'a Write) -> Self {
        let (kind, key) = write.target();
        let put = match write {
            Write::Put { record, .. } => {
                let value = keys::encode_record(record.version, &record.index, &record.body);
                let index_keys =
                    record.index.iter().map(|entry| keys::index_key(kind, entry, key)).collect();
                Some((value, index_keys))
            }
            Write::Delete { .. } => None,
        };
        PreparedWrite {
            kind,
            key,
            expected: write.expected(),
            record_key: keys::record_key(kind, key),
            put,
        }
    }

    /// Checks the expectation against what the transaction reads, then replaces the
    /// record and its index entries.
    fn stage(
        &self,
        records: &sled::transaction::TransactionalTree,
        index: &sled::transaction::TransactionalTree,
    ) -> ConflictableTransactionResult<(), Error> {
        let current = match records.get(&self.record_key)? {
            Some(bytes) => match keys::decode_record_head(&bytes) {
                Some(head) => Some(head),
                None => {
                    return abort(Error::storage(format!(
                        "apply: stored {} could not be decoded",
                        name(self.kind, self.key)
                    )))
                }
            },
            None => None,
        };

        let holds = match self.expected {
            Expected::Absent => current.is_none(),
            Expected::Version(version) => current.as_ref().map(|c| c.version) == Some(version),
        };
        if !holds {
            return abort(conflict(self.kind, self.key));
        }

        if let Some(current) = &current {
            for entry in &current.index {
                index.remove(keys::index_key(self.kind, entry, self.key))?;
            }
        }
        match &self.put {
            Some((value, index_keys)) => {
                for index_key in index_keys {
                    index.insert(index_key.as_slice(), &[][..])?;
                }
                records.insert(self.record_key.as_slice(), value.as_slice())?;
            }
            None => {
                records.remove(self.record_key.as_slice())?;
            }
        }
        Ok(())
    }
}

/// Numbers the audit records from the stored counter on, links each to the one before
/// in the hash chain, and appends them.
fn append_audit(
    audit: &sled::transaction::TransactionalTree,
    meta: &sled::transaction::TransactionalTree,
    entries: &[NewAuditRecord],
) -> ConflictableTransactionResult<Vec<u64>, Error> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let last = match decode_counter("apply", meta.get(keys::LAST_AUDIT_SEQ_KEY)?.as_deref()) {
        Ok(last) => last,
        Err(error) => return abort(error),
    };
    let mut previous = match meta.get(keys::LAST_AUDIT_HASH_KEY)? {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => GENESIS_HASH.to_string(),
    };

    let mut seqs = Vec::with_capacity(entries.len());
    for (seq, entry) in (last + 1..).zip(entries) {
        let hash = chain_hash(&previous, seq, entry);
        let record = AuditRecord { seq, entry: entry.clone(), hash: hash.clone() };
        let bytes = match encode_audit(&record) {
            Ok(bytes) => bytes,
            Err(error) => return abort(error),
        };
        audit.insert(&keys::encode_seq(seq)[..], bytes)?;
        seqs.push(seq);
        previous = hash;
    }
    meta.insert(keys::LAST_AUDIT_SEQ_KEY, &keys::encode_seq(last + entries.len() as u64)[..])?;
    meta.insert(keys::LAST_AUDIT_HASH_KEY, previous.as_bytes())?;
    Ok(seqs)
}

fn encode_audit(record: &AuditRecord) -> Result<Vec<u8>> {
    serde_json::to_vec(record).map_err(|_| {
        Error::storage(format!(
            "apply: an audit record of action {} could not be encoded",
            record.entry.action
        ))
    })
}

fn decode_record(
    operation: &str,
    kind: RecordKind,
    key: String,
    bytes: &[u8],
) -> Result<StoredRecord> {
    let value = keys::decode_record(bytes).ok_or_else(|| {
        Error::storage(format!("{operation}: stored {} could not be decoded", name(kind, &key)))
    })?;
    Ok(StoredRecord { kind, key, version: value.version, body: value.body, index: value.index })
}

fn decode_counter(operation: &str, stored: Option<&[u8]>) -> Result<u64> {
    match stored {
        None => Ok(0),
        Some(bytes) => keys::decode_seq(bytes).ok_or_else(|| {
            Error::storage(format!("{operation}: the stored audit counter is damaged"))
        }),
    }
}

/// How a message names a record: like [`conflict`], it leaves out the keys of sessions
/// and login counters, which are hashes of secrets and personal data.
fn name(kind: RecordKind, key: &str) -> String {
    match kind {
        RecordKind::Session | RecordKind::LoginThrottle => format!("a {kind} record"),
        _ => format!("{kind} {key}"),
    }
}

/// How long an open waits for a folder whose store is being closed.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Opens sled's files, waiting up to [`LOCK_WAIT`] while another handle holds the
/// folder's lock. sled lets the lock go only when its own background threads have
/// finished with the files, a moment after the last handle is dropped, so an open that
/// follows a close at once could otherwise fail. A store that stays open elsewhere
/// still fails, after the wait.
fn open_waiting_for_lock(config: &sled::Config) -> sled::Result<sled::Db> {
    let started = Instant::now();
    loop {
        match config.open() {
            // sled reports the lock as an `Other` I/O error; only its text tells it apart.
            Err(sled::Error::Io(e))
                if e.to_string().starts_with("could not acquire lock")
                    && started.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            outcome => return outcome,
        }
    }
}

/// Refuses a path that is a file, or a folder that holds files but no sled store, before
/// sled would create its own files in it.
fn check_folder(path: &Path) -> std::result::Result<(), OpenError> {
    let folder_error = |source| OpenError::Folder { path: path.to_path_buf(), source };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(folder_error(e)),
    };
    if !metadata.is_dir() {
        return Err(OpenError::NotAFolder { path: path.to_path_buf() });
    }

    // sled writes `conf` and `db` when it creates a store; a folder with other files
    // and neither of those is someone else's.
    let mut empty = true;
    for entry in std::fs::read_dir(path).map_err(folder_error)? {
        let name = entry.map_err(folder_error)?.file_name();
        if name == "conf" || name == "db" {
            return Ok(());
        }
        empty = false;
    }
    if empty {
        Ok(())
    } else {
        Err(OpenError::NotAPassportStore { path: path.to_path_buf() })
    }
}

/// Checks the stored schema version, or writes it into a new store. Returns whether the
/// store was new.
fn ensure_schema(db: &sled::Db, path: &Path) -> std::result::Result<bool, OpenError> {
    let engine = |source| OpenError::Engine { path: path.to_path_buf(), source };
    let foreign = || OpenError::NotAPassportStore { path: path.to_path_buf() };
    let meta = db.open_tree(META_TREE).map_err(engine)?;

    match meta.get(keys::SCHEMA_VERSION_KEY).map_err(engine)? {
        Some(stored) => {
            let found = keys::decode_seq(&stored).ok_or_else(foreign)?;
            if found > SCHEMA_VERSION {
                return Err(OpenError::NewerSchema {
                    path: path.to_path_buf(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            if found == 0 {
                return Err(foreign());
            }
            if found < SCHEMA_VERSION {
                // Before anything is written in the new layout, so that an older
                // release can never open a store holding records it cannot read.
                meta.insert(keys::SCHEMA_VERSION_KEY, &keys::encode_seq(SCHEMA_VERSION)[..])
                    .map_err(engine)?;
                db.flush().map_err(engine)?;
                tracing::info!(
                    path = %path.display(),
                    from = found,
                    to = SCHEMA_VERSION,
                    "raised the sled store's schema"
                );
            }
            Ok(false)
        }
        None => {
            // A store without a schema version is new only if it holds nothing at all;
            // otherwise it is a sled database of another program.
            for tree_name in db.tree_names() {
                if !db.open_tree(&tree_name).map_err(engine)?.is_empty() {
                    return Err(foreign());
                }
            }
            meta.insert(keys::SCHEMA_VERSION_KEY, &keys::encode_seq(SCHEMA_VERSION)[..])
                .map_err(engine)?;
            db.flush().map_err(engine)?;
            tracing::debug!(path = %path.display(), schema = SCHEMA_VERSION, "created sled store");
            Ok(true)
        }
    }
}
