"""What the tests share: the demo password, a small city with one account per role,
and how to open a store on each backend."""

from __future__ import annotations

import datetime
import os
import pathlib
import uuid
from dataclasses import dataclass
from typing import Dict

import pytest

import citypassport
from citypassport import Passport, Session

PASSWORD = "a long enough password"
ORDER = ("7-к", datetime.date(2020, 1, 13))
REPO = pathlib.Path(__file__).resolve().parents[3]
CATALOG_CSV = REPO / "data" / "indicators-ru-municipal.csv"
PG_URL_VARIABLE = "CITYPASSPORT_TEST_PG_URL"


def open_sled(tmp_path: pathlib.Path) -> Passport:
    return Passport.open_sled(tmp_path / "store")


def open_postgres() -> Passport:
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{PG_URL_VARIABLE} is not set, so the PostgreSQL tests cannot run: run the "
            "tests under `bash scripts/with-postgres.sh bash bindings/python/run-tests.sh`, "
            "which starts a throwaway server and sets it",
            pytrace=False,
        )
    # A schema per test keeps the tests apart on one server.
    return Passport.connect_postgres(url, schema=f"pytest_{uuid.uuid4().hex[:16]}")


@dataclass
class City:
    """A store with a department, one account per role and four indicators assigned to
    the executor."""

    passport: Passport
    admin: Session
    chief: Session
    head: Session
    executor: Session
    controller: Session
    viewer: Session
    department: citypassport.Department
    ids: Dict[str, str]


PEOPLE = {
    "chief": ("chief@city.example", "Руководитель аппарата", ["chief_of_staff"], False),
    "head": ("head@city.example", "Начальник отдела", ["department_head"], True),
    "executor": ("executor@city.example", "Исполнитель", ["executor"], True),
    "controller": ("controller@city.example", "Контролер", ["controller"], False),
    "viewer": ("viewer@city.example", "Пользователь", ["viewer"], False),
}


def build_city(passport: Passport) -> City:
    setup = passport.bootstrap_administrator("admin@city.example", "Администратор", ORDER)
    passport.set_password(setup, PASSWORD)
    admin = passport.login("admin@city.example", PASSWORD)
    department = admin.create_department("Отдел статистики")

    sessions: Dict[str, Session] = {}
    ids: Dict[str, str] = {"admin": admin.whoami().id}
    for role, (email, name, roles, in_department) in PEOPLE.items():
        made = admin.create_account(
            email, name, roles, ORDER, department=department if in_department else None
        )
        passport.set_password(made.setup_token, PASSWORD)
        sessions[role] = passport.login(email, PASSWORD)
        ids[role] = made.id

    chief = sessions["chief"]
    chief.define_indicator(
        "POP",
        "Численность населения",
        "Население",
        "человек",
        "integer",
        "yearly",
        okei="792",
        due_day=1,
        due_months_after=4,
        min=0,
        department=department,
    )
    chief.define_indicator(
        "RATE",
        "Коэффициент рождаемости",
        "Население",
        "на 1000 человек",
        "decimal:2",
        "yearly",
        due_day=1,
        due_months_after=4,
        department=department,
    )
    chief.define_indicator(
        "SHARE",
        "Доля детей в детских садах",
        "Образование",
        "процент",
        "percent:1",
        "yearly",
        okei="744",
        max=100,
        department=department,
    )
    chief.define_indicator(
        "CALLS",
        "Число обращений граждан",
        "Обращения",
        "единица",
        "integer",
        "monthly",
        okei="642",
        department=department,
    )
    for code in ("POP", "RATE", "SHARE", "CALLS"):
        sessions["head"].assign_executor(ids["executor"], code, ORDER)

    return City(
        passport=passport,
        admin=admin,
        chief=chief,
        head=sessions["head"],
        executor=sessions["executor"],
        controller=sessions["controller"],
        viewer=sessions["viewer"],
        department=department,
        ids=ids,
    )
