//! Values of indicators, their workflow states and their history.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::period::Period;

/// Where a value stands in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueStatus {
    /// Entered, not yet submitted; only the executor sees it as work in progress.
    Draft,
    /// Submitted for review.
    Submitted,
    /// Accepted by a controller.
    Accepted,
    /// Returned by a controller with a reason; to be fixed and resubmitted.
    Returned,
}

impl ValueStatus {
    /// The status's name: `draft`, `submitted`, `accepted`, `returned`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueStatus::Draft => "draft",
            ValueStatus::Submitted => "submitted",
            ValueStatus::Accepted => "accepted",
            ValueStatus::Returned => "returned",
        }
    }
}

impl fmt::Display for ValueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was entered for an (indicator, period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "entry")]
pub enum Entry {
    /// An exact number.
    Amount {
        /// The number.
        amount: Decimal,
    },
    /// The indicator does not apply to this period, for the reason given: distinct from
    /// zero and from a missing value.
    NotApplicable {
        /// Why.
        reason: String,
    },
}

impl Entry {
    /// The number, if it is one.
    pub fn amount(&self) -> Option<Decimal> {
        match self {
            Entry::Amount { amount } => Some(*amount),
            Entry::NotApplicable { .. } => None,
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Amount { amount } => write!(f, "{amount}"),
            Entry::NotApplicable { .. } => f.write_str("not applicable"),
        }
    }
}

/// What a clerk gives for a value: text as typed, or "not applicable" with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueInput {
    /// A number as typed: `12,5`, `12.5`, `1 234`.
    Text(String),
    /// An exact number.
    Amount(Decimal),
    /// Not applicable, with the reason.
    NotApplicable(String),
}

/// The value of one indicator for one period, as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    /// Indicator code.
    pub indicator: String,
    /// Reporting period.
    pub period: Period,
    /// The number, or not applicable.
    pub entry: Entry,
    /// Review status.
    pub status: ValueStatus,
    /// Soft plausibility warnings for the controller.
    pub flags: Vec<String>,
    /// The controller's reason, while returned.
    pub return_reason: Option<String>,
    /// Department responsible for the indicator when the value was entered.
    pub department: Option<Id>,
    /// Who last entered or changed it.
    pub entered_by: Id,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Who submitted it last.
    pub submitted_by: Option<Id>,
    /// When it was submitted last.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was first submitted; timeliness is judged by this.
    pub first_submitted_at: Option<DateTime<Utc>>,
    /// Who accepted or returned it last.
    pub reviewed_by: Option<Id>,
    /// When it was accepted or returned last.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// How many times it was returned.
    pub times_returned: u32,
    /// How many revisions its history holds.
    pub revisions: u32,
}

/// What happened to a value in one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl ValueAction {
    /// The action's name, used in the audit log as `value.<name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueAction::Save => "save",
            ValueAction::Submit => "submit",
            ValueAction::Accept => "accept",
            ValueAction::Return => "return",
            ValueAction::Correct => "correct",
        }
    }
}

/// One change in a value's history: who, when, what and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// Indicator code.
    pub indicator: String,
    /// Period.
    pub period: Period,
    /// 1 for the first revision.
    pub number: u32,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Id,
    /// What was done.
    pub action: ValueAction,
    /// The entry before, if any.
    pub old: Option<Entry>,
    /// The entry after.
    pub new: Entry,
    /// Status before.
    pub old_status: Option<ValueStatus>,
    /// Status after.
    pub new_status: ValueStatus,
    /// Why (a return reason, a correction's reason).
    pub reason: Option<String>,
}

/// An executor's appointment to enter the values of one indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Generated identifier.
    pub id: Id,
    /// The executor's account.
    pub account: Id,
    /// Indicator code.
    pub indicator: String,
    /// The appointment order; the assignment is in force from its date.
    pub order: crate::account::AppointmentOrder,
    /// Who recorded it.
    pub assigned_by: Id,
    /// When it was recorded.
    pub assigned_at: DateTime<Utc>,
    /// When it ended, if it did.
    pub ended_at: Option<DateTime<Utc>>,
}

impl Assignment {
    /// Whether the assignment lets its executor work on `day` (local date).
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.ended_at.is_none() && self.order.date <= day
    }
}
