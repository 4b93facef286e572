//! Reporting periods: a month, a quarter, a half-year or a year.
//!
//! A period prints and parses as `2026-M07`, `2026-Q3`, `2026-H2` or `2026`. The
//! string form sorts in the same order as the periods of one periodicity, which is
//! what storage indexes rely on.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text;

/// How often an indicator is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Periodicity {
    /// Every month: `2026-M07`.
    Monthly,
    /// Every quarter: `2026-Q3`.
    Quarterly,
    /// Every half-year: `2026-H2`.
    HalfYearly,
    /// Every year: `2026`.
    Yearly,
}

impl Periodicity {
    /// How many periods of this kind a year has.
    pub fn per_year(self) -> u8 {
        match self {
            Periodicity::Monthly => 12,
            Periodicity::Quarterly => 4,
            Periodicity::HalfYearly => 2,
            Periodicity::Yearly => 1,
        }
    }

    fn months(self) -> u32 {
        12 / u32::from(self.per_year())
    }

    /// The word used in catalog files: `monthly`, `quarterly`, `half_yearly`, `yearly`.
    pub fn as_str(self) -> &'static str {
        match self {
            Periodicity::Monthly => "monthly",
            Periodicity::Quarterly => "quarterly",
            Periodicity::HalfYearly => "half_yearly",
            Periodicity::Yearly => "yearly",
        }
    }
}

impl fmt::Display for Periodicity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Periodicity {
    type Err = Error;

    /// Accepts the catalog words, with `annual` and `half-yearly` as synonyms that
    /// published lists use.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "monthly" | "month" => Ok(Periodicity::Monthly),
            "quarterly" | "quarter" => Ok(Periodicity::Quarterly),
            "half_yearly" | "half-yearly" | "halfyearly" | "semiannual" => {
                Ok(Periodicity::HalfYearly)
            }
            "yearly" | "annual" | "year" => Ok(Periodicity::Yearly),
            _ => Err(Error::invalid(
                "periodicity",
                format!(
                    "'{}' is not one of monthly, quarterly, half_yearly, yearly",
                    text::quoted(s)
                ),
            )),
        }
    }
}

/// One reporting period.
///
/// ```
/// use citypassport_core::Period;
///
/// let q3: Period = "2026-Q3".parse()?;
/// assert_eq!(q3.first_day().to_string(), "2026-07-01");
/// assert_eq!(q3.last_day().to_string(), "2026-09-30");
/// assert_eq!(q3.next().to_string(), "2026-Q4");
/// # Ok::<(), citypassport_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: i32,
    periodicity: Periodicity,
    /// 1-based index inside the year: month 1-12, quarter 1-4, half 1-2, year 1.
    index: u8,
}

/// The earliest and latest years a period may name; a wider range is almost always a
/// typing slip (`20026`).
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

impl Period {
    /// The period of the given periodicity and 1-based index inside `year`.
    pub fn new(year: i32, periodicity: Periodicity, index: u8) -> Result<Self> {
        if !YEARS.contains(&year) {
            return Err(Error::invalid(
                "period",
                format!("year {year} is outside {}..={}", YEARS.start(), YEARS.end()),
            ));
        }
        if index == 0 || index > periodicity.per_year() {
            return Err(Error::invalid(
                "period",
                format!("a {periodicity} period index must be 1..={}", periodicity.per_year()),
            ));
        }
        Ok(Period { year, periodicity, index })
    }

    /// A month, 1-12.
    pub fn month(year: i32, month: u8) -> Result<Self> {
        Self::new(year, Periodicity::Monthly, month)
    }

    /// A quarter, 1-4.
    pub fn quarter(year: i32, quarter: u8) -> Result<Self> {
        Self::new(year, Periodicity::Quarterly, quarter)
    }

    /// A half-year, 1-2.
    pub fn half_year(year: i32, half: u8) -> Result<Self> {
        Self::new(year, Periodicity::HalfYearly, half)
    }

    /// A whole year.
    pub fn year_period(year: i32) -> Result<Self> {
        Self::new(year, Periodicity::Yearly, 1)
    }

    /// The calendar year the period lies in.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The periodicity of this period.
    pub fn periodicity(&self) -> Periodicity {
        self.periodicity
    }

    /// The 1-based index inside the year (the month, quarter or half number; 1 for a year).
    pub fn index(&self) -> u8 {
        self.index
    }

    /// The first day of the period.
    pub fn first_day(&self) -> NaiveDate {
        let month = (u32::from(self.index) - 1) * self.periodicity.months() + 1;
        NaiveDate::from_ymd_opt(self.year, month, 1).expect("validated period has a first day")
    }

    /// The last day of the period.
    pub fn last_day(&self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("a period's last day exists")
    }

    /// The period of the same periodicity that follows this one.
    pub fn next(&self) -> Period {
        if self.index == self.periodicity.per_year() {
            Period { year: self.year + 1, index: 1, ..*self }
        } else {
            Period { index: self.index + 1, ..*self }
        }
    }

    /// The period of the same periodicity that precedes this one.
    pub fn previous(&self) -> Period {
        if self.index == 1 {
            Period { year: self.year - 1, index: self.periodicity.per_year(), ..*self }
        } else {
            Period { index: self.index - 1, ..*self }
        }
    }

    /// All periods of one periodicity in a year, in order.
    pub fn of_year(year: i32, periodicity: Periodicity) -> Result<Vec<Period>> {
        (1..=periodicity.per_year()).map(|i| Period::new(year, periodicity, i)).collect()
    }

    /// The period of the given periodicity that contains `day`.
    pub fn containing(day: NaiveDate, periodicity: Periodicity) -> Result<Period> {
        let index = (day.month0() / periodicity.months()) as u8 + 1;
        Period::new(day.year(), periodicity, index)
    }

    /// Whether `day` falls inside this period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// The periods of this periodicity from `self` to `last`, both included.
    pub fn through(&self, last: Period) -> impl Iterator<Item = Period> {
        let mut next = Some(*self);
        std::iter::from_fn(move || {
            let current = next?;
            next = (current < last).then(|| current.next());
            (current.periodicity == last.periodicity && current <= last).then_some(current)
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.periodicity {
            Periodicity::Monthly => write!(f, "{}-M{:02}", self.year, self.index),
            Periodicity::Quarterly => write!(f, "{}-Q{}", self.year, self.index),
            Periodicity::HalfYearly => write!(f, "{}-H{}", self.year, self.index),
            Periodicity::Yearly => write!(f, "{}", self.year),
        }
    }
}

const ACCEPTED_FORMS: &str = "accepted forms: 2026-M07 (month), 2026-Q3 (quarter), \
                              2026-H2 (half-year), 2026 (year)";

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "period",
                format!("'{}' is not a period; {ACCEPTED_FORMS}", text::quoted(s)),
            )
        };
        let text = s.trim();

        let (year, rest) = match text.split_once('-') {
            Some((year, rest)) => (year, Some(rest)),
            None => (text, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;

        let (periodicity, index) = match rest {
            None => (Periodicity::Yearly, 1),
            Some(rest) => {
                let mut chars = rest.chars();
                let periodicity = match chars.next().map(|c| c.to_ascii_uppercase()) {
                    Some('M') => Periodicity::Monthly,
                    Some('Q') => Periodicity::Quarterly,
                    Some('H') => Periodicity::HalfYearly,
                    _ => return Err(bad()),
                };
                let digits = chars.as_str();
                let width_ok = match periodicity {
                    Periodicity::Monthly => digits.len() == 2,
                    _ => digits.len() == 1,
                };
                if !width_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                (periodicity, digits.parse::<u8>().map_err(|_| bad())?)
            }
        };

        Period::new(year, periodicity, index).map_err(|e| {
            Error::invalid(
                "period",
                format!("'{}' is not a period ({e}); {ACCEPTED_FORMS}", text::quoted(s)),
            )
        })
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for text in ["2026-M07", "2026-M12", "2026-Q3", "2026-H2", "2026"] {
            let period: Period = text.parse().unwrap();
            assert_eq!(period.to_string(), text);
        }
    }

    #[test]
    fn bad_period_string_quotes_it_and_lists_accepted_forms() {
        for text in ["2026-7", "2026-M7", "2026-Q5", "2026-M13", "26-Q1", "Q3-2026", "", "2026-H0"]
        {
            let err = text.parse::<Period>().unwrap_err().to_string();
            assert!(err.contains(&format!("'{text}'")), "{err}");
            assert!(err.contains("2026-M07"), "{err}");
            assert!(err.contains("period"), "{err}");
        }
    }

    #[test]
    fn first_and_last_days_cover_the_period() {
        let feb: Period = "2024-M02".parse().unwrap();
        assert_eq!(feb.last_day(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        let h2: Period = "2026-H2".parse().unwrap();
        assert_eq!(h2.first_day(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(h2.last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        let year: Period = "2026".parse().unwrap();
        assert_eq!(year.last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    }

    #[test]
    fn next_and_previous_cross_year_boundaries() {
        let dec: Period = "2025-M12".parse().unwrap();
        assert_eq!(dec.next().to_string(), "2026-M01");
        assert_eq!(dec.next().previous(), dec);
        let q1: Period = "2026-Q1".parse().unwrap();
        assert_eq!(q1.previous().to_string(), "2025-Q4");
    }

    #[test]
    fn periods_of_a_year_are_in_order() {
        let months = Period::of_year(2026, Periodicity::Monthly).unwrap();
        assert_eq!(months.len(), 12);
        assert!(months.windows(2).all(|w| w[0] < w[1] && w[0].next() == w[1]));
        let day = NaiveDate::from_ymd_opt(2026, 8, 15).unwrap();
        assert_eq!(Period::containing(day, Periodicity::Quarterly).unwrap().to_string(), "2026-Q3");
    }

    #[test]
    fn through_lists_a_range() {
        let from: Period = "2025-Q3".parse().unwrap();
        let to: Period = "2026-Q2".parse().unwrap();
        let all: Vec<String> = from.through(to).map(|p| p.to_string()).collect();
        assert_eq!(all, ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]);
    }
}
