//! The reporting views answer a plain SQL query, without the library, over records the
//! core wrote.

mod common;

use std::process::Command;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use citypassport_core::catalog::CatalogEntry;
use citypassport_core::governance::CatalogHistory;
use citypassport_core::records::Changes;
use citypassport_core::storage::Storage;
use citypassport_core::{
    Department, DepartmentKind, Entry, Id, Indicator, Period, Periodicity, Value, ValueStatus,
};
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

    // An indicator written without versions is in force from its record.
    let in_force: Vec<(String, Option<i32>)> =
        sqlx::query_as("SELECT code, version FROM catalog_in_force").fetch_all(&mut conn).await?;
    assert_eq!(in_force, [("MR-1.1".to_string(), None)]);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_value_shows_the_definition_in_force_for_its_period() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    store.apply(common::unit_change_and_retirement()?.into_change_set()).await?;

    let mut conn = common::connection(&schema).await;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws(' | ', indicator_code, period, indicator_name, unit, okei, value,
                          'version ' || indicator_version,
                          CASE WHEN indicator_retired THEN 'retired' END)
         FROM current_values ORDER BY indicator_code, period",
    )
    .fetch_all(&mut conn)
    .await?;
    assert_eq!(
        rows,
        [
            // 2008 keeps thousands of roubles, 2009 is in roubles, and the renaming
            // from next year shows in neither.
            "FIN-1 | 2008 | Доходы бюджета | тыс. рублей | 384 | 1250.5 | version 1",
            "FIN-1 | 2009 | Доходы бюджета | рублей | 383 | 1300000 | version 2",
            "OLD-1 | 2019 | Число киосков | единиц | 642 | 12 | version 1",
            // A value of a period the indicator is retired for keeps the definition it
            // was entered under, and says the indicator is retired.
            "OLD-1 | 2020 | Число киосков | единиц | 642 | 11 | version 1 | retired",
        ]
    );

    // The accepted figures carry the same columns.
    let published: Vec<(String, String)> = sqlx::query_as(
        "SELECT period, unit FROM accepted_values WHERE indicator_code = 'FIN-1' ORDER BY period",
    )
    .fetch_all(&mut conn)
    .await?;
    assert_eq!(
        published,
        [("2008".to_string(), "тыс. рублей".to_string()), ("2009".into(), "рублей".into())]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_in_force_leaves_out_retired_indicators_and_future_changes() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    store.apply(common::unit_change_and_retirement()?.into_change_set()).await?;

    let mut conn = common::connection(&schema).await;
    let catalog: Vec<(String, String, String, i32, Option<String>)> = sqlx::query_as(
        "SELECT code, name, unit, version, effective_from FROM catalog_in_force ORDER BY code",
    )
    .fetch_all(&mut conn)
    .await?;
    assert_eq!(
        catalog,
        [(
            "FIN-1".to_string(),
            "Доходы бюджета".to_string(),
            "рублей".to_string(),
            2,
            Some("2009".to_string())
        )]
    );

    // The history keeps every version, the retirement among them, with who proposed
    // each change and why it was approved; a version stored before it kept them takes
    // them from its proposal.
    let next_year = (Utc::now().year() + 1).to_string();
    let versions: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws(' | ', code, number, effective_from, unit,
                          CASE WHEN retires THEN 'retires' END, proposal, proposed_by,
                          decision_reason)
         FROM indicator_versions ORDER BY code, number",
    )
    .fetch_all(&mut conn)
    .await?;
    assert_eq!(
        versions,
        [
            "FIN-1 | 1 | тыс. рублей".to_string(),
            "FIN-1 | 2 | 2009 | рублей | p-2009 | head | согласовано".into(),
            format!("FIN-1 | 3 | {next_year} | рублей | chief | прямое изменение"),
            "OLD-1 | 1 | единиц".into(),
            "OLD-1 | 2 | 2020 | retires".into(),
        ]
    );

    // The records' view keeps the newest definition, and says from when an indicator
    // is retired.
    let records: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT code, name, retired_from FROM indicators ORDER BY code")
            .fetch_all(&mut conn)
            .await?;
    assert_eq!(
        records,
        [
            ("FIN-1".to_string(), "Доходы бюджета города".to_string(), None),
            ("OLD-1".into(), "Число киосков".into(), Some("2020".into())),
        ]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_in_force_agrees_with_the_core_on_today() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    let mut conn = common::connection(&schema).await;
    // The view's today, so that the core is asked about the same day.
    let today: NaiveDate = sqlx::query_scalar("SELECT current_date").fetch_one(&mut conn).await?;
    let quarter = Period::containing(today, Periodicity::Quarterly)?.to_string();
    let next_year = (today.year() + 1).to_string();

    // POP turned quarterly from this quarter, and monthly again from next year; KIO is
    // retired from next year (still in force today); OLD was retired from 2020 before
    // the core marked records, so its record has no mark.
    let pop_monthly = Indicator {
        periodicity: Periodicity::Monthly,
        ..common::yearly("POP", "Население (месяц)", "человек", "792")?
    };
    let pop_quarterly = Indicator {
        name: "Население (квартал)".into(),
        periodicity: Periodicity::Quarterly,
        ..pop_monthly.clone()
    };
    let pop_next = Indicator {
        name: "Население (новая методика)".into(), ..pop_monthly.clone()
    };
    let kio = common::yearly("KIO", "Число киосков", "единиц", "642")?;
    let old = common::yearly("OLD", "Число телефонных будок", "единиц", "642")?;
    let versions = [
        common::version("POP", 1, Some(&pop_monthly), None, json!({}))?,
        common::version("POP", 2, Some(&pop_quarterly), Some(&quarter), json!({}))?,
        common::version("POP", 3, Some(&pop_next), Some(&format!("{next_year}-M01")), json!({}))?,
        common::version("KIO", 1, Some(&kio), None, json!({}))?,
        common::version("KIO", 2, None, Some(&next_year), json!({}))?,
        common::version("OLD", 1, Some(&old), None, json!({}))?,
        common::version("OLD", 2, None, Some("2020"), json!({}))?,
    ];
    let mut changes = Changes::new();
    changes
        .insert(&CatalogEntry::in_force(pop_next.clone()))?
        .insert(&CatalogEntry { indicator: kio.clone(), retired_from: Some(next_year.parse()?) })?
        .insert(&CatalogEntry::in_force(old.clone()))?;
    for version in &versions {
        changes.insert(version)?;
    }
    store.apply(changes.into_change_set()).await?;

    let history = CatalogHistory::new(versions.iter().cloned());
    let mut expected: Vec<(String, String, String)> = history
        .catalog_on(today, None)
        .into_iter()
        .map(|i| (i.code, i.name, i.periodicity.as_str().to_string()))
        .collect();
    expected.sort();
    assert_eq!(
        expected,
        [
            ("KIO".to_string(), "Число киосков".to_string(), "yearly".to_string()),
            ("POP".into(), "Население (квартал)".into(), "quarterly".into()),
        ],
        "the core's catalog of today"
    );
    let in_force: Vec<(String, String, String)> =
        sqlx::query_as("SELECT code, name, periodicity FROM catalog_in_force ORDER BY code")
            .fetch_all(&mut conn)
            .await?;
    assert_eq!(in_force, expected);

    // The records' view says from when each is retired, as the core's catalog entry.
    let retired: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT code, retired_from FROM indicators ORDER BY code")
            .fetch_all(&mut conn)
            .await?;
    let from_history = |code: &str| history.retired_from(code, None).map(|p| p.to_string());
    assert_eq!(
        retired,
        [
            ("KIO".to_string(), from_history("KIO")),
            ("OLD".into(), from_history("OLD")),
            ("POP".into(), from_history("POP")),
        ]
    );
    assert_eq!(retired[1].1.as_deref(), Some("2020"));
    Ok(())
}

/// Runs `sql` with the real `psql` client, unaligned and without headers, and returns
/// its output.
fn psql(schema: &TestSchema, sql: &str) -> String {
    let output = Command::new("psql")
        .args(["--no-psqlrc", "--no-align", "--tuples-only", "--field-separator=|"])
        .args(["--set=ON_ERROR_STOP=1", "--dbname"])
        .arg(schema.url())
        .arg("--command")
        .arg(sql)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "psql is not installed: this test reads the views with the real PostgreSQL \
             client; install postgresql-client (apt-get install postgresql-client)"
        ),
        Err(e) => panic!("psql could not be started: {e}"),
    };
    // The URL holds the test server's password, so only psql's own words are shown.
    assert!(
        output.status.success(),
        "psql failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("psql prints UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_answer_a_plain_psql_query() -> TestResult {
    let schema = TestSchema::fresh();
    let store = schema.open().await;
    store.apply(common::unit_change_and_retirement()?.into_change_set()).await?;

    let quoted = format!("\"{}\"", schema.name().replace('"', "\"\""));
    let values = psql(
        &schema,
        &format!(
            "SELECT indicator_code, period, unit, value FROM {quoted}.current_values
             WHERE period_start >= date '2008-01-01' AND period_end <= date '2009-12-31'
             ORDER BY indicator_code, period_start"
        ),
    );
    assert_eq!(values, "FIN-1|2008|тыс. рублей|1250.5\nFIN-1|2009|рублей|1300000\n");

    let catalog = psql(&schema, &format!("SELECT code, unit FROM {quoted}.catalog_in_force"));
    assert_eq!(catalog, "FIN-1|рублей\n");
    Ok(())
}
