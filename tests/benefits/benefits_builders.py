"""Builders for benefits tests: a person, a benefit, a bulk population (small, built per test).

A uniquely named module (not ``conftest``), so that other domains' ``conftest`` helpers never shadow it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def _id_number(seq: int, birth: date = date(1962, 5, 1)) -> str:
    from shebao.core.validators import id_check_char

    body = f"370102{birth:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_char(body)


def make_person(session, seq: int = 1, *, birth: date = date(1962, 5, 1), region: str = "370102"):
    from shebao.core.crypto import blind_index
    from shebao.registry.loader import row_digest
    from shebao.registry.models import Person

    idn = _id_number(seq, birth)
    p = Person(person_id=f"P{seq:09d}", id_number=idn, id_number_bidx=blind_index(idn), name="张三", sex="M",
               birth_date=birth, region_code=region, phone=None, original_retirement_age=60, deemed_months=0,
               row_hash=row_digest({"person_id": f"P{seq:09d}"}))
    session.add(p)
    session.flush()
    return p


def bank_card(seq: int) -> str:
    from shebao.core.validators import luhn_check_digit

    body = f"621700{seq:012d}"
    return body + luhn_check_digit(body)


def grant(session, person, *, kind="pension", start=date(2026, 1, 1), amount="3000.00", app="SQ0001",
          provisional=False, assessment=None, account=None):
    from shebao.benefits.service import grant_benefit

    b = grant_benefit(session, person_id=person.person_id, kind=kind, region_code=person.region_code,
                      start_date=start, monthly_amount=Decimal(amount), bank_account=account or bank_card(1),
                      application_no=app, provisional=provisional, assessment=assessment)
    session.commit()
    return b


def bulk_population(url: str, n: int, *, start: date = date(2026, 1, 1), kind: str = "pension") -> list[str]:
    """``n`` persons each with one active benefit, inserted in bulk (Core) for payroll tests."""
    from sqlalchemy import insert

    from shebao.core.crypto import blind_index
    from shebao.core.db import get_engine, session_scope, utcnow
    from shebao.registry.models import Benefit, Person

    engine = get_engine(url)
    now = utcnow()
    persons, benefits = [], []
    for i in range(n):
        pid = f"P{i:09d}"
        idn = _id_number(i, date(1960, 1, 1) + (date(1960, 1, 2) - date(1960, 1, 1)) * (i % 300))
        card = bank_card(i)
        persons.append({"person_id": pid, "id_number": idn, "id_number_bidx": f"bidx{i}", "name": "李四",
                        "sex": "F", "birth_date": date(1960, 1, 1), "region_code": "370102", "phone": None,
                        "original_retirement_age": 55, "deemed_months": 0, "row_hash": "x", "created_at": now,
                        "updated_at": now})
        benefits.append({"benefit_id": f"B{i:09d}", "person_id": pid, "kind": kind, "region_code": "370102",
                         "start_date": start, "end_date": None, "monthly_amount": Decimal("1000.00") + i % 997,
                         "status": "active", "bank_account": card, "bank_account_bidx": blind_index(card),
                         "row_hash": "x", "created_at": now, "updated_at": now})
    with session_scope(engine) as s:
        for chunk in range(0, n, 2000):
            s.execute(insert(Person), persons[chunk:chunk + 2000])
        for chunk in range(0, n, 2000):
            s.execute(insert(Benefit), benefits[chunk:chunk + 2000])
    return [b["benefit_id"] for b in benefits]


def on(period: str) -> date:
    """A day in ``period``: runs of the payroll tests happen "in" the month they pay (the period guard)."""
    return date(int(period[:4]), int(period[5:7]), 15)
