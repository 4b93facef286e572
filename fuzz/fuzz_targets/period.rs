//! Any text parses as a period or is refused naming the field; a parsed period prints
//! and parses back to itself.
#![no_main]

use citypassport_core::{Error, Period, Periodicity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match text.parse::<Period>() {
        Ok(period) => assert_eq!(period.to_string().parse::<Period>().ok(), Some(period)),
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "period"),
        Err(other) => panic!("unexpected error {other:?}"),
    }
    if let Err(error) = text.parse::<Periodicity>() {
        assert!(matches!(error, Error::Invalid { ref field, .. } if field == "periodicity"));
    }
});
