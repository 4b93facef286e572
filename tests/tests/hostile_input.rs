//! Property tests: whatever a clerk types or a file holds, every parser answers with a
//! value or an error that names the field, and never panics.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default; `scripts/harden.sh` runs
//! many more) and prints how many it ran.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use citypassport_core::account::normalize_email;
use citypassport_core::calendar::{read_calendar_csv, read_calendar_xml};
use citypassport_core::catalog::read_catalog_csv;
use citypassport_core::{
    Error, ImportMode, ImportRow, MemoryStorage, Period, Periodicity, ValueInput, ValueKind,
};
use citypassport_tests::City;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

/// Runs a property and prints the number of cases it checked.
fn property<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value)) -> usize
where
    S::Value: std::fmt::Debug,
{
    let cases = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config::default());
    let result = runner.run(&strategy, |input| {
        cases.fetch_add(1, Ordering::Relaxed);
        test(input);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("property {name} fails: {failure}");
    }
    let cases = cases.into_inner();
    println!("property {name}: {cases} cases");
    cases
}

/// The error is an `Invalid` naming one of `fields`, with a message of bounded length:
/// a file's report may list every bad line, each briefly.
#[track_caller]
fn names_field_of(error: &Error, fields: &[&str], lines: usize) {
    match error {
        Error::Invalid { field, reason } => {
            assert!(fields.contains(&field.as_str()), "field '{field}' for {error}");
            let bound = 400 * lines.max(1);
            assert!(reason.chars().count() < bound, "the message is unbounded: {error}");
        }
        other => panic!("expected an error naming a field, got {other:?}"),
    }
}

/// [`names_field_of`] for one line of input.
#[track_caller]
fn names_field(error: &Error, fields: &[&str]) {
    names_field_of(error, fields, 1);
}

/// Text a clerk might type, or anything at all: clerk-like pieces, odd Unicode and
/// arbitrary strings.
fn typed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 ,.\u{00A0}\u{202F}+\\-eE%]{0,24}",
        "[0-9]{1,3}( [0-9]{3}){0,5}(,[0-9]{1,4})?",
        Just("н/д".to_string()),
        Just("—".to_string()),
        "\\PC{0,12}",
    ]
}

#[test]
fn any_period_text_parses_or_is_refused_naming_the_period() {
    let text = prop_oneof![
        any::<String>(),
        "[0-9]{0,6}(-[MQHmqh][0-9]{0,3})?",
        "\\PC{0,20}",
        ".{1000,3000}",
    ];
    property("period text", text, |text| match text.parse::<Period>() {
        Ok(period) => assert_eq!(period.to_string().parse::<Period>().ok(), Some(period)),
        Err(error) => names_field(&error, &["period"]),
    });
}

#[test]
fn every_valid_period_prints_and_parses_back() {
    let parts = (1990i32..=2100, 0usize..4, 1u8..13);
    property("period round trip", parts, |(year, kind, index)| {
        let (periodicity, max) = [
            (Periodicity::Monthly, 12),
            (Periodicity::Quarterly, 4),
            (Periodicity::HalfYearly, 2),
            (Periodicity::Yearly, 1),
        ][kind];
        let period = Period::new(year, periodicity, (index - 1) % max + 1).expect("valid");
        assert_eq!(period.to_string().parse::<Period>().expect("parses"), period);
    });
}

#[test]
fn any_typed_value_parses_or_is_refused_naming_the_value() {
    let kinds = [
        ValueKind::Integer,
        ValueKind::Decimal { places: 2 },
        ValueKind::Percent { places: 1 },
        ValueKind::YesNo,
    ];
    property("typed value", (typed_text(), 0usize..4), |(text, kind)| {
        if let Err(error) = kinds[kind].parse(&text) {
            names_field(&error, &["value"]);
        }
    });
}

#[test]
fn clerk_formats_of_a_number_all_parse_to_it() {
    let parts = (0u64..1_000_000_000_000, 0u32..4, 0usize..4, any::<bool>());
    property("clerk number formats", parts, |(mantissa, scale, grouping, negative)| {
        let number = Decimal::new(mantissa as i64, scale)
            * if negative { -Decimal::ONE } else { Decimal::ONE };
        let plain = number.abs().to_string();
        let (whole, fraction) =
            plain.split_once('.').map_or((plain.as_str(), None), |(w, f)| (w, Some(f)));
        let separator = [" ", "\u{00A0}", "\u{202F}", ""][grouping];
        let digits: Vec<char> = whole.chars().collect();
        let mut grouped = String::new();
        for (i, digit) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push_str(separator);
            }
            grouped.push(*digit);
        }
        let sign = if negative && !number.is_zero() { "-" } else { "" };
        for decimal_mark in [",", "."] {
            let typed = match fraction {
                Some(f) => format!(" {sign}{grouped}{decimal_mark}{f} "),
                None => format!("{sign}{grouped}"),
            };
            let parsed = ValueKind::Decimal { places: 4 }.parse(&typed);
            assert_eq!(parsed.ok(), Some(number.normalize()), "'{typed}'");
        }
    });
}

#[test]
fn any_email_text_is_normalized_or_refused_without_echoing_it() {
    let text = prop_oneof![
        any::<String>(),
        "[A-Za-z0-9._%+\\-]{0,20}@[A-Za-z0-9.\\-]{0,20}",
        " *[A-Za-z]{1,10}@[A-Za-z]{1,10}\\.[A-Za-z]{2,4} *",
        "\\PC{0,30}@\\PC{0,30}",
        ".{200,400}@city.example",
    ];
    property("e-mail", text, |text| match normalize_email(&text) {
        Ok(email) => {
            assert_eq!(email, email.trim().to_lowercase());
            assert_eq!(normalize_email(&email).expect("idempotent"), email);
        }
        Err(error) => {
            names_field(&error, &["email"]);
            let trimmed = text.trim();
            if trimmed.chars().count() > 3 {
                assert!(!error.to_string().contains(trimmed), "{error} echoes the address");
            }
        }
    });
}

const CATALOG_HEADER: &str = "code,section,name_ru,unit_ru,okei_code,periodicity,source";

#[test]
fn any_catalog_csv_loads_or_is_refused_naming_a_field() {
    let cell = prop_oneof![
        "[A-Za-z0-9.\\-]{0,12}",
        "\\PC{0,12}",
        Just("monthly".to_string()),
        Just("792".to_string()),
        Just("\"a,b\"".to_string()),
        ".{0,600}",
    ];
    let rows = proptest::collection::vec(proptest::collection::vec(cell, 0..9), 0..6);
    let file = prop_oneof![
        rows.prop_map(|rows| {
            let lines: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
            format!("{CATALOG_HEADER}\n{}", lines.join("\n"))
        }),
        any::<String>(),
    ];
    let fields = [
        "catalog file",
        "code",
        "name",
        "section",
        "unit",
        "okei code",
        "periodicity",
        "methodology",
        "kind",
        "due",
        "due rule",
        "plausibility",
        "department",
        "first period",
        "period",
        "value",
    ];
    property("catalog CSV", file, |file| {
        if let Err(error) = read_catalog_csv(file.as_bytes()) {
            names_field_of(&error, &fields, file.split(['\n', '\r']).count());
        }
    });
}

const CALENDAR_XML: &str = include_str!("../data/ru-calendar-2027.xml");
const CALENDAR_CSV: &str = include_str!("../../data/ru-calendar-2027.csv");

/// A published file with a few bytes changed, cut or repeated.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    (0..base.len(), 0usize..40, "\\PC{0,8}").prop_map(move |(at, cut, insert)| {
        let bytes = base.as_bytes();
        let end = (at + cut).min(bytes.len());
        let mut out = bytes[..at].to_vec();
        out.extend_from_slice(insert.as_bytes());
        out.extend_from_slice(&bytes[end..]);
        String::from_utf8_lossy(&out).into_owned()
    })
}

#[test]
fn any_calendar_file_loads_or_is_refused_naming_a_field() {
    let calendar_fields = ["calendar xml", "calendar csv", "calendar file", "date", "kind", "note"];
    let xml = prop_oneof![mutated(CALENDAR_XML), any::<String>(), "(<[a-z/ =\"0-9.]{0,20}>){0,20}"];
    property("calendar XML", xml, |text| {
        if let Err(error) = read_calendar_xml(&text) {
            names_field_of(&error, &calendar_fields, text.split(['\n', '\r']).count());
        }
    });
    let csv = prop_oneof![mutated(CALENDAR_CSV), any::<String>()];
    property("calendar CSV", csv, |text| {
        if let Err(error) = read_calendar_csv(text.as_bytes()) {
            names_field_of(&error, &calendar_fields, text.split(['\n', '\r']).count());
        }
    });
}

#[test]
fn any_value_import_rows_are_each_stored_or_refused_naming_a_field() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let city = runtime.block_on(City::build(Arc::new(MemoryStorage::new())));
    let code = prop_oneof![
        Just("EDU-1".to_string()),
        Just("EDU-2".to_string()),
        Just("HOUSE-1".to_string()),
        "\\PC{0,12}",
    ];
    let period =
        prop_oneof![Just("2026-M06".to_string()), "[0-9]{4}-[MQH][0-9]{1,2}", "\\PC{0,10}"];
    let input = prop_oneof![
        typed_text().prop_map(ValueInput::Text),
        "\\PC{0,30}".prop_map(ValueInput::NotApplicable),
    ];
    let row = (code, period, input).prop_map(|(indicator, period, input)| ImportRow {
        indicator,
        period,
        input,
    });
    let rows = proptest::collection::vec(row, 0..8);
    let known: BTreeSet<&str> =
        ["indicator", "period", "value", "not applicable reason", "row"].into_iter().collect();
    property("value import rows", rows, |rows| {
        let passport = &city.passport;
        let token = &city.executor.token;
        let report = runtime
            .block_on(passport.import_values(token, &rows, ImportMode::DryRun))
            .expect("a dry run reports each row");
        assert_eq!(report.accepted + report.refused.len(), rows.len());
        for refused in &report.refused {
            assert!(known.contains(refused.field.as_str()), "{refused:?}");
            assert!(refused.reason.chars().count() < 400, "{refused:?}");
        }
    });
}
