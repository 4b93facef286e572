//! Translating between Python values and the core's types.
//!
//! Inputs: periods as strings, dates as `datetime.date`, instants as aware
//! `datetime.datetime`, exact numbers as `str`, `int` or `decimal.Decimal`. A float is
//! refused rather than guessed at, because a binary float holds no exact decimal. Every
//! refusal is the core's `Invalid` error naming the field, so it arrives in Python as
//! `InvalidInput`, which is also a `ValueError`.
//!
//! Outputs: records become plain dicts of Python values (`Decimal`, `date`, aware UTC
//! `datetime`, `str`, lists), which the package turns into dataclasses and DataFrames.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use citypassport_core::catalog::{
    CatalogEntry, Department, DepartmentKind, DueRule, Indicator, Section,
};
use citypassport_core::report::Counts;
use citypassport_core::storage::AuditRecord;
use citypassport_core::value::{Assignment, Entry, Revision, Value, ValueInput};
use citypassport_core::{
    AccountSummary, AuditVerification, Calendar, CalendarYears, CatalogLoad, ChangeProposal,
    Correction, Decision, DelayNotice, DueDate, Error as CoreError, Event, ExpectedValue, Id,
    IndicatorVersion, PassportRow, Period, ProposedChange, QuarterlyReport, Reminder, ValueRef,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyType, PyTzInfo};
use rust_decimal::Decimal;

use crate::errors;

/// A dict being filled with a record's fields.
type Record<'py> = Bound<'py, PyDict>;

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// The name of a value's Python type, for messages.
fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map(|name| name.to_string()).unwrap_or_else(|_| "object".to_string())
}

/// A period from its printed form (`2026-M07`, `2026-Q3`, `2026-H2`, `2026`); an `int`
/// is read as a year.
pub(crate) fn period(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Period> {
    let text = if let Ok(text) = value.cast::<PyString>() {
        text.to_cow()?.into_owned()
    } else if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        value.str()?.to_cow()?.into_owned()
    } else {
        let reason = format!(
            "a {} is not a period; give a str such as '2026-M07', '2026-Q3', '2026-H2' or '2026'",
            type_name(value)
        );
        return Err(errors::invalid(py, "period", reason));
    };
    text.parse().map_err(|e| errors::to_py(py, e))
}

/// A calendar date from a `datetime.date` or an ISO `YYYY-MM-DD` string.
pub(crate) fn date(py: Python<'_>, value: &Bound<'_, PyAny>, field: &str) -> PyResult<NaiveDate> {
    if let Ok(text) = value.cast::<PyString>() {
        let text = text.to_cow()?;
        return NaiveDate::from_str(text.trim()).map_err(|_| {
            errors::invalid(py, field, format!("'{text}' is not a date in the form YYYY-MM-DD"))
        });
    }
    value.extract::<NaiveDate>().map_err(|_| {
        errors::invalid(py, field, format!("a {} is not a datetime.date", type_name(value)))
    })
}

/// An instant from a timezone-aware `datetime.datetime`, in any time zone.
pub(crate) fn instant(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    field: &str,
) -> PyResult<DateTime<Utc>> {
    let aware = value.getattr("tzinfo").map(|tz| !tz.is_none()).unwrap_or(false);
    if !aware {
        let reason = format!(
            "a {} is not a timezone-aware datetime; give one with tzinfo, e.g. in UTC",
            type_name(value)
        );
        return Err(errors::invalid(py, field, reason));
    }
    // astimezone handles zoneinfo and other non-fixed zones that chrono cannot read.
    let utc = value.call_method1("astimezone", (PyTzInfo::utc(py)?,))?;
    utc.extract::<DateTime<Utc>>()
        .map_err(|_| errors::invalid(py, field, "the datetime could not be read"))
}

/// An exact decimal from an `int`, a `decimal.Decimal` or a typed `str` (`12,5`,
/// `1 234`); `None` for `None`.
pub(crate) fn exact(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Option<Decimal>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if let Ok(text) = value.cast::<PyString>() {
        return citypassport_core::amount::parse_number(&text.to_cow()?)
            .map(Some)
            .map_err(|e| errors::to_py(py, rename_field(e, field)));
    }
    number(py, value, field).map(Some)
}

/// A number from an `int` or a `decimal.Decimal`; anything else is refused naming
/// `field`.
fn number(py: Python<'_>, value: &Bound<'_, PyAny>, field: &str) -> PyResult<Decimal> {
    let text = if value.is_instance_of::<PyBool>() {
        return Err(errors::invalid(py, field, "True and False are not numbers"));
    } else if value.is_instance_of::<PyInt>() {
        value.str()?.to_cow()?.into_owned()
    } else if value.is_instance(decimal_type(py)?)? {
        // Fixed-point text: str() would print 1E+5, which the exact parser refuses.
        value.call_method1("__format__", ("f",))?.cast_into::<PyString>()?.to_cow()?.into_owned()
    } else if value.is_instance_of::<PyFloat>() {
        let reason = format!(
            "{} is a binary float, which holds no exact decimal; pass it as a str or a \
             decimal.Decimal",
            value.repr()?
        );
        return Err(errors::invalid(py, field, reason));
    } else {
        let reason = format!(
            "a {} is not a number; pass a str, an int or a decimal.Decimal",
            type_name(value)
        );
        return Err(errors::invalid(py, field, reason));
    };
    Decimal::from_str_exact(&text).map_err(|_| {
        errors::invalid(py, field, format!("'{text}' is not a finite number within range"))
    })
}

fn rename_field(error: CoreError, field: &str) -> CoreError {
    match error {
        CoreError::Invalid { reason, .. } => CoreError::invalid(field, reason),
        other => other,
    }
}

/// What a clerk gives for a value: a number (`str` as typed, `int` or `Decimal`), or
/// "not applicable" with a reason. Giving neither passes an empty text, which the core
/// refuses with its own message.
pub(crate) fn value_input(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    not_applicable: Option<String>,
) -> PyResult<ValueInput> {
    let value = value.filter(|v| !v.is_none());
    match (value, not_applicable) {
        (Some(_), Some(_)) => Err(errors::invalid(
            py,
            "value",
            "give either a value or not_applicable with a reason, not both",
        )),
        (None, Some(reason)) => Ok(ValueInput::NotApplicable(reason)),
        (None, None) => Ok(ValueInput::Text(String::new())),
        (Some(value), None) => match value.cast::<PyString>() {
            Ok(text) => Ok(ValueInput::Text(text.to_cow()?.into_owned())),
            Err(_) => number(py, value, "value").map(ValueInput::Amount),
        },
    }
}

/// The due rule from its parts: `days` after the period, or day `day` of the
/// `months_after`-th month after it, each part defaulting to the core's default rule.
pub(crate) fn due_rule(day: Option<u32>, months_after: Option<u32>, days: Option<u32>) -> DueRule {
    if let Some(days) = days {
        return DueRule::DaysAfter { days };
    }
    let (default_day, default_months) = match DueRule::default() {
        DueRule::DayOfMonthAfter { day, months_after } => (day, months_after),
        DueRule::DaysAfter { .. } => (10, 1),
    };
    DueRule::DayOfMonthAfter {
        day: day.unwrap_or(default_day),
        months_after: months_after.unwrap_or(default_months),
    }
}

fn department_kind(kind: DepartmentKind) -> &'static str {
    match kind {
        DepartmentKind::Department => "department",
        DepartmentKind::Institution => "institution",
    }
}

fn put_entry(record: &Record<'_>, prefix: &str, entry: Option<&Entry>) -> PyResult<()> {
    let (amount, reason) = match entry {
        Some(Entry::Amount { amount }) => (Some(*amount), None),
        Some(Entry::NotApplicable { reason }) => (None, Some(reason.as_str())),
        None => (None, None),
    };
    record.set_item(format!("{prefix}value"), amount)?;
    record.set_item(format!("{prefix}not_applicable"), reason)?;
    Ok(())
}

/// An account as shown to the caller (no e-mail unless the caller administers
/// accounts).
pub(crate) fn account<'py>(py: Python<'py>, a: &AccountSummary) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("id", a.id.as_str())?;
    d.set_item("email", a.email.as_deref())?;
    d.set_item("full_name", &a.full_name)?;
    d.set_item("department", a.department.as_ref().map(|i| i.as_str()))?;
    d.set_item("roles", a.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())?;
    d.set_item("order_number", &a.order.number)?;
    d.set_item("order_date", a.order.date)?;
    d.set_item("active", a.active)?;
    d.set_item("has_password", a.has_password)?;
    d.set_item("created_at", a.created_at)?;
    d.set_item("deactivated_at", a.deactivated_at)?;
    Ok(d)
}

/// A department.
pub(crate) fn department<'py>(py: Python<'py>, dep: &Department) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("id", dep.id.as_str())?;
    d.set_item("name", &dep.name)?;
    d.set_item("kind", department_kind(dep.kind))?;
    Ok(d)
}

/// A catalog section.
pub(crate) fn section<'py>(py: Python<'py>, s: &Section) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("name", &s.name)?;
    d.set_item("position", s.position)?;
    Ok(d)
}

/// An indicator's definition, with its due rule spelled out in parts and in words.
pub(crate) fn indicator<'py>(py: Python<'py>, i: &Indicator) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("code", &i.code)?;
    d.set_item("name", &i.name)?;
    d.set_item("section", &i.section)?;
    d.set_item("unit", &i.unit.name)?;
    d.set_item("okei", i.unit.okei.as_deref())?;
    d.set_item("kind", i.kind.to_code())?;
    d.set_item("periodicity", i.periodicity.as_str())?;
    let (rule, day, months_after, days) = match i.due {
        DueRule::DayOfMonthAfter { day, months_after } => {
            ("day_of_month_after", Some(day), Some(months_after), None)
        }
        DueRule::DaysAfter { days } => ("days_after", None, None, Some(days)),
    };
    d.set_item("due", i.due.to_string())?;
    d.set_item("due_rule", rule)?;
    d.set_item("due_day", day)?;
    d.set_item("due_months_after", months_after)?;
    d.set_item("due_days", days)?;
    d.set_item("department", i.department.as_ref().map(|i| i.as_str()))?;
    d.set_item("methodology", &i.methodology)?;
    d.set_item("min", i.plausibility.min)?;
    d.set_item("max", i.plausibility.max)?;
    d.set_item("max_change_percent", i.plausibility.max_change_percent)?;
    d.set_item("first_period", i.first_period.map(|p| p.to_string()))?;
    Ok(d)
}

/// An indicator as the current catalog holds it: its newest definition under
/// `indicator`, and `retired_from`, the first period it is retired for (none while in
/// force).
pub(crate) fn catalog_entry<'py>(py: Python<'py>, e: &CatalogEntry) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("indicator", indicator(py, &e.indicator)?)?;
    d.set_item("retired_from", e.retired_from.map(|p| p.to_string()))?;
    Ok(d)
}

fn put_period(record: &Record<'_>, period: Period) -> PyResult<()> {
    record.set_item("period", period.to_string())?;
    record.set_item("period_start", period.first_day())?;
    record.set_item("period_end", period.last_day())?;
    Ok(())
}

/// The fields of a value after its indicator and period; all `None` for no value.
fn put_value_fields(record: &Record<'_>, v: Option<&Value>) -> PyResult<()> {
    put_entry(record, "", v.map(|v| &v.entry))?;
    record.set_item("flags", v.map(|v| v.flags.clone()).unwrap_or_default())?;
    record.set_item("return_reason", v.and_then(|v| v.return_reason.as_deref()))?;
    record.set_item("entered_by", v.map(|v| v.entered_by.as_str()))?;
    record.set_item("updated_at", v.map(|v| v.updated_at))?;
    record.set_item("submitted_by", v.and_then(|v| v.submitted_by.as_ref()).map(|i| i.as_str()))?;
    record.set_item("submitted_at", v.and_then(|v| v.submitted_at))?;
    record.set_item("first_submitted_at", v.and_then(|v| v.first_submitted_at))?;
    record.set_item("reviewed_by", v.and_then(|v| v.reviewed_by.as_ref()).map(|i| i.as_str()))?;
    record.set_item("reviewed_at", v.and_then(|v| v.reviewed_at))?;
    record.set_item("times_returned", v.map(|v| v.times_returned))?;
    record.set_item("revisions", v.map(|v| v.revisions))?;
    Ok(())
}

/// A value as it stands.
pub(crate) fn value<'py>(py: Python<'py>, v: &Value) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("indicator", &v.indicator)?;
    put_period(&d, v.period)?;
    d.set_item("status", v.status.as_str())?;
    d.set_item("department", v.department.as_ref().map(|i| i.as_str()))?;
    put_value_fields(&d, Some(v))?;
    Ok(d)
}

/// One line of the passport in long form: the indicator's description, the period and
/// the value's fields, with status `not entered` where there is no value.
pub(crate) fn passport_row<'py>(py: Python<'py>, row: &PassportRow) -> PyResult<Record<'py>> {
    let i = &row.indicator;
    let d = PyDict::new(py);
    d.set_item("indicator", &i.code)?;
    d.set_item("name", &i.name)?;
    d.set_item("section", &i.section)?;
    d.set_item("unit", &i.unit.name)?;
    d.set_item("okei", i.unit.okei.as_deref())?;
    d.set_item("periodicity", i.periodicity.as_str())?;
    put_period(&d, row.period)?;
    d.set_item("status", row.status_label())?;
    // The department that answered for the value when it was entered, else the one
    // responsible now.
    let department =
        row.value.as_ref().and_then(|v| v.department.as_ref()).or(i.department.as_ref());
    d.set_item("department", department.map(|i| i.as_str()))?;
    put_value_fields(&d, row.value.as_ref())?;
    Ok(d)
}

/// One revision of a value.
pub(crate) fn revision<'py>(py: Python<'py>, r: &Revision) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("indicator", &r.indicator)?;
    d.set_item("period", r.period.to_string())?;
    d.set_item("number", r.number)?;
    d.set_item("at", r.at)?;
    d.set_item("actor", r.actor.as_str())?;
    d.set_item("action", r.action.as_str())?;
    put_entry(&d, "old_", r.old.as_ref())?;
    put_entry(&d, "new_", Some(&r.new))?;
    d.set_item("old_status", r.old_status.map(|s| s.as_str()))?;
    d.set_item("new_status", r.new_status.as_str())?;
    d.set_item("reason", r.reason.as_deref())?;
    Ok(d)
}

/// An executor's assignment.
pub(crate) fn assignment<'py>(py: Python<'py>, a: &Assignment) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("id", a.id.as_str())?;
    d.set_item("account", a.account.as_str())?;
    d.set_item("indicator", &a.indicator)?;
    d.set_item("order_number", &a.order.number)?;
    d.set_item("order_date", a.order.date)?;
    d.set_item("assigned_by", a.assigned_by.as_str())?;
    d.set_item("assigned_at", a.assigned_at)?;
    d.set_item("ended_at", a.ended_at)?;
    Ok(d)
}

/// One audit record; `before` and `after` stay the JSON text the core stored.
pub(crate) fn audit_record<'py>(py: Python<'py>, r: &AuditRecord) -> PyResult<Record<'py>> {
    let e = &r.entry;
    let d = PyDict::new(py);
    d.set_item("seq", r.seq)?;
    d.set_item("at", e.at)?;
    d.set_item("actor", e.actor.as_ref().map(|i| i.as_str()))?;
    d.set_item("action", &e.action)?;
    d.set_item("kind", e.kind.as_str())?;
    d.set_item("key", &e.key)?;
    d.set_item("before", e.before.as_deref())?;
    d.set_item("after", e.after.as_deref())?;
    Ok(d)
}

/// What loading a catalog file did.
pub(crate) fn catalog_load<'py>(py: Python<'py>, load: &CatalogLoad) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("added", load.added)?;
    d.set_item("unchanged", load.unchanged)?;
    d.set_item("sections_added", load.sections_added)?;
    Ok(d)
}

fn put_due(record: &Record<'_>, due: &DueDate) -> PyResult<()> {
    record.set_item("due_nominal", due.nominal)?;
    record.set_item("due_date", due.date)?;
    record.set_item("due_moved", due.moved)?;
    record.set_item("due_rules_only", due.rules_only)?;
    Ok(())
}

/// The due date of one value, with the extension granted on it.
pub(crate) fn due_date<'py>(
    py: Python<'py>,
    value: &ValueRef,
    due: &DueDate,
    extended_until: Option<chrono::NaiveDate>,
) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("indicator", &value.indicator)?;
    d.set_item("period", value.period.to_string())?;
    put_due(&d, due)?;
    d.set_item("extended_until", extended_until)?;
    Ok(d)
}

/// A value the passport expects, with its due date and timeliness.
pub(crate) fn expected_value<'py>(py: Python<'py>, e: &ExpectedValue) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("indicator", &e.value.indicator)?;
    d.set_item("name", &e.indicator_name)?;
    put_period(&d, e.value.period)?;
    d.set_item("department", e.department.as_ref().map(|i| i.as_str()))?;
    d.set_item("executors", e.executors.iter().map(|i| i.as_str()).collect::<Vec<_>>())?;
    put_due(&d, &e.due)?;
    d.set_item("extended_until", e.extended_until)?;
    d.set_item("timeliness", e.timeliness.as_str())?;
    d.set_item("days_late", e.timeliness.days_late())?;
    let current = e.current.as_ref();
    d.set_item("status", current.map_or("not entered", |v| v.status.as_str()))?;
    put_entry(&d, "", current.map(|v| &v.entry))?;
    d.set_item("submitted_by", current.and_then(|v| v.submitted_by.as_ref()).map(|i| i.as_str()))?;
    d.set_item("first_submitted_at", current.and_then(|v| v.first_submitted_at))?;
    d.set_item("times_returned", current.map_or(0, |v| v.times_returned))?;
    d.set_item("notices", e.notices.iter().map(|i| i.as_str()).collect::<Vec<_>>())?;
    Ok(d)
}

/// A reminder: the expected value, the days left to its deadline, and the executors to
/// remind at the moment asked about (`to_remind`), who may differ from those who answer
/// for it (`executors`).
pub(crate) fn reminder<'py>(py: Python<'py>, r: &Reminder) -> PyResult<Record<'py>> {
    let d = expected_value(py, &r.expected)?;
    d.set_item("days_left", r.days_left)?;
    d.set_item("to_remind", r.executors.iter().map(|i| i.as_str()).collect::<Vec<_>>())?;
    Ok(d)
}

/// A delay notice.
pub(crate) fn delay_notice<'py>(py: Python<'py>, n: &DelayNotice) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("id", n.id.as_str())?;
    d.set_item("executor", n.executor.as_str())?;
    let values: Vec<(String, String)> =
        n.values.iter().map(|v| (v.indicator.clone(), v.period.to_string())).collect();
    d.set_item("values", values)?;
    d.set_item("reason", &n.reason)?;
    d.set_item("expected_date", n.expected_date)?;
    d.set_item("filed_at", n.filed_at)?;
    d.set_item("status", n.status.as_str())?;
    d.set_item("decided_by", n.decided_by.as_ref().map(|i| i.as_str()))?;
    d.set_item("decided_at", n.decided_at)?;
    d.set_item("decision_reason", n.decision_reason.as_deref())?;
    d.set_item("granted_until", n.granted_until)?;
    Ok(d)
}

/// An event of the feed.
pub(crate) fn event<'py>(py: Python<'py>, e: &Event) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("seq", e.seq)?;
    d.set_item("at", e.at)?;
    d.set_item("kind", &e.kind)?;
    d.set_item("actor", e.actor.as_ref().map(|i| i.as_str()))?;
    let values: Vec<(String, String)> =
        e.values.iter().map(|v| (v.indicator.clone(), v.period.to_string())).collect();
    d.set_item("values", values)?;
    d.set_item("notice", e.notice.as_ref().map(|i| i.as_str()))?;
    d.set_item("department", e.department.as_ref().map(|i| i.as_str()))?;
    d.set_item("indicator", e.indicator.as_deref())?;
    Ok(d)
}

/// The working-day calendar: the years it has data for, its exceptional days and the
/// regional holidays.
pub(crate) fn calendar<'py>(py: Python<'py>, c: &Calendar) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("years_with_data", c.years_with_data())?;
    let mut days = Vec::new();
    for day in c.days() {
        let row = PyDict::new(py);
        row.set_item("date", day.date)?;
        row.set_item("kind", day.kind.as_str())?;
        row.set_item("note", &day.note)?;
        days.push(row);
    }
    d.set_item("days", days)?;
    let mut holidays = Vec::new();
    for holiday in c.regional_holidays() {
        let row = PyDict::new(py);
        row.set_item("month", holiday.month)?;
        row.set_item("day", holiday.day)?;
        row.set_item("first_year", holiday.first_year)?;
        row.set_item("name", &holiday.name)?;
        holidays.push(row);
    }
    d.set_item("regional_holidays", holidays)?;
    Ok(d)
}

/// What loading calendar years did.
pub(crate) fn calendar_years<'py>(py: Python<'py>, c: &CalendarYears) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("years", c.years.clone())?;
    d.set_item("days", c.days)?;
    Ok(d)
}

fn put_counts(record: &Record<'_>, c: &Counts) -> PyResult<()> {
    record.set_item("due", c.due)?;
    record.set_item("on_time", c.on_time)?;
    record.set_item("late", c.late)?;
    record.set_item("late_days", c.late_days)?;
    record.set_item("missing", c.missing)?;
    record.set_item("excused", c.excused)?;
    record.set_item("not_applicable", c.not_applicable)?;
    record.set_item("not_yet_due", c.not_yet_due)?;
    record.set_item("returned", c.returned)?;
    record.set_item("entered", c.entered)?;
    Ok(())
}

/// The quarterly report's data: totals, lines per department and executor, corrections
/// and violations.
pub(crate) fn quarterly_report<'py>(py: Python<'py>, r: &QuarterlyReport) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("quarter", r.quarter.to_string())?;
    let due = PyDict::new(py);
    put_due(&due, &r.due_date)?;
    d.set_item("due_date", due)?;
    d.set_item("generated_at", r.generated_at)?;
    d.set_item("time_zone", r.time_zone.name())?;
    d.set_item("rules_only_years", r.rules_only_years.clone())?;
    let totals = PyDict::new(py);
    put_counts(&totals, &r.totals)?;
    d.set_item("totals", totals)?;

    let mut departments = Vec::new();
    for line in &r.departments {
        let row = PyDict::new(py);
        row.set_item("department", line.department.as_ref().map(|i| i.as_str()))?;
        row.set_item("name", &line.name)?;
        put_counts(&row, &line.counts)?;
        departments.push(row);
    }
    d.set_item("departments", departments)?;

    let mut executors = Vec::new();
    for line in &r.executors {
        let row = PyDict::new(py);
        row.set_item("account", line.account.as_ref().map(|i| i.as_str()))?;
        row.set_item("name", &line.name)?;
        put_counts(&row, &line.counts)?;
        executors.push(row);
    }
    d.set_item("executors", executors)?;

    let mut corrections = Vec::new();
    for c in &r.corrections {
        let row = PyDict::new(py);
        row.set_item("indicator", &c.indicator)?;
        row.set_item("period", c.period.to_string())?;
        row.set_item("old", &c.old)?;
        row.set_item("new", &c.new)?;
        row.set_item("reason", &c.reason)?;
        row.set_item("approved_at", c.approved_at)?;
        corrections.push(row);
    }
    d.set_item("corrections", corrections)?;

    let mut violations = Vec::new();
    for v in &r.violations {
        let row = PyDict::new(py);
        row.set_item("indicator", &v.indicator)?;
        row.set_item("name", &v.indicator_name)?;
        row.set_item("period", v.period.to_string())?;
        row.set_item("department", &v.department)?;
        row.set_item("executors", v.executors.clone())?;
        row.set_item("due_date", v.due_date)?;
        row.set_item("extended_until", v.extended_until)?;
        row.set_item("submitted_at", v.submitted_at)?;
        row.set_item("missing", v.is_missing())?;
        row.set_item("days_late", v.days_late)?;
        let notices: Vec<(String, &str)> =
            v.notices.iter().map(|(id, status)| (id.to_string(), status.as_str())).collect();
        row.set_item("notices", notices)?;
        violations.push(row);
    }
    d.set_item("violations", violations)?;
    Ok(d)
}

fn put_decision(
    record: &Record<'_>,
    status: Decision,
    decided_by: Option<&Id>,
    decided_at: Option<DateTime<Utc>>,
    reason: Option<&str>,
) -> PyResult<()> {
    record.set_item("status", status.as_str())?;
    record.set_item("decided_by", decided_by.map(|i| i.as_str()))?;
    record.set_item("decided_at", decided_at)?;
    record.set_item("decision_reason", reason)?;
    Ok(())
}

fn optional_indicator<'py>(
    py: Python<'py>,
    definition: Option<&Indicator>,
) -> PyResult<Option<Record<'py>>> {
    definition.map(|i| indicator(py, i)).transpose()
}

/// A change proposal: `change` is `add`, `change` or `retire`, `definition` the
/// proposed definition (none for a retirement).
pub(crate) fn change_proposal<'py>(py: Python<'py>, p: &ChangeProposal) -> PyResult<Record<'py>> {
    let definition = match &p.change {
        ProposedChange::Add { indicator } | ProposedChange::Change { indicator } => Some(indicator),
        ProposedChange::Retire { .. } => None,
    };
    let d = PyDict::new(py);
    d.set_item("id", p.id.as_str())?;
    d.set_item("change", p.change.as_str())?;
    d.set_item("indicator", p.change.code())?;
    d.set_item("definition", optional_indicator(py, definition)?)?;
    d.set_item("justification", &p.justification)?;
    d.set_item("effective_from", p.effective_from.to_string())?;
    d.set_item("department", p.department.as_ref().map(|i| i.as_str()))?;
    d.set_item("proposed_by", p.proposed_by.as_str())?;
    d.set_item("proposed_at", p.proposed_at)?;
    let decided_by = p.decided_by.as_ref();
    put_decision(&d, p.status, decided_by, p.decided_at, p.decision_reason.as_deref())?;
    Ok(d)
}

/// One version of an indicator's definition; `definition` is none once retired.
pub(crate) fn indicator_version<'py>(
    py: Python<'py>,
    v: &IndicatorVersion,
) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("code", &v.code)?;
    d.set_item("number", v.number)?;
    d.set_item("definition", optional_indicator(py, v.definition.as_ref())?)?;
    d.set_item("effective_from", v.effective_from.map(|p| p.to_string()))?;
    d.set_item("recorded_at", v.recorded_at)?;
    d.set_item("recorded_by", v.recorded_by.as_str())?;
    d.set_item("proposal", v.proposal.as_ref().map(|i| i.as_str()))?;
    d.set_item("reason", &v.reason)?;
    d.set_item("proposed_by", v.proposed_by.as_ref().map(|i| i.as_str()))?;
    d.set_item("decision_reason", v.decision_reason.as_deref())?;
    Ok(d)
}

/// A correction of an accepted value, with the entry it replaces and the one proposed.
pub(crate) fn correction<'py>(py: Python<'py>, c: &Correction) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("id", c.id.as_str())?;
    d.set_item("indicator", &c.value.indicator)?;
    d.set_item("period", c.value.period.to_string())?;
    put_entry(&d, "old_", Some(&c.old))?;
    put_entry(&d, "new_", Some(&c.new))?;
    d.set_item("reason", &c.reason)?;
    d.set_item("proposed_by", c.proposed_by.as_str())?;
    d.set_item("proposed_at", c.proposed_at)?;
    let decided_by = c.decided_by.as_ref();
    put_decision(&d, c.status, decided_by, c.decided_at, c.decision_reason.as_deref())?;
    Ok(d)
}

/// What a check of the audit log's hash chain found.
pub(crate) fn audit_verification<'py>(
    py: Python<'py>,
    v: &AuditVerification,
) -> PyResult<Record<'py>> {
    let d = PyDict::new(py);
    d.set_item("intact", v.is_intact())?;
    d.set_item("records_checked", v.records_checked)?;
    d.set_item("head_hash", &v.head_hash)?;
    d.set_item("first_broken", v.first_broken)?;
    d.set_item("problem", v.problem.as_deref())?;
    Ok(d)
}

/// Records of a list, converted one by one.
pub(crate) fn list<'py, T>(
    py: Python<'py>,
    items: &[T],
    convert: impl Fn(Python<'py>, &T) -> PyResult<Record<'py>>,
) -> PyResult<Vec<Record<'py>>> {
    items.iter().map(|item| convert(py, item)).collect()
}
