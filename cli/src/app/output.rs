//! Printing listings on standard output as an aligned table, JSON or CSV.

use std::io::Write;

use serde_json::Value as Json;

use super::args::OutputFormat;
use super::Failure;

/// Rows with named columns; each cell is JSON so that JSON output keeps lists and
/// numbers, while tables and CSV show them as text.
pub struct Listing {
    header: Vec<&'static str>,
    rows: Vec<Vec<Json>>,
}

impl Listing {
    /// An empty listing with these columns.
    pub fn new(header: &[&'static str]) -> Self {
        Listing { header: header.to_vec(), rows: Vec::new() }
    }

    /// Adds a row, one cell per column.
    pub fn push(&mut self, row: Vec<Json>) {
        debug_assert_eq!(row.len(), self.header.len());
        self.rows.push(row);
    }

    /// Prints the listing on standard output.
    pub fn print(&self, format: OutputFormat) -> Result<(), Failure> {
        let text = match format {
            OutputFormat::Table => self.table(),
            OutputFormat::Json => self.json(),
            OutputFormat::Csv => self.csv()?,
        };
        print_out(&text)
    }

    fn text_rows(&self) -> Vec<Vec<String>> {
        self.rows.iter().map(|row| row.iter().map(cell_text).collect()).collect()
    }

    fn table(&self) -> String {
        if self.rows.is_empty() {
            return "(none)\n".into();
        }
        let rows = self.text_rows();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<String>| -> String {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
                .collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(self.header.iter().map(|h| h.to_string()).collect());
        out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
        for row in rows {
            out.push_str(&line(row));
        }
        out
    }

    fn json(&self) -> String {
        let objects: Vec<Json> = self
            .rows
            .iter()
            .map(|row| {
                let fields = self.header.iter().map(|h| h.to_string()).zip(row.iter().cloned());
                Json::Object(fields.collect())
            })
            .collect();
        serde_json::to_string_pretty(&objects).expect("JSON values serialize") + "\n"
    }

    fn csv(&self) -> Result<String, Failure> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| Failure::Runtime(format!("writing CSV: {e}"));
        writer.write_record(&self.header).map_err(failed)?;
        for row in self.text_rows() {
            writer.write_record(row).map_err(failed)?;
        }
        let bytes = writer.into_inner().map_err(|e| Failure::Runtime(e.to_string()))?;
        Ok(String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8"))
    }
}

/// A cell as text: strings as they are, lists joined with commas, null empty.
fn cell_text(cell: &Json) -> String {
    match cell {
        Json::Null => String::new(),
        Json::String(text) => text.clone(),
        Json::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Writes text to standard output; a closed pipe (`| head`) is not an error.
pub fn print_out(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Runtime(format!("writing to standard output: {e}")))
        }
        _ => Ok(()),
    }
}
