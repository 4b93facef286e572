"""Catalog governance, corrections with approval and the passport as of a moment, on
sled and on PostgreSQL (rules 9 and 10 of the design)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Dict, List

import pytest

import citypassport

from helpers import City

RENAMED = "Численность постоянного населения (по новой методике)"


def accepted(city: City, code: str, period: str, value: Any) -> None:
    city.executor.save_draft(code, period, value)
    city.executor.submit(code, period)
    city.controller.accept(code, period)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def row_of(rows: List[Dict[str, Any]], code: str) -> Dict[str, Any]:
    return next(r for r in rows if r.get("indicator", r.get("code")) == code)


def pop_definition(city: City, **changed: Any) -> Dict[str, Any]:
    """The arguments that define POP as the city defines it, with some changed."""
    definition: Dict[str, Any] = {
        "name": "Численность населения",
        "section": "Население",
        "unit": "человек",
        "kind": "integer",
        "periodicity": "yearly",
        "okei": "792",
        "due_day": 1,
        "due_months_after": 4,
        "min": 0,
        "department": city.department,
    }
    definition.update(changed)
    return definition


def test_approved_proposal_applies_from_its_period_and_leaves_earlier_periods_unchanged(
    city: City,
) -> None:
    proposal = city.head.propose_change(
        "change",
        "POP",
        **pop_definition(city, name=RENAMED, methodology="По данным переписи 2021 года"),
        justification="новая методика Росстата",
        effective_from="2026",
    )
    assert (proposal.status, proposal.change, proposal.indicator) == ("pending", "change", "POP")
    assert proposal.definition is not None and proposal.definition.name == RENAMED
    assert proposal.department == city.department.id
    # Nothing changes before the decision.
    assert row_of(city.viewer.catalog_for_period_records("2026"), "POP")["name"] != RENAMED

    approved = city.chief.approve_proposal(proposal, "согласовано")
    assert (approved.status, approved.decided_by) == ("approved", city.ids["chief"])
    assert approved.decision_reason == "согласовано"

    earlier = city.viewer.catalog_for_period("2025")
    later = city.viewer.catalog_for_period("2026")
    assert earlier.set_index("code").loc["POP", "name"] == "Численность населения"
    assert later.set_index("code").loc["POP", "name"] == RENAMED
    assert later.set_index("code").loc["POP", "department_name"] == "Отдел статистики"
    assert "CALLS" not in set(later["code"])  # a monthly indicator, not of a yearly period

    history = city.viewer.indicator_history("POP")
    assert [v.number for v in history] == [1, 2]
    assert (history[0].effective_from, history[1].effective_from) == (None, "2026")
    assert history[1].proposal == proposal.id
    assert history[1].recorded_by == city.ids["chief"]
    assert history[1].reason == "новая методика Росстата"
    assert history[1].definition is not None
    assert history[1].definition.methodology == "По данным переписи 2021 года"

    # The head of the responsible department hears of it through the event feed.
    changed = [e for e in city.head.events() if e.kind == "catalog.changed"]
    assert [(e.indicator, e.department) for e in changed] == [("POP", city.department.id)]
    assert [p.id for p in city.viewer.proposals("approved")] == [proposal.id]


def test_catalog_as_known_at_a_moment_leaves_out_later_changes(city: City) -> None:
    before = now()
    city.chief.change_catalog(
        "change",
        "POP",
        **pop_definition(city, name=RENAMED),
        reason="переименование",
        effective_from="2020",
    )
    then = city.viewer.catalog_for_period_records("2025", known_at=before)
    assert row_of(then, "POP")["name"] == "Численность населения"
    assert row_of(city.viewer.catalog_for_period_records("2025"), "POP")["name"] == RENAMED
    with pytest.raises(citypassport.InvalidInput) as naive:
        city.viewer.catalog_for_period_records("2025", known_at=datetime.datetime(2026, 4, 10))
    assert naive.value.field == "known at"


def test_unit_change_shows_each_value_in_its_own_unit(city: City) -> None:
    accepted(city, "POP", "2024", "334 000")
    direct = city.chief.change_catalog(
        "change",
        "POP",
        **pop_definition(city, unit="тысяча человек", okei="793", kind="decimal:1"),
        reason="публикуем в тысячах",
        effective_from="2025",
    )
    assert (direct.status, direct.proposed_by, direct.decided_by) == (
        "approved",
        city.ids["chief"],
        city.ids["chief"],
    )
    accepted(city, "POP", "2025", "334,5")

    series = city.viewer.indicator_series_records("POP", "2024", "2025")
    shown = [(r["period"], r["value"], r["unit"], r["okei"]) for r in series]
    assert shown == [
        ("2024", Decimal("334000"), "человек", "792"),
        ("2025", Decimal("334.5"), "тысяча человек", "793"),
    ]
    frame = city.viewer.indicator_series("POP", "2024", "2025")
    assert list(frame["unit"]) == ["человек", "тысяча человек"]
    assert row_of(city.viewer.period_passport_records("2024"), "POP")["unit"] == "человек"
    # From 2025 on the indicator takes one decimal place, not two.
    with pytest.raises(citypassport.InvalidInput) as refused:
        city.executor.save_draft("POP", "2026", "334,55")
    assert refused.value.field == "value"


def test_rejected_proposal_changes_nothing(city: City) -> None:
    before = city.viewer.catalog_records()
    proposal = city.head.propose_change(
        "retire", "SHARE", justification="не нужен", effective_from="2026"
    )
    assert proposal.definition is None
    with pytest.raises(citypassport.InvalidInput):
        city.chief.reject_proposal(proposal, "")

    rejected = city.chief.reject_proposal(proposal.id, "показатель в перечне области")
    assert rejected.status == "rejected"
    assert city.viewer.catalog_records() == before
    assert len(city.viewer.indicator_history("SHARE")) == 1
    with pytest.raises(citypassport.WrongState):
        city.chief.approve_proposal(proposal, "всё же да")
    listed = city.viewer.proposals("rejected")
    assert [(p.id, p.decision_reason) for p in listed] == [
        (proposal.id, "показатель в перечне области")
    ]
    assert city.viewer.proposals("pending") == []
    with pytest.raises(citypassport.InvalidInput) as status:
        city.viewer.proposals("declined")
    assert status.value.field == "status"


def test_only_a_department_head_proposes_and_only_the_chief_of_staff_decides(city: City) -> None:
    with pytest.raises(citypassport.PermissionDenied):
        city.executor.propose_change(
            "retire", "SHARE", justification="не нужен", effective_from="2026"
        )
    proposal = city.head.propose_change(
        "retire", "SHARE", justification="не нужен", effective_from="2026"
    )
    with pytest.raises(citypassport.PermissionDenied):
        city.controller.approve_proposal(proposal, "да")
    with pytest.raises(citypassport.PermissionDenied):
        city.head.change_catalog("retire", "SHARE", reason="сам", effective_from="2026")


def test_a_change_is_described_like_a_definition_and_refused_naming_the_argument(
    city: City,
) -> None:
    new = {
        "name": "Число детских садов",
        "section": "Образование",
        "unit": "единица",
        "kind": "integer",
        "periodicity": "quarterly",
        "okei": "642",
        "department": city.department,
    }
    with pytest.raises(citypassport.InvalidInput) as missing:
        city.head.propose_change(
            "add", "KIND", name="Число детских садов", justification="j", effective_from="2026-Q4"
        )
    assert missing.value.field == "section"
    with pytest.raises(citypassport.InvalidInput) as wrong_period:
        city.head.propose_change("add", "KIND", **new, justification="j", effective_from="2026")
    assert wrong_period.value.field == "effective from"
    with pytest.raises(citypassport.InvalidInput) as retire_with_definition:
        city.head.propose_change(
            "retire", "SHARE", unit="процент", justification="j", effective_from="2026"
        )
    assert retire_with_definition.value.field == "change"
    with pytest.raises(citypassport.InvalidInput) as unknown:
        city.head.propose_change("rename", "SHARE", justification="j", effective_from="2026")
    assert unknown.value.field == "change"
    with pytest.raises(citypassport.AlreadyExists):
        city.head.propose_change(
            "add", "POP", **pop_definition(city), justification="j", effective_from="2026"
        )

    added = city.head.propose_change(
        "add", "KIND", **new, justification="новый показатель", effective_from="2026-Q4"
    )
    city.chief.approve_proposal(added, "да")
    in_force = city.viewer.catalog_for_period_records("2026-Q4")
    assert [(r["code"], r["first_period"]) for r in in_force] == [("KIND", "2026-Q4")]


def test_correction_is_invisible_until_approved_and_the_old_value_stays_in_history(
    city: City,
) -> None:
    accepted(city, "POP", "2025", "333 931")
    with pytest.raises(citypassport.PermissionDenied):
        city.executor.propose_correction("POP", "2025", "1", reason="ошибка")
    correction = city.controller.propose_correction(
        "POP", "2025", "334 100", reason="перепись населения"
    )
    assert correction.status == "pending"
    assert (correction.old_value, correction.new_value) == (Decimal("333931"), Decimal("334100"))
    assert city.viewer.value("POP", "2025").value == Decimal("333931")  # type: ignore[union-attr]
    with pytest.raises(citypassport.PermissionDenied):
        city.controller.approve_correction(correction)

    approved = city.chief.approve_correction(correction, "согласовано")
    assert (approved.status, approved.decision_reason) == ("approved", "согласовано")
    shown = city.viewer.value("POP", "2025")
    assert shown is not None
    assert (shown.value, shown.status) == (Decimal("334100"), "accepted")
    last = city.viewer.value_history("POP", "2025")[-1]
    assert last.action == "correct"
    assert (last.old_value, last.new_value) == (Decimal("333931"), Decimal("334100"))
    assert (last.reason, last.actor) == ("перепись населения", city.ids["chief"])
    assert [c.id for c in city.viewer.corrections("approved")] == [correction.id]

    today = city.passport.today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    lines = city.chief.quarterly_report(quarter).corrections_records()
    assert [(c["indicator"], c["old"], c["new"]) for c in lines] == [("POP", "333931", "334100")]


def test_rejected_correction_is_kept_and_the_value_stays(city: City) -> None:
    accepted(city, "POP", "2025", 700)
    correction = city.controller.propose_correction("POP", "2025", 9000, reason="проверка")
    rejected = city.chief.reject_correction(correction.id, "не подтверждено")
    assert (rejected.status, rejected.decided_by) == ("rejected", city.ids["chief"])
    assert city.viewer.value("POP", "2025").value == Decimal("700")  # type: ignore[union-attr]
    kept = city.viewer.corrections("rejected")
    assert [(c.new_value, c.decision_reason) for c in kept] == [
        (Decimal("9000"), "не подтверждено")
    ]
    assert len(city.viewer.value_history("POP", "2025")) == 3
    with pytest.raises(citypassport.WrongState):
        city.chief.approve_correction(correction)


def test_only_an_accepted_value_is_corrected(city: City) -> None:
    city.executor.save_draft("POP", "2025", 500)
    city.executor.submit("POP", "2025")
    with pytest.raises(citypassport.WrongState):
        city.controller.propose_correction("POP", "2025", 510, reason="ошибка")
    with pytest.raises(citypassport.NotFound):
        city.controller.propose_correction("POP", "2024", 510, reason="ошибка")


def test_value_as_of_returns_the_value_of_that_moment(city: City) -> None:
    before_anything = now()
    city.executor.save_draft("POP", "2025", 500)
    city.executor.submit("POP", "2025")
    while_submitted = now()
    city.controller.accept("POP", "2025")
    before_correction = now()
    correction = city.controller.propose_correction("POP", "2025", 510, reason="ошибка")
    city.chief.approve_correction(correction)

    assert city.viewer.value_as_of("POP", "2025", before_anything) is None
    submitted = city.viewer.value_as_of("POP", "2025", while_submitted)
    assert submitted is not None
    assert (submitted.value, submitted.status) == (Decimal("500"), "submitted")
    old = city.viewer.value_as_of("POP", "2025", before_correction)
    assert old is not None and (old.value, old.status) == (Decimal("500"), "accepted")
    new = city.viewer.value_as_of("POP", "2025", now())
    assert new is not None and new.value == Decimal("510")
    # Any time zone names the same moment.
    moscow = before_correction.astimezone(datetime.timezone(datetime.timedelta(hours=3)))
    assert city.viewer.value_as_of("POP", "2025", moscow) == old

    then = city.viewer.period_passport_as_of_records("2025", before_correction)
    pop = row_of(then, "POP")
    assert (pop["value"], pop["status"], pop["timeliness"]) == (Decimal("500"), "accepted", None)
    assert set(pop) == set(city.viewer.period_passport_records("2025")[0])
    earlier = city.viewer.period_passport_as_of("2025", before_anything, as_float=True)
    assert set(earlier["status"]) == {"not entered"}
    assert list(earlier.columns) == citypassport.LONG_COLUMNS
    actions = [r.action for r in city.controller.audit_log()]
    assert "export.period_as_of" in actions


def test_as_of_reads_refuse_a_naive_datetime_naming_the_argument(city: City) -> None:
    naive = datetime.datetime(2026, 4, 10, 12, 0)
    with pytest.raises(citypassport.InvalidInput) as refused:
        city.viewer.value_as_of("POP", "2025", naive)
    assert refused.value.field == "at"
    assert isinstance(refused.value, ValueError)
    with pytest.raises(citypassport.InvalidInput):
        city.viewer.period_passport_as_of_records("2025", naive)


def test_audit_log_chain_verifies_intact(city: City) -> None:
    accepted(city, "POP", "2025", 1)
    check = city.controller.verify_audit_log()
    assert check.intact
    assert (check.first_broken, check.problem) == (None, None)
    assert check.records_checked == len(city.controller.audit_log())
    assert len(check.head_hash) > 0
    with pytest.raises(citypassport.PermissionDenied):
        city.viewer.verify_audit_log()


def test_one_proposal_reads_by_id_with_its_decision(city: City) -> None:
    filed = city.head.propose_change(
        "retire", "SHARE", justification="не нужен", effective_from="2026"
    )
    assert city.viewer.proposal(filed.id) == filed
    decided = city.chief.approve_proposal(filed, "согласовано")
    read = city.viewer.proposal(filed)
    assert read == decided
    assert (read.status, read.proposed_by, read.decision_reason) == (
        "approved",
        city.ids["head"],
        "согласовано",
    )
    with pytest.raises(citypassport.NotFound):
        city.viewer.proposal("no-such-proposal")


def test_history_says_who_proposed_each_version_and_why_it_was_approved(city: City) -> None:
    filed = city.head.propose_change(
        "change", "POP", **pop_definition(city, name=RENAMED),
        justification="новая методика Росстата", effective_from="2026",
    )  # fmt: skip
    city.chief.approve_proposal(filed, "согласовано на совещании")
    city.chief.change_catalog(
        "change", "POP", **pop_definition(city, name=RENAMED, methodology="перепись"),
        reason="уточнение методики", effective_from="2027",
    )  # fmt: skip

    first, proposed, direct = city.viewer.indicator_history("POP")
    assert (first.proposal, first.proposed_by, first.decision_reason) == (None, None, None)
    assert (proposed.proposed_by, proposed.recorded_by) == (city.ids["head"], city.ids["chief"])
    assert (proposed.reason, proposed.decision_reason) == (
        "новая методика Росстата",
        "согласовано на совещании",
    )
    assert direct.proposed_by == city.ids["chief"]
    assert direct.proposal is not None
    assert city.viewer.proposal(direct.proposal).status == "approved"


def test_a_retired_indicator_shows_in_its_catalog_entry_with_its_period(city: City) -> None:
    entry = city.viewer.catalog_entry("SHARE")
    assert (entry.indicator.code, entry.retired_from) == ("SHARE", None)
    assert entry.indicator == city.viewer.indicator("SHARE")

    proposal = city.head.propose_change(
        "retire", "SHARE", justification="не нужен", effective_from="2026"
    )
    city.chief.approve_proposal(proposal, "согласовано")
    retired = city.viewer.catalog_entry("SHARE")
    assert retired.retired_from == "2026"
    assert retired.indicator == entry.indicator, "the last definition in force stays"
    assert isinstance(retired.indicator, citypassport.Indicator)
    with pytest.raises(citypassport.WrongState, match="retired from 2026"):
        city.viewer.indicator("SHARE")
    assert "SHARE" not in {row["code"] for row in city.viewer.catalog_records()}
    with pytest.raises(citypassport.NotFound):
        city.viewer.catalog_entry("NO-SUCH")


def test_whole_catalog_as_of_a_moment_leaves_out_what_was_not_known_then(city: City) -> None:
    before = now()
    city.chief.change_catalog(
        "change", "POP", **pop_definition(city, name=RENAMED),
        reason="переименование", effective_from="2020",
    )  # fmt: skip

    then = city.viewer.catalog_as_of_records(before)
    assert [row["code"] for row in then] == ["POP", "RATE", "SHARE", "CALLS"]
    assert row_of(then, "POP")["name"] == "Численность населения"
    assert row_of(then, "CALLS")["periodicity"] == "monthly", "every periodicity at once"
    assert row_of(then, "POP")["department_name"] == "Отдел статистики"
    frame = city.viewer.catalog_as_of(now())
    assert list(frame.columns) == citypassport.CATALOG_COLUMNS
    assert frame.set_index("code").loc["POP", "name"] == RENAMED

    long_ago = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    assert city.viewer.catalog_as_of_records(long_ago) == []
    with pytest.raises(citypassport.InvalidInput) as naive:
        city.viewer.catalog_as_of(datetime.datetime(2026, 4, 10))
    assert naive.value.field == "at"
