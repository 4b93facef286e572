"""Context managers: a store is closed and a session logged out at the end of a block."""

from __future__ import annotations

import pathlib

import pytest

import citypassport
from citypassport import Passport

from helpers import ORDER, PASSWORD


def _bootstrap(passport: Passport) -> None:
    setup = passport.bootstrap_administrator("admin@city.example", "Администратор", ORDER)
    passport.set_password(setup, PASSWORD)


def test_the_store_is_closed_at_the_end_of_its_block_and_opens_again(
    tmp_path: pathlib.Path,
) -> None:
    with Passport.open_sled(tmp_path / "store") as passport:
        _bootstrap(passport)
        session = passport.login("admin@city.example", PASSWORD)
        assert repr(passport).startswith("Passport(sled, ") and repr(passport).endswith("open)")
    assert passport.closed
    with pytest.raises(citypassport.StorageError, match="closed"):
        session.whoami()
    with pytest.raises(citypassport.StorageError):
        passport.login("admin@city.example", PASSWORD)
    passport.close()

    # Closing released the folder, so it opens again, with the data in it.
    with Passport.open_sled(tmp_path / "store") as again:
        with again.login("admin@city.example", PASSWORD) as admin:
            assert admin.whoami().full_name == "Администратор"


def test_a_folder_open_elsewhere_is_refused(tmp_path: pathlib.Path) -> None:
    with Passport.open_sled(tmp_path / "store"):
        with pytest.raises(citypassport.StorageError, match="could not open"):
            Passport.open_sled(tmp_path / "store")


def test_a_file_is_not_a_store(tmp_path: pathlib.Path) -> None:
    (tmp_path / "file").write_text("not a store")
    with pytest.raises(citypassport.StorageError):
        Passport.open_sled(tmp_path / "file")


def test_the_session_logs_out_at_the_end_of_its_block() -> None:
    with Passport.in_memory() as passport:
        _bootstrap(passport)
        with passport.login("admin@city.example", PASSWORD) as session:
            token = session.expose_token()
            assert not session.closed
        assert session.closed
        with pytest.raises(citypassport.Unauthenticated):
            passport.resume(token).whoami()


def test_leaving_a_session_block_after_the_store_closed_is_quiet() -> None:
    passport = Passport.in_memory()
    _bootstrap(passport)
    with passport.login("admin@city.example", PASSWORD) as session:
        passport.close()
    assert session.closed


def test_leaving_a_session_block_after_it_was_revoked_is_quiet() -> None:
    with Passport.in_memory() as passport:
        _bootstrap(passport)
        admin = passport.login("admin@city.example", PASSWORD)
        made = admin.create_account("v@city.example", "Пользователь", ["viewer"], ORDER)
        passport.set_password(made.setup_token, PASSWORD)
        with passport.login("v@city.example", PASSWORD) as viewer:
            admin.deactivate_account(made.id, "уволен")
        assert viewer.closed


def test_the_postgres_repr_shows_no_url(passport: Passport) -> None:
    assert "password" not in repr(passport)
    assert passport.backend in ("sled", "postgres")
