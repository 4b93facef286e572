//! The audit log: every state change and every export, in commit order.

use std::time::SystemTime;

use citypassport_core as core;
use citypassport_core::storage::RecordKind;

use crate::convert::{id, id_text, instant, long, non_negative, utc};
use crate::error::{PassportError, Result};
use crate::session::Session;

/// Which audit records to read; every condition given must hold. All fields default to
/// null (no condition): `AuditQuery(limit = 100u)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct AuditQuery {
    /// Only records with a sequence number greater than this: a cursor.
    #[uniffi(default)]
    pub after_seq: Option<i64>,
    /// Only records at or after this instant.
    #[uniffi(default)]
    pub from: Option<SystemTime>,
    /// Only records before this instant.
    #[uniffi(default)]
    pub to: Option<SystemTime>,
    /// Only records by this account.
    #[uniffi(default)]
    pub actor_id: Option<String>,
    /// Only records about this kind of record: `value`, `account`, `indicator`, ...
    #[uniffi(default)]
    pub kind: Option<String>,
    /// Only records about this key (with `kind`), e.g. `EDU-1|2026-M07`.
    #[uniffi(default)]
    pub key: Option<String>,
    /// At most this many, the oldest first.
    #[uniffi(default)]
    pub limit: Option<i32>,
}

impl AuditQuery {
    fn into_core(self) -> Result<core::AuditQuery> {
        let kind = self
            .kind
            .map(|name| {
                RecordKind::from_name(&name).ok_or_else(|| {
                    let known: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
                    PassportError::invalid(
                        "kind",
                        format!("'{name}' is not one of {}", known.join(", ")),
                    )
                })
            })
            .transpose()?;
        Ok(core::AuditQuery {
            after_seq: self.after_seq.map(|n| non_negative("after seq", n)).transpose()?,
            from: self.from.map(utc),
            to: self.to.map(utc),
            actor: self.actor_id.as_deref().map(id),
            kind,
            key: self.key,
            limit: self.limit.map(|n| non_negative("limit", n)).transpose()?,
        })
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditRecord {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// When it happened.
    pub at: SystemTime,
    /// Who did it: an account id; null for the system and for the first administrator.
    pub actor_id: Option<String>,
    /// What was done, e.g. `value.submit`.
    pub action: String,
    /// Which kind of record, e.g. `value`.
    pub kind: String,
    /// Which record, e.g. `EDU-1|2026-M07`.
    pub key: String,
    /// The record before, as JSON, where one was kept.
    pub before: Option<String>,
    /// The record after, as JSON.
    pub after: Option<String>,
}

impl From<core::AuditRecord> for AuditRecord {
    fn from(r: core::AuditRecord) -> Self {
        let e = r.entry;
        AuditRecord {
            seq: long(r.seq),
            at: instant(e.at),
            actor_id: e.actor.as_ref().map(id_text),
            action: e.action,
            kind: e.kind.as_str().to_string(),
            key: e.key,
            before: e.before,
            after: e.after,
        }
    }
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// Reads the audit log. Controllers, the chief of staff and administrators may.
    pub fn audit_log(&self, query: AuditQuery) -> Result<Vec<AuditRecord>> {
        let query = query.into_core()?;
        let records =
            self.call(|service, token| async move { service.audit_log(&token, &query).await })?;
        Ok(records.into_iter().map(AuditRecord::from).collect())
    }
}
