//! Catalog governance and corrections: change proposals and their decisions, the
//! catalog for any period as known at any moment, corrections of accepted values, and
//! the passport as it stood at any instant.

use std::time::SystemTime;

use citypassport_core as core;

use crate::catalog::Indicator;
use crate::convert::{id, id_text, instant, instant_opt, int, period as parse_period, utc};
use crate::deadlines::ValueRef;
use crate::error::Result;
use crate::exchange::ValueInput;
use crate::session::Session;
use crate::values::{Entry, PassportRow, Value};

/// What a change proposal asks for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ProposedChange {
    /// Add a new indicator.
    Add {
        /// Its definition.
        indicator: Indicator,
    },
    /// Change an indicator: its whole new definition (name, unit, periodicity, due-date
    /// rule, methodology, plausibility rules or responsible department).
    Change {
        /// The new definition; its code names the indicator.
        indicator: Indicator,
    },
    /// Retire an indicator.
    Retire {
        /// Its code.
        code: String,
    },
}

impl From<core::ProposedChange> for ProposedChange {
    fn from(change: core::ProposedChange) -> Self {
        match change {
            core::ProposedChange::Add { indicator } => {
                ProposedChange::Add { indicator: indicator.into() }
            }
            core::ProposedChange::Change { indicator } => {
                ProposedChange::Change { indicator: indicator.into() }
            }
            core::ProposedChange::Retire { code } => ProposedChange::Retire { code },
        }
    }
}

impl ProposedChange {
    fn into_core(self) -> Result<core::ProposedChange> {
        Ok(match self {
            ProposedChange::Add { indicator } => {
                core::ProposedChange::Add { indicator: indicator.into_core()? }
            }
            ProposedChange::Change { indicator } => {
                core::ProposedChange::Change { indicator: indicator.into_core()? }
            }
            ProposedChange::Retire { code } => core::ProposedChange::Retire { code },
        })
    }
}

/// Where a proposal or a correction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Decision {
    /// Waiting for the chief of staff.
    Pending,
    /// Approved: in effect.
    Approved,
    /// Rejected: kept, with no effect.
    Rejected,
}

impl From<core::Decision> for Decision {
    fn from(decision: core::Decision) -> Self {
        match decision {
            core::Decision::Pending => Decision::Pending,
            core::Decision::Approved => Decision::Approved,
            core::Decision::Rejected => Decision::Rejected,
        }
    }
}

impl From<Decision> for core::Decision {
    fn from(decision: Decision) -> Self {
        match decision {
            Decision::Pending => core::Decision::Pending,
            Decision::Approved => core::Decision::Approved,
            Decision::Rejected => core::Decision::Rejected,
        }
    }
}

/// A department head's proposal to change the catalog, and its decision.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChangeProposal {
    /// Its id.
    pub id: String,
    /// What it asks for.
    pub change: ProposedChange,
    /// Why.
    pub justification: String,
    /// The first period it applies to, e.g. `2027`.
    pub effective_from: String,
    /// The department responsible for the indicator concerned.
    pub department_id: Option<String>,
    /// Who proposed it: an account id.
    pub proposed_by: String,
    /// When.
    pub proposed_at: SystemTime,
    /// Pending, approved or rejected.
    pub status: Decision,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<SystemTime>,
    /// The reason given with the decision.
    pub decision_reason: Option<String>,
}

impl From<core::ChangeProposal> for ChangeProposal {
    fn from(p: core::ChangeProposal) -> Self {
        ChangeProposal {
            id: id_text(&p.id),
            change: p.change.into(),
            justification: p.justification,
            effective_from: p.effective_from.to_string(),
            department_id: p.department.as_ref().map(id_text),
            proposed_by: id_text(&p.proposed_by),
            proposed_at: instant(p.proposed_at),
            status: p.status.into(),
            decided_by: p.decided_by.as_ref().map(id_text),
            decided_at: instant_opt(p.decided_at),
            decision_reason: p.decision_reason,
        }
    }
}

/// One version of an indicator in the catalog's history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IndicatorVersion {
    /// The indicator's code.
    pub code: String,
    /// 1 for the first version.
    pub number: i32,
    /// The definition from `effectiveFrom` on; null when the indicator was retired.
    pub definition: Option<Indicator>,
    /// The first period it applies to; null for the indicator's first definition.
    pub effective_from: Option<String>,
    /// When it was recorded: from then on it is known.
    pub recorded_at: SystemTime,
    /// Who recorded it: the approver, or the chief of staff who changed it directly.
    pub recorded_by: String,
    /// The proposal it came from, if any.
    pub proposal_id: Option<String>,
    /// Why, as given with the change.
    pub reason: String,
    /// Who proposed it: the department head who filed the proposal, or the chief of
    /// staff for a direct change; null for a definition made without a proposal
    /// (`recordedBy` made it).
    pub proposed_by: Option<String>,
    /// Why the chief of staff approved it, as given with the decision; null for a
    /// definition made without a proposal.
    pub decision_reason: Option<String>,
}

impl From<core::IndicatorVersion> for IndicatorVersion {
    fn from(v: core::IndicatorVersion) -> Self {
        IndicatorVersion {
            code: v.code,
            number: int(v.number),
            definition: v.definition.map(Indicator::from),
            effective_from: v.effective_from.map(|p| p.to_string()),
            recorded_at: instant(v.recorded_at),
            recorded_by: id_text(&v.recorded_by),
            proposal_id: v.proposal.as_ref().map(id_text),
            reason: v.reason,
            proposed_by: v.proposed_by.as_ref().map(id_text),
            decision_reason: v.decision_reason,
        }
    }
}

/// A controller's proposed correction of an accepted value, and its decision.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Correction {
    /// Its id.
    pub id: String,
    /// The value corrected.
    pub value: ValueRef,
    /// The accepted entry when the correction was proposed.
    pub old_entry: Entry,
    /// The entry proposed.
    pub new_entry: Entry,
    /// Why: a census revision, an error found later.
    pub reason: String,
    /// Who proposed it: an account id.
    pub proposed_by: String,
    /// When.
    pub proposed_at: SystemTime,
    /// Pending, approved or rejected.
    pub status: Decision,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<SystemTime>,
    /// The note or reason given with the decision.
    pub decision_reason: Option<String>,
}

impl From<core::Correction> for Correction {
    fn from(c: core::Correction) -> Self {
        Correction {
            id: id_text(&c.id),
            value: c.value.into(),
            old_entry: c.old.into(),
            new_entry: c.new.into(),
            reason: c.reason,
            proposed_by: id_text(&c.proposed_by),
            proposed_at: instant(c.proposed_at),
            status: c.status.into(),
            decided_by: c.decided_by.as_ref().map(id_text),
            decided_at: instant_opt(c.decided_at),
            decision_reason: c.decision_reason,
        }
    }
}

/// What a check of the audit log's hash chain found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditVerification {
    /// Records read.
    pub records_checked: i64,
    /// The hash of the last record: keep it elsewhere to tell later whether the log's
    /// end was cut off, which the chain alone cannot show.
    pub head_hash: String,
    /// The sequence number of the first record that was altered or follows a removed
    /// one; null if the chain is whole.
    pub first_broken: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

impl From<core::AuditVerification> for AuditVerification {
    fn from(v: core::AuditVerification) -> Self {
        AuditVerification {
            records_checked: crate::convert::long(v.records_checked),
            head_hash: v.head_hash,
            first_broken: v.first_broken.map(crate::convert::long),
            problem: v.problem,
        }
    }
}

fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// Proposes a change to the catalog, with a justification and the first period it
    /// should apply to. A department head may, for their own department's indicators.
    pub fn propose_change(
        &self,
        change: ProposedChange,
        justification: String,
        effective_from: String,
    ) -> Result<ChangeProposal> {
        let change = change.into_core()?;
        let from = parse_period(&effective_from)?;
        self.call(|service, token| async move {
            service.propose_change(&token, change, &justification, from).await
        })
        .map(ChangeProposal::from)
    }

    /// Approves a pending proposal with a reason: the catalog gains a version from the
    /// proposal's period; earlier periods keep their definitions. The chief of staff may.
    pub fn approve_proposal(&self, proposal_id: String, reason: String) -> Result<ChangeProposal> {
        let proposal = id(&proposal_id);
        self.call(|service, token| async move {
            service.approve_proposal(&token, &proposal, &reason).await
        })
        .map(ChangeProposal::from)
    }

    /// Rejects a pending proposal with a reason; the catalog stays as it is. The chief of
    /// staff may.
    pub fn reject_proposal(&self, proposal_id: String, reason: String) -> Result<ChangeProposal> {
        let proposal = id(&proposal_id);
        self.call(|service, token| async move {
            service.reject_proposal(&token, &proposal, &reason).await
        })
        .map(ChangeProposal::from)
    }

    /// Changes the catalog directly from `effectiveFrom` on, recorded as a proposal of
    /// the chief of staff approved at once. The chief of staff may.
    pub fn change_catalog(
        &self,
        change: ProposedChange,
        reason: String,
        effective_from: String,
    ) -> Result<ChangeProposal> {
        let change = change.into_core()?;
        let from = parse_period(&effective_from)?;
        self.call(|service, token| async move {
            service.change_catalog(&token, change, &reason, from).await
        })
        .map(ChangeProposal::from)
    }

    /// Change proposals, newest first; only those in `status` when it is given.
    pub fn proposals(&self, status: Option<Decision>) -> Result<Vec<ChangeProposal>> {
        let status = status.map(core::Decision::from);
        self.call(|service, token| async move { service.proposals(&token, status).await }).map(all)
    }

    /// One change proposal by id, pending or decided: what was proposed, by whom and
    /// why, and the decision with its reason. Anyone who reads the catalog may.
    pub fn proposal(&self, proposal_id: String) -> Result<ChangeProposal> {
        let proposal = id(&proposal_id);
        self.call(|service, token| async move { service.proposal(&token, &proposal).await })
            .map(ChangeProposal::from)
    }

    /// Every version of one indicator, oldest first: what changed, from which period,
    /// who proposed it, who approved it and why.
    pub fn indicator_history(&self, code: String) -> Result<Vec<IndicatorVersion>> {
        self.call(|service, token| async move { service.indicator_history(&token, &code).await })
            .map(all)
    }

    /// The catalog in force for `period`, as it was known at `knownAt` (as known now
    /// when null).
    pub fn catalog_for_period(
        &self,
        period: String,
        known_at: Option<SystemTime>,
    ) -> Result<Vec<Indicator>> {
        let period = parse_period(&period)?;
        let known_at = known_at.map(utc);
        self.call(|service, token| async move {
            service.catalog_for_period(&token, period, known_at).await
        })
        .map(all)
    }

    /// The whole catalog, every periodicity, as it was in force and known at instant
    /// `at`: each indicator with the definition that applied to the period of its
    /// periodicity containing that day (in the city's time zone), counting only changes
    /// recorded by `at`. An indicator retired for that period is left out; a change
    /// approved later, even with effect from an earlier period, does not show. For one
    /// period's catalog as known at a moment, see `catalogForPeriod`.
    pub fn catalog_as_of(&self, at: SystemTime) -> Result<Vec<Indicator>> {
        let at = utc(at);
        self.call(|service, token| async move { service.catalog_as_of(&token, at).await }).map(all)
    }

    /// Proposes a new value for an accepted one, with a reason. It shows nowhere until
    /// the chief of staff approves it. Controllers may.
    pub fn propose_correction(
        &self,
        indicator: String,
        period: String,
        input: ValueInput,
        reason: String,
    ) -> Result<Correction> {
        let period = parse_period(&period)?;
        let input = core::ValueInput::from(input);
        self.call(|service, token| async move {
            service.propose_correction(&token, &indicator, period, input, &reason).await
        })
        .map(Correction::from)
    }

    /// Approves a correction: the value takes the new entry and its history keeps the
    /// old one. The chief of staff may, but not for a correction of their own.
    pub fn approve_correction(
        &self,
        correction_id: String,
        note: Option<String>,
    ) -> Result<Correction> {
        let correction = id(&correction_id);
        self.call(|service, token| async move {
            service.approve_correction(&token, &correction, note.as_deref()).await
        })
        .map(Correction::from)
    }

    /// Rejects a correction with a reason; it is kept and the value stays. The chief of
    /// staff may.
    pub fn reject_correction(&self, correction_id: String, reason: String) -> Result<Correction> {
        let correction = id(&correction_id);
        self.call(|service, token| async move {
            service.reject_correction(&token, &correction, &reason).await
        })
        .map(Correction::from)
    }

    /// Corrections, newest first, rejected ones included; only those in `status` when
    /// it is given.
    pub fn corrections(&self, status: Option<Decision>) -> Result<Vec<Correction>> {
        let status = status.map(core::Decision::from);
        self.call(|service, token| async move { service.corrections(&token, status).await })
            .map(all)
    }

    /// A value exactly as it stood at instant `at`, or null if nothing was entered by
    /// then: a correction approved later does not show.
    pub fn value_as_of(
        &self,
        indicator: String,
        period: String,
        at: SystemTime,
    ) -> Result<Option<Value>> {
        let period = parse_period(&period)?;
        let at = utc(at);
        self.call(|service, token| async move {
            service.value_as_of(&token, &indicator, period, at).await
        })
        .map(|value| value.map(Value::from))
    }

    /// The passport of a period exactly as it stood at instant `at`: the catalog as known
    /// then and each value with the status it had then. Recorded in the audit log as an
    /// export.
    pub fn period_passport_as_of(
        &self,
        period: String,
        at: SystemTime,
    ) -> Result<Vec<PassportRow>> {
        let period = parse_period(&period)?;
        let at = utc(at);
        self.call(|service, token| async move {
            service.period_passport_as_of(&token, period, at).await
        })
        .map(all)
    }

    /// Recomputes the audit log's hash chain and reports the first record altered or
    /// removed behind the library's back. Controllers, the chief of staff and
    /// administrators may.
    pub fn verify_audit_log(&self) -> Result<AuditVerification> {
        self.call(|service, token| async move { service.verify_audit_log(&token).await })
            .map(AuditVerification::from)
    }
}
