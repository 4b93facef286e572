//! Any text loads as a calendar XML file or is refused with an error naming a field.
#![no_main]

use citypassport_core::calendar::read_calendar_xml;
use citypassport_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match read_calendar_xml(text) {
        Ok(load) => assert!(load.days().iter().all(|day| day.validate().is_ok())),
        Err(Error::Invalid { field, .. }) => assert!(!field.is_empty()),
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
