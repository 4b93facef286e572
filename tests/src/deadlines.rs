//! Scenarios of deadlines, delay notices, reminders, events and the quarterly report,
//! on real dates of the Russian calendar.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use citypassport_core::report::{Counts, DepartmentLine, ExecutorLine, Violation};
use citypassport_core::{
    DueRule, Error, NoticeStatus, Period, RegionalHoliday, Settings, Storage, Timeliness,
    ValueInput, ValueRef,
};

use crate::city::{City, PASSWORD};

fn period(text: &str) -> Period {
    text.parse().expect("period")
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("date")
}

/// Sets the clock to a Moscow wall-clock time.
fn at(city: &City, y: i32, m: u32, d: u32, h: u32, min: u32) {
    let moscow = chrono_tz::Europe::Moscow;
    city.clock.set(moscow.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().to_utc());
}

/// Sessions that last through a simulated quarter.
fn long_sessions() -> Settings {
    Settings { session_lifetime: Duration::days(400), ..Settings::default() }
}

async fn enter(city: &City, code: &str, p: &str, typed: &str) {
    let token = &city.executor.token;
    city.passport.save_draft(token, code, period(p), ValueInput::Text(typed.into())).await.unwrap();
    city.passport.submit(token, code, period(p)).await.unwrap();
}

/// Q3 2026 built from scratch: nine values due (three indicators, June to August), each
/// with a different fate, and every count and violation row checked.
pub async fn quarterly_report_counts_every_value_and_violation(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let (ctl, exe) = (&city.controller.token, &city.executor.token);

    // June values are due Friday 10 July 2026, to 24:00 Moscow time.
    at(&city, 2026, 7, 10, 23, 59);
    enter(&city, "EDU-1", "2026-M06", "100").await;
    at(&city, 2026, 7, 11, 0, 1);
    enter(&city, "EDU-2", "2026-M06", "1,5").await;

    // July: EDU-1 on time, returned, resubmitted after the due date; EDU-2 excused.
    at(&city, 2026, 8, 5, 10, 0);
    enter(&city, "EDU-1", "2026-M07", "101").await;
    p.return_value(ctl, "EDU-1", period("2026-M07"), "проверьте").await.unwrap();
    at(&city, 2026, 8, 7, 10, 0);
    let notice = p
        .file_delay_notice(
            exe,
            &[ValueRef::new("EDU-2", period("2026-M07"))],
            "нет данных от школ",
            date("2026-08-20"),
        )
        .await
        .unwrap();
    p.grant_delay_notice(ctl, &notice.id, None, None).await.unwrap();
    at(&city, 2026, 8, 18, 12, 0);
    enter(&city, "EDU-2", "2026-M07", "2").await;
    at(&city, 2026, 8, 20, 12, 0);
    p.save_draft(exe, "EDU-1", period("2026-M07"), ValueInput::Text("102".into())).await.unwrap();
    p.submit(exe, "EDU-1", period("2026-M07")).await.unwrap();

    // August: EDU-1 not applicable on time, EDU-2 fifteen days late after a notice
    // the controller declined.
    at(&city, 2026, 9, 1, 9, 0);
    p.save_draft(exe, "EDU-1", period("2026-M08"), ValueInput::NotApplicable("каникулы".into()))
        .await
        .unwrap();
    p.submit(exe, "EDU-1", period("2026-M08")).await.unwrap();
    at(&city, 2026, 9, 8, 9, 0);
    let declined = p
        .file_delay_notice(
            exe,
            &[ValueRef::new("EDU-2", period("2026-M08"))],
            "школы на ремонте",
            date("2026-09-30"),
        )
        .await
        .unwrap();
    p.decline_delay_notice(ctl, &declined.id, "срок установлен распоряжением").await.unwrap();
    at(&city, 2026, 9, 25, 9, 0);
    enter(&city, "EDU-2", "2026-M08", "3").await;

    at(&city, 2026, 10, 1, 12, 0);
    let report = p.quarterly_report(&city.viewer.token, period("2026-Q3")).await.unwrap();

    // 10 October 2026 is a Saturday: the report is due Monday 12 October.
    assert_eq!(report.due_date.date, date("2026-10-12"));
    assert!(report.rules_only_years.is_empty(), "2026 has calendar data");
    let education = Counts {
        due: 6,
        on_time: 2,
        late: 2,
        late_days: 16,
        missing: 0,
        excused: 1,
        not_applicable: 1,
        not_yet_due: 0,
        returned: 1,
        entered: 6,
    };
    let housing = Counts { due: 3, missing: 3, ..Counts::default() };
    let totals = Counts {
        due: 9,
        on_time: 2,
        late: 2,
        late_days: 16,
        missing: 3,
        excused: 1,
        not_applicable: 1,
        not_yet_due: 0,
        returned: 1,
        entered: 6,
    };
    assert_eq!(report.totals, totals);
    assert_eq!(
        report.departments,
        [
            DepartmentLine {
                department: Some(city.housing.clone()),
                name: "жилищное управление".into(),
                counts: housing,
            },
            DepartmentLine {
                department: Some(city.education.clone()),
                name: "управление образования".into(),
                counts: education,
            },
        ]
    );
    let executor_name = "Сотрудник executor@city.example";
    assert_eq!(
        report.executors,
        [
            ExecutorLine { account: None, name: "(not assigned)".into(), counts: housing },
            ExecutorLine {
                account: Some(city.executor.id.clone()),
                name: executor_name.into(),
                counts: education,
            },
        ]
    );

    let moscow = |d: u32, m: u32, h: u32, min: u32| {
        chrono_tz::Europe::Moscow.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap().to_utc()
    };
    let row = |code: &str, p: &str, due: &str, at: Option<DateTime<Utc>>, days: i64| Violation {
        indicator: code.into(),
        indicator_name: format!("Показатель {code}"),
        period: period(p),
        department: if code.starts_with("HOUSE") {
            "жилищное управление".into()
        } else {
            "управление образования".into()
        },
        executors: if code.starts_with("HOUSE") { vec![] } else { vec![executor_name.into()] },
        due_date: date(due),
        extended_until: None,
        submitted_at: at,
        days_late: days,
        notices: vec![],
    };
    let mut august = row("EDU-2", "2026-M08", "2026-09-10", Some(moscow(25, 9, 9, 0)), 15);
    august.notices = vec![(declined.id.clone(), NoticeStatus::Declined)];
    assert_eq!(
        report.violations,
        [
            row("HOUSE-1", "2026-M06", "2026-07-10", None, 83),
            row("HOUSE-1", "2026-M07", "2026-08-10", None, 52),
            row("HOUSE-1", "2026-M08", "2026-09-10", None, 21),
            august,
            row("EDU-2", "2026-M06", "2026-07-10", Some(moscow(11, 7, 0, 1)), 1),
        ]
    );

    // Every table adds up: the not-yet-due column is there, times are Moscow time.
    let text = report.to_text();
    assert!(text.contains("made 2026-10-01 12:00 MSK"), "{text}");
    assert!(text.contains("not yet due"), "{text}");
    assert!(text.contains("2026-07-11 00:01 MSK"), "{text}");
    assert!(text.contains(&format!("{} (declined)", declined.id)), "{text}");
    assert!(!text.contains("UTC"), "{text}");
    let markdown = report.to_markdown();
    assert!(markdown.contains("| HOUSE-1 | 2026-M06 |"), "{markdown}");
    assert!(markdown.contains("| Всего / total | 9 | 2 | 2 | 16 | 3 | 1 | 1 | 0 | 1 | 6 |"));
    let csv = report.to_csv();
    assert!(csv.lines().any(|l| l == "total,,,9,2,2,16,3,1,1,0,1,6"), "{csv}");
    let violations = report.violations_to_csv();
    assert_eq!(violations.lines().count(), 6);
    assert!(violations.contains(",2026-07-11T00:01:00+03:00,1,false,"), "{violations}");
}

/// A granted notice gives each of its values the new due date, and a value submitted
/// by then is excused.
pub async fn granted_delay_notice_gives_each_value_a_new_due_date(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    at(&city, 2026, 7, 8, 10, 0);
    let values =
        [ValueRef::new("EDU-1", period("2026-M06")), ValueRef::new("EDU-2", period("2026-M06"))];
    // 25 July 2026 is a Saturday: the extension runs to Monday 27 July.
    let notice = p
        .file_delay_notice(
            &city.executor.token,
            &values,
            "форма 85-К задерживается",
            date("2026-07-25"),
        )
        .await
        .unwrap();
    assert_eq!(notice.status, NoticeStatus::Pending);
    let pending =
        p.delay_notices(&city.controller.token, Some(NoticeStatus::Pending)).await.unwrap();
    assert_eq!(pending.len(), 1);

    // An extension that ends on the due date itself gives no time and is refused.
    match p
        .grant_delay_notice(&city.controller.token, &notice.id, Some(date("2026-07-10")), None)
        .await
    {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "until"),
        other => panic!("an extension to the due date itself was not refused: {other:?}"),
    }
    let granted = p
        .grant_delay_notice(&city.controller.token, &notice.id, None, Some("согласовано"))
        .await
        .unwrap();
    assert_eq!(granted.granted_until, Some(date("2026-07-27")));
    for value in &values {
        let (due, extended) =
            p.due_date(&city.viewer.token, &value.indicator, value.period).await.unwrap();
        assert_eq!((due.date, extended), (date("2026-07-10"), Some(date("2026-07-27"))));
    }

    at(&city, 2026, 7, 20, 10, 0);
    let running =
        p.timeliness(&city.viewer.token, date("2026-07-01"), date("2026-07-31")).await.unwrap();
    let edu1 = running.iter().find(|e| e.value == values[0]).unwrap();
    assert_eq!(edu1.timeliness, Timeliness::Excused);
    assert_eq!(edu1.notices, std::slice::from_ref(&notice.id));

    enter(&city, "EDU-1", "2026-M06", "5").await;
    at(&city, 2026, 7, 28, 10, 0);
    let after =
        p.timeliness(&city.viewer.token, date("2026-07-01"), date("2026-07-31")).await.unwrap();
    let state = |v: &ValueRef| after.iter().find(|e| &e.value == v).unwrap().timeliness;
    assert_eq!(state(&values[0]), Timeliness::Excused);
    assert_eq!(state(&values[1]), Timeliness::Missing { days: 1 });
    assert!(matches!(
        p.grant_delay_notice(&city.controller.token, &notice.id, None, None).await,
        Err(Error::WrongState(_))
    ));
}

/// A declined notice keeps the due date, and the value counts late.
pub async fn declined_delay_notice_leaves_the_due_date(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    at(&city, 2026, 7, 8, 10, 0);
    let value = ValueRef::new("EDU-1", period("2026-M06"));
    let notice = p
        .file_delay_notice(
            &city.executor.token,
            std::slice::from_ref(&value),
            "отпуск",
            date("2026-07-20"),
        )
        .await
        .unwrap();
    assert!(matches!(
        p.decline_delay_notice(&city.controller.token, &notice.id, " ").await,
        Err(Error::Invalid { .. })
    ));
    let declined = p
        .decline_delay_notice(&city.controller.token, &notice.id, "срок установлен распоряжением")
        .await
        .unwrap();
    assert_eq!(declined.status, NoticeStatus::Declined);
    assert_eq!(declined.decision_reason.as_deref(), Some("срок установлен распоряжением"));

    at(&city, 2026, 7, 15, 10, 0);
    enter(&city, "EDU-1", "2026-M06", "5").await;
    let (due, extended) = p.due_date(&city.viewer.token, "EDU-1", value.period).await.unwrap();
    assert_eq!((due.date, extended), (date("2026-07-10"), None));
    let seen = p.delay_notices(&city.executor.token, None).await.unwrap();
    assert_eq!(seen[0].status, NoticeStatus::Declined, "the executor sees the decision");
    let report = p.quarterly_report(&city.chief.token, period("2026-Q3")).await.unwrap();
    let row = report.violations.iter().find(|v| v.indicator == "EDU-1").unwrap();
    assert_eq!(
        (row.days_late, row.notices.clone()),
        (5, vec![(notice.id.clone(), NoticeStatus::Declined)])
    );
}

/// An executor files notices only for values assigned to them and not yet submitted;
/// nobody decides on their own notice.
pub async fn delay_notice_covers_only_own_unsubmitted_values(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    at(&city, 2026, 7, 8, 10, 0);
    let house = [ValueRef::new("HOUSE-1", period("2026-M06"))];
    assert!(matches!(
        p.file_delay_notice(&city.executor.token, &house, "r", date("2026-07-20")).await,
        Err(Error::PermissionDenied(_))
    ));
    enter(&city, "EDU-1", "2026-M06", "1").await;
    let submitted = [ValueRef::new("EDU-1", period("2026-M06"))];
    assert!(matches!(
        p.file_delay_notice(&city.executor.token, &submitted, "r", date("2026-07-20")).await,
        Err(Error::WrongState(_))
    ));
    // A code pasted with spaces names the same value.
    let pasted = [ValueRef::new(" EDU-1 ", period("2026-M06"))];
    assert!(matches!(
        p.file_delay_notice(&city.executor.token, &pasted, "r", date("2026-07-20")).await,
        Err(Error::WrongState(_))
    ));
    let twice =
        [ValueRef::new("EDU-2", period("2026-M06")), ValueRef::new("EDU-2 ", period("2026-M06"))];
    assert!(matches!(
        p.file_delay_notice(&city.executor.token, &twice, "r", date("2026-07-20")).await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        p.file_delay_notice(&city.executor.token, &[], "r", date("2026-07-20")).await,
        Err(Error::Invalid { .. })
    ));

    let both = City::person(
        p,
        &city.admin.token,
        "both@city.example",
        vec![citypassport_core::Role::Executor, citypassport_core::Role::Controller],
        Some(city.education.clone()),
    )
    .await;
    let order =
        citypassport_core::AppointmentOrder { number: "5".into(), date: date("2026-01-01") };
    p.assign_executor(&city.head.token, &both.id, "EDU-2", order).await.unwrap();
    let own = p
        .file_delay_notice(
            &both.token,
            &[ValueRef::new("EDU-2", period("2026-M06"))],
            "r",
            date("2026-07-20"),
        )
        .await
        .unwrap();
    assert!(matches!(
        p.grant_delay_notice(&both.token, &own.id, None, None).await,
        Err(Error::PermissionDenied(_))
    ));
}

/// Reminders list what is due soon and overdue, to whom it concerns.
pub async fn reminders_list_due_soon_and_overdue_for_whom_they_concern(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    at(&city, 2026, 8, 3, 9, 0);
    enter(&city, "EDU-1", "2026-M06", "1").await;

    // June values were due 10 July; July values are due 10 August, a week away.
    let mine = p.reminders(&city.executor.token, 10).await.unwrap();
    let listed: Vec<(String, i64)> =
        mine.iter().map(|r| (r.expected.value.to_string(), r.days_left)).collect();
    assert_eq!(
        listed,
        [
            ("EDU-2 for 2026-M06".to_string(), -24),
            ("EDU-1 for 2026-M07".to_string(), 7),
            ("EDU-2 for 2026-M07".to_string(), 7),
        ]
    );
    let everyone = p.reminders(&city.controller.token, 10).await.unwrap();
    assert_eq!(everyone.len(), 5, "HOUSE-1 June and July too");
    let head = p.reminders(&city.head.token, 10).await.unwrap();
    assert!(head.iter().all(|r| r.expected.department.as_ref() == Some(&city.education)));
    assert_eq!(head.len(), 3);
    let soon_only = p.reminders(&city.executor.token, 3).await.unwrap();
    assert_eq!(soon_only.len(), 1);
}

/// Events are read from a cursor: each comes once, including passed deadlines that a
/// sweep announces once however often it runs.
pub async fn event_feed_from_a_cursor_misses_nothing_and_repeats_nothing(
    storage: Arc<dyn Storage>,
) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let start = p.events(&city.viewer.token, 0, 10_000).await.unwrap().last().map_or(0, |e| e.seq);

    at(&city, 2026, 7, 6, 9, 0);
    enter(&city, "EDU-1", "2026-M06", "1").await;
    p.return_value(&city.controller.token, "EDU-1", period("2026-M06"), "уточнить").await.unwrap();
    let notice = p
        .file_delay_notice(
            &city.executor.token,
            &[ValueRef::new("EDU-2", period("2026-M06"))],
            "r",
            date("2026-07-15"),
        )
        .await
        .unwrap();
    p.grant_delay_notice(&city.controller.token, &notice.id, None, None).await.unwrap();

    let first = p.events(&city.viewer.token, start, 2).await.unwrap();
    let rest = p.events(&city.viewer.token, first[1].seq, 100).await.unwrap();
    let kinds: Vec<&str> = first.iter().chain(&rest).map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["value.submitted", "value.returned", "notice.filed", "extension.granted"]);
    assert_eq!(rest[1].notice.as_ref(), Some(&notice.id));

    // 11 July: June's deadline has passed for HOUSE-1, not yet for EDU-2 (extended).
    at(&city, 2026, 7, 11, 9, 0);
    let cursor = rest.last().unwrap().seq;
    assert_eq!(p.sweep_deadlines(&city.controller.token).await.unwrap(), 1);
    assert_eq!(p.sweep_deadlines(&city.controller.token).await.unwrap(), 0);
    at(&city, 2026, 7, 16, 9, 0);
    assert_eq!(p.sweep_deadlines(&city.controller.token).await.unwrap(), 1);
    let passed = p.events(&city.viewer.token, cursor, 100).await.unwrap();
    let values: Vec<String> =
        passed.iter().map(|e| format!("{} {}", e.kind, e.values[0])).collect();
    assert_eq!(
        values,
        ["deadline.passed HOUSE-1 for 2026-M06", "deadline.passed EDU-2 for 2026-M06"]
    );
    assert!(matches!(p.sweep_deadlines(&city.viewer.token).await, Err(Error::PermissionDenied(_))));
}

/// A due date set for one value takes the place of the rule's, moved like any other.
pub async fn due_date_set_for_one_value_overrides_the_rule(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    // 12 June 2026 is Russia Day: the set date moves to Monday 15 June.
    let due = p
        .set_due_date(
            &city.chief.token,
            "EDU-1",
            period("2026-M05"),
            date("2026-06-12"),
            "сдвиг по письму",
        )
        .await
        .unwrap();
    assert_eq!((due.nominal, due.date, due.moved), (date("2026-06-12"), date("2026-06-15"), true));
    let (other, _) = p.due_date(&city.viewer.token, "EDU-2", period("2026-M05")).await.unwrap();
    assert_eq!(other.date, date("2026-06-10"));
    assert!(matches!(
        p.set_due_date(
            &city.controller.token,
            "EDU-1",
            period("2026-M05"),
            date("2026-06-20"),
            "r"
        )
        .await,
        Err(Error::PermissionDenied(_))
    ));
}

/// Loading the 2027 table makes 22 February 2027 a day off, which the rules alone
/// could not know.
pub async fn calendar_year_loaded_by_administrator_moves_due_dates(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let mut indicator = crate::city::indicator(
        "DAY22",
        citypassport_core::ValueKind::Integer,
        citypassport_core::Periodicity::Monthly,
        &city.education,
    );
    indicator.due = DueRule::DayOfMonthAfter { day: 22, months_after: 1 };
    p.define_indicator(&city.chief.token, indicator).await.unwrap();

    let (before, _) = p.due_date(&city.viewer.token, "DAY22", period("2027-M01")).await.unwrap();
    assert_eq!(before.date, date("2027-02-22"));
    assert!(before.rules_only, "2027 has no table yet");

    let file = include_str!("../../data/ru-calendar-2027.csv");
    assert!(matches!(
        p.load_calendar_csv(&city.viewer.token, file.as_bytes()).await,
        Err(Error::PermissionDenied(_))
    ));
    let loaded = p.load_calendar_csv(&city.admin.token, file.as_bytes()).await.unwrap();
    assert_eq!((loaded.years, loaded.days), (vec![2027], 7));
    let (after, _) = p.due_date(&city.viewer.token, "DAY22", period("2027-M01")).await.unwrap();
    // 22 February is the moved rest day and 23 February a holiday.
    assert_eq!(after.date, date("2027-02-24"));
    assert!(!after.rules_only);
    let _ = PASSWORD;
}

/// In the Belgorod region 12 July is a holiday: on a Sunday it gives Monday off, so a
/// due date of 12 July 2026 moves to Tuesday 14 July there and to Monday elsewhere.
pub async fn regional_holiday_moves_due_dates_in_the_region(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let mut indicator = crate::city::indicator(
        "DAY12",
        citypassport_core::ValueKind::Integer,
        citypassport_core::Periodicity::Monthly,
        &city.education,
    );
    indicator.due = DueRule::DayOfMonthAfter { day: 12, months_after: 1 };
    p.define_indicator(&city.chief.token, indicator).await.unwrap();
    let (federal, _) = p.due_date(&city.viewer.token, "DAY12", period("2026-M06")).await.unwrap();
    assert_eq!(federal.date, date("2026-07-13"));

    let prokhorovka = RegionalHoliday::new(7, 12, "День Прохоровского поля").unwrap().since(2020);
    p.add_regional_holiday(&city.admin.token, prokhorovka.clone()).await.unwrap();
    let (regional, _) = p.due_date(&city.viewer.token, "DAY12", period("2026-M06")).await.unwrap();
    assert_eq!(regional.date, date("2026-07-14"));
    assert!(matches!(
        p.add_regional_holiday(&city.admin.token, prokhorovka).await,
        Err(Error::AlreadyExists { .. })
    ));
    let _ = Settings::belgorod();
}

/// Only values not yet submitted need a reminder: one submitted late but within its
/// extension is excused, and done.
pub async fn reminders_leave_out_values_submitted_within_an_extension(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    at(&city, 2026, 7, 8, 10, 0);
    let edu2 = ValueRef::new("EDU-2", period("2026-M06"));
    let notice = p
        .file_delay_notice(
            &city.executor.token,
            std::slice::from_ref(&edu2),
            "нет данных",
            date("2026-07-24"),
        )
        .await
        .unwrap();
    p.grant_delay_notice(&city.controller.token, &notice.id, None, None).await.unwrap();
    at(&city, 2026, 7, 15, 10, 0);
    enter(&city, "EDU-2", "2026-M06", "4").await;

    at(&city, 2026, 7, 16, 10, 0);
    let timeliness =
        p.timeliness(&city.viewer.token, date("2026-07-01"), date("2026-07-31")).await.unwrap();
    let state = timeliness.iter().find(|e| e.value == edu2).unwrap().timeliness;
    assert_eq!(state, Timeliness::Excused, "submitted within the extension");
    let listed: Vec<String> = p
        .reminders(&city.executor.token, 10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.expected.value.to_string())
        .collect();
    assert_eq!(listed, ["EDU-1 for 2026-M06"]);
}

/// A sweep announces an extended deadline when the extension ends, however long after
/// the original due date that is.
pub async fn sweep_announces_an_extended_deadline_when_the_extension_ends(
    storage: Arc<dyn Storage>,
) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let ctl = &city.controller.token;
    at(&city, 2026, 7, 8, 10, 0);
    let edu2 = ValueRef::new("EDU-2", period("2026-M06"));
    let notice = p
        .file_delay_notice(
            &city.executor.token,
            std::slice::from_ref(&edu2),
            "перепись школ",
            date("2026-11-16"),
        )
        .await
        .unwrap();
    p.grant_delay_notice(ctl, &notice.id, None, None).await.unwrap();
    let cursor = p.events(&city.viewer.token, 0, 10_000).await.unwrap().last().unwrap().seq;

    // The months go by with nothing entered; sweeps run now and then.
    for (m, d) in [(7, 11), (8, 11), (9, 11), (10, 13), (11, 11)] {
        at(&city, 2026, m, d, 9, 0);
        p.sweep_deadlines(ctl).await.unwrap();
    }
    at(&city, 2026, 11, 16, 23, 0);
    assert_eq!(p.sweep_deadlines(ctl).await.unwrap(), 0, "the extension runs to 24:00");
    at(&city, 2026, 11, 17, 9, 0);
    assert_eq!(p.sweep_deadlines(ctl).await.unwrap(), 1);
    assert_eq!(p.sweep_deadlines(ctl).await.unwrap(), 0);

    let passed: Vec<String> = p
        .events(&city.viewer.token, cursor, 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == "deadline.passed" && e.values[0].period == period("2026-M06"))
        .map(|e| e.values[0].to_string())
        .collect();
    assert_eq!(passed, ["EDU-1 for 2026-M06", "HOUSE-1 for 2026-M06", "EDU-2 for 2026-M06"]);
}

/// A due date set months after the rule's, or an extension far ahead, keeps the value in
/// the timeliness, the reminders and the report of the quarter its due date falls in.
pub async fn due_date_set_far_after_the_rule_keeps_the_value_in_view(storage: Arc<dyn Storage>) {
    let two_years = Settings { session_lifetime: Duration::days(800), ..Settings::default() };
    let city = City::build_with(storage, two_years).await;
    let p = &city.passport;
    let edu1 = ValueRef::new("EDU-1", period("2026-M06"));
    // The rule says 10 July 2026; the chief of staff sets Thursday 15 October.
    p.set_due_date(&city.chief.token, "EDU-1", edu1.period, date("2026-10-15"), "новая форма")
        .await
        .unwrap();

    at(&city, 2026, 10, 1, 10, 0);
    let october =
        p.timeliness(&city.viewer.token, date("2026-10-01"), date("2026-10-31")).await.unwrap();
    let found = october.iter().find(|e| e.value == edu1).map(|e| e.timeliness);
    assert_eq!(found, Some(Timeliness::NotYetDue));
    let reminders = p.reminders(&city.executor.token, 20).await.unwrap();
    let days_left = reminders.iter().find(|r| r.expected.value == edu1).map(|r| r.days_left);
    assert_eq!(days_left, Some(14));

    at(&city, 2026, 10, 20, 10, 0);
    let q3 = p.quarterly_report(&city.viewer.token, period("2026-Q3")).await.unwrap();
    assert!(q3.violations.iter().all(|v| !(v.indicator == "EDU-1" && v.period == edu1.period)));
    let q4 = p.quarterly_report(&city.viewer.token, period("2026-Q4")).await.unwrap();
    let row = q4.violations.iter().find(|v| v.indicator == "EDU-1" && v.period == edu1.period);
    assert_eq!(row.map(|r| (r.due_date, r.days_late)), Some((date("2026-10-15"), 5)));

    // An extension far ahead: EDU-2 for June is reminded of by its new date.
    at(&city, 2026, 7, 8, 10, 0);
    let edu2 = ValueRef::new("EDU-2", period("2026-M06"));
    let notice = p
        .file_delay_notice(
            &city.executor.token,
            std::slice::from_ref(&edu2),
            "r",
            date("2027-09-15"),
        )
        .await
        .unwrap();
    p.grant_delay_notice(&city.controller.token, &notice.id, None, None).await.unwrap();
    at(&city, 2027, 9, 1, 10, 0);
    let reminders = p.reminders(&city.controller.token, 20).await.unwrap();
    let days_left = reminders.iter().find(|r| r.expected.value == edu2).map(|r| r.days_left);
    assert_eq!(days_left, Some(14), "a year after the original due date");
}

/// Who answers for a past value is whoever was assigned at its due date: a dismissed
/// executor's misses stay under their name, a successor answers from their order's date
/// on, and an assignment not yet in force answers for nothing.
pub async fn past_values_are_charged_to_the_executor_assigned_at_their_due_date(
    storage: Arc<dyn Storage>,
) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let order = |number: &str, day: &str| citypassport_core::AppointmentOrder {
        number: number.into(),
        date: date(day),
    };

    // June's values go missing; the executor is dismissed on 20 July.
    at(&city, 2026, 7, 20, 10, 0);
    p.deactivate_account(&city.admin.token, &city.executor.id, "увольнение").await.unwrap();
    for code in ["EDU-1", "EDU-2"] {
        p.assign_executor(
            &city.head.token,
            &city.other_executor.id,
            code,
            order("21-к", "2026-07-21"),
        )
        .await
        .unwrap();
    }
    let newcomer = City::person(
        p,
        &city.admin.token,
        "newcomer@city.example",
        vec![citypassport_core::Role::Executor],
        Some(city.housing.clone()),
    )
    .await;
    p.assign_executor(&city.admin.token, &newcomer.id, "HOUSE-1", order("30-к", "2026-11-01"))
        .await
        .unwrap();

    let other = &city.other_executor.token;
    for (m, d, p_) in [(8, 5, "2026-M07"), (9, 4, "2026-M08")] {
        at(&city, 2026, m, d, 10, 0);
        for code in ["EDU-1", "EDU-2"] {
            p.save_draft(other, code, period(p_), ValueInput::Text("7".into())).await.unwrap();
            p.submit(other, code, period(p_)).await.unwrap();
        }
    }

    at(&city, 2026, 10, 1, 12, 0);
    let report = p.quarterly_report(&city.viewer.token, period("2026-Q3")).await.unwrap();
    let lines: Vec<(Option<&citypassport_core::Id>, &str, Counts)> =
        report.executors.iter().map(|e| (e.account.as_ref(), e.name.as_str(), e.counts)).collect();
    assert_eq!(
        lines,
        [
            (None, "(not assigned)", Counts { due: 3, missing: 3, ..Counts::default() }),
            (
                Some(&city.executor.id),
                "Сотрудник executor@city.example",
                Counts { due: 2, missing: 2, ..Counts::default() },
            ),
            (
                Some(&city.other_executor.id),
                "Сотрудник other@city.example",
                Counts { due: 4, on_time: 4, entered: 4, ..Counts::default() },
            ),
        ]
    );
    let june: Vec<(&str, Vec<String>)> = report
        .violations
        .iter()
        .filter(|v| v.period == period("2026-M06"))
        .map(|v| (v.indicator.as_str(), v.executors.clone()))
        .collect();
    let dismissed = vec!["Сотрудник executor@city.example".to_string()];
    assert_eq!(june, [("EDU-1", dismissed.clone()), ("EDU-2", dismissed), ("HOUSE-1", vec![])]);
}

/// "Not applicable" says what the value is, not when it came: one submitted after its
/// due date is late like any other.
pub async fn not_applicable_submitted_after_the_due_date_is_late(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let exe = &city.executor.token;
    at(&city, 2026, 7, 9, 10, 0);
    p.save_draft(exe, "EDU-1", period("2026-M06"), ValueInput::NotApplicable("нет школ".into()))
        .await
        .unwrap();
    p.submit(exe, "EDU-1", period("2026-M06")).await.unwrap();
    at(&city, 2026, 7, 13, 10, 0);
    p.save_draft(exe, "EDU-2", period("2026-M06"), ValueInput::NotApplicable("нет школ".into()))
        .await
        .unwrap();
    p.submit(exe, "EDU-2", period("2026-M06")).await.unwrap();

    let found =
        p.timeliness(&city.viewer.token, date("2026-07-01"), date("2026-07-31")).await.unwrap();
    let state = |code: &str| found.iter().find(|e| e.value.indicator == code).unwrap().timeliness;
    assert_eq!(state("EDU-1"), Timeliness::NotApplicable);
    assert_eq!(state("EDU-2"), Timeliness::Late { days: 3 });
    let report = p.quarterly_report(&city.viewer.token, period("2026-Q3")).await.unwrap();
    let late: Vec<(&str, i64)> = report
        .violations
        .iter()
        .filter(|v| !v.is_missing())
        .map(|v| (v.indicator.as_str(), v.days_late))
        .collect();
    assert_eq!(late, [("EDU-2", 3)]);
    assert_eq!((report.totals.not_applicable, report.totals.late), (1, 1));
}

/// A zero limit on the event feed is refused by name, and so is an extension that would
/// end before today.
pub async fn zero_event_limit_and_extension_into_the_past_are_refused(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    at(&city, 2026, 7, 8, 10, 0);
    match p.events(&city.viewer.token, 0, 0).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "limit"),
        other => panic!("a zero limit must be refused, got {other:?}"),
    }

    let notice = p
        .file_delay_notice(
            &city.executor.token,
            &[ValueRef::new("EDU-1", period("2026-M06"))],
            "r",
            date("2026-07-20"),
        )
        .await
        .unwrap();
    match p
        .grant_delay_notice(&city.controller.token, &notice.id, Some(date("2026-07-07")), None)
        .await
    {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "until");
            assert!(reason.contains("2026-07-07"), "{reason}");
        }
        other => panic!("an extension into the past must be refused, got {other:?}"),
    }
    // The executor's expected date has passed by the time the controller decides.
    at(&city, 2026, 7, 21, 10, 0);
    assert!(matches!(
        p.grant_delay_notice(&city.controller.token, &notice.id, None, None).await,
        Err(Error::Invalid { .. })
    ));
    let granted = p
        .grant_delay_notice(&city.controller.token, &notice.id, Some(date("2026-07-21")), None)
        .await
        .unwrap();
    assert_eq!(granted.granted_until, Some(date("2026-07-21")));
}

/// Reminders can be asked for any moment, and come grouped per executor and per
/// department for an embedding portal's e-mails.
pub async fn reminders_at_any_moment_grouped_by_executor_and_department(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    // Everything of June comes in on 8 July, after the moment asked about.
    at(&city, 2026, 7, 8, 10, 0);
    enter(&city, "EDU-1", "2026-M06", "1").await;
    enter(&city, "EDU-2", "2026-M06", "1").await;

    at(&city, 2026, 8, 3, 9, 0);
    let moment = chrono_tz::Europe::Moscow.with_ymd_and_hms(2026, 7, 5, 9, 0, 0).unwrap().to_utc();
    let then = p.reminders_at(&city.controller.token, moment, 10).await.unwrap();
    let listed: Vec<(String, i64)> =
        then.iter().map(|r| (r.expected.value.to_string(), r.days_left)).collect();
    assert_eq!(
        listed,
        [
            ("EDU-1 for 2026-M06".to_string(), 5),
            ("EDU-2 for 2026-M06".to_string(), 5),
            ("HOUSE-1 for 2026-M06".to_string(), 5),
        ]
    );
    assert_eq!(then[0].executors, std::slice::from_ref(&city.executor.id));
    assert!(then[2].executors.is_empty());

    let by_executor = citypassport_core::Reminder::by_executor(&then);
    let counts: Vec<(Option<&citypassport_core::Id>, usize)> =
        by_executor.iter().map(|(k, v)| (k.as_ref(), v.len())).collect();
    let mut expected = vec![(None, 1), (Some(&city.executor.id), 2)];
    expected.sort();
    assert_eq!(counts, expected);
    let by_department = citypassport_core::Reminder::by_department(&then);
    assert_eq!(by_department.get(&Some(city.education.clone())).map(Vec::len), Some(2));
    assert_eq!(by_department.get(&Some(city.housing.clone())).map(Vec::len), Some(1));

    // Now, the same call gives what `reminders` gives.
    let now = p.reminders_at(&city.executor.token, city.clock.now_for_tests(), 10).await.unwrap();
    assert_eq!(now, p.reminders(&city.executor.token, 10).await.unwrap());
    assert_eq!(now.len(), 2, "July's two values");
}

/// A quarter in a year with no calendar data says so in its report.
pub async fn report_of_a_year_without_calendar_data_says_so(storage: Arc<dyn Storage>) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    at(&city, 2027, 4, 1, 10, 0);
    let report = p.quarterly_report(&city.viewer.token, period("2027-Q1")).await.unwrap();
    assert_eq!(report.rules_only_years, [2027]);
    assert!(report.due_date.rules_only);
    let text = report.to_text();
    assert!(text.contains("no calendar data for 2027"), "{text}");
    assert!(report.to_markdown().contains("no calendar data for 2027"));

    let file = include_str!("../../data/ru-calendar-2027.csv");
    p.load_calendar_csv(&city.admin.token, file.as_bytes()).await.unwrap();
    let loaded = p.quarterly_report(&city.viewer.token, period("2027-Q1")).await.unwrap();
    assert!(loaded.rules_only_years.is_empty());
    assert!(!loaded.to_text().contains("no calendar data"));
}

/// `timeliness_of` judges exactly the values asked about, in the order given, each with
/// the due date in force for it: the rule's, a date set far from the rule (after it or
/// even before the period), or the rule's with the extension of a granted notice. The
/// values the passport does not expect (before the indicator's first expected period, of
/// another periodicity, of an unknown indicator) are left out, as the core documents,
/// and a caller who may not read values is refused.
pub async fn timeliness_of_given_values_uses_the_due_date_in_force_for_each(
    storage: Arc<dyn Storage>,
) {
    let city = City::build_with(storage, long_sessions()).await;
    let p = &city.passport;
    let edu1_june = ValueRef::new("EDU-1", period("2026-M06"));
    let edu2_june = ValueRef::new("EDU-2", period("2026-M06"));
    let house_june = ValueRef::new("HOUSE-1", period("2026-M06"));
    let edu1_july = ValueRef::new("EDU-1", period("2026-M07"));
    let edu2_july = ValueRef::new("EDU-2", period("2026-M07"));
    let house_july = ValueRef::new("HOUSE-1", period("2026-M07"));

    // The rule says 10 July for June; the chief of staff sets Tuesday 15 December for
    // EDU-2, five months later, and for HOUSE-1 of July Monday 1 June, before the period.
    let chief = &city.chief.token;
    p.set_due_date(chief, "EDU-2", edu2_june.period, date("2026-12-15"), "новая форма")
        .await
        .unwrap();
    p.set_due_date(chief, "HOUSE-1", house_july.period, date("2026-06-01"), "досрочно")
        .await
        .unwrap();
    at(&city, 2026, 7, 8, 10, 0);
    enter(&city, "EDU-1", "2026-M06", "1").await;
    // July's EDU-1 is extended from 10 August to Monday 21 September.
    at(&city, 2026, 8, 3, 10, 0);
    let notice = p
        .file_delay_notice(
            &city.executor.token,
            std::slice::from_ref(&edu1_july),
            "нет данных от школ",
            date("2026-09-21"),
        )
        .await
        .unwrap();
    p.grant_delay_notice(&city.controller.token, &notice.id, None, None).await.unwrap();

    at(&city, 2026, 9, 1, 10, 0);
    let asked = [
        edu2_june.clone(),
        ValueRef::new("EDU-1", period("2026-M05")), // before the first expected period
        house_june.clone(),
        ValueRef::new("NO-SUCH", period("2026-M06")), // an unknown indicator
        edu1_june.clone(),
        ValueRef::new("EDU-1", period("2026-Q3")), // EDU-1 is monthly
        edu1_july.clone(),
        edu2_july.clone(),
        house_july.clone(),
    ];
    let judged = p.timeliness_of(&city.viewer.token, &asked).await.unwrap();
    let seen: Vec<(&ValueRef, NaiveDate, Option<NaiveDate>, Timeliness)> =
        judged.iter().map(|e| (&e.value, e.due.date, e.extended_until, e.timeliness)).collect();
    assert_eq!(
        seen,
        [
            (&edu2_june, date("2026-12-15"), None, Timeliness::NotYetDue),
            (&house_june, date("2026-07-10"), None, Timeliness::Missing { days: 53 }),
            (&edu1_june, date("2026-07-10"), None, Timeliness::OnTime),
            (&edu1_july, date("2026-08-10"), Some(date("2026-09-21")), Timeliness::Excused),
            (&edu2_july, date("2026-08-10"), None, Timeliness::Missing { days: 22 }),
            (&house_july, date("2026-06-01"), None, Timeliness::Missing { days: 92 }),
        ]
    );
    let set_far = &judged[0];
    assert_eq!((set_far.due.nominal, set_far.due.moved), (date("2026-12-15"), false));
    assert_eq!(set_far.deadline(), date("2026-12-15"));
    assert_eq!(judged[3].deadline(), date("2026-09-21"));
    assert_eq!(judged[3].notices, std::slice::from_ref(&notice.id));
    assert_eq!(judged[0].executors, std::slice::from_ref(&city.executor.id));
    assert!(judged[1].executors.is_empty(), "nobody is assigned to HOUSE-1");
    assert_eq!(judged[2].current.as_ref().map(|v| v.status.as_str()), Some("submitted"));

    // The same judgement as a range of due dates gives, for the value set far away.
    let december =
        p.timeliness(&city.viewer.token, date("2026-12-01"), date("2026-12-31")).await.unwrap();
    assert_eq!(december.iter().find(|e| e.value == edu2_june), Some(&judged[0]));
    assert!(p.timeliness_of(&city.viewer.token, &[]).await.unwrap().is_empty());

    // An administrator reads no values; a session that ended is no session.
    match p.timeliness_of(&city.admin.token, &asked).await {
        Err(Error::PermissionDenied(reason)) => assert!(!reason.is_empty()),
        other => panic!("an administrator may not read values, got {other:?}"),
    }
    p.logout(&city.viewer.token).await.unwrap();
    assert!(matches!(
        p.timeliness_of(&city.viewer.token, &asked).await,
        Err(Error::Unauthenticated)
    ));
}
