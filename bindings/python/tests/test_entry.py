"""Bulk entry: good rows are stored, refused rows are reported with the reason."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

import citypassport

from helpers import City


def test_bulk_entry_stores_good_rows_and_reports_refused_ones(city: City) -> None:
    rows = pd.DataFrame(
        {
            "indicator": ["POP", "RATE", "RATE", "NOPE", "SHARE", "SHARE", "POP", "CALLS"],
            "period": ["2025", "2025", "2024", "2025", "2025", "2024", "2025-Q1", "2026-M01"],
            "value": ["333 931", "12,5", "н/д", "1", None, "101", "1", 12.0],
            "not_applicable": [None, None, None, None, "нет садов", None, None, None],
        },
        index=[f"line {n}" for n in range(2, 10)],
    )

    report = city.executor.enter_values(rows)

    assert len(report) == 8
    assert (report.accepted, report.stored) == (3, 3)
    assert repr(report) == "EntryReport(8 rows: 3 stored, 5 refused)"
    by_row = {row["row"]: row for row in report}
    assert by_row["line 2"]["stored"] and by_row["line 2"]["status"] == "draft"
    assert by_row["line 4"]["field"] == "value"
    assert "н/д" in by_row["line 4"]["reason"]
    assert by_row["line 5"]["field"] == "indicator"  # not assigned to the executor
    assert by_row["line 6"]["stored"]
    assert by_row["line 7"]["field"] == "value" and "maximum" in by_row["line 7"]["reason"]
    assert by_row["line 8"]["field"] == "period"
    assert by_row["line 9"]["field"] == "value" and "float" in by_row["line 9"]["reason"]

    assert city.viewer.value("POP", "2025").value == Decimal("333931")
    assert city.viewer.value("RATE", "2025").value == Decimal("12.5")
    assert city.viewer.value("SHARE", "2025").not_applicable == "нет садов"
    assert city.viewer.value("RATE", "2024") is None

    frame = report.to_frame()
    assert list(frame["row"]) == list(rows.index)
    assert list(frame.columns) == [
        "row",
        "indicator",
        "period",
        "accepted",
        "stored",
        "status",
        "field",
        "reason",
    ]
    assert (~frame["accepted"]).sum() == 5


def test_bulk_entry_submits_when_asked(city: City) -> None:
    report = city.executor.enter_values(
        [{"indicator": "POP", "period": "2025", "value": 1}, ("RATE", "2025", Decimal("8.1"))],
        submit=True,
    )
    assert report.ok and report.stored == 2
    assert [row["status"] for row in report] == ["submitted", "submitted"]
    assert len(city.controller.values_to_review()) == 2
    assert [v.indicator for v in city.viewer.values_with_status("submitted")] == [
        "POP",
        "RATE",
    ]

    again = city.executor.enter_values([("POP", "2025", 2)], submit=True)
    assert "submitted" in again.refused[0]["reason"]


def test_a_dry_run_checks_and_stores_nothing(city: City) -> None:
    report = city.executor.enter_values(
        [("POP", "2025", "1"), ("POP", "2025", "2"), ("RATE", "2025", "x")], dry_run=True
    )
    assert report.dry_run and report.accepted == 1 and report.stored == 0
    assert [r["field"] for r in report.refused] == ["indicator", "value"]
    assert repr(report) == "EntryReport(3 rows: 1 would be stored, 2 refused)"
    assert city.viewer.value("POP", "2025") is None


def test_an_empty_value_or_indicator_is_refused_by_the_core(city: City) -> None:
    report = city.executor.enter_values([("POP", "2025", None), (None, "2025", 1)])
    assert [row["field"] for row in report] == ["value", "indicator"]
    assert "empty" in report.rows[0]["reason"]


def test_bulk_entry_needs_a_live_session(city: City) -> None:
    city.executor.logout()
    with pytest.raises(citypassport.Unauthenticated):
        city.executor.enter_values([("POP", "2025", 1)])


def test_values_are_exported_page_by_page(city: City) -> None:
    city.executor.enter_values([("POP", "2024", 1), ("POP", "2025", 2), ("RATE", "2025", 3)])
    first = city.viewer.export_values(limit=2)
    assert [(v.indicator, v.period) for v in first] == [("POP", "2024"), ("POP", "2025")]
    rest = city.viewer.export_values(after=(first[-1].indicator, first[-1].period))
    assert [(v.indicator, v.period) for v in rest] == [("RATE", "2025")]
