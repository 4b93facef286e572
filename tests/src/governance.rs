//! Scenarios of catalog governance, corrections and reading the passport as of a moment.

use std::sync::Arc;

use chrono::Duration;
use citypassport_core::{
    Decision, Error, Indicator, Period, Periodicity, ProposedChange, Settings, Storage, Unit,
    ValueInput, ValueKind,
};

use citypassport_core::storage::RecordKind;

use crate::city::City;

fn period(text: &str) -> Period {
    text.parse().expect("period")
}

fn long_sessions() -> Settings {
    Settings { session_lifetime: Duration::days(4000), ..Settings::default() }
}

async fn accepted(city: &City, code: &str, p: &str, typed: &str) {
    let passport = &city.passport;
    passport
        .save_draft(&city.executor.token, code, period(p), ValueInput::Text(typed.into()))
        .await
        .unwrap();
    passport.submit(&city.executor.token, code, period(p)).await.unwrap();
    passport.accept(&city.controller.token, code, period(p)).await.unwrap();
}

async fn current(city: &City, code: &str) -> Indicator {
    city.passport.indicator(&city.viewer.token, code).await.unwrap()
}

/// An approved change applies from its period; earlier periods keep their definition.
pub async fn approved_proposal_leaves_earlier_periods_unchanged(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let mut renamed = current(&city, "EDU-1").await;
    renamed.name = "Численность воспитанников (новая методика)".into();
    renamed.methodology = "По форме 85-К с 2026 года".into();
    let proposal = p
        .propose_change(
            &city.head.token,
            ProposedChange::Change { indicator: renamed },
            "новая форма",
            period("2026-M09"),
        )
        .await
        .unwrap();
    assert_eq!(proposal.status, Decision::Pending);
    // Nothing changes before the decision.
    let september =
        p.catalog_for_period(&city.viewer.token, period("2026-M09"), None).await.unwrap();
    assert_eq!(september.iter().find(|i| i.code == "EDU-1").unwrap().name, "Показатель EDU-1");

    p.approve_proposal(&city.chief.token, &proposal.id, "согласовано").await.unwrap();
    let name_in =
        |catalog: &[Indicator]| catalog.iter().find(|i| i.code == "EDU-1").unwrap().name.clone();
    let august = p.catalog_for_period(&city.viewer.token, period("2026-M08"), None).await.unwrap();
    let september =
        p.catalog_for_period(&city.viewer.token, period("2026-M09"), None).await.unwrap();
    assert_eq!(name_in(&august), "Показатель EDU-1");
    assert_eq!(name_in(&september), "Численность воспитанников (новая методика)");

    let history = p.indicator_history(&city.viewer.token, "EDU-1").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].effective_from, Some(period("2026-M09")));
    assert_eq!(history[1].proposal.as_ref(), Some(&proposal.id));
    assert_eq!(history[1].recorded_by, city.chief.id);
    assert_eq!(history[1].reason, "новая форма");

    // The head of the responsible department hears of it through the event feed.
    let events = p.events(&city.head.token, 0, 10_000).await.unwrap();
    let changed = events.iter().find(|e| e.kind == "catalog.changed").unwrap();
    assert_eq!(changed.department.as_ref(), Some(&city.education));
    assert_eq!(changed.indicator.as_deref(), Some("EDU-1"));
}

/// A series kept in thousands of roubles until 2008 and in roubles from 2009 shows each
/// value in its own unit.
pub async fn unit_change_shows_each_value_in_its_own_unit(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let mut budget = crate::city::indicator(
        "BUDGET",
        ValueKind::Decimal { places: 1 },
        Periodicity::Yearly,
        &city.education,
    );
    budget.unit = Unit { name: "тысяча рублей".into(), okei: Some("384".into()) };
    p.define_indicator(&city.chief.token, budget.clone()).await.unwrap();
    let order = citypassport_core::AppointmentOrder {
        number: "1".into(),
        date: "2026-01-01".parse().unwrap(),
    };
    p.assign_executor(&city.head.token, &city.executor.id, "BUDGET", order).await.unwrap();
    accepted(&city, "BUDGET", "2008", "1 250,5").await;

    let mut in_roubles = budget.clone();
    in_roubles.unit = Unit { name: "рубль".into(), okei: Some("383".into()) };
    in_roubles.kind = ValueKind::Integer;
    p.change_catalog(
        &city.chief.token,
        ProposedChange::Change { indicator: in_roubles },
        "переход на рубли",
        period("2009"),
    )
    .await
    .unwrap();
    accepted(&city, "BUDGET", "2009", "1 310 000").await;
    // From 2009 the indicator takes whole roubles only.
    let err = p
        .save_draft(&city.executor.token, "BUDGET", period("2010"), ValueInput::Text("1,5".into()))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Invalid { field, .. } if field == "value"), "{err:?}");

    let series = p
        .indicator_series(&city.viewer.token, "BUDGET", period("2008"), period("2009"))
        .await
        .unwrap();
    let shown: Vec<(String, String, String)> = series
        .iter()
        .map(|r| {
            (
                r.period.to_string(),
                r.value.as_ref().unwrap().entry.to_string(),
                r.indicator.unit.name.clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("2008".to_string(), "1250.5".to_string(), "тысяча рублей".to_string()),
            ("2009".to_string(), "1310000".to_string(), "рубль".to_string()),
        ]
    );
    let passport_2008 = p.period_passport(&city.viewer.token, period("2008")).await.unwrap();
    assert_eq!(
        passport_2008
            .iter()
            .find(|r| r.indicator.code == "BUDGET")
            .unwrap()
            .indicator
            .unit
            .okei
            .as_deref(),
        Some("384")
    );
}

/// A rejected proposal leaves the catalog as it was.
pub async fn rejected_proposal_changes_nothing(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let before = p.catalog(&city.viewer.token).await.unwrap();
    let proposal = p
        .propose_change(
            &city.head.token,
            ProposedChange::Retire { code: "EDU-2".into() },
            "не нужен",
            period("2026-M09"),
        )
        .await
        .unwrap();
    assert!(matches!(
        p.reject_proposal(&city.chief.token, &proposal.id, "").await,
        Err(Error::Invalid { .. })
    ));
    let rejected = p
        .reject_proposal(&city.chief.token, &proposal.id, "показатель в перечне области")
        .await
        .unwrap();
    assert_eq!(rejected.status, Decision::Rejected);
    assert_eq!(p.catalog(&city.viewer.token).await.unwrap(), before);
    assert_eq!(p.indicator_history(&city.viewer.token, "EDU-2").await.unwrap().len(), 1);
    assert!(matches!(
        p.approve_proposal(&city.chief.token, &proposal.id, "ok").await,
        Err(Error::WrongState(_))
    ));
    let listed = p.proposals(&city.viewer.token, Some(Decision::Rejected)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].decision_reason.as_deref(), Some("показатель в перечне области"));
}

/// A department head proposes only for their own department; only the chief of staff
/// decides, and not on their own proposals.
pub async fn proposals_are_for_own_department_and_decided_by_another(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let retire_house = ProposedChange::Retire { code: "HOUSE-1".into() };
    assert!(matches!(
        p.propose_change(&city.head.token, retire_house, "r", period("2026-M09")).await,
        Err(Error::PermissionDenied(_))
    ));
    let retire_edu = ProposedChange::Retire { code: "EDU-2".into() };
    assert!(matches!(
        p.propose_change(&city.viewer.token, retire_edu.clone(), "r", period("2026-M09")).await,
        Err(Error::PermissionDenied(_))
    ));
    let wrong_kind =
        p.propose_change(&city.head.token, retire_edu.clone(), "r", period("2026-Q3")).await;
    assert!(wrong_kind.is_ok(), "a retirement takes effect from any period: {wrong_kind:?}");
    let proposal = wrong_kind.unwrap();
    assert!(matches!(
        p.approve_proposal(&city.controller.token, &proposal.id, "ok").await,
        Err(Error::PermissionDenied(_))
    ));

    let mut added = crate::city::indicator(
        "EDU-3",
        ValueKind::Integer,
        Periodicity::Quarterly,
        &city.education,
    );
    added.name = "Число детских садов".into();
    let err = p
        .propose_change(
            &city.head.token,
            ProposedChange::Add { indicator: added.clone() },
            "r",
            period("2026-M09"),
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Invalid { field, .. } if field == "effective from"), "{err:?}");
    let add = p
        .propose_change(
            &city.head.token,
            ProposedChange::Add { indicator: added },
            "новый",
            period("2026-Q4"),
        )
        .await
        .unwrap();
    p.approve_proposal(&city.chief.token, &add.id, "да").await.unwrap();
    let q4 = p.catalog_for_period(&city.viewer.token, period("2026-Q4"), None).await.unwrap();
    assert_eq!(q4.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), ["EDU-3"]);
}

/// The catalog can be read as it was known at a past moment.
pub async fn catalog_as_known_at_a_moment_is_reproduced(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let before_change = city.clock.now_for_tests();
    city.clock.advance(Duration::days(3));
    let mut renamed = current(&city, "EDU-2").await;
    renamed.name = "Новое имя".into();
    p.change_catalog(
        &city.chief.token,
        ProposedChange::Change { indicator: renamed },
        "переименование",
        period("2026-M01"),
    )
    .await
    .unwrap();

    let then = p
        .catalog_for_period(&city.viewer.token, period("2026-M03"), Some(before_change))
        .await
        .unwrap();
    let now = p.catalog_for_period(&city.viewer.token, period("2026-M03"), None).await.unwrap();
    let name = |c: &[Indicator]| c.iter().find(|i| i.code == "EDU-2").unwrap().name.clone();
    assert_eq!(
        (name(&then), name(&now)),
        ("Показатель EDU-2".to_string(), "Новое имя".to_string())
    );
}

/// A retired indicator leaves the catalogs of the periods from its retirement on.
pub async fn retired_indicator_leaves_later_catalogs_only(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    p.change_catalog(
        &city.chief.token,
        ProposedChange::Retire { code: "HOUSE-1".into() },
        "передан области",
        period("2026-M08"),
    )
    .await
    .unwrap();
    let codes = |rows: Vec<citypassport_core::PassportRow>| {
        rows.into_iter().map(|r| r.indicator.code).collect::<Vec<_>>()
    };
    assert!(codes(p.period_passport(&city.viewer.token, period("2026-M07")).await.unwrap())
        .contains(&"HOUSE-1".into()));
    assert!(!codes(p.period_passport(&city.viewer.token, period("2026-M08")).await.unwrap())
        .contains(&"HOUSE-1".into()));
    assert!(!p.catalog(&city.viewer.token).await.unwrap().iter().any(|i| i.code == "HOUSE-1"));
}

/// A correction shows nowhere until the chief of staff approves it; then the value has
/// the new entry and its history the old one with the reason.
pub async fn correction_is_invisible_until_approved(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    accepted(&city, "EDU-1", "2026-M06", "1000").await;
    let june = period("2026-M06");
    assert!(matches!(
        p.propose_correction(
            &city.executor.token,
            "EDU-1",
            june,
            ValueInput::Text("1".into()),
            "r"
        )
        .await,
        Err(Error::PermissionDenied(_))
    ));
    let correction = p
        .propose_correction(
            &city.controller.token,
            "EDU-1",
            june,
            ValueInput::Text("1 020".into()),
            "перепись населения",
        )
        .await
        .unwrap();
    let shown = p.value(&city.viewer.token, "EDU-1", june).await.unwrap().unwrap();
    assert_eq!(shown.entry.to_string(), "1000");
    assert!(matches!(
        p.approve_correction(&city.controller.token, &correction.id, None).await,
        Err(Error::PermissionDenied(_))
    ));

    p.approve_correction(&city.chief.token, &correction.id, Some("согласовано")).await.unwrap();
    let shown = p.value(&city.viewer.token, "EDU-1", june).await.unwrap().unwrap();
    assert_eq!((shown.entry.to_string(), shown.status.as_str()), ("1020".to_string(), "accepted"));
    let history = p.value_history(&city.viewer.token, "EDU-1", june).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.action.as_str(), "correct");
    assert_eq!(last.old.as_ref().unwrap().to_string(), "1000");
    assert_eq!(last.reason.as_deref(), Some("перепись населения"));
    assert_eq!(last.actor, city.chief.id);
}

/// Reading as of a moment before and after an approved correction gives the old and
/// the new value.
pub async fn as_of_read_returns_the_value_of_that_moment(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let june = period("2026-M06");
    let before_anything = city.clock.now_for_tests();
    city.clock.advance(Duration::hours(1));
    p.save_draft(&city.executor.token, "EDU-1", june, ValueInput::Text("500".into()))
        .await
        .unwrap();
    p.submit(&city.executor.token, "EDU-1", june).await.unwrap();
    let while_submitted = city.clock.now_for_tests();
    city.clock.advance(Duration::hours(1));
    p.accept(&city.controller.token, "EDU-1", june).await.unwrap();
    city.clock.advance(Duration::days(30));
    let before_correction = city.clock.now_for_tests();
    city.clock.advance(Duration::hours(1));
    let correction = p
        .propose_correction(
            &city.controller.token,
            "EDU-1",
            june,
            ValueInput::Text("510".into()),
            "ошибка",
        )
        .await
        .unwrap();
    p.approve_correction(&city.chief.token, &correction.id, None).await.unwrap();

    let viewer = &city.viewer.token;
    let at = |t| async move { p.value_as_of(viewer, "EDU-1", june, t).await.unwrap() };
    assert!(at(before_anything).await.is_none());
    let submitted = at(while_submitted).await.unwrap();
    assert_eq!(
        (submitted.entry.to_string(), submitted.status.as_str()),
        ("500".into(), "submitted")
    );
    assert_eq!(at(before_correction).await.unwrap().entry.to_string(), "500");
    assert_eq!(at(city.clock.now_for_tests()).await.unwrap().entry.to_string(), "510");

    let then = p.period_passport_as_of(&city.viewer.token, june, before_correction).await.unwrap();
    let row = then.iter().find(|r| r.indicator.code == "EDU-1").unwrap();
    assert_eq!(
        (row.value.as_ref().unwrap().entry.to_string(), row.status_label()),
        ("500".into(), "accepted")
    );
    let earlier = p.period_passport_as_of(&city.viewer.token, june, before_anything).await.unwrap();
    assert!(earlier.iter().all(|r| r.value.is_none()));
}

/// A rejected correction is kept with its reason and the value stays.
pub async fn rejected_correction_is_kept_and_changes_nothing(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let june = period("2026-M06");
    accepted(&city, "EDU-1", "2026-M06", "700").await;
    let correction = p
        .propose_correction(
            &city.controller.token,
            "EDU-1",
            june,
            ValueInput::Text("9000".into()),
            "проверка",
        )
        .await
        .unwrap();
    p.reject_correction(&city.chief.token, &correction.id, "не подтверждено").await.unwrap();
    assert_eq!(
        p.value(&city.viewer.token, "EDU-1", june).await.unwrap().unwrap().entry.to_string(),
        "700"
    );
    let kept = p.corrections(&city.viewer.token, Some(Decision::Rejected)).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].new.to_string(), kept[0].decision_reason.as_deref()),
        ("9000".to_string(), Some("не подтверждено"))
    );
    assert_eq!(p.value_history(&city.viewer.token, "EDU-1", june).await.unwrap().len(), 3);
}

/// The quarterly report lists the corrections approved in the quarter.
pub async fn quarterly_report_lists_the_corrections_of_the_quarter(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let june = period("2026-M06");
    accepted(&city, "EDU-1", "2026-M06", "700").await;
    let correction = p
        .propose_correction(
            &city.controller.token,
            "EDU-1",
            june,
            ValueInput::Text("710".into()),
            "уточнение",
        )
        .await
        .unwrap();
    p.approve_correction(&city.chief.token, &correction.id, None).await.unwrap();
    let q3 = p.quarterly_report(&city.viewer.token, period("2026-Q3")).await.unwrap();
    let lines: Vec<(String, String, String)> = q3
        .corrections
        .iter()
        .map(|c| (c.indicator.clone(), c.old.clone(), c.new.clone()))
        .collect();
    assert_eq!(lines, [("EDU-1".to_string(), "700".to_string(), "710".to_string())]);
    assert!(q3.to_text().contains("уточнение"));
    let q2 = p.quarterly_report(&city.viewer.token, period("2026-Q2")).await.unwrap();
    assert!(q2.corrections.is_empty());
}

/// A proposal is checked again when it is approved: a second proposal to add the same
/// code, approved after the first, is refused naming the proposal and the reason, and
/// the first addition stays in force for every period.
pub async fn proposal_that_no_longer_fits_the_catalog_is_refused_at_approval(
    storage: Arc<dyn Storage>,
) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let mut kindergartens = crate::city::indicator(
        "EDU-3",
        ValueKind::Integer,
        Periodicity::Quarterly,
        &city.education,
    );
    kindergartens.name = "Число детских садов".into();
    let mut renamed = kindergartens.clone();
    renamed.name = "Число дошкольных организаций".into();
    let add = |indicator: Indicator, from: &str| {
        let token = city.head.token.clone();
        let from = period(from);
        async move {
            p.propose_change(&token, ProposedChange::Add { indicator }, "новый", from).await
        }
    };
    let first = add(kindergartens, "2026-Q3").await.unwrap();
    let second = add(renamed, "2027-Q1").await.unwrap();
    p.approve_proposal(&city.chief.token, &first.id, "да").await.unwrap();

    let err = p.approve_proposal(&city.chief.token, &second.id, "тоже да").await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::WrongState(_)), "{err:?}");
    assert!(
        message.contains(second.id.as_str()) && message.contains("already exists"),
        "{message}"
    );
    assert_eq!(p.indicator_history(&city.viewer.token, "EDU-3").await.unwrap().len(), 1);
    assert_eq!(p.proposal(&city.viewer.token, &second.id).await.unwrap().status, Decision::Pending);
    for quarter in ["2026-Q3", "2027-Q2"] {
        let catalog =
            p.catalog_for_period(&city.viewer.token, period(quarter), None).await.unwrap();
        let edu3 = catalog.iter().find(|i| i.code == "EDU-3").unwrap();
        assert_eq!(edu3.name, "Число детских садов", "{quarter}");
    }
    // The stale proposal can still be rejected, which records why.
    p.reject_proposal(&city.chief.token, &second.id, "уже добавлен").await.unwrap();
}

/// A change filed before the indicator was retired cannot bring it back: its approval is
/// refused, and the indicator stays retired.
pub async fn change_filed_before_a_retirement_cannot_bring_it_back(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let mut renamed = current(&city, "EDU-2").await;
    renamed.name = "Новое имя".into();
    let change = p
        .propose_change(
            &city.head.token,
            ProposedChange::Change { indicator: renamed },
            "уточнение названия",
            period("2026-M10"),
        )
        .await
        .unwrap();
    p.change_catalog(
        &city.chief.token,
        ProposedChange::Retire { code: "EDU-2".into() },
        "исключён из перечня области",
        period("2026-M09"),
    )
    .await
    .unwrap();

    let err = p.approve_proposal(&city.chief.token, &change.id, "да").await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::WrongState(_)), "{err:?}");
    assert!(
        message.contains(change.id.as_str()) && message.contains("retired from 2026-M09"),
        "{message}"
    );
    let november =
        p.catalog_for_period(&city.viewer.token, period("2026-M11"), None).await.unwrap();
    assert!(!november.iter().any(|i| i.code == "EDU-2"));
    assert_eq!(p.indicator_history(&city.viewer.token, "EDU-2").await.unwrap().len(), 2);

    // Nor can it be retired twice, or changed from its retirement on directly.
    let again = ProposedChange::Retire { code: "EDU-2".into() };
    assert!(matches!(
        p.change_catalog(&city.chief.token, again, "ещё раз", period("2026-M08")).await,
        Err(Error::WrongState(_))
    ));
    let mut revived = current_entry(&city, "EDU-2").await;
    revived.name = "Возвращён".into();
    assert!(matches!(
        p.change_catalog(
            &city.chief.token,
            ProposedChange::Change { indicator: revived },
            "вернуть",
            period("2026-M12")
        )
        .await,
        Err(Error::WrongState(_))
    ));
}

async fn current_entry(city: &City, code: &str) -> Indicator {
    city.passport.catalog_entry(&city.viewer.token, code).await.unwrap().indicator
}

/// A retired indicator shows its retirement in the current record: it takes no new
/// assignments and no values from its retirement on, while earlier periods read and
/// report as before.
pub async fn retired_indicator_takes_no_assignments_nor_values_from_its_retirement(
    storage: Arc<dyn Storage>,
) {
    let city = City::build_with(storage.clone(), long_sessions()).await;
    let p = &city.passport;
    accepted(&city, "EDU-2", "2026-M06", "12,5").await;
    p.change_catalog(
        &city.chief.token,
        ProposedChange::Retire { code: "EDU-2".into() },
        "исключён из перечня области",
        period("2026-M08"),
    )
    .await
    .unwrap();

    // The stored record keeps the last definition and says from when it is retired.
    let entry = p.catalog_entry(&city.viewer.token, "EDU-2").await.unwrap();
    assert_eq!(entry.retired_from, Some(period("2026-M08")));
    assert_eq!(entry.indicator.name, "Показатель EDU-2");
    let stored = storage.get(RecordKind::Indicator, "EDU-2").await.unwrap().unwrap();
    assert!(stored.body.contains(r#""retired_from":"2026-M08""#), "{}", stored.body);
    assert!(stored.body.contains(r#""name":"Показатель EDU-2""#), "{}", stored.body);

    let err = p.indicator(&city.viewer.token, "EDU-2").await.unwrap_err();
    assert!(matches!(&err, Error::WrongState(m) if m.contains("retired from 2026-M08")), "{err}");
    assert!(!p.catalog(&city.viewer.token).await.unwrap().iter().any(|i| i.code == "EDU-2"));
    // July is still to be reported: a new executor may be appointed for it until August.
    let order = citypassport_core::AppointmentOrder {
        number: "30-к".into(),
        date: "2026-06-01".parse().unwrap(),
    };
    p.assign_executor(&city.head.token, &city.other_executor.id, "EDU-2", order.clone())
        .await
        .unwrap();
    city.clock.advance(Duration::days(33));
    let late = City::person(
        p,
        &city.admin.token,
        "late@city.example",
        vec![citypassport_core::Role::Executor],
        Some(city.education.clone()),
    )
    .await;
    let err = p.assign_executor(&city.head.token, &late.id, "EDU-2", order).await.unwrap_err();
    assert!(matches!(&err, Error::WrongState(m) if m.contains("retired from 2026-M08")), "{err}");

    for month in ["2026-M08", "2026-M09"] {
        let err = p
            .save_draft(&city.executor.token, "EDU-2", period(month), ValueInput::Text("1".into()))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid { field, reason }
                if field == "period" && reason.contains("retired from 2026-M08")),
            "{month}: {err}"
        );
    }
    // Periods before the retirement are entered, read and reported as before.
    p.save_draft(&city.executor.token, "EDU-2", period("2026-M07"), ValueInput::Text("3".into()))
        .await
        .unwrap();
    let june = p.period_passport(&city.viewer.token, period("2026-M06")).await.unwrap();
    let row = june.iter().find(|r| r.indicator.code == "EDU-2").unwrap();
    assert_eq!(row.value.as_ref().unwrap().entry.to_string(), "12.5");
    assert_eq!(row.indicator.name, "Показатель EDU-2");
}

/// An indicator's history says who proposed each change, who approved it and why; one
/// proposal is read by id.
pub async fn indicator_history_says_who_proposed_and_why_it_was_approved(
    storage: Arc<dyn Storage>,
) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let mut renamed = current(&city, "EDU-1").await;
    renamed.methodology = "По форме 85-К".into();
    let proposal = p
        .propose_change(
            &city.head.token,
            ProposedChange::Change { indicator: renamed.clone() },
            "новая форма отчётности",
            period("2026-M09"),
        )
        .await
        .unwrap();
    p.approve_proposal(&city.chief.token, &proposal.id, "форма утверждена Росстатом")
        .await
        .unwrap();
    renamed.name = "Численность воспитанников".into();
    p.change_catalog(
        &city.chief.token,
        ProposedChange::Change { indicator: renamed },
        "уточнение названия",
        period("2026-M10"),
    )
    .await
    .unwrap();

    let history = p.indicator_history(&city.viewer.token, "EDU-1").await.unwrap();
    let told: Vec<_> = history
        .iter()
        .map(|v| {
            (
                v.proposed_by.clone(),
                v.recorded_by.clone(),
                v.reason.as_str(),
                v.decision_reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            (None, city.chief.id.clone(), "defined", None),
            (
                Some(city.head.id.clone()),
                city.chief.id.clone(),
                "новая форма отчётности",
                Some("форма утверждена Росстатом")
            ),
            (
                Some(city.chief.id.clone()),
                city.chief.id.clone(),
                "уточнение названия",
                Some("уточнение названия")
            ),
        ]
    );

    let read = p.proposal(&city.viewer.token, &proposal.id).await.unwrap();
    assert_eq!(
        (read.status, read.proposed_by, read.decided_by, read.decision_reason.as_deref()),
        (
            Decision::Approved,
            city.head.id.clone(),
            Some(city.chief.id.clone()),
            Some("форма утверждена Росстатом")
        )
    );
    let unknown = citypassport_core::Id::generate();
    assert!(matches!(
        p.proposal(&city.viewer.token, &unknown).await,
        Err(Error::NotFound { kind: "change proposal", .. })
    ));
    assert!(matches!(
        p.proposal(&citypassport_core::Secret::generate(), &proposal.id).await,
        Err(Error::Unauthenticated)
    ));
}

/// The whole catalog, every periodicity, can be read as it was in force and known at a
/// past moment: a change recorded later, even with effect from an earlier period, does
/// not show; a retirement shows only from its period.
pub async fn whole_catalog_as_of_a_moment_is_reproduced(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let chief = &city.chief.token;
    for (code, periodicity) in [("EDU-Q", Periodicity::Quarterly), ("EDU-Y", Periodicity::Yearly)] {
        let definition =
            crate::city::indicator(code, ValueKind::Integer, periodicity, &city.education);
        p.define_indicator(chief, definition).await.unwrap();
    }
    let before = city.clock.now_for_tests();
    city.clock.advance(Duration::days(3));
    let mut renamed = current(&city, "EDU-2").await;
    renamed.name = "Новое имя".into();
    let rename = ProposedChange::Change { indicator: renamed };
    p.change_catalog(chief, rename, "переименование", period("2026-M01")).await.unwrap();
    let retire = ProposedChange::Retire { code: "HOUSE-1".into() };
    p.change_catalog(chief, retire, "передан области", period("2026-M09")).await.unwrap();
    let after = city.clock.now_for_tests();

    let viewer = &city.viewer.token;
    let names =
        |catalog: Vec<Indicator>| catalog.into_iter().map(|i| (i.code, i.name)).collect::<Vec<_>>();
    let shown = |code: &str| (code.to_string(), format!("Показатель {code}"));
    let then = names(p.catalog_as_of(viewer, before).await.unwrap());
    assert_eq!(
        then,
        [shown("EDU-1"), shown("EDU-2"), shown("EDU-Q"), shown("EDU-Y"), shown("HOUSE-1")]
    );
    let now = names(p.catalog_as_of(viewer, after).await.unwrap());
    assert_eq!(
        now,
        [
            shown("EDU-1"),
            ("EDU-2".to_string(), "Новое имя".to_string()),
            shown("EDU-Q"),
            shown("EDU-Y"),
            shown("HOUSE-1")
        ]
    );
    let september = after + Duration::days(70);
    let later: Vec<String> =
        p.catalog_as_of(viewer, september).await.unwrap().into_iter().map(|i| i.code).collect();
    assert_eq!(later, ["EDU-1", "EDU-2", "EDU-Q", "EDU-Y"]);
    assert!(matches!(
        p.catalog_as_of(&citypassport_core::Secret::generate(), after).await,
        Err(Error::Unauthenticated)
    ));
}
