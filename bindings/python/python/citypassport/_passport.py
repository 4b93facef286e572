"""The store (:class:`Passport`) and a logged-in :class:`Session`.

Both wrap the native module's objects: every method translates its arguments, calls
the Rust core with the GIL released, and translates the result into dataclasses or
DataFrames. The core enforces every rule; nothing here decides anything.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

from . import _native
from ._entry import EntryReport, enter_values
from ._errors import invalid, pair, unreadable
from ._records import (
    Account,
    AppointmentOrder,
    Assignment,
    AuditRecord,
    AuditVerification,
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
    build,
    build_all,
)
from ._report import QuarterlyReport
from ._tables import (
    EXPECTED_COLUMNS,
    REMINDER_COLUMNS,
    catalog_frame,
    frame,
    long_frame,
    require_pandas,
    to_wide,
    wide_records,
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import pandas

__all__ = ["Passport", "Session"]

#: A period: ``"2026-M07"`` (month), ``"2026-Q3"`` (quarter), ``"2026-H2"``
#: (half-year), ``"2026"`` or ``2026`` (year).
PeriodLike = Union[str, int]
#: An exact number: text as a clerk types it (``"12,5"``, ``"1 234"``), an int or a
#: Decimal. Floats are refused: they hold no exact decimal.
Number = Union[str, int, Decimal]
#: An appointment order: the dataclass or a ``(number, date)`` pair.
OrderLike = Union[AppointmentOrder, Tuple[str, Union[date, str]]]
#: A record's id, or the record itself.
AccountLike = Union[str, Account]
DepartmentLike = Union[str, Department]
NoticeLike = Union[str, DelayNotice]
ProposalLike = Union[str, ChangeProposal]
CorrectionLike = Union[str, Correction]
#: A file: a path, or a text or binary file object.
Source = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]


def _id(record: Any) -> str:
    """The id of a record given as itself or as its id."""
    return record.id if hasattr(record, "id") else record


def _definition(department: Optional[DepartmentLike], **parts: Any) -> Dict[str, Any]:
    """An indicator's definition as the native layer takes it: one item for every
    argument of :meth:`Session.define_indicator` but the code, ``None`` where not given."""
    parts["department"] = None if department is None else _id(department)
    return parts


#: A regional holiday: the dataclass or a ``(month, day, name, first_year)`` tuple.
HolidayLike = Union[RegionalHoliday, Tuple[int, int, str, Optional[int]]]


def _settings(
    time_zone: Optional[str],
    paid_nonworking_moves_deadlines: bool,
    regional_holidays: Optional[Iterable[HolidayLike]],
) -> Dict[str, Any]:
    """The city's settings as the native module takes them."""
    holidays = None
    if regional_holidays is not None:
        holidays = [_holiday(h) for h in regional_holidays]
    return {
        "time_zone": time_zone,
        "paid_nonworking_moves_deadlines": paid_nonworking_moves_deadlines,
        "regional_holidays": holidays,
    }


def _holiday(holiday: HolidayLike) -> Tuple[Any, ...]:
    """A regional holiday as the native module takes it: ``(month, day, name, first_year)``."""
    if isinstance(holiday, RegionalHoliday):
        return holiday.month, holiday.day, holiday.name, holiday.first_year
    shape = "a RegionalHoliday or a (month, day, name, first_year) tuple"
    if isinstance(holiday, (str, bytes)) or not hasattr(holiday, "__iter__"):
        raise invalid("regional holidays", f"give {shape}, not a {type(holiday).__name__}")
    parts = tuple(holiday)
    if len(parts) != 4:
        raise invalid("regional holidays", f"give {shape}, not {len(parts)} items")
    return parts


def _read(source: Source, what: str) -> bytes:
    """The bytes of a file given by path or as a file object; ``what`` names the file in
    the :class:`FileError` raised when it cannot be read."""
    try:
        if hasattr(source, "read"):
            content = source.read()  # type: ignore[union-attr]
        else:
            with open(os.fspath(source), "rb") as file:  # type: ignore[arg-type]
                content = file.read()
    except OSError as error:
        raise unreadable(what, error) from error
    return content.encode("utf-8") if isinstance(content, str) else bytes(content)


def _order(order: OrderLike) -> Tuple[str, Union[date, str]]:
    """An appointment order as ``(number, date)``; anything else is :class:`InvalidInput`."""
    if isinstance(order, AppointmentOrder):
        return order.number, order.date
    return pair(order, "order", "an AppointmentOrder or a (number, date) pair")


class Passport:
    """An open city passport store: the entry point of the package.

    Open one with :meth:`open_sled`, :meth:`connect_postgres` or :meth:`in_memory`, use it
    as a context manager so that it is closed, and :meth:`login` to get a
    :class:`Session` for everything else.

    Examples
    --------
    >>> import citypassport
    >>> with citypassport.Passport.open_sled("passport-data") as passport:
    ...     with passport.login("viewer@city.example", "a long password") as session:
    ...         frame = session.period_passport("2025")
    """

    def __init__(self, native: _native.Passport) -> None:
        """Wraps a native store; use the class methods to open one."""
        self._native = native

    @classmethod
    def open_sled(
        cls,
        path: Union[str, os.PathLike[str]],
        *,
        durability: str = "durable",
        cache_capacity: Optional[int] = None,
        time_zone: Optional[str] = None,
        paid_nonworking_moves_deadlines: bool = False,
        regional_holidays: Optional[Iterable[HolidayLike]] = None,
    ) -> Passport:
        """Opens the embedded store in a folder, creating it if there is none.

        Parameters
        ----------
        path : str or os.PathLike
            The folder that holds the store. One process may have it open at a time.
        durability : {"durable", "relaxed"}, default "durable"
            ``durable``: every change is on disk before the call returns. ``relaxed``:
            faster, but a crash may lose the changes of the last half second (never
            part of one).
        cache_capacity : int, optional
            sled's page cache in bytes; 64 MiB by default.
        time_zone, paid_nonworking_moves_deadlines, regional_holidays
            The city's settings; see :meth:`in_memory`.

        Raises
        ------
        StorageError
            The folder cannot be opened, holds something else, or is in use.
        """
        return cls(
            _native.Passport.open_sled(
                os.fspath(path),
                durability=durability,
                cache_capacity=cache_capacity,
                **_settings(time_zone, paid_nonworking_moves_deadlines, regional_holidays),
            )
        )

    @classmethod
    def connect_postgres(
        cls,
        url: str,
        *,
        schema: Optional[str] = None,
        max_connections: Optional[int] = None,
        acquire_timeout: Optional[float] = None,
        migrate: bool = True,
        time_zone: Optional[str] = None,
        paid_nonworking_moves_deadlines: bool = False,
        regional_holidays: Optional[Iterable[HolidayLike]] = None,
    ) -> Passport:
        """Connects to a store in a PostgreSQL database.

        Parameters
        ----------
        url : str
            ``postgres://user:password@host:port/database``; the password never appears
            in a message.
        schema : str, optional
            The schema that holds the store's tables, created if missing; the role's
            ``search_path`` (usually ``public``) by default.
        max_connections : int, optional
            The pool's size; 10 by default.
        acquire_timeout : float, optional
            Seconds to wait for a connection before failing; 10 by default.
        migrate : bool, default True
            Bring the schema up to date on connecting. With False, a store that needs
            migrating is refused.
        time_zone, paid_nonworking_moves_deadlines, regional_holidays
            The city's settings; see :meth:`in_memory`.

        Raises
        ------
        StorageError
            The server cannot be reached, refuses the login, or the schema cannot be
            migrated.
        """
        return cls(
            _native.Passport.connect_postgres(
                url,
                schema=schema,
                max_connections=max_connections,
                acquire_timeout=acquire_timeout,
                migrate=migrate,
                **_settings(time_zone, paid_nonworking_moves_deadlines, regional_holidays),
            )
        )

    @classmethod
    def in_memory(
        cls,
        *,
        time_zone: Optional[str] = None,
        paid_nonworking_moves_deadlines: bool = False,
        regional_holidays: Optional[Iterable[HolidayLike]] = None,
    ) -> Passport:
        """A store in memory, gone when closed: for trying things out and for tests.

        Parameters
        ----------
        time_zone : str, optional
            The city's IANA time zone, in which deadlines and "today" are read;
            ``Europe/Moscow`` by default.
        paid_nonworking_moves_deadlines : bool, default False
            Whether a due date on a paid non-working day moves to the next working day.
        regional_holidays : iterable of RegionalHoliday or tuple, optional
            The region's own non-working holidays as ``(month, day, name, first_year)``,
            e.g. ``(7, 12, "День Прохоровского поля", 2020)`` in the Belgorod region.
        """
        return cls(
            _native.Passport.in_memory(
                **_settings(time_zone, paid_nonworking_moves_deadlines, regional_holidays)
            )
        )

    @property
    def backend(self) -> str:
        """``memory``, ``sled`` or ``postgres``."""
        return self._native.backend

    @property
    def closed(self) -> bool:
        """Whether the store was closed."""
        return self._native.closed

    @property
    def time_zone(self) -> str:
        """The city's IANA time zone (``Europe/Moscow`` unless opened with another), in
        which deadlines, "today" and the days of :meth:`Session.reminders_at` are read."""
        return self._native.time_zone

    def close(self) -> None:
        """Closes the store; its sessions stop working. Closing twice is harmless."""
        self._native.close()

    def __enter__(self) -> Passport:
        return self

    def __exit__(
        self,
        kind: Optional[Type[BaseException]],
        error: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def today(self) -> date:
        """Today's date in the city's time zone."""
        return self._native.today()

    def bootstrap_administrator(
        self, email: str, full_name: str, order: OrderLike
    ) -> _native.SetupToken:
        """Creates the first administrator of an empty store.

        Parameters
        ----------
        email, full_name : str
            The administrator's login e-mail and name.
        order : AppointmentOrder or (str, date)
            The order that appoints them.

        Returns
        -------
        SetupToken
            The one-time token with which the administrator sets a password
            (:meth:`set_password`).

        Raises
        ------
        PermissionDenied
            The store already has accounts.
        """
        number, day = _order(order)
        return self._native.bootstrap_administrator(email, full_name, number, day)

    def set_password(self, setup_token: Union[_native.SetupToken, str], password: str) -> None:
        """Sets a person's password with the setup token they were given.

        Parameters
        ----------
        setup_token : SetupToken or str
            The token, or its text. It works once and ends the account's sessions.
        password : str
            The new password, 10 to 128 characters.

        Raises
        ------
        InvalidInput
            The token is unknown, used or expired, or the password is too short or long.
        """
        self._native.set_password(setup_token, password)

    def login(self, email: str, password: str) -> Session:
        """Logs in and returns a session; use it as a context manager to log out.

        Raises
        ------
        LoginFailed
            Wrong e-mail or password, or an inactive account (deliberately the same).
        LockedOut
            Too many failed attempts for this e-mail; try again later.
        """
        return Session(self, self._native.login(email, password))

    def resume(self, token: str) -> Session:
        """A session from a token kept earlier (see :meth:`Session.expose_token`).

        The token is checked on the session's first call.
        """
        return Session(self, self._native.resume(token))

    def __repr__(self) -> str:
        return repr(self._native)


class Session:
    """A logged-in session: everything a person does goes through one.

    Get one from :meth:`Passport.login`. Used as a context manager it logs out at the
    end. The methods raise the subclasses of :class:`citypassport.Error`; which calls
    an account may make depends on its roles, and the core checks them on every call.

    Tables come as pandas DataFrames (install ``citypassport[pandas]``); each method
    that returns one has a ``..._records()`` twin that returns a list of dicts.

    Periods are strings: ``"2026-M07"`` (month), ``"2026-Q3"`` (quarter),
    ``"2026-H2"`` (half-year), ``"2026"`` (year). A malformed one raises
    :class:`InvalidInput`, which is also a :class:`ValueError`.
    """

    def __init__(self, passport: Passport, native: _native.Session) -> None:
        """Wraps a native session; use :meth:`Passport.login`."""
        self._passport = passport
        self._native = native

    @property
    def account_id(self) -> Optional[str]:
        """The id of the logged-in account (``None`` for a resumed session)."""
        return self._native.account_id

    @property
    def closed(self) -> bool:
        """Whether this session was logged out."""
        return self._native.closed

    def expose_token(self) -> str:
        """The session token's text, to keep (say, in a web session) and
        :meth:`Passport.resume` later. Treat it like a password."""
        return self._native.expose_token()

    def logout(self) -> None:
        """Ends the session."""
        self._native.logout()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        kind: Optional[Type[BaseException]],
        error: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        if self._native.closed:
            return
        if self._passport.closed:
            # Nothing to end: closing the store ended every session with it.
            self._native.forget()
            return
        try:
            self._native.logout()
        except _native.Unauthenticated:
            # Already ended elsewhere (expired, revoked, or the account deactivated).
            self._native.forget()

    def __repr__(self) -> str:
        return repr(self._native)

    # Accounts -------------------------------------------------------------------------

    def whoami(self) -> Account:
        """The caller's own account."""
        return build(Account, self._native.whoami())

    def accounts(self) -> List[Account]:
        """Every account, active or not; e-mails are shown to administrators only."""
        return build_all(Account, self._native.accounts())

    def create_account(
        self,
        email: str,
        full_name: str,
        roles: Iterable[str],
        order: OrderLike,
        *,
        department: Optional[DepartmentLike] = None,
    ) -> NewAccount:
        """Creates an account (administrators only).

        Parameters
        ----------
        email, full_name : str
            The person's login e-mail and full name.
        roles : iterable of str
            One or more of ``executor``, ``controller``, ``viewer``,
            ``chief_of_staff``, ``department_head``, ``administrator``.
        order : AppointmentOrder or (str, date)
            The order that is the basis of the account.
        department : str or Department, optional
            The department the person works in.

        Returns
        -------
        NewAccount
            The account's id and the setup token to hand to the person, who sets a
            password with :meth:`Passport.set_password`.
        """
        number, day = _order(order)
        account_id, token = self._native.create_account(
            email,
            full_name,
            list(roles),
            number,
            day,
            None if department is None else _id(department),
        )
        return NewAccount(account_id, token)

    def deactivate_account(self, account: AccountLike, reason: str) -> None:
        """Deactivates an account on dismissal: sessions end, credentials are erased,
        assignments end; the history keeps the name (administrators only)."""
        self._native.deactivate_account(_id(account), reason)

    def issue_setup_token(self, account: AccountLike) -> _native.SetupToken:
        """A new setup token for a forgotten password; ends the account's sessions
        (administrators only)."""
        return self._native.issue_setup_token(_id(account))

    def change_password(self, old: str, new: str) -> None:
        """Changes the caller's password and ends their other sessions."""
        self._native.change_password(old, new)

    # Departments and the catalog --------------------------------------------------------

    def departments(self) -> List[Department]:
        """Every department, by name."""
        return build_all(Department, self._native.departments())

    def department_by_name(self, name: str) -> Department:
        """The department with this exact name.

        Raises
        ------
        NotFound
            There is none.
        """
        return build(Department, self._native.department_by_name(name))

    def create_department(self, name: str, kind: str = "department") -> Department:
        """Creates a department (``kind="department"``) or a municipal institution
        (``kind="institution"``). Administrators and the chief of staff may."""
        return build(Department, self._native.create_department(name, kind))

    def catalog(self) -> pandas.DataFrame:
        """The catalog as a DataFrame, one row per indicator, by section then code.

        Columns: ``code, name, section, unit, okei, kind, periodicity, due, due_rule,
        due_day, due_months_after, due_days, department, department_name, methodology,
        min, max, max_change_percent``; the bounds are Decimal objects.
        """
        require_pandas()
        return catalog_frame(self.catalog_records())

    def catalog_records(self) -> List[Dict[str, Any]]:
        """The catalog as a list of dicts, with the columns of :meth:`catalog`."""
        names = {d.id: d.name for d in self.departments()}
        rows = self._native.catalog()
        for row in rows:
            row["department_name"] = names.get(row["department"])
        return rows

    def sections(self) -> List[Section]:
        """The catalog's sections, in order."""
        return build_all(Section, self._native.sections())

    def indicator(self, code: str) -> Indicator:
        """One indicator by code.

        Raises
        ------
        NotFound
            No indicator has this code.
        """
        return build(Indicator, self._native.indicator(code))

    def catalog_entry(self, code: str) -> CatalogEntry:
        """One indicator as the current catalog holds it, retired or not.

        :meth:`indicator` refuses a retired indicator and :meth:`catalog` leaves it out;
        this shows it with the period it is retired from.

        Parameters
        ----------
        code : str
            The indicator's code.

        Returns
        -------
        CatalogEntry
            The newest definition (for a retired indicator, the last one in force) and
            ``retired_from``, the first retired period, or ``None`` while in force.

        Raises
        ------
        NotFound
            No indicator has this code.
        """
        return CatalogEntry.from_record(self._native.catalog_entry(code))

    def define_indicator(
        self,
        code: str,
        name: str,
        section: str,
        unit: str,
        kind: str,
        periodicity: str,
        *,
        okei: Optional[str] = None,
        due_day: Optional[int] = None,
        due_months_after: Optional[int] = None,
        due_days: Optional[int] = None,
        department: Optional[DepartmentLike] = None,
        methodology: str = "",
        min: Optional[Number] = None,
        max: Optional[Number] = None,
        max_change_percent: Optional[Number] = None,
        first_period: Optional[PeriodLike] = None,
    ) -> Indicator:
        """Adds an indicator to the catalog (the chief of staff may).

        Parameters
        ----------
        code, name, section, unit : str
            The unique code, the published name, the section (created if new) and the
            unit's name.
        kind : str
            ``integer``, ``decimal:N``, ``percent:N`` or ``yes_no``.
        periodicity : str
            ``monthly``, ``quarterly``, ``half_yearly`` or ``yearly``.
        okei : str, optional
            The unit's OKEI code.
        due_day, due_months_after : int, optional
            Due on day ``due_day`` of the ``due_months_after``-th month after the
            period; the core's default rule (the 10th of the next month) fills what is
            not given.
        due_days : int, optional
            Due this many calendar days after the period instead.
        department : str or Department, optional
            The department responsible.
        methodology : str
            How it is calculated.
        min, max : str, int or Decimal, optional
            Hard bounds.
        max_change_percent : str, int or Decimal, optional
            Soft limit on the change against the previous period, in per cent.
        first_period : str, optional
            The first period values are expected for; by default the first whose due
            date has not passed, so that a new indicator has no missing history.

        Returns
        -------
        Indicator
            The definition as stored.
        """
        self._native.define_indicator(
            code,
            _definition(
                name=name,
                section=section,
                unit=unit,
                kind=kind,
                periodicity=periodicity,
                okei=okei,
                due_day=due_day,
                due_months_after=due_months_after,
                due_days=due_days,
                department=department,
                methodology=methodology,
                min=min,
                max=max,
                max_change_percent=max_change_percent,
                first_period=first_period,
            ),
        )
        return self.indicator(code)

    def load_catalog_csv(
        self,
        source: Source,
        departments_by_section: Optional[Mapping[str, DepartmentLike]] = None,
    ) -> CatalogLoad:
        """Loads indicators from a catalog CSV in one atomic write (the chief of staff
        may). Loading the same file twice is harmless.

        Parameters
        ----------
        source : path or file object
            A path, or a text or binary file object, of a CSV like the shipped
            ``data/indicators-ru-municipal.csv``.
        departments_by_section : mapping of str to str or Department, optional
            The responsible department of each section's indicators, where the file
            names none.

        Raises
        ------
        InvalidInput
            A row is malformed (every bad row is named by line), or a department named
            in the file does not exist.
        FileError
            The file cannot be read (also an OSError).
        """
        sections = {s: _id(d) for s, d in (departments_by_section or {}).items()}
        content = _read(source, "the catalog file")
        return build(CatalogLoad, self._native.load_catalog_csv(content, sections))

    def assign_executor(
        self, executor: AccountLike, indicator: str, order: OrderLike
    ) -> Assignment:
        """Assigns an executor to an indicator from the date of the order.

        The head of the indicator's department or an administrator may.
        """
        number, day = _order(order)
        return build(
            Assignment, self._native.assign_executor(_id(executor), indicator, number, day)
        )

    def assignments_of_indicator(self, indicator: str) -> List[Assignment]:
        """The assignments of an indicator, current and ended."""
        return build_all(Assignment, self._native.assignments_of_indicator(indicator))

    def assignments_of_account(self, account: AccountLike) -> List[Assignment]:
        """The assignments of an executor, current and ended."""
        return build_all(Assignment, self._native.assignments_of_account(_id(account)))

    # Values ----------------------------------------------------------------------------

    def save_draft(
        self,
        indicator: str,
        period: PeriodLike,
        value: Optional[Number] = None,
        *,
        not_applicable: Optional[str] = None,
    ) -> Value:
        """Saves a draft value of an indicator assigned to the caller.

        Parameters
        ----------
        indicator : str
            The indicator's code.
        period : str
            E.g. ``"2026-M07"``; it must be of the indicator's periodicity.
        value : str, int or Decimal, optional
            The number. Text is read as a clerk types it: ``"12,5"``, ``"12.5"``,
            ``"1 234"``. Floats are refused, since they hold no exact decimal.
        not_applicable : str, optional
            Instead of a value: the reason the indicator does not apply to the period.

        Returns
        -------
        Value
            The draft as saved.

        Raises
        ------
        InvalidInput
            The period or number is malformed (``field`` names which), or does not fit
            the indicator's kind.
        Implausible
            A hard bound of the indicator refuses the number.
        PermissionDenied
            The indicator is not assigned to the caller.
        WrongState
            The value is submitted or accepted.
        """
        return build(
            Value,
            self._native.save_draft(indicator, period, value, not_applicable=not_applicable),
        )

    def submit(self, indicator: str, period: PeriodLike) -> Value:
        """Submits the caller's draft (or fixed returned value) for review."""
        return build(Value, self._native.submit(indicator, period))

    def accept(self, indicator: str, period: PeriodLike) -> Value:
        """Accepts a submitted value (controllers; nobody accepts their own)."""
        return build(Value, self._native.accept(indicator, period))

    def return_value(self, indicator: str, period: PeriodLike, reason: str) -> Value:
        """Returns a submitted value to its executor with a reason (controllers)."""
        return build(Value, self._native.return_value(indicator, period, reason))

    def value(self, indicator: str, period: PeriodLike) -> Optional[Value]:
        """The value of an indicator for a period, or ``None`` if none was entered."""
        found = self._native.value(indicator, period)
        return None if found is None else build(Value, found)

    def value_history(self, indicator: str, period: PeriodLike) -> List[Revision]:
        """Every revision of a value, oldest first: who, when, what and why."""
        return build_all(Revision, self._native.value_history(indicator, period))

    def values_to_review(self) -> List[Value]:
        """Values awaiting review (controllers), with soft-rule flags."""
        return build_all(Value, self._native.values_to_review())

    def enter_values(
        self, rows: Any, *, submit: bool = False, dry_run: bool = False
    ) -> EntryReport:
        """Enters many values at once and reports, per row, what was refused and why.

        The core checks every row as :meth:`save_draft` would, stores the rows that pass
        in one atomic write (submitting them if asked) and reports the others.

        Parameters
        ----------
        rows : DataFrame or iterable of dicts or tuples
            Columns (or keys) ``indicator`` (or ``code``), ``period``, ``value`` and
            optionally ``not_applicable`` (a reason); tuples are read in that order.
            Values are text, ints or Decimals; read spreadsheets with ``dtype=str`` so
            that numbers stay exactly as typed. An empty cell is an empty value, which
            is refused unless the row gives a not-applicable reason.
        submit : bool, default False
            Submit the stored rows for review too.
        dry_run : bool, default False
            Only check the rows; store nothing.

        Returns
        -------
        EntryReport
            One entry per input row: accepted, stored, status, and for a refused row
            the field at fault and the reason.

        Raises
        ------
        Conflict, StorageError
            The write of the good rows failed; nothing was stored.
        Unauthenticated, PermissionDenied
            The session is gone, or the account does not enter values.
        """
        return enter_values(self._native, rows, submit, dry_run)

    def export_values(
        self, after: Optional[Tuple[str, PeriodLike]] = None, limit: int = 1000
    ) -> List[Value]:
        """One page of every stored value, in (indicator, period) order.

        Pass the last value's ``(indicator, period)`` as ``after`` for the next page; an
        empty page is the end. Each page is recorded in the audit log as an export.
        """
        cursor = None if after is None else pair(after, "after", "an (indicator, period) pair")
        return build_all(Value, self._native.export_values(cursor, limit))

    def values_frame(
        self,
        after: Optional[Tuple[str, PeriodLike]] = None,
        limit: Optional[int] = None,
        *,
        page: int = 10000,
        exact: bool = False,
    ) -> pandas.DataFrame:
        """Every stored value as a DataFrame, in (indicator, period) order, built from
        column buffers: the fast way to take many values into pandas.

        Parameters
        ----------
        after : (str, period), optional
            Start after this (indicator, period), as with :meth:`export_values`.
        limit : int, optional
            At most this many values; all of them when ``None``.
        page : int, default 10000
            Values read from the store per call; each call is recorded in the audit log
            as an export.
        exact : bool, default False
            ``value`` as exact Decimal objects (``None`` where not applicable) instead of
            float64. The other columns stay as fast; the Decimal column costs about what
            a list of records would, a Python object per value.

        Returns
        -------
        pandas.DataFrame
            One row per value with the columns ``indicator``, ``period``, ``status`` and
            ``department`` (categorical), ``value`` (float64, NaN where not applicable;
            Decimal with ``exact``), ``not_applicable`` (bool), ``updated_at`` and
            ``first_submitted_at`` (UTC), and ``revisions``.

        Raises
        ------
        Unauthenticated, PermissionDenied
            The session is gone, or the account does not read values.
        """
        from ._columns import values_frame

        return values_frame(self._native, after, limit, page, exact)

    def values_with_status(self, status: str) -> List[Value]:
        """Every value in a status: ``draft``, ``submitted``, ``accepted`` or
        ``returned``."""
        return build_all(Value, self._native.values_with_status(status))

    # Tables ----------------------------------------------------------------------------

    def period_passport(self, period: PeriodLike, *, as_float: bool = False) -> pandas.DataFrame:
        """The passport for one period: every indicator of the period's periodicity with
        its value and status, in long form. Recorded in the audit log as an export.

        Parameters
        ----------
        period : str
            E.g. ``"2025"`` for the yearly indicators of 2025.
        as_float : bool, default False
            Values as float64 (NaN where missing) instead of exact Decimal objects.

        Returns
        -------
        pandas.DataFrame
            One row per indicator. Columns: ``indicator, name, section, unit, okei,
            periodicity, period, period_start, period_end, value, not_applicable,
            status, timeliness, days_late, due_date, flags, return_reason, department,
            entered_by, updated_at, submitted_by, submitted_at, first_submitted_at,
            reviewed_by, reviewed_at, times_returned, revisions``. ``status`` is ``not
            entered`` where there is no value; ``timeliness`` is ``not_yet_due``,
            ``on_time``, ``late``, ``missing``, ``excused`` or ``not_applicable``, and
            empty for a period before the indicator's first expected one; the dates are
            datetime64, the instants datetime64 in UTC.
        """
        require_pandas()
        return long_frame(self.period_passport_records(period), as_float)

    def period_passport_records(self, period: PeriodLike) -> List[Dict[str, Any]]:
        """:meth:`period_passport` as a list of dicts (Decimal, date, datetime)."""
        return self._with_timeliness(self._native.period_passport(period))

    def indicator_series(
        self,
        indicator: str,
        first: PeriodLike,
        last: PeriodLike,
        *,
        as_float: bool = False,
    ) -> pandas.DataFrame:
        """One indicator from ``first`` to ``last``, both included, in long form with a
        row for every period (see :meth:`period_passport` for the columns). Recorded in
        the audit log as an export.

        Examples
        --------
        >>> frame = session.indicator_series("MR-1.1", "2016", "2025", as_float=True)
        >>> frame.plot(x="period_start", y="value")
        """
        require_pandas()
        return long_frame(self.indicator_series_records(indicator, first, last), as_float)

    def indicator_series_records(
        self, indicator: str, first: PeriodLike, last: PeriodLike
    ) -> List[Dict[str, Any]]:
        """:meth:`indicator_series` as a list of dicts."""
        return self._with_timeliness(self._native.indicator_series(indicator, first, last))

    def _with_timeliness(self, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Passport rows with the due date and timeliness of each value, asked of the
        core for exactly these rows; a row it does not expect (a period before the
        indicator's first expected one) keeps them empty."""
        if not rows:
            return rows
        keys = [(row["indicator"], row["period"]) for row in rows]
        expected = {(e["indicator"], e["period"]): e for e in self._native.timeliness_of(keys)}
        joined = []
        for row in rows:
            found = expected.get((row["indicator"], row["period"]))
            columns = {
                "timeliness": found["timeliness"] if found else None,
                "days_late": found["days_late"] if found else None,
                "due_date": found["due_date"] if found else None,
            }
            joined.append({**row, **columns})
        return joined

    def series_table(
        self,
        indicators: Sequence[str],
        first: PeriodLike,
        last: PeriodLike,
        *,
        as_float: bool = False,
    ) -> pandas.DataFrame:
        """Several indicators of one periodicity in wide form: indicators by periods.

        Returns
        -------
        pandas.DataFrame
            Indexed by indicator code in the order given, one column per period from
            ``first`` to ``last``, holding the values (Decimal, or float with
            ``as_float``).
        """
        pd = require_pandas()
        frames = [
            long_frame(self.indicator_series_records(code, first, last), as_float)
            for code in indicators
        ]
        if not frames:
            return pd.DataFrame()
        return to_wide(pd.concat(frames, ignore_index=True))

    def series_table_records(
        self, indicators: Sequence[str], first: PeriodLike, last: PeriodLike
    ) -> List[Dict[str, Any]]:
        """:meth:`series_table` as a list of dicts: ``indicator``, ``name``, ``unit``,
        then one key per period."""
        return wide_records(self.indicator_series_records(code, first, last) for code in indicators)

    # Deadlines, delay notices and the quarterly report -----------------------------------

    def working_calendar(self) -> WorkingCalendar:
        """The working-day calendar in force: years with published data, their
        exceptional days, and the regional holidays."""
        return WorkingCalendar.from_record(self._native.working_calendar())

    def load_calendar_csv(self, source: Source) -> CalendarYears:
        """Loads published calendar years from a CSV like ``data/ru-calendar-2027.csv``;
        each year replaces what was in force for it (administrators).

        Parameters
        ----------
        source : path or file object
            A path, or a text or binary file object.

        Returns
        -------
        CalendarYears
            The years loaded and how many days were stored.

        Raises
        ------
        InvalidInput
            A row is malformed.
        FileError
            The file cannot be read (also an OSError).
        """
        content = _read(source, "the calendar file")
        return build(CalendarYears, self._native.load_calendar_csv(content))

    def load_calendar_xml(self, source: Source) -> CalendarYears:
        """Loads a year from the XML production calendar that public calendar services
        publish (administrators); the year replaces what was in force for it.

        Parameters
        ----------
        source : path or file object
            A path, or a text or binary file object, of UTF-8 XML such as
            ``<calendar year="2027"><days><day d="01.01" t="1"/>...</days></calendar>``.

        Returns
        -------
        CalendarYears
            The year loaded and how many days were stored.

        Raises
        ------
        InvalidInput
            The XML is malformed or not UTF-8.
        FileError
            The file cannot be read (also an OSError).
        """
        content = _read(source, "the calendar file")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as error:
            reason = f"is not UTF-8 text (byte {error.start})"
            raise invalid("calendar xml", reason) from None
        return build(CalendarYears, self._native.load_calendar_xml(text))

    def add_regional_holiday(
        self, month: int, day: int, name: str, *, first_year: Optional[int] = None
    ) -> None:
        """Adds a regional non-working holiday, e.g. ``(7, 12, "День Прохоровского
        поля", first_year=2020)`` in the Belgorod region (administrators)."""
        self._native.add_regional_holiday(month, day, name, first_year)

    def due_date(self, indicator: str, period: PeriodLike) -> DueDate:
        """The due date of one value: the date set for it or the indicator's rule, moved
        off non-working days; with the extension, if one was granted."""
        return build(DueDate, self._native.due_date(indicator, period))

    def set_due_date(
        self, indicator: str, period: PeriodLike, date: Union[date, str], reason: str
    ) -> DueDate:
        """Sets the due date of one value in place of the rule's (the chief of staff)."""
        return build(DueDate, self._native.set_due_date(indicator, period, date, reason))

    def timeliness(self, first: Union[date, str], last: Union[date, str]) -> pandas.DataFrame:
        """Every value due between two dates (both included), with its timeliness now.

        Returns
        -------
        pandas.DataFrame
            One row per expected value. Columns: ``indicator, name, period,
            period_start, period_end, department, executors, due_nominal, due_date,
            due_moved, due_rules_only, extended_until, timeliness, days_late, status,
            value, not_applicable, submitted_by, first_submitted_at, times_returned,
            notices``.
        """
        require_pandas()
        return frame(self.timeliness_records(first, last), EXPECTED_COLUMNS)

    def timeliness_records(
        self, first: Union[date, str], last: Union[date, str]
    ) -> List[Dict[str, Any]]:
        """:meth:`timeliness` as a list of dicts."""
        return self._native.timeliness(first, last)

    def timeliness_of(self, values: Iterable[Tuple[str, PeriodLike]]) -> pandas.DataFrame:
        """The timeliness now of exactly the values given, each judged by the due date in
        force for it wherever a date set by hand or an extension puts it: the way to
        show the timeliness of the rows of a table of one's own.

        Parameters
        ----------
        values : iterable of (str, str)
            The (indicator, period) pairs.

        Returns
        -------
        pandas.DataFrame
            One row per value the passport expects, in the order given, with the
            columns of :meth:`timeliness`. A value it does not expect is left out: a
            period before the indicator's first expected one or of another periodicity,
            or an indicator that has no definition for it (an unknown code among them).

        Raises
        ------
        InvalidInput
            A pair or a period is malformed.
        PermissionDenied
            The account does not read values.
        """
        require_pandas()
        return frame(self.timeliness_of_records(values), EXPECTED_COLUMNS)

    def timeliness_of_records(
        self, values: Iterable[Tuple[str, PeriodLike]]
    ) -> List[Dict[str, Any]]:
        """:meth:`timeliness_of` as a list of dicts."""
        pairs = [pair(v, "values", "(indicator, period) pairs") for v in values]
        return self._native.timeliness_of(pairs)

    def reminders(self, days: int = 7) -> pandas.DataFrame:
        """Values not yet submitted whose deadline (the extension if one was granted,
        else the due date) is within ``days`` days, and overdue ones, soonest first.

        An executor sees their own, a department head their department's, controllers,
        the chief of staff and viewers everyone's.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`timeliness`, then ``days_left`` (negative when
            overdue) and ``to_remind``: the executors to remind now, which may differ
            from ``executors``, those who answer for the value.
        """
        require_pandas()
        return frame(self.reminders_records(days), REMINDER_COLUMNS)

    def reminders_records(self, days: int = 7) -> List[Dict[str, Any]]:
        """:meth:`reminders` as a list of dicts."""
        return self._native.reminders(days)

    def reminders_at(self, at: datetime, days: int = 7) -> pandas.DataFrame:
        """The reminders as they stand at the moment ``at``, past or future: what
        :meth:`reminders` would have said then, e.g. to make up a scheduler's missed
        morning run.

        "Today" is ``at``'s date in the city's time zone, a value counts as not
        submitted if its first submission came after ``at``, and ``to_remind`` names
        the executors whose assignment was recorded and not ended by then. Due dates
        set and extensions granted since ``at`` apply already: the list is what was
        outstanding then by today's deadlines, not a replay of the store as it stood.

        Parameters
        ----------
        at : datetime.datetime
            The moment, with a time zone.
        days : int, default 7
            How many days ahead of that day to look.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`reminders`, soonest first.

        Raises
        ------
        InvalidInput
            ``at`` is a naive datetime (``field`` is ``"at"``).
        PermissionDenied
            The account does not read values.
        """
        require_pandas()
        return frame(self.reminders_at_records(at, days), REMINDER_COLUMNS)

    def reminders_at_records(self, at: datetime, days: int = 7) -> List[Dict[str, Any]]:
        """:meth:`reminders_at` as a list of dicts."""
        return self._native.reminders_at(at, days)

    def reminders_by_executor(
        self, days: int = 7, *, at: Optional[datetime] = None
    ) -> Dict[Optional[str], pandas.DataFrame]:
        """The reminders grouped per executor to remind, for one e-mail each, as the
        core groups them.

        Parameters
        ----------
        days : int, default 7
            As for :meth:`reminders`.
        at : datetime.datetime, optional
            A timezone-aware moment, as for :meth:`reminders_at`; now by default.

        Returns
        -------
        dict of str or None to pandas.DataFrame
            Per account id in ``to_remind``, its reminders with the columns of
            :meth:`reminders`, soonest first; a value with several executors to remind
            is under each. The values nobody is assigned to come under ``None``, for
            the department head. Keys in order, ``None`` first.

        Raises
        ------
        InvalidInput
            ``at`` is a naive datetime.
        """
        require_pandas()
        groups = self.reminders_by_executor_records(days, at=at)
        return {key: frame(rows, REMINDER_COLUMNS) for key, rows in groups.items()}

    def reminders_by_executor_records(
        self, days: int = 7, *, at: Optional[datetime] = None
    ) -> Dict[Optional[str], List[Dict[str, Any]]]:
        """:meth:`reminders_by_executor` with lists of dicts."""
        return dict(self._native.reminder_groups("executor", days, at))

    def reminders_by_department(
        self, days: int = 7, *, at: Optional[datetime] = None
    ) -> Dict[Optional[str], pandas.DataFrame]:
        """The reminders grouped per responsible department, for one e-mail to each
        department head, as the core groups them.

        Parameters
        ----------
        days : int, default 7
            As for :meth:`reminders`.
        at : datetime.datetime, optional
            A timezone-aware moment, as for :meth:`reminders_at`; now by default.

        Returns
        -------
        dict of str or None to pandas.DataFrame
            Per department id, its reminders with the columns of :meth:`reminders`,
            soonest first; values of indicators without a department come under
            ``None``. Keys in order, ``None`` first.

        Raises
        ------
        InvalidInput
            ``at`` is a naive datetime.
        """
        require_pandas()
        groups = self.reminders_by_department_records(days, at=at)
        return {key: frame(rows, REMINDER_COLUMNS) for key, rows in groups.items()}

    def reminders_by_department_records(
        self, days: int = 7, *, at: Optional[datetime] = None
    ) -> Dict[Optional[str], List[Dict[str, Any]]]:
        """:meth:`reminders_by_department` with lists of dicts."""
        return dict(self._native.reminder_groups("department", days, at))

    def file_delay_notice(
        self,
        values: Iterable[Tuple[str, PeriodLike]],
        reason: str,
        expected_date: Union[date, str],
    ) -> DelayNotice:
        """Files a notice that some of the caller's values will be late.

        Parameters
        ----------
        values : iterable of (str, str)
            The (indicator, period) pairs, not yet submitted.
        reason : str
            Why they will be late.
        expected_date : datetime.date
            When the executor expects to submit them.
        """
        pairs = [pair(v, "values", "(indicator, period) pairs") for v in values]
        return build(DelayNotice, self._native.file_delay_notice(pairs, reason, expected_date))

    def grant_delay_notice(
        self,
        notice: NoticeLike,
        until: Optional[Union[date, str]] = None,
        *,
        note: Optional[str] = None,
    ) -> DelayNotice:
        """Grants a delay notice: its values are due ``until`` (the executor's expected
        date if none is given), moved off non-working days (controllers)."""
        return build(DelayNotice, self._native.grant_delay_notice(_id(notice), until, note))

    def decline_delay_notice(self, notice: NoticeLike, reason: str) -> DelayNotice:
        """Declines a delay notice with a reason; the due dates stay (controllers)."""
        return build(DelayNotice, self._native.decline_delay_notice(_id(notice), reason))

    def delay_notices(self, status: Optional[str] = None) -> List[DelayNotice]:
        """Delay notices, newest first; ``status`` is ``pending``, ``granted`` or
        ``declined``. An executor sees their own."""
        return build_all(DelayNotice, self._native.delay_notices(status))

    def sweep_deadlines(self) -> int:
        """Announces deadlines passed since the last sweep as ``deadline.passed``
        events, each once; returns how many (controllers and administrators)."""
        return self._native.sweep_deadlines()

    def events(self, after: int = 0, limit: int = 1000) -> List[Event]:
        """Events after the cursor ``after``, oldest first, at most ``limit``; pass the
        last ``seq`` read as the next cursor and nothing is missed or read twice."""
        return build_all(Event, self._native.events(after, limit))

    def quarterly_report(self, quarter: PeriodLike) -> QuarterlyReport:
        """The quarterly report for ``quarter`` (e.g. ``"2026-Q3"``), judged as of now.

        Examples
        --------
        >>> report = session.quarterly_report("2026-Q1")
        >>> print(report)                  # the text rendering
        >>> report.violations()            # a DataFrame, worst first
        """
        return QuarterlyReport(self._native.quarterly_report(quarter))

    # Catalog governance, corrections, and the passport as of a moment ------------------

    def catalog_for_period(
        self, period: PeriodLike, *, known_at: Optional[datetime] = None
    ) -> pandas.DataFrame:
        """The catalog in force for one period: every indicator of the period's
        periodicity with the definition that applied to it, so a unit or methodology
        changed from a later period on shows as it was.

        Parameters
        ----------
        period : str
            E.g. ``"2008"`` for the yearly indicators as they stood in 2008.
        known_at : datetime.datetime, optional
            A timezone-aware moment: the catalog as it was known then, without the
            changes recorded later. As known now by default.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`catalog`.

        Raises
        ------
        InvalidInput
            The period is malformed, or ``known_at`` is a naive datetime.
        """
        require_pandas()
        return catalog_frame(self.catalog_for_period_records(period, known_at=known_at))

    def catalog_for_period_records(
        self, period: PeriodLike, *, known_at: Optional[datetime] = None
    ) -> List[Dict[str, Any]]:
        """:meth:`catalog_for_period` as a list of dicts."""
        names = {d.id: d.name for d in self.departments()}
        rows = self._native.catalog_for_period(period, known_at)
        for row in rows:
            row["department_name"] = names.get(row["department"])
        return rows

    def catalog_as_of(self, at: datetime) -> pandas.DataFrame:
        """The whole catalog, every periodicity, as it was in force at the moment ``at``
        and as it was known then ("which indicators were in force on 10 April 2026,
        with which units and methodologies").

        Each indicator comes with the definition that applied to the period of its
        periodicity containing that day (in the city's time zone), counting only the
        changes recorded by ``at``: a change approved later, even with effect from an
        earlier period, does not show. An indicator retired for that period is left out.
        For one period's catalog, see :meth:`catalog_for_period`.

        Parameters
        ----------
        at : datetime.datetime
            The moment, with a time zone.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`catalog`.

        Raises
        ------
        InvalidInput
            ``at`` is a naive datetime (``field`` is ``"at"``).
        """
        require_pandas()
        return catalog_frame(self.catalog_as_of_records(at))

    def catalog_as_of_records(self, at: datetime) -> List[Dict[str, Any]]:
        """:meth:`catalog_as_of` as a list of dicts."""
        names = {d.id: d.name for d in self.departments()}
        rows = self._native.catalog_as_of(at)
        for row in rows:
            row["department_name"] = names.get(row["department"])
        return rows

    def indicator_history(self, code: str) -> List[IndicatorVersion]:
        """Every version of one indicator, oldest first: what changed, from which
        period, who recorded it, from which proposal, who proposed it and why, and why
        the chief of staff approved it.

        Raises
        ------
        NotFound
            No indicator has this code.
        """
        return [IndicatorVersion.from_record(r) for r in self._native.indicator_history(code)]

    def propose_change(
        self,
        change: str,
        code: str,
        name: Optional[str] = None,
        section: Optional[str] = None,
        unit: Optional[str] = None,
        kind: Optional[str] = None,
        periodicity: Optional[str] = None,
        *,
        justification: str,
        effective_from: PeriodLike,
        okei: Optional[str] = None,
        due_day: Optional[int] = None,
        due_months_after: Optional[int] = None,
        due_days: Optional[int] = None,
        department: Optional[DepartmentLike] = None,
        methodology: str = "",
        min: Optional[Number] = None,
        max: Optional[Number] = None,
        max_change_percent: Optional[Number] = None,
        first_period: Optional[PeriodLike] = None,
    ) -> ChangeProposal:
        """Proposes to add, change or retire an indicator from a period on (department
        heads, for their own department's indicators). The chief of staff decides with
        :meth:`approve_proposal` or :meth:`reject_proposal`; nothing changes before.

        Parameters
        ----------
        change : {"add", "change", "retire"}
            What is proposed.
        code : str
            The indicator's code.
        name, section, unit, kind, periodicity : str, optional
            For ``add`` and ``change``, the whole definition from ``effective_from`` on,
            given exactly as to :meth:`define_indicator`: a part left out takes the
            default there, it is not carried over from the current definition. For
            ``retire``, none of these nor of the rest of the definition.
        okei, due_day, due_months_after, due_days, department, methodology
            The rest of the definition, as to :meth:`define_indicator`.
        min, max, max_change_percent, first_period
            The plausibility rules and the first expected period, likewise.
        justification : str
            Why.
        effective_from : str
            The first period the change applies to, of the definition's periodicity;
            earlier periods keep the definitions they had.

        Returns
        -------
        ChangeProposal
            The proposal, ``pending``.

        Raises
        ------
        InvalidInput
            A part of the definition is missing or malformed, ``effective_from`` is not
            of its periodicity, a retirement was given a definition, or the
            justification is empty.
        PermissionDenied
            The caller does not propose changes, or the indicator is not their
            department's.
        NotFound, AlreadyExists
            The indicator to change or retire does not exist; the one to add does.

        Examples
        --------
        >>> proposal = head.propose_change(
        ...     "change", "MR-3.1", "Расходы бюджета", "Бюджет", "рубль", "integer",
        ...     "yearly", okei="383", justification="переход на рубли",
        ...     effective_from="2009",
        ... )
        >>> chief.approve_proposal(proposal, "согласовано")
        """
        return ChangeProposal.from_record(
            self._native.propose_change(
                change,
                code,
                justification,
                effective_from,
                _definition(
                    name=name,
                    section=section,
                    unit=unit,
                    kind=kind,
                    periodicity=periodicity,
                    okei=okei,
                    due_day=due_day,
                    due_months_after=due_months_after,
                    due_days=due_days,
                    department=department,
                    methodology=methodology,
                    min=min,
                    max=max,
                    max_change_percent=max_change_percent,
                    first_period=first_period,
                ),
            )
        )

    def change_catalog(
        self,
        change: str,
        code: str,
        name: Optional[str] = None,
        section: Optional[str] = None,
        unit: Optional[str] = None,
        kind: Optional[str] = None,
        periodicity: Optional[str] = None,
        *,
        reason: str,
        effective_from: PeriodLike,
        okei: Optional[str] = None,
        due_day: Optional[int] = None,
        due_months_after: Optional[int] = None,
        due_days: Optional[int] = None,
        department: Optional[DepartmentLike] = None,
        methodology: str = "",
        min: Optional[Number] = None,
        max: Optional[Number] = None,
        max_change_percent: Optional[Number] = None,
        first_period: Optional[PeriodLike] = None,
    ) -> ChangeProposal:
        """Changes the catalog directly from a period on (the chief of staff), recorded
        the same way as a proposal approved at once.

        The change and the definition are given as to :meth:`propose_change`, with
        ``reason`` in place of the justification.

        Returns
        -------
        ChangeProposal
            The record of the change, ``approved``.

        Raises
        ------
        InvalidInput, NotFound, AlreadyExists
            As for :meth:`propose_change`.
        PermissionDenied
            The caller is not the chief of staff.
        """
        return ChangeProposal.from_record(
            self._native.change_catalog(
                change,
                code,
                reason,
                effective_from,
                _definition(
                    name=name,
                    section=section,
                    unit=unit,
                    kind=kind,
                    periodicity=periodicity,
                    okei=okei,
                    due_day=due_day,
                    due_months_after=due_months_after,
                    due_days=due_days,
                    department=department,
                    methodology=methodology,
                    min=min,
                    max=max,
                    max_change_percent=max_change_percent,
                    first_period=first_period,
                ),
            )
        )

    def approve_proposal(self, proposal: ProposalLike, reason: str) -> ChangeProposal:
        """Approves a pending proposal (the chief of staff): the catalog gains a version
        that applies from the proposal's period, earlier periods keep theirs, and the
        responsible department hears of it through :meth:`events` (``catalog.changed``).

        Raises
        ------
        WrongState
            The proposal was already decided.
        PermissionDenied
            The caller is not the chief of staff.
        """
        return ChangeProposal.from_record(self._native.approve_proposal(_id(proposal), reason))

    def reject_proposal(self, proposal: ProposalLike, reason: str) -> ChangeProposal:
        """Rejects a pending proposal with a reason (the chief of staff); the catalog
        does not change and the proposal is kept."""
        return ChangeProposal.from_record(self._native.reject_proposal(_id(proposal), reason))

    def proposals(self, status: Optional[str] = None) -> List[ChangeProposal]:
        """Change proposals, newest first; ``status`` is ``pending``, ``approved`` or
        ``rejected``. Anyone who reads the catalog may see them."""
        return [ChangeProposal.from_record(r) for r in self._native.proposals(status)]

    def proposal(self, proposal: ProposalLike) -> ChangeProposal:
        """One change proposal, pending or decided: what was proposed, by whom and why,
        and the chief of staff's decision with its reason. Anyone who reads the catalog
        may see it.

        Parameters
        ----------
        proposal : str or ChangeProposal
            The proposal or its id, e.g. ``IndicatorVersion.proposal``.

        Returns
        -------
        ChangeProposal
            The proposal as it stands now.

        Raises
        ------
        NotFound
            No proposal has this id.
        """
        return ChangeProposal.from_record(self._native.proposal(_id(proposal)))

    def propose_correction(
        self,
        indicator: str,
        period: PeriodLike,
        value: Optional[Number] = None,
        *,
        reason: str,
        not_applicable: Optional[str] = None,
    ) -> Correction:
        """Proposes a new value for an accepted one (controllers). It takes effect only
        when the chief of staff approves it; until then every read shows the accepted
        value.

        Parameters
        ----------
        indicator, period : str
            The accepted value to correct.
        value : str, int or Decimal, optional
            The new number, given as to :meth:`save_draft`.
        reason : str
            Why: a census revision, an error found later.
        not_applicable : str, optional
            Instead of a number: the reason the indicator does not apply.

        Returns
        -------
        Correction
            The correction, ``pending``.

        Raises
        ------
        WrongState
            The value is not accepted.
        NotFound
            There is no value.
        InvalidInput
            The number is malformed, equals the accepted one, or the reason is empty.
        PermissionDenied
            The caller does not propose corrections.
        """
        return build(
            Correction,
            self._native.propose_correction(
                indicator, period, value, reason=reason, not_applicable=not_applicable
            ),
        )

    def approve_correction(
        self, correction: CorrectionLike, note: Optional[str] = None
    ) -> Correction:
        """Approves a correction (the chief of staff, not their own): the value takes
        the new entry and its history keeps the old one with the reason.

        Raises
        ------
        WrongState
            The correction was already decided, or the value changed since it was
            proposed.
        PermissionDenied
            The caller is not the chief of staff, or proposed it.
        """
        return build(Correction, self._native.approve_correction(_id(correction), note))

    def reject_correction(self, correction: CorrectionLike, reason: str) -> Correction:
        """Rejects a correction with a reason (the chief of staff); it is kept and the
        value stays."""
        return build(Correction, self._native.reject_correction(_id(correction), reason))

    def corrections(self, status: Optional[str] = None) -> List[Correction]:
        """Corrections, newest first, approved and rejected ones included; ``status`` is
        ``pending``, ``approved`` or ``rejected``."""
        return build_all(Correction, self._native.corrections(status))

    def value_as_of(self, indicator: str, period: PeriodLike, at: datetime) -> Optional[Value]:
        """A value exactly as it stood at the timezone-aware moment ``at``: a correction
        approved later does not show. ``None`` if nothing was entered by then.

        Fields that the history does not record (``flags``) come back empty.

        Raises
        ------
        InvalidInput
            ``at`` is a naive datetime, or the period is malformed.
        """
        found = self._native.value_as_of(indicator, period, at)
        return None if found is None else build(Value, found)

    def period_passport_as_of(
        self, period: PeriodLike, at: datetime, *, as_float: bool = False
    ) -> pandas.DataFrame:
        """The passport for one period exactly as it stood at the timezone-aware moment
        ``at`` ("what had the city reported on 10 April 2026"): the catalog as it was
        known then and each value with the status it had then. Recorded in the audit
        log as an export.

        Parameters
        ----------
        period : str
            The period.
        at : datetime.datetime
            The moment, with a time zone.
        as_float : bool, default False
            Values as float64 instead of Decimal objects.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`period_passport`. ``timeliness``, ``days_late`` and
            ``due_date`` are empty: the core judges timeliness as of now only, and
            today's judgement would misstate the past. ``flags`` are empty too.

        Raises
        ------
        InvalidInput
            ``at`` is a naive datetime, or the period is malformed.
        """
        require_pandas()
        return long_frame(self.period_passport_as_of_records(period, at), as_float)

    def period_passport_as_of_records(
        self, period: PeriodLike, at: datetime
    ) -> List[Dict[str, Any]]:
        """:meth:`period_passport_as_of` as a list of dicts."""
        empty = {"timeliness": None, "days_late": None, "due_date": None}
        return [{**row, **empty} for row in self._native.period_passport_as_of(period, at)]

    # The audit log ---------------------------------------------------------------------

    def audit_log(
        self,
        *,
        after_seq: Optional[int] = None,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
        actor: Optional[AccountLike] = None,
        kind: Optional[str] = None,
        key: Optional[str] = None,
        limit: Optional[int] = None,
    ) -> List[AuditRecord]:
        """Audit records that meet every condition given, oldest first.

        Controllers, the chief of staff and administrators may read it.

        Parameters
        ----------
        after_seq : int, optional
            Only records after this sequence number: a cursor to follow the log.
        since, until : datetime.datetime, optional
            Timezone-aware bounds: at or after ``since``, before ``until``.
        actor : str or Account, optional
            Only what this account did.
        kind : str, optional
            Only records about this kind of record (``value``, ``account``, ...).
        key : str, optional
            Only records about this record (with ``kind``), e.g. ``MR-1.1|2025``.
        limit : int, optional
            At most this many.
        """
        return build_all(
            AuditRecord,
            self._native.audit_log(
                after_seq=after_seq,
                since=since,
                until=until,
                actor=None if actor is None else _id(actor),
                kind=kind,
                key=key,
                limit=limit,
            ),
        )

    def verify_audit_log(self) -> AuditVerification:
        """Recomputes the audit log's hash chain from the first record and reports the
        first record altered or removed behind the library's back (controllers, the
        chief of staff and administrators).

        Returns
        -------
        AuditVerification
            ``intact``, the records checked, the hash of the last record (keep it
            elsewhere to tell later whether the log's end was cut off), and where the
            chain breaks.
        """
        return build(AuditVerification, self._native.verify_audit_log())
