"""Without pandas the package works the same and the tables come as lists of dicts.

run-tests.sh runs this module in a venv that holds the wheel and pytest only; in the
main venv, where pandas is installed, it is skipped.
"""

from __future__ import annotations

import datetime
import importlib.util
import pathlib
from decimal import Decimal
from typing import Iterator

import pytest

import citypassport

from helpers import City, build_city, open_sled

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pandas") is not None,
    reason="pandas is installed here; run-tests.sh runs this module in a venv without it",
)


@pytest.fixture
def town(tmp_path: pathlib.Path) -> Iterator[City]:
    with open_sled(tmp_path) as passport:
        yield build_city(passport)


def test_nothing_imports_pandas_or_numpy_here() -> None:
    for module in ("pandas", "numpy"):
        assert importlib.util.find_spec(module) is None, module
        with pytest.raises(ImportError):
            __import__(module)


def test_the_tables_come_as_lists_of_dicts(town: City) -> None:
    report = town.executor.enter_values(
        [
            {"indicator": "POP", "period": "2025", "value": "333 931"},
            {"indicator": "RATE", "period": "2025", "value": "н/д"},
            {"indicator": "SHARE", "period": "2025", "not_applicable": "нет садов"},
        ],
        submit=True,
    )
    assert repr(report) == "EntryReport(3 rows: 2 stored, 1 refused)"
    assert [(r["row"], r["field"]) for r in report.refused] == [(1, "value")]

    rows = town.viewer.period_passport_records("2025")
    by_code = {row["indicator"]: row for row in rows}
    assert list(by_code) == ["POP", "RATE", "SHARE"]
    assert set(by_code["POP"]) == set(citypassport.LONG_COLUMNS)
    assert by_code["POP"]["value"] == Decimal("333931")
    statuses = (by_code["POP"]["status"], by_code["RATE"]["status"])
    assert statuses == ("submitted", "not entered")
    assert by_code["SHARE"]["not_applicable"] == "нет садов"

    catalog = town.viewer.catalog_records()
    assert [row["code"] for row in catalog] == ["POP", "RATE", "SHARE", "CALLS"]
    assert catalog[0]["department_name"] == "Отдел статистики"

    # A monthly indicator expected from January 2025: January came in late and February
    # never came, the two values due in the first quarter.
    town.chief.define_indicator(
        "VISITS", "Число посещений", "Обращения", "единица", "integer", "monthly",
        department=town.department, first_period="2025-M01",
    )  # fmt: skip
    town.head.assign_executor(town.ids["executor"], "VISITS", ("8-р", "2020-01-13"))
    late = {"indicator": "VISITS", "period": "2025-M01", "value": 7}
    assert town.executor.enter_values([late], submit=True).ok
    quarterly = town.viewer.quarterly_report("2025-Q1")
    violations = quarterly.violations_records()
    assert all(isinstance(v, dict) for v in violations)
    assert sorted((v["period"], v["missing"]) for v in violations) == [
        ("2025-M01", False),
        ("2025-M02", True),
    ]
    assert quarterly.totals["late"] == 1 and quarterly.totals["missing"] == 1
    assert quarterly.departments_records()[0]["name"] == "Отдел статистики"
    assert quarterly.departments_records()[0]["not_yet_due"] == 0
    assert (quarterly.time_zone, quarterly.rules_only_years) == ("Europe/Moscow", ())

    moment = datetime.datetime(2025, 3, 5, 9, 0, tzinfo=datetime.timezone.utc)
    reminders = town.viewer.reminders_at_records(moment, 10)
    assert [(r["period"], r["days_left"], r["to_remind"]) for r in reminders] == [
        ("2025-M01", -23, []),
        ("2025-M02", 5, []),
    ]
    grouped = town.viewer.reminders_by_department_records(10, at=moment)
    assert list(grouped) == [town.department.id]
    judged = town.viewer.timeliness_of_records([("VISITS", "2025-M01")])
    assert [(r["period"], r["timeliness"]) for r in judged] == [("2025-M01", "late")]
    in_force = town.viewer.catalog_as_of_records(datetime.datetime.now(datetime.timezone.utc))
    assert [row["code"] for row in in_force] == ["POP", "RATE", "SHARE", "CALLS", "VISITS"]


def test_a_dataframe_call_says_to_install_the_pandas_extra(town: City) -> None:
    calls = [
        (lambda: town.viewer.period_passport("2025"), "`..._records()` twin"),
        (lambda: town.viewer.catalog(), "`..._records()` twin"),
        (lambda: town.viewer.quarterly_report("2025-Q1").violations(), "`..._records()` twin"),
        (lambda: town.viewer.values_frame(), "`export_values()`"),
        (lambda: town.viewer.reminders_at(datetime.datetime.now(datetime.timezone.utc)), "twin"),
        (lambda: town.viewer.reminders_by_executor(), "`..._records()` twin"),
        (lambda: town.viewer.timeliness_of([("POP", "2025")]), "`..._records()` twin"),
        (lambda: town.viewer.catalog_as_of(datetime.datetime.now(datetime.timezone.utc)), "twin"),
        (lambda: town.executor.enter_values([("POP", "2025", 1)]).to_frame(), "`rows`"),
    ]
    for call, instead in calls:
        with pytest.raises(citypassport.MissingExtra) as missing:
            call()
        error = missing.value
        assert isinstance(error, citypassport.Error) and isinstance(error, ImportError)
        assert error.name == "pandas"
        assert "pip install 'citypassport[pandas]'" in str(error)
        assert instead in str(error)
