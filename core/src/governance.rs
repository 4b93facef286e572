//! Catalog governance and corrections: the catalog's history, change proposals and
//! their decisions, and corrections of accepted values (items 3.5-3.7 of the order).
//!
//! The catalog keeps every version of every indicator. A version takes effect from a
//! period, so the catalog in force for any period can be reproduced, and it records
//! when it became known, so the catalog as it stood at any moment can be too.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::Indicator;
use crate::deadline::ValueRef;
use crate::id::Id;
use crate::period::Period;
use crate::value::{Entry, Revision, Value, ValueAction, ValueStatus};

/// One version of an indicator's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorVersion {
    /// Indicator code.
    pub code: String,
    /// 1 for the first definition, one more for each change.
    pub number: u32,
    /// The definition in force from `effective_from`; none once the indicator is
    /// retired.
    pub definition: Option<Indicator>,
    /// The first period the version applies to; none for a first definition, which
    /// applies to every period.
    pub effective_from: Option<Period>,
    /// When the version was recorded, i.e. became known.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it (who approved the change, or who defined the indicator).
    pub recorded_by: Id,
    /// The proposal it came from.
    pub proposal: Option<Id>,
    /// Why, as given with the change.
    pub reason: String,
}

impl IndicatorVersion {
    /// The first day from which the version applies, for ordering versions whose
    /// periods have different periodicities.
    fn starts(&self) -> NaiveDate {
        self.effective_from.map_or(NaiveDate::MIN, |p| p.first_day())
    }
}

/// Every version of every indicator, to answer "which definition applied to this
/// period, as known at that moment".
#[derive(Debug, Clone, Default)]
pub struct CatalogHistory {
    versions: BTreeMap<String, Vec<IndicatorVersion>>,
}

impl CatalogHistory {
    /// The history made of these versions.
    pub fn new(versions: impl IntoIterator<Item = IndicatorVersion>) -> Self {
        let mut history = CatalogHistory::default();
        for version in versions {
            history.versions.entry(version.code.clone()).or_default().push(version);
        }
        for list in history.versions.values_mut() {
            list.sort_by_key(|v| v.number);
        }
        history
    }

    /// The versions of one indicator, oldest first.
    pub fn versions(&self, code: &str) -> &[IndicatorVersion] {
        self.versions.get(code).map_or(&[], Vec::as_slice)
    }

    /// Every code the history knows.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.versions.keys().map(String::as_str)
    }

    /// The version in force for `period`, as known at `known_at` (now when `None`): of
    /// the versions recorded by then and starting on or before the period, the one that
    /// starts latest, and of those the one recorded last.
    pub fn version_for(
        &self,
        code: &str,
        period: Period,
        known_at: Option<DateTime<Utc>>,
    ) -> Option<&IndicatorVersion> {
        self.versions(code)
            .iter()
            .filter(|v| known_at.is_none_or(|t| v.recorded_at <= t))
            .filter(|v| v.starts() <= period.first_day())
            .max_by_key(|v| (v.starts(), v.number))
    }

    /// The definition in force for `period` as known at `known_at`; none if the
    /// indicator did not exist, was retired, or is reported at another periodicity then.
    /// (Its `first_period` only says from when values are *expected*; earlier values may
    /// still be entered, as when a city loads the history of a new indicator.)
    pub fn definition_for(
        &self,
        code: &str,
        period: Period,
        known_at: Option<DateTime<Utc>>,
    ) -> Option<&Indicator> {
        self.version_for(code, period, known_at)
            .and_then(|v| v.definition.as_ref())
            .filter(|d| d.periodicity == period.periodicity())
    }

    /// The catalog in force for `period` as known at `known_at`: every indicator of the
    /// period's periodicity with the definition that applied to it.
    pub fn catalog_for(&self, period: Period, known_at: Option<DateTime<Utc>>) -> Vec<Indicator> {
        self.codes()
            .filter_map(|code| self.definition_for(code, period, known_at).cloned())
            .collect()
    }
}

/// What a change proposal asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
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

impl ProposedChange {
    /// The indicator concerned.
    pub fn code(&self) -> &str {
        match self {
            ProposedChange::Add { indicator } | ProposedChange::Change { indicator } => {
                &indicator.code
            }
            ProposedChange::Retire { code } => code,
        }
    }

    /// The change's name: `add`, `change`, `retire`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposedChange::Add { .. } => "add",
            ProposedChange::Change { .. } => "change",
            ProposedChange::Retire { .. } => "retire",
        }
    }
}

/// Where a proposal or a correction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Awaiting the chief of staff.
    Pending,
    /// Approved: in effect.
    Approved,
    /// Rejected with a reason: nothing changed.
    Rejected,
}

impl Decision {
    /// The name: `pending`, `approved`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pending => "pending",
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        }
    }
}

/// A proposal to add, change or retire an indicator (item 3.5 of the order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeProposal {
    /// Generated identifier.
    pub id: Id,
    /// What is proposed.
    pub change: ProposedChange,
    /// Why.
    pub justification: String,
    /// The first period the change should apply to.
    pub effective_from: Period,
    /// The department responsible for the indicator, told of the decision.
    pub department: Option<Id>,
    /// Who proposed it.
    pub proposed_by: Id,
    /// When.
    pub proposed_at: DateTime<Utc>,
    /// Where it stands.
    pub status: Decision,
    /// Who decided.
    pub decided_by: Option<Id>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The chief of staff's reason.
    pub decision_reason: Option<String>,
}

/// A correction of an accepted value: proposed by a controller, in effect only once the
/// chief of staff approves it (item 3.6 of the order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// Generated identifier.
    pub id: Id,
    /// The value corrected.
    pub value: ValueRef,
    /// The accepted entry it replaces.
    pub old: Entry,
    /// The proposed entry.
    pub new: Entry,
    /// Why (a census revision, an error found later).
    pub reason: String,
    /// The controller who proposed it.
    pub proposed_by: Id,
    /// When.
    pub proposed_at: DateTime<Utc>,
    /// Where it stands.
    pub status: Decision,
    /// Who decided.
    pub decided_by: Option<Id>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The chief of staff's reason.
    pub decision_reason: Option<String>,
}

/// Rebuilds a value as it stood after the given revisions (oldest first), for reading
/// the passport as of a past moment. Returns `None` for no revisions. Fields that
/// revisions do not record (soft-rule flags) come back empty; the department is
/// `department`.
pub fn replay(revisions: &[Revision], department: Option<Id>) -> Option<Value> {
    let first = revisions.first()?;
    let mut value = Value {
        indicator: first.indicator.clone(),
        period: first.period,
        entry: first.new.clone(),
        status: ValueStatus::Draft,
        flags: Vec::new(),
        return_reason: None,
        department,
        entered_by: first.actor.clone(),
        updated_at: first.at,
        submitted_by: None,
        submitted_at: None,
        first_submitted_at: None,
        reviewed_by: None,
        reviewed_at: None,
        times_returned: 0,
        revisions: 0,
    };
    for revision in revisions {
        value.entry = revision.new.clone();
        value.status = revision.new_status;
        value.updated_at = revision.at;
        value.revisions = revision.number;
        match revision.action {
            ValueAction::Save => value.entered_by = revision.actor.clone(),
            ValueAction::Submit => {
                value.submitted_by = Some(revision.actor.clone());
                value.submitted_at = Some(revision.at);
                value.first_submitted_at.get_or_insert(revision.at);
            }
            ValueAction::Accept => {
                value.reviewed_by = Some(revision.actor.clone());
                value.reviewed_at = Some(revision.at);
                value.return_reason = None;
            }
            ValueAction::Return => {
                value.reviewed_by = Some(revision.actor.clone());
                value.reviewed_at = Some(revision.at);
                value.return_reason = revision.reason.clone();
                value.times_returned += 1;
            }
            ValueAction::Correct => {}
        }
    }
    Some(value)
}
