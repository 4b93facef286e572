//! Scenarios of deadlines, delay notices, reminders, events and the quarterly report,
//! on real dates of the Russian calendar.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone};
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

    // August: EDU-1 not applicable on time, EDU-2 fifteen days late.
    at(&city, 2026, 9, 1, 9, 0);
    p.save_draft(exe, "EDU-1", period("2026-M08"), ValueInput::NotApplicable("каникулы".into()))
        .await
        .unwrap();
    p.submit(exe, "EDU-1", period("2026-M08")).await.unwrap();
    at(&city, 2026, 9, 25, 9, 0);
    enter(&city, "EDU-2", "2026-M08", "3").await;

    at(&city, 2026, 10, 1, 12, 0);
    let report = p.quarterly_report(&city.viewer.token, period("2026-Q3")).await.unwrap();

    // 10 October 2026 is a Saturday: the report is due Monday 12 October.
    assert_eq!(report.due_date.date, date("2026-10-12"));
    let t = report.totals;
    assert_eq!((t.due, t.on_time, t.late, t.late_days, t.missing), (9, 2, 2, 16, 3));
    assert_eq!(
        (t.excused, t.not_applicable, t.not_yet_due, t.returned, t.entered),
        (1, 1, 0, 1, 6)
    );

    let lines: Vec<(&str, usize, usize)> = report
        .departments
        .iter()
        .map(|d| (d.name.as_str(), d.counts.due, d.counts.missing))
        .collect();
    assert_eq!(lines, [("жилищное управление", 3, 3), ("управление образования", 6, 0)]);
    let executor =
        report.executors.iter().find(|e| e.account.as_ref() == Some(&city.executor.id)).unwrap();
    assert_eq!((executor.counts.due, executor.counts.on_time, executor.counts.late), (6, 2, 2));
    let nobody = report.executors.iter().find(|e| e.account.is_none()).unwrap();
    assert_eq!((nobody.name.as_str(), nobody.counts.missing), ("(not assigned)", 3));

    let rows: Vec<(&str, String, i64, bool)> = report
        .violations
        .iter()
        .map(|v| (v.indicator.as_str(), v.period.to_string(), v.days_late, v.is_missing()))
        .collect();
    assert_eq!(
        rows,
        [
            ("HOUSE-1", "2026-M06".to_string(), 83, true),
            ("HOUSE-1", "2026-M07".to_string(), 52, true),
            ("HOUSE-1", "2026-M08".to_string(), 21, true),
            ("EDU-2", "2026-M08".to_string(), 15, false),
            ("EDU-2", "2026-M06".to_string(), 1, false),
        ]
    );
    let june = &report.violations[4];
    assert_eq!(june.due_date, date("2026-07-10"));
    assert_eq!(june.executors, ["Сотрудник executor@city.example"]);

    let text = report.to_text();
    assert!(
        text.contains("2026-Q3") && text.contains("HOUSE-1") && text.contains("missing"),
        "{text}"
    );
    assert!(report.to_markdown().contains("| HOUSE-1 | 2026-M06 |"));
    let csv = report.to_csv();
    assert!(csv.lines().any(|l| l.starts_with("total,,,9,2,2,16,3,1,1,0,1,6")), "{csv}");
    assert_eq!(report.violations_to_csv().lines().count(), 6);
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
