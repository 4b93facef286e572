//! Builders shared by the sled-specific tests.

#![allow(dead_code)] // Each test file uses a different part.

use chrono::{TimeZone, Utc};
use citypassport_core::storage::{
    ChangeSet, Expected, IndexEntry, NewAuditRecord, RecordKind, StoredRecord, Write,
};
use citypassport_core::Id;

/// A value record with the given index entries.
pub fn value(key: &str, version: u64, body: &str, index: &[(&str, &str)]) -> StoredRecord {
    StoredRecord {
        kind: RecordKind::Value,
        key: key.to_string(),
        version,
        body: body.to_string(),
        index: index.iter().map(|(name, value)| IndexEntry::new(*name, *value)).collect(),
    }
}

/// A put of `record` that expects `expected`.
pub fn put(record: StoredRecord, expected: Expected) -> Write {
    Write::Put { record, expected }
}

/// An audit record of `action` on the value `key` by `u1`.
pub fn audit(action: &str, key: &str) -> NewAuditRecord {
    NewAuditRecord {
        at: Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap(),
        actor: Some(Id::from("u1")),
        action: action.to_string(),
        kind: RecordKind::Value,
        key: key.to_string(),
        before: None,
        after: Some(format!("{{\"key\":\"{key}\"}}")),
    }
}

/// A change set of `writes` with `audit`.
pub fn change(writes: Vec<Write>, audit: Vec<NewAuditRecord>) -> ChangeSet {
    ChangeSet { writes, audit }
}
