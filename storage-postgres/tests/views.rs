//! The reporting views answer a plain SQL query, without the library, over records the
//! core wrote.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use citypassport_core::records::Changes;
use citypassport_core::storage::Storage;
use citypassport_core::{Department, DepartmentKind, Entry, Id, Indicator, Value, ValueStatus};
use citypassport_postgres::testing::TestSchema;
use serde_json::json;
use sqlx::Row;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_values_show_code_name_unit_period_and_status() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    let department = Department {
        id: Id::from("d1"),
        name: "Отдел ЗАГС".into(),
        kind: DepartmentKind::Department,
    };
    // Built from the JSON the core writes, through the core's types, so that the test
    // follows fields the core adds with defaults.
    let births: Indicator = serde_json::from_value(json!({
        "code": "MR-1.1",
        "name": "Число родившихся",
        "section": "Население",
        "unit": { "name": "человек", "okei": "792" },
        "kind": { "kind": "integer" },
        "periodicity": "quarterly",
        "due": { "rule": "day_of_month_after", "day": 10, "months_after": 1 },
        "department": "d1",
        "methodology": "По данным ЗАГС",
        "plausibility": { "min": null, "max": null, "max_change_percent": null },
    }))?;
    let submitted = Utc.with_ymd_and_hms(2026, 10, 5, 9, 30, 0).unwrap();
    let accepted: Value = serde_json::from_value(json!({
        "indicator": "MR-1.1",
        "period": "2026-Q3",
        "entry": { "entry": "amount", "amount": "1234" },
        "status": "accepted",
        "flags": [],
        "return_reason": null,
        "department": "d1",
        "entered_by": "e1",
        "updated_at": submitted,
        "submitted_by": "e1",
        "submitted_at": submitted,
        "first_submitted_at": submitted,
        "reviewed_by": "c1",
        "reviewed_at": submitted,
        "times_returned": 0,
        "revisions": 3,
    }))?;
    let not_applicable = Value {
        period: "2026-Q2".parse()?,
        entry: Entry::NotApplicable { reason: "ЗАГС закрыт на ремонт".into() },
        status: ValueStatus::Returned,
        return_reason: Some("уточните".into()),
        times_returned: 1,
        ..accepted.clone()
    };

    let mut changes = Changes::new();
    changes.insert(&department)?.insert(&births)?.insert(&accepted)?.insert(&not_applicable)?;
    store.apply(changes.into_change_set()).await?;

    // A plain connection, as psql or a BI tool would make.
    let mut conn = common::connection(&schema).await;
    let rows = sqlx::query(
        "SELECT indicator_code, indicator_name, section, unit, okei, period, period_start,
                period_end, status, value::text AS value, not_applicable_reason, department,
                submitted_at, times_returned
         FROM current_values ORDER BY indicator_code, period",
    )
    .fetch_all(&mut conn)
    .await?;
    assert_eq!(rows.len(), 2);

    let q2 = &rows[0];
    assert_eq!(q2.get::<String, _>("period"), "2026-Q2");
    assert_eq!(q2.get::<String, _>("status"), "returned");
    assert_eq!(q2.get::<Option<String>, _>("value"), None);
    assert_eq!(
        q2.get::<Option<String>, _>("not_applicable_reason").as_deref(),
        Some("ЗАГС закрыт на ремонт")
    );
    assert_eq!(q2.get::<i32, _>("times_returned"), 1);

    let q3 = &rows[1];
    assert_eq!(q3.get::<String, _>("indicator_code"), "MR-1.1");
    assert_eq!(q3.get::<String, _>("indicator_name"), "Число родившихся");
    assert_eq!(q3.get::<String, _>("section"), "Население");
    assert_eq!(q3.get::<String, _>("unit"), "человек");
    assert_eq!(q3.get::<Option<String>, _>("okei").as_deref(), Some("792"));
    assert_eq!(q3.get::<String, _>("period"), "2026-Q3");
    assert_eq!(
        q3.get::<NaiveDate, _>("period_start"),
        NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    );
    assert_eq!(q3.get::<NaiveDate, _>("period_end"), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
    assert_eq!(q3.get::<String, _>("status"), "accepted");
    assert_eq!(q3.get::<Option<String>, _>("value").as_deref(), Some("1234"));
    assert_eq!(q3.get::<Option<String>, _>("department").as_deref(), Some("Отдел ЗАГС"));
    assert_eq!(q3.get::<Option<chrono::DateTime<Utc>>, _>("submitted_at"), Some(submitted));

    let published: Vec<String> =
        sqlx::query_scalar("SELECT period FROM accepted_values").fetch_all(&mut conn).await?;
    assert_eq!(published, ["2026-Q3"]);

    let catalog =
        sqlx::query("SELECT code, name, unit, okei, periodicity, department FROM indicators")
            .fetch_all(&mut conn)
            .await?;
    assert_eq!(catalog.len(), 1);
    assert_eq!(catalog[0].get::<String, _>("periodicity"), "quarterly");
    assert_eq!(catalog[0].get::<Option<String>, _>("department").as_deref(), Some("Отдел ЗАГС"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn period_bounds_cover_every_periodicity() -> TestResult {
    let schema = TestSchema::fresh();
    let _store = schema.open().await;
    let mut conn = common::connection(&schema).await;

    let cases = [
        ("2024-M02", Some((2024, 2, 1)), Some((2024, 2, 29))),
        ("2026-Q4", Some((2026, 10, 1)), Some((2026, 12, 31))),
        ("2026-H1", Some((2026, 1, 1)), Some((2026, 6, 30))),
        ("2026", Some((2026, 1, 1)), Some((2026, 12, 31))),
        ("2026-M13", None, None),
    ];
    let day = |d: Option<(i32, u32, u32)>| d.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
    for (period, first, last) in cases {
        let row = sqlx::query("SELECT period_first_day($1) AS first, period_last_day($1) AS last")
            .bind(period)
            .fetch_one(&mut conn)
            .await?;
        assert_eq!(row.get::<Option<NaiveDate>, _>("first"), day(first), "{period}");
        assert_eq!(row.get::<Option<NaiveDate>, _>("last"), day(last), "{period}");
    }
    Ok(())
}
