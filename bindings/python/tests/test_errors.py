"""The exception classes: one per kind, all under citypassport.Error."""

from __future__ import annotations

import pytest

import citypassport

from helpers import PASSWORD, City

KINDS = {
    "InvalidInput": "invalid",
    "Implausible": "implausible",
    "LoginFailed": "login_failed",
    "LockedOut": "locked_out",
    "Unauthenticated": "unauthenticated",
    "PermissionDenied": "permission_denied",
    "NotFound": "not_found",
    "AlreadyExists": "already_exists",
    "WrongState": "wrong_state",
    "Conflict": "conflict",
    "StorageError": "storage",
}


def test_every_error_class_really_derives_from_error() -> None:
    for name, kind in KINDS.items():
        cls = getattr(citypassport, name)
        assert issubclass(cls, citypassport.Error), name
        assert issubclass(cls, Exception), name
        assert cls.kind == kind
        assert cls.__module__ == "citypassport"
        assert cls.__doc__, name
    assert citypassport.Error.__bases__ == (Exception,)


def test_invalid_input_is_also_a_value_error() -> None:
    assert issubclass(citypassport.InvalidInput, ValueError)
    assert issubclass(citypassport.InvalidInput, citypassport.Error)
    assert not issubclass(citypassport.NotFound, ValueError)


@pytest.mark.parametrize("bad", ["2026-M7", "2026-Q5", "26-Q1", "Q3-2026", "", "2026-13"])
def test_bad_period_is_a_value_error_that_quotes_it(sled_city: City, bad: str) -> None:
    with pytest.raises(ValueError) as refused:
        sled_city.viewer.value("POP", bad)
    assert isinstance(refused.value, citypassport.InvalidInput)
    assert refused.value.field == "period"
    assert f"'{bad}'" in str(refused.value) and "2026-M07" in str(refused.value)


def test_a_period_of_the_wrong_type_is_invalid_input(sled_city: City) -> None:
    with pytest.raises(citypassport.InvalidInput, match="period"):
        sled_city.viewer.value("POP", 2025.0)  # type: ignore[arg-type]
    assert sled_city.viewer.value("POP", 2025) is None


def test_except_error_catches_every_failure_of_the_library(sled_city: City) -> None:
    failures = [
        lambda: sled_city.viewer.indicator("NOPE"),
        lambda: sled_city.passport.login("viewer@city.example", "wrong password!!"),
        lambda: sled_city.viewer.save_draft("POP", "2025", 1),
        lambda: sled_city.controller.accept("POP", "2025"),
        lambda: sled_city.admin.create_department("Отдел статистики"),
        lambda: sled_city.executor.save_draft("POP", "2025-Q1", 1),
        lambda: sled_city.executor.save_draft("POP", "2025", 1.5),
    ]
    caught = []
    for failure in failures:
        try:
            failure()
        except citypassport.Error as error:
            caught.append(type(error).__name__)
    assert caught == [
        "NotFound",
        "LoginFailed",
        "PermissionDenied",
        "NotFound",
        "AlreadyExists",
        "InvalidInput",
        "InvalidInput",
    ]


def test_a_value_that_breaks_a_hard_bound_is_implausible(sled_city: City) -> None:
    with pytest.raises(citypassport.Implausible) as refused:
        sled_city.executor.save_draft("SHARE", "2025", "100,5")
    error = refused.value
    assert (error.indicator, error.period, error.rule) == ("SHARE", "2025", "maximum")
    assert "100.5" in error.reason


def test_a_float_is_refused_as_inexact(sled_city: City) -> None:
    with pytest.raises(citypassport.InvalidInput) as refused:
        sled_city.executor.save_draft("RATE", "2025", 12.5)
    assert refused.value.field == "value"
    assert "float" in str(refused.value) and "Decimal" in str(refused.value)


def test_wrong_state_after_submission(sled_city: City) -> None:
    sled_city.executor.save_draft("POP", "2025", 1)
    sled_city.executor.submit("POP", "2025")
    with pytest.raises(citypassport.WrongState):
        sled_city.executor.save_draft("POP", "2025", 2)


def test_repeated_failed_logins_lock_the_email(sled_city: City) -> None:
    for _ in range(5):
        with pytest.raises(citypassport.LoginFailed):
            sled_city.passport.login("viewer@city.example", "wrong password!!")
    with pytest.raises(citypassport.LockedOut):
        sled_city.passport.login("viewer@city.example", PASSWORD)


def test_no_password_or_token_shows_in_messages_or_reprs(sled_city: City) -> None:
    try:
        sled_city.passport.login("viewer@city.example", "my secret password")
    except citypassport.LoginFailed as error:
        assert "my secret password" not in str(error) + repr(error)

    token = sled_city.viewer.expose_token()
    assert token not in repr(sled_city.viewer)
    assert token not in str(sled_city.viewer)
    assert sled_city.ids["viewer"] in repr(sled_city.viewer)

    made = sled_city.admin.create_account(
        "new@city.example", "Новый", ["viewer"], ("1", "2020-01-13")
    )
    secret = made.setup_token.expose()
    for shown in (repr(made), str(made.setup_token), repr(made.setup_token)):
        assert secret not in shown
    with pytest.raises(citypassport.InvalidInput) as refused:
        sled_city.passport.set_password(secret, "short")
    assert secret not in str(refused.value)
