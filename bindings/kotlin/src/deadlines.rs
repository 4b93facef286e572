//! Deadlines: the working calendar, due dates, timeliness, reminders, delay notices and
//! the event feed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::time::SystemTime;

use citypassport_core as core;
use citypassport_core::calendar::{CalendarDay as CoreCalendarDay, DayKind as CoreDayKind};
use citypassport_core::deadline::{DelayNotice as CoreDelayNotice, Event as CoreEvent};

use crate::convert::{
    id, id_text, instant, instant_opt, int, long, non_negative, period as parse_period, utc,
    LocalDate,
};
use crate::error::{PassportError, Result};
use crate::session::Session;
use crate::values::Value;

/// The address of one value, whether or not it was entered: an indicator and a period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct ValueRef {
    /// The indicator's code.
    pub indicator: String,
    /// The period, e.g. `2026-M07`.
    pub period: String,
}

impl From<core::ValueRef> for ValueRef {
    fn from(v: core::ValueRef) -> Self {
        ValueRef { indicator: v.indicator, period: v.period.to_string() }
    }
}

impl ValueRef {
    pub(crate) fn into_core(self) -> Result<core::ValueRef> {
        // The code goes to the core as given, like every other code the bindings pass on.
        Ok(core::ValueRef::new(self.indicator, parse_period(&self.period)?))
    }
}

/// The due date of one value and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DueDate {
    /// The day the rule (or a set date) names.
    pub nominal: LocalDate,
    /// The due date: `nominal`, or the next working day if that is not one.
    pub date: LocalDate,
    /// Whether the date was moved off a non-working day.
    pub moved: bool,
    /// Whether the calendar had no table for the year, so that only the rules (weekends
    /// and fixed holidays) were applied.
    pub rules_only: bool,
}

impl From<core::DueDate> for DueDate {
    fn from(d: core::DueDate) -> Self {
        DueDate {
            nominal: d.nominal.into(),
            date: d.date.into(),
            moved: d.moved,
            rules_only: d.rules_only,
        }
    }
}

/// A value's due date together with the extension a granted delay notice gave it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ValueDeadline {
    /// The due date.
    pub due: DueDate,
    /// The extension, if a delay notice was granted.
    pub extended_until: Option<LocalDate>,
}

/// Whether a value came in on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Timeliness {
    /// Not submitted, and its due date has not passed.
    NotYetDue,
    /// First submitted by 24:00 local time of its due date.
    OnTime,
    /// First submitted after its due date (and any extension).
    Late {
        /// Calendar days late.
        days: i64,
    },
    /// Not submitted, and its due date (and any extension) has passed.
    Missing {
        /// Calendar days since the due date.
        days: i64,
    },
    /// Covered by an extension.
    Excused,
    /// Submitted as not applicable, with a reason.
    NotApplicable,
}

impl From<core::Timeliness> for Timeliness {
    fn from(t: core::Timeliness) -> Self {
        match t {
            core::Timeliness::NotYetDue => Timeliness::NotYetDue,
            core::Timeliness::OnTime => Timeliness::OnTime,
            core::Timeliness::Late { days } => Timeliness::Late { days },
            core::Timeliness::Missing { days } => Timeliness::Missing { days },
            core::Timeliness::Excused => Timeliness::Excused,
            core::Timeliness::NotApplicable => Timeliness::NotApplicable,
        }
    }
}

/// A value the passport expects: its due date, who answers for it, what came in and
/// whether on time.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpectedValue {
    /// The value's address.
    pub value: ValueRef,
    /// The indicator's name.
    pub indicator_name: String,
    /// The responsible department.
    pub department_id: Option<String>,
    /// The executors who answer for it: those whose assignment was in force when its
    /// deadline passed, or, for a deadline still ahead, who are assigned and whose order
    /// is in force by then. A dismissed executor stays on the values whose deadline
    /// passed while they were assigned.
    pub executor_ids: Vec<String>,
    /// The due date, moved off non-working days.
    pub due: DueDate,
    /// The extension, if a delay notice was granted.
    pub extended_until: Option<LocalDate>,
    /// The value as it stands now, if one was entered (also when asked about another
    /// moment).
    pub current: Option<Value>,
    /// Timeliness at the moment asked about: now, or the instant given to `remindersAt`.
    pub timeliness: Timeliness,
    /// The delay notices filed for it.
    pub notice_ids: Vec<String>,
}

impl From<core::ExpectedValue> for ExpectedValue {
    fn from(e: core::ExpectedValue) -> Self {
        ExpectedValue {
            value: e.value.into(),
            indicator_name: e.indicator_name,
            department_id: e.department.as_ref().map(id_text),
            executor_ids: e.executors.iter().map(id_text).collect(),
            due: e.due.into(),
            extended_until: e.extended_until.map(LocalDate::from),
            current: e.current.map(Value::from),
            timeliness: e.timeliness.into(),
            notice_ids: e.notices.iter().map(id_text).collect(),
        }
    }
}

/// A value not yet submitted whose deadline is near or past, for a portal's reminder
/// e-mails.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reminder {
    /// The value. Its `executorIds` are those who answer for it (assigned when its
    /// deadline passed, or by then for a deadline ahead), who may differ from `toRemind`.
    pub expected: ExpectedValue,
    /// Days until its deadline (the extension if one was granted, else the due date) from
    /// the day asked about; negative when overdue.
    pub days_left: i64,
    /// Whom to remind: the account ids of the executors who may enter the value at the
    /// moment asked about. Empty when nobody is assigned: the department head is the one
    /// to tell.
    pub to_remind: Vec<String>,
}

impl From<core::Reminder> for Reminder {
    fn from(r: core::Reminder) -> Self {
        Reminder {
            expected: r.expected.into(),
            days_left: r.days_left,
            to_remind: r.executors.iter().map(id_text).collect(),
        }
    }
}

impl From<&core::Reminder> for Reminder {
    fn from(r: &core::Reminder) -> Self {
        r.clone().into()
    }
}

/// The reminders of one executor to remind, for one e-mail, as the core groups them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExecutorReminders {
    /// The executor's account id; null for the values nobody is assigned to, which go to
    /// the department head.
    pub executor_id: Option<String>,
    /// Their reminders, soonest deadline first.
    pub reminders: Vec<Reminder>,
}

/// The reminders of one responsible department, for one e-mail, as the core groups them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DepartmentReminders {
    /// The department's id; null for indicators without a responsible department.
    pub department_id: Option<String>,
    /// Its reminders, soonest deadline first.
    pub reminders: Vec<Reminder>,
}

/// The core's grouping of reminders, each group with its key as Kotlin sees it, in the
/// core's order of the keys (null first).
fn groups(
    grouped: BTreeMap<Option<core::Id>, Vec<&core::Reminder>>,
) -> impl Iterator<Item = (Option<String>, Vec<Reminder>)> + '_ {
    grouped.into_iter().map(|(key, members)| {
        (key.as_ref().map(id_text), members.into_iter().map(Reminder::from).collect())
    })
}

/// Where a delay notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NoticeStatus {
    /// Filed, awaiting the controller.
    Pending,
    /// Granted: each value has a new due date.
    Granted,
    /// Declined with a reason.
    Declined,
}

impl From<core::NoticeStatus> for NoticeStatus {
    fn from(s: core::NoticeStatus) -> Self {
        match s {
            core::NoticeStatus::Pending => NoticeStatus::Pending,
            core::NoticeStatus::Granted => NoticeStatus::Granted,
            core::NoticeStatus::Declined => NoticeStatus::Declined,
        }
    }
}

impl From<NoticeStatus> for core::NoticeStatus {
    fn from(s: NoticeStatus) -> Self {
        match s {
            NoticeStatus::Pending => core::NoticeStatus::Pending,
            NoticeStatus::Granted => core::NoticeStatus::Granted,
            NoticeStatus::Declined => core::NoticeStatus::Declined,
        }
    }
}

/// An executor's written notice that values will be late, with the reasons.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DelayNotice {
    /// Its id.
    pub id: String,
    /// Who filed it.
    pub executor_id: String,
    /// The values it covers.
    pub values: Vec<ValueRef>,
    /// Why they will be late.
    pub reason: String,
    /// The date by which the executor expects to submit.
    pub expected_date: LocalDate,
    /// When it was filed.
    pub filed_at: SystemTime,
    /// Where it stands.
    pub status: NoticeStatus,
    /// The controller who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<SystemTime>,
    /// The reason of a decline, or a note on a grant.
    pub decision_reason: Option<String>,
    /// The new due date granted.
    pub granted_until: Option<LocalDate>,
}

impl From<CoreDelayNotice> for DelayNotice {
    fn from(n: CoreDelayNotice) -> Self {
        DelayNotice {
            id: id_text(&n.id),
            executor_id: id_text(&n.executor),
            values: n.values.into_iter().map(ValueRef::from).collect(),
            reason: n.reason,
            expected_date: n.expected_date.into(),
            filed_at: instant(n.filed_at),
            status: n.status.into(),
            decided_by: n.decided_by.as_ref().map(id_text),
            decided_at: instant_opt(n.decided_at),
            decision_reason: n.decision_reason,
            granted_until: n.granted_until.map(LocalDate::from),
        }
    }
}

/// Something that happened that someone may need to hear of, read from a cursor.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Event {
    /// The cursor: pass the last one read to `events` to get only newer ones.
    pub seq: i64,
    /// When.
    pub at: SystemTime,
    /// What: `value.returned`, `value.accepted`, `notice.filed`, `extension.granted`,
    /// `deadline.passed`, ...
    pub kind: String,
    /// Who caused it; null for the system.
    pub actor_id: Option<String>,
    /// The values it concerns.
    pub values: Vec<ValueRef>,
    /// The delay notice it concerns.
    pub notice_id: Option<String>,
    /// For a catalog change, the department responsible for the indicator, whose head
    /// is to be told.
    pub department_id: Option<String>,
    /// For a catalog change, the indicator's code.
    pub indicator: Option<String>,
}

impl From<CoreEvent> for Event {
    fn from(e: CoreEvent) -> Self {
        Event {
            seq: long(e.seq),
            at: instant(e.at),
            kind: e.kind,
            actor_id: e.actor.as_ref().map(id_text),
            values: e.values.into_iter().map(ValueRef::from).collect(),
            notice_id: e.notice.as_ref().map(id_text),
            department_id: e.department.as_ref().map(id_text),
            indicator: e.indicator,
        }
    }
}

/// What a row of the working calendar says about its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DayKind {
    /// A weekday that is not worked (a moved rest day, a holiday's observed day).
    DayOff,
    /// A Saturday or Sunday made a working day.
    WorkingDay,
    /// A weekday declared non-working with pay; moves deadlines only if the settings
    /// say so.
    PaidNonWorking,
}

impl From<CoreDayKind> for DayKind {
    fn from(kind: CoreDayKind) -> Self {
        match kind {
            CoreDayKind::DayOff => DayKind::DayOff,
            CoreDayKind::WorkingDay => DayKind::WorkingDay,
            CoreDayKind::PaidNonWorking => DayKind::PaidNonWorking,
        }
    }
}

/// One exception of the yearly calendar: a date and what it is instead.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CalendarDay {
    /// The date.
    pub date: LocalDate,
    /// What it is.
    pub kind: DayKind,
    /// The source or the reason, e.g. the resolution that moved it.
    pub note: String,
}

impl From<&CoreCalendarDay> for CalendarDay {
    fn from(d: &CoreCalendarDay) -> Self {
        CalendarDay { date: d.date.into(), kind: d.kind.into(), note: d.note.clone() }
    }
}

/// A regional non-working holiday on a fixed month and day, such as 12 July in the
/// Belgorod region.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegionalHoliday {
    /// The month, 1-12.
    pub month: i32,
    /// The day of the month.
    pub day: i32,
    /// Its name.
    pub name: String,
    /// The first year it is observed; null for always.
    #[uniffi(default)]
    pub first_year: Option<i32>,
}

impl From<&core::RegionalHoliday> for RegionalHoliday {
    fn from(h: &core::RegionalHoliday) -> Self {
        RegionalHoliday {
            month: int(h.month),
            day: int(h.day),
            name: h.name.clone(),
            first_year: h.first_year,
        }
    }
}

impl RegionalHoliday {
    pub(crate) fn into_core(self) -> Result<core::RegionalHoliday> {
        let holiday = core::RegionalHoliday::new(
            non_negative("month", self.month)?,
            non_negative("day", self.day)?,
            self.name,
        )?;
        Ok(match self.first_year {
            Some(year) => holiday.since(year),
            None => holiday,
        })
    }
}

/// The city's working calendar as it stands: the years with a published table, their
/// exception rows and the regional holidays.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WorkingCalendar {
    /// The years that have a table; other years follow the rules alone.
    pub years_with_data: Vec<i32>,
    /// Every exception row, in date order.
    pub exceptions: Vec<CalendarDay>,
    /// The regional holidays in force.
    pub regional_holidays: Vec<RegionalHoliday>,
}

/// What loading calendar years did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CalendarYears {
    /// The years loaded, each replacing what was stored for it.
    pub years: Vec<i32>,
    /// Rows stored.
    pub days: i32,
}

impl From<core::CalendarYears> for CalendarYears {
    fn from(c: core::CalendarYears) -> Self {
        CalendarYears { years: c.years, days: int(c.days) }
    }
}

fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

impl Session {
    /// The core's reminders now, or at `at` when given, for grouping.
    fn core_reminders(&self, days: i32, at: Option<SystemTime>) -> Result<Vec<core::Reminder>> {
        let days = non_negative("days", days)?;
        let at = at.map(utc);
        self.call(|service, token| async move {
            match at {
                Some(at) => service.reminders_at(&token, at, days).await,
                None => service.reminders(&token, days).await,
            }
        })
    }
}

#[uniffi::export(name = "NativeSession")]
impl Session {
    /// The city's working calendar. Any account may read it.
    pub fn working_calendar(&self) -> Result<WorkingCalendar> {
        let calendar =
            self.call(|service, token| async move { service.working_calendar(&token).await })?;
        Ok(WorkingCalendar {
            years_with_data: calendar.years_with_data(),
            exceptions: calendar.days().map(CalendarDay::from).collect(),
            regional_holidays: calendar.regional_holidays().iter().map(Into::into).collect(),
        })
    }

    /// Whether `date` is a working day for deadlines, under the city's calendar and
    /// settings.
    pub fn is_working_day(&self, date: LocalDate) -> Result<bool> {
        self.call(|service, token| async move {
            let calendar = service.working_calendar(&token).await?;
            Ok(calendar.is_working_day(date.0, service.settings().deadline_policy))
        })
    }

    /// Loads the published calendar of one or more years from a CSV file in the form of
    /// `data/ru-calendar-2019-2026.csv`; each year replaces what was stored for it.
    /// Administrators may.
    pub fn load_calendar_csv(&self, path: String) -> Result<CalendarYears> {
        let file = File::open(&path).map_err(|e| {
            PassportError::invalid("calendar file", format!("cannot open {path}: {e}"))
        })?;
        self.call(|service, token| async move {
            service.load_calendar_csv(&token, BufReader::new(file)).await
        })
        .map(CalendarYears::from)
    }

    /// Loads a year from an XML production calendar (the format public calendar services
    /// publish), given as text. Administrators may.
    pub fn load_calendar_xml(&self, xml: String) -> Result<CalendarYears> {
        self.call(|service, token| async move { service.load_calendar_xml(&token, &xml).await })
            .map(CalendarYears::from)
    }

    /// Adds a regional non-working holiday. Administrators may.
    pub fn add_regional_holiday(&self, holiday: RegionalHoliday) -> Result<()> {
        let holiday = holiday.into_core()?;
        self.call(
            |service, token| async move { service.add_regional_holiday(&token, holiday).await },
        )
    }

    /// The due date of one value, with its extension if a delay notice was granted.
    pub fn due_date(&self, indicator: String, period: String) -> Result<ValueDeadline> {
        let period = parse_period(&period)?;
        let (due, extended_until) = self.call(|service, token| async move {
            service.due_date(&token, &indicator, period).await
        })?;
        Ok(ValueDeadline { due: due.into(), extended_until: extended_until.map(LocalDate::from) })
    }

    /// Sets the due date of one value in place of the indicator's rule, with the reason.
    /// The chief of staff may.
    pub fn set_due_date(
        &self,
        indicator: String,
        period: String,
        date: LocalDate,
        reason: String,
    ) -> Result<DueDate> {
        let period = parse_period(&period)?;
        self.call(|service, token| async move {
            service.set_due_date(&token, &indicator, period, date.0, &reason).await
        })
        .map(DueDate::from)
    }

    /// The timeliness of every value due between `first` and `last` (both included), as
    /// of now.
    pub fn timeliness(&self, first: LocalDate, last: LocalDate) -> Result<Vec<ExpectedValue>> {
        self.call(|service, token| async move { service.timeliness(&token, first.0, last.0).await })
            .map(all)
    }

    /// The timeliness as of now of exactly the values given, in the order given, each
    /// judged as `timeliness` judges it, with the due date in force for it (a date set
    /// by hand, an extension): the way for a table of values to show their timeliness.
    /// A value the passport does not expect (a period before the indicator's first
    /// expected one, or one no definition applies to) is left out.
    pub fn timeliness_of(&self, values: Vec<ValueRef>) -> Result<Vec<ExpectedValue>> {
        let values = values.into_iter().map(ValueRef::into_core).collect::<Result<Vec<_>>>()?;
        self.call(|service, token| async move { service.timeliness_of(&token, &values).await })
            .map(all)
    }

    /// Values not yet submitted whose deadline (the extension if one was granted, else
    /// the due date) is within `days` days, and those overdue (deadline in the last
    /// year), soonest first, as of now. An executor sees their own, a department head
    /// their department's, a controller, the chief of staff and a viewer everyone's.
    pub fn reminders(&self, days: i32) -> Result<Vec<Reminder>> {
        let days = non_negative("days", days)?;
        self.call(|service, token| async move { service.reminders(&token, days).await }).map(all)
    }

    /// The reminders as they stand at instant `at`, past or future: "today" is `at`'s
    /// date in the city's time zone, a value first submitted after `at` counts as not
    /// submitted, and `toRemind` names the executors assigned at `at`. Due dates set and
    /// extensions granted since `at` apply already: this is what was outstanding then by
    /// today's deadlines, not a replay of the store. A scheduler that missed a morning's
    /// run makes it up by passing that morning.
    pub fn reminders_at(&self, at: SystemTime, days: i32) -> Result<Vec<Reminder>> {
        let days = non_negative("days", days)?;
        let at = utc(at);
        self.call(|service, token| async move { service.reminders_at(&token, at, days).await })
            .map(all)
    }

    /// The reminders of `reminders` (or of `remindersAt` when `at` is given) grouped per
    /// executor to remind, as the core groups them: one group per e-mail, the values
    /// nobody is assigned to under a null executor, which comes first. A reminder with
    /// several executors to remind is in each of their groups.
    #[uniffi::method(default(at = None))]
    pub fn reminders_by_executor(
        &self,
        days: i32,
        at: Option<SystemTime>,
    ) -> Result<Vec<ExecutorReminders>> {
        let found = self.core_reminders(days, at)?;
        Ok(groups(core::Reminder::by_executor(&found))
            .map(|(executor_id, reminders)| ExecutorReminders { executor_id, reminders })
            .collect())
    }

    /// The reminders of `reminders` (or of `remindersAt` when `at` is given) grouped per
    /// responsible department, as the core groups them; indicators without one come
    /// under a null department, first.
    #[uniffi::method(default(at = None))]
    pub fn reminders_by_department(
        &self,
        days: i32,
        at: Option<SystemTime>,
    ) -> Result<Vec<DepartmentReminders>> {
        let found = self.core_reminders(days, at)?;
        Ok(groups(core::Reminder::by_department(&found))
            .map(|(department_id, reminders)| DepartmentReminders { department_id, reminders })
            .collect())
    }

    /// Files a delay notice for some of the caller's values: why they will be late and
    /// the date by which they expect to submit.
    pub fn file_delay_notice(
        &self,
        values: Vec<ValueRef>,
        reason: String,
        expected_date: LocalDate,
    ) -> Result<DelayNotice> {
        let values = values.into_iter().map(ValueRef::into_core).collect::<Result<Vec<_>>>()?;
        self.call(|service, token| async move {
            service.file_delay_notice(&token, &values, &reason, expected_date.0).await
        })
        .map(DelayNotice::from)
    }

    /// Grants a delay notice: its values get the new due date `until` (the executor's
    /// expected date if null), moved off non-working days. Controllers may.
    #[uniffi::method(default(until = None, note = None))]
    pub fn grant_delay_notice(
        &self,
        notice_id: String,
        until: Option<LocalDate>,
        note: Option<String>,
    ) -> Result<DelayNotice> {
        let notice = id(&notice_id);
        self.call(|service, token| async move {
            service.grant_delay_notice(&token, &notice, until.map(|d| d.0), note.as_deref()).await
        })
        .map(DelayNotice::from)
    }

    /// Declines a delay notice with a reason; the due dates stay. Controllers may.
    pub fn decline_delay_notice(&self, notice_id: String, reason: String) -> Result<DelayNotice> {
        let notice = id(&notice_id);
        self.call(|service, token| async move {
            service.decline_delay_notice(&token, &notice, &reason).await
        })
        .map(DelayNotice::from)
    }

    /// Delay notices, newest first, optionally only those in `status`. An executor sees
    /// their own.
    #[uniffi::method(default(status = None))]
    pub fn delay_notices(&self, status: Option<NoticeStatus>) -> Result<Vec<DelayNotice>> {
        let status = status.map(core::NoticeStatus::from);
        self.call(|service, token| async move { service.delay_notices(&token, status).await })
            .map(all)
    }

    /// Announces the deadlines that passed since the last sweep with values still not
    /// submitted, as `deadline.passed` events, and returns how many. Call it from a
    /// scheduler; each deadline is announced once. Controllers and administrators may.
    pub fn sweep_deadlines(&self) -> Result<i32> {
        self.call(|service, token| async move { service.sweep_deadlines(&token).await }).map(int)
    }

    /// Events after the cursor `after` (0 for the beginning), oldest first, at most
    /// `limit`. Pass the last event's `seq` as the next cursor: nothing is missed or
    /// read twice.
    #[uniffi::method(default(after = 0, limit = 100))]
    pub fn events(&self, after: i64, limit: i32) -> Result<Vec<Event>> {
        let after = non_negative("after", after)?;
        let limit = non_negative("limit", limit)?;
        self.call(|service, token| async move { service.events(&token, after, limit).await })
            .map(all)
    }
}
