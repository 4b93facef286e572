//! Any bytes load as a calendar CSV or are refused with an error naming a field.
#![no_main]

use citypassport_core::calendar::read_calendar_csv;
use citypassport_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    match read_calendar_csv(bytes) {
        Ok(load) => assert!(load.days().iter().all(|day| day.validate().is_ok())),
        Err(Error::Invalid { field, .. }) => assert!(!field.is_empty()),
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
