"""The exception classes: one per kind, all under citypassport.Error."""

from __future__ import annotations

import errno
import io
import pathlib
from typing import Any

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
    "FileError": "file",
    "MissingExtra": "missing_extra",
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


def test_the_package_own_errors_are_also_the_builtin_ones_python_code_expects() -> None:
    assert issubclass(citypassport.FileError, OSError)
    assert issubclass(citypassport.FileError, citypassport.Error)
    assert issubclass(citypassport.MissingExtra, ImportError)
    assert issubclass(citypassport.MissingExtra, citypassport.Error)


@pytest.mark.parametrize("bad", ["2026-M7", "2026-Q5", "26-Q1", "Q3-2026", "", "2026-13"])
def test_bad_period_is_a_value_error_that_quotes_it(populated: City, bad: str) -> None:
    with pytest.raises(ValueError) as refused:
        populated.viewer.value("POP", bad)
    assert isinstance(refused.value, citypassport.InvalidInput)
    assert refused.value.field == "period"
    assert f"'{bad}'" in str(refused.value) and "2026-M07" in str(refused.value)


def test_a_period_of_the_wrong_type_is_invalid_input(city: City) -> None:
    with pytest.raises(citypassport.InvalidInput, match="period"):
        city.viewer.value("POP", 2025.0)  # type: ignore[arg-type]
    assert city.viewer.value("POP", 2025) is None


def test_except_error_catches_every_failure_of_the_library(city: City) -> None:
    failures = [
        lambda: city.viewer.indicator("NOPE"),
        lambda: city.passport.login("viewer@city.example", "wrong password!!"),
        lambda: city.viewer.save_draft("POP", "2025", 1),
        lambda: city.controller.accept("POP", "2025"),
        lambda: city.admin.create_department("Отдел статистики"),
        lambda: city.executor.save_draft("POP", "2025-Q1", 1),
        lambda: city.executor.save_draft("POP", "2025", 1.5),
        lambda: city.chief.load_catalog_csv("no-such-catalog.csv"),
        lambda: city.admin.create_account("n@city.example", "Н", ["viewer"], ("7-к",)),
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
        "FileError",
        "InvalidInput",
    ]


def test_a_file_that_cannot_be_read_is_a_file_error_naming_it(
    populated: City, tmp_path: pathlib.Path
) -> None:
    missing = tmp_path / "no-such-file.csv"
    calls = [
        ("the catalog file", populated.chief.load_catalog_csv),
        ("the calendar file", populated.admin.load_calendar_csv),
        ("the calendar file", populated.admin.load_calendar_xml),
    ]
    for what, call in calls:
        with pytest.raises(citypassport.FileError) as refused:
            call(missing)
        error = refused.value
        assert isinstance(error, OSError) and isinstance(error, citypassport.Error)
        assert error.errno == errno.ENOENT and error.filename == str(missing)
        assert f"cannot read {what}" in str(error) and "no-such-file.csv" in str(error)
        assert isinstance(error.__cause__, FileNotFoundError)

    with pytest.raises(citypassport.FileError) as folder:
        populated.chief.load_catalog_csv(tmp_path)
    assert folder.value.errno == errno.EISDIR


def test_a_file_object_that_fails_to_read_is_a_file_error(populated: City) -> None:
    class Broken(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(citypassport.FileError, match="cannot read the catalog file"):
        populated.chief.load_catalog_csv(Broken())


def test_calendar_xml_that_is_not_utf8_is_invalid_input(populated: City) -> None:
    xml = '<calendar year="2027"><days><day d="01.01" t="1"/></days></calendar>'
    with pytest.raises(citypassport.InvalidInput) as refused:
        populated.admin.load_calendar_xml(io.BytesIO(xml.encode("utf-16")))
    assert refused.value.field == "calendar xml" and "UTF-8" in refused.value.reason


@pytest.mark.parametrize(
    "order", [("7-к",), ("7-к", "2020-01-13", "лишнее"), 7, "7-к 2020-01-13", None]
)
def test_a_malformed_order_is_invalid_input_naming_the_order(
    populated: City, order: Any
) -> None:
    with pytest.raises(citypassport.InvalidInput) as refused:
        populated.admin.create_account("new@city.example", "Новый", ["viewer"], order)
    assert refused.value.field == "order"
    assert "(number, date)" in str(refused.value)
    with pytest.raises(citypassport.InvalidInput, match="order"):
        populated.head.assign_executor(populated.ids["executor"], "POP", order)
    with pytest.raises(citypassport.InvalidInput, match="order"):
        populated.passport.bootstrap_administrator("a@city.example", "А", order)


def test_malformed_pairs_rows_and_holidays_are_invalid_input(populated: City) -> None:
    town = populated
    bad: Any = ("POP",)
    refusals = [
        ("values", lambda: town.executor.file_delay_notice([bad], "позже", "2030-01-10")),
        ("after", lambda: town.viewer.export_values(after=bad)),
        ("after", lambda: town.viewer.export_values(after="POP 2025")),
        ("after", lambda: town.viewer.values_frame(after=bad)),
        ("rows", lambda: town.executor.enter_values(5)),
        ("rows", lambda: town.executor.enter_values([("CALLS", "2026-M01", 1), 5])),
        (
            "regional holidays",
            lambda: citypassport.Passport.in_memory(
                regional_holidays=[(7, 12, "День Прохоровского поля")]  # type: ignore[list-item]
            ),
        ),
    ]
    for field, refusal in refusals:
        with pytest.raises(citypassport.InvalidInput) as refused:
            refusal()
        assert refused.value.field == field
        assert str(refused.value).startswith(f"invalid {field}: give "), field
    assert town.viewer.value("CALLS", "2026-M01") is None  # the bulk entry stored nothing


def test_a_value_that_breaks_a_hard_bound_is_implausible(city: City) -> None:
    with pytest.raises(citypassport.Implausible) as refused:
        city.executor.save_draft("SHARE", "2025", "100,5")
    error = refused.value
    assert (error.indicator, error.period, error.rule) == ("SHARE", "2025", "maximum")
    assert "100.5" in error.reason


def test_a_float_is_refused_as_inexact(city: City) -> None:
    with pytest.raises(citypassport.InvalidInput) as refused:
        city.executor.save_draft("RATE", "2025", 12.5)
    assert refused.value.field == "value"
    assert "float" in str(refused.value) and "Decimal" in str(refused.value)


def test_wrong_state_after_submission(city: City) -> None:
    city.executor.save_draft("POP", "2025", 1)
    city.executor.submit("POP", "2025")
    with pytest.raises(citypassport.WrongState):
        city.executor.save_draft("POP", "2025", 2)


def test_repeated_failed_logins_lock_the_email(city: City) -> None:
    for _ in range(5):
        with pytest.raises(citypassport.LoginFailed):
            city.passport.login("viewer@city.example", "wrong password!!")
    with pytest.raises(citypassport.LockedOut):
        city.passport.login("viewer@city.example", PASSWORD)


def test_no_password_or_token_shows_in_messages_or_reprs(city: City) -> None:
    try:
        city.passport.login("viewer@city.example", "my secret password")
    except citypassport.LoginFailed as error:
        assert "my secret password" not in str(error) + repr(error)

    token = city.viewer.expose_token()
    assert token not in repr(city.viewer)
    assert token not in str(city.viewer)
    assert city.ids["viewer"] in repr(city.viewer)

    made = city.admin.create_account(
        "new@city.example", "Новый", ["viewer"], ("1", "2020-01-13")
    )
    secret = made.setup_token.expose()
    for shown in (repr(made), str(made.setup_token), repr(made.setup_token)):
        assert secret not in shown
    with pytest.raises(citypassport.InvalidInput) as refused:
        city.passport.set_password(secret, "short")
    assert secret not in str(refused.value)
