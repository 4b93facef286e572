//! Scenarios that try hard to break the guarantees: login timing, many writers on the
//! same values, reloading what is already stored, hostile text in every field.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use citypassport_core::storage::RecordKind;
use citypassport_core::{
    AuditQuery, Correction, Decision, DepartmentKind, Error, NewAccount, Period, Periodicity, Role,
    SessionToken, Settings, Storage, ValueAction, ValueInput, ValueKind, ValueStatus,
};

use crate::city::{indicator, City, PASSWORD};

fn june() -> Period {
    "2026-M06".parse().expect("period")
}

fn typed(text: &str) -> ValueInput {
    ValueInput::Text(text.into())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// How many logins of each kind the timing test measures; more in the full run.
fn timing_tries() -> usize {
    std::env::var("CITYPASSPORT_TIMING_TRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(15)
}

/// A failed login takes as long for an unknown e-mail as for a known e-mail with a
/// wrong password: the medians of interleaved tries differ by less than a quarter.
/// Prints the medians.
pub async fn login_takes_as_long_for_an_unknown_email_as_for_a_wrong_password(
    storage: Arc<dyn Storage>,
) {
    // No lockout during the measurement: it would end the tries early.
    let settings = Settings { max_failed_logins: 100_000, ..Settings::default() };
    let city = City::build_with(storage, settings).await;
    let p = &city.passport;
    let tries = timing_tries();

    // One untimed round of each warms the caches of both paths.
    let _ = p.login("nobody@city.example", "wrong password 0").await;
    let _ = p.login(&city.viewer.email, "wrong password 0").await;

    // The two kinds alternate which goes first, so that neither always pays for what
    // the other left behind (freed hashing memory, a cooled cache).
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for n in 0..tries * 2 {
        let unknown_turn = (n % 2 == 0) == (n / 2 % 2 == 0);
        let email = if unknown_turn { "nobody@city.example" } else { city.viewer.email.as_str() };
        let started = Instant::now();
        let err = p.login(email, "wrong password 1").await;
        let elapsed = started.elapsed();
        assert!(matches!(err, Err(Error::LoginFailed)), "{err:?}");
        if unknown_turn {
            unknown.push(elapsed);
        } else {
            wrong.push(elapsed);
        }
    }
    let (unknown, wrong) = (median(unknown), median(wrong));
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    println!(
        "login timing over {tries} tries each: unknown e-mail median {unknown:?}, wrong \
         password median {wrong:?}, ratio {ratio:.3}"
    );
    assert!((0.75..=1.33).contains(&ratio), "ratio {ratio:.3} tells the two apart");
}

/// Loading a calendar year that is already stored replaces it; loading it a second time
/// changes nothing and fails nothing.
pub async fn calendar_year_loaded_again_replaces_the_stored_year(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let csv = include_str!("../../data/ru-calendar-2027.csv");
    let xml = include_str!("../data/ru-calendar-2027.xml");

    let first = p.load_calendar_csv(&city.admin.token, csv.as_bytes()).await.unwrap();
    let again = p.load_calendar_csv(&city.admin.token, csv.as_bytes()).await.unwrap();
    assert_eq!(first, again);
    let from_xml = p.load_calendar_xml(&city.admin.token, xml).await.unwrap();
    assert_eq!(from_xml.years, vec![2027]);

    let calendar = p.working_calendar(&city.viewer.token).await.unwrap();
    let stored_2027 = calendar.days().filter(|d| d.date.format("%Y").to_string() == "2027");
    assert_eq!(stored_2027.count(), from_xml.days, "the XML's days replace the CSV's");
}

/// What a worker did, counted by kind.
#[derive(Debug, Default)]
struct Done {
    /// Successful writes that add a revision to a value.
    revisions: usize,
    /// Corrections proposed.
    proposed: usize,
    /// Corrections rejected.
    rejected: usize,
    /// Writes refused with a conflict or a changed state.
    refused: usize,
}

fn tally(done: &mut Done, result: Result<(), Error>, adds_revision: bool) {
    match result {
        Ok(()) if adds_revision => done.revisions += 1,
        Ok(()) => {}
        Err(Error::Conflict(_) | Error::WrongState(_)) => done.refused += 1,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

/// Rounds each worker runs; more in the full run.
fn concurrency_rounds() -> usize {
    std::env::var("CITYPASSPORT_CONCURRENCY_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(8)
}

/// Reviewers, correctors, approvers and the executor all work the same values at once:
/// every write either takes effect with its revision and audit record or is refused
/// with a conflict or a changed state; no update is lost; each value's history, its
/// corrections and the audit log agree; the audit chain verifies.
pub async fn concurrent_reviews_corrections_and_resubmissions_lose_no_update(
    storage: Arc<dyn Storage>,
) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let codes = ["EDU-1", "EDU-2"];
    let mut controllers = vec![city.controller.token.clone()];
    let mut chiefs = vec![city.chief.token.clone()];
    for n in 0..2 {
        let email = format!("controller{n}@city.example");
        controllers.push(
            City::person(p, &city.admin.token, &email, vec![Role::Controller], None).await.token,
        );
    }
    let email = "chief2@city.example";
    chiefs.push(
        City::person(p, &city.admin.token, email, vec![Role::ChiefOfStaff], None).await.token,
    );
    for code in codes {
        p.save_draft(&city.executor.token, code, june(), typed("100")).await.unwrap();
        p.submit(&city.executor.token, code, june()).await.unwrap();
    }
    let rounds = concurrency_rounds();

    let mut tasks = Vec::new();
    for (n, token) in controllers.into_iter().enumerate() {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Done::default();
            for round in 0..rounds {
                let code = codes[(n + round) % 2];
                let amount = format!("{}", 100 + n * 10 + round);
                match (n + round) % 3 {
                    0 => tally(&mut done, p.accept(&token, code, june()).await.map(drop), true),
                    1 => tally(
                        &mut done,
                        p.return_value(&token, code, june(), "перепроверить").await.map(drop),
                        true,
                    ),
                    _ => {
                        let proposed = p
                            .propose_correction(&token, code, june(), typed(&amount), "уточнено")
                            .await
                            .map(drop);
                        match proposed {
                            Ok(()) => done.proposed += 1,
                            // Another corrector already set the value to this amount.
                            Err(Error::Invalid { field, .. }) if field == "value" => {
                                done.refused += 1;
                            }
                            other => tally(&mut done, other, false),
                        }
                    }
                }
            }
            done
        }));
    }
    for (n, token) in chiefs.into_iter().enumerate() {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Done::default();
            for round in 0..rounds * 2 {
                let pending = p.corrections(&token, Some(Decision::Pending)).await.unwrap();
                let Some(correction) = pending.get((n + round) % pending.len().max(1)) else {
                    tokio::task::yield_now().await;
                    continue;
                };
                if (n + round) % 4 == 3 {
                    let rejected =
                        p.reject_correction(&token, &correction.id, "не подтверждено").await;
                    if rejected.is_ok() {
                        done.rejected += 1;
                    }
                    tally(&mut done, rejected.map(drop), false);
                } else {
                    let approved = p.approve_correction(&token, &correction.id, None).await;
                    tally(&mut done, approved.map(drop), true);
                }
            }
            done
        }));
    }
    {
        let p = p.clone();
        let token = city.executor.token.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Done::default();
            for round in 0..rounds * 4 {
                let code = codes[round % 2];
                let returned = p.value(&token, code, june()).await.unwrap();
                let Some(value) = returned.filter(|v| v.status == ValueStatus::Returned) else {
                    tokio::task::yield_now().await;
                    continue;
                };
                let fixed =
                    (value.entry.amount().unwrap() + rust_decimal::Decimal::ONE).to_string();
                let saved = p.save_draft(&token, code, june(), typed(&fixed)).await.map(drop);
                tally(&mut done, saved, true);
                tally(&mut done, p.submit(&token, code, june()).await.map(drop), true);
            }
            done
        }));
    }
    let mut total = Done::default();
    for task in tasks {
        let done = task.await.unwrap();
        total.revisions += done.revisions;
        total.proposed += done.proposed;
        total.rejected += done.rejected;
        total.refused += done.refused;
    }

    let viewer = &city.viewer.token;
    let auditor = &city.controller.token;
    let corrections = p.corrections(viewer, None).await.unwrap();
    let mut revisions = 0;
    for code in codes {
        let history = p.value_history(viewer, code, june()).await.unwrap();
        let numbers: Vec<u32> = history.iter().map(|r| r.number).collect();
        assert_eq!(numbers, (1..=history.len() as u32).collect::<Vec<_>>(), "no gap, no overwrite");
        let current = p.value(viewer, code, june()).await.unwrap().unwrap();
        let last = history.last().unwrap();
        assert_eq!(current.revisions as usize, history.len());
        assert_eq!((current.status, &current.entry), (last.new_status, &last.new));

        let approved: Vec<&Correction> = corrections
            .iter()
            .filter(|c| c.value.indicator == code && c.status == Decision::Approved)
            .collect();
        let corrected = history.iter().filter(|r| r.action == ValueAction::Correct).count();
        assert_eq!(corrected, approved.len(), "each approved correction is one revision");

        let about = AuditQuery {
            kind: Some(RecordKind::Value),
            key: Some(format!("{code}|{}", june())),
            ..Default::default()
        };
        let audited = p.audit_log(auditor, &about).await.unwrap();
        let actions: Vec<String> = audited.iter().map(|r| r.entry.action.clone()).collect();
        let expected: Vec<String> =
            history.iter().map(|r| format!("value.{}", r.action.as_str())).collect();
        assert_eq!(actions, expected, "the audit log tells the same story as the history");
        revisions += history.len();
    }
    // Two drafts and two submissions came before the race.
    assert_eq!(revisions, total.revisions + 4, "every acknowledged write left a revision");

    let about = AuditQuery { kind: Some(RecordKind::Correction), ..Default::default() };
    let audited = p.audit_log(auditor, &about).await.unwrap();
    let count = |action: &str| audited.iter().filter(|r| r.entry.action == action).count();
    let decided = |status: Decision| corrections.iter().filter(|c| c.status == status).count();
    assert_eq!(count("correction.propose"), corrections.len());
    assert_eq!(corrections.len(), total.proposed);
    assert_eq!(count("correction.approve"), decided(Decision::Approved));
    assert_eq!(count("correction.reject"), decided(Decision::Rejected));
    assert_eq!(decided(Decision::Rejected), total.rejected);

    let check = p.verify_audit_log(auditor).await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    println!(
        "concurrent writers: {} revisions, {} corrections proposed, {} approved, {} rejected, \
         {} writes refused with a conflict or a changed state",
        revisions,
        total.proposed,
        decided(Decision::Approved),
        total.rejected,
        total.refused
    );
}

/// Every free-text field refuses text over its limit with an error naming the field,
/// and names in any script (Cyrillic with ё, Latin with accents, CJK, combining marks,
/// emoji, right-to-left) or shaped like SQL are stored and read back exactly: text
/// reaches a query only as a bound parameter.
pub async fn text_fields_are_limited_and_unicode_names_kept(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let long = "ё".repeat(citypassport_core::text::MAX_NAME + 1);
    let huge = "я".repeat(citypassport_core::text::MAX_TEXT + 1);

    let refused_field = |result: Result<(), Error>| match result {
        Err(Error::Invalid { field, reason }) => {
            assert!(reason.len() < 200, "the reason does not echo the input: {reason}");
            field
        }
        other => panic!("expected an invalid field, got {other:?}"),
    };
    let admin = &city.admin.token;
    let chief = &city.chief.token;
    let department = p.create_department(admin, &long, DepartmentKind::Department).await;
    assert_eq!(refused_field(department.map(drop)), "department name");
    let new = NewAccount {
        email: "long@city.example".into(),
        full_name: long.clone(),
        department: None,
        roles: BTreeSet::from([Role::Viewer]),
        order: citypassport_core::AppointmentOrder {
            number: "1-к".into(),
            date: "2026-01-12".parse().unwrap(),
        },
    };
    assert_eq!(refused_field(p.create_account(admin, new).await.map(drop)), "full name");
    let mut definition =
        indicator("LONG-1", ValueKind::Integer, Periodicity::Monthly, &city.education);
    definition.name = long.clone();
    assert_eq!(refused_field(p.define_indicator(chief, definition.clone()).await), "name");
    definition.name = "ok".into();
    definition.methodology = huge.clone();
    assert_eq!(refused_field(p.define_indicator(chief, definition.clone()).await), "methodology");
    definition.methodology = String::new();
    definition.code = "К".repeat(200);
    assert_eq!(refused_field(p.define_indicator(chief, definition).await), "code");
    let email = format!("{}@city.example", "a".repeat(400));
    assert!(matches!(p.login(&email, PASSWORD).await, Err(Error::LoginFailed)));
    assert_eq!(
        refused_field(
            p.save_draft(&city.executor.token, "EDU-1", june(), typed(&"9".repeat(5000)))
                .await
                .map(drop)
        ),
        "value"
    );
    p.save_draft(&city.executor.token, "EDU-1", june(), typed("5")).await.unwrap();
    p.submit(&city.executor.token, "EDU-1", june()).await.unwrap();
    let returned = p.return_value(&city.controller.token, "EDU-1", june(), &huge).await;
    assert_eq!(refused_field(returned.map(drop)), "reason");
    let period = "2026-M06".repeat(10_000).parse::<Period>();
    assert_eq!(refused_field(period.map(drop)), "period");

    for name in [
        "Управление ЖКХ «Ёлочка»",
        "Café Zürich — Straße",
        "教育局",
        "Ё\u{0308}лкина (combining)",
        "Отдел 🏙️ развития",
        "עירייה",
        "Robert'); DROP TABLE records; --",
        "отдел\\' OR '1'='1",
        "$1 %s {} \\x00",
    ] {
        let department = p.create_department(admin, name, DepartmentKind::Department).await;
        let department = department.unwrap_or_else(|e| panic!("{name}: {e}"));
        let found = p.department_by_name(&city.viewer.token, name).await.unwrap();
        assert_eq!((found.id, found.name.as_str()), (department.id, name));
    }
    let token: &SessionToken = &city.viewer.token;
    assert!(p.departments(token).await.unwrap().len() >= 8);
}
