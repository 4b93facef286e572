//! Scenarios that try hard to break the guarantees: login timing, many writers on the
//! same values, reloading what is already stored, hostile text in every field.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use citypassport_core::storage::RecordKind;
use citypassport_core::{
    AuditQuery, Correction, Decision, DepartmentKind, Error, NewAccount, Period, Periodicity, Role,
    SessionToken, Settings, Storage, ValueAction, ValueInput, ValueKind, ValueStatus,
};

use crate::city::{indicator, City, PASSWORD};
use crate::delayed::DelayedWrites;

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
    /// Corrections refused because the value already holds the proposed amount.
    unneeded: usize,
    /// Writes refused with a conflict or a changed state.
    refused: usize,
    /// Of those, the writes refused with a conflict: they read the record before another
    /// writer changed it, and the version check caught it.
    conflicts: usize,
}

impl Done {
    fn add(&mut self, other: Done) {
        self.revisions += other.revisions;
        self.proposed += other.proposed;
        self.rejected += other.rejected;
        self.unneeded += other.unneeded;
        self.refused += other.refused;
        self.conflicts += other.conflicts;
    }
}

fn tally(done: &mut Done, result: Result<(), Error>, adds_revision: bool) {
    match result {
        Ok(()) if adds_revision => done.revisions += 1,
        Ok(()) => {}
        Err(Error::Conflict(_)) => {
            done.refused += 1;
            done.conflicts += 1;
        }
        Err(Error::WrongState(_)) => done.refused += 1,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

/// Rounds each worker runs; more in the full run.
fn concurrency_rounds() -> usize {
    std::env::var("CITYPASSPORT_CONCURRENCY_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(12)
}

/// How long the store of [`concurrent_reviews_corrections_and_resubmissions_lose_no_update`]
/// waits before a write, and a worker before its next step.
const WRITE_DELAY: Duration = Duration::from_millis(3);

/// Reviewers, correctors, approvers and the executor all work the same values at once:
/// every write either takes effect with its revision and audit record or is refused
/// with a conflict or a changed state; no update is lost; each value's history, its
/// corrections and the audit log agree; the audit chain verifies.
///
/// The collisions are made, not hoped for: in each round the controllers meet at a
/// barrier and then all act on the same value, one accepting, one returning, one
/// proposing a correction and the fourth repeating one of those, so that in every round
/// at least two of them try to leave the same state; and the store waits a few
/// milliseconds before each write ([`DelayedWrites`]), so that they all read the value
/// before any of them writes it. The test asserts that writes were refused with a
/// version conflict, which only a real race gives, and prints the counts.
pub async fn concurrent_reviews_corrections_and_resubmissions_lose_no_update(
    storage: Arc<dyn Storage>,
) {
    let city = City::build(DelayedWrites::around(storage, WRITE_DELAY)).await;
    let p = &city.passport;
    let codes = ["EDU-1", "EDU-2"];
    let mut controllers = vec![city.controller.token.clone()];
    let mut chiefs = vec![city.chief.token.clone()];
    for n in 0..3 {
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
    let barrier = Arc::new(tokio::sync::Barrier::new(controllers.len()));
    let reviewing = Arc::new(AtomicUsize::new(controllers.len()));
    for (n, token) in controllers.into_iter().enumerate() {
        let p = p.clone();
        let barrier = barrier.clone();
        let reviewing = reviewing.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Done::default();
            for round in 0..rounds {
                let code = codes[round % 2];
                barrier.wait().await;
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
                            // Another corrector already set the value to this amount:
                            // refused for what it says, not for a collision.
                            Err(Error::Invalid { field, .. }) if field == "value" => {
                                done.unneeded += 1;
                            }
                            other => tally(&mut done, other, false),
                        }
                    }
                }
            }
            reviewing.fetch_sub(1, Ordering::SeqCst);
            done
        }));
    }
    // The chiefs and the executor work for as long as the controllers do, and the chiefs
    // then decide what is still pending, so that every kind of write meets the others.
    for (n, token) in chiefs.into_iter().enumerate() {
        let p = p.clone();
        let reviewing = reviewing.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Done::default();
            for round in 0.. {
                let still_reviewing = reviewing.load(Ordering::SeqCst) > 0;
                let pending = p.corrections(&token, Some(Decision::Pending)).await.unwrap();
                let Some(correction) = pending.get((n + round) % pending.len().max(1)) else {
                    if !still_reviewing {
                        break;
                    }
                    tokio::time::sleep(WRITE_DELAY).await;
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
        let reviewing = reviewing.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Done::default();
            for round in 0.. {
                if reviewing.load(Ordering::SeqCst) == 0 {
                    break;
                }
                let code = codes[round % 2];
                let returned = p.value(&token, code, june()).await.unwrap();
                let Some(value) = returned.filter(|v| v.status == ValueStatus::Returned) else {
                    tokio::time::sleep(WRITE_DELAY).await;
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
        total.add(task.await.unwrap());
    }
    // Without a conflict the writers never raced, and the test would prove nothing.
    assert!(total.conflicts > 0, "no write met a conflict: the writers never raced");

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
         {} writes refused with a conflict or a changed state, of them {} conflicts",
        revisions,
        total.proposed,
        decided(Decision::Approved),
        total.rejected,
        total.refused,
        total.conflicts
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

/// The field an `Invalid` error names, checking that its reason is short: a refused
/// megabyte is not echoed back into a message or a log.
#[track_caller]
fn refused_field<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Invalid { field, reason }) => {
            assert!(reason.chars().count() < 300, "the reason echoes the input: {reason}");
            field
        }
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

/// For a file's refusal, which names the file as the field and, in the reason, the
/// line of the file and the field of that line: `file: field`, with the field taken
/// from the reason's `line 2, field: …` or `line 2: invalid field: …`.
#[track_caller]
fn refused_in_file<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Invalid { field, reason }) => {
            assert!(reason.chars().count() < 300, "the reason echoes the input: {reason}");
            let line = reason.strip_prefix("line 2").unwrap_or_else(|| panic!("{reason}"));
            let line = line.trim_start_matches([',', ':', ' ']);
            let line = line.strip_prefix("invalid ").unwrap_or(line);
            let inner = line.split(':').next().unwrap_or_default();
            format!("{field}: {inner}")
        }
        other => panic!("expected an invalid file, got {other:?}"),
    }
}

/// Every text field with a length limit refuses text one character over it, with an
/// error that names the field; text at the limit is taken. Covered: the names of
/// departments, people, indicators, sections, units and regional holidays; indicator
/// codes and methodology; e-mails, passwords and order numbers; the notes of calendar
/// days; the reasons of returns, "not applicable", due dates set by hand, delay notices
/// and their decisions, change proposals and their decisions, direct catalog changes,
/// corrections and their decisions, and deactivations; periods and typed values.
pub async fn every_limited_text_field_refuses_overlong_text_naming_the_field(
    storage: Arc<dyn Storage>,
) {
    use citypassport_core::text::{MAX_NAME, MAX_TEXT};
    use citypassport_core::{AppointmentOrder, ProposedChange, RegionalHoliday, ValueRef};

    let city = City::build(storage).await;
    let p = &city.passport;
    let (admin, chief, head) = (&city.admin.token, &city.chief.token, &city.head.token);
    let (executor, controller) = (&city.executor.token, &city.controller.token);
    let name = |n: usize| "ё".repeat(n);
    let text = |n: usize| "я".repeat(n);
    let july: Period = "2026-M07".parse().unwrap();
    let august: Period = "2026-M08".parse().unwrap();
    let order = |number: String| AppointmentOrder { number, date: "2026-03-02".parse().unwrap() };
    let mut checked = Vec::new();
    let mut check = |field: &str, refused: String| {
        assert_eq!(refused, field);
        checked.push(field.to_string());
    };

    // Accounts and departments.
    let long_name = name(MAX_NAME + 1);
    let department = p.create_department(admin, &long_name, DepartmentKind::Department).await;
    check("department name", refused_field(department));
    p.create_department(admin, &name(MAX_NAME), DepartmentKind::Department).await.unwrap();
    let account = |email: String, full_name: String, number: String| NewAccount {
        email,
        full_name,
        department: Some(city.education.clone()),
        roles: BTreeSet::from([Role::Executor]),
        order: order(number),
    };
    let long_email = format!("{}@city.example", "a".repeat(260));
    let new = account(long_email, "Иванов".into(), "1-к".into());
    check("email", refused_field(p.create_account(admin, new).await));
    let new = account("full@city.example".into(), name(MAX_NAME + 1), "1-к".into());
    check("full name", refused_field(p.create_account(admin, new).await));
    let new = account("order@city.example".into(), "Иванов".into(), "7".repeat(101));
    check("order number", refused_field(p.create_account(admin, new).await));
    let new = account("limit@city.example".into(), name(MAX_NAME), "7".repeat(100));
    let (limit_id, setup) = p.create_account(admin, new).await.unwrap();
    let too_long_password = "p".repeat(citypassport_core::account::MAX_PASSWORD + 1);
    check("password", refused_field(p.set_password(&setup, &too_long_password).await));
    p.set_password(&setup, PASSWORD).await.unwrap();
    let session = p.login("limit@city.example", PASSWORD).await.unwrap();
    let changed = p.change_password(&session, PASSWORD, &too_long_password).await;
    check("password", refused_field(changed));
    let deactivated = p.deactivate_account(admin, &limit_id, &text(MAX_TEXT + 1)).await;
    check("reason", refused_field(deactivated));

    // The catalog, by definition, by file and by proposal.
    let definition =
        || indicator("LIM-1", ValueKind::Integer, Periodicity::Monthly, &city.education);
    let mut long = definition();
    long.name = name(MAX_NAME + 1);
    check("name", refused_field(p.define_indicator(chief, long).await));
    let mut long = definition();
    long.section = name(MAX_NAME + 1);
    check("section", refused_field(p.define_indicator(chief, long).await));
    let mut long = definition();
    long.unit.name = name(MAX_NAME + 1);
    check("unit", refused_field(p.define_indicator(chief, long).await));
    let mut long = definition();
    long.methodology = text(MAX_TEXT + 1);
    check("methodology", refused_field(p.define_indicator(chief, long).await));
    let mut long = definition();
    long.code = "К".repeat(200);
    check("code", refused_field(p.define_indicator(chief, long).await));
    let mut at_limit = definition();
    (at_limit.name, at_limit.section) = (name(MAX_NAME), name(MAX_NAME));
    (at_limit.unit.name, at_limit.methodology) = (name(MAX_NAME), text(MAX_TEXT));
    p.define_indicator(chief, at_limit).await.unwrap();
    let file = format!(
        "code,section,name_ru,unit_ru,okei_code,periodicity,source\n\
         LIM-2,Образование,{},человек,792,monthly,test\n",
        name(MAX_NAME + 1)
    );
    let by_section =
        std::collections::BTreeMap::from([("Образование".into(), city.education.clone())]);
    let loaded = p.load_catalog_csv(chief, file.as_bytes(), &by_section).await;
    check("catalog file: name", refused_in_file(loaded));
    let mut long = indicator("LIM-3", ValueKind::Integer, Periodicity::Monthly, &city.education);
    long.name = name(MAX_NAME + 1);
    let proposed = p.propose_change(head, ProposedChange::Add { indicator: long }, "нужен", august);
    check("name", refused_field(proposed.await));
    let retire = || ProposedChange::Retire { code: "EDU-2".into() };
    let proposed = p.propose_change(head, retire(), &text(MAX_TEXT + 1), august).await;
    check("justification", refused_field(proposed));
    let proposal = p.propose_change(head, retire(), &text(MAX_TEXT), august).await.unwrap();
    let approved = p.approve_proposal(chief, &proposal.id, &text(MAX_TEXT + 1)).await;
    check("reason", refused_field(approved));
    let rejected = p.reject_proposal(chief, &proposal.id, &text(MAX_TEXT + 1)).await;
    check("reason", refused_field(rejected));
    let changed = p.change_catalog(chief, retire(), &text(MAX_TEXT + 1), august).await;
    check("reason", refused_field(changed));

    // Assignments and the calendar.
    let assigned =
        p.assign_executor(head, &city.other_executor.id, "EDU-1", order("8".repeat(101))).await;
    check("order number", refused_field(assigned));
    let holiday = RegionalHoliday::new(4, 14, name(MAX_NAME + 1));
    check("regional holiday name", refused_field(holiday));
    RegionalHoliday::new(4, 14, name(MAX_NAME)).unwrap();
    let file = format!("date,kind,note\n2027-02-22,day_off,{}\n", name(MAX_NAME + 1));
    let loaded = p.load_calendar_csv(admin, file.as_bytes()).await;
    check("calendar file: note", refused_in_file(loaded));

    // Values, their review and their corrections.
    let huge = text(MAX_TEXT + 1);
    let na = ValueInput::NotApplicable(huge.clone());
    check(
        "not applicable reason",
        refused_field(p.save_draft(executor, "EDU-2", june(), na).await),
    );
    let na = ValueInput::NotApplicable(text(MAX_TEXT));
    p.save_draft(executor, "EDU-2", june(), na).await.unwrap();
    check(
        "value",
        refused_field(p.save_draft(executor, "EDU-1", june(), typed(&"9".repeat(5000))).await),
    );
    p.save_draft(executor, "EDU-1", june(), typed("5")).await.unwrap();
    p.submit(executor, "EDU-1", june()).await.unwrap();
    check("reason", refused_field(p.return_value(controller, "EDU-1", june(), &huge).await));
    p.accept(controller, "EDU-1", june()).await.unwrap();
    let proposed = p.propose_correction(controller, "EDU-1", june(), typed("6"), &huge).await;
    check("reason", refused_field(proposed));
    let correction =
        p.propose_correction(controller, "EDU-1", june(), typed("6"), &text(MAX_TEXT)).await;
    let correction = correction.unwrap();
    let approved = p.approve_correction(chief, &correction.id, Some(&huge)).await;
    check("note", refused_field(approved));
    let rejected = p.reject_correction(chief, &correction.id, &huge).await;
    check("reason", refused_field(rejected));
    let period = "2026-M06".repeat(10_000).parse::<Period>();
    check("period", refused_field(period));

    // Deadlines: a due date set by hand, a delay notice and its decisions.
    let due = "2026-08-20".parse().unwrap();
    check("reason", refused_field(p.set_due_date(chief, "EDU-1", july, due, &huge).await));
    let values = [ValueRef::new("EDU-2", july)];
    // After the July value's due date, 10 August.
    let expected = p.today() + chrono::Duration::days(60);
    let filed = p.file_delay_notice(executor, &values, &huge, expected).await;
    check("reason", refused_field(filed));
    let notice = p.file_delay_notice(executor, &values, &text(MAX_TEXT), expected).await.unwrap();
    let granted = p.grant_delay_notice(controller, &notice.id, None, Some(&huge)).await;
    check("note", refused_field(granted));
    let declined = p.decline_delay_notice(controller, &notice.id, &huge).await;
    check("reason", refused_field(declined));

    // Nothing refused was stored: the notice, the proposal and the correction are still
    // waiting for a decision, and the account is still active.
    let notices = p.delay_notices(controller, None).await.unwrap();
    let filed = notices.iter().find(|n| n.id == notice.id).expect("the notice is kept");
    assert_eq!(filed.status, citypassport_core::NoticeStatus::Pending);
    let pending = p.corrections(chief, Some(Decision::Pending)).await.unwrap();
    assert!(pending.iter().any(|c| c.id == correction.id));
    let proposals = p.proposals(chief, Some(Decision::Pending)).await.unwrap();
    assert!(proposals.iter().any(|c| c.id == proposal.id));
    assert!(p.whoami(&session).await.is_ok(), "the refused deactivation changed nothing");
    let count = checked.len();
    println!("text limits: {count} limited fields refused over their limit, each by name");
}

/// Checks that a verification after tampering reports `seq` as the first bad record,
/// with a problem saying `what` happened to it (`altered`, `missing`), and prints the
/// case for the hardening run's counts.
#[track_caller]
pub fn assert_tampering_reported(
    check: &citypassport_core::AuditVerification,
    seq: u64,
    what: &str,
    case: &str,
) {
    assert_eq!(check.first_broken, Some(seq), "{case}: {check:?}");
    let problem = check.problem.as_deref().unwrap_or_default();
    assert!(problem.contains(what), "{case}: the problem does not say {what}: {problem}");
    println!("audit tamper {case}: record {seq} reported first ({problem})");
}
