//! The storage trait that every backend implements, and the records it stores.
//!
//! A backend stores and finds records; it decides nothing. The core turns its typed
//! records into [`StoredRecord`]s (a kind, a key, a version, a JSON body and the index
//! entries the core will query by), and writes them in [`ChangeSet`]s together with the
//! audit records that describe them.
//!
//! # Guarantees every backend gives
//!
//! 1. **All or nothing.** [`Storage::apply`] writes every write and every audit record
//!    of a change set, or none of them. A reader never sees part of a change set.
//! 2. **Optimistic versions.** Each write names what it expects to find: no record
//!    ([`Expected::Absent`]), or a record at an exact version. If any expectation does
//!    not hold when the change set is applied, nothing is written and `apply` returns
//!    [`Error::Conflict`] naming the record. Two writers that read the same version can
//!    never both succeed: the check and the write are one atomic step.
//! 3. **Ordered, chained audit.** Audit records get sequence numbers that increase by
//!    one with each record, in the order of commit, with no gaps and no reuse; a change
//!    set's records are numbered consecutively. Readers can follow the log from a cursor.
//!    Each record carries [`chain_hash`] of the one before, computed in the same step.
//! 4. **Durability.** When `apply` returns `Ok`, the change survives a crash of the
//!    process, unless the embedder opened the backend in a relaxed mode that its docs
//!    describe.
//! 5. **Indexes agree with records.** [`Storage::find`] returns exactly the records
//!    whose current index entries match; entries of overwritten or deleted records are
//!    gone in the same atomic step.
//! 6. **Consistent reads.** Each read call (`get_many`, `find`, `scan`, `audit`) sees one
//!    state of the store: all of a change set or none of it.
//!
//! An error from [`Storage::apply`] other than [`Error::Conflict`] (a lost connection, a
//! failed flush) may leave the outcome unknown: the change set may or may not have been
//! committed, but never in part. The service reports such an error as it is; a retry
//! that finds the change already made gets a conflict and changes nothing twice.
//!
//! The conformance suite (feature `conformance`) checks each of these.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::Id;

/// The kinds of record the core stores. Each is a separate key space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordKind {
    /// A catalog section, keyed by name.
    Section,
    /// A department, keyed by id.
    Department,
    /// An indicator definition, keyed by code.
    Indicator,
    /// An account, keyed by id.
    Account,
    /// A session, keyed by the token's hash.
    Session,
    /// Failed-login counters, keyed by the e-mail's hash.
    LoginThrottle,
    /// An executor's assignment to an indicator, keyed by id.
    Assignment,
    /// The current value of an (indicator, period), keyed `code|period`.
    Value,
    /// One revision in a value's history, keyed `code|period|number`.
    Revision,
    /// A delay notice, keyed by id.
    DelayNotice,
    /// A city-wide setting or other singleton, keyed by name.
    Setting,
    /// A calendar exception (a moved rest day, a working Saturday), keyed by date.
    CalendarDay,
    /// A catalog change proposal, keyed by id.
    ChangeProposal,
    /// A correction of an accepted value, keyed by id.
    Correction,
    /// A due date set for one value, or its extension, keyed `code|period`.
    DueDate,
    /// One version of an indicator's definition, keyed `code|number`.
    IndicatorVersion,
}

impl RecordKind {
    /// Every kind, in a fixed order.
    pub const ALL: [RecordKind; 16] = [
        RecordKind::Section,
        RecordKind::Department,
        RecordKind::Indicator,
        RecordKind::Account,
        RecordKind::Session,
        RecordKind::LoginThrottle,
        RecordKind::Assignment,
        RecordKind::Value,
        RecordKind::Revision,
        RecordKind::DelayNotice,
        RecordKind::Setting,
        RecordKind::CalendarDay,
        RecordKind::ChangeProposal,
        RecordKind::Correction,
        RecordKind::DueDate,
        RecordKind::IndicatorVersion,
    ];

    /// A stable name, used by backends as a table or tree prefix: `value`, `account`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Section => "section",
            RecordKind::Department => "department",
            RecordKind::Indicator => "indicator",
            RecordKind::Account => "account",
            RecordKind::Session => "session",
            RecordKind::LoginThrottle => "login_throttle",
            RecordKind::Assignment => "assignment",
            RecordKind::Value => "value",
            RecordKind::Revision => "revision",
            RecordKind::DelayNotice => "delay_notice",
            RecordKind::Setting => "setting",
            RecordKind::CalendarDay => "calendar_day",
            RecordKind::ChangeProposal => "change_proposal",
            RecordKind::Correction => "correction",
            RecordKind::DueDate => "due_date",
            RecordKind::IndicatorVersion => "indicator_version",
        }
    }

    /// The kind with the given [`as_str`](Self::as_str) name.
    pub fn from_name(name: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One index entry of a record: the record is found by `find(kind, name, value)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The index's name, e.g. `period`.
    pub name: String,
    /// The indexed value, e.g. `2026-M07`.
    pub value: String,
}

impl IndexEntry {
    /// An entry of index `name` with `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        IndexEntry { name: name.into(), value: value.into() }
    }
}

/// A record as a backend stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// Its key space.
    pub kind: RecordKind,
    /// Unique within the kind. Keys sort as byte strings.
    pub key: String,
    /// 1 for a new record, one more on each overwrite.
    pub version: u64,
    /// The record's content as JSON text; the backend stores it as it is.
    pub body: String,
    /// Index entries to find the record by.
    pub index: Vec<IndexEntry>,
}

/// What a write expects to find in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expected {
    /// No record with this kind and key.
    Absent,
    /// The record at exactly this version.
    Version(u64),
}

/// One write of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Insert or overwrite a record; its `version` is the version to store.
    Put {
        /// The record to store.
        record: StoredRecord,
        /// What must be there now.
        expected: Expected,
    },
    /// Remove a record and its index entries.
    Delete {
        /// Kind of the record.
        kind: RecordKind,
        /// Key of the record.
        key: String,
        /// The version that must be there now.
        expected: Expected,
    },
}

impl Write {
    /// The kind and key the write touches.
    pub fn target(&self) -> (RecordKind, &str) {
        match self {
            Write::Put { record, .. } => (record.kind, &record.key),
            Write::Delete { kind, key, .. } => (*kind, key),
        }
    }

    /// What the write expects to find.
    pub fn expected(&self) -> Expected {
        match self {
            Write::Put { expected, .. } | Write::Delete { expected, .. } => *expected,
        }
    }
}

/// An audit record before it is numbered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditRecord {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it; none for the system and for a bootstrap.
    pub actor: Option<Id>,
    /// What was done, e.g. `value.submit`.
    pub action: String,
    /// Which kind of record.
    pub kind: RecordKind,
    /// Which record.
    pub key: String,
    /// The record before, as JSON, where there was one worth keeping.
    pub before: Option<String>,
    /// The record after, as JSON.
    pub after: Option<String>,
}

/// An audit record as stored, with its sequence number and its link in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, from 1.
    pub seq: u64,
    /// The record's content.
    #[serde(flatten)]
    pub entry: NewAuditRecord,
    /// [`chain_hash`] of the previous record's hash, this `seq` and `entry`: altering or
    /// removing any record breaks every hash after it.
    pub hash: String,
}

/// The hash the chain starts from, standing in for "the record before the first".
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of audit record `seq` with content `entry`, following the record whose
/// hash is `previous`: SHA-256 over the previous hash and the JSON of `(seq, entry)`, as
/// lowercase hex. Every backend computes it the same way, in the same atomic step that
/// numbers the record.
pub fn chain_hash(previous: &str, seq: u64, entry: &NewAuditRecord) -> String {
    use sha2::{Digest, Sha256};

    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    // Serializing a tuple of plain data cannot fail.
    hasher.update(serde_json::to_vec(&(seq, entry)).unwrap_or_default());
    hex::encode(hasher.finalize())
}

/// Writes and audit records to apply together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// The writes; at most one per (kind, key).
    pub writes: Vec<Write>,
    /// The audit records, numbered in this order.
    pub audit: Vec<NewAuditRecord>,
}

impl ChangeSet {
    /// An empty change set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether it writes nothing and logs nothing.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.audit.is_empty()
    }

    /// Checks that no two writes touch the same record; backends may rely on it.
    pub fn validate(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for write in &self.writes {
            let (kind, key) = write.target();
            if !seen.insert((kind, key)) {
                return Err(Error::storage(format!("change set writes {kind} {key} twice")));
            }
        }
        Ok(())
    }
}

/// Which audit records to read. All given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only records with a sequence number greater than this (a cursor).
    pub after_seq: Option<u64>,
    /// Only records at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only records before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only records by this actor.
    pub actor: Option<Id>,
    /// Only records about this kind of record.
    pub kind: Option<RecordKind>,
    /// Only records about this key (with `kind`).
    pub key: Option<String>,
    /// At most this many, the oldest first.
    pub limit: Option<usize>,
}

impl AuditQuery {
    /// Whether a record meets every condition but the limit. Backends may use it to
    /// filter after a coarse lookup.
    pub fn matches(&self, record: &AuditRecord) -> bool {
        let e = &record.entry;
        self.after_seq.is_none_or(|s| record.seq > s)
            && self.from.is_none_or(|t| e.at >= t)
            && self.to.is_none_or(|t| e.at < t)
            && self.actor.as_ref().is_none_or(|a| e.actor.as_ref() == Some(a))
            && self.kind.is_none_or(|k| e.kind == k)
            && self.key.as_ref().is_none_or(|k| &e.key == k)
    }
}

/// A place to keep the passport: memory, sled, PostgreSQL or a backend of your own.
///
/// Object-safe; use it as `Arc<dyn Storage>`. See the module docs for the guarantees
/// every method must give, and run the conformance suite to check them.
#[async_trait]
pub trait Storage: Send + Sync + fmt::Debug {
    /// The record of `kind` with `key`, if there is one.
    async fn get(&self, kind: RecordKind, key: &str) -> Result<Option<StoredRecord>>;

    /// Several records of one kind by key, in the order asked, with `None` where there
    /// is none.
    async fn get_many(
        &self,
        kind: RecordKind,
        keys: &[String],
    ) -> Result<Vec<Option<StoredRecord>>> {
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            found.push(self.get(kind, key).await?);
        }
        Ok(found)
    }

    /// The records of `kind` that have the index entry (`index`, `value`), in key order.
    async fn find(&self, kind: RecordKind, index: &str, value: &str) -> Result<Vec<StoredRecord>>;

    /// The records of `kind` whose key starts with `prefix`, in key order. An empty
    /// prefix lists the whole kind.
    async fn scan(&self, kind: RecordKind, prefix: &str) -> Result<Vec<StoredRecord>>;

    /// At most `limit` records of `kind` whose key starts with `prefix` and sorts after
    /// `after` (from the first when `None`), in key order: one page of a scan, so that a
    /// large kind can be read in bounded memory. The default reads the whole prefix and
    /// cuts the page out; backends should override it with a range read.
    async fn scan_page(
        &self,
        kind: RecordKind,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>> {
        Ok(self
            .scan(kind, prefix)
            .await?
            .into_iter()
            .filter(|r| after.is_none_or(|a| r.key.as_str() > a))
            .take(limit)
            .collect())
    }

    /// Applies a change set atomically and returns the sequence numbers given to its
    /// audit records, in order.
    async fn apply(&self, changes: ChangeSet) -> Result<Vec<u64>>;

    /// Audit records that match `query`, in sequence order.
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>>;

    /// The highest audit sequence number given so far; 0 for an empty log.
    async fn last_audit_seq(&self) -> Result<u64>;

    /// Makes every change applied so far durable, for a backend opened in a relaxed
    /// mode (before a shutdown, after a bulk load). Durable backends have nothing to do.
    async fn flush(&self) -> Result<()> {
        Ok(())
    }
}

/// The message of the conflict error for a record, shared by backends so that every
/// backend says the same thing.
///
/// Keys of sessions and login counters are hashes of secrets and personal data, so the
/// message leaves them out. So are the keys of uniqueness claims (`claim/email/<digest>`,
/// an unsalted hash of an e-mail): the message names the kind of claim only, e.g.
/// `setting claim/email`.
pub fn conflict(kind: RecordKind, key: &str) -> Error {
    match kind {
        RecordKind::Session | RecordKind::LoginThrottle => Error::Conflict(kind.to_string()),
        RecordKind::Setting if key.starts_with("claim/") => {
            let claim = key.split('/').nth(1).unwrap_or_default();
            Error::Conflict(format!("{kind} claim/{claim}"))
        }
        _ => Error::Conflict(format!("{kind} {key}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_on_a_claim_names_its_kind_not_its_digest() {
        let digest = "5d41402abc4b2a76b9719d911017c592";
        let message = conflict(RecordKind::Setting, &format!("claim/email/{digest}")).to_string();
        assert!(message.contains("setting claim/email") && !message.contains(digest), "{message}");
        let message = conflict(RecordKind::Setting, "claim/bootstrap").to_string();
        assert!(message.contains("setting claim/bootstrap"), "{message}");
        let message = conflict(RecordKind::Setting, "city").to_string();
        assert!(message.contains("setting city"), "{message}");
    }
}
