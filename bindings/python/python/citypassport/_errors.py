"""The package's own failures, raised as its exception classes.

The native module raises the core's errors. What fails before a call reaches it, in
this package, is raised here with the same classes, so that ``except
citypassport.Error`` catches it too: a malformed argument as :class:`InvalidInput`
(worded like the core's own), an unreadable file as :class:`FileError` and a missing
pandas as :class:`MissingExtra`.
"""

from __future__ import annotations

from typing import Any, Tuple

from . import _native

__all__ = ["invalid", "missing_extra", "pair", "unreadable"]


def invalid(field: str, reason: str) -> _native.InvalidInput:
    """An :class:`InvalidInput` for ``field``, with the core's wording and attributes."""
    error = _native.InvalidInput(f"invalid {field}: {reason}")
    error.field = field
    error.reason = reason
    return error


def unreadable(what: str, error: OSError) -> _native.FileError:
    """A :class:`FileError` for an OSError met reading ``what`` (e.g. "the catalog file")."""
    if error.errno is None:
        return _native.FileError(f"cannot read {what}: {error}")
    return _native.FileError(error.errno, f"cannot read {what}: {error.strerror}", error.filename)


def missing_extra(module: str, extra: str, records_hint: str) -> _native.MissingExtra:
    """A :class:`MissingExtra` that says what to install and what works without it."""
    return _native.MissingExtra(
        f"citypassport returns tables as {module} DataFrames, and {module} is not installed: "
        f"install the extra with `pip install 'citypassport[{extra}]'`, or {records_hint}",
        name=module,
    )


def pair(item: Any, field: str, shape: str) -> Tuple[Any, Any]:
    """A two-item argument such as an appointment order ``(number, date)``, or an
    :class:`InvalidInput` for ``field`` that says which ``shape`` was expected."""
    if isinstance(item, (str, bytes)):
        raise invalid(field, f"give {shape}, not a single text")
    try:
        first, second = item
    except (TypeError, ValueError):
        # The item's type and size say enough; its content is the caller's data.
        size = f" of {len(item)} items" if hasattr(item, "__len__") else ""
        raise invalid(field, f"give {shape}, not a {type(item).__name__}{size}") from None
    return first, second
