"""Deadlines, timeliness, delay notices, reminders, events and the quarterly report,
as they cross into Python. The rules themselves are tested in Rust."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pandas as pd
import pytest

import citypassport

from helpers import REPO, City, build_city


@pytest.fixture
def monthly(city: City) -> City:
    """The city with a monthly indicator expected from January 2025: April 2025 is
    submitted (late), May 2025 is missing."""
    city.chief.define_indicator(
        "VISITS",
        "Число посещений",
        "Обращения",
        "единица",
        "integer",
        "monthly",
        okei="642",
        department=city.department,
        first_period="2025-M01",
    )
    city.head.assign_executor(city.ids["executor"], "VISITS", ("8-р", "2020-01-13"))
    city.executor.save_draft("VISITS", "2025-M04", 120)
    city.executor.submit("VISITS", "2025-M04")
    return city


def test_a_due_date_on_a_weekend_moves_to_a_working_day(monthly: City) -> None:
    due = monthly.viewer.due_date("VISITS", "2025-M04")
    assert due.due_nominal == datetime.date(2025, 5, 10)  # a Saturday
    assert due.due_moved and due.due_date > due.due_nominal
    assert due.due_date.weekday() < 5
    assert due.extended_until is None


def test_the_long_form_shows_timeliness(monthly: City) -> None:
    frame = monthly.viewer.indicator_series("VISITS", "2025-M03", "2025-M05")
    by_period = frame.set_index("period")
    assert by_period.loc["2025-M04", "timeliness"] == "late"
    assert by_period.loc["2025-M04", "days_late"] > 0
    assert by_period.loc["2025-M05", "timeliness"] == "missing"
    assert pd.api.types.is_datetime64_dtype(frame["due_date"])

    before = monthly.viewer.indicator_series_records("POP", "2016", "2017")
    assert [r["timeliness"] for r in before] == [None, None]


def test_timeliness_and_reminders_as_tables(monthly: City) -> None:
    table = monthly.viewer.timeliness(datetime.date(2025, 5, 1), datetime.date(2025, 6, 30))
    assert list(table.columns) == citypassport.EXPECTED_COLUMNS
    assert set(table["period"]) == {"2025-M04", "2025-M05"}

    # Every month since January 2025 but April is missing, and reminders look a year back.
    reminders = monthly.executor.reminders_records(30)
    overdue = [r for r in reminders if r["days_left"] < 0]
    assert overdue and {r["timeliness"] for r in overdue} == {"missing"}
    assert {r["indicator"] for r in overdue} == {"VISITS"}
    assert "days_left" in monthly.executor.reminders(30).columns


def test_a_granted_delay_notice_excuses_the_value(monthly: City) -> None:
    expected = monthly.passport.today() + datetime.timedelta(days=20)
    notice = monthly.executor.file_delay_notice(
        [("VISITS", "2025-M05")], "данные ЦСЗН поступят позже", expected
    )
    assert (notice.status, notice.values) == ("pending", (("VISITS", "2025-M05"),))
    assert [n.id for n in monthly.controller.delay_notices("pending")] == [notice.id]

    granted = monthly.controller.grant_delay_notice(notice, note="согласовано")
    assert granted.status == "granted" and granted.granted_until >= expected
    assert monthly.viewer.due_date("VISITS", "2025-M05").extended_until == granted.granted_until
    row = monthly.viewer.period_passport_records("2025-M05")
    assert [r["timeliness"] for r in row if r["indicator"] == "VISITS"] == ["excused"]

    kinds = [e.kind for e in monthly.viewer.events()]
    assert "notice.filed" in kinds and "extension.granted" in kinds
    last = monthly.viewer.events()[-1].seq
    assert monthly.viewer.events(after=last) == []

    with pytest.raises(citypassport.WrongState):
        monthly.controller.decline_delay_notice(notice.id, "поздно")
    with pytest.raises(citypassport.InvalidInput, match="status"):
        monthly.controller.delay_notices("lost")


def test_the_quarterly_report_lists_the_violations(monthly: City) -> None:
    report = monthly.viewer.quarterly_report("2025-Q2")
    assert report.quarter == "2025-Q2"
    assert report.due_date.month == 7
    assert report.totals["late"] == 1 and report.totals["missing"] >= 1
    violations = report.violations()
    assert list(violations["indicator"][:2]) == ["VISITS", "VISITS"]
    assert set(violations["period"]) >= {"2025-M04", "2025-M05"}
    assert report.departments_records()[0]["name"] == "Отдел статистики"
    assert "Исполнитель" in set(report.executors()["name"])
    assert report.corrections().empty
    assert str(report).startswith("Quarterly report 2025-Q2")
    assert report._repr_markdown_().startswith("## Quarterly report")
    assert report.to_csv().startswith("scope,") and "VISITS" in report.violations_to_csv()
    assert repr(report).startswith("QuarterlyReport(2025-Q2")

    with pytest.raises(citypassport.InvalidInput) as refused:
        monthly.viewer.quarterly_report("2025-M04")
    assert refused.value.field == "quarter"


def test_deadlines_are_announced_once(monthly: City) -> None:
    first = monthly.controller.sweep_deadlines()
    assert isinstance(first, int)
    assert monthly.controller.sweep_deadlines() == 0
    with pytest.raises(citypassport.PermissionDenied):
        monthly.viewer.sweep_deadlines()


def test_calendar_data_and_set_due_dates(monthly: City) -> None:
    calendar = monthly.viewer.working_calendar()
    assert 2025 in calendar.years_with_data
    assert any(d.kind == "working_day" for d in calendar.days)

    loaded = monthly.admin.load_calendar_csv(REPO / "data" / "ru-calendar-2027.csv")
    assert loaded.years == (2027,) and loaded.days > 0
    monthly.admin.add_regional_holiday(7, 12, "День Прохоровского поля", first_year=2020)
    holidays = monthly.viewer.working_calendar().regional_holidays
    assert [(h.month, h.day, h.first_year) for h in holidays] == [(7, 12, 2020)]

    due = monthly.chief.set_due_date("VISITS", "2025-M06", "2025-07-15", "перенос по приказу")
    assert due.due_date == datetime.date(2025, 7, 15)
    assert monthly.viewer.due_date("VISITS", "2025-M06").due_nominal == datetime.date(2025, 7, 15)


def test_the_city_settings_bring_the_regional_holiday() -> None:
    holidays = [(7, 12, "День Прохоровского поля", 2020)]
    with citypassport.Passport.in_memory(
        time_zone="Europe/Moscow", regional_holidays=holidays
    ) as passport:
        town = build_city(passport)
        town.chief.define_indicator(
            "JULY", "Июльский показатель", "Обращения", "единица", "integer", "monthly",
            due_day=12, first_period="2023-M01",
        )  # fmt: skip
        due = town.viewer.due_date("JULY", "2023-M06")
        assert due.due_nominal == datetime.date(2023, 7, 12)  # a Wednesday, but a holiday
        assert due.due_date == datetime.date(2023, 7, 13)
        assert [h.name for h in town.viewer.working_calendar().regional_holidays] == [
            "День Прохоровского поля"
        ]
    with pytest.raises(citypassport.InvalidInput, match="time zone"):
        citypassport.Passport.in_memory(time_zone="Mars/Olympus")


def test_a_due_date_set_years_after_the_period_still_shows_in_the_tables(monthly: City) -> None:
    # Far outside the window of due dates that rules give, so the tables find the value
    # only by asking the core for the due date actually in force.
    monthly.chief.set_due_date("VISITS", "2025-M06", "2031-03-03", "данные переписи")
    due = monthly.viewer.due_date("VISITS", "2025-M06").due_date
    assert due >= datetime.date(2031, 3, 3)

    series = monthly.viewer.indicator_series_records("VISITS", "2025-M05", "2025-M07")
    by_period = {row["period"]: row for row in series}
    assert by_period["2025-M06"]["due_date"] == due
    assert by_period["2025-M06"]["timeliness"] == "not_yet_due"
    assert by_period["2025-M05"]["timeliness"] == by_period["2025-M07"]["timeliness"] == "missing"

    passport = monthly.viewer.period_passport("2025-M06").set_index("indicator")
    assert passport.loc["VISITS", "timeliness"] == "not_yet_due"
    assert passport.loc["VISITS", "due_date"] == pd.Timestamp(due)


def test_a_due_date_set_before_the_period_shows_in_the_tables(monthly: City) -> None:
    monthly.chief.set_due_date("VISITS", "2025-M07", "2022-02-01", "отчет за прошлые годы")
    row = monthly.viewer.period_passport_records("2025-M07")
    visits = [r for r in row if r["indicator"] == "VISITS"]
    assert [(r["due_date"], r["timeliness"]) for r in visits] == [
        (datetime.date(2022, 2, 1), "missing")
    ]
    assert visits[0]["days_late"] > 3 * 365


def test_a_calendar_year_loads_from_the_xml_production_calendar(monthly: City) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<calendar year="2027" lang="ru">\n'
        '  <holidays><holiday id="1" title="Новогодние каникулы"/></holidays>\n'
        "  <days>\n"
        '    <day d="01.01" t="1" h="1"/>\n'
        '    <day d="12.31" t="1"/>\n'
        "  </days>\n"
        "</calendar>\n"
    )
    loaded = monthly.admin.load_calendar_xml(io.StringIO(xml))
    assert loaded.years == (2027,) and loaded.days == 1
    calendar = monthly.viewer.working_calendar()
    assert 2027 in calendar.years_with_data
    day = [d for d in calendar.days if d.date == datetime.date(2027, 12, 31)]
    assert [(d.kind, d.note) for d in day] == [("day_off", "day off")]

    with pytest.raises(citypassport.InvalidInput) as refused:
        monthly.admin.load_calendar_xml(io.BytesIO(b"<calendar year='2027'><days>"))
    assert refused.value.field == "calendar xml"
    with pytest.raises(citypassport.PermissionDenied):
        monthly.viewer.load_calendar_xml(io.StringIO(xml))


def test_the_assignments_of_an_executor_end_with_the_account(monthly: City) -> None:
    executor = monthly.ids["executor"]
    assignments = monthly.head.assignments_of_account(executor)
    assert sorted(a.indicator for a in assignments) == ["CALLS", "POP", "RATE", "SHARE", "VISITS"]
    visits = [a for a in assignments if a.indicator == "VISITS"][0]
    assert (visits.account, visits.order_number) == (executor, "8-р")
    assert visits.order_date == datetime.date(2020, 1, 13)
    assert visits.assigned_by == monthly.ids["head"] and visits.ended_at is None
    assert monthly.viewer.assignments_of_account(monthly.ids["viewer"]) == []

    monthly.admin.deactivate_account(executor, "уволен")
    ended = monthly.head.assignments_of_account(executor)
    assert len(ended) == 5 and all(a.ended_at is not None for a in ended)


MOSCOW = datetime.timezone(datetime.timedelta(hours=3))


def test_reminders_at_a_past_moment_name_whom_to_remind_then(monthly: City) -> None:
    # 5 June 2025: the January to May values of VISITS were outstanding then, April's
    # too, though it came in since; nobody was assigned yet, so nobody is to be
    # reminded, while the executor assigned since answers for each.
    moment = datetime.datetime(2025, 6, 5, 9, 0, tzinfo=MOSCOW)
    rows = monthly.viewer.reminders_at_records(moment, 10)
    assert [(r["indicator"], r["period"]) for r in rows] == [
        ("VISITS", f"2025-M0{month}") for month in range(1, 6)
    ]
    may = rows[-1]
    assert (may["days_left"], may["due_date"], may["timeliness"]) == (
        5,
        datetime.date(2025, 6, 10),
        "not_yet_due",
    )
    assert all(r["days_left"] < 0 for r in rows[:-1])
    assert rows[3]["status"] == "submitted", "April's value as it stands now"
    assert {tuple(r["to_remind"]) for r in rows} == {()}
    assert {tuple(r["executors"]) for r in rows} == {(monthly.ids["executor"],)}

    table = monthly.viewer.reminders_at(moment, 10)
    assert list(table.columns) == citypassport.REMINDER_COLUMNS
    assert list(table["to_remind"]) == [""] * 5
    assert list(table["executors"]) == [monthly.ids["executor"]] * 5

    by_executor = monthly.viewer.reminders_by_executor_records(10, at=moment)
    assert list(by_executor) == [None]
    assert [r["period"] for r in by_executor[None]] == [r["period"] for r in rows]
    by_department = monthly.viewer.reminders_by_department(10, at=moment)
    assert list(by_department) == [monthly.department.id]
    assert list(by_department[monthly.department.id]["period"]) == [r["period"] for r in rows]


def test_reminders_are_grouped_per_executor_and_department_as_the_core_groups_them(
    monthly: City,
) -> None:
    monthly.chief.define_indicator(
        "NOBODY", "Показатель без отдела", "Обращения", "единица", "integer", "monthly",
        first_period="2026-M10",
    )  # fmt: skip
    now = monthly.viewer.reminders_records(10)
    nobody = [(r["indicator"], r["period"]) for r in now if r["indicator"] == "NOBODY"]
    assert nobody and all(not r["to_remind"] for r in now if r["indicator"] == "NOBODY")

    executor = monthly.ids["executor"]
    by_executor = monthly.viewer.reminders_by_executor_records(10)
    assert list(by_executor) == [None, executor]
    assert [(r["indicator"], r["period"]) for r in by_executor[None]] == nobody
    assert {r["indicator"] for r in by_executor[executor]} <= {"VISITS", "CALLS"}
    assert all(r["to_remind"] == [executor] for r in by_executor[executor])
    assert len(by_executor[None]) + len(by_executor[executor]) == len(now)

    by_department = monthly.viewer.reminders_by_department(10)
    assert list(by_department) == [None, monthly.department.id]
    assert list(zip(by_department[None]["indicator"], by_department[None]["period"])) == nobody
    assert list(by_department[monthly.department.id].columns) == citypassport.REMINDER_COLUMNS

    # The moment asked about now gives what `reminders` gives.
    moment = datetime.datetime.now(datetime.timezone.utc)
    again = monthly.viewer.reminders_at_records(moment, 10)
    assert [(r["indicator"], r["period"]) for r in again] == [
        (r["indicator"], r["period"]) for r in now
    ]


def test_reminders_at_refuse_a_naive_datetime_naming_the_argument(monthly: City) -> None:
    naive = datetime.datetime(2025, 6, 5, 9, 0)
    day: Any = datetime.date(2025, 6, 5)
    calls = [
        lambda: monthly.viewer.reminders_at_records(naive, 10),
        lambda: monthly.viewer.reminders_at(day, 10),
        lambda: monthly.viewer.reminders_by_executor_records(at=naive),
        lambda: monthly.viewer.reminders_by_department(at=naive),
    ]
    for call in calls:
        with pytest.raises(citypassport.InvalidInput) as refused:
            call()
        assert refused.value.field == "at"
        assert isinstance(refused.value, ValueError)
    with pytest.raises(citypassport.PermissionDenied):
        monthly.admin.reminders_at_records(datetime.datetime.now(MOSCOW), 10)


def test_timeliness_of_given_values_in_the_order_given(monthly: City) -> None:
    asked = [
        ("VISITS", "2025-M05"),
        ("NO-SUCH", "2025-M05"),  # no indicator: left out
        ("VISITS", "2024-M12"),  # before its first expected period: left out
        ("VISITS", "2025-M04"),
    ]
    rows = monthly.viewer.timeliness_of_records(asked)
    assert [(r["period"], r["timeliness"]) for r in rows] == [
        ("2025-M05", "missing"),
        ("2025-M04", "late"),
    ]
    assert rows[1]["due_date"] == monthly.viewer.due_date("VISITS", "2025-M04").due_date
    table = monthly.viewer.timeliness_of(asked)
    assert list(table.columns) == citypassport.EXPECTED_COLUMNS
    assert list(table["timeliness"]) == ["missing", "late"]
    assert monthly.viewer.timeliness_of_records([]) == []

    with pytest.raises(citypassport.InvalidInput) as malformed:
        monthly.viewer.timeliness_of_records([("VISITS",)])  # type: ignore[list-item]
    assert malformed.value.field == "values"
    with pytest.raises(citypassport.InvalidInput) as period:
        monthly.viewer.timeliness_of_records([("VISITS", "2025-M13")])
    assert period.value.field == "period"
    with pytest.raises(citypassport.PermissionDenied):
        monthly.admin.timeliness_of_records(asked)


def test_the_report_says_its_time_zone_and_the_years_without_calendar_data(
    monthly: City,
) -> None:
    past = monthly.viewer.quarterly_report("2025-Q2")
    assert (past.time_zone, past.rules_only_years) == ("Europe/Moscow", ())
    assert "no calendar data" not in str(past)

    # A quarter years ahead: nothing is due yet, and 2031 has no calendar data.
    ahead = monthly.viewer.quarterly_report("2031-Q1")
    assert ahead.rules_only_years == (2031,)
    assert "no calendar data for 2031" in ahead.to_text()
    assert "no calendar data for 2031" in ahead.to_markdown()
    assert ahead.totals["due"] > 0 and ahead.totals["not_yet_due"] == ahead.totals["due"]
    departments = ahead.departments()
    assert "not_yet_due" in departments.columns
    assert departments["not_yet_due"].sum() == ahead.totals["not_yet_due"]
    assert ahead.executors_records()[0]["not_yet_due"] > 0
    assert "not yet due" in ahead.to_text()


def test_the_store_says_its_time_zone_even_once_closed() -> None:
    passport = citypassport.Passport.in_memory(time_zone="Asia/Yekaterinburg")
    assert passport.time_zone == "Asia/Yekaterinburg"
    passport.close()
    assert passport.time_zone == "Asia/Yekaterinburg"
    with citypassport.Passport.in_memory() as default:
        assert default.time_zone == "Europe/Moscow"
