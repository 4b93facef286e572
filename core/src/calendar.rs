//! The working-day calendar: which days count for deadlines, and when a value is due.
//!
//! Rule 7 of the design: when the day an indicator's rule names is not a working day, the
//! value is due on the next working day (Civil Code art. 193; only that last day moves),
//! and it may be submitted until 24:00 local time of the due date (art. 194).
//!
//! What makes a day non-working comes from two places:
//!
//! - **Rules**, in this module: Saturdays and Sundays, the federal holidays of Labour
//!   Code art. 112 (1-8 January, 23 February, 8 March, 1 May, 9 May, 12 June, 4 November,
//!   the list in force since 2013), and the region's own holidays given as a month and a
//!   day ([`RegionalHoliday`]).
//! - **Data**, the yearly exceptions ([`CalendarDay`] rows): rest days the Government moves
//!   to weekdays, Saturdays it makes working days, and the days a presidential decree
//!   declares non-working with pay. The table for 2019-2026 ships with the crate
//!   ([`Calendar::russian_default`]); an administrator loads each later year when its
//!   resolution is published, from CSV ([`Calendar::load_csv`]) or from the XML production
//!   calendar that public calendar services publish ([`Calendar::load_xml`]).
//!
//! A year with rows is taken as complete, because its table already holds the rest days
//! of holidays that fell on a weekend, wherever the Government put them (in 2025 the rest
//! days for 23 February and 8 March went to 8 May and 13 June, not to the next Mondays).
//! A year without rows follows the rules alone, including art. 112's "a holiday on a
//! weekend gives the next working day off" (except in January), and every due date that
//! touches such a year says so ([`DueDate::rules_only`]) so the service can warn: the
//! rules cannot know the two January rest days the Government moves every year.
//!
//! Paid non-working days (spring 2020, May and November 2021) are told apart from rest
//! days: the Supreme Court (review No. 1 of 21 April 2020) held that they do not move
//! legal deadlines, and by default they do not move ours; a city may decide otherwise for
//! its internal deadlines ([`DeadlinePolicy`]).
//!
//! Regional holidays are known only as a fixed month and day. A region whose holidays
//! move every year (Kurban Bayram in Tatarstan, for one) cannot describe them yet.
//!
//! ```
//! use citypassport_core::calendar::{Calendar, DeadlinePolicy};
//! use citypassport_core::DueRule;
//!
//! let calendar = Calendar::russian_default();
//!
//! // February 2025 is due by 8 March, a Saturday. The Government moved that holiday's rest
//! // day to 13 June, so Monday 10 March is a working day and the due date.
//! let rule = DueRule::DayOfMonthAfter { day: 8, months_after: 1 };
//! let due = calendar.due_date(&rule, "2025-M02".parse()?, DeadlinePolicy::default());
//! assert_eq!(due.date.to_string(), "2025-03-10");
//! assert!(due.moved && !due.rules_only);
//! # Ok::<(), citypassport_core::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::Read;
use std::ops::RangeInclusive;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::catalog::DueRule;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::text;

/// The Russian production calendar's exceptions for 2019-2026, as published (see
/// `data/README.md` for the sources).
const RUSSIAN_2019_2026: &str = include_str!("../../data/ru-calendar-2019-2026.csv");

/// The holidays of Labour Code art. 112 outside January, as (month, day). The January ones
/// (1-8) are apart because they never move by rule: the Government moves two of their
/// weekend days by its yearly resolution instead.
const HOLIDAYS_OUTSIDE_JANUARY: [(u32, u32); 6] =
    [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)];

/// The years a calendar row may name, the same span a period may name; a date outside it is
/// almost always a typing slip (`20027-02-20`).
const YEARS: RangeInclusive<i32> = 1990..=2100;

/// How far a due date may move before the search gives up: the longest real run of
/// non-working days (spring 2020 with paid days counted) is about six weeks.
const MAX_MOVE_DAYS: u32 = 366;

/// What a calendar row says about its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DayKind {
    /// A weekday that is not worked: a rest day moved by the yearly Government resolution,
    /// or the observed day of a holiday that fell on a weekend.
    #[serde(rename = "day_off")]
    DayOff,
    /// A Saturday or Sunday made a working day.
    #[serde(rename = "working_day")]
    WorkingDay,
    /// A weekday declared non-working with pay by presidential decree. It does not move
    /// deadlines unless the [`DeadlinePolicy`] says so.
    #[serde(rename = "paid_nonworking")]
    PaidNonWorking,
}

impl DayKind {
    /// Every kind, in the order the data files document them.
    pub const ALL: [DayKind; 3] = [DayKind::DayOff, DayKind::WorkingDay, DayKind::PaidNonWorking];

    /// The word used in calendar files: `day_off`, `working_day`, `paid_nonworking`.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::DayOff => "day_off",
            DayKind::WorkingDay => "working_day",
            DayKind::PaidNonWorking => "paid_nonworking",
        }
    }
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DayKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        DayKind::ALL.into_iter().find(|kind| kind.as_str() == s.trim()).ok_or_else(|| {
            Error::invalid(
                "kind",
                format!("'{s}' is not one of day_off, working_day, paid_nonworking"),
            )
        })
    }
}

/// One exception of the yearly calendar: a date and what it is instead of what the rules
/// alone would make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// The date.
    pub date: NaiveDate,
    /// What the day is.
    pub kind: DayKind,
    /// Why, as published, e.g. "rest day moved from Saturday 2027-01-02"; may be empty.
    pub note: String,
}

impl CalendarDay {
    /// A row for `date`.
    pub fn new(date: NaiveDate, kind: DayKind, note: impl Into<String>) -> Self {
        CalendarDay { date, kind, note: note.into() }
    }

    /// Checks that the kind fits the day of the week: a working day only on a Saturday or
    /// Sunday, a day off or a paid non-working day only on a weekday. Anything else is a
    /// typing slip in the date, since such a row would change nothing.
    pub fn validate(&self) -> Result<()> {
        let date = self.date;
        if !YEARS.contains(&date.year()) {
            return Err(Error::invalid(
                "date",
                format!("{date} is outside the years {}..={}", YEARS.start(), YEARS.end()),
            ));
        }

        let weekday = weekday_name(date);
        match self.kind {
            DayKind::WorkingDay if !is_weekend(date) => {
                return Err(Error::invalid(
                    "kind",
                    format!(
                        "{date} is a {weekday}, a working day already; working_day is for a \
                         Saturday or Sunday made working"
                    ),
                ));
            }
            DayKind::DayOff | DayKind::PaidNonWorking if is_weekend(date) => {
                return Err(Error::invalid(
                    "kind",
                    format!(
                        "{date} is a {weekday}, a rest day already; {} is for a weekday",
                        self.kind
                    ),
                ));
            }
            _ => {}
        }

        text::check_text("note", &self.note, text::MAX_NAME)
    }
}

/// Whether paid non-working days move deadlines, a city-wide setting.
///
/// The default follows the Supreme Court (review No. 1 of 21 April 2020): they do not,
/// because they are not rest days in the sense of Civil Code art. 193.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeadlinePolicy {
    /// When true, a paid non-working day counts as non-working and a due date on it moves.
    pub paid_nonworking_moves_deadlines: bool,
}

/// A regional non-working holiday on a fixed month and day, such as 12 July ("Day of the
/// Prokhorovka field") in the Belgorod region.
///
/// On a day that is not a working day by the federal calendar it gives the next working day
/// off, as art. 112 does for federal holidays (12 July 2020, a Sunday, gave 13 July; 12 July
/// 2025, a Saturday, gave 14 July). The federal tables do not cover regional holidays, so
/// this applies in every year, with data or without.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalHoliday {
    /// Month, 1-12.
    pub month: u32,
    /// Day of the month.
    pub day: u32,
    /// The first year it is a holiday (the year its law took effect); `None` for always.
    pub first_year: Option<i32>,
    /// Its name, for people reading the calendar.
    pub name: String,
}

impl RegionalHoliday {
    /// A holiday on `month`-`day` every year; see [`since`](Self::since) for its first year.
    pub fn new(month: u32, day: u32, name: impl Into<String>) -> Result<Self> {
        let holiday = RegionalHoliday { month, day, first_year: None, name: name.into() };
        holiday.validate()?;
        Ok(holiday)
    }

    /// The same holiday, observed from `first_year` on: the Belgorod region's 12 July from
    /// 2020, by the regional law No. 462 of 30 April 2020.
    pub fn since(self, first_year: i32) -> Self {
        RegionalHoliday { first_year: Some(first_year), ..self }
    }

    /// Checks the date exists in every year and is not a federal holiday already (which
    /// would make it move twice), and that the name is one line.
    pub fn validate(&self) -> Result<()> {
        // A year that is not a leap year: 29 February is not a day of every year.
        let Some(date) = NaiveDate::from_ymd_opt(2023, self.month, self.day) else {
            return Err(Error::invalid(
                "regional holiday",
                format!("{:02}-{:02} is not a day of every year", self.month, self.day),
            ));
        };
        if is_federal_holiday(date) {
            return Err(Error::invalid(
                "regional holiday",
                format!(
                    "{:02}-{:02} is a federal holiday of Labour Code art. 112 already",
                    self.month, self.day
                ),
            ));
        }
        text::check_line("regional holiday name", &self.name, text::MAX_NAME)
    }

    /// The holiday's date in `year`, if it is a holiday that year.
    fn date_in(&self, year: i32) -> Option<NaiveDate> {
        if self.first_year.is_some_and(|first| year < first) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, self.month, self.day)
    }
}

/// The due date of one (indicator, period), with how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DueDate {
    /// The day the indicator's rule names.
    pub nominal: NaiveDate,
    /// The due date: the nominal day, or the next working day after it (Civil Code
    /// art. 193). A submission is on time until 24:00 local time of this day.
    pub date: NaiveDate,
    /// Whether the nominal day was not a working day, so the due date moved.
    pub moved: bool,
    /// Whether a year from the nominal day to the due date has no calendar data, so the
    /// date follows the rules alone and may change once that year's table is loaded.
    pub rules_only: bool,
}

/// The rows of a calendar file, read and checked, with the years they are complete for.
///
/// [`Calendar::apply`] puts them in force; a service stores [`days`](Self::days) after
/// deleting its stored rows of [`years`](Self::years).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarLoad {
    years: Vec<i32>,
    days: Vec<CalendarDay>,
}

impl CalendarLoad {
    /// The years the file is the complete table of, in order.
    pub fn years(&self) -> &[i32] {
        &self.years
    }

    /// The rows, in date order.
    pub fn days(&self) -> &[CalendarDay] {
        &self.days
    }
}

/// The working-day calendar of one city: the federal rules, the yearly exception rows and
/// the region's holidays.
///
/// ```
/// use citypassport_core::calendar::{Calendar, DeadlinePolicy, RegionalHoliday};
///
/// let prokhorovka = RegionalHoliday::new(7, 12, "День Прохоровского поля")?.since(2020);
/// let belgorod = Calendar::russian_default().with_regional_holiday(prokhorovka);
/// let policy = DeadlinePolicy::default();
///
/// // 12 July 2025 fell on a Saturday, so the region rested on Monday 14 July.
/// let monday = chrono::NaiveDate::from_ymd_opt(2025, 7, 14).expect("a date");
/// assert!(!belgorod.is_working_day(monday, policy));
/// assert!(Calendar::russian_default().is_working_day(monday, policy));
/// # Ok::<(), citypassport_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, CalendarDay>,
    regional: Vec<RegionalHoliday>,
}

impl Calendar {
    /// A calendar of rules alone: no year has data and no regional holiday is set.
    pub fn new() -> Self {
        Calendar::default()
    }

    /// The federal calendar with the shipped table of 2019-2026
    /// (`data/ru-calendar-2019-2026.csv`) and no regional holiday.
    pub fn russian_default() -> Self {
        let load = read_calendar_csv(RUSSIAN_2019_2026.as_bytes())
            .expect("the shipped calendar table is valid; a unit test reads it");
        let mut calendar = Calendar::new();
        calendar.apply(&load);
        calendar
    }

    /// A calendar of the given rows, as a service stored them; every row is checked and a
    /// date may appear once.
    pub fn from_days(days: impl IntoIterator<Item = CalendarDay>) -> Result<Self> {
        let mut calendar = Calendar::new();
        for day in days {
            day.validate()?;
            let date = day.date;
            if calendar.days.insert(date, day).is_some() {
                return Err(Error::invalid("calendar day", format!("{date} appears twice")));
            }
        }
        Ok(calendar)
    }

    /// The same calendar with a regional holiday; the same month and day given twice count
    /// once.
    pub fn with_regional_holiday(mut self, holiday: RegionalHoliday) -> Self {
        self.regional.push(holiday);
        self
    }

    /// The regional holidays set.
    pub fn regional_holidays(&self) -> &[RegionalHoliday] {
        &self.regional
    }

    /// Reads a CSV table (see [`read_calendar_csv`]) and puts it in force, replacing the
    /// rows of the years it covers. On an error the calendar is unchanged.
    pub fn load_csv(&mut self, input: impl Read) -> Result<CalendarLoad> {
        let load = read_calendar_csv(input)?;
        self.apply(&load);
        Ok(load)
    }

    /// Reads an XML production calendar (see [`read_calendar_xml`]) and puts it in force,
    /// replacing the rows of its year. On an error the calendar is unchanged.
    pub fn load_xml(&mut self, text: &str) -> Result<CalendarLoad> {
        let load = read_calendar_xml(text)?;
        self.apply(&load);
        Ok(load)
    }

    /// Puts read rows in force. Each year of the load is replaced as a whole, so loading a
    /// corrected table of a year drops the rows the correction no longer has.
    pub fn apply(&mut self, load: &CalendarLoad) {
        for &year in &load.years {
            if let Some(span) = year_span(year) {
                let stale: Vec<NaiveDate> = self.days.range(span).map(|(date, _)| *date).collect();
                for date in stale {
                    self.days.remove(&date);
                }
            }
        }
        for day in &load.days {
            self.days.insert(day.date, day.clone());
        }
        tracing::debug!(years = ?load.years, rows = load.days.len(), "calendar years loaded");
    }

    /// Whether `year` has a table of exceptions. A year without one follows the rules alone.
    pub fn has_data_for(&self, year: i32) -> bool {
        year_span(year).is_some_and(|span| self.days.range(span).next().is_some())
    }

    /// The years that have a table, in order.
    pub fn years_with_data(&self) -> Vec<i32> {
        let years: BTreeSet<i32> = self.days.keys().map(|date| date.year()).collect();
        years.into_iter().collect()
    }

    /// The exception row for `date`, if the table has one.
    pub fn exception(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.get(&date)
    }

    /// Every exception row, in date order, for storing.
    pub fn days(&self) -> impl Iterator<Item = &CalendarDay> {
        self.days.values()
    }

    /// Whether `date` is a working day for deadlines: not a weekend day unless the table
    /// makes it working, not a federal or regional holiday nor a day given off for one, not
    /// a day off of the table, and not a paid non-working day if `policy` says those count.
    pub fn is_working_day(&self, date: NaiveDate, policy: DeadlinePolicy) -> bool {
        self.is_federal_working_day(date, policy) && !self.is_regional_day_off(date)
    }

    /// The due date for a day a rule or a person named: `nominal` itself if it is a working
    /// day, else the next working day (Civil Code art. 193).
    pub fn move_to_working_day(&self, nominal: NaiveDate, policy: DeadlinePolicy) -> DueDate {
        let mut date = nominal;
        let mut rules_only = !self.has_data_for(date.year());

        let mut steps = 0;
        while !self.is_working_day(date, policy) {
            steps += 1;
            match date.succ_opt() {
                Some(next) if steps <= MAX_MOVE_DAYS => date = next,
                _ => {
                    // Only a table with a wrong run of rows gets here; stop rather than loop.
                    tracing::warn!(%nominal, steps, "no working day found after a due day");
                    break;
                }
            }
            rules_only |= !self.has_data_for(date.year());
        }

        DueDate { nominal, date, moved: date != nominal, rules_only }
    }

    /// The due date of `period` under the indicator's `rule`, moved off non-working days.
    pub fn due_date(&self, rule: &DueRule, period: Period, policy: DeadlinePolicy) -> DueDate {
        self.move_to_working_day(rule.nominal_due_date(period), policy)
    }

    /// The federal calendar alone: rows first, since a row is the published word on its
    /// date, then the rules.
    fn is_federal_working_day(&self, date: NaiveDate, policy: DeadlinePolicy) -> bool {
        if let Some(row) = self.days.get(&date) {
            return match row.kind {
                DayKind::WorkingDay => true,
                DayKind::DayOff => false,
                DayKind::PaidNonWorking => !policy.paid_nonworking_moves_deadlines,
            };
        }
        if is_weekend(date) || is_federal_holiday(date) {
            return false;
        }

        // A year with a table already has the observed days of weekend holidays as rows.
        self.has_data_for(date.year()) || !rules_observed_days(date.year()).contains(&date)
    }

    /// Whether `date` is a regional holiday or the day given off for one. A holiday late in
    /// December could give a day off in January, so the year before is looked at too.
    fn is_regional_day_off(&self, date: NaiveDate) -> bool {
        !self.regional.is_empty()
            && [date.year().saturating_sub(1), date.year()]
                .into_iter()
                .any(|year| self.regional_days_off(year).contains(&date))
    }

    /// The days the regional holidays of `year` are observed on.
    fn regional_days_off(&self, year: i32) -> Vec<NaiveDate> {
        let mut holidays: Vec<NaiveDate> =
            self.regional.iter().filter_map(|holiday| holiday.date_in(year)).collect();
        holidays.sort_unstable();
        holidays.dedup();

        // Whether a paid non-working day is a rest day is a question for deadlines only;
        // for where a holiday's rest day falls, such a day counts as an ordinary weekday.
        let federal = DeadlinePolicy::default();
        let mut observed = Vec::new();
        for holiday in holidays {
            let mut day = holiday;
            while !self.is_federal_working_day(day, federal) || observed.contains(&day) {
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
            observed.push(day);
        }
        observed
    }
}

/// Whether `date` is a federal non-working holiday of Labour Code art. 112 (1-8 January,
/// 23 February, 8 March, 1 May, 9 May, 12 June, 4 November), whatever day of the week.
pub fn is_federal_holiday(date: NaiveDate) -> bool {
    (date.month() == 1 && date.day() <= 8)
        || HOLIDAYS_OUTSIDE_JANUARY.contains(&(date.month(), date.day()))
}

/// The first instant after the due date in time zone `tz`, in UTC: 24:00 local time of
/// `due`, i.e. the start of the next local day (Civil Code art. 194). A submission is on
/// time if it comes strictly before this instant.
pub fn deadline_instant(due: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next_midnight = due.succ_opt().unwrap_or(due).and_time(NaiveTime::MIN);

    // A zone may skip local midnight (a daylight-saving change at 00:00, or Samoa's skipped
    // 30 December 2011): the next day then starts at the first local time that exists.
    // Where midnight happens twice, the first one ends the day.
    (0..=48 * 4)
        .map(|quarter| next_midnight + Duration::minutes(15 * quarter))
        .find_map(|local| tz.from_local_datetime(&local).earliest())
        .map(|start| start.with_timezone(&Utc))
        .unwrap_or_else(|| next_midnight.and_utc())
}

/// Whether a submission at `submitted_at` is on time for a value due on `due`, the city
/// being in time zone `tz`; the server's own clock zone plays no part.
pub fn is_on_time(submitted_at: DateTime<Utc>, due: NaiveDate, tz: Tz) -> bool {
    submitted_at < deadline_instant(due, tz)
}

/// How many calendar days late a submission at `submitted_at` is, counted in local time:
/// 0 when on time, 1 when it came on the day after the due date, and so on.
pub fn days_late(submitted_at: DateTime<Utc>, due: NaiveDate, tz: Tz) -> i64 {
    if is_on_time(submitted_at, due, tz) {
        return 0;
    }
    let local_day = submitted_at.with_timezone(&tz).date_naive();
    (local_day - due).num_days().max(1)
}

/// Reads a calendar table in the form of the shipped `ru-calendar-2019-2026.csv`.
///
/// Columns: `date` (YYYY-MM-DD), `kind` (`day_off`, `working_day`, `paid_nonworking`) and
/// an optional `note`. The table of a year is taken as complete, so a file holds whole
/// years. Every refused row is reported with its line and field; nothing is returned
/// unless every row is good.
pub fn read_calendar_csv(input: impl Read) -> Result<CalendarLoad> {
    const FILE: &str = "calendar file";

    let mut reader =
        csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid(FILE, format!("unreadable header: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|header| header == name);
    let required = |name: &str| {
        column(name).ok_or_else(|| {
            Error::invalid(FILE, format!("missing column '{name}'; expected date,kind,note"))
        })
    };
    let date_col = required("date")?;
    let kind_col = required("kind")?;
    let note_col = column("note");

    let mut days: BTreeMap<NaiveDate, CalendarDay> = BTreeMap::new();
    let mut errors = Vec::new();
    for (index, record) in reader.records().enumerate() {
        // Line 1 is the header; a quoted line break makes the reader's own count differ.
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                errors.push(format!("line {}: {e}", index + 2));
                continue;
            }
        };
        let line = record.position().map_or(index as u64 + 2, |position| position.line());
        let field = |col: usize| record.get(col).unwrap_or_default();

        let row = || -> Result<CalendarDay> {
            let date = parse_iso_date(field(date_col))?;
            let kind: DayKind = field(kind_col).parse()?;
            let day = CalendarDay::new(date, kind, note_col.map(field).unwrap_or_default());
            day.validate()?;
            if days.contains_key(&date) {
                return Err(Error::invalid("date", format!("{date} appears twice")));
            }
            Ok(day)
        };
        match row() {
            Ok(day) => {
                days.insert(day.date, day);
            }
            Err(e) => errors.push(format!("line {line}, {}", field_reason(&e))),
        }
    }

    if !errors.is_empty() {
        return Err(Error::invalid(FILE, errors.join("; ")));
    }
    if days.is_empty() {
        return Err(Error::invalid(
            FILE,
            "no rows; a year's table has at least its moved rest days",
        ));
    }
    let years: BTreeSet<i32> = days.keys().map(|date| date.year()).collect();
    Ok(CalendarLoad { years: years.into_iter().collect(), days: days.into_values().collect() })
}

/// Reads the XML production calendar of one year, in the form public calendar services
/// publish:
///
/// ```xml
/// <calendar year="2027">
///   <holidays><holiday id="1" title="Новогодние каникулы"/></holidays>
///   <days>
///     <day d="01.01" t="1" h="1"/>
///     <day d="02.20" t="3"/>
///     <day d="02.22" t="1" f="02.20"/>
///   </days>
/// </calendar>
/// ```
///
/// `d` is the day as MM.DD; `t` is 1 for a day off, 2 for a shortened working day and 3
/// for a working weekend day; `h` names a holiday of the list; `f` is the date a day off
/// was moved from. A day off that is a weekend day or a holiday of Labour Code art. 112
/// anyway adds nothing; a shortened day is a working day (the calendar does not track
/// working hours). The form has no kind for paid non-working days: a year that has them
/// reads them as days off, which move deadlines, so load such a year from CSV instead.
pub fn read_calendar_xml(text: &str) -> Result<CalendarLoad> {
    const FILE: &str = "calendar xml";

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tags = xml_tags(text)?;
    let root = tags.first().ok_or_else(|| Error::invalid(FILE, "no <calendar> element"))?;
    if root.name != "calendar" {
        return Err(Error::invalid(
            FILE,
            format!("line {}: the root element is <{}>, not <calendar>", root.line, root.name),
        ));
    }
    let year = root
        .get("year")
        .and_then(|year| year.trim().parse::<i32>().ok())
        .filter(|year| YEARS.contains(year))
        .ok_or_else(|| {
            Error::invalid(
                FILE,
                format!("line {}, year: <calendar> needs a year within {YEARS:?}", root.line),
            )
        })?;

    let titles: HashMap<&str, &str> = tags
        .iter()
        .filter(|tag| tag.name == "holiday" && tag.parent == Some("holidays"))
        .filter_map(|tag| Some((tag.get("id")?, tag.get("title")?)))
        .collect();

    let mut days = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    let day_tags = tags.iter().filter(|tag| tag.name == "day" && tag.parent == Some("days"));
    for tag in day_tags {
        let mut row = || -> Result<Option<CalendarDay>> {
            let day = xml_day(tag, year, &titles)?;
            if !seen.insert(tag.get("d").map(str::trim)) {
                return Err(Error::invalid("d", "the day is listed twice"));
            }
            if let Some(day) = &day {
                day.validate()?;
            }
            Ok(day)
        };
        match row() {
            Ok(Some(day)) => {
                days.insert(day.date, day);
            }
            Ok(None) => {}
            Err(e) => errors.push(format!("line {}, {}", tag.line, field_reason(&e))),
        }
    }

    if !errors.is_empty() {
        return Err(Error::invalid(FILE, errors.join("; ")));
    }
    if days.is_empty() {
        return Err(Error::invalid(
            FILE,
            format!(
                "the {year} calendar moves no rest day and makes no weekend day working; \
                 every published year does, so this is not a whole year's calendar"
            ),
        ));
    }
    Ok(CalendarLoad { years: vec![year], days: days.into_values().collect() })
}

/// The calendar row one `<day>` entry of the XML form makes, if any.
fn xml_day(
    tag: &XmlTag<'_>,
    year: i32,
    titles: &HashMap<&str, &str>,
) -> Result<Option<CalendarDay>> {
    let d = tag.get("d").ok_or_else(|| Error::invalid("d", "missing"))?;
    let date = parse_month_day(d, year)
        .ok_or_else(|| Error::invalid("d", format!("'{d}' is not a day MM.DD of {year}")))?;
    let other =
        match tag.get("f") {
            Some(f) => Some(parse_month_day(f, year).ok_or_else(|| {
                Error::invalid("f", format!("'{f}' is not a day MM.DD of {year}"))
            })?),
            None => None,
        };
    let weekend = is_weekend(date);

    match tag.get("t").map(str::trim) {
        Some("1") if weekend || is_federal_holiday(date) => Ok(None),
        Some("1") => {
            let note = match (other, tag.get("h").and_then(|h| titles.get(h))) {
                (Some(from), _) => format!("rest day moved from {} {from}", weekday_name(from)),
                (None, Some(title)) => format!("day off: {title}"),
                (None, None) => "day off".to_string(),
            };
            Ok(Some(CalendarDay::new(date, DayKind::DayOff, note)))
        }
        Some("2" | "3") if weekend => {
            let mut note = format!("{} made a working day", weekday_name(date));
            if let Some(other) = other {
                note.push_str(&format!(" (transfer with {other})"));
            }
            Ok(Some(CalendarDay::new(date, DayKind::WorkingDay, note)))
        }
        Some("2" | "3") if is_federal_holiday(date) => Err(Error::invalid(
            "t",
            format!("{date} is a holiday of Labour Code art. 112 and cannot be a working day"),
        )),
        Some("2" | "3") => Ok(None),
        Some(t) => Err(Error::invalid(
            "t",
            format!("'{t}' is not 1 (day off), 2 (shortened day) or 3 (working weekend day)"),
        )),
        None => Err(Error::invalid("t", "missing")),
    }
}

/// One start tag (or empty-element tag) of an XML text.
struct XmlTag<'a> {
    name: &'a str,
    /// The element it is directly inside, if any.
    parent: Option<&'a str>,
    attributes: Vec<(&'a str, String)>,
    line: usize,
}

impl XmlTag<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }
}

/// The start tags of an XML text, in order, after checking that its elements nest.
///
/// This is the small part of XML a production calendar uses, read by hand so the core
/// needs no XML crate: the declaration, comments, CDATA and a DOCTYPE without an internal
/// subset are skipped, text between tags is ignored, attribute values are decoded.
/// Namespaces and entities declared in a DOCTYPE are not understood.
fn xml_tags(text: &str) -> Result<Vec<XmlTag<'_>>> {
    let mut tags = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    let mut at = 0;

    while let Some(offset) = text[at..].find('<') {
        let start = at + offset;
        let rest = &text[start..];
        let skip_past = |end: &str| {
            rest.find(end)
                .map(|i| start + i + end.len())
                .ok_or_else(|| xml_error(text, start, format!("no '{end}' closes this markup")))
        };

        if rest.starts_with("<?") {
            at = skip_past("?>")?;
        } else if rest.starts_with("<!--") {
            at = skip_past("-->")?;
        } else if rest.starts_with("<![CDATA[") {
            at = skip_past("]]>")?;
        } else if rest.starts_with("<!") {
            at = skip_past(">")?;
        } else if let Some(close) = rest.strip_prefix("</") {
            let end = close.find('>').ok_or_else(|| xml_error(text, start, "a cut-off end tag"))?;
            let name = close[..end].trim();
            match open.pop() {
                Some(expected) if expected == name => {}
                Some(expected) => {
                    return Err(xml_error(text, start, format!("</{name}> closes <{expected}>")));
                }
                None => return Err(xml_error(text, start, format!("</{name}> closes nothing"))),
            }
            at = start + 2 + end + 1;
        } else {
            let (tag, empty, end) = xml_start_tag(text, start, open.last().copied())?;
            if !empty {
                open.push(tag.name);
            }
            tags.push(tag);
            at = end;
        }
    }

    if let Some(name) = open.last() {
        return Err(xml_error(text, text.len(), format!("<{name}> is never closed")));
    }
    Ok(tags)
}

/// Reads the start tag at byte `start` (a `<`): the tag, whether it is an empty-element
/// tag, and the byte after it. Only ASCII bytes delimit, so every slice is on a character
/// boundary.
fn xml_start_tag<'a>(
    text: &'a str,
    start: usize,
    parent: Option<&'a str>,
) -> Result<(XmlTag<'a>, bool, usize)> {
    let bytes = text.as_bytes();
    let name_end = |from: usize| {
        (from..bytes.len())
            .find(|&i| {
                bytes[i].is_ascii_whitespace()
                    || matches!(bytes[i], b'/' | b'>' | b'=' | b'<' | b'"' | b'\'')
            })
            .unwrap_or(bytes.len())
    };
    let skip_space = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };

    let mut i = start + 1;
    let end = name_end(i);
    if end == i {
        return Err(xml_error(text, start, "a '<' that starts no tag"));
    }
    let name = &text[i..end];
    let line = line_at(text, start);
    let mut attributes = Vec::new();
    i = end;

    loop {
        i = skip_space(i);
        let empty = match bytes.get(i) {
            None => return Err(xml_error(text, start, format!("<{name}> is cut off"))),
            Some(b'>') => Some((false, i + 1)),
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => Some((true, i + 2)),
            Some(_) => None,
        };
        if let Some((empty, after)) = empty {
            return Ok((XmlTag { name, parent, attributes, line }, empty, after));
        }

        let key_end = name_end(i);
        if key_end == i {
            let found = char::from(bytes[i]);
            return Err(xml_error(text, i, format!("unexpected '{found}' in <{name}>")));
        }
        let key = &text[i..key_end];
        i = skip_space(key_end);
        if bytes.get(i) != Some(&b'=') {
            return Err(xml_error(text, i, format!("attribute {key} of <{name}> has no value")));
        }
        i = skip_space(i + 1);
        let quote = match bytes.get(i) {
            Some(&quote @ (b'"' | b'\'')) => char::from(quote),
            _ => return Err(xml_error(text, i, format!("the value of {key} is not quoted"))),
        };
        let value_start = i + 1;
        let value_end = text[value_start..]
            .find(quote)
            .map(|len| value_start + len)
            .ok_or_else(|| xml_error(text, i, format!("the value of {key} is never closed")))?;
        let value = decode_entities(&text[value_start..value_end])
            .map_err(|reason| xml_error(text, value_start, format!("{key}: {reason}")))?;
        attributes.push((key, value));
        i = value_end + 1;
    }
}

/// Decodes the five predefined entities and character references of an attribute value.
fn decode_entities(raw: &str) -> std::result::Result<String, String> {
    if raw.contains('<') {
        return Err("a '<' inside an attribute value".to_string());
    }
    let mut decoded = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or_else(|| "an '&' without its ';'".to_string())?;
        let entity = &after[..semi];
        let character = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                None => entity
                    .strip_prefix('#')
                    .and_then(|digits| digits.parse().ok())
                    .and_then(char::from_u32),
            },
        };
        decoded.push(character.ok_or_else(|| format!("unknown entity '&{entity};'"))?);
        rest = &after[semi + 1..];
    }
    decoded.push_str(rest);
    Ok(decoded)
}

fn xml_error(text: &str, at: usize, reason: impl fmt::Display) -> Error {
    Error::invalid("calendar xml", format!("line {}: {reason}", line_at(text, at)))
}

/// The 1-based line of byte `at`.
fn line_at(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// "field: reason" for an error of one row, so that a file's message names both.
fn field_reason(error: &Error) -> String {
    match error {
        Error::Invalid { field, reason } => format!("{field}: {reason}"),
        other => other.to_string(),
    }
}

/// A date written strictly as YYYY-MM-DD.
fn parse_iso_date(text: &str) -> Result<NaiveDate> {
    let bad = || Error::invalid("date", format!("'{text}' is not a date YYYY-MM-DD"));
    if text.len() != 10 {
        return Err(bad());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())
}

/// A day written MM.DD in `year`, as the XML form writes it.
fn parse_month_day(text: &str, year: i32) -> Option<NaiveDate> {
    let (month, day) = text.trim().split_once('.')?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(month) || !two_digits(day) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)
}

/// The days given off by rule in a year without a table: art. 112 gives the next working
/// day off for a holiday on a weekend, except in January. Holidays are taken in date order
/// so that two of them never share a day off.
fn rules_observed_days(year: i32) -> Vec<NaiveDate> {
    let mut observed = Vec::new();
    for (month, day) in HOLIDAYS_OUTSIDE_JANUARY {
        let Some(holiday) = NaiveDate::from_ymd_opt(year, month, day) else {
            continue;
        };
        if !is_weekend(holiday) {
            continue;
        }
        let mut rest = holiday;
        while is_weekend(rest) || is_federal_holiday(rest) || observed.contains(&rest) {
            match rest.succ_opt() {
                Some(next) => rest = next,
                None => break,
            }
        }
        observed.push(rest);
    }
    observed
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekday_name(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// All days of `year`, for range lookups in the table.
fn year_span(year: i32) -> Option<RangeInclusive<NaiveDate>> {
    Some(NaiveDate::from_ymd_opt(year, 1, 1)?..=NaiveDate::from_ymd_opt(year, 12, 31)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOSCOW: Tz = chrono_tz::Europe::Moscow;
    const DEFAULT: DeadlinePolicy = DeadlinePolicy { paid_nonworking_moves_deadlines: false };
    const PAID_MOVES: DeadlinePolicy = DeadlinePolicy { paid_nonworking_moves_deadlines: true };
    const TABLE_2027: &str = include_str!("../../data/ru-calendar-2027.csv");

    /// The 2027 table of `data/ru-calendar-2027.csv` in the XML form, as a calendar service
    /// would publish it: every holiday listed, shortened days, and `f` on moved days.
    const XML_2027: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Производственный календарь 2027 -->
<calendar year="2027" lang="ru" date="2026.10.01" country="ru">
  <holidays>
    <holiday id="1" title="Новогодние каникулы (закон &#8470; 35-ФЗ)"/>
    <holiday id="2" title="Рождество Христово"/>
    <holiday id="3" title="День защитника Отечества"/>
    <holiday id="4" title="Международный женский день"/>
    <holiday id="5" title="Праздник Весны и Труда"/>
    <holiday id="6" title="День Победы"/>
    <holiday id="7" title="День России"/>
    <holiday id="8" title="День народного единства"/>
  </holidays>
  <days>
    <day d="01.01" t="1" h="1"/>
    <day d="01.02" t="1" h="1"/>
    <day d="01.03" t="1" h="1"/>
    <day d="01.04" t="1" h="1"/>
    <day d="01.05" t="1" h="1"/>
    <day d="01.06" t="1" h="1"/>
    <day d="01.07" t="1" h="2"/>
    <day d="01.08" t="1" h="1"/>
    <day d="02.20" t="3" f="02.22"/>
    <day d="02.22" t="1" f="02.20"/>
    <day d="02.23" t="1" h="3"/>
    <day d="03.08" t="1" h="4"/>
    <day d="04.30" t="2"/>
    <day d="05.01" t="1" h="5"/>
    <day d="05.03" t="1" f="05.01"/>
    <day d="05.09" t="1" h="6"/>
    <day d="05.10" t="1" f="05.09"/>
    <day d="06.11" t="2"/>
    <day d="06.12" t="1" h="7"/>
    <day d="06.14" t="1" f="06.12"/>
    <day d="11.03" t="2"/>
    <day d="11.04" t="1" h="8"/>
    <day d="11.05" t="1" f="01.02"/>
    <day d="12.31" t="1" f="01.03"/>
  </days>
</calendar>
"#;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test dates are valid")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("test instants are valid RFC 3339")
    }

    fn by_day(day: u32) -> DueRule {
        DueRule::DayOfMonthAfter { day, months_after: 1 }
    }

    fn year_days(year: i32) -> impl Iterator<Item = NaiveDate> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a year has 1 January");
        first.iter_days().take_while(move |day| day.year() == year)
    }

    fn belgorod() -> Result<Calendar> {
        let prokhorovka = RegionalHoliday::new(7, 12, "День Прохоровского поля")?.since(2020);
        Ok(Calendar::russian_default().with_regional_holiday(prokhorovka))
    }

    fn with_2027() -> Result<Calendar> {
        let mut calendar = Calendar::russian_default();
        calendar.load_csv(TABLE_2027.as_bytes())?;
        Ok(calendar)
    }

    /// The rows of a test table: `columns` words, then the rest of the line says why.
    fn table(text: &str, columns: usize) -> Vec<(Vec<&str>, &str)> {
        let rows = text.lines().map(str::trim).filter(|line| !line.is_empty());
        rows.map(|line| {
            let mut words = Vec::new();
            let mut rest = line;
            for _ in 0..columns {
                let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
                words.push(word);
                rest = after.trim_start();
            }
            (words, rest)
        })
        .collect()
    }

    /// Checks a table of `period rule-day nominal due why` rows, the rule being "day N of
    /// the month after the period".
    fn check_due_dates(calendar: &Calendar, policy: DeadlinePolicy, rows: &str) -> Result<()> {
        for (row, why) in table(rows, 4) {
            let day = row[1].parse().expect("a rule day");
            let due = calendar.due_date(&by_day(day), row[0].parse()?, policy);
            assert_eq!(due.nominal, date(row[2]), "{why}: nominal");
            assert_eq!(due.date, date(row[3]), "{why}: due date");
            assert_eq!(due.moved, row[2] != row[3], "{why}: moved");
        }
        Ok(())
    }

    /// Checks a table of `date working|rest why` rows.
    fn check_days(calendar: &Calendar, rows: &str) {
        for (row, why) in table(rows, 2) {
            let working = calendar.is_working_day(date(row[0]), DEFAULT);
            assert_eq!(working, row[1] == "working", "{}: {why}", row[0]);
        }
    }

    #[test]
    fn shipped_table_covers_2019_to_2026_and_nothing_else() {
        let calendar = Calendar::russian_default();
        assert_eq!(calendar.years_with_data(), (2019..=2026).collect::<Vec<_>>());
        assert!(!calendar.has_data_for(2018));
        assert!(!calendar.has_data_for(2027));
        assert_eq!(calendar.days().count(), 78);
        let spring = calendar.exception(date("2020-04-01")).map(|day| day.kind);
        assert_eq!(spring, Some(DayKind::PaidNonWorking));
    }

    #[test]
    fn weekends_and_art_112_holidays_are_rest_days_by_rule() {
        check_days(
            &Calendar::russian_default(),
            "
            2026-04-15 working  an ordinary Wednesday
            2026-04-18 rest     an ordinary Saturday
            2026-04-19 rest     an ordinary Sunday
            2026-01-01 rest     New Year's Day
            2026-01-07 rest     Christmas
            2026-01-08 rest     the last of the New Year holidays
            2026-02-23 rest     Defender of the Fatherland Day, a Monday
            2026-05-01 rest     Spring and Labour Day, a Friday
            2026-06-12 rest     Russia Day, a Friday
            2026-11-04 rest     Unity Day, a Wednesday
            2026-03-09 rest     the 2026 table's day off for 8 March, a Sunday
            2026-12-30 working  a Wednesday the 2026 table leaves alone
            ",
        );
    }

    #[test]
    fn due_date_on_a_saturday_moves_to_monday() -> Result<()> {
        check_due_dates(
            &Calendar::russian_default(),
            DEFAULT,
            "
            2026-M09 10 2026-10-10 2026-10-12  September 2026 by 10 October, a Saturday
            2026-Q3  10 2026-10-10 2026-10-12  Q3 2026 by 10 October, a Saturday
            2024-M03 13 2024-04-13 2024-04-15  March 2024 by 13 April, a Saturday
            2025-M09 10 2025-10-10 2025-10-10  a Friday stays put
            ",
        )
    }

    #[test]
    fn due_date_on_a_holiday_moves_to_the_next_working_day() -> Result<()> {
        check_due_dates(
            &Calendar::russian_default(),
            DEFAULT,
            "
            2026-M05 12 2026-06-12 2026-06-15  Russia Day 2026, a Friday
            2024-M10  4 2024-11-04 2024-11-05  Unity Day 2024, a Monday
            2025-M05 12 2025-06-12 2025-06-16  Russia Day 2025, then 13 June off by the table
            2025-M04  1 2025-05-01 2025-05-05  1 May 2025, then 2 May off by the table
            2020-M04  9 2020-05-09 2020-05-12  Victory Day 2020, a Saturday, observed 11 May
            ",
        )
    }

    #[test]
    fn december_values_move_past_the_new_year_holidays() -> Result<()> {
        check_due_dates(
            &with_2027()?,
            DEFAULT,
            "
            2020-M12 10 2021-01-10 2021-01-11  10 January 2021 is a Sunday
            2024-M12 10 2025-01-10 2025-01-10  10 January 2025 is a Friday that works
            2025-M12 10 2026-01-10 2026-01-12  a Saturday after 9 January 2026, a moved rest day
            2025-M12  3 2026-01-03 2026-01-12  3 January 2026, a holiday, up to 9 January off
            2026-M12 10 2027-01-10 2027-01-11  10 January 2027 is a Sunday
            2022-Q4  10 2023-01-10 2023-01-10  Q4 2022 by Tuesday 10 January 2023
            ",
        )
    }

    /// A rule as the tables below write it: `d15m2` is "day 15 of the 2nd month after
    /// the period", `21d` is "21 calendar days after the period ends".
    fn rule(text: &str) -> DueRule {
        if let Some(days) = text.strip_suffix('d') {
            return DueRule::DaysAfter { days: days.parse().expect("days") };
        }
        let (day, months) = text.trim_start_matches('d').split_once('m').expect("dNmM");
        DueRule::DayOfMonthAfter {
            day: day.parse().expect("a day"),
            months_after: months.parse().expect("months"),
        }
    }

    /// Checks a table of `period rule nominal due why` rows, the rule written as for
    /// [`rule`].
    fn check_rules(calendar: &Calendar, policy: DeadlinePolicy, rows: &str) -> Result<()> {
        for (row, why) in table(rows, 4) {
            let rule = rule(row[1]);
            rule.validate()?;
            let due = calendar.due_date(&rule, row[0].parse()?, policy);
            assert_eq!(due.nominal, date(row[2]), "{why}: nominal");
            assert_eq!(due.date, date(row[3]), "{why}: due date");
            assert_eq!(due.moved, row[2] != row[3], "{why}: moved");
            assert!(!due.rules_only, "{why}: the shipped table covers it");
        }
        Ok(())
    }

    #[test]
    fn days_after_the_period_ends_count_calendar_days_then_move() -> Result<()> {
        check_rules(
            &Calendar::russian_default(),
            DEFAULT,
            "
            2026-M01 20d 2026-02-20 2026-02-20  January 2026 + 20 days, a Friday
            2026-M01 21d 2026-02-21 2026-02-24  a Saturday, then Sunday and 23 February
            2024-M01 29d 2024-02-29 2024-02-29  leap day 2024, a Thursday
            2026-M05  0d 2026-05-31 2026-06-01  the period's last day itself, a Sunday
            2026-Q1  30d 2026-04-30 2026-04-30  Q1 2026 + 30 days, a Thursday
            2026-Q1  31d 2026-05-01 2026-05-04  1 May 2026, a Friday, then the weekend
            2026-Q1  39d 2026-05-09 2026-05-12  9 May 2026, a Saturday, observed 11 May
            2025     10d 2026-01-10 2026-01-12  a year + 10 days, past the January holidays
            2025     90d 2026-03-31 2026-03-31  a year + 90 days, a Tuesday
            2025-H2  60d 2026-03-01 2026-03-02  H2 2025 + 60 days, a Sunday
            2025-M02 13d 2025-03-13 2025-03-13  February 2025 + 13 days, a Thursday
            2025-M05 13d 2025-06-13 2025-06-16  13 June 2025, the rest day moved from 8 March
            ",
        )
    }

    #[test]
    fn day_n_of_the_second_month_after_the_period_moves_like_any_other() -> Result<()> {
        check_rules(
            &Calendar::russian_default(),
            DEFAULT,
            "
            2026-Q1  d15m2 2026-05-15 2026-05-15  Q1 2026 by 15 May, a Friday
            2026-Q1   d9m2 2026-05-09 2026-05-12  Victory Day 2026, a Saturday, then 11 May off
            2026-M10 d10m2 2026-12-10 2026-12-10  October by 10 December, a Thursday
            2025-M11 d10m2 2026-01-10 2026-01-12  November by 10 January 2026, a Saturday
            2025-M11  d3m2 2026-01-03 2026-01-12  3 January 2026, into the New Year holidays
            2025-H2   d1m2 2026-02-01 2026-02-02  H2 2025 by 1 February, a Sunday
            2025-M12 d31m2 2026-02-28 2026-03-02  day 31 of February is its last, a Saturday
            2024-M12 d31m2 2025-02-28 2025-02-28  the last of February 2025, a Friday
            2023-M12 d31m2 2024-02-29 2024-02-29  the last of February 2024 is the 29th
            2025-M01  d8m2 2025-03-08 2025-03-10  8 March 2025, a Saturday, 10 March works
            2020-M02 d10m2 2020-04-10 2020-04-10  a paid non-working day of spring 2020
            ",
        )
    }

    #[test]
    fn working_saturday_2021_02_20_does_not_move_a_due_date() -> Result<()> {
        let calendar = Calendar::russian_default();
        check_days(
            &calendar,
            "
            2021-02-20 working  a Saturday made working
            2021-02-22 rest     the Monday its rest moved to
            ",
        );
        check_due_dates(
            &calendar,
            DEFAULT,
            "
            2021-M01 20 2021-02-20 2021-02-20  the working Saturday 2021-02-20
            2021-M01 22 2021-02-22 2021-02-24  its rest Monday, then 23 February
            2024-M10  2 2024-11-02 2024-11-02  the working Saturday 2024-11-02
            ",
        )
    }

    #[test]
    fn rest_day_of_8_march_2025_went_to_13_june_so_10_march_is_working() -> Result<()> {
        let calendar = Calendar::russian_default();
        check_days(
            &calendar,
            "
            2025-03-10 working  the Monday after 8 March 2025, a Saturday
            2025-02-24 working  the Monday after 23 February 2025, a Sunday
            2025-06-13 rest     the rest day for 8 March, moved by the Government
            2025-05-08 rest     the rest day for 23 February, moved by the Government
            ",
        );
        check_due_dates(
            &calendar,
            DEFAULT,
            "
            2025-M02  8 2025-03-08 2025-03-10  8 March 2025, a Saturday
            2025-M01 23 2025-02-23 2025-02-24  23 February 2025, a Sunday
            2025-M05 13 2025-06-13 2025-06-16  13 June 2025, the moved rest day
            ",
        )
    }

    #[test]
    fn paid_nonworking_days_move_deadlines_only_when_the_city_says_so() -> Result<()> {
        let calendar = Calendar::russian_default();
        let rows = "
            2020-M03 10 2020-04-10 2020-05-12  10 April 2020, in the spring 2020 days
            2020-M03 30 2020-04-30 2020-05-12  30 April 2020, their last day before May
            2020-M04  6 2020-05-06 2020-05-12  6 May 2020
            2020-M06  1 2020-07-01 2020-07-02  1 July 2020, the constitutional vote
            2021-M04  4 2021-05-04 2021-05-11  4 May 2021
            2021-M10  2 2021-11-02 2021-11-08  2 November 2021
        ";
        // Columns: period, rule day, due date by default, due date with the setting.
        for (row, why) in table(rows, 4) {
            let rule = by_day(row[1].parse().expect("a rule day"));
            let period: Period = row[0].parse()?;

            let due = calendar.due_date(&rule, period, DEFAULT);
            assert_eq!((due.date, due.moved), (date(row[2]), false), "{why}: by default");

            let due = calendar.due_date(&rule, period, PAID_MOVES);
            assert_eq!((due.date, due.moved), (date(row[3]), true), "{why}: with the setting");
        }
        Ok(())
    }

    #[test]
    fn prokhorovka_field_day_is_a_rest_day_in_the_belgorod_region() -> Result<()> {
        let belgorod = belgorod()?;
        let federal = Calendar::russian_default();
        let rows = "
            2019-07-12 working working  2019, before the regional law of 30 April 2020
            2020-07-12 rest    rest     12 July 2020 was a Sunday
            2020-07-13 rest    working  so Monday 13 July 2020 was off in the region
            2021-07-12 rest    working  12 July 2021, a Monday
            2025-07-12 rest    rest     12 July 2025 was a Saturday
            2025-07-14 rest    working  so Monday 14 July 2025 was off in the region
            2025-07-15 working working  and Tuesday 15 July 2025 worked
            2026-07-13 rest    working  12 July 2026 is a Sunday, so 13 July is off
            2028-07-12 rest    working  a year without data
        ";
        // Columns: date, in the Belgorod region, federally.
        for (row, why) in table(rows, 3) {
            let day = date(row[0]);
            assert_eq!(belgorod.is_working_day(day, DEFAULT), row[1] == "working", "{why}");
            assert_eq!(federal.is_working_day(day, DEFAULT), row[2] == "working", "{why}");
        }

        check_due_dates(
            &belgorod,
            DEFAULT,
            "
            2025-M06 12 2025-07-12 2025-07-15  June 2025 by 12 July, past the regional rest day
            2020-M06 13 2020-07-13 2020-07-14  June 2020 by 13 July, the regional rest day
            ",
        )?;
        let federal_due = federal.due_date(&by_day(12), "2025-M06".parse()?, DEFAULT);
        assert_eq!(federal_due.date, date("2025-07-14"));
        Ok(())
    }

    #[test]
    fn regional_holidays_refuse_impossible_and_federal_days() {
        let cases = [(2, 30, "not a day"), (2, 29, "every year"), (13, 1, "not a day")];
        for (month, day, message) in cases {
            let err = RegionalHoliday::new(month, day, "x").unwrap_err().to_string();
            assert!(err.contains("regional holiday") && err.contains(message), "{err}");
        }
        let err = RegionalHoliday::new(6, 12, "x").unwrap_err().to_string();
        assert!(err.contains("art. 112"), "{err}");
        assert!(RegionalHoliday::new(7, 12, " ").is_err());
    }

    #[test]
    fn submission_is_on_time_until_24_00_moscow_time_whatever_the_server_clock() {
        let due = date("2025-03-10");
        assert_eq!(deadline_instant(due, MOSCOW), utc("2025-03-10T21:00:00Z"));

        // Columns: submitted at (UTC), days late (0 is on time). Moscow is UTC+3 all year.
        let rows = "
            2025-03-10T20:59:00Z           0  23:59 local on the due date
            2025-03-10T20:59:59.999999999Z 0  the last instant before local midnight
            2025-03-10T21:00:00Z           1  00:00 local the next day
            2025-03-10T21:01:00Z           1  00:01 local the next day, still 10 March in UTC
            2025-03-11T20:59:00Z           1  23:59 local the next day
            2025-03-12T22:00:00Z           3  01:00 local three days on
            2025-03-03T09:00:00Z           0  a week early
        ";
        for (row, why) in table(rows, 2) {
            let late: i64 = row[1].parse().expect("days late");
            assert_eq!(is_on_time(utc(row[0]), due, MOSCOW), late == 0, "{why}");
            assert_eq!(days_late(utc(row[0]), due, MOSCOW), late, "{why}");
        }
    }

    #[test]
    fn the_due_day_ends_where_the_next_local_day_really_starts() {
        // Chile moved its clocks from 24:00 to 01:00 on 3 September 2023: that day began at
        // 01:00 local (-03), the instant 04:00 UTC.
        let santiago = chrono_tz::America::Santiago;
        let end = deadline_instant(date("2023-09-02"), santiago);
        assert_eq!(end, utc("2023-09-03T04:00:00Z"));

        // Samoa skipped 30 December 2011: the day after the 29th began on the 31st at +14.
        let apia = chrono_tz::Pacific::Apia;
        let end = deadline_instant(date("2011-12-29"), apia);
        assert_eq!(end, utc("2011-12-30T10:00:00Z"));
        assert_eq!(days_late(end, date("2011-12-29"), apia), 2);
    }

    #[test]
    fn a_year_beyond_the_data_follows_rules_alone_and_says_so() -> Result<()> {
        let calendar = Calendar::russian_default();
        assert!(!calendar.has_data_for(2028));
        check_days(
            &calendar,
            "
            2028-11-04 rest     Unity Day 2028, a Saturday
            2028-11-06 rest     so Monday 6 November is off by art. 112
            2028-01-10 working  1 January 2028 is a Saturday, but January holidays never move
            2028-05-09 rest     Victory Day 2028, a Tuesday
            2028-05-08 working  a Monday: only the Government would make it a bridge day
            ",
        );

        check_due_dates(
            &calendar,
            DEFAULT,
            "
            2028-M10  4 2028-11-04 2028-11-07  October 2028 by 4 November
            2028-M02 10 2028-03-10 2028-03-10  February 2028 by 10 March, a Friday
            ",
        )?;
        for (day, period) in [(4, "2028-M10"), (10, "2028-M02")] {
            let due = calendar.due_date(&by_day(day), period.parse()?, DEFAULT);
            assert!(due.rules_only, "{period}");
        }

        let yearly = DueRule::DayOfMonthAfter { day: 1, months_after: 4 };
        let due = calendar.due_date(&yearly, "2028".parse()?, DEFAULT);
        assert_eq!((due.date, due.rules_only), (date("2029-04-02"), true));

        let due = calendar.due_date(&by_day(10), "2026-M09".parse()?, DEFAULT);
        assert!(!due.rules_only, "a year with data is not rules-only");
        Ok(())
    }

    #[test]
    fn a_move_into_a_year_without_data_is_flagged_rules_only() -> Result<()> {
        let rule = by_day(31);
        let period: Period = "2026-M11".parse()?;

        let due = Calendar::russian_default().due_date(&rule, period, DEFAULT);
        assert_eq!((due.nominal, due.date), (date("2026-12-31"), date("2027-01-11")));
        assert!(due.rules_only, "the move went into 2027, which has no table yet");

        let due = with_2027()?.due_date(&rule, period, DEFAULT);
        assert_eq!(due.date, date("2027-01-11"));
        assert!(!due.rules_only);
        Ok(())
    }

    #[test]
    fn loading_the_2027_table_makes_2027_a_data_year() -> Result<()> {
        let mut calendar = Calendar::russian_default();
        check_days(
            &calendar,
            "
            2027-02-20 rest     a Saturday, by rule
            2027-02-22 working  a Monday, by rule
            ",
        );

        let load = calendar.load_csv(TABLE_2027.as_bytes())?;
        assert_eq!(load.years(), [2027]);
        assert_eq!(load.days().len(), 7);
        assert!(calendar.has_data_for(2027));
        check_days(
            &calendar,
            "
            2027-02-20 working  the Saturday made working
            2027-02-22 rest     the Monday its rest moved to
            2027-11-05 rest     the rest day moved from Saturday 2 January
            ",
        );

        let due = calendar.due_date(&by_day(20), "2027-M01".parse()?, DEFAULT);
        let flags = (due.date, due.moved, due.rules_only);
        assert_eq!(flags, (date("2027-02-20"), false, false));
        Ok(())
    }

    #[test]
    fn rules_alone_miss_only_the_governments_transfers_of_2027() -> Result<()> {
        let published = with_2027()?;
        let rules = Calendar::new();
        let differing: Vec<String> = year_days(2027)
            .filter(|&day| {
                published.is_working_day(day, DEFAULT) != rules.is_working_day(day, DEFAULT)
            })
            .map(|day| day.to_string())
            .collect();
        // The observed days of 1 May, 9 May and 12 June agree; the transfers cannot.
        assert_eq!(differing, ["2027-02-20", "2027-02-22", "2027-11-05", "2027-12-31"]);
        Ok(())
    }

    #[test]
    fn xml_and_csv_tables_for_2027_give_the_same_working_days() -> Result<()> {
        let from_csv = with_2027()?;
        let mut from_xml = Calendar::russian_default();
        let load = from_xml.load_xml(XML_2027)?;
        assert_eq!(load.years(), [2027]);

        let kinds = |calendar: &Calendar| -> Vec<(NaiveDate, DayKind)> {
            let days = calendar.days().filter(|day| day.date.year() == 2027);
            days.map(|day| (day.date, day.kind)).collect()
        };
        assert_eq!(kinds(&from_xml), kinds(&from_csv));
        for day in year_days(2027) {
            for policy in [DEFAULT, PAID_MOVES] {
                let csv = from_csv.is_working_day(day, policy);
                assert_eq!(from_xml.is_working_day(day, policy), csv, "{day}");
            }
        }

        let moved = from_xml.exception(date("2027-11-05")).map(|day| day.note.as_str());
        assert_eq!(moved, Some("rest day moved from Saturday 2027-01-02"));
        Ok(())
    }

    #[test]
    fn xml_day_types_become_calendar_rows() -> Result<()> {
        // Columns: the day entry in a 2021 calendar, the row it makes ("-" for none).
        let rows = r#"
            <day_d="02.22"_t="1"_f="02.20"/>  day_off      a day off on a weekday
            <day_d="02.21"_t="1"/>            -            a day off on a Sunday adds nothing
            <day_d="02.23"_t="1"_h="3"/>      -            a holiday on a weekday adds nothing
            <day_d="02.20"_t="2"/>            working_day  a shortened Saturday is working
            <day_d='02.20'_t='3'></day>       working_day  a working Saturday
            <day_d="02.19"_t="2"/>            -            a shortened weekday adds nothing
        "#;
        for (row, why) in table(rows, 2) {
            let entry = row[0].replace('_', " ");
            let xml = format!(
                r#"<calendar year="2021"><days>{entry}<day d="12.31" t="1"/></days></calendar>"#
            );
            let load = read_calendar_xml(&xml)?;
            let found = load.days().iter().find(|day| day.date.month() == 2);
            let expected = (row[1] != "-").then(|| row[1].parse::<DayKind>()).transpose()?;
            assert_eq!(found.map(|day| day.kind), expected, "{why}");
        }
        Ok(())
    }

    #[test]
    fn bad_xml_is_refused_with_its_line() {
        let in_2027 = |entry: &str| {
            format!("<calendar year=\"2027\">\n<days>\n{entry}\n</days>\n</calendar>")
        };
        let twice = "<day d=\"02.22\" t=\"1\"/>\n<day d=\"02.22\" t=\"1\"/>";
        // (why, text, words the message must hold)
        let cases = [
            ("an impossible day", in_2027(r#"<day d="02.30" t="1"/>"#), "line 3, d:"),
            ("day before month", in_2027(r#"<day d="22.02" t="1"/>"#), "line 3, d:"),
            ("an unknown type", in_2027(r#"<day d="02.22" t="4"/>"#), "line 3, t: '4'"),
            ("no type", in_2027(r#"<day d="02.22"/>"#), "line 3, t: missing"),
            ("a working holiday", in_2027(r#"<day d="02.23" t="3"/>"#), "line 3, t:"),
            ("a day twice", in_2027(twice), "line 4, d: the day is listed twice"),
            ("an unclosed day", in_2027(r#"<day d="02.22" t="1">"#), "line 4: </days>"),
            ("an unquoted value", in_2027(r#"<day d=02.22 t="1"/>"#), "line 3: the value"),
            ("an unknown entity", in_2027(r#"<day t="1&nbsp;"/>"#), "line 3: t: unknown"),
            ("no year", "<calendar><days/></calendar>".into(), "line 1, year:"),
            ("another root", "<holidays year=\"2027\"/>".into(), "line 1: the root"),
            ("a cut-off file", "<calendar year=\"2027\"><days>".into(), "never closed"),
            ("nothing to load", in_2027(r#"<day d="01.01" t="1"/>"#), "not a whole year"),
        ];
        for (why, xml, words) in cases {
            let mut calendar = Calendar::russian_default();
            let err = calendar.load_xml(&xml).unwrap_err().to_string();
            assert!(err.starts_with("invalid calendar xml: "), "{why}: {err}");
            assert!(err.contains(words), "{why}: '{words}' not in {err}");
            assert!(!calendar.has_data_for(2027), "{why}: the calendar changed");
        }
    }

    #[test]
    fn bad_csv_rows_are_refused_with_line_and_field() {
        let twice = "2027-02-22,day_off,x\n2027-02-22,day_off,y\n";
        let tuesday = "2027-02-22,day_off,x\n2027-02-23,working_day,x\n";
        // (why, rows after the header, words the message must hold)
        let cases = [
            ("an impossible date", "2027-02-30,day_off,x\n", "line 2, date: '2027-02-30'"),
            ("a year typed long", "20027-02-22,day_off,x\n", "line 2, date:"),
            ("an unknown kind", "2027-02-22,holiday,x\n", "line 2, kind: 'holiday'"),
            ("a working Tuesday", tuesday, "line 3, kind: 2027-02-23 is a Tuesday"),
            ("a day off on a Sunday", "2027-02-21,day_off,x\n", "line 2, kind: 2027-02-21"),
            ("a date twice", twice, "line 3, date: 2027-02-22 appears twice"),
            ("a control character", "2027-02-22,day_off,a\u{7}b\n", "line 2, note:"),
            ("no rows", "", "no rows"),
        ];
        for (why, rows, words) in cases {
            let mut calendar = Calendar::russian_default();
            let file = format!("date,kind,note\n{rows}");
            let err = calendar.load_csv(file.as_bytes()).unwrap_err().to_string();
            assert!(err.starts_with("invalid calendar file: "), "{why}: {err}");
            assert!(err.contains(words), "{why}: '{words}' not in {err}");
            assert!(!calendar.has_data_for(2027), "{why}: the calendar changed");
        }

        let err = read_calendar_csv("day,kind\n2027-02-22,day_off\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("missing column 'date'"), "{err}");
    }

    #[test]
    fn a_csv_note_is_optional() -> Result<()> {
        let load = read_calendar_csv("date,kind\n2027-02-22,day_off\n".as_bytes())?;
        assert_eq!(load.days(), [CalendarDay::new(date("2027-02-22"), DayKind::DayOff, "")]);
        Ok(())
    }

    #[test]
    fn reloading_a_year_replaces_all_its_rows() -> Result<()> {
        let mut calendar = with_2027()?;
        assert!(!calendar.is_working_day(date("2027-12-31"), DEFAULT));

        calendar.load_csv("date,kind,note\n2027-02-22,day_off,corrected\n".as_bytes())?;
        assert!(calendar.is_working_day(date("2027-12-31"), DEFAULT), "the old row is gone");
        assert!(!calendar.is_working_day(date("2027-02-22"), DEFAULT));
        assert!(calendar.has_data_for(2026), "other years are untouched");
        Ok(())
    }

    #[test]
    fn stored_rows_rebuild_the_same_calendar() -> Result<()> {
        let original = with_2027()?;
        let json_error = |e: serde_json::Error| Error::invalid("json", e.to_string());
        let json =
            serde_json::to_string(&original.days().collect::<Vec<_>>()).map_err(json_error)?;
        assert!(json.contains(r#""kind":"paid_nonworking""#), "{json}");

        let rows: Vec<CalendarDay> = serde_json::from_str(&json).map_err(json_error)?;
        let rebuilt = Calendar::from_days(rows)?;
        assert_eq!(rebuilt.years_with_data(), original.years_with_data());
        for day in year_days(2020).chain(year_days(2027)) {
            for policy in [DEFAULT, PAID_MOVES] {
                let expected = original.is_working_day(day, policy);
                assert_eq!(rebuilt.is_working_day(day, policy), expected, "{day}");
            }
        }

        let saturday_off = CalendarDay::new(date("2027-02-20"), DayKind::DayOff, "");
        assert!(Calendar::from_days([saturday_off]).is_err());
        Ok(())
    }
}
