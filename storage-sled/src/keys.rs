//! How records, index entries and audit records are laid out as sled keys and values.
//!
//! - `records`: `kind \0 key` → the record's version, index entries and body (JSON).
//! - `index`: `kind \0 name ␟ value ␟ key` → empty, where `␟` ends a component. A
//!   `find` is one prefix scan over `kind \0 name ␟ value ␟`, and the keys that follow
//!   the prefix come back in byte order, which is the order `find` promises.
//! - `audit`: the sequence number as 8 big-endian bytes → the audit record (JSON), so
//!   the tree's order is the log's order and a cursor is a range start.
//! - `meta`: the schema version and the last audit sequence number, 8 big-endian bytes
//!   each.
//!
//! Kind names are fixed ASCII without NUL, so `\0` ends them. Index names and values
//! are arbitrary text and may contain NUL themselves: a NUL inside them is written as
//! `00 FF` and the end of a component as `00 01`. Without that, the value `a` would
//! also find records whose value is `a\0b`. The record key is always the last
//! component and is written as it is.

use citypassport_core::storage::{IndexEntry, RecordKind};
use serde::{Deserialize, Serialize};

/// The key in `meta` of the schema version.
pub(crate) const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";

/// The key in `meta` of the highest audit sequence number given so far.
pub(crate) const LAST_AUDIT_SEQ_KEY: &[u8] = b"last_audit_seq";
/// Key in `meta` of the hash of the last audit record, where the chain goes on from.
pub(crate) const LAST_AUDIT_HASH_KEY: &[u8] = b"last_audit_hash";

const END_OF_COMPONENT: [u8; 2] = [0x00, 0x01];
const ESCAPED_NUL: [u8; 2] = [0x00, 0xFF];

/// `kind \0 key`, or with a key prefix, the start of a scan.
pub(crate) fn record_key(kind: RecordKind, key: &str) -> Vec<u8> {
    let mut out = kind_prefix(kind, key.len());
    out.extend_from_slice(key.as_bytes());
    out
}

/// The record key that follows a record tree key's kind prefix.
pub(crate) fn key_after(prefix_len: usize, tree_key: &[u8]) -> Option<String> {
    let rest = tree_key.get(prefix_len..)?;
    String::from_utf8(rest.to_vec()).ok()
}

/// `kind \0 name ␟ value ␟`: every index key of that entry starts with it.
pub(crate) fn index_prefix(kind: RecordKind, name: &str, value: &str) -> Vec<u8> {
    let mut out = kind_prefix(kind, name.len() + value.len() + 4);
    push_component(&mut out, name);
    push_component(&mut out, value);
    out
}

/// The index key that says the record `key` has `entry`.
pub(crate) fn index_key(kind: RecordKind, entry: &IndexEntry, key: &str) -> Vec<u8> {
    let mut out = index_prefix(kind, &entry.name, &entry.value);
    out.extend_from_slice(key.as_bytes());
    out
}

/// A sequence number as a key or value: big-endian, so byte order is numeric order.
pub(crate) fn encode_seq(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The inverse of [`encode_seq`]; `None` for anything that is not 8 bytes.
pub(crate) fn decode_seq(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

fn kind_prefix(kind: RecordKind, extra: usize) -> Vec<u8> {
    let name = kind.as_str().as_bytes();
    let mut out = Vec::with_capacity(name.len() + 1 + extra);
    out.extend_from_slice(name);
    out.push(0);
    out
}

fn push_component(out: &mut Vec<u8>, text: &str) {
    for &byte in text.as_bytes() {
        if byte == 0 {
            out.extend_from_slice(&ESCAPED_NUL);
        } else {
            out.push(byte);
        }
    }
    out.extend_from_slice(&END_OF_COMPONENT);
}

/// A record as written into the `records` tree; kind and key are in the tree key.
#[derive(Serialize)]
pub(crate) struct RecordValueRef<'a> {
    pub(crate) version: u64,
    pub(crate) index: &'a [IndexEntry],
    pub(crate) body: &'a str,
}

/// A record as read back from the `records` tree.
#[derive(Deserialize)]
pub(crate) struct RecordValue {
    pub(crate) version: u64,
    pub(crate) index: Vec<IndexEntry>,
    pub(crate) body: String,
}

/// What `apply` needs of a stored record: serde skips the body without copying it.
#[derive(Deserialize)]
pub(crate) struct RecordHead {
    pub(crate) version: u64,
    pub(crate) index: Vec<IndexEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_value_that_is_a_prefix_of_another_has_a_different_prefix() {
        let short = index_prefix(RecordKind::Value, "period", "2026-Q");
        let long = index_key(RecordKind::Value, &IndexEntry::new("period", "2026-Q1"), "k");
        assert!(!long.starts_with(&short));
    }

    #[test]
    fn nul_inside_an_index_value_cannot_pose_as_a_component_end() {
        let plain = index_prefix(RecordKind::Value, "status", "a");
        let with_nul = index_key(RecordKind::Value, &IndexEntry::new("status", "a\0\u{1}b"), "k");
        assert!(!with_nul.starts_with(&plain));
    }

    #[test]
    fn sequence_numbers_sort_numerically_as_bytes() {
        assert!(encode_seq(255) < encode_seq(256));
        assert_eq!(decode_seq(&encode_seq(70_000)), Some(70_000));
        assert_eq!(decode_seq(b"short"), None);
    }
}
