//! Any bytes read as a values file of each format (CSV, JSON, Excel) give rows, each
//! read or refused naming its field and place, or an error saying why the file as a
//! whole is unreadable; never a panic.
#![no_main]

use citypassport_cli::exchange::values::{ValuesFile, VALUE_COLUMNS};
use citypassport_cli::exchange::{ExchangeError, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for format in Format::ALL {
        match ValuesFile::read(bytes, format) {
            Ok(file) => {
                assert_eq!(file.format(), format);
                for refusal in file.unreadable_rows() {
                    let field = refusal.field.as_str();
                    assert!(VALUE_COLUMNS.contains(&field) || field == "row", "{refusal:?}");
                    assert!(!refusal.reason.is_empty(), "{refusal:?}");
                }
            }
            Err(ExchangeError::Unreadable(message)) => assert!(!message.is_empty()),
            Err(other) => panic!("unexpected error for {format}: {other:?}"),
        }
    }
});
