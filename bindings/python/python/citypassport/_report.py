"""The quarterly report to the head of the city, with its tables as DataFrames."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from . import _native
from ._tables import frame, require_pandas

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import pandas

__all__ = ["QuarterlyReport"]

_COUNTS = [
    "due",
    "on_time",
    "late",
    "late_days",
    "missing",
    "excused",
    "not_applicable",
    "not_yet_due",
    "returned",
    "entered",
]
_DEPARTMENT_COLUMNS = ["department", "name"] + _COUNTS
_EXECUTOR_COLUMNS = ["account", "name"] + _COUNTS
_VIOLATION_COLUMNS = [
    "indicator",
    "name",
    "period",
    "department",
    "executors",
    "due_date",
    "extended_until",
    "submitted_at",
    "missing",
    "days_late",
    "notices",
]
_CORRECTION_COLUMNS = ["indicator", "period", "old", "new", "reason", "approved_at"]


class QuarterlyReport:
    """The quarterly report (item 4.2 of the order), made by the core as of a moment.

    Attributes
    ----------
    quarter : str
        The quarter, e.g. ``"2026-Q3"``.
    due_date : datetime.date
        When the report is due to the head of the city: the 10th of the month after the
        quarter, moved off non-working days.
    generated_at : datetime.datetime
        When it was made; timeliness is judged at this moment (UTC).
    time_zone : str
        The city's IANA time zone, e.g. ``"Europe/Moscow"``: the renderings show times
        in it (the CSV of violations in ISO 8601 with its offset).
    rules_only_years : tuple of int
        The years without calendar data in which a due date of the report (its own
        included) falls: those dates follow the weekend and holiday rules alone and may
        move once the year's production calendar is loaded. The renderings say so in a
        note; empty when every date is final.
    totals : dict
        The city's counts: ``due, on_time, late, late_days, missing, excused,
        not_applicable, not_yet_due, returned, entered``. ``due`` is the sum of the six
        from ``on_time`` to ``not_yet_due`` (``late_days`` is a number of days, not of
        values), so a quarter still running adds up too.

    Notes
    -----
    The tables come as DataFrames from :meth:`departments`, :meth:`executors`,
    :meth:`violations` and :meth:`corrections`, each with a ``..._records()`` twin. The
    report renders as text (``str(report)``), Markdown (shown by Jupyter) and CSV.
    """

    def __init__(self, native: _native.QuarterlyReport) -> None:
        """Wraps the native report; use :meth:`Session.quarterly_report`."""
        self._native = native
        self._data = native.data()
        self.quarter: str = self._data["quarter"]
        self.due_date: date = self._data["due_date"]["due_date"]
        self.generated_at: datetime = self._data["generated_at"]
        self.time_zone: str = self._data["time_zone"]
        self.rules_only_years: Tuple[int, ...] = tuple(self._data["rules_only_years"])
        self.totals: Dict[str, int] = dict(self._data["totals"])

    def departments(self) -> pandas.DataFrame:
        """The counts per department, by name: ``department`` (id), ``name`` and the
        counts of :attr:`totals`, ``not_yet_due`` among them."""
        require_pandas()
        return frame(self.departments_records(), _DEPARTMENT_COLUMNS)

    def departments_records(self) -> List[Dict[str, Any]]:
        """:meth:`departments` as a list of dicts."""
        return [dict(row) for row in self._data["departments"]]

    def executors(self) -> pandas.DataFrame:
        """The counts per executor, by name: ``account`` (id; none for the values nobody
        was assigned to), ``name`` and the counts of :attr:`totals`."""
        require_pandas()
        return frame(self.executors_records(), _EXECUTOR_COLUMNS)

    def executors_records(self) -> List[Dict[str, Any]]:
        """:meth:`executors` as a list of dicts."""
        return [dict(row) for row in self._data["executors"]]

    def violations(self) -> pandas.DataFrame:
        """The values that came late or not at all, worst first: indicator, period,
        department, executors, due date, extension, when submitted (missing if never),
        days late and the delay notices filed."""
        require_pandas()
        return frame(self.violations_records(), _VIOLATION_COLUMNS)

    def violations_records(self) -> List[Dict[str, Any]]:
        """:meth:`violations` as a list of dicts."""
        return [dict(row) for row in self._data["violations"]]

    def corrections(self) -> pandas.DataFrame:
        """The corrections of accepted values approved in the quarter."""
        require_pandas()
        return frame(self.corrections_records(), _CORRECTION_COLUMNS)

    def corrections_records(self) -> List[Dict[str, Any]]:
        """:meth:`corrections` as a list of dicts."""
        return [dict(row) for row in self._data["corrections"]]

    def to_text(self) -> str:
        """The report as readable plain text."""
        return self._native.to_text()

    def to_markdown(self) -> str:
        """The report as Markdown."""
        return self._native.to_markdown()

    def to_csv(self) -> str:
        """The lines per department and executor as CSV, with a ``scope`` column."""
        return self._native.to_csv()

    def violations_to_csv(self) -> str:
        """The violations as CSV."""
        return self._native.violations_to_csv()

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return repr(self._native)
