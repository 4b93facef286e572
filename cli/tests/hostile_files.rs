//! Property tests of the tool's file readers: whatever a values or catalog file holds,
//! reading it gives rows, refusals that name a field, or an error, and never panics.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default; `scripts/harden.sh` runs
//! many more) and prints how many it ran.

use std::sync::atomic::{AtomicUsize, Ordering};

use citypassport_cli::exchange::catalog::CatalogFile;
use citypassport_cli::exchange::values::{ValuesFile, VALUE_COLUMNS};
use citypassport_cli::exchange::Format;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Runs a property and prints the number of cases it checked.
fn property<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let cases = AtomicUsize::new(0);
    // No failure file: a failing case is printed, and the seed repeats it.
    let config = Config { failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |input| {
        cases.fetch_add(1, Ordering::Relaxed);
        test(input)
    });
    if let Err(failure) = result {
        panic!("property {name} fails: {failure}");
    }
    println!("property {name}: {} cases", cases.into_inner());
}

/// A cell as a clerk's spreadsheet may hold it: numbers with either separator, spaces
/// and signs, "н/д", quotes, commas, line breaks and stray Unicode.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9 ,.+-]{0,12}",
        Just("н/д".to_string()),
        "[\"',;\n\r\t a-zA-Zа-яА-Я0-9\u{0}-\u{1f}\u{2028}]{0,16}",
        "(19|20|21)[0-9]{2}(-M[0-9]{2}|-Q[0-9]|-H[0-9])?",
    ]
}

fn csv_quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[test]
fn any_bytes_read_as_any_format_give_rows_or_an_error() {
    let bytes = proptest::collection::vec(any::<u8>(), 0..512);
    property("any bytes read as any file format", bytes, |bytes| {
        for format in Format::ALL {
            let _ = ValuesFile::read(&bytes, format);
            let _ = CatalogFile::read(&bytes, format);
        }
        Ok(())
    });
}

#[test]
fn every_row_of_a_values_csv_is_read_or_refused_naming_its_field() {
    let rows = proptest::collection::vec(proptest::array::uniform4(cell()), 1..20);
    property("values CSV rows read or refused naming a field", rows, |rows| {
        let mut file = String::from("indicator,period,value,not_applicable_reason\n");
        for row in &rows {
            let cells: Vec<String> = row.iter().map(|c| csv_quoted(c)).collect();
            file.push_str(&cells.join(","));
            file.push('\n');
        }
        let read = ValuesFile::read(file.as_bytes(), Format::Csv)
            .map_err(|e| TestCaseError::fail(format!("a well-formed CSV is unreadable: {e}")))?;
        prop_assert_eq!(read.len(), rows.len());
        for refusal in read.unreadable_rows() {
            prop_assert!(
                VALUE_COLUMNS.contains(&refusal.field.as_str()) || refusal.field == "row",
                "refusal names no field: {:?}",
                refusal
            );
            prop_assert!(!refusal.reason.is_empty());
        }
        Ok(())
    });
}

#[test]
fn a_values_json_of_arbitrary_objects_is_read_or_refused() {
    let rows = proptest::collection::vec(proptest::array::uniform4(cell()), 0..10);
    property("values JSON objects read or refused naming a field", rows, |rows| {
        let objects: Vec<serde_json::Value> = rows
            .iter()
            .map(|row| {
                let fields = VALUE_COLUMNS.iter().zip(row).map(|(name, text)| {
                    (name.to_string(), serde_json::Value::String(text.clone()))
                });
                serde_json::Value::Object(fields.collect())
            })
            .collect();
        let bytes = serde_json::to_vec(&objects).expect("JSON serializes");
        let read = ValuesFile::read(&bytes, Format::Json)
            .map_err(|e| TestCaseError::fail(format!("an array of objects is unreadable: {e}")))?;
        prop_assert_eq!(read.len(), rows.len());
        for refusal in read.unreadable_rows() {
            prop_assert!(VALUE_COLUMNS.contains(&refusal.field.as_str()) || refusal.field == "row");
        }
        Ok(())
    });
}
