//! The catalog: sections, departments and the indicators in force.

use std::fmt;
use std::io::Read;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::amount::{parse_number, ValueKind};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::period::{Period, Periodicity};
use crate::text;

/// A section of the catalog, e.g. "Население".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The section's name; unique within the catalog.
    pub name: String,
    /// Where the section stands when the catalog is printed.
    pub position: u32,
}

/// Whether a department is a structural unit of the administration or a municipal
/// institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentKind {
    /// A structural unit of the city administration.
    Department,
    /// A municipal institution (МКУ, МБУ, ...).
    Institution,
}

impl std::str::FromStr for DepartmentKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "department" => Ok(DepartmentKind::Department),
            "institution" | "municipal institution" => Ok(DepartmentKind::Institution),
            other => Err(Error::invalid(
                "department kind",
                format!("'{other}' is not one of department, institution"),
            )),
        }
    }
}

/// A unit of the administration or a municipal institution that is responsible for
/// indicators and employs their executors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Generated identifier.
    pub id: Id,
    /// The official name; unique.
    pub name: String,
    /// Department or institution.
    pub kind: DepartmentKind,
}

/// A unit of measurement with its OKEI code, where the classifier has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// The unit's name, e.g. "человек".
    pub name: String,
    /// The OKEI code, e.g. "792"; some units (rates, codes) have none.
    pub okei: Option<String>,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// How the due date of an (indicator, period) is found, before the calendar moves it
/// off non-working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum DueRule {
    /// Day `day` of the `months_after`-th month after the period ends: "by the 10th of
    /// the following month" is `{ day: 10, months_after: 1 }`; "by 1 April of the
    /// following year" for a yearly indicator is `{ day: 1, months_after: 4 }`. A day
    /// past the month's end means its last day.
    DayOfMonthAfter {
        /// Day of the month, 1-31.
        day: u32,
        /// Which month after the period's last month, 1 for the next one.
        months_after: u32,
    },
    /// `days` calendar days after the period's last day.
    DaysAfter {
        /// Calendar days, 0-366.
        days: u32,
    },
}

impl Default for DueRule {
    fn default() -> Self {
        DueRule::DayOfMonthAfter { day: 10, months_after: 1 }
    }
}

impl DueRule {
    /// Checks that the rule's numbers make sense.
    pub fn validate(&self) -> Result<()> {
        match *self {
            DueRule::DayOfMonthAfter { day, months_after } => {
                if !(1..=31).contains(&day) {
                    return Err(Error::invalid("due rule", format!("day {day} is not 1..=31")));
                }
                if !(1..=24).contains(&months_after) {
                    return Err(Error::invalid(
                        "due rule",
                        format!("months after {months_after} is not 1..=24"),
                    ));
                }
            }
            DueRule::DaysAfter { days } if days > 366 => {
                return Err(Error::invalid("due rule", format!("{days} days is more than a year")));
            }
            DueRule::DaysAfter { .. } => {}
        }
        Ok(())
    }

    /// The day the rule names for `period`, before any move off a non-working day.
    pub fn nominal_due_date(&self, period: Period) -> NaiveDate {
        let last = period.last_day();
        match *self {
            DueRule::DayOfMonthAfter { day, months_after } => {
                let month_start = NaiveDate::from_ymd_opt(last.year(), last.month(), 1)
                    .expect("first of a month exists")
                    .checked_add_months(Months::new(months_after))
                    .expect("due month within range");
                let month_end = month_start
                    .checked_add_months(Months::new(1))
                    .and_then(|d| d.pred_opt())
                    .expect("month end exists");
                month_start.with_day(day).unwrap_or(month_end)
            }
            DueRule::DaysAfter { days } => last + chrono::Duration::days(i64::from(days)),
        }
    }
}

impl fmt::Display for DueRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DueRule::DayOfMonthAfter { day, months_after: 1 } => {
                write!(f, "day {day} of the month after the period")
            }
            DueRule::DayOfMonthAfter { day, months_after } => {
                write!(f, "day {day} of the {months_after}th month after the period")
            }
            DueRule::DaysAfter { days } => write!(f, "{days} days after the period"),
        }
    }
}

/// Plausibility rules of an indicator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plausibility {
    /// Hard lower bound: a smaller value is refused.
    pub min: Option<Decimal>,
    /// Hard upper bound: a larger value is refused.
    pub max: Option<Decimal>,
    /// Soft rule: a change against the previous period's value larger than this many
    /// percent is accepted but flagged for the controller.
    pub max_change_percent: Option<Decimal>,
}

/// One measured quantity of the city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Unique code, e.g. `MR-1.1.1`.
    pub code: String,
    /// The indicator's name as published.
    pub name: String,
    /// The section it belongs to.
    pub section: String,
    /// Unit of measurement.
    pub unit: Unit,
    /// What kind of number it takes.
    pub kind: ValueKind,
    /// How often it is reported.
    pub periodicity: Periodicity,
    /// How its due date is found.
    pub due: DueRule,
    /// The department responsible for it.
    pub department: Option<Id>,
    /// How it is calculated.
    pub methodology: String,
    /// Plausibility rules.
    pub plausibility: Plausibility,
    /// The first period values are expected for. When an indicator is defined without
    /// one, it is the first period whose due date is not yet past, so that a new
    /// indicator does not count years of history as missing.
    #[serde(default)]
    pub first_period: Option<Period>,
}

/// An indicator as the current catalog holds it: its definition for the newest periods
/// and, once it is retired, the period from which it is.
///
/// This is the body of the stored indicator record (kind `indicator`, keyed by code):
/// the fields of the [`Indicator`] at the top level, as before, plus `retired_from` (a
/// period such as `"2026-M08"`) once a retirement is approved. The definition then stays
/// the last one in force, so that values of earlier periods still read with it. A
/// record without `retired_from` is an indicator in force. The definitions of each
/// period are in the indicator's history; this record is the current view of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// The newest definition; for a retired indicator, the last one in force.
    #[serde(flatten)]
    pub indicator: Indicator,
    /// The first period for which the indicator is retired; none while it is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_from: Option<Period>,
}

impl CatalogEntry {
    /// An indicator in force.
    pub fn in_force(indicator: Indicator) -> Self {
        CatalogEntry { indicator, retired_from: None }
    }
}

/// Longest indicator code accepted.
pub const MAX_CODE_LEN: usize = 64;

impl Indicator {
    /// The first period whose due date under the indicator's rule is on or after `day`.
    pub fn first_period_due_on_or_after(&self, day: NaiveDate) -> Period {
        let mut period = Period::containing(day, self.periodicity)
            .expect("a day in range has a period")
            .previous();
        // Rules allow due dates up to two years after a period; walk back that far.
        for _ in 0..(2 * usize::from(self.periodicity.per_year()) + 1) {
            let earlier = period.previous();
            if self.due.nominal_due_date(earlier) < day {
                break;
            }
            period = earlier;
        }
        while self.due.nominal_due_date(period) < day {
            period = period.next();
        }
        period
    }

    /// Checks the definition's fields; every error names the field.
    pub fn validate(&self) -> Result<()> {
        let code = self.code.trim();
        if code.is_empty() || code.chars().count() > MAX_CODE_LEN {
            return Err(Error::invalid("code", format!("must be 1..={MAX_CODE_LEN} characters")));
        }
        if !code.chars().all(|c| c.is_alphanumeric() || "-._/".contains(c)) {
            return Err(Error::invalid(
                "code",
                format!("'{code}' may hold only letters, digits and - . _ /"),
            ));
        }
        text::check_line("name", &self.name, text::MAX_NAME)?;
        text::check_line("section", &self.section, text::MAX_NAME)?;
        text::check_line("unit", &self.unit.name, text::MAX_NAME)?;
        if let Some(okei) = &self.unit.okei {
            if !(3..=4).contains(&okei.len()) || !okei.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::invalid("okei code", format!("'{okei}' is not 3 or 4 digits")));
            }
        }
        text::check_text("methodology", &self.methodology, text::MAX_TEXT)?;
        self.due.validate()?;
        if let (Some(min), Some(max)) = (self.plausibility.min, self.plausibility.max) {
            if min > max {
                return Err(Error::invalid(
                    "plausibility",
                    format!("minimum {min} exceeds maximum {max}"),
                ));
            }
        }
        if self.plausibility.max_change_percent.is_some_and(|p| p <= Decimal::ZERO) {
            return Err(Error::invalid("max change percent", "must be positive"));
        }
        if let Some(first) = self.first_period {
            if first.periodicity() != self.periodicity {
                return Err(Error::invalid(
                    "first period",
                    format!("{first} is not a {} period", self.periodicity),
                ));
            }
        }
        Ok(())
    }
}

/// An indicator read from a catalog file, with the responsible department given by name.
#[derive(Debug, Clone)]
pub struct CatalogRow {
    /// The definition; its `department` is not set yet.
    pub indicator: Indicator,
    /// The responsible department's name, when the file names one.
    pub department_name: Option<String>,
}

/// Reads a catalog CSV in the form of the shipped `indicators-ru-municipal.csv`.
///
/// Required columns: `code`, `section`, `name_ru` (or `name`), `unit_ru` (or `unit`),
/// `okei_code`, `periodicity`. Optional: `value_kind` (`integer`, `decimal:N`,
/// `percent:N`, `yes_no`), `due_day` and `due_months_after` (day N of the M-th month after
/// the period), or `due_days_after` (N calendar days after it), `department`, `min`, `max`,
/// `max_change_percent`, `methodology`, `first_period`. Without `value_kind` the kind follows the
/// unit: people, pieces, units and places (OKEI 792, 796, 642, 698) are integers,
/// per cent (744) is `percent:2`, a code unit is a yes/no code, anything else
/// `decimal:2`. Every refused row is reported with its line number; nothing is
/// returned unless every row is good.
pub fn read_catalog_csv(input: impl Read) -> Result<Vec<CatalogRow>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid("catalog file", format!("unreadable header: {e}")))?
        .clone();
    let column = |names: &[&str]| names.iter().find_map(|n| headers.iter().position(|h| h == *n));
    let required = |names: &[&str]| {
        column(names)
            .ok_or_else(|| Error::invalid("catalog file", format!("missing column '{}'", names[0])))
    };
    let code_col = required(&["code"])?;
    let section_col = required(&["section"])?;
    let name_col = required(&["name_ru", "name"])?;
    let unit_col = required(&["unit_ru", "unit"])?;
    let okei_col = column(&["okei_code", "okei"]);
    let periodicity_col = required(&["periodicity"])?;
    let kind_col = column(&["value_kind", "kind"]);
    let due_day_col = column(&["due_day"]);
    let due_months_col = column(&["due_months_after"]);
    let department_col = column(&["department"]);
    let min_col = column(&["min"]);
    let max_col = column(&["max"]);
    let change_col = column(&["max_change_percent"]);
    let methodology_col = column(&["methodology"]);
    let first_period_col = column(&["first_period"]);
    let due_days_col = column(&["due_days_after"]);

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |col: Option<usize>| col.and_then(|c| record.get(c)).filter(|v| !v.is_empty());
        let parse_row = || -> Result<CatalogRow> {
            let okei = get(okei_col).map(|s| format!("{:0>3}", s));
            let unit = Unit { name: get(Some(unit_col)).unwrap_or_default().to_string(), okei };
            let kind = match get(kind_col) {
                Some(kind) => kind.parse()?,
                None => default_kind(&unit),
            };
            let periodicity: Periodicity =
                get(Some(periodicity_col)).unwrap_or_default().parse()?;
            let decimal = |col: Option<usize>, field: &str| -> Result<Option<Decimal>> {
                get(col)
                    .map(|t| parse_number(t).map_err(|e| Error::invalid(field, e.to_string())))
                    .transpose()
            };
            let number = |col: Option<usize>, field: &str| -> Result<Option<u32>> {
                get(col)
                    .map(|t| {
                        t.parse::<u32>().map_err(|_| {
                            Error::invalid(field, format!("'{t}' is not a whole number"))
                        })
                    })
                    .transpose()
            };
            let due = match number(due_days_col, "due_days_after")? {
                Some(days) => DueRule::DaysAfter { days },
                None => default_due(
                    periodicity,
                    number(due_day_col, "due_day")?,
                    number(due_months_col, "due_months_after")?,
                ),
            };
            let first_period = get(first_period_col)
                .map(|t| {
                    t.parse::<Period>().map_err(|e| Error::invalid("first_period", e.to_string()))
                })
                .transpose()?;
            let indicator = Indicator {
                code: get(Some(code_col)).unwrap_or_default().to_string(),
                name: get(Some(name_col)).unwrap_or_default().to_string(),
                section: get(Some(section_col)).unwrap_or_default().to_string(),
                unit,
                kind,
                periodicity,
                due,
                department: None,
                methodology: get(methodology_col).unwrap_or_default().to_string(),
                plausibility: Plausibility {
                    min: decimal(min_col, "min")?,
                    max: decimal(max_col, "max")?,
                    max_change_percent: decimal(change_col, "max_change_percent")?,
                },
                first_period,
            };
            indicator.validate()?;
            Ok(CatalogRow { indicator, department_name: get(department_col).map(str::to_string) })
        };
        match parse_row() {
            Ok(row) => rows.push(row),
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }

    let mut codes = std::collections::HashSet::new();
    for row in &rows {
        if !codes.insert(row.indicator.code.clone()) {
            errors.push(format!("code {} appears more than once", row.indicator.code));
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(Error::invalid("catalog file", errors.join("; ")))
    }
}

fn default_kind(unit: &Unit) -> ValueKind {
    match unit.okei.as_deref() {
        Some("792" | "796" | "642" | "698") => ValueKind::Integer,
        Some("744") => ValueKind::Percent { places: 2 },
        None if unit.name == "код" => ValueKind::YesNo,
        _ => ValueKind::Decimal { places: 2 },
    }
}

/// "By the 10th of the following month" for short periods and "by 1 April of the
/// following year" for yearly ones, unless the file says otherwise.
fn default_due(periodicity: Periodicity, day: Option<u32>, months_after: Option<u32>) -> DueRule {
    let (default_day, default_months) = match periodicity {
        Periodicity::Yearly => (1, 4),
        _ => (10, 1),
    };
    DueRule::DayOfMonthAfter {
        day: day.unwrap_or(default_day),
        months_after: months_after.unwrap_or(default_months),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_due_date_is_the_tenth_of_the_next_month() {
        let rule = DueRule::default();
        let july: Period = "2026-M07".parse().unwrap();
        assert_eq!(rule.nominal_due_date(july).to_string(), "2026-08-10");
        let dec: Period = "2026-M12".parse().unwrap();
        assert_eq!(rule.nominal_due_date(dec).to_string(), "2027-01-10");
    }

    #[test]
    fn yearly_due_date_is_first_of_april_next_year() {
        let rule = DueRule::DayOfMonthAfter { day: 1, months_after: 4 };
        let year: Period = "2025".parse().unwrap();
        assert_eq!(rule.nominal_due_date(year).to_string(), "2026-04-01");
    }

    #[test]
    fn day_past_month_end_means_last_day() {
        let rule = DueRule::DayOfMonthAfter { day: 31, months_after: 1 };
        let jan: Period = "2026-M01".parse().unwrap();
        assert_eq!(rule.nominal_due_date(jan).to_string(), "2026-02-28");
    }

    #[test]
    fn retired_entry_is_the_indicator_record_with_a_retirement_period() {
        let file = include_str!("../../data/indicators-ru-municipal.csv");
        let mut indicator = read_catalog_csv(file.as_bytes()).unwrap().remove(0).indicator;
        indicator.plausibility.max = Some(Decimal::new(12_345, 1));
        let stored_before = serde_json::to_string(&indicator).unwrap();
        let in_force: CatalogEntry = serde_json::from_str(&stored_before).unwrap();
        assert_eq!(in_force, CatalogEntry::in_force(indicator.clone()));
        assert_eq!(serde_json::to_string(&in_force).unwrap(), stored_before);

        let retired = CatalogEntry { retired_from: Some("2026-M08".parse().unwrap()), ..in_force };
        let body = serde_json::to_string(&retired).unwrap();
        assert!(body.contains(r#","retired_from":"2026-M08"}"#), "{body}");
        assert_eq!(serde_json::from_str::<CatalogEntry>(&body).unwrap(), retired);
        assert_eq!(serde_json::from_str::<Indicator>(&body).unwrap(), indicator);
    }

    #[test]
    fn shipped_catalog_loads_with_kinds_from_units() {
        let file = include_str!("../../data/indicators-ru-municipal.csv");
        let rows = read_catalog_csv(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 75);
        let births = rows.iter().find(|r| r.indicator.code == "MR-1.1.1").unwrap();
        assert_eq!(births.indicator.kind, ValueKind::Integer);
        assert_eq!(births.indicator.unit.okei.as_deref(), Some("792"));
        let plan = rows.iter().find(|r| r.indicator.code == "Y48155057").unwrap();
        assert_eq!(plan.indicator.kind, ValueKind::YesNo);
    }

    #[test]
    fn bad_catalog_rows_are_reported_by_line() {
        let file = "code,section,name,unit,okei_code,periodicity\n\
                    A1,S,Name,человек,792,monthly\n\
                    A2,S,Name,человек,792,weekly\n";
        let err = read_catalog_csv(file.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("periodicity"), "{err}");
    }
}
