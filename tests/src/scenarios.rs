//! The scenarios, each named after the rule it checks.

use std::sync::Arc;

use chrono::Duration;
use citypassport_core::storage::RecordKind;
use citypassport_core::{
    AuditQuery, Error, NewAccount, Passport, Period, Role, Secret, Settings, Storage, ValueInput,
    ValueStatus,
};

use crate::city::{City, PASSWORD};
use crate::delayed::DelayedWrites;

fn july() -> Period {
    "2026-M06".parse().expect("period")
}

fn text(s: &str) -> ValueInput {
    ValueInput::Text(s.to_string())
}

#[track_caller]
fn assert_denied<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::PermissionDenied(_)) => {}
        other => panic!("expected permission denied, got {other:?}"),
    }
}

/// Submits a value of EDU-1 for the period as the executor.
async fn submitted(city: &City, value: &str) {
    let p = &city.passport;
    p.save_draft(&city.executor.token, "EDU-1", july(), text(value)).await.expect("draft");
    p.submit(&city.executor.token, "EDU-1", july()).await.expect("submit");
}

/// Every call needs a live session: a made-up token gets nothing.
pub async fn no_anonymous_access(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let stranger = Secret::generate();
    assert!(matches!(city.passport.catalog(&stranger).await, Err(Error::Unauthenticated)));
    assert!(matches!(
        city.passport.period_passport(&stranger, july()).await,
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        city.passport.save_draft(&stranger, "EDU-1", july(), text("1")).await,
        Err(Error::Unauthenticated)
    ));
}

/// A returned value keeps its reason, is fixed, resubmitted and accepted.
pub async fn returned_value_can_be_resubmitted(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    submitted(&city, "120").await;

    let returned = p
        .return_value(&city.controller.token, "EDU-1", july(), "число не сходится с формой 1-ДОУ")
        .await
        .unwrap();
    assert_eq!(returned.status, ValueStatus::Returned);
    assert_eq!(returned.return_reason.as_deref(), Some("число не сходится с формой 1-ДОУ"));

    // A returned value cannot be accepted until it is resubmitted.
    assert!(matches!(
        p.accept(&city.controller.token, "EDU-1", july()).await,
        Err(Error::WrongState(_))
    ));

    p.save_draft(&city.executor.token, "EDU-1", july(), text("121")).await.unwrap();
    let resubmitted = p.submit(&city.executor.token, "EDU-1", july()).await.unwrap();
    assert_eq!(resubmitted.status, ValueStatus::Submitted);
    assert_eq!(resubmitted.times_returned, 1);
    let first = resubmitted.first_submitted_at.unwrap();
    assert!(first <= resubmitted.submitted_at.unwrap());

    let accepted = p.accept(&city.controller.token, "EDU-1", july()).await.unwrap();
    assert_eq!(accepted.status, ValueStatus::Accepted);
    assert_eq!(accepted.entry.amount().unwrap().to_string(), "121");
    assert_eq!(accepted.first_submitted_at, Some(first));
}

/// Someone who holds both the executor and controller roles cannot accept what they
/// submitted themselves.
pub async fn nobody_accepts_their_own_submission(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let both = City::person(
        p,
        &city.admin.token,
        "both@city.example",
        vec![Role::Executor, Role::Controller],
        Some(city.education.clone()),
    )
    .await;
    p.assign_executor(&city.head.token, &both.id, "EDU-2", city_order()).await.unwrap();
    p.save_draft(&both.token, "EDU-2", july(), text("5,5")).await.unwrap();
    p.submit(&both.token, "EDU-2", july()).await.unwrap();

    assert_denied(p.accept(&both.token, "EDU-2", july()).await);
    assert_denied(p.return_value(&both.token, "EDU-2", july(), "сам себе").await);
    assert_eq!(
        p.value(&city.viewer.token, "EDU-2", july()).await.unwrap().unwrap().status,
        ValueStatus::Submitted
    );
    p.accept(&city.controller.token, "EDU-2", july()).await.unwrap();
}

fn city_order() -> citypassport_core::AppointmentOrder {
    citypassport_core::AppointmentOrder {
        number: "20-к".into(),
        date: "2026-03-01".parse().unwrap(),
    }
}

/// Deactivation ends every session at once, erases the credentials and keeps the
/// name on the person's history.
pub async fn deactivated_account_session_stops_working_at_once(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    p.save_draft(&city.executor.token, "EDU-1", july(), text("7")).await.unwrap();
    let second_session = p.login(&city.executor.email, PASSWORD).await.unwrap();

    p.deactivate_account(&city.admin.token, &city.executor.id, "уволен, приказ 99-к")
        .await
        .unwrap();

    for token in [&city.executor.token, &second_session] {
        assert!(matches!(p.whoami(token).await, Err(Error::Unauthenticated)));
        assert!(matches!(p.submit(token, "EDU-1", july()).await, Err(Error::Unauthenticated)));
    }
    assert!(matches!(p.login(&city.executor.email, PASSWORD).await, Err(Error::LoginFailed)));

    let accounts = p.accounts(&city.admin.token).await.unwrap();
    let gone = accounts.iter().find(|a| a.id == city.executor.id).unwrap();
    assert!(!gone.active && gone.email.is_none() && !gone.has_password);
    assert_eq!(gone.full_name, "Сотрудник executor@city.example");
    let history = p.value_history(&city.viewer.token, "EDU-1", july()).await.unwrap();
    assert_eq!(history[0].actor, city.executor.id);

    // The e-mail is free again for a new account of the same person.
    City::person(p, &city.admin.token, &city.executor.email, vec![Role::Executor], None).await;
}

/// Two controllers reviewing the same value at once: one wins, the other gets a
/// conflict or finds the state changed; the first decision is never overwritten.
pub async fn stale_write_is_a_conflict_never_a_silent_overwrite(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let second = City::person(
        p,
        &city.admin.token,
        "controller2@city.example",
        vec![Role::Controller],
        None,
    )
    .await;
    submitted(&city, "100").await;

    let (a, b) = tokio::join!(
        p.accept(&city.controller.token, "EDU-1", july()),
        p.return_value(&second.token, "EDU-1", july(), "проверить")
    );
    let outcomes = [a.as_ref().map(|v| v.status), b.as_ref().map(|v| v.status)];
    let wins = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(wins, 1, "{a:?} / {b:?}");
    for result in [&a.as_ref().map(|_| ()), &b.as_ref().map(|_| ())] {
        if let Err(e) = result {
            assert!(matches!(e, Error::Conflict(_) | Error::WrongState(_)), "{e:?}");
        }
    }
    let stored = p.value(&city.viewer.token, "EDU-1", july()).await.unwrap().unwrap();
    let winner = if a.is_ok() { ValueStatus::Accepted } else { ValueStatus::Returned };
    assert_eq!(stored.status, winner);
    let history = p.value_history(&city.viewer.token, "EDU-1", july()).await.unwrap();
    assert_eq!(history.len(), 3, "save, submit and exactly one review");
}

/// An executor enters values only of the indicators assigned to them.
pub async fn executor_enters_only_assigned_indicators(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    assert_denied(p.save_draft(&city.executor.token, "HOUSE-1", july(), text("1")).await);
    assert_denied(p.save_draft(&city.other_executor.token, "EDU-1", july(), text("1")).await);
    assert_denied(p.save_draft(&city.controller.token, "EDU-1", july(), text("1")).await);
    assert_denied(p.save_draft(&city.viewer.token, "EDU-1", july(), text("1")).await);
    assert!(p.value(&city.viewer.token, "HOUSE-1", july()).await.unwrap().is_none());
}

/// An assignment counts from the date of its appointment order.
pub async fn assignment_is_in_force_from_the_order_date(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let later = citypassport_core::AppointmentOrder {
        number: "30-к".into(),
        date: "2026-07-10".parse().unwrap(),
    };
    p.assign_executor(&city.head.token, &city.other_executor.id, "EDU-2", later).await.unwrap();
    let err =
        p.save_draft(&city.other_executor.token, "EDU-2", july(), text("1")).await.unwrap_err();
    assert!(err.to_string().contains("2026-07-10"), "{err}");

    city.clock.advance(Duration::days(9));
    let token = p.login(&city.other_executor.email, PASSWORD).await.unwrap();
    p.save_draft(&token, "EDU-2", july(), text("1")).await.unwrap();
}

/// The administrator keeps accounts and never touches data.
pub async fn administrator_cannot_enter_or_review_values(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    submitted(&city, "10").await;
    assert_denied(p.accept(&city.admin.token, "EDU-1", july()).await);
    assert_denied(p.save_draft(&city.admin.token, "EDU-2", july(), text("1")).await);
    assert_denied(p.period_passport(&city.admin.token, july()).await);

    let mixed = citypassport_core::NewAccount {
        email: "mixed@city.example".into(),
        full_name: "Смешанный".into(),
        department: None,
        roles: [Role::Administrator, Role::Controller].into_iter().collect(),
        order: city_order(),
    };
    let err = p.create_account(&city.admin.token, mixed).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid { field, .. } if field == "roles"), "{err:?}");
}

/// Nobody can learn which e-mails have accounts from the login's answer.
pub async fn unknown_email_and_wrong_password_give_the_same_error(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let unknown = p.login("nobody@city.example", PASSWORD).await.unwrap_err();
    let wrong = p.login(&city.viewer.email, "not the password at all").await.unwrap_err();
    assert_eq!(unknown.to_string(), wrong.to_string());
    assert!(matches!(unknown, Error::LoginFailed));
    // E-mail is trimmed and case-insensitive.
    p.login("  VIEWER@City.Example ", PASSWORD).await.unwrap();
}

/// Five failures lock the e-mail for fifteen minutes, known or not; the lock lifts.
pub async fn repeated_failures_lock_the_login_for_a_while(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    for email in [city.viewer.email.as_str(), "ghost@city.example"] {
        for _ in 0..5 {
            assert!(matches!(p.login(email, "wrong password!").await, Err(Error::LoginFailed)));
        }
        assert!(matches!(p.login(email, PASSWORD).await, Err(Error::LockedOut)));
    }
    city.clock.advance(Duration::minutes(16));
    p.login(&city.viewer.email, PASSWORD).await.unwrap();
}

/// Wrong guesses sent at the same moment all count: as many parallel guesses as the
/// limit lock the login, and the right password is then refused too.
pub async fn parallel_wrong_guesses_all_count_towards_the_lock(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let limit = p.settings().max_failed_logins as usize;
    for email in [city.viewer.email.clone(), "ghost@city.example".to_string()] {
        let start = Arc::new(tokio::sync::Barrier::new(limit));
        let mut guesses = Vec::new();
        for n in 0..limit {
            let (p, email, start) = (p.clone(), email.clone(), start.clone());
            guesses.push(tokio::spawn(async move {
                start.wait().await;
                p.login(&email, &format!("wrong guess number {n}")).await
            }));
        }
        for guess in guesses {
            let outcome = guess.await.expect("guess task");
            assert!(matches!(outcome, Err(Error::LoginFailed | Error::LockedOut)), "{outcome:?}");
        }
        assert!(matches!(p.login(&email, PASSWORD).await, Err(Error::LockedOut)), "{email}");
    }
}

/// A session is stored under the digest of its token only: neither the stored sessions
/// nor the audit log hold the token a person logs in with.
pub async fn session_token_is_stored_only_as_its_digest(storage: Arc<dyn Storage>) {
    let city = City::build(storage.clone()).await;
    let token = city.passport.login(&city.viewer.email, PASSWORD).await.unwrap();
    let sessions = storage.scan(RecordKind::Session, "").await.unwrap();
    assert!(sessions.iter().any(|s| s.key == token.digest()), "the session is stored");
    let people = [&city.admin, &city.chief, &city.head, &city.executor, &city.viewer];
    let tokens: Vec<&str> =
        people.iter().map(|person| person.token.expose()).chain([token.expose()]).collect();
    for session in &sessions {
        for raw in &tokens {
            assert!(!session.key.contains(raw) && !session.body.contains(raw), "{}", session.key);
        }
    }
    for record in storage.audit(&AuditQuery::default()).await.unwrap() {
        let text = format!("{record:?}");
        assert!(tokens.iter().all(|raw| !text.contains(raw)), "audit record {}", record.seq);
    }
}

/// The audit log keeps no e-mail: not of an account created, logged in, locked, given a
/// new setup token and deactivated, nor its digest, and the chain still verifies.
pub async fn audit_log_keeps_no_email_of_an_account_lifecycle(storage: Arc<dyn Storage>) {
    let city = City::build(storage.clone()).await;
    let p = &city.passport;
    let email = "Petrova.Lifecycle@City.Example";
    // Not `City::person`, whose test names hold the e-mail.
    let new = NewAccount {
        email: email.into(),
        full_name: "Петрова Анна Сергеевна".into(),
        department: Some(city.education.clone()),
        roles: [Role::Viewer].into(),
        order: city_order(),
    };
    let (id, setup) = p.create_account(&city.admin.token, new).await.unwrap();
    p.set_password(&setup, PASSWORD).await.unwrap();
    let token = p.login(email, PASSWORD).await.unwrap();
    p.logout(&token).await.unwrap();
    for _ in 0..p.settings().max_failed_logins {
        let _ = p.login(email, "not the password at all").await;
    }
    city.clock.advance(Duration::minutes(20));
    let token = p.login(email, PASSWORD).await.unwrap();
    p.change_password(&token, PASSWORD, "another long password").await.unwrap();
    p.issue_setup_token(&city.admin.token, &id).await.unwrap();
    p.deactivate_account(&city.admin.token, &id, "уволена, приказ 7-к").await.unwrap();

    let normalized = email.to_lowercase();
    let digest = citypassport_core::account::email_digest(&normalized);
    let records = p.audit_log(&city.admin.token, &AuditQuery::default()).await.unwrap();
    assert!(records.iter().any(|r| r.entry.action == "account.deactivate"));
    for record in &records {
        let text = format!("{record:?}").to_lowercase();
        let what = format!("{} {}", record.seq, record.entry.action);
        assert!(!text.contains(&normalized), "{what} holds the e-mail");
        assert!(!text.contains(&digest), "{what} holds the e-mail's digest");
    }
    let created = records
        .iter()
        .find(|r| r.entry.action == "account.create" && r.entry.key == id.as_str())
        .unwrap();
    assert!(created.entry.after.as_deref().unwrap().contains("full_name"));
    assert!(p.verify_audit_log(&city.controller.token).await.unwrap().is_intact());
}

/// An account may hold several roles and use each: a department head who is also an
/// executor and a controller appoints executors, enters values and accepts others'
/// submissions, and still cannot accept their own.
pub async fn account_may_hold_several_roles(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let roles = vec![Role::DepartmentHead, Role::Executor, Role::Controller];
    let many = City::person(
        p,
        &city.admin.token,
        "many@city.example",
        roles,
        Some(city.education.clone()),
    )
    .await;
    let held = p.whoami(&many.token).await.unwrap().roles;
    assert_eq!(held.len(), 3, "{held:?}");

    // As the head of education: appoints executors, themselves included.
    p.assign_executor(&many.token, &many.id, "EDU-2", city_order()).await.unwrap();
    p.assign_executor(&many.token, &city.other_executor.id, "EDU-1", city_order()).await.unwrap();
    // As an executor: enters and submits.
    p.save_draft(&many.token, "EDU-2", july(), text("4,5")).await.unwrap();
    p.submit(&many.token, "EDU-2", july()).await.unwrap();
    // As a controller: accepts someone else's submission, never their own.
    submitted(&city, "100").await;
    assert_eq!(p.accept(&many.token, "EDU-1", july()).await.unwrap().status, ValueStatus::Accepted);
    assert_denied(p.accept(&many.token, "EDU-2", july()).await);
    assert_denied(p.return_value(&many.token, "EDU-2", july(), "сам себе").await);
    p.accept(&city.controller.token, "EDU-2", july()).await.unwrap();
}

/// Identical assignments sent at the same moment make one assignment; the others are
/// refused as existing. The store waits before each write ([`DelayedWrites`]), so that
/// every call reads before any of them writes.
pub async fn concurrent_identical_assignments_make_one(storage: Arc<dyn Storage>) {
    let city = City::build(storage.clone()).await;
    let slow = DelayedWrites::around(storage, std::time::Duration::from_millis(20));
    let p = &Passport::with_settings(slow, city.clock.clone(), Settings::default());
    const CALLS: usize = 6;
    for code in ["EDU-1", "EDU-2", "HOUSE-1"] {
        let start = Arc::new(tokio::sync::Barrier::new(CALLS));
        let mut calls = Vec::new();
        for _ in 0..CALLS {
            let (p, start) = (p.clone(), start.clone());
            let (admin, executor) = (city.admin.token.clone(), city.other_executor.id.clone());
            calls.push(tokio::spawn(async move {
                start.wait().await;
                p.assign_executor(&admin, &executor, code, city_order()).await
            }));
        }
        let mut made = 0;
        for call in calls {
            match call.await.expect("assignment task") {
                Ok(_) => made += 1,
                Err(Error::AlreadyExists { kind: "assignment", .. }) => {}
                other => panic!("{code}: {other:?}"),
            }
        }
        assert_eq!(made, 1, "{code}");
        let stored = p.assignments_of_indicator(&city.viewer.token, code).await.unwrap();
        let of_other = stored.iter().filter(|a| a.account == city.other_executor.id).count();
        assert_eq!(of_other, 1, "{code}");
    }
}

/// A session stops working when its lifetime is over.
pub async fn session_expires(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    p.whoami(&city.viewer.token).await.unwrap();
    city.clock.advance(Duration::hours(12) + Duration::seconds(1));
    assert!(matches!(p.whoami(&city.viewer.token).await, Err(Error::Unauthenticated)));
}

/// A setup token sets a password once.
pub async fn setup_token_works_once(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let new = citypassport_core::NewAccount {
        email: "new@city.example".into(),
        full_name: "Новый".into(),
        department: None,
        roles: [Role::Viewer].into_iter().collect(),
        order: city_order(),
    };
    let (_, setup) = p.create_account(&city.admin.token, new).await.unwrap();
    assert!(matches!(p.set_password(&setup, "short").await, Err(Error::Invalid { .. })));
    p.set_password(&setup, "first password 123").await.unwrap();
    let again = p.set_password(&setup, "second password 123").await.unwrap_err();
    assert!(matches!(&again, Error::Invalid { field, .. } if field == "setup token"), "{again:?}");
    p.login("new@city.example", "first password 123").await.unwrap();
}

/// Changing a password ends the person's other sessions.
pub async fn password_change_revokes_other_sessions(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let other = p.login(&city.viewer.email, PASSWORD).await.unwrap();
    p.change_password(&city.viewer.token, PASSWORD, "a brand new password").await.unwrap();
    assert!(matches!(p.whoami(&other).await, Err(Error::Unauthenticated)));
    p.whoami(&city.viewer.token).await.unwrap();
    p.login(&city.viewer.email, "a brand new password").await.unwrap();
}

/// "12,5" is read as 12.5; "н/д" is refused with an error that names the field.
pub async fn comma_decimal_is_accepted_and_other_text_refused(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let value = p.save_draft(&city.executor.token, "EDU-2", july(), text("12,5")).await.unwrap();
    assert_eq!(value.entry.amount().unwrap().to_string(), "12.5");
    for bad in ["н/д", "12.5.1", "двенадцать"] {
        let err = p.save_draft(&city.executor.token, "EDU-2", july(), text(bad)).await.unwrap_err();
        assert!(matches!(&err, Error::Invalid { field, .. } if field == "value"), "{bad}: {err:?}");
    }
    let kept = p.value(&city.viewer.token, "EDU-2", july()).await.unwrap().unwrap();
    assert_eq!(kept.entry.amount().unwrap().to_string(), "12.5", "a refused entry changes nothing");
}

/// A value with more places than the indicator allows, or a fraction for a whole
/// number, is refused.
pub async fn value_that_does_not_fit_the_kind_is_refused(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    assert!(p.save_draft(&city.executor.token, "EDU-1", july(), text("10,5")).await.is_err());
    assert!(p.save_draft(&city.executor.token, "EDU-2", july(), text("10,55")).await.is_err());
    assert!(p.value(&city.viewer.token, "EDU-1", july()).await.unwrap().is_none());
}

/// "Not applicable" needs a reason and differs from zero and from missing.
pub async fn not_applicable_is_a_state_of_its_own(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    assert!(p
        .save_draft(&city.executor.token, "EDU-2", july(), ValueInput::NotApplicable(" ".into()))
        .await
        .is_err());
    let value = p
        .save_draft(
            &city.executor.token,
            "EDU-2",
            july(),
            ValueInput::NotApplicable("учреждение закрыто на ремонт".into()),
        )
        .await
        .unwrap();
    assert_eq!(value.entry.amount(), None);
    assert_eq!(value.entry.to_string(), "not applicable");
    p.submit(&city.executor.token, "EDU-2", july()).await.unwrap();
    p.accept(&city.controller.token, "EDU-2", july()).await.unwrap();
    let rows = p.period_passport(&city.viewer.token, july()).await.unwrap();
    let row = rows.iter().find(|r| r.indicator.code == "EDU-2").unwrap();
    assert_eq!(row.status_label(), "accepted");
    assert!(matches!(
        row.value.as_ref().unwrap().entry,
        citypassport_core::Entry::NotApplicable { .. }
    ));
    let missing = rows.iter().find(|r| r.indicator.code == "HOUSE-1").unwrap();
    assert_eq!(missing.status_label(), "not entered");
}

/// Every change keeps a revision: who, when, old and new value, why.
pub async fn every_change_keeps_a_revision(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    submitted(&city, "100").await;
    p.return_value(&city.controller.token, "EDU-1", july(), "опечатка").await.unwrap();
    p.save_draft(&city.executor.token, "EDU-1", july(), text("110")).await.unwrap();
    p.submit(&city.executor.token, "EDU-1", july()).await.unwrap();
    p.accept(&city.controller.token, "EDU-1", july()).await.unwrap();

    let history = p.value_history(&city.viewer.token, "EDU-1", july()).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["save", "submit", "return", "save", "submit", "accept"]);
    assert_eq!(history.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    assert_eq!(history[2].reason.as_deref(), Some("опечатка"));
    assert_eq!(history[2].actor, city.controller.id);
    assert_eq!(history[3].old.as_ref().unwrap().amount().unwrap().to_string(), "100");
    assert_eq!(history[3].new.amount().unwrap().to_string(), "110");
}

/// A hard rule refuses the value and names the rule.
pub async fn hard_plausibility_rule_refuses_the_value(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let err = p.save_draft(&city.executor.token, "EDU-1", july(), text("-1")).await.unwrap_err();
    assert!(matches!(&err, Error::Implausible { rule, .. } if rule == "minimum"), "{err:?}");
    let err =
        p.save_draft(&city.executor.token, "EDU-1", july(), text("100001")).await.unwrap_err();
    assert!(err.to_string().contains("maximum") && err.to_string().contains("EDU-1"), "{err}");
}

/// A soft rule accepts the value but flags it for the controller.
pub async fn soft_plausibility_rule_flags_the_value(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let may = july().previous();
    p.save_draft(&city.executor.token, "EDU-1", may, text("100")).await.unwrap();
    let calm = p.save_draft(&city.executor.token, "EDU-1", july(), text("115")).await.unwrap();
    assert!(calm.flags.is_empty());
    let jump = p.save_draft(&city.executor.token, "EDU-1", july(), text("150")).await.unwrap();
    assert_eq!(jump.flags.len(), 1);
    assert!(
        jump.flags[0].contains("50") && jump.flags[0].contains(&may.to_string()),
        "{:?}",
        jump.flags
    );
    p.submit(&city.executor.token, "EDU-1", july()).await.unwrap();
    let queue = p.values_to_review(&city.controller.token).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].flags, jump.flags);
}

/// A viewer reads every value of a period with its status, and can change nothing.
pub async fn viewer_reads_every_value_with_its_status_and_changes_nothing(
    storage: Arc<dyn Storage>,
) {
    let city = City::build(storage).await;
    let p = &city.passport;
    submitted(&city, "42").await;
    p.save_draft(&city.executor.token, "EDU-2", july(), text("3,5")).await.unwrap();

    let rows = p.period_passport(&city.viewer.token, july()).await.unwrap();
    let statuses: Vec<(&str, &str)> =
        rows.iter().map(|r| (r.indicator.code.as_str(), r.status_label())).collect();
    assert_eq!(statuses, [("EDU-1", "submitted"), ("EDU-2", "draft"), ("HOUSE-1", "not entered")]);
    let table = citypassport_core::render_table(&rows);
    assert!(
        table.contains("EDU-1") && table.contains("42") && table.contains("not entered"),
        "{table}"
    );

    assert_denied(p.accept(&city.viewer.token, "EDU-1", july()).await);
    assert_denied(p.save_draft(&city.viewer.token, "EDU-2", july(), text("1")).await);
    assert_denied(
        p.define_indicator(
            &city.viewer.token,
            crate::city::indicator(
                "X",
                citypassport_core::ValueKind::Integer,
                citypassport_core::Periodicity::Yearly,
                &city.education,
            ),
        )
        .await,
    );
}

/// Every state change has its audit record, written in the same atomic step.
pub async fn every_state_change_is_audited_in_the_same_write(storage: Arc<dyn Storage>) {
    let city = City::build(storage.clone()).await;
    let p = &city.passport;
    let before = storage.last_audit_seq().await.unwrap();
    submitted(&city, "100").await;
    p.accept(&city.controller.token, "EDU-1", july()).await.unwrap();
    // A refused change leaves no trace.
    let _ = p.save_draft(&city.executor.token, "EDU-1", july(), text("1")).await.unwrap_err();

    let query = AuditQuery { after_seq: Some(before), ..Default::default() };
    let records = p.audit_log(&city.controller.token, &query).await.unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(actions, ["value.save", "value.submit", "value.accept"]);
    let accept = &records[2].entry;
    assert_eq!(accept.actor.as_ref(), Some(&city.controller.id));
    assert!(accept.before.as_ref().unwrap().contains("\"submitted\""));
    assert!(accept.after.as_ref().unwrap().contains("\"accepted\""));
    let by_actor = AuditQuery {
        actor: Some(city.executor.id.clone()),
        after_seq: Some(before),
        ..Default::default()
    };
    assert_eq!(p.audit_log(&city.chief.token, &by_actor).await.unwrap().len(), 2);
    assert_denied(p.audit_log(&city.viewer.token, &query).await);
    assert_denied(p.audit_log(&city.executor.token, &query).await);
}

/// Reading a whole period or series is recorded as an export.
pub async fn bulk_reads_are_recorded_in_the_audit_log(storage: Arc<dyn Storage>) {
    let city = City::build(storage.clone()).await;
    let p = &city.passport;
    let before = storage.last_audit_seq().await.unwrap();
    p.period_passport(&city.viewer.token, july()).await.unwrap();
    p.indicator_series(&city.viewer.token, "EDU-1", "2026-M01".parse().unwrap(), july())
        .await
        .unwrap();
    p.values_with_status(&city.viewer.token, ValueStatus::Accepted).await.unwrap();
    let records = p
        .audit_log(
            &city.controller.token,
            &AuditQuery { after_seq: Some(before), ..Default::default() },
        )
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> =
        records.iter().map(|r| (r.entry.action.as_str(), r.entry.key.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("export.period", "2026-M06"),
            ("export.series", "EDU-1"),
            ("export.values_with_status", "accepted")
        ]
    );
    assert!(records.iter().all(|r| r.entry.actor.as_ref() == Some(&city.viewer.id)));
}

/// A department head appoints executors only to their own department's indicators.
pub async fn department_head_assigns_only_in_own_department(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    assert_denied(
        p.assign_executor(&city.head.token, &city.other_executor.id, "HOUSE-1", city_order()).await,
    );
    assert_denied(
        p.assign_executor(&city.controller.token, &city.other_executor.id, "EDU-2", city_order())
            .await,
    );
    let err = p
        .assign_executor(&city.head.token, &city.viewer.id, "EDU-2", city_order())
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Invalid { field, .. } if field == "executor"), "{err:?}");
    p.assign_executor(&city.admin.token, &city.other_executor.id, "HOUSE-1", city_order())
        .await
        .unwrap();
    let assigned = p.assignments_of_indicator(&city.viewer.token, "HOUSE-1").await.unwrap();
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].order.number, "20-к");
}

/// The shipped list of 75 real indicators loads; loading it again changes nothing.
pub async fn shipped_catalog_loads_and_loading_twice_changes_nothing(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let file = include_str!("../../data/indicators-ru-municipal.csv");
    let by_section = [("Население".to_string(), city.housing.clone())].into_iter().collect();
    let first = p.load_catalog_csv(&city.chief.token, file.as_bytes(), &by_section).await.unwrap();
    assert_eq!(first.added, 75);
    let again = p.load_catalog_csv(&city.chief.token, file.as_bytes(), &by_section).await.unwrap();
    assert_eq!((again.added, again.unchanged), (0, 75));
    let births = p.indicator(&city.viewer.token, "MR-1.1.1").await.unwrap();
    assert_eq!(births.department.as_ref(), Some(&city.housing));
    assert_eq!(p.catalog(&city.viewer.token).await.unwrap().len(), 78);
    assert_denied(p.load_catalog_csv(&city.head.token, file.as_bytes(), &by_section).await);
}

/// A quarter's period for a monthly indicator is refused, naming the field.
pub async fn wrong_period_for_the_indicator_is_refused(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let err = p
        .save_draft(&city.executor.token, "EDU-1", "2026-Q2".parse().unwrap(), text("1"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Invalid { field, .. } if field == "period"), "{err:?}");
    assert!("2026-6".parse::<Period>().unwrap_err().to_string().contains("2026-M07"));
}

/// Many reviewers and the executor working the same values at once: every operation
/// either takes effect or fails with a conflict or a changed state; none is lost, and
/// each value's history and the audit log agree one to one.
pub async fn concurrent_reviews_and_resubmissions_lose_no_update(storage: Arc<dyn Storage>) {
    let city = City::build(storage).await;
    let p = &city.passport;
    let mut reviewers = vec![city.controller.token.clone()];
    for n in 0..3 {
        let email = format!("reviewer{n}@city.example");
        reviewers.push(
            City::person(p, &city.admin.token, &email, vec![Role::Controller], None).await.token,
        );
    }
    let codes = ["EDU-1", "EDU-2"];
    for code in codes {
        p.save_draft(&city.executor.token, code, july(), text("10")).await.unwrap();
        p.submit(&city.executor.token, code, july()).await.unwrap();
    }

    let mut tasks = Vec::new();
    for (n, token) in reviewers.into_iter().enumerate() {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            for round in 0..12 {
                let code = codes[(n + round) % 2];
                let result = if (n + round) % 3 == 0 {
                    p.accept(&token, code, july()).await.map(|_| ())
                } else {
                    p.return_value(&token, code, july(), "перепроверить").await.map(|_| ())
                };
                match result {
                    Ok(()) => done += 1,
                    Err(Error::Conflict(_) | Error::WrongState(_)) => {}
                    Err(e) => panic!("unexpected error: {e:?}"),
                }
            }
            done
        }));
    }
    let executor = {
        let p = p.clone();
        let token = city.executor.token.clone();
        tokio::spawn(async move {
            let mut done = 0;
            for round in 0..30 {
                let code = codes[round % 2];
                let value = match p.value(&token, code, july()).await.unwrap() {
                    Some(value) if value.status == ValueStatus::Returned => value,
                    _ => continue,
                };
                let fixed =
                    (value.entry.amount().unwrap() + rust_decimal::Decimal::ONE).to_string();
                for step in [
                    p.save_draft(&token, code, july(), ValueInput::Text(fixed)).await.map(|_| ()),
                    p.submit(&token, code, july()).await.map(|_| ()),
                ] {
                    match step {
                        Ok(()) => done += 1,
                        Err(Error::Conflict(_) | Error::WrongState(_)) => {}
                        Err(e) => panic!("unexpected error: {e:?}"),
                    }
                }
            }
            done
        })
    };
    let mut succeeded = executor.await.unwrap();
    for task in tasks {
        succeeded += task.await.unwrap();
    }

    let mut revisions = 0;
    for code in codes {
        let history = p.value_history(&city.viewer.token, code, july()).await.unwrap();
        let numbers: Vec<u32> = history.iter().map(|r| r.number).collect();
        assert_eq!(numbers, (1..=history.len() as u32).collect::<Vec<_>>(), "no gap, no overwrite");
        let current = p.value(&city.viewer.token, code, july()).await.unwrap().unwrap();
        assert_eq!(current.revisions as usize, history.len());
        assert_eq!(current.status, history.last().unwrap().new_status);
        let about = AuditQuery {
            kind: Some(citypassport_core::storage::RecordKind::Value),
            key: Some(format!("{code}|{}", july())),
            ..Default::default()
        };
        let audited = p.audit_log(&city.controller.token, &about).await.unwrap();
        let actions: Vec<String> = audited.iter().map(|r| r.entry.action.clone()).collect();
        let expected: Vec<String> =
            history.iter().map(|r| format!("value.{}", r.action.as_str())).collect();
        assert_eq!(actions, expected, "the audit log tells the same story as the history");
        revisions += history.len();
    }
    // Two drafts and two submissions came before the race.
    assert_eq!(revisions, succeeded + 4);
}

fn row(code: &str, period: &str, typed: &str) -> citypassport_core::ImportRow {
    citypassport_core::ImportRow {
        indicator: code.into(),
        period: period.into(),
        input: text(typed),
    }
}

/// A clerk's spreadsheet: good rows are stored in one write, each bad row is reported
/// with its position, field and reason.
pub async fn bulk_entry_stores_good_rows_and_reports_each_bad_one(storage: Arc<dyn Storage>) {
    use citypassport_core::ImportMode;
    let city = City::build(storage).await;
    let p = &city.passport;
    let rows = [
        row("EDU-1", "2026-M05", "120"),
        row("EDU-2", "2026-M05", "12,5"),
        row("EDU-1", "2026-5", "1"),
        row("EDU-2", "2026-M04", "н/д"),
        row("HOUSE-1", "2026-M05", "3"),
        row("EDU-1", "2026-M05", "121"),
        row("EDU-1", "2026-M04", "-5"),
    ];
    let report = p.import_values(&city.executor.token, &rows, ImportMode::Submit).await.unwrap();
    assert_eq!((report.accepted, report.stored), (2, true));
    let refused: Vec<(usize, &str)> =
        report.refused.iter().map(|r| (r.row, r.field.as_str())).collect();
    assert_eq!(
        refused,
        [(2, "period"), (3, "value"), (4, "indicator"), (5, "indicator"), (6, "value")]
    );
    assert!(report.refused[1].reason.contains("н/д"), "{:?}", report.refused[1]);

    let stored =
        p.value(&city.viewer.token, "EDU-2", "2026-M05".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.entry.amount().unwrap().to_string()),
        (ValueStatus::Submitted, "12.5".into())
    );
    let history =
        p.value_history(&city.viewer.token, "EDU-2", "2026-M05".parse().unwrap()).await.unwrap();
    assert_eq!(history.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["save", "submit"]);
    assert_denied(p.import_values(&city.viewer.token, &rows, ImportMode::Draft).await);
}

/// A dry run reports exactly what a real run would and writes nothing.
pub async fn dry_run_checks_every_row_and_stores_nothing(storage: Arc<dyn Storage>) {
    use citypassport_core::ImportMode;
    let city = City::build(storage.clone()).await;
    let p = &city.passport;
    let rows = [row("EDU-1", "2026-M05", "120"), row("EDU-2", "2026-M05", "abc")];
    let before = storage.last_audit_seq().await.unwrap();
    let dry = p.import_values(&city.executor.token, &rows, ImportMode::DryRun).await.unwrap();
    assert_eq!((dry.accepted, dry.refused.len(), dry.stored), (1, 1, false));
    assert_eq!(storage.last_audit_seq().await.unwrap(), before);
    assert!(p
        .value(&city.viewer.token, "EDU-1", "2026-M05".parse().unwrap())
        .await
        .unwrap()
        .is_none());
    let real = p.import_values(&city.executor.token, &rows, ImportMode::Draft).await.unwrap();
    assert_eq!((real.accepted, real.refused, real.stored), (dry.accepted, dry.refused, true));
}

/// Paging through the export yields every value exactly once, in key order.
pub async fn export_pages_through_every_value_once(storage: Arc<dyn Storage>) {
    use citypassport_core::ImportMode;
    let city = City::build(storage).await;
    let p = &city.passport;
    let rows: Vec<_> = (1..=6)
        .flat_map(|m| {
            ["EDU-1", "EDU-2"].map(|code| row(code, &format!("2026-M{m:02}"), &m.to_string()))
        })
        .collect();
    p.import_values(&city.executor.token, &rows, ImportMode::Draft).await.unwrap();
    let mut seen = Vec::new();
    let mut after: Option<(String, Period)> = None;
    loop {
        let page = p
            .export_values(&city.viewer.token, after.as_ref().map(|(c, p)| (c.as_str(), *p)), 5)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.indicator.clone(), last.period));
        seen.extend(page.iter().map(|v| format!("{}|{}", v.indicator, v.period)));
    }
    let mut expected: Vec<String> =
        rows.iter().map(|r| format!("{}|{}", r.indicator, r.period)).collect();
    expected.sort();
    assert_eq!(seen, expected);
}

/// After a whole workflow the audit log's hash chain is intact, and only controllers,
/// the chief of staff and administrators may check it.
pub async fn audit_chain_of_a_full_workflow_verifies(storage: Arc<dyn Storage>) {
    let city = City::build(storage.clone()).await;
    let p = &city.passport;
    submitted(&city, "100").await;
    p.return_value(&city.controller.token, "EDU-1", july(), "проверить").await.unwrap();
    let check = p.verify_audit_log(&city.controller.token).await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.records_checked, storage.last_audit_seq().await.unwrap());
    assert_eq!(check.head_hash.len(), 64);
    assert_denied(p.verify_audit_log(&city.viewer.token).await);
}

/// Builds a small city on `storage`, runs a workflow and returns the city, for the
/// tamper tests of each backend.
pub async fn city_with_history(storage: Arc<dyn Storage>) -> City {
    let city = City::build(storage).await;
    submitted(&city, "100").await;
    city.passport.accept(&city.controller.token, "EDU-1", july()).await.unwrap();
    city
}
