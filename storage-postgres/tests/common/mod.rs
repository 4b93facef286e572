//! Looking under the store's hood in tests, and records shaped as the core writes them.

use chrono::{Datelike, TimeZone, Utc};
use citypassport_core::catalog::CatalogEntry;
use citypassport_core::records::Changes;
use citypassport_core::{
    ChangeProposal, Department, DepartmentKind, Id, Indicator, IndicatorVersion, Unit, Value,
};
use citypassport_postgres::testing::TestSchema;
use serde_json::json;
use sqlx::Connection;

/// What a fixture returns.
pub type FixtureResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A plain connection whose search path is the test's schema.
pub async fn connection(schema: &TestSchema) -> sqlx::PgConnection {
    let mut conn = sqlx::PgConnection::connect(schema.url()).await.expect("a test connection");
    sqlx::query("SELECT set_config('search_path', quote_ident($1), false)")
        .bind(schema.name())
        .execute(&mut conn)
        .await
        .expect("setting the search path");
    conn
}

/// The records of catalog governance as the core writes them: a budget series `FIN-1`
/// kept in thousands of roubles until 2008 and in roubles from 2009 (on proposal
/// `p-2009`, stored before versions kept the proposer), renamed from next year on by the
/// chief of staff (a change not in force today), with values for 2008 and 2009; and
/// `OLD-1`, retired from 2020, with values for 2019 and 2020. Built through the core's
/// types so that the bodies follow the fields the core adds.
pub fn unit_change_and_retirement() -> FixtureResult<Changes> {
    let next_year = (Utc::now().year() + 1).to_string();
    let department = Department {
        id: Id::from("d1"),
        name: "Финансовое управление".into(),
        kind: DepartmentKind::Department,
    };
    let thousands = yearly("FIN-1", "Доходы бюджета", "тыс. рублей", "384")?;
    let roubles = Indicator {
        unit: Unit { name: "рублей".into(), okei: Some("383".into()) },
        ..thousands.clone()
    };
    let renamed =
        Indicator { name: "Доходы бюджета города".into(), ..roubles.clone() };
    let old = yearly("OLD-1", "Число киосков", "единиц", "642")?;

    let mut changes = Changes::new();
    changes
        .insert(&department)?
        // The indicator record holds the newest definition, as the core keeps it.
        .insert(&CatalogEntry::in_force(renamed.clone()))?
        .insert(&version("FIN-1", 1, Some(&thousands), None, json!({}))?)?
        .insert(&proposal("p-2009", &roubles)?)?
        .insert(&version(
            "FIN-1",
            2,
            Some(&roubles),
            Some("2009"),
            json!({ "proposal": "p-2009" }),
        )?)?
        .insert(&version(
            "FIN-1",
            3,
            Some(&renamed),
            Some(&next_year),
            json!({ "proposed_by": "chief", "decision_reason": "прямое изменение" }),
        )?)?
        .insert(&accepted_value("FIN-1", "2008", "1250.5")?)?
        .insert(&accepted_value("FIN-1", "2009", "1300000")?)?
        // A retirement marks the record, whose definition stays the last one in force.
        .insert(&CatalogEntry { indicator: old.clone(), retired_from: Some("2020".parse()?) })?
        .insert(&version("OLD-1", 1, Some(&old), None, json!({}))?)?
        .insert(&version("OLD-1", 2, None, Some("2020"), json!({}))?)?
        .insert(&accepted_value("OLD-1", "2019", "12")?)?
        .insert(&accepted_value("OLD-1", "2020", "11")?)?;
    Ok(changes)
}

/// A yearly indicator's definition.
pub fn yearly(code: &str, name: &str, unit: &str, okei: &str) -> FixtureResult<Indicator> {
    Ok(serde_json::from_value(json!({
        "code": code,
        "name": name,
        "section": "Финансы",
        "unit": { "name": unit, "okei": okei },
        "kind": { "kind": "decimal", "places": 1 },
        "periodicity": "yearly",
        "due": { "rule": "day_of_month_after", "day": 1, "months_after": 4 },
        "department": "d1",
        "methodology": "По данным бюджета",
        "plausibility": { "min": null, "max": null, "max_change_percent": null },
    }))?)
}

/// Version `number` of an indicator: `definition` (none retires it) from the period
/// `from` (none: from the beginning), with the fields in `more` (proposal, proposer,
/// reason of the decision) where it has them.
pub fn version(
    code: &str,
    number: u32,
    definition: Option<&Indicator>,
    from: Option<&str>,
    more: serde_json::Value,
) -> FixtureResult<IndicatorVersion> {
    let mut body = json!({
        "code": code,
        "number": number,
        "definition": definition,
        "effective_from": from,
        "recorded_at": Utc.with_ymd_and_hms(2020, 1, 15, 12, 0, 0).unwrap(),
        "recorded_by": "chief",
        "proposal": null,
        "reason": format!("version {number}"),
    });
    if let (Some(body), Some(more)) = (body.as_object_mut(), more.as_object()) {
        body.extend(more.clone());
    }
    Ok(serde_json::from_value(body)?)
}

/// An approved proposal to change an indicator to `definition` from 2009.
fn proposal(id: &str, definition: &Indicator) -> FixtureResult<ChangeProposal> {
    let at = Utc.with_ymd_and_hms(2020, 1, 10, 12, 0, 0).unwrap();
    Ok(serde_json::from_value(json!({
        "id": id,
        "change": { "change": "change", "indicator": definition },
        "justification": "переход на рубли",
        "effective_from": "2009",
        "department": "d1",
        "proposed_by": "head",
        "proposed_at": at,
        "status": "approved",
        "decided_by": "chief",
        "decided_at": at,
        "decision_reason": "согласовано",
    }))?)
}

/// An accepted value of a yearly indicator.
fn accepted_value(code: &str, year: &str, amount: &str) -> FixtureResult<Value> {
    let at = Utc.with_ymd_and_hms(2021, 3, 1, 9, 0, 0).unwrap();
    Ok(serde_json::from_value(json!({
        "indicator": code,
        "period": year,
        "entry": { "entry": "amount", "amount": amount },
        "status": "accepted",
        "flags": [],
        "return_reason": null,
        "department": "d1",
        "entered_by": "e1",
        "updated_at": at,
        "submitted_by": "e1",
        "submitted_at": at,
        "first_submitted_at": at,
        "reviewed_by": "c1",
        "reviewed_at": at,
        "times_returned": 0,
        "revisions": 3,
    }))?)
}
