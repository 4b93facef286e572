//! A storage backend that keeps everything in memory, for tests and examples.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::Result;
use crate::storage::{
    chain_hash, conflict, AuditQuery, AuditRecord, ChangeSet, Expected, RecordKind, Storage,
    StoredRecord, Write, GENESIS_HASH,
};

/// Keeps the passport in memory; everything is gone when it is dropped.
///
/// It gives every guarantee of [`Storage`] except durability.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    records: BTreeMap<(RecordKind, String), StoredRecord>,
    /// (kind, index name, index value, key)
    index: BTreeSet<(RecordKind, String, String, String)>,
    audit: Vec<AuditRecord>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change set: the
        // change set is checked before anything is touched and applied without
        // fallible steps, so the state stays usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn remove(&mut self, kind: RecordKind, key: &str) {
        if let Some(old) = self.records.remove(&(kind, key.to_string())) {
            for entry in old.index {
                self.index.remove(&(kind, entry.name, entry.value, key.to_string()));
            }
        }
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn get(&self, kind: RecordKind, key: &str) -> Result<Option<StoredRecord>> {
        Ok(self.lock().records.get(&(kind, key.to_string())).cloned())
    }

    async fn find(&self, kind: RecordKind, index: &str, value: &str) -> Result<Vec<StoredRecord>> {
        let state = self.lock();
        let start = (kind, index.to_string(), value.to_string(), String::new());
        Ok(state
            .index
            .range(start..)
            .take_while(|(k, n, v, _)| *k == kind && n == index && v == value)
            .filter_map(|(_, _, _, key)| state.records.get(&(kind, key.clone())).cloned())
            .collect())
    }

    async fn scan(&self, kind: RecordKind, prefix: &str) -> Result<Vec<StoredRecord>> {
        let state = self.lock();
        Ok(state
            .records
            .range((kind, prefix.to_string())..)
            .take_while(|((k, key), _)| *k == kind && key.starts_with(prefix))
            .map(|(_, record)| record.clone())
            .collect())
    }

    async fn apply(&self, changes: ChangeSet) -> Result<Vec<u64>> {
        changes.validate()?;
        let mut state = self.lock();

        for write in &changes.writes {
            let (kind, key) = write.target();
            let current = state.records.get(&(kind, key.to_string())).map(|r| r.version);
            let holds = match write.expected() {
                Expected::Absent => current.is_none(),
                Expected::Version(v) => current == Some(v),
            };
            if !holds {
                return Err(conflict(kind, key));
            }
        }

        for write in changes.writes {
            match write {
                Write::Put { record, .. } => {
                    state.remove(record.kind, &record.key);
                    for entry in &record.index {
                        state.index.insert((
                            record.kind,
                            entry.name.clone(),
                            entry.value.clone(),
                            record.key.clone(),
                        ));
                    }
                    state.records.insert((record.kind, record.key.clone()), record);
                }
                Write::Delete { kind, key, .. } => state.remove(kind, &key),
            }
        }

        let mut seqs = Vec::with_capacity(changes.audit.len());
        for entry in changes.audit {
            let seq = state.audit.len() as u64 + 1;
            let previous = state.audit.last().map_or(GENESIS_HASH, |r| r.hash.as_str());
            let hash = chain_hash(previous, seq, &entry);
            state.audit.push(AuditRecord { seq, entry, hash });
            seqs.push(seq);
        }
        Ok(seqs)
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let state = self.lock();
        let start = query.after_seq.unwrap_or(0) as usize;
        let matching = state.audit.iter().skip(start).filter(|r| query.matches(r)).cloned();
        Ok(match query.limit {
            Some(limit) => matching.take(limit).collect(),
            None => matching.collect(),
        })
    }

    async fn last_audit_seq(&self) -> Result<u64> {
        Ok(self.lock().audit.len() as u64)
    }
}

impl MemoryStorage {
    /// Changes an audit record in place, as someone with access to the memory could:
    /// for tests of tamper evidence only.
    #[doc(hidden)]
    pub fn tamper_with_audit_for_tests(&self, seq: u64, action: &str) {
        if let Some(record) = self.lock().audit.iter_mut().find(|r| r.seq == seq) {
            record.entry.action = action.to_string();
        }
    }

    /// Removes an audit record, as someone with access to the memory could: for tests of
    /// tamper evidence only.
    #[doc(hidden)]
    pub fn remove_audit_for_tests(&self, seq: u64) {
        self.lock().audit.retain(|r| r.seq != seq);
    }
}
