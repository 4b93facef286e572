"""Bulk entry: many values from a DataFrame or a list of rows, with a report per row.

The rows go to the core's bulk entry in one call: it checks each row as a clerk's
entry would be checked, stores the rows that pass in one atomic write, and reports the
others with the field at fault and the reason. This module only turns the input into
rows and the core's answer into a report per input row.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from ._errors import invalid
from ._tables import ENTRY_REPORT_COLUMNS, require_pandas

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import pandas

    from . import _native

__all__ = ["EntryReport", "enter_values"]


class EntryReport:
    """What bulk entry did with each row.

    Attributes
    ----------
    rows : list of dict
        One dict per input row, in input order, with the keys ``row`` (the input's
        index label, or its position), ``indicator``, ``period``, ``accepted`` (passed
        every check), ``stored`` (written, so not a dry run), ``status`` (``draft`` or
        ``submitted`` when stored), ``field`` (the input at fault: ``indicator``,
        ``period``, ``value``, ...) and ``reason`` (the library's message).
    dry_run : bool
        Whether the rows were only checked.

    Examples
    --------
    >>> report = session.enter_values(frame, submit=True)
    >>> report
    EntryReport(12 rows: 10 stored, 2 refused)
    >>> report.to_frame().query("not accepted")[["row", "field", "reason"]]
    """

    def __init__(self, rows: List[Dict[str, Any]], dry_run: bool) -> None:
        self.rows = rows
        self.dry_run = dry_run

    @property
    def accepted(self) -> int:
        """How many rows passed every check."""
        return sum(1 for row in self.rows if row["accepted"])

    @property
    def stored(self) -> int:
        """How many rows were written (none in a dry run)."""
        return sum(1 for row in self.rows if row["stored"])

    @property
    def refused(self) -> List[Dict[str, Any]]:
        """The rows refused, with the field at fault and the reason."""
        return [row for row in self.rows if not row["accepted"]]

    @property
    def ok(self) -> bool:
        """Whether no row was refused."""
        return not self.refused

    def to_frame(self) -> pandas.DataFrame:
        """The report as a DataFrame, one row per input row."""
        pd = require_pandas("read the report's `rows`, a list of dicts")
        return pd.DataFrame.from_records(self.rows, columns=ENTRY_REPORT_COLUMNS)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return iter(self.rows)

    def __repr__(self) -> str:
        done = "would be stored" if self.dry_run else "stored"
        return (
            f"EntryReport({len(self.rows)} rows: {self.accepted} {done}, "
            f"{len(self.refused)} refused)"
        )


def _missing(cell: Any) -> bool:
    """Whether a cell holds nothing: None, NaN, pandas' NA or an empty string."""
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    if isinstance(cell, str) and not cell.strip():
        return True
    # pandas.NA and NaT are missing without being floats; NA refuses bool().
    try:
        return bool(cell != cell)
    except TypeError:
        return True


def _rows(rows: Any) -> Iterator[Tuple[Any, Mapping[str, Any]]]:
    """(label, row) pairs from a DataFrame, dicts or (indicator, period, value) tuples."""
    if hasattr(rows, "to_dict") and hasattr(rows, "index"):
        yield from zip(rows.index, rows.to_dict("records"))
        return
    names = ("indicator", "period", "value", "not_applicable")
    shape = "a DataFrame, or an iterable of dicts or (indicator, period, value) tuples"
    if isinstance(rows, (str, bytes, Mapping)) or not hasattr(rows, "__iter__"):
        raise invalid("rows", f"give {shape}, not a {type(rows).__name__}")
    for position, row in enumerate(rows):
        if isinstance(row, Mapping):
            yield position, row
        elif isinstance(row, (str, bytes)) or not hasattr(row, "__iter__"):
            reason = f"give a dict or a tuple for row {position}, not a {type(row).__name__}"
            raise invalid("rows", reason)
        else:
            yield position, dict(zip(names, row))


def _text(cell: Any) -> str:
    """An indicator or period cell as the text the core reads; empty when missing."""
    return "" if _missing(cell) else str(cell)


def enter_values(
    session: _native.Session, rows: Iterable[Any], submit: bool, dry_run: bool
) -> EntryReport:
    """See :meth:`citypassport.Session.enter_values`."""
    labels: List[Any] = []
    entries: List[Tuple[str, str, Any, Optional[str]]] = []
    for label, source in _rows(rows):
        indicator = source.get("indicator", source.get("code"))
        value = source.get("value")
        reason = source.get("not_applicable")
        labels.append(label)
        entries.append(
            (
                _text(indicator),
                _text(source.get("period")),
                None if _missing(value) else value,
                None if _missing(reason) else str(reason),
            )
        )

    mode = "dry_run" if dry_run else "submit" if submit else "draft"
    answer = session.import_values(entries, mode)
    refused = {r["row"]: r for r in answer["refused"]}
    stored = bool(answer["stored"])
    report = []
    for position, (label, (indicator, period, _, _)) in enumerate(zip(labels, entries)):
        refusal = refused.get(position)
        accepted = refusal is None
        report.append(
            {
                "row": label,
                "indicator": indicator or None,
                "period": period or None,
                "accepted": accepted,
                "stored": accepted and stored,
                "status": ("submitted" if submit else "draft") if accepted and stored else None,
                "field": None if accepted else refusal["field"],
                "reason": None if accepted else refusal["reason"],
            }
        )
    return EntryReport(report, dry_run)
