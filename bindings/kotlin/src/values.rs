//! Values and their review: draft, submit, accept, return, history and the passport.

use std::time::SystemTime;

use citypassport_core as core;

use crate::catalog::Indicator;
use crate::convert::{decimal_text, id_text, instant, instant_opt, int, period as parse_period};
use crate::error::Result;
use crate::session::Session;

/// Where a value stands in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ValueStatus {
    /// Entered, not yet submitted.
    Draft,
    /// Submitted for review.
    Submitted,
    /// Accepted by a controller.
    Accepted,
    /// Returned by a controller with a reason, to be fixed and resubmitted.
    Returned,
}

impl From<core::ValueStatus> for ValueStatus {
    fn from(status: core::ValueStatus) -> Self {
        match status {
            core::ValueStatus::Draft => ValueStatus::Draft,
            core::ValueStatus::Submitted => ValueStatus::Submitted,
            core::ValueStatus::Accepted => ValueStatus::Accepted,
            core::ValueStatus::Returned => ValueStatus::Returned,
        }
    }
}

impl From<ValueStatus> for core::ValueStatus {
    fn from(status: ValueStatus) -> Self {
        match status {
            ValueStatus::Draft => core::ValueStatus::Draft,
            ValueStatus::Submitted => core::ValueStatus::Submitted,
            ValueStatus::Accepted => core::ValueStatus::Accepted,
            ValueStatus::Returned => core::ValueStatus::Returned,
        }
    }
}

/// What happened to a value in one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ValueAction {
    /// A draft was saved.
    Save,
    /// Submitted for review.
    Submit,
    /// Accepted.
    Accept,
    /// Returned with a reason.
    Return,
    /// An approved correction replaced it.
    Correct,
}

impl From<core::ValueAction> for ValueAction {
    fn from(action: core::ValueAction) -> Self {
        match action {
            core::ValueAction::Save => ValueAction::Save,
            core::ValueAction::Submit => ValueAction::Submit,
            core::ValueAction::Accept => ValueAction::Accept,
            core::ValueAction::Return => ValueAction::Return,
            core::ValueAction::Correct => ValueAction::Correct,
        }
    }
}

/// What was entered for an (indicator, period): a number, or "not applicable" with a
/// reason, which is distinct from zero and from a missing value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Entry {
    /// An exact number, as a string (`"12.5"`); read it with `java.math.BigDecimal(s)`.
    Amount {
        /// The number.
        amount: String,
    },
    /// The indicator does not apply to this period.
    NotApplicable {
        /// Why.
        reason: String,
    },
}

impl From<core::Entry> for Entry {
    fn from(entry: core::Entry) -> Self {
        match entry {
            core::Entry::Amount { amount } => Entry::Amount { amount: decimal_text(amount) },
            core::Entry::NotApplicable { reason } => Entry::NotApplicable { reason },
        }
    }
}

/// The value of one indicator for one period, as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Value {
    /// The indicator's code.
    pub indicator: String,
    /// The period, e.g. `2026-M07`.
    pub period: String,
    /// The number, or not applicable.
    pub entry: Entry,
    /// Review status.
    pub status: ValueStatus,
    /// Soft plausibility warnings for the controller.
    pub flags: Vec<String>,
    /// The controller's reason, while returned.
    pub return_reason: Option<String>,
    /// The department responsible when the value was entered.
    pub department_id: Option<String>,
    /// Who last entered or changed it.
    pub entered_by: String,
    /// When it last changed.
    pub updated_at: SystemTime,
    /// Who submitted it last.
    pub submitted_by: Option<String>,
    /// When it was submitted last.
    pub submitted_at: Option<SystemTime>,
    /// When it was first submitted; timeliness is judged by this.
    pub first_submitted_at: Option<SystemTime>,
    /// Who accepted or returned it last.
    pub reviewed_by: Option<String>,
    /// When it was accepted or returned last.
    pub reviewed_at: Option<SystemTime>,
    /// How many times it was returned.
    pub times_returned: i32,
    /// How many revisions its history holds.
    pub revisions: i32,
}

impl From<core::Value> for Value {
    fn from(v: core::Value) -> Self {
        Value {
            indicator: v.indicator,
            period: v.period.to_string(),
            entry: v.entry.into(),
            status: v.status.into(),
            flags: v.flags,
            return_reason: v.return_reason,
            department_id: v.department.as_ref().map(id_text),
            entered_by: id_text(&v.entered_by),
            updated_at: instant(v.updated_at),
            submitted_by: v.submitted_by.as_ref().map(id_text),
            submitted_at: instant_opt(v.submitted_at),
            first_submitted_at: instant_opt(v.first_submitted_at),
            reviewed_by: v.reviewed_by.as_ref().map(id_text),
            reviewed_at: instant_opt(v.reviewed_at),
            times_returned: int(v.times_returned),
            revisions: int(v.revisions),
        }
    }
}

/// One change in a value's history: who, when, what and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Revision {
    /// The indicator's code.
    pub indicator: String,
    /// The period.
    pub period: String,
    /// 1 for the first revision.
    pub number: i32,
    /// When.
    pub at: SystemTime,
    /// Who: an account id.
    pub actor: String,
    /// What was done.
    pub action: ValueAction,
    /// The entry before, if there was one.
    pub old_entry: Option<Entry>,
    /// The entry after.
    pub new_entry: Entry,
    /// The status before, if there was one.
    pub old_status: Option<ValueStatus>,
    /// The status after.
    pub new_status: ValueStatus,
    /// Why: a return reason, a correction's reason.
    pub reason: Option<String>,
}

impl From<core::Revision> for Revision {
    fn from(r: core::Revision) -> Self {
        Revision {
            indicator: r.indicator,
            period: r.period.to_string(),
            number: int(r.number),
            at: instant(r.at),
            actor: id_text(&r.actor),
            action: r.action.into(),
            old_entry: r.old.map(Entry::from),
            new_entry: r.new.into(),
            old_status: r.old_status.map(ValueStatus::from),
            new_status: r.new_status.into(),
            reason: r.reason,
        }
    }
}

/// One line of the passport: an indicator, a period and its value if one was entered.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PassportRow {
    /// The indicator's definition.
    pub indicator: Indicator,
    /// The period.
    pub period: String,
    /// The value, or null if nothing was entered.
    pub value: Option<Value>,
    /// The status as shown to a reader: the value's status, or `not entered`.
    pub status_label: String,
}

impl From<core::PassportRow> for PassportRow {
    fn from(row: core::PassportRow) -> Self {
        PassportRow {
            status_label: row.status_label().to_string(),
            indicator: row.indicator.into(),
            period: row.period.to_string(),
            value: row.value.map(Value::from),
        }
    }
}

fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// Saves a draft value of an indicator assigned to the caller, as typed: `12,5`,
    /// `12.5` and `1 234` are all read exactly. A returned value is fixed this way and
    /// submitted again.
    pub fn save_draft(&self, indicator: String, period: String, value: String) -> Result<Value> {
        self.save(indicator, period, core::ValueInput::Text(value))
    }

    /// Saves a draft that marks the value "not applicable" for this period, with the
    /// reason.
    pub fn save_draft_not_applicable(
        &self,
        indicator: String,
        period: String,
        reason: String,
    ) -> Result<Value> {
        self.save(indicator, period, core::ValueInput::NotApplicable(reason))
    }

    /// Submits the caller's draft for review.
    pub fn submit(&self, indicator: String, period: String) -> Result<Value> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move { service.submit(&token, &indicator, period).await })
            .map(Value::from)
    }

    /// Accepts a submitted value. Controllers may, except for their own submissions.
    pub fn accept(&self, indicator: String, period: String) -> Result<Value> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move { service.accept(&token, &indicator, period).await })
            .map(Value::from)
    }

    /// Returns a submitted value to its executor with a reason. Controllers may.
    pub fn return_value(&self, indicator: String, period: String, reason: String) -> Result<Value> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move {
            service.return_value(&token, &indicator, period, &reason).await
        })
        .map(Value::from)
    }

    /// The value of an indicator for a period, or null if none was entered.
    pub fn value(&self, indicator: String, period: String) -> Result<Option<Value>> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move { service.value(&token, &indicator, period).await })
            .map(|value| value.map(Value::from))
    }

    /// Every revision of a value, oldest first.
    pub fn value_history(&self, indicator: String, period: String) -> Result<Vec<Revision>> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move {
            service.value_history(&token, &indicator, period).await
        })
        .map(all)
    }

    /// Values awaiting review, with their soft-rule flags. Controllers may.
    pub fn values_to_review(&self) -> Result<Vec<Value>> {
        self.call(|service, token| async move { service.values_to_review(&token).await }).map(all)
    }

    /// The passport for one period: every indicator of the period's periodicity, in
    /// catalog order, with its value and status. Recorded in the audit log as an export.
    pub fn period_passport(&self, period: String) -> Result<Vec<PassportRow>> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move { service.period_passport(&token, period).await })
            .map(all)
    }

    /// One indicator's values from `from` to `to`, both included, a row per period.
    /// Recorded in the audit log as an export.
    pub fn indicator_series(
        &self,
        indicator: String,
        from: String,
        to: String,
    ) -> Result<Vec<PassportRow>> {
        let (from, to) = (parse_period(&from)?, parse_period(&to)?);
        self.call(|service, token| async move {
            service.indicator_series(&token, &indicator, from, to).await
        })
        .map(all)
    }
}

impl Session {
    fn save(&self, indicator: String, period: String, input: core::ValueInput) -> Result<Value> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move {
            service.save_draft(&token, &indicator, period, input).await
        })
        .map(Value::from)
    }
}
