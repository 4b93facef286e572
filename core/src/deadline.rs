//! Deadlines of values: due-date overrides and extensions, timeliness, delay notices,
//! reminders and the event feed.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{days_late, deadline_instant, DueDate};
use crate::id::Id;
use crate::period::Period;
use crate::value::{Entry, Value};

/// One (indicator, period): the address of a value, whether or not it was entered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValueRef {
    /// Indicator code.
    pub indicator: String,
    /// Period.
    pub period: Period,
}

impl ValueRef {
    /// The address of `indicator` for `period`.
    pub fn new(indicator: impl Into<String>, period: Period) -> Self {
        ValueRef { indicator: indicator.into(), period }
    }
}

impl fmt::Display for ValueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} for {}", self.indicator, self.period)
    }
}

/// A due date set for one (indicator, period) instead of the rule's, and the extension a
/// granted delay notice gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDateOverride {
    /// The value's address.
    pub value: ValueRef,
    /// A due date set by the chief of staff in place of the rule's.
    pub set_date: Option<SetDueDate>,
    /// An extension granted on a delay notice.
    pub extension: Option<Extension>,
}

/// A due date the chief of staff set for one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetDueDate {
    /// The date named; moved off non-working days like any other.
    pub date: NaiveDate,
    /// Why.
    pub reason: String,
    /// Who set it.
    pub by: Id,
    /// When.
    pub at: DateTime<Utc>,
}

/// An extension granted on a delay notice: the value's new due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The new due date, already moved off non-working days.
    pub until: NaiveDate,
    /// The notice it was granted on.
    pub notice: Id,
}

/// Whether a value came in on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "timeliness")]
pub enum Timeliness {
    /// Not submitted, and its due date has not passed.
    NotYetDue,
    /// First submitted by 24:00 local time of its due date.
    OnTime,
    /// First submitted after its due date (and after any extension).
    Late {
        /// Calendar days late, in local time.
        days: i64,
    },
    /// Not submitted, and its due date (and any extension) has passed.
    Missing {
        /// Calendar days since the due date, in local time.
        days: i64,
    },
    /// Covered by an extension: submitted after the original due date but within the
    /// extension, or not yet submitted while the extension runs.
    Excused,
    /// Submitted as not applicable, with a reason, by its due date. "Not applicable" says
    /// what the value is, not when it came: one submitted within an extension is
    /// [`Excused`](Self::Excused) and one submitted after its deadline is
    /// [`Late`](Self::Late), like any other value, since the order counts values entered
    /// late whatever they say.
    NotApplicable,
}

impl Timeliness {
    /// The name: `not_yet_due`, `on_time`, `late`, `missing`, `excused`, `not_applicable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::NotYetDue => "not_yet_due",
            Timeliness::OnTime => "on_time",
            Timeliness::Late { .. } => "late",
            Timeliness::Missing { .. } => "missing",
            Timeliness::Excused => "excused",
            Timeliness::NotApplicable => "not_applicable",
        }
    }

    /// Days late or overdue; 0 otherwise.
    pub fn days_late(self) -> i64 {
        match self {
            Timeliness::Late { days } | Timeliness::Missing { days } => days,
            _ => 0,
        }
    }

    /// Judges a value against its due date at instant `now`.
    ///
    /// A returned and resubmitted value keeps the timeliness of its first submission:
    /// the controller's return is not the executor's delay. A not-applicable value is
    /// judged by when it came like any other; only on time does it count as
    /// [`NotApplicable`](Self::NotApplicable) rather than [`OnTime`](Self::OnTime).
    pub fn judge(
        value: Option<&Value>,
        due: NaiveDate,
        extension: Option<NaiveDate>,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Timeliness {
        let extended = extension.filter(|until| *until > due);
        let submitted = value.and_then(|v| v.first_submitted_at.map(|at| (v, at)));
        match submitted {
            Some((value, at)) if at < deadline_instant(due, tz) => match value.entry {
                Entry::NotApplicable { .. } => Timeliness::NotApplicable,
                _ => Timeliness::OnTime,
            },
            Some((_, at)) => match extended {
                Some(until) if at < deadline_instant(until, tz) => Timeliness::Excused,
                Some(until) => Timeliness::Late { days: days_late(at, until, tz) },
                None => Timeliness::Late { days: days_late(at, due, tz) },
            },
            None if now < deadline_instant(due, tz) => Timeliness::NotYetDue,
            None => match extended {
                Some(until) if now < deadline_instant(until, tz) => Timeliness::Excused,
                Some(until) => Timeliness::Missing { days: days_late(now, until, tz) },
                None => Timeliness::Missing { days: days_late(now, due, tz) },
            },
        }
    }
}

impl fmt::Display for Timeliness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeliness::Late { days } => write!(f, "late by {days} d"),
            Timeliness::Missing { days } => write!(f, "missing, {days} d overdue"),
            other => f.write_str(&other.as_str().replace('_', " ")),
        }
    }
}

/// The last day a value with due date `due` and extension `extension` counts as in time:
/// an extension that does not run past the due date changes nothing.
pub(crate) fn deadline_of(due: &DueDate, extension: Option<NaiveDate>) -> NaiveDate {
    extension.filter(|until| *until > due.date).unwrap_or(due.date)
}

/// A value the passport expects: its due date, who answers for it, what came in and
/// whether on time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedValue {
    /// The value's address.
    pub value: ValueRef,
    /// The indicator's name.
    pub indicator_name: String,
    /// The responsible department.
    pub department: Option<Id>,
    /// The executors who answer for it: those whose assignment was in force when its
    /// deadline passed, or, for a deadline still ahead, who are assigned and whose order
    /// is in force by then. A dismissed executor stays on the values whose deadline passed
    /// while they were assigned; none if nobody was assigned.
    pub executors: Vec<Id>,
    /// The due date from the rule or a set date, moved off non-working days.
    pub due: DueDate,
    /// The extension, if a delay notice was granted.
    pub extended_until: Option<NaiveDate>,
    /// The value as it stands now, if one was entered.
    pub current: Option<Value>,
    /// Timeliness at the moment asked about (now, unless a reminder asked about another).
    pub timeliness: Timeliness,
    /// Delay notices filed for it.
    pub notices: Vec<Id>,
}

impl ExpectedValue {
    /// The last day on which it counts as in time: the extension if one runs past the due
    /// date, else the due date.
    pub fn deadline(&self) -> NaiveDate {
        deadline_of(&self.due, self.extended_until)
    }

    /// Whether a controller returned it at least once.
    pub fn was_returned(&self) -> bool {
        self.current.as_ref().is_some_and(|v| v.times_returned > 0)
    }

    /// Who answers for it: whoever submitted it, else [`executors`](Self::executors).
    pub fn responsible(&self) -> Vec<Id> {
        match self.current.as_ref().and_then(|v| v.submitted_by.clone()) {
            Some(submitter) => vec![submitter],
            None => self.executors.clone(),
        }
    }
}

/// Where a delay notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Filed, awaiting the controller.
    Pending,
    /// Granted: each value has a new due date.
    Granted,
    /// Declined with a reason.
    Declined,
}

impl NoticeStatus {
    /// The name: `pending`, `granted`, `declined`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Pending => "pending",
            NoticeStatus::Granted => "granted",
            NoticeStatus::Declined => "declined",
        }
    }
}

/// An executor's written notice that values will be late (item 3.3 of the order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayNotice {
    /// Generated identifier.
    pub id: Id,
    /// Who filed it.
    pub executor: Id,
    /// The values it covers.
    pub values: Vec<ValueRef>,
    /// Why they will be late.
    pub reason: String,
    /// The date by which the executor expects to submit.
    pub expected_date: NaiveDate,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// Where it stands.
    pub status: NoticeStatus,
    /// The controller who decided.
    pub decided_by: Option<Id>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The reason of a decline, or a note on a grant.
    pub decision_reason: Option<String>,
    /// The new due date granted.
    pub granted_until: Option<NaiveDate>,
}

/// A value due soon or overdue, for an embedding portal's reminder e-mails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// The value.
    pub expected: ExpectedValue,
    /// Days until the due date (negative when overdue).
    pub days_left: i64,
    /// Whom to remind: the executors who may enter the value at the moment asked about.
    pub executors: Vec<Id>,
}

impl Reminder {
    /// The reminders grouped per executor to remind, for one e-mail each; the values
    /// nobody is assigned to come under `None`, for the department head.
    pub fn by_executor(reminders: &[Reminder]) -> BTreeMap<Option<Id>, Vec<&Reminder>> {
        let mut groups: BTreeMap<Option<Id>, Vec<&Reminder>> = BTreeMap::new();
        for reminder in reminders {
            if reminder.executors.is_empty() {
                groups.entry(None).or_default().push(reminder);
            }
            for executor in &reminder.executors {
                groups.entry(Some(executor.clone())).or_default().push(reminder);
            }
        }
        groups
    }

    /// The reminders grouped per responsible department; values of indicators without
    /// one come under `None`.
    pub fn by_department(reminders: &[Reminder]) -> BTreeMap<Option<Id>, Vec<&Reminder>> {
        let mut groups: BTreeMap<Option<Id>, Vec<&Reminder>> = BTreeMap::new();
        for reminder in reminders {
            groups.entry(reminder.expected.department.clone()).or_default().push(reminder);
        }
        groups
    }
}

/// Something that happened that someone may need to hear of, read from a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The cursor: pass the last one read to get only newer events.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// What: `value.returned`, `value.accepted`, `notice.filed`, `extension.granted`,
    /// `extension.declined`, `deadline.passed`, ...
    pub kind: String,
    /// Who caused it; none for the system.
    pub actor: Option<Id>,
    /// The values it concerns.
    pub values: Vec<ValueRef>,
    /// A delay notice it concerns.
    pub notice: Option<Id>,
    /// For a catalog change, the department responsible for the indicator, whose head
    /// is to be told.
    pub department: Option<Id>,
    /// For a catalog change, the indicator's code.
    pub indicator: Option<String>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::value::ValueStatus;

    const MOSCOW: chrono_tz::Tz = chrono_tz::Europe::Moscow;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test dates are valid")
    }

    /// An instant given as Moscow wall-clock time, `2026-07-11 00:01`.
    fn moscow(text: &str) -> DateTime<Utc> {
        let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time");
        MOSCOW.from_local_datetime(&local).single().expect("one instant").to_utc()
    }

    fn submitted(entry: Entry, at: DateTime<Utc>) -> Value {
        Value {
            indicator: "EDU-1".into(),
            period: "2026-M06".parse().expect("period"),
            entry,
            status: ValueStatus::Submitted,
            flags: vec![],
            return_reason: None,
            department: None,
            entered_by: Id::from("e"),
            updated_at: at,
            submitted_by: Some(Id::from("e")),
            submitted_at: Some(at),
            first_submitted_at: Some(at),
            reviewed_by: None,
            reviewed_at: None,
            times_returned: 0,
            revisions: 1,
        }
    }

    fn number() -> Entry {
        Entry::Amount { amount: rust_decimal::Decimal::ONE }
    }

    fn not_applicable() -> Entry {
        Entry::NotApplicable { reason: "нет школ".into() }
    }

    /// Each row: what came (`-` nothing, `n` a number, `na` not applicable) and when, the
    /// extension if any, and the timeliness at 2026-08-01 of a value due 2026-07-10.
    #[test]
    fn timeliness_of_numbers_and_not_applicable_by_when_they_came() {
        let now = moscow("2026-08-01 12:00");
        let due = date("2026-07-10");
        let rows = [
            ("n", "2026-07-10 23:59", None, Timeliness::OnTime),
            ("n", "2026-07-11 00:01", None, Timeliness::Late { days: 1 }),
            ("na", "2026-07-10 23:59", None, Timeliness::NotApplicable),
            ("na", "2026-07-13 10:00", None, Timeliness::Late { days: 3 }),
            ("na", "2026-07-13 10:00", Some("2026-07-20"), Timeliness::Excused),
            ("na", "2026-07-22 10:00", Some("2026-07-20"), Timeliness::Late { days: 2 }),
            ("n", "2026-07-20 23:59", Some("2026-07-20"), Timeliness::Excused),
            ("n", "2026-07-21 00:00", Some("2026-07-20"), Timeliness::Late { days: 1 }),
            ("n", "2026-07-12 10:00", Some("2026-07-05"), Timeliness::Late { days: 2 }),
            ("-", "", None, Timeliness::Missing { days: 22 }),
            ("-", "", Some("2026-07-20"), Timeliness::Missing { days: 12 }),
            ("-", "", Some("2026-08-03"), Timeliness::Excused),
        ];
        for (what, at, extension, expected) in rows {
            let value = match what {
                "n" => Some(submitted(number(), moscow(at))),
                "na" => Some(submitted(not_applicable(), moscow(at))),
                _ => None,
            };
            let judged = Timeliness::judge(value.as_ref(), due, extension.map(date), now, MOSCOW);
            assert_eq!(judged, expected, "{what} at {at}, extension {extension:?}");
        }
        let before = moscow("2026-07-10 12:00");
        assert_eq!(Timeliness::judge(None, due, None, before, MOSCOW), Timeliness::NotYetDue);
    }

    #[test]
    fn an_extension_that_ends_before_the_due_date_changes_nothing() {
        let due = DueDate {
            nominal: date("2026-07-10"),
            date: date("2026-07-10"),
            moved: false,
            rules_only: false,
        };
        assert_eq!(deadline_of(&due, Some(date("2026-07-05"))), date("2026-07-10"));
        assert_eq!(deadline_of(&due, Some(date("2026-07-27"))), date("2026-07-27"));
        assert_eq!(deadline_of(&due, None), date("2026-07-10"));
    }
}
