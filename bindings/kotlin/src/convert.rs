//! How the core's values cross the FFI: the custom types and the small conversions that
//! every module uses.
//!
//! - Calendar dates are [`LocalDate`]: a string `2026-07-01` on the wire and
//!   `java.time.LocalDate` in Kotlin (see `uniffi.toml`).
//! - Instants are `std::time::SystemTime`, which uniffi gives Kotlin as
//!   `java.time.Instant`.
//! - Secrets (session and setup tokens) are the core's [`Secret`]; in Kotlin they are the
//!   hand-written class `city.passport.Secret`, whose `toString()` hides them.
//! - Exact decimals are strings (`"12.5"`), never floating point; Kotlin callers read
//!   them with `java.math.BigDecimal(s)`.
//! - Periods are strings as the core prints them: `2026-M07`, `2026-Q3`, `2026-H2`,
//!   `2026`.

use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use citypassport_core::{Id, Period, Secret};
use rust_decimal::Decimal;

use crate::error::{PassportError, Result};

/// A calendar date without a time zone; `java.time.LocalDate` in Kotlin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(pub NaiveDate);

uniffi::custom_type!(LocalDate, String, {
    lower: |date| date.0.to_string(),
    // Kotlin's LocalDate prints ISO-8601, which is what chrono reads; only a year
    // beyond 9999 could fail here, and that is refused as input.
    try_lift: |text| Ok(LocalDate(text.parse()?)),
});

impl std::str::FromStr for LocalDate {
    type Err = chrono::ParseError;

    /// Reads an ISO-8601 date, `2026-07-01`.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        text.parse().map(LocalDate)
    }
}

impl From<NaiveDate> for LocalDate {
    fn from(date: NaiveDate) -> Self {
        LocalDate(date)
    }
}

uniffi::custom_type!(Secret, String, {
    remote,
    lower: |secret| secret.expose().to_string(),
    try_lift: |text| Ok(Secret::from_string(text)),
});

/// An instant as uniffi carries it (a `java.time.Instant` in Kotlin).
pub(crate) fn instant(at: DateTime<Utc>) -> SystemTime {
    at.into()
}

/// An optional instant.
pub(crate) fn instant_opt(at: Option<DateTime<Utc>>) -> Option<SystemTime> {
    at.map(instant)
}

/// An instant from Kotlin, in UTC.
pub(crate) fn utc(at: SystemTime) -> DateTime<Utc> {
    at.into()
}

/// A period from its printed form; a bad one is the core's `InvalidInput` for `period`,
/// which quotes it and lists the accepted forms.
pub(crate) fn period(text: &str) -> Result<Period> {
    Ok(text.parse::<Period>()?)
}

/// An identifier from Kotlin, exactly as given: like the core, the bindings do not trim
/// it, so `" 1f2e"` is looked up as it is and not found.
pub(crate) fn id(text: &str) -> Id {
    Id::from(text)
}

/// An optional identifier from Kotlin.
pub(crate) fn id_opt(text: Option<String>) -> Option<Id> {
    text.as_deref().map(id)
}

/// An identifier for Kotlin.
pub(crate) fn id_text(id: &Id) -> String {
    id.as_str().to_string()
}

/// An exact decimal from Kotlin text, read as the core reads a clerk's number
/// (`12,5` and `12.5` alike); a bad one names `field`.
pub(crate) fn decimal(field: &str, text: Option<String>) -> Result<Option<Decimal>> {
    text.map(|text| {
        citypassport_core::amount::parse_number(&text).map_err(|e| match e {
            citypassport_core::Error::Invalid { reason, .. } => {
                PassportError::invalid(field, reason)
            }
            other => other.into(),
        })
    })
    .transpose()
}

/// An exact decimal for Kotlin, in its shortest exact form.
pub(crate) fn decimal_text(number: Decimal) -> String {
    number.normalize().to_string()
}

/// A count or number for Kotlin, as an `Int`: Kotlin's unsigned types are awkward to
/// use and invisible to Java callers. Numbers beyond `Int.MAX_VALUE` saturate rather than
/// wrap.
pub(crate) fn int(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

/// A 64-bit number for Kotlin, as a `Long`; saturates like [`int`].
pub(crate) fn long(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A number from Kotlin that must not be negative; a negative one names `field`.
pub(crate) fn non_negative<T: TryFrom<i64>>(field: &str, n: impl Into<i64>) -> Result<T> {
    let n = n.into();
    T::try_from(n).map_err(|_| PassportError::invalid(field, format!("{n} must not be negative")))
}
