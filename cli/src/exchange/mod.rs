//! Moving the catalog and the values in and out of a passport, in the files cities
//! already keep: CSV, JSON and Excel workbooks, and SDMX-CSV for statistical tools.
//!
//! Every reader here turns a file into rows the core checks exactly as it checks a
//! clerk's entry; every writer writes the same columns in the same order, so that a file
//! exported from one store, imported into an empty one and exported again comes out
//! byte for byte the same.
//!
//! Numbers travel as text (`12.5`, `333931`) in every format, never as floating-point
//! numbers, so that no digit is lost on the way.

pub mod catalog;
pub mod sdmx;
pub mod values;
mod xlsx;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

/// A file format for the catalog and for values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated values, UTF-8, with a header line.
    Csv,
    /// A JSON array of objects, one per line.
    Json,
    /// An Excel workbook (`.xlsx`), one worksheet with a header row.
    Xlsx,
}

impl Format {
    /// Every format, in the order the help lists them.
    pub const ALL: [Format; 3] = [Format::Csv, Format::Json, Format::Xlsx];

    /// The format a file's extension names (`.csv`, `.json`, `.xlsx`), if it names one.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        extension.parse().ok()
    }

    /// The format's name: `csv`, `json`, `xlsx`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ExchangeError;

    fn from_str(s: &str) -> Result<Self, ExchangeError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(ExchangeError::Unreadable(format!(
                "'{other}' is not a file format; use csv, json or xlsx"
            ))),
        }
    }
}

/// Why an import or export could not run at all. Nothing was stored when an import
/// fails with one of these, except as [`ExchangeError::PartlyStored`] says.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The file is not in a shape this format allows: a missing column, a workbook
    /// that does not open, text that is not a JSON array. The message says what and
    /// where.
    #[error("{0}")]
    Unreadable(String),

    /// Reading or writing the file failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The cause.
        source: std::io::Error,
    },

    /// Writing a workbook failed.
    #[error("writing the workbook: {0}")]
    Workbook(String),

    /// The passport refused the operation as a whole (a login that expired, a missing
    /// permission, a storage failure).
    #[error(transparent)]
    Passport(#[from] citypassport_core::Error),

    /// Loading a catalog stopped while its later versions were stored one by one: the
    /// message says what was stored before the failure. Loading the same file again
    /// stores the rest, since rows already stored are skipped.
    #[error("{what}: {source}")]
    PartlyStored {
        /// Where it stopped and what was stored.
        what: String,
        /// The cause.
        source: citypassport_core::Error,
    },
}

impl ExchangeError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        ExchangeError::Io { what: what.into(), source }
    }
}

impl From<csv::Error> for ExchangeError {
    fn from(error: csv::Error) -> Self {
        if error.is_io_error() {
            if let csv::ErrorKind::Io(source) = error.into_kind() {
                return ExchangeError::io("CSV", source);
            }
            unreachable!("an I/O error of the CSV reader holds an io::Error");
        }
        ExchangeError::Unreadable(format!("CSV: {error}"))
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExchangeError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        ExchangeError::Workbook(error.to_string())
    }
}

/// A row of an imported file that was not taken, and why.
///
/// It names the row and column the way a person looking at the file counts them: the
/// line of a CSV file (the header is line 1), the row and column letter of a worksheet,
/// the position of an item of a JSON array from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The file's format, which decides how the place is written.
    #[serde(skip)]
    pub format: Format,
    /// The line, row or item number.
    pub row: usize,
    /// The worksheet column letter (`C`), or for CSV and JSON the column name; none
    /// when the row as a whole is at fault.
    pub column: Option<String>,
    /// The field at fault, by its column's name in the format's own terms: for values
    /// `indicator`, `period`, `value`, `not_applicable_reason`, for a catalog one of its
    /// columns (`okei_code`, `effective_from`, ...), or `row` for the whole row.
    pub field: String,
    /// Why, in the words of the error a clerk would get for the same entry.
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.format {
            Format::Csv => "line",
            Format::Json => "item",
            Format::Xlsx => "row",
        };
        write!(f, "{place} {}", self.row)?;
        match (&self.column, self.format) {
            (Some(column), Format::Xlsx) => write!(f, ", column {column} ({})", self.field)?,
            (Some(column), Format::Csv) => write!(f, ", column {column}")?,
            (Some(column), Format::Json) => write!(f, ", field {column}")?,
            (None, _) => {}
        }
        write!(f, ": {}", self.reason)
    }
}

/// A number written the shortest way that reads back as the same binary number: what
/// a spreadsheet shows for a cell that holds a number. Integral numbers lose the `.0`.
pub(crate) fn float_text(number: f64) -> Option<String> {
    if !number.is_finite() {
        return None;
    }
    Some(format!("{number}"))
}
