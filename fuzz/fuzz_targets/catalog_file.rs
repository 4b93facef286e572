//! Any bytes read as a catalog file of each format (CSV, JSON, Excel) give rows (each
//! unreadable one refused naming its field) turned into the CSV the core's catalog
//! reader takes, or an error saying why the file is unreadable; the core then reads
//! that CSV or refuses it naming a field, and the refusal can be told in the file's own
//! rows. Never a panic.
#![no_main]

use citypassport_cli::exchange::catalog::CatalogFile;
use citypassport_cli::exchange::{ExchangeError, Format};
use citypassport_core::catalog::read_catalog_csv;
use citypassport_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for format in Format::ALL {
        let file = match CatalogFile::read(bytes, format) {
            Ok(file) => file,
            Err(ExchangeError::Unreadable(message)) => {
                assert!(!message.is_empty());
                continue;
            }
            Err(other) => panic!("unexpected error for {format}: {other:?}"),
        };
        for refusal in file.unreadable_rows() {
            assert!(!refusal.field.is_empty() && !refusal.reason.is_empty(), "{refusal:?}");
        }
        match read_catalog_csv(file.csv()) {
            Ok(rows) => {
                for row in rows {
                    assert!(row.indicator.validate().is_ok(), "{row:?}");
                }
            }
            Err(error) => {
                assert!(matches!(&error, Error::Invalid { field, .. } if !field.is_empty()));
                let explained = file.explain(error).to_string();
                assert!(!explained.is_empty());
            }
        }
    }
});
