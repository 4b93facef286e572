//! Checking the audit log's hash chain.

use serde::Serialize;

use super::Passport;
use crate::account::{Permission, SessionToken};
use crate::error::Result;
use crate::storage::{chain_hash, AuditQuery, GENESIS_HASH};

/// What a check of the audit log found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Records read.
    pub records_checked: u64,
    /// The hash of the last record: keep it somewhere else (a printed report, another
    /// system) to tell later whether the log's end was cut off, which the chain alone
    /// cannot show.
    pub head_hash: String,
    /// The first record that was altered, or that follows a removed one; none if the
    /// chain is whole.
    pub first_broken: Option<u64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

impl AuditVerification {
    /// Whether the chain is whole.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Records read per page while verifying, so that a long log is checked in bounded
/// memory.
const PAGE: usize = 5_000;

impl Passport {
    /// Recomputes the audit log's hash chain from the first record and reports the
    /// first record that was altered or removed behind the library's back. Controllers,
    /// the chief of staff and administrators may.
    pub async fn verify_audit_log(&self, token: &SessionToken) -> Result<AuditVerification> {
        self.authenticate(token).await?.require(Permission::ReadAudit)?;
        let last = self.storage.last_audit_seq().await?;
        let mut previous = GENESIS_HASH.to_string();
        let mut expected_seq = 1;
        let mut checked = 0;
        let broken = |seq: u64, problem: String, checked: u64, head: String| AuditVerification {
            records_checked: checked,
            head_hash: head,
            first_broken: Some(seq),
            problem: Some(problem),
        };
        loop {
            let query = AuditQuery {
                after_seq: Some(expected_seq - 1),
                limit: Some(PAGE),
                ..Default::default()
            };
            let page = self.storage.audit(&query).await?;
            if page.is_empty() {
                break;
            }
            for record in page {
                checked += 1;
                if record.seq != expected_seq {
                    let problem =
                        format!("record {expected_seq} is missing (the next is {})", record.seq);
                    return Ok(broken(expected_seq, problem, checked, previous));
                }
                if record.hash != chain_hash(&previous, record.seq, &record.entry) {
                    let problem = format!(
                        "record {} was altered: its hash does not match its content",
                        record.seq
                    );
                    return Ok(broken(record.seq, problem, checked, previous));
                }
                previous = record.hash;
                expected_seq += 1;
            }
        }
        if expected_seq - 1 != last {
            let problem =
                format!("the log ends at record {} but the counter says {last}", expected_seq - 1);
            return Ok(broken(expected_seq, problem, checked, previous));
        }
        Ok(AuditVerification {
            records_checked: checked,
            head_hash: previous,
            first_broken: None,
            problem: None,
        })
    }
}
