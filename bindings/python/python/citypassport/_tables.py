"""Tables as pandas DataFrames, built from the records the native module returns.

pandas is an optional extra: nothing here imports it until a frame is asked for, and
then a missing pandas raises :class:`citypassport.MissingExtra` (also an ImportError),
which names the extra.

The column lists below are the tables' contract; a column the core adds later (the
timeliness of issue 3, say) is one more name in a list and, if it is not text, one more
line in :func:`_retype`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Sequence

from ._errors import missing_extra

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import pandas

__all__ = [
    "CATALOG_COLUMNS",
    "ENTRY_REPORT_COLUMNS",
    "EXPECTED_COLUMNS",
    "LONG_COLUMNS",
    "REMINDER_COLUMNS",
    "catalog_frame",
    "frame",
    "long_frame",
    "require_pandas",
    "to_wide",
]

#: Columns of the values in long form: one row per indicator and period.
LONG_COLUMNS: List[str] = [
    "indicator",
    "name",
    "section",
    "unit",
    "okei",
    "periodicity",
    "period",
    "period_start",
    "period_end",
    "value",
    "not_applicable",
    "status",
    "timeliness",
    "days_late",
    "due_date",
    "flags",
    "return_reason",
    "department",
    "entered_by",
    "updated_at",
    "submitted_by",
    "submitted_at",
    "first_submitted_at",
    "reviewed_by",
    "reviewed_at",
    "times_returned",
    "revisions",
]

#: Columns of the catalog: one row per indicator.
CATALOG_COLUMNS: List[str] = [
    "code",
    "name",
    "section",
    "unit",
    "okei",
    "kind",
    "periodicity",
    "due",
    "due_rule",
    "due_day",
    "due_months_after",
    "due_days",
    "department",
    "department_name",
    "methodology",
    "min",
    "max",
    "max_change_percent",
    "first_period",
]

#: Columns of the expected values (timeliness, reminders): one row per value due.
EXPECTED_COLUMNS: List[str] = [
    "indicator",
    "name",
    "period",
    "period_start",
    "period_end",
    "department",
    "executors",
    "due_nominal",
    "due_date",
    "due_moved",
    "due_rules_only",
    "extended_until",
    "timeliness",
    "days_late",
    "status",
    "value",
    "not_applicable",
    "submitted_by",
    "first_submitted_at",
    "times_returned",
    "notices",
]

#: Columns of the reminders: those of the expected values, the days left to the deadline
#: (negative when overdue) and the executors to remind at the moment asked about.
REMINDER_COLUMNS: List[str] = EXPECTED_COLUMNS + ["days_left", "to_remind"]

#: Columns of a bulk entry report: one row per input row.
ENTRY_REPORT_COLUMNS: List[str] = [
    "row",
    "indicator",
    "period",
    "accepted",
    "stored",
    "status",
    "field",
    "reason",
]

_DATES = (
    "period_start",
    "period_end",
    "due_date",
    "due_nominal",
    "extended_until",
    "expected_date",
    "granted_until",
)
_INSTANTS = (
    "updated_at",
    "submitted_at",
    "first_submitted_at",
    "reviewed_at",
    "approved_at",
    "filed_at",
    "decided_at",
)
_COUNTS = ("times_returned", "revisions", "due_day", "due_months_after", "due_days", "days_late")
#: Columns of lists, shown in frames as text joined with "; ".
_LISTS = ("flags", "executors", "notices", "to_remind")


#: What to use instead of a DataFrame, for most tables.
RECORDS_HINT = "call the method's `..._records()` twin for a list of dicts"


def require_pandas(hint: str = RECORDS_HINT) -> Any:
    """The pandas module, or a :class:`MissingExtra` that says how to install it and, in
    ``hint``, what gives the same data without it."""
    try:
        import pandas
    except ImportError as missing:
        raise missing_extra("pandas", "pandas", hint) from missing
    return pandas


def _text(item: Any) -> str:
    """A list item as text: a (notice id, status) pair as ``id (status)``."""
    if isinstance(item, (tuple, list)):
        return f"{item[0]} ({item[1]})"
    return str(item)


def _float(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


def _retype(pd: Any, frame: pandas.DataFrame, as_float: bool) -> pandas.DataFrame:
    """Dates as datetime64, instants as UTC datetime64, counts as nullable integers, and
    the values as Decimal objects or, on request, floats."""
    for column in _DATES:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    for column in _INSTANTS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in _COUNTS:
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    for column in _LISTS:
        if column in frame:
            frame[column] = ["; ".join(_text(item) for item in items) for items in frame[column]]
    if "value" in frame:
        if as_float:
            frame["value"] = pd.Series([_float(v) for v in frame["value"]], dtype="float64")
        else:
            # Decimal objects, exactly as stored; object dtype keeps them as they are.
            frame["value"] = frame["value"].astype(object)
    return frame


def long_frame(rows: Sequence[Mapping[str, Any]], as_float: bool = False) -> pandas.DataFrame:
    """Values in long form from native passport rows."""
    pd = require_pandas()
    frame = pd.DataFrame.from_records(list(rows), columns=LONG_COLUMNS)
    return _retype(pd, frame, as_float)


def frame(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, as_float: bool = False
) -> pandas.DataFrame:
    """Any table of records, typed like the others; columns as given or as found."""
    pd = require_pandas()
    table = pd.DataFrame.from_records(list(rows), columns=list(columns) if columns else None)
    return _retype(pd, table, as_float)


def catalog_frame(rows: Sequence[Mapping[str, Any]]) -> pandas.DataFrame:
    """The catalog from native indicator records with department names."""
    pd = require_pandas()
    frame = pd.DataFrame.from_records(list(rows), columns=CATALOG_COLUMNS)
    for column in ("min", "max", "max_change_percent"):
        frame[column] = frame[column].astype(object)
    return _retype(pd, frame, as_float=False)


def wide_records(
    series: Iterable[Sequence[Mapping[str, Any]]],
) -> List[Dict[str, Any]]:
    """One dict per indicator: its code, name and unit, then a key per period."""
    table = []
    for rows in series:
        if not rows:
            continue
        first = rows[0]
        record: Dict[str, Any] = {
            "indicator": first["indicator"],
            "name": first["name"],
            "unit": first["unit"],
        }
        for row in rows:
            record[row["period"]] = row["value"]
        table.append(record)
    return table


def to_wide(frame: pandas.DataFrame, values: str = "value") -> pandas.DataFrame:
    """Pivots a long-form frame to indicators by periods.

    Parameters
    ----------
    frame : pandas.DataFrame
        Values in long form, as returned by ``Session.period_passport`` or
        ``Session.indicator_series``.
    values : str, default ``"value"``
        The column to spread out: ``value``, ``status``, ...

    Returns
    -------
    pandas.DataFrame
        Indexed by indicator code, one column per period in order.

    Examples
    --------
    >>> wide = citypassport.to_wide(session.indicator_series("MR-1.1", "2016", "2025"))
    """
    require_pandas("build the wide form with the `series_table_records()` of a session")
    periods = list(dict.fromkeys(frame.sort_values("period_start")["period"]))
    codes = list(dict.fromkeys(frame["indicator"]))
    wide = frame.pivot(index="indicator", columns="period", values=values)
    wide = wide.reindex(index=codes, columns=periods)
    wide.columns.name = "period"
    return wide
