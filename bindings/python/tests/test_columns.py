"""The DataFrame built from column buffers holds exactly what the export returns."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

from helpers import City


def test_values_frame_holds_the_same_values_as_the_export(city: City) -> None:
    city.executor.enter_values(
        [("POP", "2024", 1), ("POP", "2025", 2), ("RATE", "2025", "12,5")], submit=True
    )
    exported = city.viewer.export_values()
    frame = city.viewer.values_frame()

    assert list(frame.columns)[:3] == ["indicator", "period", "value"]
    assert len(frame) == len(exported) == 3
    for row, value in zip(frame.itertuples(index=False), exported):
        assert (row.indicator, row.period) == (value.indicator, value.period)
        assert value.value is not None and math.isclose(row.value, float(value.value))
        assert not row.not_applicable
        assert row.status == value.status == "submitted"
        assert row.department == value.department
        # The frame keeps the core's nanoseconds; Python's datetime has microseconds.
        assert row.updated_at.floor("us") == pd.Timestamp(value.updated_at)
        assert row.first_submitted_at.floor("us") == pd.Timestamp(value.first_submitted_at)
        assert row.revisions == value.revisions


def test_values_frame_pages_like_the_export(city: City) -> None:
    city.executor.enter_values([("POP", "2024", 1), ("POP", "2025", 2), ("RATE", "2025", 3)])
    first = city.viewer.values_frame(limit=2, page=1)
    assert list(zip(first.indicator, first.period)) == [("POP", "2024"), ("POP", "2025")]
    assert list(first.status) == ["draft", "draft"]
    assert pd.isna(first.first_submitted_at).all()

    rest = city.viewer.values_frame(after=("POP", "2025"))
    assert list(zip(rest.indicator, rest.period)) == [("RATE", "2025")]
    assert city.viewer.values_frame(after=("RATE", "2025")).empty


def test_values_frame_gives_exact_decimals_on_request(city: City) -> None:
    city.executor.enter_values(
        [("POP", "2025", "333 931"), ("RATE", "2025", "0,1"), ("RATE", "2024", "8,33")]
    )
    city.executor.save_draft("SHARE", "2025", not_applicable="в городе нет детских садов")

    exact = city.viewer.values_frame(exact=True)
    assert exact["value"].dtype == object
    assert list(exact["value"]) == [Decimal("333931"), Decimal("8.33"), Decimal("0.1"), None]
    assert all(isinstance(v, Decimal) for v in exact["value"][:3])
    assert list(exact["not_applicable"]) == [False, False, False, True]

    floats = city.viewer.values_frame()
    assert floats["value"].dtype == "float64" and floats["value"].iloc[2] == 0.1
    assert exact.drop(columns="value").equals(floats.drop(columns="value"))
    paged = city.viewer.values_frame(after=("POP", "2025"), limit=1, page=1, exact=True)
    assert list(paged["value"]) == [Decimal("8.33")]
