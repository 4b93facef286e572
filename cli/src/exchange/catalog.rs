//! The catalog in and out, in the columns of the shipped `indicators-ru-municipal.csv`
//! that the core's catalog reader takes (see
//! [`read_catalog_csv`](citypassport_core::catalog::read_catalog_csv)).
//!
//! An export writes every column of [`CATALOG_COLUMNS`] for every indicator, so that it
//! says everything a load needs: loading it into a store with the same departments and
//! exporting again gives the same bytes. JSON and Excel files carry the same columns
//! (JSON as keys of one object per indicator); they are turned into that CSV and loaded
//! through the core in one atomic write, so a catalog is loaded whole or not at all.

use std::collections::BTreeMap;
use std::io::Write;

use citypassport_core::{CatalogLoad, Department, DueRule, Id, Indicator, Passport, SessionToken};

use super::xlsx::{self, SheetWriter};
use super::{ExchangeError, Format};

/// The columns of a catalog export, in order.
pub const CATALOG_COLUMNS: [&str; 16] = [
    "code",
    "section",
    "name_ru",
    "unit_ru",
    "okei_code",
    "periodicity",
    "value_kind",
    "due_day",
    "due_months_after",
    "due_days_after",
    "department",
    "min",
    "max",
    "max_change_percent",
    "methodology",
    "first_period",
];

/// The columns that JSON carries as numbers rather than text.
const WHOLE_NUMBER_COLUMNS: [&str; 3] = ["due_day", "due_months_after", "due_days_after"];

/// The worksheet a catalog workbook is written to and read from first.
pub const CATALOG_SHEET: &str = "catalog";

/// One indicator as a row of [`CATALOG_COLUMNS`], with its department by name.
pub fn catalog_row(indicator: &Indicator, departments: &BTreeMap<Id, String>) -> Vec<String> {
    let (due_day, due_months, due_days) = match indicator.due {
        DueRule::DayOfMonthAfter { day, months_after } => {
            (day.to_string(), months_after.to_string(), String::new())
        }
        DueRule::DaysAfter { days } => (String::new(), String::new(), days.to_string()),
    };
    let decimal = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    let rules = &indicator.plausibility;
    vec![
        indicator.code.clone(),
        indicator.section.clone(),
        indicator.name.clone(),
        indicator.unit.name.clone(),
        indicator.unit.okei.clone().unwrap_or_default(),
        indicator.periodicity.as_str().to_string(),
        indicator.kind.to_code(),
        due_day,
        due_months,
        due_days,
        indicator.department.as_ref().and_then(|d| departments.get(d)).cloned().unwrap_or_default(),
        decimal(rules.min),
        decimal(rules.max),
        decimal(rules.max_change_percent),
        indicator.methodology.clone(),
        indicator.first_period.map(|p| p.to_string()).unwrap_or_default(),
    ]
}

/// The rows of a whole catalog, in the order the passport keeps it (by section, then
/// code).
pub fn catalog_rows(indicators: &[Indicator], departments: &[Department]) -> Vec<Vec<String>> {
    let names: BTreeMap<Id, String> =
        departments.iter().map(|d| (d.id.clone(), d.name.clone())).collect();
    indicators.iter().map(|i| catalog_row(i, &names)).collect()
}

/// Writes catalog rows (as [`catalog_rows`] makes them) in `format` into `out`.
pub fn write_catalog<W: Write + Send>(
    rows: &[Vec<String>],
    format: Format,
    mut out: W,
) -> Result<(), ExchangeError> {
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CATALOG_COLUMNS)?;
            for row in rows {
                writer.write_record(row)?;
            }
            writer.flush().map_err(|e| ExchangeError::io("writing CSV", e))
        }
        Format::Json => {
            let mut text = String::from("[");
            for (index, row) in rows.iter().enumerate() {
                text.push_str(if index == 0 { "\n" } else { ",\n" });
                text.push_str(&json_object(row));
            }
            text.push_str(if rows.is_empty() { "]\n" } else { "\n]\n" });
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| ExchangeError::io("writing JSON", e))
        }
        Format::Xlsx => {
            let widths = [
                14.0, 24.0, 50.0, 16.0, 9.0, 12.0, 11.0, 8.0, 8.0, 8.0, 30.0, 8.0, 8.0, 8.0, 40.0,
                11.0,
            ];
            let mut sheet = SheetWriter::new(CATALOG_SHEET, &CATALOG_COLUMNS, &widths)?;
            for row in rows {
                sheet.write_row(row)?;
            }
            sheet.finish(out)
        }
    }
}

/// One indicator as a one-line JSON object: the columns in order, empty ones left out,
/// due-date numbers as numbers and everything else (decimals too) as text.
fn json_object(row: &[String]) -> String {
    let fields: Vec<String> = CATALOG_COLUMNS
        .iter()
        .zip(row)
        .filter(|(_, value)| !value.is_empty())
        .map(|(column, value)| {
            let json = if WHOLE_NUMBER_COLUMNS.contains(column) {
                value.clone()
            } else {
                serde_json::to_string(value).expect("strings serialize")
            };
            format!("\"{column}\": {json}")
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// A catalog file of any format, turned into the CSV the core's catalog reader takes.
#[derive(Debug, Clone)]
pub struct CatalogFile {
    format: Format,
    csv: Vec<u8>,
    /// The file's own row number of each CSV data line, in order: line `n` of the CSV
    /// (the header is line 1) came from `rows[n - 2]`.
    rows: Vec<usize>,
}

impl CatalogFile {
    /// Reads a catalog file. A cell that cannot be read as text (an Excel error, a
    /// JSON number with a fraction) is reported with its place, and the whole file is
    /// refused: a catalog loads whole or not at all.
    pub fn read(bytes: &[u8], format: Format) -> Result<Self, ExchangeError> {
        match format {
            Format::Csv => {
                let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                Ok(CatalogFile { format, csv: bytes.to_vec(), rows: Vec::new() })
            }
            Format::Json => read_json(bytes),
            Format::Xlsx => read_xlsx(bytes),
        }
    }

    /// The catalog as CSV for [`Passport::load_catalog_csv`].
    pub fn csv(&self) -> &[u8] {
        &self.csv
    }

    /// The passport's error about the CSV, with its line numbers turned into the rows
    /// or items of the file that was read.
    pub fn explain(&self, error: citypassport_core::Error) -> ExchangeError {
        let place = match self.format {
            Format::Csv => return error.into(),
            Format::Json => "item",
            Format::Xlsx => "row",
        };
        ExchangeError::Unreadable(renumber_lines(&error.to_string(), |line| {
            line.checked_sub(2).and_then(|i| self.rows.get(i)).map(|row| format!("{place} {row}"))
        }))
    }
}

/// Replaces every `line N` in `text` by what `place(N)` gives, where it gives one.
fn renumber_lines(text: &str, place: impl Fn(usize) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("line ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "line ".len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let inside_a_word = rest[..at].chars().next_back().is_some_and(char::is_alphanumeric);
        let replacement = if inside_a_word {
            None
        } else {
            after[..digits].parse::<usize>().ok().and_then(&place)
        };
        match replacement {
            Some(replacement) => out.push_str(&replacement),
            None => out.push_str(&rest[at..at + "line ".len() + digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

fn to_csv(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, ExchangeError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.into_inner().map_err(|e| ExchangeError::io("building CSV", e.into_error()))
}

fn read_json(bytes: &[u8]) -> Result<CatalogFile, ExchangeError> {
    let document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ExchangeError::Unreadable(format!("not JSON: {e}")))?;
    let serde_json::Value::Array(items) = document else {
        return Err(ExchangeError::Unreadable(
            "a catalog in JSON is an array of objects, one per indicator".into(),
        ));
    };
    // The header is every key, in the order keys first appear.
    let mut header: Vec<String> = Vec::new();
    for item in &items {
        if let serde_json::Value::Object(fields) = item {
            for key in fields.keys() {
                if !header.contains(key) {
                    header.push(key.clone());
                }
            }
        }
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_number = index + 1;
        let serde_json::Value::Object(fields) = item else {
            errors.push(format!("item {item_number}: expected an object"));
            continue;
        };
        let mut row = Vec::with_capacity(header.len());
        for key in &header {
            let text = match fields.get(key) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
                Some(serde_json::Value::Number(n)) => {
                    errors.push(format!(
                        "item {item_number}, field {key}: {n} has a fraction, which JSON \
                         readers turn into a binary float; write it as a string, e.g. \"{n}\""
                    ));
                    continue;
                }
                Some(_) => {
                    errors.push(format!("item {item_number}, field {key}: expected text"));
                    continue;
                }
            };
            row.push(text);
        }
        rows.push(row);
    }
    if !errors.is_empty() {
        return Err(ExchangeError::Unreadable(format!(
            "the catalog was not loaded: {}",
            errors.join("; ")
        )));
    }
    let csv = to_csv(&header, &rows)?;
    Ok(CatalogFile { format: Format::Json, csv, rows: (1..=items.len()).collect() })
}

fn read_xlsx(bytes: &[u8]) -> Result<CatalogFile, ExchangeError> {
    let sheet = xlsx::read_sheet(bytes, CATALOG_SHEET)?;
    let header: Vec<String> = sheet.header.iter().map(|(_, text)| text.clone()).collect();
    let mut rows = Vec::new();
    let mut places = Vec::new();
    let mut errors = Vec::new();
    for (row_number, cells) in &sheet.rows {
        let mut row = Vec::with_capacity(header.len());
        for (column, name) in &sheet.header {
            match xlsx::cell_text(&xlsx::cell(cells, Some(*column))) {
                Ok(text) => row.push(text),
                Err(reason) => {
                    errors.push(format!(
                        "row {row_number}, column {} ({name}): {reason}",
                        xlsx::column_letter(*column)
                    ));
                    row.push(String::new());
                }
            }
        }
        rows.push(row);
        places.push(*row_number);
    }
    if !errors.is_empty() {
        return Err(ExchangeError::Unreadable(format!(
            "the catalog was not loaded: {}",
            errors.join("; ")
        )));
    }
    let csv = to_csv(&header, &rows)?;
    Ok(CatalogFile { format: Format::Xlsx, csv, rows: places })
}

/// Loads a catalog file in one atomic write; see [`Passport::load_catalog_csv`] for
/// what happens to indicators already defined. `departments_by_section` names the
/// responsible department of a section's indicators where the file names none.
pub async fn load_catalog(
    passport: &Passport,
    token: &SessionToken,
    file: &CatalogFile,
    departments_by_section: &BTreeMap<String, Id>,
) -> Result<CatalogLoad, ExchangeError> {
    passport
        .load_catalog_csv(token, file.csv(), departments_by_section)
        .await
        .map_err(|e| file.explain(e))
}

/// Exports the whole catalog in `format` into `out`.
pub async fn export_catalog<W: Write + Send>(
    passport: &Passport,
    token: &SessionToken,
    format: Format,
    out: W,
) -> Result<usize, ExchangeError> {
    let indicators = passport.catalog(token).await?;
    let departments = passport.departments(token).await?;
    let rows = catalog_rows(&indicators, &departments);
    write_catalog(&rows, format, out)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_become_the_rows_of_the_workbook() {
        let text = "invalid catalog file: line 2: bad; line 3: worse; online 7";
        let renumbered = renumber_lines(text, |line| Some(format!("row {}", line + 3)));
        assert_eq!(renumbered, "invalid catalog file: row 5: bad; row 6: worse; online 7");
    }
}
