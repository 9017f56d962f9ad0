"""Small registry builders for the fast-track tests: a few persons written straight into the database.

A uniquely named module (not ``conftest``), so that no other domain's conftest can shadow it; the
``registry`` fixture lives in this folder's ``conftest.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shebao.core.validators import id_check_char, luhn_check_digit

ON = dt.date(2025, 3, 10)  # a Monday


def make_id(seq: int, birth: str) -> str:
    body = f"370602{birth.replace('-', '')}{seq % 1000:03d}"
    return body + id_check_char(body)


def card(seq: int) -> str:
    body = f"62220212345{seq:07d}"
    return body + luhn_check_digit(body)


def months(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class Registry:
    """Adds persons with a contribution history to the test database (one committed transaction each)."""

    def __init__(self) -> None:
        self.seq = 0

    def person(self, *, birth: str = "1964-10-15", retirement_age: int = 60, deemed: int = 24,
               yearly: tuple[int, int] = (1996, 2021), index: str = "1.0000", detail: tuple[str, str] = ("2022-01", "2024-09"),
               base: str = "7000.00", balance: str = "150000.00", employer: str = "E1", unemployment: bool = False,
               extra_contributions: list[dict] | None = None, dead: bool = False, region: str = "370600") -> dict:
        from shebao.core.crypto import blind_index
        from shebao.core.db import session_scope
        from shebao.registry.models import (
            Contribution,
            ContributionYear,
            Death,
            PensionAccount,
            Person,
        )

        self.seq += 1
        pid = f"P{self.seq:09d}"
        idn = make_id(self.seq, birth)
        with session_scope() as s:
            s.add(Person(person_id=pid, id_number=idn, id_number_bidx=blind_index(idn), name="王建国", sex="M",
                         birth_date=dt.date.fromisoformat(birth), region_code=region, phone="13812345678",
                         original_retirement_age=retirement_age, deemed_months=deemed, row_hash=""))
            s.flush()
            for y in range(yearly[0], yearly[1] + 1) if yearly else []:
                s.add(ContributionYear(person_id=pid, year=y, insurance="pension", months=12,
                                       avg_base=Decimal("3000.00"), avg_index=Decimal(index), row_hash=""))
            for period in months(*detail) if detail else []:
                y, m = map(int, period.split("-"))
                paid = dt.date(y + (m == 12), m % 12 + 1, 15)
                for ins in ("pension",) + (("unemployment",) if unemployment else ()):
                    s.add(Contribution(person_id=pid, employer_id=employer, period=period, insurance=ins,
                                       base=Decimal(base), employee_amount=Decimal("1.00"),
                                       employer_amount=Decimal("2.00"), paid_date=paid, row_hash=""))
            for c in extra_contributions or []:
                s.add(Contribution(person_id=pid, row_hash="", employee_amount=Decimal("1.00"),
                                   employer_amount=Decimal("2.00"), **c))
            s.add(PensionAccount(person_id=pid, as_of=dt.date(2024, 12, 31), balance=Decimal(balance), row_hash=""))
            if dead:
                s.add(Death(id_number=idn, id_number_bidx=blind_index(idn), name="王建国",
                            death_date=dt.date(2025, 1, 5), source="civil_affairs", row_hash=""))
        return {"person_id": pid, "id_number": idn}


def session_as(username: str = "clerk1", role: str = "clerk"):
    """A unit of work acting as a user of ``role`` (the user is created on first use)."""
    from contextlib import contextmanager

    from shebao.core.db import session_scope
    from shebao.users.service import add_user, get_user

    @contextmanager
    def scope():
        with session_scope() as s:
            if get_user(s, username) is None:
                add_user(s, username=username, role=role)
            s.info.update(actor=username, actor_role=role, source="test")
            yield s

    return scope()


def set_unemployment_amount(amount: str = "1800", region: str = "370000") -> None:
    from shebao.policy.store import set_parameter

    with session_as("admin", "admin") as s:
        set_parameter(s, name="unemployment.benefit_amount", region=region, effective_from=dt.date(2024, 1, 1),
                      value=amount, reference={"title": "测试用标准", "article": "测试"})


def payload(kind: str, person: dict, key: str, **extra) -> dict:
    body = {"kind": kind, "person_id": person["person_id"], "idempotency_key": key, "bank_account": card(int(
        person["person_id"][1:])), "facts": {}}
    if kind == "unemployment":
        body["facts"] = {"separation_date": "2025-02-28", "separation_reason": "contract_expired"}
    body.update(extra)
    return body
