"""Tables as DataFrames: columns, dtypes, exact values, and the records twins."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal

import pandas as pd
import pytest

import citypassport

from helpers import City


def test_period_passport_is_long_form_with_exact_values(populated: City) -> None:
    frame = populated.viewer.period_passport("2025")

    assert list(frame.columns) == citypassport.LONG_COLUMNS
    assert list(frame["indicator"]) == ["POP", "RATE", "SHARE"]
    by_code = frame.set_index("indicator")
    assert by_code.loc["POP", "value"] == Decimal("339000")
    assert isinstance(by_code.loc["POP", "value"], Decimal)
    assert by_code.loc["RATE", "value"] == Decimal("8.1")
    assert frame["value"].dtype == object
    assert by_code.loc["SHARE", "value"] is None
    assert by_code.loc["SHARE", "not_applicable"] == "в городе нет детских садов"
    assert list(frame["status"]) == ["accepted", "submitted", "draft"]
    assert by_code.loc["POP", "unit"] == "человек" and by_code.loc["POP", "okei"] == "792"

    assert pd.api.types.is_datetime64_dtype(frame["period_start"])
    assert by_code.loc["POP", "period_start"] == pd.Timestamp("2025-01-01")
    assert by_code.loc["POP", "period_end"] == pd.Timestamp("2025-12-31")
    for column in ("updated_at", "submitted_at", "first_submitted_at", "reviewed_at"):
        assert isinstance(frame[column].dtype, pd.DatetimeTZDtype), column
        assert str(frame[column].dtype.tz) == "UTC"
    assert pd.isna(by_code.loc["SHARE", "submitted_at"])
    assert by_code.loc["POP", "submitted_by"] == populated.ids["executor"]
    assert str(frame["revisions"].dtype) == "Int64"


def test_a_period_without_values_says_not_entered(populated: City) -> None:
    frame = populated.viewer.period_passport("2026-M03")
    assert list(frame["indicator"]) == ["CALLS"]
    assert list(frame["status"]) == ["not entered"]
    assert frame["value"].isna().all()


def test_as_float_gives_float_values_with_nan_for_missing(populated: City) -> None:
    frame = populated.viewer.period_passport("2025", as_float=True)
    assert frame["value"].dtype == "float64"
    assert frame["value"].iloc[0] == 339000.0
    assert frame["value"].isna().iloc[2]


def test_indicator_series_has_a_row_per_period(populated: City) -> None:
    frame = populated.viewer.indicator_series("POP", "2014", "2025")
    assert list(frame["period"]) == [str(year) for year in range(2014, 2026)]
    assert list(frame["value"][:2]) == [None, None]
    assert frame["value"].iloc[-1] == Decimal("339000")
    assert list(frame["status"].unique()) == ["not entered", "accepted"]


def test_series_table_is_indicators_by_periods(populated: City) -> None:
    wide = populated.viewer.series_table(["RATE", "POP"], "2023", "2025")
    assert list(wide.index) == ["RATE", "POP"]
    assert list(wide.columns) == ["2023", "2024", "2025"]
    assert wide.loc["RATE", "2024"] == Decimal("8.33")
    assert wide.loc["POP", "2025"] == Decimal("339000")

    records = populated.viewer.series_table_records(["POP"], "2024", "2025")
    assert records == [
        {
            "indicator": "POP",
            "name": "Численность населения",
            "unit": "человек",
            "2024": Decimal("338000"),
            "2025": Decimal("339000"),
        }
    ]


def test_to_wide_pivots_any_long_frame(populated: City) -> None:
    long = populated.viewer.indicator_series("POP", "2016", "2025", as_float=True)
    wide = citypassport.to_wide(long)
    assert wide.shape == (1, 10)
    assert wide.loc["POP", "2016"] == 330000.0


def test_catalog_frame_names_the_departments(populated: City) -> None:
    frame = populated.viewer.catalog()
    assert list(frame.columns) == citypassport.CATALOG_COLUMNS
    assert list(frame["code"]) == ["POP", "RATE", "SHARE", "CALLS"]
    share = frame.set_index("code").loc["SHARE"]
    assert share["max"] == Decimal("100") and isinstance(share["max"], Decimal)
    assert share["department_name"] == "Отдел статистики"
    assert share["kind"] == "percent:1"
    assert frame.set_index("code").loc["POP", "due"] == "day 1 of the 4th month after the period"


def test_records_twins_hold_the_same_data_as_plain_python(populated: City) -> None:
    records = populated.viewer.period_passport_records("2025")
    assert [r["indicator"] for r in records] == ["POP", "RATE", "SHARE"]
    pop = records[0]
    assert set(pop) == set(citypassport.LONG_COLUMNS)
    assert pop["value"] == Decimal("339000")
    assert pop["period_start"] == datetime.date(2025, 1, 1)
    assert pop["submitted_at"].tzinfo == datetime.timezone.utc
    assert pop["flags"] == []


def test_without_pandas_the_frames_say_which_extra_to_install(
    populated: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The venv without pandas (test_without_pandas.py) checks this for real; here the
    # import is made to fail after the package was imported.
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(citypassport.MissingExtra, match=r"citypassport\[pandas\]") as missing:
        populated.viewer.period_passport("2025")
    assert isinstance(missing.value, ImportError) and isinstance(missing.value, citypassport.Error)
    assert missing.value.name == "pandas"
    with pytest.raises(ImportError, match="_records"):
        populated.viewer.catalog()
    assert len(populated.viewer.period_passport_records("2025")) == 3
