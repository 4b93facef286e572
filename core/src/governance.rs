//! Catalog governance and corrections: the catalog's history, change proposals and
//! their decisions, and corrections of accepted values (items 3.5-3.7 of the order).
//!
//! The catalog keeps every version of every indicator. A version takes effect from a
//! period, so the catalog in force for any period can be reproduced, and it records
//! when it became known, so the catalog as it stood at any moment can be too.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::Indicator;
use crate::deadline::ValueRef;
use crate::id::Id;
use crate::period::{Period, Periodicity};
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
    /// Who proposed the change: the department head who filed the proposal, or the
    /// chief of staff for a direct change. None for a definition made without a
    /// proposal (`recorded_by` made it); versions stored before this was kept read as
    /// none too, and [`Passport::indicator_history`](crate::Passport::indicator_history)
    /// fills it in from their proposal.
    #[serde(default)]
    pub proposed_by: Option<Id>,
    /// Why the chief of staff approved it, as given with the decision. None for a
    /// definition made without a proposal, and, as for `proposed_by`, filled in from the
    /// proposal for versions stored before this was kept.
    #[serde(default)]
    pub decision_reason: Option<String>,
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

    /// The period from which the indicator is retired, as known at `known_at`: the start
    /// of the retirement that ends its history, or none if it is in force for its newest
    /// periods. (Stores written before a retirement was final may hold a change recorded
    /// after it; the newest versions decide.)
    pub fn retired_from(&self, code: &str, known_at: Option<DateTime<Utc>>) -> Option<Period> {
        let mut known: Vec<&IndicatorVersion> = self
            .versions(code)
            .iter()
            .filter(|v| known_at.is_none_or(|t| v.recorded_at <= t))
            .collect();
        known.sort_by_key(|v| (v.starts(), v.number));
        let trailing = known.iter().rev().take_while(|v| v.definition.is_none()).last()?;
        trailing.effective_from
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

    /// The whole catalog in force on `day` as known at `known_at`, every periodicity at
    /// once: each indicator with the definition that applied to the period of its own
    /// periodicity containing `day`. An indicator retired for that period is left out.
    pub fn catalog_on(&self, day: NaiveDate, known_at: Option<DateTime<Utc>>) -> Vec<Indicator> {
        self.codes().filter_map(|code| self.definition_on(code, day, known_at).cloned()).collect()
    }

    /// The definition of `code` in force on `day` as known at `known_at`.
    ///
    /// An indicator whose periodicity changed has had several; each is tried with the
    /// period of its periodicity that contains `day`, and of those that apply, the
    /// newest version wins, as [`version_for`](Self::version_for) decides within one
    /// periodicity.
    fn definition_on(
        &self,
        code: &str,
        day: NaiveDate,
        known_at: Option<DateTime<Utc>>,
    ) -> Option<&Indicator> {
        let periodicities: BTreeSet<Periodicity> = self
            .versions(code)
            .iter()
            .filter_map(|v| v.definition.as_ref().map(|d| d.periodicity))
            .collect();
        periodicities
            .into_iter()
            .filter_map(|p| Period::containing(day, p).ok())
            .filter_map(|period| {
                let version = self.version_for(code, period, known_at)?;
                let definition = version.definition.as_ref()?;
                (definition.periodicity == period.periodicity()).then_some((version, definition))
            })
            .max_by_key(|(v, _)| (v.starts(), v.number))
            .map(|(_, definition)| definition)
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::amount::ValueKind;
    use crate::catalog::{DueRule, Plausibility, Unit};

    fn period(text: &str) -> Period {
        text.parse().unwrap()
    }

    fn definition(name: &str, periodicity: Periodicity) -> Indicator {
        Indicator {
            code: "POP".into(),
            name: name.into(),
            section: "Население".into(),
            unit: Unit { name: "человек".into(), okei: Some("792".into()) },
            kind: ValueKind::Integer,
            periodicity,
            due: DueRule::default(),
            department: None,
            methodology: String::new(),
            plausibility: Plausibility::default(),
            first_period: None,
        }
    }

    fn version(
        number: u32,
        definition: Option<Indicator>,
        from: Option<&str>,
        day: u32,
    ) -> IndicatorVersion {
        IndicatorVersion {
            code: "POP".into(),
            number,
            definition,
            effective_from: from.map(period),
            recorded_at: Utc.with_ymd_and_hms(2026, 7, day, 9, 0, 0).unwrap(),
            recorded_by: Id::generate(),
            proposal: None,
            reason: "r".into(),
            proposed_by: None,
            decision_reason: None,
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn catalog_on_a_day_follows_a_change_of_periodicity() {
        let history = CatalogHistory::new([
            version(1, Some(definition("monthly", Periodicity::Monthly)), None, 1),
            version(2, Some(definition("quarterly", Periodicity::Quarterly)), Some("2026-Q4"), 2),
        ]);
        let name_on = |d: &str, known: Option<u32>| {
            let known_at = known.map(|k| Utc.with_ymd_and_hms(2026, 7, k, 12, 0, 0).unwrap());
            history.catalog_on(day(d), known_at).into_iter().map(|i| i.name).collect::<Vec<_>>()
        };
        assert_eq!(name_on("2026-09-30", None), ["monthly"]);
        assert_eq!(name_on("2026-11-15", None), ["quarterly"]);
        assert_eq!(name_on("2026-11-15", Some(1)), ["monthly"], "the change was not known yet");
    }

    #[test]
    fn retirement_counts_from_its_period_and_only_once_known() {
        let history = CatalogHistory::new([
            version(1, Some(definition("quarterly", Periodicity::Quarterly)), None, 1),
            version(2, None, Some("2026-M08"), 3),
        ]);
        assert_eq!(history.retired_from("POP", None), Some(period("2026-M08")));
        let before = Utc.with_ymd_and_hms(2026, 7, 2, 0, 0, 0).unwrap();
        assert_eq!(history.retired_from("POP", Some(before)), None);
        // The quarter that began before the retirement is still reported.
        assert_eq!(history.catalog_on(day("2026-08-20"), None).len(), 1);
        assert!(history.catalog_on(day("2026-10-01"), None).is_empty());
    }
}
