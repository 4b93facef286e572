//! Due dates on the city's calendar, timeliness, delay notices, reminders and events.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::{Actor, Passport};
use crate::account::{Permission, Role, SessionToken};
use crate::calendar::{
    deadline_instant, read_calendar_csv, read_calendar_xml, Calendar, CalendarDay, CalendarLoad,
    DueDate, RegionalHoliday,
};
use crate::catalog::{DueRule, Indicator};
use crate::deadline::{
    deadline_of, DelayNotice, DueDateOverride, Event, ExpectedValue, Extension, NoticeStatus,
    Reminder, SetDueDate, Timeliness, ValueRef,
};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::period::{Period, Periodicity};
use crate::records::{decode, value_key, Changes, Record};
use crate::storage::{AuditQuery, RecordKind};
use crate::text;
use crate::value::{Assignment, Value};

/// The regional holidays an administrator added, stored as one setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RegionalHolidays {
    pub holidays: Vec<RegionalHoliday>,
}

impl Record for RegionalHolidays {
    const KIND: RecordKind = RecordKind::Setting;
    fn key(&self) -> String {
        "regional-holidays".into()
    }
}

/// How far deadline sweeps have got, stored as one setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SweepCursor {
    /// Deadlines ending before this instant have been announced.
    pub until: DateTime<Utc>,
}

impl Record for SweepCursor {
    const KIND: RecordKind = RecordKind::Setting;
    fn key(&self) -> String {
        "deadline-sweep".into()
    }
}

impl Record for CalendarDay {
    const KIND: RecordKind = RecordKind::CalendarDay;
    fn key(&self) -> String {
        self.date.to_string()
    }
}

impl Record for DueDateOverride {
    const KIND: RecordKind = RecordKind::DueDate;
    fn key(&self) -> String {
        value_key(&self.value.indicator, self.value.period)
    }
}

impl Record for DelayNotice {
    const KIND: RecordKind = RecordKind::DelayNotice;
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn index(&self) -> Vec<crate::storage::IndexEntry> {
        let mut index = vec![
            crate::storage::IndexEntry::new("executor", self.executor.as_str()),
            crate::storage::IndexEntry::new("status", self.status.as_str()),
        ];
        index.extend(
            self.values.iter().map(|v| {
                crate::storage::IndexEntry::new("value", value_key(&v.indicator, v.period))
            }),
        );
        index
    }
}

/// What loading a calendar year did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYears {
    /// The years loaded, each replacing what was stored for it.
    pub years: Vec<i32>,
    /// Rows stored.
    pub days: usize,
}

/// The definition that applies to `code` for `period`, if the passport expects a value
/// then: none before the indicator's first expected period.
fn expected_definition(
    history: &crate::governance::CatalogHistory,
    code: &str,
    period: Period,
) -> Option<Indicator> {
    history
        .definition_for(code, period, None)
        .filter(|d| d.first_period.is_none_or(|first| first <= period))
        .cloned()
}

/// Due dates computed once per (rule, period), since most indicators share a rule.
struct DueDates<'a> {
    calendar: &'a Calendar,
    policy: crate::calendar::DeadlinePolicy,
    cache: HashMap<(DueRule, Period), DueDate>,
}

impl DueDates<'_> {
    fn of(&mut self, rule: DueRule, period: Period) -> DueDate {
        let (calendar, policy) = (self.calendar, self.policy);
        *self
            .cache
            .entry((rule, period))
            .or_insert_with(|| calendar.due_date(&rule, period, policy))
    }
}

/// Which day of a value puts it in a range of dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DueIn {
    /// Its due date (a set date or the rule's): the quarter a value belongs to.
    DueDate,
    /// The last day it counts as in time: the extension if one runs past the due date.
    /// Reminders and deadline sweeps go by this.
    Deadline,
}

/// Every assignment, ended ones included, to tell who answered for a value when.
pub(crate) struct AssignmentBook {
    by_indicator: HashMap<String, Vec<Assignment>>,
}

impl AssignmentBook {
    /// Who answers for a value of `code` whose deadline is `deadline`: the executors whose
    /// assignment was in force when it passed, from the date of the order until it ended.
    /// A dismissed executor's assignment ended at dismissal, so their misses stay theirs,
    /// and an executor appointed later answers only for later deadlines.
    fn answering(&self, code: &str, deadline: NaiveDate, tz: chrono_tz::Tz) -> Vec<Id> {
        let passes = deadline_instant(deadline, tz);
        self.executors(code, |a| {
            a.order.date <= deadline && a.ended_at.is_none_or(|ended| ended >= passes)
        })
    }

    /// Whom to remind at instant `at` of a value of `code` whose deadline is
    /// `deadline`: the executors whose assignment was recorded and not ended at `at`, and
    /// whose order is in force by then or at least by the deadline.
    fn entering(
        &self,
        code: &str,
        deadline: NaiveDate,
        at: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Vec<Id> {
        let today = at.with_timezone(&tz).date_naive();
        self.executors(code, |a| {
            a.assigned_at <= at
                && a.ended_at.is_none_or(|ended| ended > at)
                && a.order.date <= today.max(deadline)
        })
    }

    fn executors(&self, code: &str, keep: impl Fn(&Assignment) -> bool) -> Vec<Id> {
        let mut executors: Vec<Id> = self
            .by_indicator
            .get(code)
            .into_iter()
            .flatten()
            .filter(|a| keep(a))
            .map(|a| a.account.clone())
            .collect();
        executors.sort();
        executors.dedup();
        executors
    }
}

impl Passport {
    /// The city's working-day calendar: the shipped federal table, the years an
    /// administrator loaded (each replacing the shipped rows of its year), and the
    /// regional holidays of the settings and of the store.
    pub(crate) async fn calendar(&self) -> Result<Calendar> {
        let stored: Vec<CalendarDay> =
            self.scan::<CalendarDay>("").await?.into_iter().map(|d| d.record).collect();
        let stored_years: BTreeSet<i32> = stored.iter().map(|d| d.date.year()).collect();
        let shipped = Calendar::russian_default();
        let days = shipped
            .days()
            .filter(|d| !stored_years.contains(&d.date.year()))
            .cloned()
            .chain(stored)
            .collect::<Vec<_>>();
        let mut calendar = Calendar::from_days(days)?;

        let mut regional = self.settings.regional_holidays.clone();
        if let Some(extra) = self.get::<RegionalHolidays>("regional-holidays").await? {
            regional.extend(extra.record.holidays);
        }
        for holiday in regional {
            calendar = calendar.with_regional_holiday(holiday);
        }
        Ok(calendar)
    }

    /// The city's calendar, for display and checks. Any account may read it.
    pub async fn working_calendar(&self, token: &SessionToken) -> Result<Calendar> {
        self.authenticate(token).await?.require(Permission::ReadCatalog)?;
        self.calendar().await
    }

    /// Loads the published calendar of one or more years from a CSV in the form of
    /// `data/ru-calendar-2019-2026.csv`; each year replaces what was in force for it.
    /// Administrators may.
    pub async fn load_calendar_csv(
        &self,
        token: &SessionToken,
        input: impl std::io::Read,
    ) -> Result<CalendarYears> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ManageAccounts)?;
        let load = read_calendar_csv(input)?;
        self.store_calendar(&actor, load).await
    }

    /// Loads a year from the XML production calendar that public calendar services
    /// publish. Administrators may.
    pub async fn load_calendar_xml(
        &self,
        token: &SessionToken,
        xml: &str,
    ) -> Result<CalendarYears> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ManageAccounts)?;
        let load = read_calendar_xml(xml)?;
        self.store_calendar(&actor, load).await
    }

    async fn store_calendar(&self, actor: &Actor, load: CalendarLoad) -> Result<CalendarYears> {
        let mut changes = Changes::new();
        let mut stored = HashMap::new();
        for year in load.years() {
            for old in self.scan::<CalendarDay>(&format!("{year:04}-")).await? {
                stored.insert(old.record.key(), old);
            }
        }
        // A date already stored is updated in place: a change set may touch a key once,
        // so deleting it and inserting it again would refuse to reload a year.
        for day in load.days() {
            match stored.remove(&day.key()) {
                Some(old) => changes.update(day, old.version)?,
                None => changes.insert(day)?,
            };
        }
        for old in stored.values() {
            changes.delete(&old.record, old.version);
        }
        let summary = CalendarYears { years: load.years().to_vec(), days: load.days().len() };
        let marker = RegionalHolidays::default();
        let mut entry = self.audit_entry(
            Some(actor.id()),
            "calendar.load",
            &marker,
            None::<&()>,
            Some(&summary.years),
        )?;
        entry.kind = RecordKind::CalendarDay;
        entry.key = summary.years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(",");
        changes.audit(entry);
        self.apply(changes).await?;
        info!(years = ?summary.years, "calendar years loaded");
        Ok(summary)
    }

    /// Adds a regional non-working holiday (Belgorod region: 12 July since 2020).
    /// Administrators may.
    pub async fn add_regional_holiday(
        &self,
        token: &SessionToken,
        holiday: RegionalHoliday,
    ) -> Result<()> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ManageAccounts)?;
        holiday.validate()?;
        let current = self.get::<RegionalHolidays>("regional-holidays").await?;
        let mut updated = current.as_ref().map(|c| c.record.clone()).unwrap_or_default();
        if updated.holidays.iter().any(|h| h.month == holiday.month && h.day == holiday.day) {
            return Err(Error::AlreadyExists {
                kind: "regional holiday",
                id: format!("{:02}-{:02}", holiday.month, holiday.day),
            });
        }
        updated.holidays.push(holiday);
        let mut changes = Changes::new();
        changes.upsert(&updated, current.as_ref().map(|c| c.version))?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "calendar.regional_holiday",
            &updated,
            current.as_ref().map(|c| &c.record),
            Some(&updated),
        )?);
        self.apply(changes).await
    }

    /// The due date of one value: the date the chief of staff set for it, else the
    /// indicator's rule, moved off non-working days; with the extension if one was
    /// granted.
    pub async fn due_date(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
    ) -> Result<(DueDate, Option<NaiveDate>)> {
        self.authenticate(token).await?.require(Permission::ReadCatalog)?;
        let indicator = self.definition_for(code, period).await?;
        let calendar = self.calendar().await?;
        let overriding = self
            .get::<DueDateOverride>(&value_key(&indicator.code, period))
            .await?
            .map(|o| o.record);
        let due = self.due_of(&calendar, &indicator, period, overriding.as_ref());
        if due.rules_only {
            warn!(indicator = %indicator.code, %period, "due date computed without calendar data for its year");
        }
        Ok((due, overriding.and_then(|o| o.extension).map(|e| e.until)))
    }

    fn due_of(
        &self,
        calendar: &Calendar,
        indicator: &Indicator,
        period: Period,
        overriding: Option<&DueDateOverride>,
    ) -> DueDate {
        let policy = self.settings.deadline_policy;
        match overriding.and_then(|o| o.set_date.as_ref()) {
            Some(set) => calendar.move_to_working_day(set.date, policy),
            None => calendar.due_date(&indicator.due, period, policy),
        }
    }

    /// Sets the due date of one value in place of the rule's. The chief of staff may.
    pub async fn set_due_date(
        &self,
        token: &SessionToken,
        code: &str,
        period: Period,
        date: NaiveDate,
        reason: &str,
    ) -> Result<DueDate> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::EditCatalog)?;
        text::check_reason("reason", reason)?;
        let indicator = self.definition_for(code, period).await?;
        let key = value_key(&indicator.code, period);
        let current = self.get::<DueDateOverride>(&key).await?;
        let mut updated = current.as_ref().map(|c| c.record.clone()).unwrap_or(DueDateOverride {
            value: ValueRef::new(&indicator.code, period),
            set_date: None,
            extension: None,
        });
        updated.set_date = Some(SetDueDate {
            date,
            reason: reason.trim().into(),
            by: actor.id().clone(),
            at: self.now(),
        });
        let mut changes = Changes::new();
        changes.upsert(&updated, current.as_ref().map(|c| c.version))?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "due_date.set",
            &updated,
            current.as_ref().map(|c| &c.record),
            Some(&updated),
        )?);
        self.apply(changes).await?;
        let calendar = self.calendar().await?;
        Ok(self.due_of(&calendar, &indicator, period, Some(&updated)))
    }

    /// Every value whose due date falls in `first..=last`, with its due date, what came
    /// in and its timeliness now.
    pub(crate) async fn expected_between(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<ExpectedValue>> {
        let book = self.assignment_book().await?;
        self.expected_in(first, last, DueIn::DueDate, self.now(), &book).await
    }

    /// Every value whose due date (or deadline, as `by` says) falls in `first..=last`,
    /// judged at instant `at`: a submission after `at` counts as not made yet. The cost
    /// follows the number of such values and of due dates set or extended, not the
    /// history: values are read by key.
    pub(crate) async fn expected_in(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        by: DueIn,
        at: DateTime<Utc>,
        book: &AssignmentBook,
    ) -> Result<Vec<ExpectedValue>> {
        let calendar = self.calendar().await?;
        let policy = self.settings.deadline_policy;
        let mut due_dates = DueDates { calendar: &calendar, policy, cache: HashMap::new() };
        let history = self.history().await?;
        let expected_for = |code: &str, period: Period| expected_definition(&history, code, period);

        // A due date lies at most a couple of years after its period ends; rules allow
        // up to 24 months after, and a move adds days. Each period is judged by the
        // definition that applied to it, so a changed due-date rule or periodicity
        // counts from the period it took effect. The slack of 60 days only has to cover
        // a move off non-working days here: dates set by hand and extensions, which may
        // lie anywhere, are added below from the overrides themselves.
        let earliest_end = first - Duration::days(2 * 366 + 60);
        let mut candidates: BTreeMap<(String, Periodicity, Period), Indicator> = BTreeMap::new();
        for code in history.codes() {
            let periodicities: BTreeSet<Periodicity> = history
                .versions(code)
                .iter()
                .filter_map(|v| v.definition.as_ref().map(|d| d.periodicity))
                .collect();
            for periodicity in periodicities {
                let mut period = Period::containing(earliest_end, periodicity)?;
                let last_period = Period::containing(last, periodicity)?;
                while period <= last_period {
                    if let Some(indicator) = expected_for(code, period) {
                        let due = due_dates.of(indicator.due, period);
                        if due.nominal <= last + Duration::days(60)
                            && due.date >= first - Duration::days(60)
                        {
                            candidates.insert((code.to_string(), periodicity, period), indicator);
                        }
                    }
                    period = period.next();
                }
            }
        }

        // Overrides are few (a date set by the chief of staff, an extension granted), so
        // all of them are read: one far from the rule's date must not drop its value.
        let overrides: HashMap<String, DueDateOverride> = self
            .scan::<DueDateOverride>("")
            .await?
            .into_iter()
            .map(|o| (o.record.key(), o.record))
            .collect();
        for overriding in overrides.values() {
            let ValueRef { indicator: code, period } = &overriding.value;
            if let Some(indicator) = expected_for(code, *period) {
                candidates
                    .entry((code.clone(), period.periodicity(), *period))
                    .or_insert(indicator);
            }
        }

        let candidates =
            candidates.into_iter().map(|((_, _, period), indicator)| (indicator, period));
        let window = Some((first, last, by));
        self.judge_expected(candidates.collect(), &overrides, &mut due_dates, window, at, book)
            .await
    }

    /// Judges the values of `candidates` at instant `at`, each with the due date in force
    /// for it (the date in `overrides`, else its rule's); with a `window`, only those
    /// whose due date or deadline falls in it.
    async fn judge_expected(
        &self,
        candidates: Vec<(Indicator, Period)>,
        overrides: &HashMap<String, DueDateOverride>,
        due_dates: &mut DueDates<'_>,
        window: Option<(NaiveDate, NaiveDate, DueIn)>,
        at: DateTime<Utc>,
        book: &AssignmentBook,
    ) -> Result<Vec<ExpectedValue>> {
        let (calendar, policy) = (due_dates.calendar, due_dates.policy);
        let keys: Vec<String> = candidates
            .iter()
            .map(|(indicator, period)| value_key(&indicator.code, *period))
            .collect();
        let values = self.storage.get_many(RecordKind::Value, &keys).await?;
        let notices = self.notices_by_value().await?;

        let tz = self.settings.time_zone;
        let mut expected = Vec::new();
        for ((indicator, period), value) in candidates.into_iter().zip(values) {
            let key = value_key(&indicator.code, period);
            let overriding = overrides.get(&key);
            let due = match overriding.and_then(|o| o.set_date.as_ref()) {
                Some(set) => calendar.move_to_working_day(set.date, policy),
                None => due_dates.of(indicator.due, period),
            };
            let extended_until = overriding.and_then(|o| o.extension.as_ref()).map(|e| e.until);
            let deadline = deadline_of(&due, extended_until);
            if let Some((first, last, by)) = window {
                let day = match by {
                    DueIn::DueDate => due.date,
                    DueIn::Deadline => deadline,
                };
                if day < first || day > last {
                    continue;
                }
            }

            let current = value.map(decode::<Value>).transpose()?.map(|v| v.record);
            // A draft is not a submission, nor one made after the moment asked about:
            // judge those as nothing submitted yet.
            let submitted = current
                .as_ref()
                .filter(|v| v.first_submitted_at.is_some_and(|submitted| submitted <= at));
            let timeliness = Timeliness::judge(submitted, due.date, extended_until, at, tz);
            expected.push(ExpectedValue {
                value: ValueRef::new(&indicator.code, period),
                indicator_name: indicator.name.clone(),
                department: current
                    .as_ref()
                    .and_then(|v| v.department.clone())
                    .or_else(|| indicator.department.clone()),
                executors: book.answering(&indicator.code, deadline, tz),
                due,
                extended_until,
                current,
                timeliness,
                notices: notices.get(&key).cloned().unwrap_or_default(),
            });
        }
        Ok(expected)
    }

    /// Every assignment, ended ones included, by indicator.
    pub(crate) async fn assignment_book(&self) -> Result<AssignmentBook> {
        let mut by_indicator: HashMap<String, Vec<Assignment>> = HashMap::new();
        for assignment in self.scan::<Assignment>("").await? {
            by_indicator
                .entry(assignment.record.indicator.clone())
                .or_default()
                .push(assignment.record);
        }
        Ok(AssignmentBook { by_indicator })
    }

    async fn notices_by_value(&self) -> Result<HashMap<String, Vec<Id>>> {
        let mut map: HashMap<String, Vec<Id>> = HashMap::new();
        for notice in self.scan::<DelayNotice>("").await? {
            for value in &notice.record.values {
                map.entry(value_key(&value.indicator, value.period))
                    .or_default()
                    .push(notice.record.id.clone());
            }
        }
        Ok(map)
    }

    /// The timeliness of every value due between two dates (both included), as of now.
    pub async fn timeliness(
        &self,
        token: &SessionToken,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<ExpectedValue>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        if first > last {
            return Err(Error::invalid("date range", format!("{first} is after {last}")));
        }
        self.expected_between(first, last).await
    }

    /// The timeliness as of now of the given values, judged as [`Self::timeliness`] judges
    /// them, each with the due date in force for it wherever a date set by hand puts it:
    /// the way for a table of values to show their timeliness. A value the passport does
    /// not expect (its period is before the indicator's first expected one, or no
    /// definition applies to it) is left out; the others come in the order given. The
    /// cost follows the number of values given.
    pub async fn timeliness_of(
        &self,
        token: &SessionToken,
        values: &[ValueRef],
    ) -> Result<Vec<ExpectedValue>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let history = self.history().await?;
        let candidates: Vec<(Indicator, Period)> = values
            .iter()
            .filter_map(|v| {
                Some((expected_definition(&history, &v.indicator, v.period)?, v.period))
            })
            .collect();
        let keys: Vec<String> = candidates
            .iter()
            .map(|(indicator, period)| value_key(&indicator.code, *period))
            .collect();
        let mut overrides = HashMap::new();
        for stored in self.storage.get_many(RecordKind::DueDate, &keys).await?.into_iter().flatten()
        {
            let overriding = decode::<DueDateOverride>(stored)?.record;
            overrides.insert(overriding.key(), overriding);
        }

        let calendar = self.calendar().await?;
        let policy = self.settings.deadline_policy;
        let mut due_dates = DueDates { calendar: &calendar, policy, cache: HashMap::new() };
        let book = self.assignment_book().await?;
        self.judge_expected(candidates, &overrides, &mut due_dates, None, self.now(), &book).await
    }

    /// Values not yet submitted whose deadline (the extension if one was granted, else
    /// the due date) is within `days` days, and those overdue (deadline in the last
    /// year), soonest first, as of now. An executor sees their own, a department head
    /// their department's, a controller, the chief of staff and a viewer everyone's.
    /// [`reminders_at`](Self::reminders_at) asks about any other moment.
    pub async fn reminders(&self, token: &SessionToken, days: u32) -> Result<Vec<Reminder>> {
        self.reminders_at(token, self.now(), days).await
    }

    /// The reminders as they stand at instant `at`, past or future: "today" is `at`'s
    /// date in the city's time zone, a value counts as not submitted if its first
    /// submission came after `at`, and each reminder names the executors whose assignment
    /// was recorded and not ended by then (and whose order is in force by the deadline).
    /// The same people see the same values as with [`reminders`](Self::reminders).
    /// [`Reminder::by_executor`] and [`Reminder::by_department`] group the list for
    /// sending, one e-mail per executor or department.
    ///
    /// A scheduler that missed a morning's run can make it up later by passing that
    /// morning. Due dates set and extensions granted since `at` are applied already,
    /// though: the list is "what was outstanding then, by today's deadlines", not a
    /// replay of the store as it stood.
    pub async fn reminders_at(
        &self,
        token: &SessionToken,
        at: DateTime<Utc>,
        days: u32,
    ) -> Result<Vec<Reminder>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let tz = self.settings.time_zone;
        let today = at.with_timezone(&tz).date_naive();
        let book = self.assignment_book().await?;
        let expected = self
            .expected_in(
                today - Duration::days(366),
                today + Duration::days(i64::from(days)),
                DueIn::Deadline,
                at,
                &book,
            )
            .await?;

        let sees_all =
            [Role::Controller, Role::ChiefOfStaff, Role::Viewer].iter().any(|r| actor.has_role(*r));
        let mut reminders: Vec<Reminder> = expected
            .into_iter()
            // Only what still has to come in needs a reminder: a value submitted within
            // its extension is excused, and done.
            .filter(|e| {
                e.current
                    .as_ref()
                    .and_then(|v| v.first_submitted_at)
                    .is_none_or(|submitted| submitted > at)
            })
            .map(|e| {
                let deadline = e.deadline();
                Reminder {
                    days_left: (deadline - today).num_days(),
                    executors: book.entering(&e.value.indicator, deadline, at, tz),
                    expected: e,
                }
            })
            .filter(|r| {
                sees_all
                    || r.executors.contains(actor.id())
                    || r.expected.executors.contains(actor.id())
                    || (actor.has_role(Role::DepartmentHead)
                        && r.expected.department.is_some()
                        && r.expected.department == actor.account.record.department)
            })
            .collect();
        reminders.sort_by(|a, b| {
            (a.days_left, &a.expected.value).cmp(&(b.days_left, &b.expected.value))
        });
        Ok(reminders)
    }

    /// Files a delay notice for some of the caller's values: why they will be late and
    /// the date by which they expect to submit.
    pub async fn file_delay_notice(
        &self,
        token: &SessionToken,
        values: &[ValueRef],
        reason: &str,
        expected_date: NaiveDate,
    ) -> Result<DelayNotice> {
        let actor = self.authenticate(token).await?;
        text::check_reason("reason", reason)?;
        if values.is_empty() {
            return Err(Error::invalid("values", "a delay notice covers at least one value"));
        }
        // Codes are looked up trimmed everywhere; the notice must name the values by the
        // same keys, or a pasted " EDU-1" would pass the "already submitted" check below
        // and a grant would extend a value that does not exist.
        let values: Vec<ValueRef> = values
            .iter()
            .map(|v| ValueRef { indicator: v.indicator.trim().to_string(), period: v.period })
            .collect();
        let unique: BTreeSet<&ValueRef> = values.iter().collect();
        if unique.len() != values.len() {
            return Err(Error::invalid("values", "a value is listed twice"));
        }
        let calendar = self.calendar().await?;
        for value in &values {
            self.require_entry(&actor, &value.indicator).await?;
            let indicator = self.definition_for(&value.indicator, value.period).await?;
            let key = value_key(&value.indicator, value.period);
            let current = self.get::<Value>(&key).await?;
            if current.is_some_and(|v| v.record.first_submitted_at.is_some()) {
                return Err(Error::WrongState(format!("{value} was already submitted")));
            }
            // A value submitted by a date before its deadline is on time: such a notice
            // asks for nothing, and granting it as filed would extend nothing.
            let overriding = self.get::<DueDateOverride>(&key).await?;
            let due = self.due_of(
                &calendar,
                &indicator,
                value.period,
                overriding.as_ref().map(|o| &o.record),
            );
            if expected_date <= due.date {
                return Err(Error::invalid(
                    "expected date",
                    format!("{expected_date} is not after {value}'s due date {}", due.date),
                ));
            }
        }
        if expected_date < self.today() {
            return Err(Error::invalid("expected date", format!("{expected_date} is in the past")));
        }
        let notice = DelayNotice {
            id: Id::generate(),
            executor: actor.id().clone(),
            values,
            reason: reason.trim().into(),
            expected_date,
            filed_at: self.now(),
            status: NoticeStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            granted_until: None,
        };
        let mut changes = Changes::new();
        changes.insert(&notice)?;
        changes.audit(self.audit_entry(
            Some(actor.id()),
            "notice.file",
            &notice,
            None::<&()>,
            Some(&notice),
        )?);
        self.apply(changes).await?;
        info!(notice = %notice.id, values = notice.values.len(), "delay notice filed");
        Ok(notice)
    }

    /// Grants a delay notice: each of its values gets the new due date `until` (the
    /// executor's expected date if none is given), moved off non-working days.
    /// Controllers may, but not on a notice of their own. An extension ends today or
    /// later: a date in the past, given or the executor's expected one, is refused as
    /// [`Error::Invalid`] naming `until`.
    pub async fn grant_delay_notice(
        &self,
        token: &SessionToken,
        notice: &Id,
        until: Option<NaiveDate>,
        note: Option<&str>,
    ) -> Result<DelayNotice> {
        let (actor, current) = self.begin_decision(token, notice).await?;
        if let Some(note) = note {
            text::check_text("note", note, text::MAX_TEXT)?;
        }
        let today = self.today();
        let wanted = until.unwrap_or(current.record.expected_date);
        if wanted < today {
            let whose = if until.is_some() { "" } else { " (the executor's expected date)" };
            return Err(Error::invalid(
                "until",
                format!("{wanted}{whose} is in the past; an extension ends on {today} or later"),
            ));
        }
        let calendar = self.calendar().await?;
        let until = calendar.move_to_working_day(wanted, self.settings.deadline_policy).date;
        let mut decided = current.record.clone();
        decided.status = NoticeStatus::Granted;
        decided.decided_by = Some(actor.id().clone());
        decided.decided_at = Some(self.now());
        decided.decision_reason = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        decided.granted_until = Some(until);

        let mut changes = Changes::new();
        self.stage_update(&mut changes, &actor, "notice.grant", &current, &decided)?;
        for value in &decided.values {
            let key = value_key(&value.indicator, value.period);
            let stored = self.get::<DueDateOverride>(&key).await?;
            // An extension that ends before the value is due would be recorded as granted
            // and change nothing: the executor would believe they had more time.
            let indicator = self.definition_for(&value.indicator, value.period).await?;
            let due = self.due_of(
                &calendar,
                &indicator,
                value.period,
                stored.as_ref().map(|s| &s.record),
            );
            if until <= due.date {
                return Err(Error::invalid(
                    "until",
                    format!(
                        "{until} is not after {value}'s due date {}; an extension ends later",
                        due.date
                    ),
                ));
            }
            let mut updated =
                stored.as_ref().map(|s| s.record.clone()).unwrap_or(DueDateOverride {
                    value: value.clone(),
                    set_date: None,
                    extension: None,
                });
            updated.extension = Some(Extension { until, notice: decided.id.clone() });
            changes.upsert(&updated, stored.map(|s| s.version))?;
        }
        self.apply(changes).await?;
        Ok(decided)
    }

    /// Declines a delay notice with a reason; the due dates stay. Controllers may.
    pub async fn decline_delay_notice(
        &self,
        token: &SessionToken,
        notice: &Id,
        reason: &str,
    ) -> Result<DelayNotice> {
        text::check_reason("reason", reason)?;
        let (actor, current) = self.begin_decision(token, notice).await?;
        let mut decided = current.record.clone();
        decided.status = NoticeStatus::Declined;
        decided.decided_by = Some(actor.id().clone());
        decided.decided_at = Some(self.now());
        decided.decision_reason = Some(reason.trim().into());
        let mut changes = Changes::new();
        self.stage_update(&mut changes, &actor, "notice.decline", &current, &decided)?;
        self.apply(changes).await?;
        Ok(decided)
    }

    async fn begin_decision(
        &self,
        token: &SessionToken,
        notice: &Id,
    ) -> Result<(Actor, crate::records::Versioned<DelayNotice>)> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReviewValues)?;
        let current = self
            .get::<DelayNotice>(notice.as_str())
            .await?
            .ok_or_else(|| Error::not_found("delay notice", notice.as_str()))?;
        if current.record.status != NoticeStatus::Pending {
            return Err(Error::WrongState(format!(
                "delay notice {notice} is already {}",
                current.record.status.as_str()
            )));
        }
        if &current.record.executor == actor.id() {
            return Err(Error::denied("nobody decides on their own delay notice"));
        }
        Ok((actor, current))
    }

    /// Delay notices: an executor sees their own; controllers, the chief of staff,
    /// department heads and viewers see all. Newest first.
    pub async fn delay_notices(
        &self,
        token: &SessionToken,
        status: Option<NoticeStatus>,
    ) -> Result<Vec<DelayNotice>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        let mine_only = !actor.account.record.can(Permission::ReviewValues)
            && [Role::ChiefOfStaff, Role::DepartmentHead, Role::Viewer]
                .iter()
                .all(|r| !actor.has_role(*r));
        let found = match status {
            Some(status) => self.find::<DelayNotice>("status", status.as_str()).await?,
            None => self.scan::<DelayNotice>("").await?,
        };
        let mut notices: Vec<DelayNotice> = found
            .into_iter()
            .map(|n| n.record)
            .filter(|n| !mine_only || &n.executor == actor.id())
            .collect();
        notices.sort_by_key(|n| std::cmp::Reverse(n.filed_at));
        Ok(notices)
    }

    /// Announces the deadlines that passed since the last sweep with values still not
    /// submitted, as `deadline.passed` events. Call it from a scheduler as often as you
    /// like: each deadline is announced once. Controllers and administrators may.
    pub async fn sweep_deadlines(&self, token: &SessionToken) -> Result<usize> {
        let actor = self.authenticate(token).await?;
        if !actor.account.record.can(Permission::ReviewValues)
            && !actor.account.record.can(Permission::ManageAccounts)
        {
            return Err(Error::denied("sweeping deadlines is for controllers and administrators"));
        }
        let now = self.now();
        let tz = self.settings.time_zone;
        let cursor = self.get::<SweepCursor>("deadline-sweep").await?;
        // The first sweep looks back a month, so that a fresh store does not announce
        // years of history.
        let since = cursor.as_ref().map(|c| c.record.until).unwrap_or(now - Duration::days(31));
        let first = since.with_timezone(&tz).date_naive() - Duration::days(1);
        let last = now.with_timezone(&tz).date_naive();

        // Values are found by deadline, so an extension ending months after the original
        // due date is announced when it ends.
        let book = self.assignment_book().await?;
        let mut changes = Changes::new();
        let mut announced = 0;
        for expected in self.expected_in(first, last, DueIn::Deadline, now, &book).await? {
            let passed_at = deadline_instant(expected.deadline(), tz);
            let submitted =
                expected.current.as_ref().is_some_and(|v| v.first_submitted_at.is_some());
            if passed_at > since && passed_at <= now && !submitted {
                let marker = DueDateOverride {
                    value: expected.value.clone(),
                    set_date: None,
                    extension: None,
                };
                let mut entry = self.audit_entry(
                    None,
                    "deadline.passed",
                    &marker,
                    None::<&()>,
                    Some(&expected.value),
                )?;
                entry.kind = RecordKind::Value;
                changes.audit(entry);
                announced += 1;
            }
        }
        let updated = SweepCursor { until: now };
        changes.upsert(&updated, cursor.map(|c| c.version))?;
        // A concurrent sweep wins the cursor; this one then announces nothing twice.
        match self.apply(changes).await {
            Ok(()) => Ok(announced),
            Err(Error::Conflict(_)) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Events after the cursor `after` (0 for the beginning), oldest first, at most
    /// `limit`: values submitted, accepted and returned, delay notices filed, granted
    /// and declined, deadlines passed, corrections and catalog changes. Pass the last
    /// event's `seq` as the next cursor: nothing is missed or read twice.
    ///
    /// A `limit` of 0 is refused as [`Error::Invalid`] naming `limit`: it would read
    /// nothing and move no cursor, which is always a caller's mistake.
    pub async fn events(
        &self,
        token: &SessionToken,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let actor = self.authenticate(token).await?;
        actor.require(Permission::ReadValues)?;
        if limit == 0 {
            return Err(Error::invalid("limit", "at least 1 event must be asked for"));
        }
        let mut events = Vec::new();
        let mut cursor = after;
        // Audit records that are not events are skipped, so read in pages until enough.
        loop {
            let page = self
                .storage
                .audit(&AuditQuery {
                    after_seq: Some(cursor),
                    limit: Some(500),
                    ..Default::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            cursor = last.seq;
            for record in page {
                if let Some(event) = event_of(&record) {
                    events.push(event);
                    if events.len() == limit {
                        return Ok(events);
                    }
                }
            }
        }
        Ok(events)
    }
}

/// The event an audit record announces, if it announces one.
fn event_of(record: &crate::storage::AuditRecord) -> Option<Event> {
    let entry = &record.entry;
    let kind = match entry.action.as_str() {
        "value.submit" => "value.submitted",
        "value.accept" => "value.accepted",
        "value.return" => "value.returned",
        "value.correct" => "value.corrected",
        "notice.file" => "notice.filed",
        "notice.grant" => "extension.granted",
        "notice.decline" => "extension.declined",
        "deadline.passed" => "deadline.passed",
        "correction.propose" => "correction.proposed",
        "correction.approve" => "correction.approved",
        "correction.reject" => "correction.rejected",
        "proposal.approve" => "catalog.changed",
        "catalog.change" => "catalog.changed",
        _ => return None,
    };
    let mut values = Vec::new();
    let mut notice = None;
    let mut department = None;
    let mut indicator = None;
    match entry.kind {
        RecordKind::Value => {
            if let Some((code, period)) = entry.key.split_once('|') {
                values.push(ValueRef::new(code, period.parse().ok()?));
            }
        }
        RecordKind::DelayNotice => {
            let body: DelayNotice = serde_json::from_str(entry.after.as_deref()?).ok()?;
            values = body.values;
            notice = Some(body.id);
        }
        RecordKind::ChangeProposal => {
            let body: crate::governance::ChangeProposal =
                serde_json::from_str(entry.after.as_deref()?).ok()?;
            department = body.department;
            indicator = Some(body.change.code().to_string());
        }
        RecordKind::Correction => {
            let body: crate::governance::Correction =
                serde_json::from_str(entry.after.as_deref()?).ok()?;
            values.push(body.value);
        }
        _ => {}
    }
    Some(Event {
        seq: record.seq,
        at: entry.at,
        kind: kind.to_string(),
        actor: entry.actor.clone(),
        values,
        notice,
        department,
        indicator,
    })
}

/// The first and last day of `quarter`.
pub(crate) fn quarter_days(quarter: Period) -> Result<(NaiveDate, NaiveDate)> {
    if quarter.periodicity() != Periodicity::Quarterly {
        return Err(Error::invalid(
            "quarter",
            format!("{quarter} is not a quarter (e.g. 2026-Q3)"),
        ));
    }
    Ok((quarter.first_day(), quarter.last_day()))
}
