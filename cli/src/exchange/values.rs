//! Values in and out: CSV, JSON and Excel files with the columns `indicator`, `period`,
//! `value` and `not_applicable_reason`.
//!
//! A row holds either a number in `value` (exact decimal text such as `12.5`; a clerk's
//! `12,5` and `1 234` are read too) or, for a value that does not apply to the period,
//! the reason in `not_applicable_reason` and nothing in `value`.
//!
//! An export writes exactly these columns, in (indicator, period) order, so that
//! exporting, importing into an empty store and exporting again gives the same bytes.
//! With `with_status` it adds a `status` column (`draft`, `submitted`, `accepted`,
//! `returned`) for people reading the file; an import ignores that column, because the
//! status of an imported value is set by the import itself (a draft, or submitted).

use std::io::Write;

use calamine::Data;
use citypassport_core::{
    Entry, ImportMode, ImportRow, Passport, Period, SessionToken, Value, ValueInput, ValueStatus,
};
use serde::Serialize;

use super::xlsx::{self, SheetWriter};
use super::{ExchangeError, Format, Refusal};

/// The columns of a values file, in the order exports write them.
pub const VALUE_COLUMNS: [&str; 4] = ["indicator", "period", "value", "not_applicable_reason"];

/// The column an export adds with `with_status`; imports ignore it.
pub const STATUS_COLUMN: &str = "status";

/// The worksheet a values workbook is written to and read from first.
pub const VALUES_SHEET: &str = "values";

/// How many values an export reads from the store at once; memory stays bounded by it.
pub const EXPORT_PAGE: usize = 500;

/// The names each field's column may go by in an imported file.
const COLUMN_NAMES: [&[&str]; 4] = [
    &["indicator", "code", "indicator_code"],
    &["period"],
    &["value"],
    &["not_applicable_reason", "reason"],
];

/// One value as an exchange file carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueRecord {
    /// Indicator code.
    pub indicator: String,
    /// Period as written: `2026-M07`, `2026-Q3`, `2026-H2`, `2026`.
    pub period: String,
    /// The exact number as text; empty for a value that is not applicable.
    pub value: String,
    /// Why the value does not apply; empty for a number.
    pub not_applicable_reason: String,
    /// The review status, when the export asked for it.
    pub status: Option<String>,
}

impl ValueRecord {
    /// The record of a stored value, with its status when `with_status` is set.
    pub fn from_value(value: &Value, with_status: bool) -> Self {
        let (number, reason) = match &value.entry {
            Entry::Amount { amount } => (amount.to_string(), String::new()),
            Entry::NotApplicable { reason } => (String::new(), reason.clone()),
        };
        ValueRecord {
            indicator: value.indicator.clone(),
            period: value.period.to_string(),
            value: number,
            not_applicable_reason: reason,
            status: with_status.then(|| value.status.as_str().to_string()),
        }
    }

    fn cells(&self) -> Vec<&str> {
        let mut cells = vec![
            self.indicator.as_str(),
            self.period.as_str(),
            self.value.as_str(),
            self.not_applicable_reason.as_str(),
        ];
        if let Some(status) = &self.status {
            cells.push(status);
        }
        cells
    }
}

/// A values file read and checked for shape, ready to import.
///
/// Rows whose cells could not be read at all (an Excel error cell, a JSON float) are
/// already refused here; the rest are checked by the passport on import.
#[derive(Debug, Clone)]
pub struct ValuesFile {
    format: Format,
    /// How the file names the column of each field, in [`VALUE_COLUMNS`] order.
    columns: [Option<String>; 4],
    rows: Vec<SourceRow>,
}

#[derive(Debug, Clone)]
struct SourceRow {
    row: usize,
    entry: Result<ImportRow, Refusal>,
}

/// One field as text, or why its cell could not be read.
type CellText = Result<String, String>;

/// A row's four fields, in [`VALUE_COLUMNS`] order.
type Cells = [CellText; 4];

impl ValuesFile {
    /// Reads a values file. A file that is not of the format's shape (no header with
    /// the required columns, a workbook that does not open, JSON that is not an array
    /// of objects) is an error; a bad row is kept as a refusal.
    pub fn read(bytes: &[u8], format: Format) -> Result<Self, ExchangeError> {
        match format {
            Format::Csv => read_csv(bytes),
            Format::Json => read_json(bytes),
            Format::Xlsx => read_xlsx(bytes),
        }
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

    /// The rows refused while reading, before the passport saw them.
    pub fn unreadable_rows(&self) -> impl Iterator<Item = &Refusal> {
        self.rows.iter().filter_map(|r| r.entry.as_ref().err())
    }

    fn refusal(&self, row: usize, field: usize, reason: impl Into<String>) -> Refusal {
        Refusal {
            format: self.format,
            row,
            column: self.columns[field].clone(),
            field: VALUE_COLUMNS[field].to_string(),
            reason: reason.into(),
        }
    }

    fn entry(&self, row: usize, cells: Cells) -> Result<ImportRow, Refusal> {
        let mut texts = Vec::with_capacity(4);
        for (field, cell) in cells.into_iter().enumerate() {
            texts.push(cell.map_err(|reason| self.refusal(row, field, reason))?);
        }
        let [indicator, period, value, reason]: [String; 4] =
            texts.try_into().expect("four fields");
        if indicator.is_empty() {
            return Err(self.refusal(row, 0, "missing; every row needs an indicator code"));
        }
        if period.is_empty() {
            return Err(self.refusal(
                row,
                1,
                "missing; write it as 2026-M07, 2026-Q3, 2026-H2 or 2026",
            ));
        }
        let input = match (value.is_empty(), reason.is_empty()) {
            (false, false) => {
                return Err(self.refusal(
                    row,
                    2,
                    "a row holds a number or a not-applicable reason, not both",
                ))
            }
            (_, false) => ValueInput::NotApplicable(reason),
            (_, true) => ValueInput::Text(value),
        };
        Ok(ImportRow { indicator, period, input })
    }

    /// The refusal the passport gave for a row, named by the file's row and column.
    fn passport_refusal(&self, row: usize, field: &str, reason: &str) -> Refusal {
        let index = match field {
            "indicator" => Some(0),
            "period" => Some(1),
            "value" => Some(2),
            "not applicable reason" => Some(3),
            _ => None,
        };
        // The passport's messages start "invalid value: "; the place already says it.
        let prefix = format!("invalid {field}: ");
        let reason = reason.strip_prefix(&prefix).unwrap_or(reason).to_string();
        match index {
            Some(index) => self.refusal(row, index, reason),
            None => Refusal { format: self.format, row, column: None, field: "row".into(), reason },
        }
    }
}

fn missing_column(name: &str) -> ExchangeError {
    ExchangeError::Unreadable(format!(
        "the file has no '{name}' column; a values file has the columns {}",
        VALUE_COLUMNS.join(", ")
    ))
}

fn read_csv(bytes: &[u8]) -> Result<ValuesFile, ExchangeError> {
    // Excel saves CSV with a byte-order mark, which would stick to the first header.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let headers = reader.headers()?.clone();
    let position = |names: &[&str]| {
        headers.iter().position(|h| names.contains(&h.to_ascii_lowercase().as_str()))
    };
    let positions: Vec<Option<usize>> = COLUMN_NAMES.iter().map(|n| position(n)).collect();
    for (field, position) in positions.iter().enumerate().take(3) {
        if position.is_none() {
            return Err(missing_column(VALUE_COLUMNS[field]));
        }
    }
    let columns = std::array::from_fn(|i| positions[i].map(|p| headers[p].to_string()));
    let mut file = ValuesFile { format: Format::Csv, columns, rows: Vec::new() };

    for record in reader.records() {
        let (row, entry) = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                if record.iter().all(str::is_empty) {
                    continue;
                }
                let get = |i: usize| {
                    Ok(positions[i].and_then(|p| record.get(p)).unwrap_or_default().to_string())
                };
                (line, file.entry(line, std::array::from_fn(get)))
            }
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line() as usize);
                let reason = match error.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("{len} fields where the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text; save the file as UTF-8".into(),
                    _ => error.to_string(),
                };
                let refusal = Refusal {
                    format: Format::Csv,
                    row: line,
                    column: None,
                    field: "row".into(),
                    reason,
                };
                (line, Err(refusal))
            }
        };
        file.rows.push(SourceRow { row, entry });
    }
    Ok(file)
}

/// A JSON field as text: strings as they are, whole numbers written out; a number with
/// a fraction is refused, since JSON readers turn it into a binary float.
fn json_text(item: &serde_json::Map<String, serde_json::Value>, names: &[&str]) -> CellText {
    let Some(value) = names.iter().find_map(|n| item.get(*n)) else {
        return Ok(String::new());
    };
    match value {
        serde_json::Value::Null => Ok(String::new()),
        serde_json::Value::String(text) => Ok(text.trim().to_string()),
        serde_json::Value::Number(number) if number.is_i64() || number.is_u64() => {
            Ok(number.to_string())
        }
        serde_json::Value::Number(number) => Err(format!(
            "{number} is a JSON number with a fraction, which loses digits; write it as a \
             string, e.g. \"{number}\""
        )),
        other => Err(format!("expected text, found {}", json_kind(other))),
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "true or false",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn read_json(bytes: &[u8]) -> Result<ValuesFile, ExchangeError> {
    let document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ExchangeError::Unreadable(format!("not JSON: {e}")))?;
    let serde_json::Value::Array(items) = document else {
        return Err(ExchangeError::Unreadable(format!(
            "a values file in JSON is an array of objects; this is {}",
            json_kind(&document)
        )));
    };
    let columns = std::array::from_fn(|i| Some(VALUE_COLUMNS[i].to_string()));
    let mut file = ValuesFile { format: Format::Json, columns, rows: Vec::new() };
    for (index, item) in items.iter().enumerate() {
        let row = index + 1;
        let entry = match item {
            serde_json::Value::Object(item) => {
                file.entry(row, std::array::from_fn(|i| json_text(item, COLUMN_NAMES[i])))
            }
            other => Err(Refusal {
                format: Format::Json,
                row,
                column: None,
                field: "row".into(),
                reason: format!("expected an object, found {}", json_kind(other)),
            }),
        };
        file.rows.push(SourceRow { row, entry });
    }
    Ok(file)
}

fn read_xlsx(bytes: &[u8]) -> Result<ValuesFile, ExchangeError> {
    let sheet = xlsx::read_sheet(bytes, VALUES_SHEET)?;
    let positions: Vec<Option<usize>> = COLUMN_NAMES.iter().map(|n| sheet.column(n)).collect();
    for (field, position) in positions.iter().enumerate().take(3) {
        if position.is_none() {
            return Err(ExchangeError::Unreadable(format!(
                "worksheet '{}' has no '{}' column in its header (row {}); a values sheet has \
                 the columns {}",
                sheet.name,
                VALUE_COLUMNS[field],
                sheet.header_row,
                VALUE_COLUMNS.join(", ")
            )));
        }
    }
    let columns = std::array::from_fn(|i| positions[i].map(xlsx::column_letter));
    let mut file = ValuesFile { format: Format::Xlsx, columns, rows: Vec::new() };
    for (row, cells) in &sheet.rows {
        let text = |i: usize| -> CellText {
            let cell: Data = xlsx::cell(cells, positions[i]);
            xlsx::cell_text(&cell)
        };
        let entry = file.entry(*row, std::array::from_fn(text));
        file.rows.push(SourceRow { row: *row, entry });
    }
    Ok(file)
}

/// What an import of a values file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValuesImport {
    /// Rows read from the file.
    pub rows: usize,
    /// Rows that passed every check (and were stored, unless it was a dry run).
    pub accepted: usize,
    /// Whether the accepted rows were stored.
    pub stored: bool,
    /// Every refused row, in file order.
    pub refused: Vec<Refusal>,
}

/// Imports a values file: the rows that pass the passport's checks are stored
/// together in one atomic write (as drafts, or submitted with [`ImportMode::Submit`]),
/// or not at all in a dry run; every other row is reported with its place in the file.
///
/// A failure of the write itself (a storage error, someone else's concurrent change to
/// one of the values) stores nothing and is returned as an error.
pub async fn import_values(
    passport: &Passport,
    token: &SessionToken,
    file: &ValuesFile,
    mode: ImportMode,
) -> Result<ValuesImport, ExchangeError> {
    let mut good = Vec::new();
    let mut places = Vec::new();
    for row in &file.rows {
        if let Ok(entry) = &row.entry {
            good.push(entry.clone());
            places.push(row.row);
        }
    }

    let report = passport.import_values(token, &good, mode).await?;

    let mut refused: Vec<Refusal> = file.unreadable_rows().cloned().collect();
    for refusal in &report.refused {
        refused.push(file.passport_refusal(places[refusal.row], &refusal.field, &refusal.reason));
    }
    refused.sort_by_key(|r| r.row);
    Ok(ValuesImport { rows: file.len(), accepted: report.accepted, stored: report.stored, refused })
}

/// How many rows [`check_in_chunks`] gives the passport at once.
pub const CHECK_CHUNK: usize = 1000;

/// Checks the rows of `file` as dry runs of [`CHECK_CHUNK`] rows each and tells
/// `checked` how many rows were checked so far after each: a measure of progress for a
/// long import, since the passport checks and stores a file in one call that reports
/// nothing while it runs. It stores nothing and its findings are not the import's: a
/// chunk does not see the rows of the others (a row repeated in two chunks passes in
/// both), so the import that follows checks every row again, in one call.
pub async fn check_in_chunks(
    passport: &Passport,
    token: &SessionToken,
    file: &ValuesFile,
    mut checked: impl FnMut(usize),
) -> Result<(), ExchangeError> {
    let mut done = 0;
    for chunk in file.rows.chunks(CHECK_CHUNK) {
        let rows: Vec<ImportRow> =
            chunk.iter().filter_map(|r| r.entry.as_ref().ok().cloned()).collect();
        passport.import_values(token, &rows, ImportMode::DryRun).await?;
        done += chunk.len();
        checked(done);
    }
    Ok(())
}

/// Writes values files of any format, one record at a time.
pub struct ValuesWriter<W: Write + Send> {
    sink: Sink<W>,
    written: usize,
}

enum Sink<W: Write + Send> {
    // Boxed like the workbook: a CSV writer carries a buffer of its own.
    Csv(Box<csv::Writer<W>>),
    Json { out: W, first: bool },
    Xlsx { sheet: Box<SheetWriter>, out: W },
}

impl<W: Write + Send> ValuesWriter<W> {
    /// A writer of `format` into `out`, with a `status` column when `with_status` is
    /// set. The header is written at once.
    pub fn new(format: Format, with_status: bool, out: W) -> Result<Self, ExchangeError> {
        let mut header: Vec<&str> = VALUE_COLUMNS.to_vec();
        if with_status {
            header.push(STATUS_COLUMN);
        }
        let sink = match format {
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(&header)?;
                Sink::Csv(Box::new(writer))
            }
            Format::Json => {
                let mut out = out;
                out.write_all(b"[").map_err(|e| ExchangeError::io("writing JSON", e))?;
                Sink::Json { out, first: true }
            }
            Format::Xlsx => {
                let widths = [16.0, 11.0, 16.0, 40.0, 11.0];
                let sheet = SheetWriter::new(VALUES_SHEET, &header, &widths[..header.len()])?;
                Sink::Xlsx { sheet: Box::new(sheet), out }
            }
        };
        Ok(ValuesWriter { sink, written: 0 })
    }

    /// Writes one record.
    pub fn write(&mut self, record: &ValueRecord) -> Result<(), ExchangeError> {
        match &mut self.sink {
            Sink::Csv(writer) => writer.write_record(record.cells())?,
            Sink::Json { out, first } => {
                let separator = if *first { "\n" } else { ",\n" };
                *first = false;
                let line = format!("{separator}{}", json_object(record));
                out.write_all(line.as_bytes()).map_err(|e| ExchangeError::io("writing JSON", e))?;
            }
            Sink::Xlsx { sheet, .. } => sheet.write_row(&record.cells())?,
        }
        self.written += 1;
        Ok(())
    }

    /// How many records were written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Finishes the file and flushes it.
    pub fn finish(self) -> Result<(), ExchangeError> {
        match self.sink {
            Sink::Csv(mut writer) => {
                writer.flush().map_err(|e| ExchangeError::io("writing CSV", e))
            }
            Sink::Json { mut out, first } => {
                let end: &[u8] = if first { b"]\n" } else { b"\n]\n" };
                out.write_all(end)
                    .and_then(|()| out.flush())
                    .map_err(|e| ExchangeError::io("writing JSON", e))
            }
            Sink::Xlsx { sheet, out } => sheet.finish(out),
        }
    }
}

/// One record as a one-line JSON object with its fields in a fixed order: a number has
/// `value`, a value that does not apply has `not_applicable_reason`.
fn json_object(record: &ValueRecord) -> String {
    let quote = |text: &str| serde_json::to_string(text).expect("strings serialize");
    let mut fields =
        vec![("indicator", quote(&record.indicator)), ("period", quote(&record.period))];
    if record.not_applicable_reason.is_empty() {
        fields.push(("value", quote(&record.value)));
    } else {
        fields.push(("not_applicable_reason", quote(&record.not_applicable_reason)));
    }
    if let Some(status) = &record.status {
        fields.push((STATUS_COLUMN, quote(status)));
    }
    let body: Vec<String> = fields.into_iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    format!("{{{}}}", body.join(", "))
}

/// Which values an export takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueFilter {
    /// Only values in one of these statuses; all when empty.
    pub statuses: Vec<ValueStatus>,
    /// Only this indicator.
    pub indicator: Option<String>,
    /// Only periods from this one on (of any periodicity, by first day).
    pub from: Option<Period>,
    /// Only periods up to this one (by last day).
    pub to: Option<Period>,
}

impl ValueFilter {
    /// Whether `value` passes the filter.
    pub fn matches(&self, value: &Value) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&value.status))
            && self.indicator.as_deref().is_none_or(|code| code == value.indicator)
            && self.from.is_none_or(|from| value.period.first_day() >= from.first_day())
            && self.to.is_none_or(|to| value.period.last_day() <= to.last_day())
    }
}

/// Reads every stored value page by page, in (indicator, period) order, and hands each
/// one that passes `filter` to `each`; `progress` hears how many values were read so
/// far after every page. Memory stays bounded by the page size, whatever the store
/// holds. Each page is recorded in the audit log as an export.
pub async fn for_each_value(
    passport: &Passport,
    token: &SessionToken,
    filter: &ValueFilter,
    mut each: impl FnMut(&Value) -> Result<(), ExchangeError>,
    mut progress: impl FnMut(usize),
) -> Result<usize, ExchangeError> {
    let mut after: Option<(String, Period)> = None;
    let mut read = 0;
    loop {
        let page = passport
            .export_values(token, after.as_ref().map(|(c, p)| (c.as_str(), *p)), EXPORT_PAGE)
            .await?;
        read += page.len();
        for value in page.iter().filter(|v| filter.matches(v)) {
            each(value)?;
        }
        progress(read);
        match page.last() {
            Some(last) if page.len() == EXPORT_PAGE => {
                after = Some((last.indicator.clone(), last.period));
            }
            _ => return Ok(read),
        }
    }
}

/// Exports the values that pass `filter` as a values file of `format` into `out`, and
/// returns how many were written.
pub async fn export_values<W: Write + Send>(
    passport: &Passport,
    token: &SessionToken,
    format: Format,
    with_status: bool,
    filter: &ValueFilter,
    out: W,
    progress: impl FnMut(usize),
) -> Result<usize, ExchangeError> {
    let mut writer = ValuesWriter::new(format, with_status, out)?;
    for_each_value(
        passport,
        token,
        filter,
        |value| writer.write(&ValueRecord::from_value(value, with_status)),
        progress,
    )
    .await?;
    let written = writer.written();
    writer.finish()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_row_with_a_number_and_a_reason_is_refused_at_the_value() {
        let file = "indicator,period,value,not_applicable_reason\nA,2026,5,нет данных\n";
        let read = ValuesFile::read(file.as_bytes(), Format::Csv).unwrap();
        let refusal = read.unreadable_rows().next().unwrap();
        assert_eq!(
            refusal.to_string(),
            "line 2, column value: a row holds a number or a not-applicable reason, not both"
        );
    }

    #[test]
    fn a_json_float_is_refused_since_it_loses_digits() {
        let file = r#"[{"indicator": "A", "period": "2026", "value": 0.1}]"#;
        let read = ValuesFile::read(file.as_bytes(), Format::Json).unwrap();
        let refusal = read.unreadable_rows().next().unwrap();
        assert!(refusal.to_string().starts_with("item 1, field value: 0.1 is a JSON number"));
    }

    #[test]
    fn a_values_file_without_a_value_column_is_unreadable() {
        let file = "indicator,period\nA,2026\n";
        let error = ValuesFile::read(file.as_bytes(), Format::Csv).unwrap_err();
        assert!(error.to_string().contains("no 'value' column"), "{error}");
    }
}
