//! The catalog in and out with its history, in the columns of the shipped
//! `indicators-ru-municipal.csv` that the core's catalog reader takes (see
//! [`read_catalog_csv`]) and three more for the history.
//!
//! # What a catalog file carries
//!
//! One row per version of an indicator's definition, oldest first, so that a store's
//! whole catalog moves to another store: the definitions each period was reported
//! under, and the indicators since retired.
//!
//! - An indicator's first row is its first definition: the columns of
//!   [`DEFINITION_COLUMNS`], with `effective_from` empty. A file of first definitions
//!   only (the shipped catalog, a catalog typed by hand) needs none of the history
//!   columns.
//! - A later row with the same code is a change: its whole new definition, in force
//!   from the period in `effective_from`, with the reason in `change_reason`.
//! - A row with `retired` set to `yes` retires the indicator from the period in
//!   `effective_from`; its definition columns stay empty.
//!
//! An export writes every column of [`CATALOG_COLUMNS`] for every version, so that
//! loading it into a store with the same departments and exporting again gives the same
//! bytes. JSON and Excel files carry the same columns (JSON as keys of one object per
//! row). A text that starts with `=`, `+`, `-` or `@` is written as it is in CSV and
//! JSON, since a round trip must give it back exactly; Excel cells are always written
//! as text, never as formulas (see the `xlsx` module), so opening an export in Excel
//! runs nothing.
//!
//! # How a file is loaded
//!
//! Every row is checked by the core's own catalog reader, one row at a time, and
//! against the store: rows already in the store as they are in the file are left alone,
//! so loading the same file twice is harmless; a row that differs from the version the
//! store holds at its place is refused, as is every later row of its indicator. Each
//! refused row is reported with its row and column, and the good rows are stored: the
//! new first definitions in one atomic write through
//! [`Passport::load_catalog_csv`], then each later version in file order through
//! [`Passport::change_catalog`]. A dry run reports the same and stores nothing.
//!
//! Two shortcomings follow from the core's calls. A later version is its own atomic
//! write: if storing one fails (a storage error), the versions before it stay stored
//! and the error says so; loading the same file again stores the rest, since what is
//! already stored is skipped. And the core checks a change against the versions before
//! it (the periodicity of `effective_from`, a retirement before it) only when it stores
//! the change, so a dry run cannot report those refusals.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use citypassport_core::catalog::{read_catalog_csv, CatalogRow};
use citypassport_core::governance::CatalogHistory;
use citypassport_core::{
    Decision, Department, DueRule, Id, Indicator, IndicatorVersion, Passport, Period,
    ProposedChange, SessionToken,
};
use serde::Serialize;

use super::xlsx::{self, SheetWriter};
use super::{ExchangeError, Format, Refusal};

/// The columns of one definition, in order: those the core's catalog reader takes.
pub const DEFINITION_COLUMNS: [&str; 16] = [
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

/// The columns of the history, after the definition's.
pub const HISTORY_COLUMNS: [&str; 3] = ["effective_from", "retired", "change_reason"];

/// Every column of a catalog export, in order: the definition's, then the history's.
pub const CATALOG_COLUMNS: [&str; 19] = [
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
    "effective_from",
    "retired",
    "change_reason",
];

/// What the `retired` column holds on a retirement row.
pub const RETIRED: &str = "yes";

/// The reason a change is stored with when its row gives none.
pub const DEFAULT_CHANGE_REASON: &str = "loaded from a catalog file";

/// The columns that JSON carries as numbers rather than text.
const WHOLE_NUMBER_COLUMNS: [&str; 3] = ["due_day", "due_months_after", "due_days_after"];

/// The headers the core's reader accepts for a column, where it takes more than one.
const COLUMN_ALIASES: [(&str, &[&str]); 4] = [
    ("name_ru", &["name_ru", "name"]),
    ("unit_ru", &["unit_ru", "unit"]),
    ("okei_code", &["okei_code", "okei"]),
    ("value_kind", &["value_kind", "kind"]),
];

/// The column each field the core's errors name is read from.
const FIELD_COLUMNS: [(&str, &str); 19] = [
    ("code", "code"),
    ("name", "name_ru"),
    ("section", "section"),
    ("unit", "unit_ru"),
    ("okei code", "okei_code"),
    ("periodicity", "periodicity"),
    ("value kind", "value_kind"),
    ("due_day", "due_day"),
    ("due_months_after", "due_months_after"),
    ("due_days_after", "due_days_after"),
    ("department", "department"),
    ("plausibility", "min"),
    ("min", "min"),
    ("max", "max"),
    ("max change percent", "max_change_percent"),
    ("max_change_percent", "max_change_percent"),
    ("methodology", "methodology"),
    ("first period", "first_period"),
    ("first_period", "first_period"),
];

/// The worksheet a catalog workbook is written to and read from first.
pub const CATALOG_SHEET: &str = "catalog";

/// One definition as the cells of [`DEFINITION_COLUMNS`], with its department by name.
pub fn definition_cells(indicator: &Indicator, departments: &BTreeMap<Id, String>) -> Vec<String> {
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

/// One version as a row of [`CATALOG_COLUMNS`]. The first version's reason is left out:
/// loading a first definition records its own.
pub fn version_row(version: &IndicatorVersion, departments: &BTreeMap<Id, String>) -> Vec<String> {
    let mut row = match &version.definition {
        Some(definition) => definition_cells(definition, departments),
        None => {
            let mut cells = vec![String::new(); DEFINITION_COLUMNS.len()];
            cells[0] = version.code.clone();
            cells
        }
    };
    let first = version.effective_from.is_none();
    row.push(version.effective_from.map(|p| p.to_string()).unwrap_or_default());
    row.push(if version.definition.is_none() { RETIRED.into() } else { String::new() });
    row.push(if first { String::new() } else { version.reason.clone() });
    row
}

/// Every version of every indicator the store knows, retired ones too: one list per
/// indicator, oldest version first, the indicators in catalog order (by the position of
/// the section of their newest definition, then by code).
pub async fn catalog_history(
    passport: &Passport,
    token: &SessionToken,
) -> Result<Vec<Vec<IndicatorVersion>>, ExchangeError> {
    let mut codes: BTreeSet<String> =
        passport.catalog(token).await?.into_iter().map(|i| i.code).collect();
    // The current catalog leaves retired indicators out; every retirement is an
    // approved change proposal, which names the indicator.
    for proposal in passport.proposals(token, Some(Decision::Approved)).await? {
        if matches!(proposal.change, ProposedChange::Retire { .. }) {
            codes.insert(proposal.change.code().trim().to_string());
        }
    }

    let positions: BTreeMap<String, u32> =
        passport.sections(token).await?.into_iter().map(|s| (s.name, s.position)).collect();
    let mut histories = Vec::with_capacity(codes.len());
    for code in &codes {
        let mut versions = passport.indicator_history(token, code).await?;
        versions.sort_by_key(|v| v.number);
        histories.push(versions);
    }
    let place = |versions: &Vec<IndicatorVersion>| {
        let newest = versions
            .iter()
            .filter(|v| v.definition.is_some())
            .max_by_key(|v| (v.effective_from.map(|p| p.first_day()), v.number))
            .and_then(|v| v.definition.as_ref());
        let position = newest.and_then(|d| positions.get(&d.section)).copied().unwrap_or(u32::MAX);
        (position, versions.first().map(|v| v.code.clone()).unwrap_or_default())
    };
    histories.sort_by_cached_key(place);
    Ok(histories)
}

/// The rows of a whole catalog history (as [`catalog_history`] gives it).
pub fn history_rows(
    histories: &[Vec<IndicatorVersion>],
    departments: &[Department],
) -> Vec<Vec<String>> {
    let names: BTreeMap<Id, String> =
        departments.iter().map(|d| (d.id.clone(), d.name.clone())).collect();
    histories.iter().flatten().map(|v| version_row(v, &names)).collect()
}

/// The definition of `code` in force for `period`, from a whole history: the version
/// the core's history picks, or, for a period the indicator is retired for, the last
/// definition before the retirement.
pub fn definition_in_force<'a>(
    history: &'a CatalogHistory,
    code: &str,
    period: Period,
) -> Option<&'a Indicator> {
    if let Some(definition) =
        history.version_for(code, period, None).and_then(|v| v.definition.as_ref())
    {
        return Some(definition);
    }
    history
        .versions(code)
        .iter()
        .filter(|v| v.effective_from.is_none_or(|p| p.first_day() <= period.first_day()))
        .filter(|v| v.definition.is_some())
        .max_by_key(|v| (v.effective_from.map(|p| p.first_day()), v.number))
        .and_then(|v| v.definition.as_ref())
}

/// Writes catalog rows (as [`history_rows`] makes them) in `format` into `out`.
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
                11.0, 11.0, 8.0, 30.0,
            ];
            let mut sheet = SheetWriter::new(CATALOG_SHEET, &CATALOG_COLUMNS, &widths)?;
            for row in rows {
                sheet.write_row(row)?;
            }
            sheet.finish(out)
        }
    }
}

/// One row as a one-line JSON object: the columns in order, empty ones left out,
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

/// What a catalog export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CatalogExport {
    /// Indicators, retired ones included.
    pub indicators: usize,
    /// Of those, the retired ones.
    pub retired: usize,
    /// Rows: one per version.
    pub rows: usize,
}

/// Exports the whole catalog with its history in `format` into `out`.
pub async fn export_catalog<W: Write + Send>(
    passport: &Passport,
    token: &SessionToken,
    format: Format,
    out: W,
) -> Result<CatalogExport, ExchangeError> {
    let histories = catalog_history(passport, token).await?;
    let departments = passport.departments(token).await?;
    let rows = history_rows(&histories, &departments);
    write_catalog(&rows, format, out)?;
    let history = CatalogHistory::new(histories.iter().flatten().cloned());
    let retired = history.codes().filter(|code| is_retired(&history, code)).count();
    Ok(CatalogExport { indicators: histories.len(), retired, rows: rows.len() })
}

/// Whether the newest version of `code` (by the period it starts from) is a retirement.
fn is_retired(history: &CatalogHistory, code: &str) -> bool {
    history
        .versions(code)
        .iter()
        .max_by_key(|v| (v.effective_from.map(|p| p.first_day()), v.number))
        .is_some_and(|v| v.definition.is_none())
}

/// A catalog file of any format, read into rows of text cells under one header.
#[derive(Debug, Clone)]
pub struct CatalogFile {
    format: Format,
    /// The header as the file names its columns.
    header: Vec<String>,
    /// How a refusal names each column: its header (CSV, JSON) or its letter (Excel).
    places: Vec<String>,
    rows: Vec<FileRow>,
    /// The readable rows as the CSV the core's reader takes.
    csv: Vec<u8>,
    /// The file's own row number of each data line of `csv`, in order.
    csv_rows: Vec<usize>,
}

/// One row of a catalog file.
#[derive(Debug, Clone)]
struct FileRow {
    /// The line (CSV), item (JSON) or row (Excel) number.
    row: usize,
    /// The cells, one per header column; an unreadable cell is empty.
    cells: Vec<String>,
    /// Why the row could not be read, if it could not.
    unreadable: Option<Refusal>,
}

impl CatalogFile {
    /// Reads a catalog file. A file that is not of the format's shape (no header with
    /// the columns the core's reader requires, a workbook that does not open, JSON that
    /// is not an array) is an error; a row with a cell that cannot be read as text (an
    /// Excel error, a JSON number with a fraction) is kept as a refusal.
    pub fn read(bytes: &[u8], format: Format) -> Result<Self, ExchangeError> {
        let (header, places, rows) = match format {
            Format::Csv => read_csv(bytes)?,
            Format::Json => read_json(bytes)?,
            Format::Xlsx => read_xlsx(bytes)?,
        };
        // An empty JSON array is an empty catalog; any other file names its columns.
        if !(format == Format::Json && header.is_empty()) {
            read_catalog_csv(to_csv(&header, &[])?.as_slice())
                .map_err(|e| ExchangeError::Unreadable(e.to_string()))?;
        }
        let readable: Vec<&FileRow> = rows.iter().filter(|r| r.unreadable.is_none()).collect();
        let cells: Vec<Vec<String>> = readable.iter().map(|r| r.cells.clone()).collect();
        let csv = to_csv(&header, &cells)?;
        let csv_rows = readable.iter().map(|r| r.row).collect();
        Ok(CatalogFile { format, header, places, rows, csv, csv_rows })
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// How many rows the file holds, good and bad.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file holds no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows refused while reading, before any check.
    pub fn unreadable_rows(&self) -> impl Iterator<Item = &Refusal> {
        self.rows.iter().filter_map(|r| r.unreadable.as_ref())
    }

    /// The readable rows as one CSV for the core's
    /// [`read_catalog_csv`](citypassport_core::catalog::read_catalog_csv).
    pub fn csv(&self) -> &[u8] {
        &self.csv
    }

    /// The core's error about [`csv`](Self::csv), with its line numbers turned into the
    /// lines, rows or items of the file that was read.
    pub fn explain(&self, error: citypassport_core::Error) -> ExchangeError {
        ExchangeError::Unreadable(renumber(&error.to_string(), self.format, &self.csv_rows))
    }

    /// The index of the column whose header is `column` or one of its aliases.
    fn column(&self, column: &str) -> Option<usize> {
        let single = [column];
        let names = COLUMN_ALIASES
            .iter()
            .find(|(name, _)| *name == column)
            .map_or(&single[..], |(_, names)| names);
        names.iter().find_map(|name| self.header.iter().position(|h| h == name))
    }

    /// The text of `column` in a row, empty when the file has no such column.
    fn cell<'a>(&self, row: &'a FileRow, column: &str) -> &'a str {
        self.column(column).and_then(|i| row.cells.get(i)).map_or("", |c| c.trim())
    }

    /// A refusal of `row` at `column` (one of [`CATALOG_COLUMNS`], or `row`).
    fn refusal(&self, row: &FileRow, column: &str, reason: impl Into<String>) -> Refusal {
        Refusal {
            format: self.format,
            row: row.row,
            column: self.column(column).map(|i| self.places[i].clone()),
            field: column.to_string(),
            reason: reason.into(),
        }
    }

    /// The row checked by the core's catalog reader, and its history columns read.
    fn parse(&self, row: &FileRow) -> Result<ParsedRow, Refusal> {
        let effective_from = match self.cell(row, "effective_from") {
            "" => None,
            text => Some(text.parse::<Period>().map_err(|e| {
                self.refusal(row, "effective_from", strip_field(&e.to_string(), "period"))
            })?),
        };
        let reason = self.cell(row, "change_reason").to_string();
        let retirement = match self.cell(row, "retired") {
            "" => false,
            RETIRED => true,
            other => {
                return Err(self.refusal(
                    row,
                    "retired",
                    format!("'{other}' is not '{RETIRED}'; leave it empty for a definition"),
                ))
            }
        };
        if retirement {
            if effective_from.is_none() {
                return Err(self.refusal(
                    row,
                    "effective_from",
                    "missing; a retirement needs the first period it applies to",
                ));
            }
            let code = self.cell(row, "code").to_string();
            if code.is_empty() {
                return Err(self.refusal(row, "code", "missing; every row needs a code"));
            }
            return Ok(ParsedRow { code, definition: None, effective_from, reason });
        }

        // The core's reader is the judge of a definition: the row alone under the header.
        let csv = to_csv(&self.header, std::slice::from_ref(&row.cells))
            .map_err(|e| self.refusal(row, "row", e.to_string()))?;
        let mut parsed = read_catalog_csv(csv.as_slice()).map_err(|error| {
            let (field, reason) = core_row_error(&error);
            let column = self.failing_column(row, &field);
            self.refusal(row, column, reason)
        })?;
        let definition =
            parsed.pop().ok_or_else(|| self.refusal(row, "row", "the row is empty"))?;
        let code = definition.indicator.code.clone();
        Ok(ParsedRow { code, definition: Some(definition), effective_from, reason })
    }

    /// The column a field of the core's errors is read from in `row`.
    fn failing_column(&self, row: &FileRow, field: &str) -> &'static str {
        if field == "due rule" {
            return if self.cell(row, "due_days_after").is_empty() {
                "due_day"
            } else {
                "due_days_after"
            };
        }
        FIELD_COLUMNS.iter().find(|(f, _)| *f == field).map_or("row", |(_, column)| column)
    }
}

/// A row of a catalog file as checked: a definition, or a retirement when none.
#[derive(Debug, Clone)]
struct ParsedRow {
    code: String,
    definition: Option<CatalogRow>,
    effective_from: Option<Period>,
    reason: String,
}

/// The field and reason of the core's error about a one-row catalog CSV.
fn core_row_error(error: &citypassport_core::Error) -> (String, String) {
    let text = match error {
        citypassport_core::Error::Invalid { reason, .. } => reason.clone(),
        other => other.to_string(),
    };
    let text = text.strip_prefix("line 2: ").unwrap_or(&text);
    // The reader reports each row's error as the core's "invalid FIELD: REASON".
    match text.strip_prefix("invalid ").and_then(|rest| rest.split_once(": ")) {
        Some((field, reason)) => (field.to_string(), reason.to_string()),
        None => ("row".to_string(), text.to_string()),
    }
}

/// `message` without the core's "invalid FIELD: " in front.
fn strip_field(message: &str, field: &str) -> String {
    let prefix = format!("invalid {field}: ");
    message.strip_prefix(&prefix).unwrap_or(message).to_string()
}

/// How a person finds row `row` of a file: `line 3` (CSV), `item 3` (JSON), `row 3`
/// (Excel).
fn place_of(format: Format, row: usize) -> String {
    let word = match format {
        Format::Csv => "line",
        Format::Json => "item",
        Format::Xlsx => "row",
    };
    format!("{word} {row}")
}

/// Replaces every `line N` of the core's message about a CSV built from the file's
/// rows by the place of `rows[N - 2]` in the file.
fn renumber(text: &str, format: Format, rows: &[usize]) -> String {
    renumber_lines(text, |line| {
        line.checked_sub(2).and_then(|i| rows.get(i)).map(|&row| place_of(format, row))
    })
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

/// The header, how refusals name its columns, and the rows of a file.
type ReadFile = (Vec<String>, Vec<String>, Vec<FileRow>);

fn read_csv(bytes: &[u8]) -> Result<ReadFile, ExchangeError> {
    // Excel saves CSV with a byte-order mark, which would stick to the first header.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                if record.iter().all(str::is_empty) {
                    continue;
                }
                let row = record.position().map_or(0, |p| p.line() as usize);
                let mut cells: Vec<String> = record.iter().map(str::to_string).collect();
                cells.resize(header.len(), String::new());
                rows.push(FileRow { row, cells, unreadable: None });
            }
            Err(error) => {
                let row = error.position().map_or(0, |p| p.line() as usize);
                let reason = match error.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("{len} fields where the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text; save the file as UTF-8".into(),
                    _ => error.to_string(),
                };
                let unreadable =
                    Refusal { format: Format::Csv, row, column: None, field: "row".into(), reason };
                let cells = vec![String::new(); header.len()];
                rows.push(FileRow { row, cells, unreadable: Some(unreadable) });
            }
        }
    }
    Ok((header.clone(), header, rows))
}

fn read_json(bytes: &[u8]) -> Result<ReadFile, ExchangeError> {
    let document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ExchangeError::Unreadable(format!("not JSON: {e}")))?;
    let serde_json::Value::Array(items) = document else {
        return Err(ExchangeError::Unreadable(
            "a catalog in JSON is an array of objects, one per row".into(),
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
    for (index, item) in items.iter().enumerate() {
        let row = index + 1;
        let refuse = |column: Option<&str>, reason: String| Refusal {
            format: Format::Json,
            row,
            column: column.map(str::to_string),
            field: column.unwrap_or("row").to_string(),
            reason,
        };
        let mut cells = Vec::with_capacity(header.len());
        let mut unreadable = None;
        match item {
            serde_json::Value::Object(fields) => {
                for key in &header {
                    let text = match fields.get(key) {
                        None | Some(serde_json::Value::Null) => String::new(),
                        Some(serde_json::Value::String(text)) => text.clone(),
                        Some(serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => {
                            n.to_string()
                        }
                        Some(serde_json::Value::Number(n)) => {
                            unreadable.get_or_insert(refuse(
                                Some(key),
                                format!(
                                    "{n} has a fraction, which JSON readers turn into a binary \
                                     float; write it as a string, e.g. \"{n}\""
                                ),
                            ));
                            String::new()
                        }
                        Some(_) => {
                            unreadable.get_or_insert(refuse(Some(key), "expected text".into()));
                            String::new()
                        }
                    };
                    cells.push(text);
                }
            }
            _ => {
                cells.resize(header.len(), String::new());
                unreadable = Some(refuse(None, "expected an object".into()));
            }
        }
        rows.push(FileRow { row, cells, unreadable });
    }
    Ok((header.clone(), header, rows))
}

fn read_xlsx(bytes: &[u8]) -> Result<ReadFile, ExchangeError> {
    let sheet = xlsx::read_sheet(bytes, CATALOG_SHEET)?;
    let header: Vec<String> = sheet.header.iter().map(|(_, text)| text.clone()).collect();
    let places: Vec<String> =
        sheet.header.iter().map(|(column, _)| xlsx::column_letter(*column)).collect();
    let mut rows = Vec::new();
    for (row, cells) in &sheet.rows {
        let mut texts = Vec::with_capacity(header.len());
        let mut unreadable = None;
        for (column, name) in &sheet.header {
            match xlsx::cell_text(&xlsx::cell(cells, Some(*column))) {
                Ok(text) => texts.push(text),
                Err(reason) => {
                    unreadable.get_or_insert(Refusal {
                        format: Format::Xlsx,
                        row: *row,
                        column: Some(xlsx::column_letter(*column)),
                        field: name.clone(),
                        reason,
                    });
                    texts.push(String::new());
                }
            }
        }
        rows.push(FileRow { row: *row, cells: texts, unreadable });
    }
    Ok((header, places, rows))
}

/// How a catalog file is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogOptions {
    /// Check every row and store nothing.
    pub dry_run: bool,
    /// Store retirements; without, they are held back (and the later rows of their
    /// indicators with them), so that a store being filled from another can still take
    /// the values of indicators retired later: load the file again with retirements
    /// once the values are in.
    pub retirements: bool,
}

impl Default for CatalogOptions {
    fn default() -> Self {
        CatalogOptions { dry_run: false, retirements: true }
    }
}

/// What loading a catalog file did, or in a dry run would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogImport {
    /// Rows read from the file.
    pub rows: usize,
    /// New indicators: first definitions added.
    pub added: usize,
    /// Later versions added: changes and retirements.
    pub versions_added: usize,
    /// Rows the store already held as they are in the file.
    pub unchanged: usize,
    /// Retirements held back (see [`CatalogOptions::retirements`]), with the rows of
    /// their indicators after them.
    pub held_back: usize,
    /// Sections the new definitions add.
    pub sections_added: usize,
    /// Whether anything was stored.
    pub stored: bool,
    /// Every refused row, in file order.
    pub refused: Vec<Refusal>,
}

/// A row to store after the first definitions.
struct LaterVersion {
    index: usize,
    code: String,
    change: ProposedChange,
    effective_from: Period,
    reason: String,
}

/// Which rows of a file are new, already stored or refused.
#[derive(Default)]
struct Plan {
    /// New first definitions, by index into the file's rows.
    first: Vec<usize>,
    later: Vec<LaterVersion>,
    report: CatalogImport,
}

/// What the plan knows of one code of the file.
#[derive(Default)]
struct CodeState {
    /// The store's versions of the code, oldest first.
    stored: Vec<IndicatorVersion>,
    /// How many rows of the code were seen.
    rows: usize,
    /// Why the code's later rows cannot be taken, once one of its rows could not.
    blocked: Option<String>,
    /// Whether a retirement of the code was held back.
    held: bool,
}

/// Loads a catalog file: checks every row (see the [module](self) documentation),
/// reports each refused row with its place in the file, and stores the rest unless it
/// is a dry run. `departments_by_section` names the responsible department of a
/// section's indicators where a row names none.
///
/// A failure that stops the load is an error: before anything is stored (a storage
/// error, a login that expired, a missing permission), nothing is; while later versions
/// are stored, [`ExchangeError::PartlyStored`] says what was.
pub async fn load_catalog(
    passport: &Passport,
    token: &SessionToken,
    file: &CatalogFile,
    departments_by_section: &BTreeMap<String, Id>,
    options: CatalogOptions,
) -> Result<CatalogImport, ExchangeError> {
    let mut plan = plan(passport, token, file, departments_by_section, options).await?;
    if options.dry_run {
        plan.report.versions_added = plan.later.len();
        plan.report.refused.sort_by_key(|r| r.row);
        return Ok(plan.report);
    }

    if !plan.first.is_empty() {
        let rows: Vec<Vec<String>> =
            plan.first.iter().map(|&i| file.rows[i].cells.clone()).collect();
        let places: Vec<usize> = plan.first.iter().map(|&i| file.rows[i].row).collect();
        let csv = to_csv(&file.header, &rows)?;
        passport.load_catalog_csv(token, csv.as_slice(), departments_by_section).await.map_err(
            |e| match e {
                citypassport_core::Error::Invalid { .. } => {
                    ExchangeError::Unreadable(renumber(&e.to_string(), file.format, &places))
                }
                other => other.into(),
            },
        )?;
        plan.report.stored = true;
    }

    let mut blocked: BTreeSet<String> = BTreeSet::new();
    for later in plan.later {
        let row = &file.rows[later.index];
        if blocked.contains(&later.code) {
            plan.report.refused.push(file.refusal(
                row,
                "code",
                format!("an earlier row of {} was refused when it was stored", later.code),
            ));
            continue;
        }
        let outcome =
            passport.change_catalog(token, later.change, &later.reason, later.effective_from).await;
        match outcome {
            Ok(_) => {
                plan.report.versions_added += 1;
                plan.report.stored = true;
            }
            Err(error @ citypassport_core::Error::Invalid { .. })
            | Err(error @ citypassport_core::Error::NotFound { .. })
            | Err(error @ citypassport_core::Error::AlreadyExists { .. })
            | Err(error @ citypassport_core::Error::WrongState(_)) => {
                let column = match &error {
                    citypassport_core::Error::Invalid { field, .. }
                        if field == "effective from" =>
                    {
                        "effective_from"
                    }
                    _ => "code",
                };
                plan.report.refused.push(file.refusal(row, column, error.to_string()));
                blocked.insert(later.code);
            }
            Err(source) => {
                let place = place_of(file.format, row.row);
                return Err(ExchangeError::PartlyStored {
                    what: format!(
                        "storing {place} stopped after {} new indicators and {} later versions \
                         were stored; load the same file again to store the rest",
                        plan.report.added, plan.report.versions_added
                    ),
                    source,
                });
            }
        }
    }
    plan.report.refused.sort_by_key(|r| r.row);
    Ok(plan.report)
}

/// Checks every row of `file` and sorts it into new, already stored and refused.
async fn plan(
    passport: &Passport,
    token: &SessionToken,
    file: &CatalogFile,
    departments_by_section: &BTreeMap<String, Id>,
    options: CatalogOptions,
) -> Result<Plan, ExchangeError> {
    let departments: BTreeMap<String, Id> =
        passport.departments(token).await?.into_iter().map(|d| (d.name, d.id)).collect();
    let mut sections: BTreeSet<String> =
        passport.sections(token).await?.into_iter().map(|s| s.name).collect();
    let mut codes: BTreeMap<String, CodeState> = BTreeMap::new();
    let mut plan = Plan::default();
    plan.report.rows = file.len();

    for (index, row) in file.rows.iter().enumerate() {
        let code = file.cell(row, "code").to_string();
        if !code.is_empty() && !codes.contains_key(&code) {
            let stored = match passport.indicator_history(token, &code).await {
                Ok(versions) => versions,
                Err(citypassport_core::Error::NotFound { .. }) => Vec::new(),
                Err(other) => return Err(other.into()),
            };
            codes.insert(code.clone(), CodeState { stored, ..CodeState::default() });
        }
        let mut scratch = CodeState::default();
        let state = codes.get_mut(&code).unwrap_or(&mut scratch);
        state.rows += 1;
        let place = place_of(file.format, row.row);

        if state.held {
            plan.report.held_back += 1;
            continue;
        }
        if let Some(blocker) = &state.blocked {
            let reason = format!(
                "{blocker} was refused, and the rows of an indicator are its versions in order"
            );
            plan.report.refused.push(file.refusal(row, "code", reason));
            continue;
        }
        let refused = match check_row(file, row, state, &departments, departments_by_section) {
            Ok(Checked::Stored) => {
                plan.report.unchanged += 1;
                continue;
            }
            Ok(Checked::New(new)) => {
                let (parsed, definition) = *new;
                if let Some(definition) = &definition {
                    if sections.insert(definition.section.clone()) {
                        plan.report.sections_added += 1;
                    }
                }
                match (parsed.effective_from, definition) {
                    (None, _) => {
                        plan.first.push(index);
                        plan.report.added += 1;
                    }
                    (Some(_), None) if !options.retirements => {
                        state.held = true;
                        plan.report.held_back += 1;
                    }
                    (Some(effective_from), definition) => {
                        let change = match definition {
                            Some(indicator) => ProposedChange::Change { indicator },
                            None => ProposedChange::Retire { code: parsed.code.clone() },
                        };
                        let reason = if parsed.reason.is_empty() {
                            DEFAULT_CHANGE_REASON.to_string()
                        } else {
                            parsed.reason
                        };
                        plan.later.push(LaterVersion {
                            index,
                            code: parsed.code,
                            change,
                            effective_from,
                            reason,
                        });
                    }
                }
                continue;
            }
            Err(refusal) => refusal,
        };
        plan.report.refused.push(refused);
        if !code.is_empty() {
            state.blocked = Some(format!("{place}, a row of {code},"));
        }
    }
    Ok(plan)
}

/// A row as the plan sees it.
enum Checked {
    /// The store holds it already.
    Stored,
    /// It is new: its row and, unless it is a retirement, its definition with the
    /// department resolved.
    New(Box<(ParsedRow, Option<Indicator>)>),
}

/// Checks one row with the core's reader, resolves its department and compares it with
/// the version the store holds at its place.
fn check_row(
    file: &CatalogFile,
    row: &FileRow,
    state: &CodeState,
    departments: &BTreeMap<String, Id>,
    departments_by_section: &BTreeMap<String, Id>,
) -> Result<Checked, Refusal> {
    if let Some(unreadable) = &row.unreadable {
        return Err(unreadable.clone());
    }
    let parsed = file.parse(row)?;
    let definition = match &parsed.definition {
        None => None,
        Some(CatalogRow { indicator, department_name }) => {
            let mut indicator = indicator.clone();
            indicator.department = match department_name {
                Some(name) => Some(departments.get(name).cloned().ok_or_else(|| {
                    file.refusal(row, "department", format!("no department named '{name}'"))
                })?),
                None => departments_by_section.get(&indicator.section).cloned(),
            };
            Some(indicator)
        }
    };

    let number = state.rows;
    let code = &parsed.code;
    match (number, parsed.effective_from) {
        (1, Some(_)) if state.stored.is_empty() => {
            return Err(file.refusal(
                row,
                "effective_from",
                format!(
                    "the first row of {code} is its first definition, in force from the start; \
                     leave effective_from empty"
                ),
            ))
        }
        (2.., None) => {
            return Err(file.refusal(
                row,
                "effective_from",
                format!(
                    "code {code} appears more than once without effective_from; a later row is \
                     a version in force from the period effective_from names"
                ),
            ))
        }
        _ => {}
    }

    let Some(stored) = state.stored.get(number - 1) else {
        return Ok(Checked::New(Box::new((parsed, definition))));
    };
    let same = stored.effective_from == parsed.effective_from
        && match (&stored.definition, &definition) {
            (None, None) => true,
            (Some(stored), Some(given)) => {
                // As the core does, a definition without a first period takes the stored one.
                let mut given = given.clone();
                given.first_period = given.first_period.or(stored.first_period);
                *stored == given
            }
            _ => false,
        };
    if same {
        return Ok(Checked::Stored);
    }
    Err(file.refusal(
        row,
        "code",
        format!(
            "{code} is already in the catalog, and its version {number} there differs from this \
             row; a catalog file adds versions after those stored, it does not rewrite them \
             (propose a change instead)"
        ),
    ))
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

    #[test]
    fn a_core_error_about_a_row_names_its_field_and_reason() {
        let error = citypassport_core::Error::invalid(
            "catalog file",
            "line 2: invalid okei code: '12' is not 3 or 4 digits",
        );
        let (field, reason) = core_row_error(&error);
        assert_eq!((field.as_str(), reason.as_str()), ("okei code", "'12' is not 3 or 4 digits"));
    }

    #[test]
    fn a_retirement_row_has_only_its_code_and_history() {
        let version: IndicatorVersion = serde_json::from_value(serde_json::json!({
            "code": "POP", "number": 2, "definition": null, "effective_from": "2027",
            "recorded_at": "2026-01-01T00:00:00Z", "recorded_by": "chief",
            "proposal": null, "reason": "no longer collected"
        }))
        .expect("a stored version reads");
        let row = version_row(&version, &BTreeMap::new());
        assert_eq!(row.len(), CATALOG_COLUMNS.len());
        assert_eq!(row[0], "POP");
        assert!(row[1..DEFINITION_COLUMNS.len()].iter().all(String::is_empty));
        assert_eq!(&row[DEFINITION_COLUMNS.len()..], ["2027", "yes", "no longer collected"]);
    }
}
