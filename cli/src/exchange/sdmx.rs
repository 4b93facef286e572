//! Values as SDMX-CSV 1.0, the flat form of SDMX that statistical tools read: one
//! observation a line, the dataflow first, then the dimensions, the value and the
//! attributes.
//!
//! | column | content |
//! |---|---|
//! | `DATAFLOW` | `AGENCY:ID(VERSION)`, by default [`DEFAULT_DATAFLOW`] |
//! | `INDICATOR` | the indicator code |
//! | `TIME_PERIOD` | the period in SDMX form: `2026-07`, `2026-Q3`, `2026-S2`, `2026` |
//! | `OBS_VALUE` | the exact number; empty when the value does not apply |
//! | `OBS_STATUS` | a code of the SDMX list CL_OBS_STATUS, see below |
//! | `UNIT_MEASURE` | the unit's OKEI code (`792` for people), or its name where the unit has none |
//!
//! The unit is the one of the definition in force for the observation's period: a
//! series kept in thousands of roubles until 2008 and in roubles from 2009 says so
//! line by line, and an indicator retired since keeps the unit it had.
//!
//! `OBS_STATUS`: `A` (normal value) for an accepted value, `P` (provisional value) for
//! a submitted one still under review, and `M` (missing value; data cannot exist) for a
//! value marked not applicable, whatever its review status. Drafts and values returned
//! for revision are work in progress and are not exported.

use std::io::Write;

use citypassport_core::governance::CatalogHistory;
use citypassport_core::{Entry, Passport, Period, Periodicity, SessionToken, Value, ValueStatus};

use super::catalog::{catalog_history, definition_in_force};
use super::values::{for_each_value, ValueFilter};
use super::ExchangeError;

/// The columns of an SDMX-CSV export, in order.
pub const SDMX_COLUMNS: [&str; 6] =
    ["DATAFLOW", "INDICATOR", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "UNIT_MEASURE"];

/// The dataflow named in every line unless the caller names another.
pub const DEFAULT_DATAFLOW: &str = "CITYPASSPORT:CITY_PASSPORT(1.0)";

/// The statuses an SDMX export takes: values that were submitted for review.
pub const SDMX_STATUSES: [ValueStatus; 2] = [ValueStatus::Accepted, ValueStatus::Submitted];

/// A period in SDMX's time format: months `2026-07`, quarters `2026-Q3`, half-years
/// `2026-S2` (SDMX calls them semesters), years `2026`.
pub fn time_period(period: Period) -> String {
    let year = period.year();
    let index = period.index();
    match period.periodicity() {
        Periodicity::Monthly => format!("{year}-{index:02}"),
        Periodicity::Quarterly => format!("{year}-Q{index}"),
        Periodicity::HalfYearly => format!("{year}-S{index}"),
        Periodicity::Yearly => format!("{year}"),
    }
}

/// The `OBS_STATUS` code of a value, or none for a value that is not exported (a
/// draft, or returned for revision).
pub fn obs_status(value: &Value) -> Option<&'static str> {
    if !SDMX_STATUSES.contains(&value.status) {
        return None;
    }
    Some(match (&value.entry, value.status) {
        (Entry::NotApplicable { .. }, _) => "M",
        (Entry::Amount { .. }, ValueStatus::Accepted) => "A",
        (Entry::Amount { .. }, _) => "P",
    })
}

/// Exports the values that pass `filter` (and are accepted or submitted) as SDMX-CSV
/// into `out`, reading the store page by page; returns how many lines were written
/// after the header.
pub async fn export_sdmx_csv<W: Write>(
    passport: &Passport,
    token: &SessionToken,
    dataflow: &str,
    filter: &ValueFilter,
    out: W,
    progress: impl FnMut(usize),
) -> Result<usize, ExchangeError> {
    // The catalog's history is small next to the values: read it whole, once.
    let versions = catalog_history(passport, token).await?.into_iter().flatten();
    let history = CatalogHistory::new(versions);

    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(SDMX_COLUMNS)?;
    let mut written = 0;
    for_each_value(
        passport,
        token,
        filter,
        |value| {
            let Some(status) = obs_status(value) else {
                return Ok(());
            };
            let amount = value.entry.amount().map(|a| a.to_string()).unwrap_or_default();
            let unit = definition_in_force(&history, &value.indicator, value.period)
                .map(|d| d.unit.okei.as_ref().unwrap_or(&d.unit.name).as_str())
                .unwrap_or_default();
            writer.write_record([
                dataflow,
                &value.indicator,
                &time_period(value.period),
                &amount,
                status,
                unit,
            ])?;
            written += 1;
            Ok(())
        },
        progress,
    )
    .await?;
    writer.flush().map_err(|e| ExchangeError::io("writing SDMX-CSV", e))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_map_to_sdmx_time_formats() {
        let sdmx = |text: &str| time_period(text.parse().unwrap());
        assert_eq!(sdmx("2026-M07"), "2026-07");
        assert_eq!(sdmx("2026-Q3"), "2026-Q3");
        assert_eq!(sdmx("2026-H2"), "2026-S2");
        assert_eq!(sdmx("2026"), "2026");
    }
}
