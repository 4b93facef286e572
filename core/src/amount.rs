//! Reading the numbers clerks type.
//!
//! Values are exact decimals. A clerk types `12,5` as often as `12.5`, and groups
//! thousands with spaces (`1 234 567`), so both are accepted; anything that is not
//! plainly a number is refused with a message that says what was typed and why,
//! rather than guessed at.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What kind of number an indicator takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ValueKind {
    /// A whole number (people, units, objects).
    Integer,
    /// A decimal with at most `places` digits after the separator.
    Decimal {
        /// The largest number of digits after the decimal separator.
        places: u32,
    },
    /// A percentage with at most `places` digits after the separator.
    Percent {
        /// The largest number of digits after the decimal separator.
        places: u32,
    },
    /// A yes/no code as statistical forms use it: 1 is yes, 2 is no.
    YesNo,
}

impl ValueKind {
    /// Parses and checks a typed number for this kind.
    ///
    /// ```
    /// use citypassport_core::ValueKind;
    ///
    /// let kind = ValueKind::Decimal { places: 1 };
    /// assert_eq!(kind.parse("12,5")?.to_string(), "12.5");
    /// assert!(kind.parse("н/д").is_err());
    /// # Ok::<(), citypassport_core::Error>(())
    /// ```
    pub fn parse(self, text: &str) -> Result<Decimal> {
        let number = parse_number(text)?;
        self.check(number)?;
        Ok(number.normalize())
    }

    /// Checks that an exact number fits this kind.
    pub fn check(self, number: Decimal) -> Result<()> {
        let places = number.normalize().scale();
        match self {
            ValueKind::Integer if places > 0 => Err(Error::invalid(
                "value",
                format!("{number} is not a whole number; this indicator takes whole numbers"),
            )),
            ValueKind::Decimal { places: max } | ValueKind::Percent { places: max }
                if places > max =>
            {
                Err(Error::invalid(
                    "value",
                    format!(
                        "{number} has {places} digits after the separator; at most {max} allowed"
                    ),
                ))
            }
            ValueKind::YesNo if number != Decimal::ONE && number != Decimal::TWO => {
                Err(Error::invalid(
                    "value",
                    format!("{number} is not a yes/no code; use 1 (yes) or 2 (no)"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The name used in catalog files: `integer`, `decimal:2`, `percent:1`, `yes_no`.
    pub fn to_code(self) -> String {
        match self {
            ValueKind::Integer => "integer".into(),
            ValueKind::Decimal { places } => format!("decimal:{places}"),
            ValueKind::Percent { places } => format!("percent:{places}"),
            ValueKind::YesNo => "yes_no".into(),
        }
    }
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_code())
    }
}

impl FromStr for ValueKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "value kind",
                format!("'{s}' is not one of integer, decimal:N, percent:N, yes_no"),
            )
        };
        let text = s.trim().to_ascii_lowercase();
        let (name, places) = match text.split_once(':') {
            Some((name, places)) => {
                (name.to_string(), Some(places.parse::<u32>().map_err(|_| bad())?))
            }
            None => (text.clone(), None),
        };
        if places.is_some_and(|p| p > 10) {
            return Err(bad());
        }
        match (name.as_str(), places) {
            ("integer", None) => Ok(ValueKind::Integer),
            ("decimal", p) => Ok(ValueKind::Decimal { places: p.unwrap_or(2) }),
            ("percent", p) => Ok(ValueKind::Percent { places: p.unwrap_or(1) }),
            ("yes_no" | "yesno", None) => Ok(ValueKind::YesNo),
            _ => Err(bad()),
        }
    }
}

/// The longest text accepted as a number; longer input is refused before parsing.
const MAX_NUMBER_TEXT: usize = 64;

/// The spaces a clerk groups thousands with: ordinary, no-break, narrow no-break and
/// thin spaces.
fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}')
}

/// Parses a number as a clerk types it: an optional sign, digits optionally grouped in
/// thousands by single spaces (`1 234 567,5`), and one decimal separator, `.` or `,`.
///
/// A space anywhere else (`12 5`, `1 23`, `12,5 0`, `- 5`) is refused rather than
/// dropped: read as a thousands separator it would silently turn `12 5` into 125.
pub fn parse_number(text: &str) -> Result<Decimal> {
    let trimmed = text.trim();
    if trimmed.chars().count() > MAX_NUMBER_TEXT {
        return Err(Error::invalid("value", format!("longer than {MAX_NUMBER_TEXT} characters")));
    }
    let shown = trimmed;
    if trimmed.is_empty() {
        return Err(Error::invalid(
            "value",
            "empty; type a number, or mark the value not applicable",
        ));
    }

    let compact: String = trimmed.chars().filter(|c| !is_group_space(*c)).collect();
    let separators = compact.chars().filter(|c| matches!(c, '.' | ',')).count();
    let valid_chars = compact.char_indices().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, '.' | ',') || (i == 0 && matches!(c, '-' | '+'))
    });

    if !valid_chars || !compact.chars().any(|c| c.is_ascii_digit()) {
        let hint = if looks_like_not_available(trimmed) {
            "; if there is no value, mark it not applicable with a reason"
        } else {
            ""
        };
        return Err(Error::invalid("value", format!("'{shown}' is not a number{hint}")));
    }
    if separators > 1 {
        return Err(Error::invalid(
            "value",
            format!("'{shown}' has more than one decimal separator; group thousands with spaces"),
        ));
    }
    if compact.len() != trimmed.len() {
        check_grouping(trimmed)?;
    }

    let normalized = compact.replace(',', ".");
    if normalized.starts_with('.') || normalized.ends_with('.') || normalized.contains("-.") {
        return Err(Error::invalid(
            "value",
            format!("'{shown}' is not a number: a digit is missing next to the separator"),
        ));
    }
    Decimal::from_str_exact(&normalized).map_err(|_| {
        Error::invalid("value", format!("'{shown}' is out of the range of exact numbers"))
    })
}

/// Checks that the spaces in `text` (trimmed, of valid characters, with at most one
/// decimal separator) group the whole part in thousands: a first group of one to
/// three digits right after the sign, then groups of exactly three, each after a single
/// space, and no space in the fraction.
fn check_grouping(text: &str) -> Result<()> {
    let refuse = || {
        Error::invalid(
            "value",
            format!(
                "'{text}' has a space that does not group thousands; spaces may only \
                 separate groups of three digits, as in 1 234 567,5"
            ),
        )
    };
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = match unsigned.find(['.', ',']) {
        Some(at) => (&unsigned[..at], &unsigned[at + 1..]),
        None => (unsigned, ""),
    };
    if fraction.chars().any(is_group_space) {
        return Err(refuse());
    }
    let mut groups = whole.split(is_group_space);
    let first = groups.next().unwrap_or_default();
    if !(1..=3).contains(&first.len()) {
        return Err(refuse());
    }
    if groups.any(|group| group.len() != 3) {
        return Err(refuse());
    }
    Ok(())
}

fn looks_like_not_available(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["н/д", "нд", "нет", "n/a", "na", "-", "—", "x", "х"].contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn comma_and_point_are_both_decimal_separators() {
        assert_eq!(parse_number("12,5").unwrap(), dec("12.5"));
        assert_eq!(parse_number("12.5").unwrap(), dec("12.5"));
        assert_eq!(parse_number(" -0,25 ").unwrap(), dec("-0.25"));
    }

    #[test]
    fn thousands_grouped_with_spaces_are_read() {
        assert_eq!(parse_number("333 931").unwrap(), dec("333931"));
        assert_eq!(parse_number("1\u{00A0}234,5").unwrap(), dec("1234.5"));
    }

    #[test]
    fn thousands_may_be_grouped_by_any_kind_of_space() {
        for text in ["1 234 567,5", "1\u{00A0}234\u{00A0}567.5", "1\u{202F}234\u{2009}567,5"] {
            assert_eq!(parse_number(text).unwrap(), dec("1234567.5"), "{text:?}");
        }
        assert_eq!(parse_number("-12 345").unwrap(), dec("-12345"));
        assert_eq!(parse_number("+999 000,25").unwrap(), dec("999000.25"));
        assert_eq!(parse_number(" 100 000 ").unwrap(), dec("100000"));
    }

    #[test]
    fn space_that_does_not_group_thousands_is_refused() {
        for text in [
            "12 5",
            "1 23",
            "1234 567",
            "1 2345",
            "1  234",
            "12,5 0",
            "1 234,567 8",
            "- 5",
            "1 ,5",
            "1\u{00A0}23",
            "1 234 56",
        ] {
            let err = parse_number(text).unwrap_err().to_string();
            assert!(
                err.contains("value") && err.contains("does not group thousands"),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn not_available_marks_are_refused_with_a_hint() {
        let err = parse_number("н/д").unwrap_err().to_string();
        assert!(err.contains("value") && err.contains("not applicable"), "{err}");
    }

    #[test]
    fn ambiguous_or_broken_numbers_are_refused() {
        for text in ["1.234,5", "12,", ",5", "1e5", "12abc", "", "--1", "0x10"] {
            assert!(parse_number(text).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn kinds_check_places_and_codes() {
        assert!(ValueKind::Integer.parse("10,0").is_ok());
        assert!(ValueKind::Integer.parse("10,5").is_err());
        assert!(ValueKind::Decimal { places: 1 }.parse("1,25").is_err());
        assert!(ValueKind::Percent { places: 2 }.parse("99,99").is_ok());
        assert!(ValueKind::YesNo.parse("1").is_ok());
        assert!(ValueKind::YesNo.parse("3").is_err());
    }

    #[test]
    fn kind_codes_round_trip() {
        for kind in [
            ValueKind::Integer,
            ValueKind::Decimal { places: 3 },
            ValueKind::Percent { places: 1 },
            ValueKind::YesNo,
        ] {
            assert_eq!(kind.to_code().parse::<ValueKind>().unwrap(), kind);
        }
    }
}
