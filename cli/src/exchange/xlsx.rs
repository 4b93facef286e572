//! Reading and writing the one worksheet of an exchange workbook.
//!
//! Cells are written as text so that Excel neither rounds a number to 15 digits nor
//! turns a period like `2026-07` into a date. Text is written as a string cell, never
//! as a formula, so a name or reason that starts with `=`, `+`, `-` or `@` shows as
//! written and runs nothing when the workbook is opened. When a person types into the sheet,
//! Excel stores numbers as binary floating point; such a cell is read back as the
//! shortest decimal that Excel itself shows, and a cell that cannot be text (a date,
//! an error, TRUE/FALSE) is refused with its row and column.

use std::io::{Cursor, Write};

use calamine::{Data, Reader};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as CellFormat, Workbook};

use super::{float_text, ExchangeError};

/// The column letter of a 0-based column index: 0 is `A`, 26 is `AA`.
pub(crate) fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// A cell's content as text, or why it cannot be read as text.
pub(crate) fn cell_text(cell: &Data) -> Result<String, String> {
    match cell {
        Data::Empty => Ok(String::new()),
        Data::String(text) => Ok(text.trim().to_string()),
        Data::Int(number) => Ok(number.to_string()),
        Data::Float(number) => {
            float_text(*number).ok_or_else(|| format!("'{number}' is not a finite number"))
        }
        Data::Bool(flag) => Err(format!(
            "the cell holds {}, not text or a number",
            if *flag { "TRUE" } else { "FALSE" }
        )),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err("the cell holds a date; format the column as text and type periods as 2026-M07"
                .to_string())
        }
        Data::Error(error) => Err(format!("the cell holds the Excel error {error}")),
    }
}

/// The used part of one worksheet: its header and data rows, with the row numbers and
/// column indexes Excel shows.
pub(crate) struct Sheet {
    /// The worksheet's name.
    pub name: String,
    /// The 1-based row number of the header.
    pub header_row: usize,
    /// The header cells as text, by 0-based column index.
    pub header: Vec<(usize, String)>,
    /// Each non-empty row under the header: its 1-based row number and its cells by
    /// 0-based column index.
    pub rows: Vec<(usize, Vec<(usize, Data)>)>,
}

impl Sheet {
    /// The 0-based column whose header is one of `names` (case and spaces ignored).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().find_map(|(index, text)| {
            let text = text.trim().to_ascii_lowercase();
            names.iter().any(|n| *n == text).then_some(*index)
        })
    }
}

/// Reads the worksheet named `preferred`, or else the first one, of a workbook. The
/// header is the first row with anything in it; rows with nothing in them are skipped.
pub(crate) fn read_sheet(bytes: &[u8], preferred: &str) -> Result<Sheet, ExchangeError> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ExchangeError::Unreadable(format!("the workbook does not open: {e}")))?;
    let names = workbook.sheet_names();
    let name = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(preferred))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| ExchangeError::Unreadable("the workbook has no worksheet".into()))?;
    let range = workbook.worksheet_range(&name).map_err(|e| {
        ExchangeError::Unreadable(format!("worksheet '{name}' cannot be read: {e}"))
    })?;
    // The used range may start below row 1 or right of column A.
    let (first_row, first_column) = range.start().unwrap_or((0, 0));

    let mut rows = range.rows().enumerate().filter_map(|(offset, cells)| {
        let used: Vec<(usize, Data)> = cells
            .iter()
            .enumerate()
            .filter(|(_, cell)| !is_blank(cell))
            .map(|(i, cell)| (first_column as usize + i, cell.clone()))
            .collect();
        (!used.is_empty()).then_some((first_row as usize + offset + 1, used))
    });
    let (header_row, header_cells) = rows.next().ok_or_else(|| {
        ExchangeError::Unreadable(format!("worksheet '{name}' is empty; it needs a header row"))
    })?;
    let mut header = Vec::new();
    for (index, cell) in header_cells {
        let text = cell_text(&cell).map_err(|reason| {
            ExchangeError::Unreadable(format!(
                "worksheet '{name}', header row {header_row}, column {}: {reason}",
                column_letter(index)
            ))
        })?;
        header.push((index, text));
    }
    Ok(Sheet { name, header_row, header, rows: rows.collect() })
}

fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// The cell of `row` in 0-based column `column`, empty if there is none.
pub(crate) fn cell(row: &[(usize, Data)], column: Option<usize>) -> Data {
    column
        .and_then(|c| row.iter().find(|(i, _)| *i == c).map(|(_, d)| d.clone()))
        .unwrap_or(Data::Empty)
}

/// A workbook with one worksheet written row by row, to a writer when finished.
///
/// The worksheet is kept in constant memory (rows go to a temporary file as they are
/// written), so a large export does not grow with the number of rows.
pub(crate) struct SheetWriter {
    workbook: Workbook,
    next_row: u32,
    header_format: CellFormat,
}

impl SheetWriter {
    /// A workbook whose one worksheet is called `name`, with the header row written
    /// and each column `widths[i]` characters wide.
    pub fn new(name: &str, header: &[&str], widths: &[f64]) -> Result<Self, ExchangeError> {
        let mut workbook = Workbook::new();
        // A workbook records when it was made; a fixed instant makes the same data
        // give the same bytes, which the round-trip check relies on.
        let epoch = ExcelDateTime::from_ymd(1980, 1, 1)?;
        workbook.set_properties(
            &DocProperties::new().set_creation_datetime(&epoch).set_author("citypassport"),
        );
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(name)?;
        for (column, width) in widths.iter().enumerate() {
            sheet.set_column_width(column as u16, *width)?;
        }
        let mut writer =
            SheetWriter { workbook, next_row: 0, header_format: CellFormat::new().set_bold() };
        writer.write_header(header)?;
        Ok(writer)
    }

    fn write_header(&mut self, header: &[&str]) -> Result<(), ExchangeError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (column, text) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, *text, &self.header_format)?;
        }
        self.next_row = 1;
        Ok(())
    }

    /// Writes one row of text cells, each as a string (never a formula); empty texts
    /// leave their cells empty.
    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), ExchangeError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (column, text) in cells.iter().enumerate() {
            if !text.as_ref().is_empty() {
                sheet.write_string(self.next_row, column as u16, text.as_ref())?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Writes the workbook out.
    pub fn finish<W: Write + Send>(mut self, out: W) -> Result<(), ExchangeError> {
        self.workbook.save_to_writer(out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn typed_numbers_read_as_excel_shows_them() {
        assert_eq!(cell_text(&Data::Float(12.5)).unwrap(), "12.5");
        assert_eq!(cell_text(&Data::Float(2026.0)).unwrap(), "2026");
        assert_eq!(cell_text(&Data::Float(0.1)).unwrap(), "0.1");
        assert!(cell_text(&Data::Bool(true)).unwrap_err().contains("TRUE"));
    }
}
