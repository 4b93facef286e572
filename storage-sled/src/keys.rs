//! How records, index entries and audit records are laid out as sled keys and values.
//!
//! - `records`: `kind \0 key` → the record's version, index entries and body, in the
//!   binary layout of [`encode_record`] (stores from schema 1 may still hold JSON ones).
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
use serde::Deserialize;

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

/// The first byte of a record value in the binary layout of schema 2. Records of
/// schema 1 are JSON objects and start with `{`, so one byte tells the layouts apart
/// and a store upgraded from schema 1 reads both.
const BINARY_RECORD: u8 = 0x02;

/// A record's value in the `records` tree (kind and key are in the tree key): the tag
/// byte, the version as 8 little-endian bytes, the number of index entries as 4, each
/// entry's name and value as a 4-byte length and the bytes, and then the body, whose
/// length is what is left. Binary rather than JSON because the body is JSON text
/// already: inside a JSON envelope every quote in it was escaped on write and
/// unescaped into a fresh string on read, which cost more than the rest of an export.
pub(crate) fn encode_record(version: u64, index: &[IndexEntry], body: &str) -> Vec<u8> {
    let index_bytes: usize = index.iter().map(|e| 8 + e.name.len() + e.value.len()).sum();
    let mut out = Vec::with_capacity(1 + 8 + 4 + index_bytes + body.len());
    out.push(BINARY_RECORD);
    out.extend_from_slice(&version.to_le_bytes());
    push_len(&mut out, index.len());
    for entry in index {
        push_text(&mut out, &entry.name);
        push_text(&mut out, &entry.value);
    }
    out.extend_from_slice(body.as_bytes());
    out
}

/// A record as read back from the `records` tree.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RecordValue {
    pub(crate) version: u64,
    pub(crate) index: Vec<IndexEntry>,
    pub(crate) body: String,
}

/// What `apply` needs of a stored record: its version and index entries, read without
/// copying the body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RecordHead {
    pub(crate) version: u64,
    pub(crate) index: Vec<IndexEntry>,
}

/// Schema 1's JSON layout of a record, still read in upgraded stores.
#[derive(Deserialize)]
struct JsonRecord {
    version: u64,
    index: Vec<IndexEntry>,
    body: String,
}

/// Schema 1's JSON layout without the body: serde skips it without copying it.
#[derive(Deserialize)]
struct JsonRecordHead {
    version: u64,
    index: Vec<IndexEntry>,
}

/// The record in `bytes`, in either layout; `None` if it is damaged.
pub(crate) fn decode_record(bytes: &[u8]) -> Option<RecordValue> {
    if bytes.first() == Some(&b'{') {
        let json: JsonRecord = serde_json::from_slice(bytes).ok()?;
        return Some(RecordValue { version: json.version, index: json.index, body: json.body });
    }
    let (head, body) = binary_head(bytes)?;
    let body = std::str::from_utf8(body).ok()?.to_string();
    Some(RecordValue { version: head.version, index: head.index, body })
}

/// The version and index entries of the record in `bytes`; `None` if it is damaged.
pub(crate) fn decode_record_head(bytes: &[u8]) -> Option<RecordHead> {
    if bytes.first() == Some(&b'{') {
        let json: JsonRecordHead = serde_json::from_slice(bytes).ok()?;
        return Some(RecordHead { version: json.version, index: json.index });
    }
    binary_head(bytes).map(|(head, _)| head)
}

/// The head of a binary record and the bytes of its body.
fn binary_head(bytes: &[u8]) -> Option<(RecordHead, &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    if tag != BINARY_RECORD {
        return None;
    }
    let mut reader = Reader { rest };
    let version = u64::from_le_bytes(reader.take(8)?.try_into().ok()?);
    let entries = reader.len()?;
    // Each entry takes at least 8 bytes, so a damaged count cannot ask for a huge Vec.
    let mut index = Vec::with_capacity(entries.min(reader.rest.len() / 8));
    for _ in 0..entries {
        let name = reader.text()?;
        let value = reader.text()?;
        index.push(IndexEntry::new(name, value));
    }
    Some((RecordHead { version, index }, reader.rest))
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    // Index names and values are short texts the core makes; no record comes near 4 GiB.
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
}

fn push_text(out: &mut Vec<u8>, text: &str) {
    push_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

/// Reads a binary record from the front, refusing to run past its end.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(taken)
    }

    fn len(&mut self) -> Option<usize> {
        let bytes = self.take(4)?;
        usize::try_from(u32::from_le_bytes(bytes.try_into().ok()?)).ok()
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = self.len()?;
        std::str::from_utf8(self.take(len)?).ok()
    }
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

    fn entries() -> Vec<IndexEntry> {
        vec![IndexEntry::new("period", "2026-Q3"), IndexEntry::new("status", "")]
    }

    #[test]
    fn binary_record_reads_back_whole_and_as_a_head() {
        let body = r#"{"name":"Численность населения","note":"a \"quoted\" word"}"#;
        let bytes = encode_record(7, &entries(), body);
        let record = decode_record(&bytes).unwrap();
        assert_eq!(record, RecordValue { version: 7, index: entries(), body: body.into() });
        let head = decode_record_head(&bytes).unwrap();
        assert_eq!(head, RecordHead { version: 7, index: entries() });
    }

    #[test]
    fn schema_1_json_record_is_still_read() {
        let bytes = br#"{"version":3,"index":[{"name":"period","value":"2026-Q3"},{"name":"status","value":""}],"body":"{\"a\":1}"}"#;
        let record = decode_record(bytes).unwrap();
        assert_eq!(record, RecordValue { version: 3, index: entries(), body: r#"{"a":1}"#.into() });
        assert_eq!(decode_record_head(bytes).unwrap().version, 3);
    }

    #[test]
    fn damaged_record_is_refused_not_misread() {
        let bytes = encode_record(7, &entries(), "{}");
        // Every cut through the head, and a foreign first byte, fail to decode.
        for cut in 0..bytes.len() - 2 {
            assert_eq!(decode_record(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut foreign = bytes.clone();
        foreign[0] = 0x07;
        assert_eq!(decode_record(&foreign), None);
        // A count of entries far beyond what the bytes hold.
        let mut inflated = bytes.clone();
        inflated[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode_record_head(&inflated), None);
        // A body that is not UTF-8.
        let mut not_text = bytes;
        let last = not_text.len() - 1;
        not_text[last] = 0xFF;
        assert_eq!(decode_record(&not_text), None);
    }

    #[test]
    fn sequence_numbers_sort_numerically_as_bytes() {
        assert!(encode_seq(255) < encode_seq(256));
        assert_eq!(decode_seq(&encode_seq(70_000)), Some(70_000));
        assert_eq!(decode_seq(b"short"), None);
    }
}
