//! A store that waits before each write, for the races the scenarios must meet.
//!
//! Callers started together then all read before any of them writes, so the race a
//! version check or a uniqueness claim must survive happens in every run, on every
//! backend, and not only when the scheduler happens to interleave two calls.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use citypassport_core::storage::{
    AuditQuery, AuditRecord, ChangeSet, RecordKind, Storage, StoredRecord,
};
use citypassport_core::Result;

/// Another store, with every write delayed by `delay`; reads go straight through.
#[derive(Debug)]
pub struct DelayedWrites {
    inner: Arc<dyn Storage>,
    delay: Duration,
}

impl DelayedWrites {
    /// `inner` with each [`Storage::apply`] started `delay` late.
    pub fn around(inner: Arc<dyn Storage>, delay: Duration) -> Arc<dyn Storage> {
        Arc::new(DelayedWrites { inner, delay })
    }
}

#[async_trait]
impl Storage for DelayedWrites {
    async fn get(&self, kind: RecordKind, key: &str) -> Result<Option<StoredRecord>> {
        self.inner.get(kind, key).await
    }

    async fn get_many(
        &self,
        kind: RecordKind,
        keys: &[String],
    ) -> Result<Vec<Option<StoredRecord>>> {
        self.inner.get_many(kind, keys).await
    }

    async fn find(&self, kind: RecordKind, index: &str, value: &str) -> Result<Vec<StoredRecord>> {
        self.inner.find(kind, index, value).await
    }

    async fn scan(&self, kind: RecordKind, prefix: &str) -> Result<Vec<StoredRecord>> {
        self.inner.scan(kind, prefix).await
    }

    async fn scan_page(
        &self,
        kind: RecordKind,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>> {
        self.inner.scan_page(kind, prefix, after, limit).await
    }

    async fn apply(&self, changes: ChangeSet) -> Result<Vec<u64>> {
        tokio::time::sleep(self.delay).await;
        self.inner.apply(changes).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        self.inner.audit(query).await
    }

    async fn last_audit_seq(&self) -> Result<u64> {
        self.inner.last_audit_seq().await
    }

    async fn flush(&self) -> Result<()> {
        self.inner.flush().await
    }
}
