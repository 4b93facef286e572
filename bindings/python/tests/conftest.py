"""Fixtures: stores on sled and PostgreSQL, and small cities built on them.

The tests import the installed wheel; `pytest_configure` refuses to run against the
source tree.
"""

from __future__ import annotations

import pathlib
import sysconfig
from typing import Iterator

import pytest

import citypassport
from citypassport import Passport

from helpers import City, build_city, open_postgres, open_sled


def pytest_configure(config: pytest.Config) -> None:
    installed = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
    package = pathlib.Path(citypassport.__file__).resolve()
    if installed not in package.parents:
        raise pytest.UsageError(
            f"citypassport was imported from {package}, not from the installed wheel in "
            f"{installed}; run bindings/python/run-tests.sh"
        )


BACKENDS = ["sled", "postgres"]


def open_backend(backend: str, folder: pathlib.Path) -> Passport:
    return open_sled(folder) if backend == "sled" else open_postgres()


@pytest.fixture(params=BACKENDS)
def passport(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Passport]:
    """An empty store on each backend."""
    with open_backend(request.param, tmp_path) as store:
        yield store


@pytest.fixture
def sled_passport(tmp_path: pathlib.Path) -> Iterator[Passport]:
    """An empty sled store."""
    with open_sled(tmp_path) as store:
        yield store


@pytest.fixture
def city(passport: Passport) -> City:
    """A small city on each backend."""
    return build_city(passport)


@pytest.fixture
def sled_city(sled_passport: Passport) -> City:
    """A small city on sled only, for tests of the translation rather than the store."""
    return build_city(sled_passport)


@pytest.fixture(scope="module", params=BACKENDS)
def populated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[City]:
    """A city on each backend with ten accepted years of POP, two of RATE and one
    not-applicable SHARE, shared by the read-only tests of a module."""
    with open_backend(request.param, tmp_path_factory.mktemp("populated")) as store:
        town = build_city(store)
        for year in range(2016, 2026):
            town.executor.save_draft("POP", str(year), 330_000 + 1_000 * (year - 2016))
            town.executor.submit("POP", str(year))
            town.controller.accept("POP", str(year))
        town.executor.save_draft("RATE", "2024", "8,33")
        town.executor.save_draft("RATE", "2025", "8,1")
        town.executor.submit("RATE", "2025")
        town.executor.save_draft("SHARE", "2025", not_applicable="в городе нет детских садов")
        yield town
