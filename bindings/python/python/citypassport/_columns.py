"""Values as a DataFrame built from column buffers: the fast path of
:meth:`citypassport.Session.values_frame`.

The native module lays the values out as little-endian arrays (codes of categorical
columns, floats, nanosecond instants); NumPy reads them without copying and pandas
wraps them, so a million values take a fraction of a second instead of the seconds a
list of records costs. Nothing here decides anything: it only changes the shape of
what the core returned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, Union

from . import _native
from ._errors import pair
from ._tables import require_pandas

if TYPE_CHECKING:  # pragma: no cover
    import pandas

#: Columns of :meth:`citypassport.Session.values_frame`, in order.
VALUE_COLUMNS = [
    "indicator",
    "period",
    "value",
    "not_applicable",
    "status",
    "department",
    "updated_at",
    "first_submitted_at",
    "revisions",
]


def values_frame(
    native_session: Any,
    after: Optional[Tuple[str, Union[str, int]]],
    limit: Optional[int],
    page: int,
    exact: bool = False,
) -> "pandas.DataFrame":
    """Exports values through ``_native.ValueColumns`` and builds the DataFrame; with
    ``exact``, the ``value`` column holds the Decimal objects instead of float64."""
    pd = require_pandas("call `export_values()` for the values as records, page by page")
    import numpy as np

    if after is None:
        cursor = None
    else:
        code, period = pair(after, "after", "an (indicator, period) pair")
        cursor = (code, str(period))
    columns: Dict[str, Any] = _native.ValueColumns.export(
        native_session, cursor, limit, page, exact
    )

    def categorical(codes: str, categories: str, dtype: str) -> Any:
        return pd.Categorical.from_codes(
            np.frombuffer(columns[codes], dtype=dtype), categories=columns[categories]
        )

    def instants(name: str) -> Any:
        nanos = np.frombuffer(columns[name], dtype="<i8").view("datetime64[ns]")
        return pd.DatetimeIndex(nanos).tz_localize("UTC")

    frame = pd.DataFrame(
        {
            "indicator": categorical("indicator", "indicators", "<i4"),
            "period": categorical("period", "periods", "<i4"),
            "value": (
                pd.Series(columns["exact"], dtype=object)
                if exact
                else np.frombuffer(columns["value"], dtype="<f8")
            ),
            "not_applicable": np.frombuffer(columns["not_applicable"], dtype="u1").view(bool),
            "status": categorical("status", "statuses", "i1"),
            "department": categorical("department", "departments", "<i4"),
            "updated_at": instants("updated_at"),
            "first_submitted_at": instants("first_submitted_at"),
            "revisions": np.frombuffer(columns["revisions"], dtype="<i4"),
        },
        columns=VALUE_COLUMNS,
    )
    return frame
