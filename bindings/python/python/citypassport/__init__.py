"""The electronic city passport for Python: indicators, values and their review.

Open a store, log in, and read or enter values; tables come as pandas DataFrames::

    import citypassport

    with citypassport.Passport.open_sled("passport-data") as passport:
        with passport.login("viewer@city.example", "a long password") as session:
            frame = session.period_passport("2025")

Every rule lives in the Rust core that this package wraps; the package translates
types and errors and adds none. Every error the package raises is a subclass of
:class:`Error`: the core's, one class per kind, and the package's own, a malformed
argument (:class:`InvalidInput`), a file it cannot read (:class:`FileError`, also an
``OSError``) and a table asked for without pandas (:class:`MissingExtra`, also an
``ImportError``). Only a plain argument of the wrong Python type (a number where a
text is due) raises ``TypeError``, as with any Python function.
"""

from __future__ import annotations

from ._entry import EntryReport
from ._native import (
    AlreadyExists,
    Conflict,
    Error,
    FileError,
    Implausible,
    InvalidInput,
    LockedOut,
    LoginFailed,
    MissingExtra,
    NotFound,
    PermissionDenied,
    SetupToken,
    StorageError,
    Unauthenticated,
    WrongState,
    __version__,
)
from ._passport import Passport, Session
from ._records import (
    Account,
    AppointmentOrder,
    Assignment,
    AuditRecord,
    AuditVerification,
    CalendarDay,
    CalendarYears,
    CatalogEntry,
    CatalogLoad,
    ChangeProposal,
    Correction,
    DelayNotice,
    Department,
    DueDate,
    Event,
    Indicator,
    IndicatorVersion,
    NewAccount,
    RegionalHoliday,
    Revision,
    Section,
    Value,
    WorkingCalendar,
)
from ._report import QuarterlyReport
from ._tables import (
    CATALOG_COLUMNS,
    EXPECTED_COLUMNS,
    LONG_COLUMNS,
    REMINDER_COLUMNS,
    to_wide,
)

__all__ = [
    "Account",
    "AlreadyExists",
    "AppointmentOrder",
    "Assignment",
    "AuditRecord",
    "AuditVerification",
    "CATALOG_COLUMNS",
    "CalendarDay",
    "CalendarYears",
    "CatalogEntry",
    "CatalogLoad",
    "ChangeProposal",
    "Conflict",
    "Correction",
    "DelayNotice",
    "Department",
    "DueDate",
    "EXPECTED_COLUMNS",
    "Event",
    "EntryReport",
    "Error",
    "FileError",
    "Implausible",
    "Indicator",
    "IndicatorVersion",
    "InvalidInput",
    "LONG_COLUMNS",
    "LockedOut",
    "LoginFailed",
    "MissingExtra",
    "NewAccount",
    "NotFound",
    "Passport",
    "PermissionDenied",
    "QuarterlyReport",
    "REMINDER_COLUMNS",
    "RegionalHoliday",
    "Revision",
    "Section",
    "Session",
    "SetupToken",
    "StorageError",
    "Unauthenticated",
    "Value",
    "WorkingCalendar",
    "WrongState",
    "__version__",
    "to_wide",
]
