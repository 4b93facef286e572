//! Any typed text parses as a number of each value kind or is refused naming the value.
#![no_main]

use citypassport_core::{Error, ValueKind};
use libfuzzer_sys::fuzz_target;

const KINDS: [ValueKind; 4] = [
    ValueKind::Integer,
    ValueKind::Decimal { places: 3 },
    ValueKind::Percent { places: 1 },
    ValueKind::YesNo,
];

fuzz_target!(|text: &str| {
    for kind in KINDS {
        match kind.parse(text) {
            Ok(number) => assert!(kind.check(number).is_ok()),
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "value"),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
});
