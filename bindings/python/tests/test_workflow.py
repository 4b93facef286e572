"""The passport workflow end to end, on sled and on PostgreSQL."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

import citypassport

from helpers import CATALOG_CSV, ORDER, PASSWORD, City


def test_executor_enters_and_controller_accepts_a_value(city: City) -> None:
    draft = city.executor.save_draft("POP", "2025", "333 931")
    assert draft.status == "draft"
    assert draft.value == Decimal("333931")
    assert draft.period_start == datetime.date(2025, 1, 1)
    assert draft.period_end == datetime.date(2025, 12, 31)

    submitted = city.executor.submit("POP", "2025")
    assert submitted.status == "submitted"
    assert submitted.submitted_by == city.ids["executor"]
    assert submitted.submitted_at is not None
    assert submitted.submitted_at.tzinfo == datetime.timezone.utc
    assert [v.indicator for v in city.controller.values_to_review()] == ["POP"]

    accepted = city.controller.accept("POP", "2025")
    assert accepted.status == "accepted"
    assert accepted.reviewed_by == city.ids["controller"]
    read = city.viewer.value("POP", "2025")
    assert read == accepted
    assert city.viewer.value("POP", "2024") is None


def test_returned_value_is_fixed_and_resubmitted(city: City) -> None:
    city.executor.save_draft("POP", "2025", 2780)
    city.executor.submit("POP", "2025")
    returned = city.controller.return_value("POP", "2025", "не сходится с данными ЗАГС")
    assert returned.status == "returned"
    assert returned.return_reason == "не сходится с данными ЗАГС"

    city.executor.save_draft("POP", "2025", Decimal("2871"))
    city.executor.submit("POP", "2025")
    assert city.controller.accept("POP", "2025").times_returned == 1

    history = city.viewer.value_history("POP", "2025")
    assert [r.action for r in history] == ["save", "submit", "return", "save", "submit", "accept"]
    assert history[2].reason == "не сходится с данными ЗАГС"
    assert (history[3].old_value, history[3].new_value) == (Decimal("2780"), Decimal("2871"))


def test_comma_decimal_is_accepted_and_not_available_mark_is_refused_naming_the_field(
    city: City,
) -> None:
    assert city.executor.save_draft("RATE", "2025", "12,5").value == Decimal("12.5")

    with pytest.raises(citypassport.InvalidInput) as refused:
        city.executor.save_draft("RATE", "2024", "н/д")
    assert refused.value.field == "value"
    assert "value" in str(refused.value) and "н/д" in str(refused.value)
    assert "not applicable" in str(refused.value)


def test_not_applicable_is_a_state_of_its_own(city: City) -> None:
    saved = city.executor.save_draft("SHARE", "2025", not_applicable="нет детских садов")
    assert saved.value is None
    assert saved.not_applicable == "нет детских садов"
    row = city.viewer.period_passport_records("2025")
    share = next(r for r in row if r["indicator"] == "SHARE")
    assert (share["value"], share["not_applicable"]) == (None, "нет детских садов")


def test_viewer_reads_everything_but_changes_nothing(city: City) -> None:
    city.executor.save_draft("POP", "2025", 1)
    assert city.viewer.value("POP", "2025") is not None
    assert len(city.viewer.catalog_records()) == 4
    with pytest.raises(citypassport.PermissionDenied):
        city.viewer.save_draft("POP", "2024", 1)
    with pytest.raises(citypassport.PermissionDenied):
        city.viewer.create_department("Чужой отдел")


def test_nobody_accepts_their_own_submission(city: City) -> None:
    both = city.admin.create_account(
        "both@city.example", "Исполнитель и контролер", ["executor", "controller"], ORDER
    )
    city.passport.set_password(both.setup_token, PASSWORD)
    city.head.assign_executor(both.id, "RATE", ORDER)
    with city.passport.login("both@city.example", PASSWORD) as session:
        session.save_draft("RATE", "2025", "7,5")
        session.submit("RATE", "2025")
        with pytest.raises(citypassport.PermissionDenied):
            session.accept("RATE", "2025")


def test_administrator_manages_accounts(city: City) -> None:
    emails = {a.email for a in city.admin.accounts()}
    assert "viewer@city.example" in emails
    assert {a.email for a in city.viewer.accounts()} == {None}

    city.admin.deactivate_account(city.ids["viewer"], "уволен")
    with pytest.raises(citypassport.Unauthenticated):
        city.viewer.whoami()
    with pytest.raises(citypassport.LoginFailed):
        city.passport.login("viewer@city.example", PASSWORD)
    gone = next(a for a in city.admin.accounts() if a.id == city.ids["viewer"])
    assert (gone.active, gone.full_name, gone.email) == (False, "Пользователь", None)

    token = city.admin.issue_setup_token(city.ids["controller"])
    city.passport.set_password(token.expose(), "another long password")
    with city.passport.login("controller@city.example", "another long password") as session:
        session.change_password("another long password", "a third long password")


def test_catalog_loads_from_the_shipped_csv(passport: citypassport.Passport) -> None:
    setup = passport.bootstrap_administrator("admin@city.example", "Администратор", ORDER)
    passport.set_password(setup, PASSWORD)
    with passport.login("admin@city.example", PASSWORD) as admin:
        department = admin.create_department("Управление", "department")
        made = admin.create_account("chief@city.example", "Руководитель", ["chief_of_staff"], ORDER)
    passport.set_password(made.setup_token, PASSWORD)
    with passport.login("chief@city.example", PASSWORD) as chief:
        with open(CATALOG_CSV, encoding="utf-8") as text:
            first = chief.load_catalog_csv(text, {"Население": department})
        again = chief.load_catalog_csv(CATALOG_CSV, {"Население": department.id})
        assert (first.added, first.unchanged) == (75, 0)
        assert (again.added, again.unchanged) == (0, 75)
        births = chief.indicator("MR-1.1.1")
        assert (births.kind, births.okei, births.department) == ("integer", "792", department.id)
        assert births.periodicity == "yearly"
        assert [s.position for s in chief.sections()][:2] == [1, 2]


def test_audit_log_records_changes_and_exports(city: City) -> None:
    city.executor.save_draft("POP", "2025", 1)
    city.viewer.period_passport_records("2025")
    log = city.controller.audit_log()
    actions = [r.action for r in log]
    assert "value.save" in actions and "export.period" in actions
    assert [r.seq for r in log] == sorted(r.seq for r in log)

    last = log[-1].seq
    city.executor.submit("POP", "2025")
    newer = city.controller.audit_log(after_seq=last)
    assert [r.action for r in newer] == ["value.submit"]
    by_executor = city.controller.audit_log(actor=city.ids["executor"], kind="value", limit=1)
    assert by_executor[0].key == "POP|2025"
    since = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    assert city.controller.audit_log(since=since) == []
    with pytest.raises(citypassport.PermissionDenied):
        city.viewer.audit_log()


def test_logout_ends_the_session(city: City) -> None:
    city.viewer.logout()
    assert city.viewer.closed
    with pytest.raises(citypassport.Unauthenticated):
        city.viewer.catalog_records()


def test_a_session_resumes_from_its_token(city: City) -> None:
    resumed = city.passport.resume(city.viewer.expose_token())
    assert resumed.whoami().id == city.ids["viewer"]
    with pytest.raises(citypassport.Unauthenticated):
        city.passport.resume("not a token").whoami()
