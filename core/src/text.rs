//! Limits on free text, so that no field can grow without bound or smuggle control
//! characters into a table or a log.

use crate::error::{Error, Result};

/// Longest name (of a person, an indicator, a department, a section, a unit).
pub const MAX_NAME: usize = 500;
/// Longest reason, comment or methodology text.
pub const MAX_TEXT: usize = 10_000;

/// A one-line text: not blank, at most `max` characters, no control characters.
pub fn check_line(field: &str, text: &str, max: usize) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    check_length(field, text, max)?;
    if text.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters or line breaks"));
    }
    Ok(())
}

/// A multi-line text (may be empty): at most `max` characters, no control characters
/// other than line breaks and tabs.
pub fn check_text(field: &str, text: &str, max: usize) -> Result<()> {
    check_length(field, text, max)?;
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// A reason that must be given: like [`check_text`], but not blank.
pub fn check_reason(field: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid(field, "a reason is required"));
    }
    check_text(field, text, MAX_TEXT)
}

/// Longest piece of refused input an error message quotes.
pub const MAX_QUOTED: usize = 40;

/// The input as an error message may quote it: at most [`MAX_QUOTED`] characters, with
/// control characters shown as U+FFFD, so that a refused megabyte or a line break does
/// not travel on into every log line and message.
pub fn quoted(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(MAX_QUOTED)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if text.chars().nth(MAX_QUOTED).is_some() {
        shown.push('…');
    }
    shown
}

fn check_length(field: &str, text: &str, max: usize) -> Result<()> {
    let length = text.chars().count();
    if length > max {
        return Err(Error::invalid(field, format!("{length} characters, at most {max} allowed")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_input_is_bounded_and_has_no_control_characters() {
        assert_eq!(quoted("2026-M13"), "2026-M13");
        let long = quoted(&"Я".repeat(1000));
        assert_eq!(long.chars().count(), MAX_QUOTED + 1);
        assert!(!quoted("a\nb").contains('\n'));
        assert!(!quoted("ф\u{7}").contains('\u{7}'));
    }

    #[test]
    fn names_are_limited_and_single_line() {
        assert!(check_line("name", "Управление образования", MAX_NAME).is_ok());
        assert!(check_line("name", "  ", MAX_NAME).is_err());
        assert!(check_line("name", "a\nb", MAX_NAME).is_err());
        let long = "я".repeat(MAX_NAME + 1);
        let err = check_line("name", &long, MAX_NAME).unwrap_err().to_string();
        assert!(err.contains("name") && err.contains("at most"), "{err}");
    }
}
