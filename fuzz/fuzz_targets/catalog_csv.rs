//! Any bytes load as a catalog CSV or are refused with an error naming a field.
#![no_main]

use citypassport_core::catalog::read_catalog_csv;
use citypassport_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    match read_catalog_csv(bytes) {
        Ok(rows) => {
            for row in rows {
                assert!(row.indicator.validate().is_ok(), "{row:?}");
            }
        }
        Err(Error::Invalid { field, .. }) => assert!(!field.is_empty()),
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
