"""The records the passport returns, as frozen dataclasses.

Each class has exactly the fields of the dict the native module returns for it, so
``Value(**record)`` and ``dataclasses.asdict(value)`` translate both ways. Numbers are
:class:`decimal.Decimal`, dates :class:`datetime.date`, instants timezone-aware
:class:`datetime.datetime` in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type, TypeVar

from . import _native

__all__ = [
    "Account",
    "AppointmentOrder",
    "Assignment",
    "AuditRecord",
    "AuditVerification",
    "CalendarDay",
    "CalendarYears",
    "CatalogEntry",
    "CatalogLoad",
    "ChangeProposal",
    "Correction",
    "DelayNotice",
    "Department",
    "DueDate",
    "Event",
    "Indicator",
    "IndicatorVersion",
    "NewAccount",
    "RegionalHoliday",
    "Revision",
    "Section",
    "Value",
    "WorkingCalendar",
]

_R = TypeVar("_R")


def _frozen(value: Any) -> Any:
    """Lists (and lists of lists) as tuples, so that records are hashable."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _build(cls: Type[_R], record: Mapping[str, Any]) -> _R:
    """A dataclass from a native record."""
    return cls(**{k: _frozen(v) for k, v in record.items()})


@dataclass(frozen=True)
class AppointmentOrder:
    """The order that is the basis of an account or an assignment.

    Parameters
    ----------
    number : str
        The order's number, e.g. ``"152-к"``.
    date : datetime.date or str
        The order's date (``YYYY-MM-DD`` as text is accepted); an assignment is in force
        from it.
    """

    number: str
    date: date | str


@dataclass(frozen=True)
class Account:
    """An account as the caller may see it.

    Attributes
    ----------
    id : str
        The account's identifier, the only thing about a person that logs show.
    email : str or None
        The login e-mail; shown to administrators only, and erased on deactivation.
    full_name : str
        The person's full name, kept after deactivation so that history stays
        attributed.
    department : str or None
        The id of the department the person works in.
    roles : tuple of str
        ``administrator``, ``executor``, ``controller``, ``viewer``, ``chief_of_staff``,
        ``department_head``.
    order_number, order_date : str, datetime.date
        The order that is the basis of the account.
    active : bool
        False once deactivated.
    has_password : bool
        Whether the person has set a password.
    created_at, deactivated_at : datetime.datetime, datetime.datetime or None
        When the account was created and deactivated (UTC).
    """

    id: str
    email: Optional[str]
    full_name: str
    department: Optional[str]
    roles: Tuple[str, ...]
    order_number: str
    order_date: date
    active: bool
    has_password: bool
    created_at: datetime
    deactivated_at: Optional[datetime]


@dataclass(frozen=True)
class NewAccount:
    """A created account: its id and the one-time setup token to hand to the person.

    The setup token's repr is hidden; call ``setup_token.expose()`` for its text.
    """

    id: str
    setup_token: _native.SetupToken


@dataclass(frozen=True)
class Department:
    """A department of the administration or a municipal institution.

    Attributes
    ----------
    id : str
        Identifier.
    name : str
        The official name, unique.
    kind : str
        ``department`` or ``institution``.
    """

    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class Section:
    """A section of the catalog and its place in printed order."""

    name: str
    position: int


@dataclass(frozen=True)
class Indicator:
    """One measured quantity of the city, as defined in the catalog.

    Attributes
    ----------
    code : str
        Unique code, e.g. ``MR-1.1.1``.
    name, section : str
        The published name and the catalog section.
    unit : str
        Unit of measurement, e.g. ``человек``.
    okei : str or None
        The unit's OKEI code, where it has one.
    kind : str
        What numbers it takes: ``integer``, ``decimal:N``, ``percent:N`` or ``yes_no``.
    periodicity : str
        ``monthly``, ``quarterly``, ``half_yearly`` or ``yearly``.
    due : str
        The due-date rule in words.
    due_rule : str
        ``day_of_month_after`` (with ``due_day`` and ``due_months_after``) or
        ``days_after`` (with ``due_days``).
    due_day, due_months_after, due_days : int or None
        The rule's numbers.
    department : str or None
        The id of the department responsible.
    methodology : str
        How it is calculated.
    min, max : decimal.Decimal or None
        Hard bounds: a value outside them is refused.
    max_change_percent : decimal.Decimal or None
        Soft rule: a larger change against the previous period is flagged.
    first_period : str or None
        The first period values are expected for (earlier ones are never missing).
    """

    code: str
    name: str
    section: str
    unit: str
    okei: Optional[str]
    kind: str
    periodicity: str
    due: str
    due_rule: str
    due_day: Optional[int]
    due_months_after: Optional[int]
    due_days: Optional[int]
    department: Optional[str]
    methodology: str
    min: Optional[Decimal]
    max: Optional[Decimal]
    max_change_percent: Optional[Decimal]
    first_period: Optional[str]


@dataclass(frozen=True)
class Value:
    """The value of one indicator for one period, as it stands.

    Attributes
    ----------
    indicator : str
        The indicator's code.
    period : str
        The period, e.g. ``2026-M07``.
    period_start, period_end : datetime.date
        The period's first and last day.
    status : str
        ``draft``, ``submitted``, ``accepted`` or ``returned``.
    department : str or None
        The department responsible when the value was entered.
    value : decimal.Decimal or None
        The exact number; ``None`` when not applicable.
    not_applicable : str or None
        The reason, when the indicator does not apply to the period.
    flags : tuple of str
        Soft plausibility warnings for the controller.
    return_reason : str or None
        The controller's reason, while returned.
    entered_by, submitted_by, reviewed_by : str or None
        Account ids.
    updated_at, submitted_at, first_submitted_at, reviewed_at : datetime.datetime or None
        When (UTC). Timeliness is judged by the first submission.
    times_returned, revisions : int
        How often it was returned; how many revisions its history holds.
    """

    indicator: str
    period: str
    period_start: date
    period_end: date
    status: str
    department: Optional[str]
    value: Optional[Decimal]
    not_applicable: Optional[str]
    flags: Tuple[str, ...]
    return_reason: Optional[str]
    entered_by: Optional[str]
    updated_at: Optional[datetime]
    submitted_by: Optional[str]
    submitted_at: Optional[datetime]
    first_submitted_at: Optional[datetime]
    reviewed_by: Optional[str]
    reviewed_at: Optional[datetime]
    times_returned: Optional[int]
    revisions: Optional[int]


@dataclass(frozen=True)
class Revision:
    """One change in a value's history: who, when, what and why."""

    indicator: str
    period: str
    number: int
    at: datetime
    actor: str
    action: str
    old_value: Optional[Decimal]
    old_not_applicable: Optional[str]
    new_value: Optional[Decimal]
    new_not_applicable: Optional[str]
    old_status: Optional[str]
    new_status: str
    reason: Optional[str]


@dataclass(frozen=True)
class Assignment:
    """An executor's appointment to enter the values of one indicator."""

    id: str
    account: str
    indicator: str
    order_number: str
    order_date: date
    assigned_by: str
    assigned_at: datetime
    ended_at: Optional[datetime]


@dataclass(frozen=True)
class AuditRecord:
    """One entry of the audit log.

    ``before`` and ``after`` are the JSON text of the record as the core stored it.
    """

    seq: int
    at: datetime
    actor: Optional[str]
    action: str
    kind: str
    key: str
    before: Optional[str]
    after: Optional[str]


@dataclass(frozen=True)
class CatalogLoad:
    """What loading a catalog file did."""

    added: int
    unchanged: int
    sections_added: int


@dataclass(frozen=True)
class DueDate:
    """The due date of one value.

    Attributes
    ----------
    indicator, period : str
        The value's address.
    due_nominal : datetime.date
        The day the indicator's rule (or a set date) names.
    due_date : datetime.date
        That day moved to the next working day if it is not one; a submission is on time
        until 24:00 local time of this day.
    due_moved : bool
        Whether it moved.
    due_rules_only : bool
        Whether the calendar has no data for a year involved, so the date follows the
        weekday and holiday rules alone.
    extended_until : datetime.date or None
        The new due date granted on a delay notice.
    """

    indicator: str
    period: str
    due_nominal: date
    due_date: date
    due_moved: bool
    due_rules_only: bool
    extended_until: Optional[date]


@dataclass(frozen=True)
class DelayNotice:
    """An executor's notice that values will be late, and the controller's decision.

    Attributes
    ----------
    id : str
        Identifier, to grant or decline it.
    executor : str
        Who filed it (account id).
    values : tuple of (str, str)
        The (indicator, period) pairs it covers.
    reason : str
        Why they will be late.
    expected_date : datetime.date
        When the executor expects to submit.
    filed_at : datetime.datetime
        When it was filed (UTC).
    status : str
        ``pending``, ``granted`` or ``declined``.
    decided_by, decided_at, decision_reason : optional
        The controller, when, and the reason of a decline or the note of a grant.
    granted_until : datetime.date or None
        The new due date of its values, when granted.
    """

    id: str
    executor: str
    values: Tuple[Tuple[str, str], ...]
    reason: str
    expected_date: date
    filed_at: datetime
    status: str
    decided_by: Optional[str]
    decided_at: Optional[datetime]
    decision_reason: Optional[str]
    granted_until: Optional[date]


@dataclass(frozen=True)
class Event:
    """Something that happened, read from the feed with a cursor.

    ``kind`` is ``value.submitted``, ``value.accepted``, ``value.returned``,
    ``notice.filed``, ``extension.granted``, ``extension.declined``,
    ``deadline.passed``, ``catalog.changed``, ...; pass the last ``seq`` read as the
    next cursor. For a catalog change, ``department`` is the department responsible for
    the indicator (whose head is to be told) and ``indicator`` its code.
    """

    seq: int
    at: datetime
    kind: str
    actor: Optional[str]
    values: Tuple[Tuple[str, str], ...]
    notice: Optional[str]
    department: Optional[str]
    indicator: Optional[str]


@dataclass(frozen=True)
class CalendarDay:
    """An exception of the calendar: ``day_off``, ``working_day`` or
    ``paid_nonworking``."""

    date: date
    kind: str
    note: str


@dataclass(frozen=True)
class RegionalHoliday:
    """A regional non-working holiday on ``month``-``day``, from ``first_year`` on."""

    month: int
    day: int
    first_year: Optional[int]
    name: str


@dataclass(frozen=True)
class WorkingCalendar:
    """The working-day calendar in force: the years with published data, the
    exceptional days of those years, and the regional holidays."""

    years_with_data: Tuple[int, ...]
    days: Tuple[CalendarDay, ...]
    regional_holidays: Tuple[RegionalHoliday, ...]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> WorkingCalendar:
        """The calendar from the native record."""
        return cls(
            tuple(record["years_with_data"]),
            tuple(CalendarDay(**day) for day in record["days"]),
            tuple(RegionalHoliday(**h) for h in record["regional_holidays"]),
        )


@dataclass(frozen=True)
class CalendarYears:
    """What loading calendar data did: the years replaced and the rows stored."""

    years: Tuple[int, ...]
    days: int


def _definition(record: Optional[Mapping[str, Any]]) -> Optional[Indicator]:
    return None if record is None else _build(Indicator, record)


@dataclass(frozen=True)
class ChangeProposal:
    """A proposal to add, change or retire an indicator, and the chief of staff's
    decision (items 3.5 and 3.7 of the order).

    Attributes
    ----------
    id : str
        Identifier, to approve or reject it.
    change : str
        ``add``, ``change`` or ``retire``.
    indicator : str
        The code of the indicator concerned.
    definition : Indicator or None
        The proposed definition; ``None`` for a retirement.
    justification : str
        Why it was proposed.
    effective_from : str
        The first period the change applies to; earlier periods keep their definitions.
    department : str or None
        The department responsible for the indicator, told of the decision.
    proposed_by, proposed_at : str, datetime.datetime
        Who proposed it (account id) and when (UTC).
    status : str
        ``pending``, ``approved`` or ``rejected``.
    decided_by, decided_at, decision_reason : optional
        The chief of staff, when, and the reason given.
    """

    id: str
    change: str
    indicator: str
    definition: Optional[Indicator]
    justification: str
    effective_from: str
    department: Optional[str]
    proposed_by: str
    proposed_at: datetime
    status: str
    decided_by: Optional[str]
    decided_at: Optional[datetime]
    decision_reason: Optional[str]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ChangeProposal:
        """The proposal from the native record."""
        return _build(cls, {**record, "definition": _definition(record["definition"])})


@dataclass(frozen=True)
class IndicatorVersion:
    """One version of an indicator's definition in the catalog's history.

    Attributes
    ----------
    code : str
        The indicator's code.
    number : int
        1 for the first definition, one more for each change.
    definition : Indicator or None
        The definition in force from ``effective_from``; ``None`` once retired.
    effective_from : str or None
        The first period it applies to; ``None`` for a first definition, which applies
        to every period.
    recorded_at, recorded_by : datetime.datetime, str
        When it became known (UTC), and who recorded it: who approved the change, or
        who defined the indicator.
    proposal : str or None
        The id of the change proposal it came from.
    reason : str
        Why, as given with the change.
    proposed_by : str or None
        Who proposed the change (account id): the department head who filed the
        proposal, or the chief of staff for a direct change; ``None`` for a definition
        made without a proposal.
    decision_reason : str or None
        Why the chief of staff approved it; ``None`` for a definition made without a
        proposal.
    """

    code: str
    number: int
    definition: Optional[Indicator]
    effective_from: Optional[str]
    recorded_at: datetime
    recorded_by: str
    proposal: Optional[str]
    reason: str
    proposed_by: Optional[str]
    decision_reason: Optional[str]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> IndicatorVersion:
        """The version from the native record."""
        return _build(cls, {**record, "definition": _definition(record["definition"])})


@dataclass(frozen=True)
class CatalogEntry:
    """An indicator as the current catalog holds it, retired or not.

    Attributes
    ----------
    indicator : Indicator
        The newest definition; for a retired indicator, the last one in force, with
        which the values of earlier periods still read.
    retired_from : str or None
        The first period for which the indicator is retired (its retirement approved,
        even from a period still to come); ``None`` while it is in force.
    """

    indicator: Indicator
    retired_from: Optional[str]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CatalogEntry:
        """The entry from the native record."""
        return cls(_build(Indicator, record["indicator"]), record["retired_from"])


@dataclass(frozen=True)
class Correction:
    """A correction of an accepted value: proposed by a controller, in effect only once
    the chief of staff approves it (item 3.6 of the order).

    Attributes
    ----------
    id : str
        Identifier, to approve or reject it.
    indicator, period : str
        The value corrected.
    old_value, old_not_applicable : decimal.Decimal or None, str or None
        The accepted entry it replaces.
    new_value, new_not_applicable : decimal.Decimal or None, str or None
        The proposed entry.
    reason : str
        Why (a census revision, an error found later).
    proposed_by, proposed_at : str, datetime.datetime
        The controller (account id) and when (UTC).
    status : str
        ``pending``, ``approved`` or ``rejected``; rejected corrections are kept.
    decided_by, decided_at, decision_reason : optional
        The chief of staff, when, and the note of an approval or the reason of a
        rejection.
    """

    id: str
    indicator: str
    period: str
    old_value: Optional[Decimal]
    old_not_applicable: Optional[str]
    new_value: Optional[Decimal]
    new_not_applicable: Optional[str]
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: str
    decided_by: Optional[str]
    decided_at: Optional[datetime]
    decision_reason: Optional[str]


@dataclass(frozen=True)
class AuditVerification:
    """What a check of the audit log's hash chain found.

    Attributes
    ----------
    intact : bool
        Whether the chain is whole.
    records_checked : int
        Records read.
    head_hash : str
        The hash of the last record: keep it elsewhere (a printed report, another
        system) to tell later whether the log's end was cut off, which the chain alone
        cannot show.
    first_broken : int or None
        The first record that was altered, or that follows a removed one.
    problem : str or None
        What is wrong there.
    """

    intact: bool
    records_checked: int
    head_hash: str
    first_broken: Optional[int]
    problem: Optional[str]


def build_all(cls: Type[_R], records: List[Dict[str, Any]]) -> List[_R]:
    """Dataclasses from native records."""
    return [_build(cls, r) for r in records]


build = _build
