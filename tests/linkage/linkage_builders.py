"""Builders for linkage tests: one person registered twice, each record with its own history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

PENSION_INPUTS = {"region": "370000", "retirement_date": "2025-02", "birth_date": "1965-01",
                  "original_retirement_age": 60, "pension_base": 7831, "avg_contribution_index": "1.0",
                  "contribution_months": 300, "pre_account_months": 0, "account_balance": 80000,
                  "assessed_on": "2025-02-01"}


def id_number(region: str, birth: date, seq: int) -> str:
    from shebao.core.validators import id_check_char

    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_char(body)


def add_person(session, pid: str, *, name: str, idn: str, region: str, phone: str | None,
               birth: date = date(1965, 1, 20), sex: str = "M"):
    from shebao.core.crypto import blind_index
    from shebao.registry.loader import row_digest
    from shebao.registry.models import Person

    p = Person(person_id=pid, id_number=idn, id_number_bidx=blind_index(idn), name=name, sex=sex, birth_date=birth,
               region_code=region, phone=phone, original_retirement_age=60, deemed_months=0,
               row_hash=row_digest({"person_id": pid}))
    session.add(p)
    session.flush()
    return p


def add_history(session, pid: str, *, periods: list[str], years: list[tuple[int, int, str]], balance: str,
                employer: str = "E1") -> None:
    from shebao.registry.models import Certification, Contribution, ContributionYear, PensionAccount

    for period in periods:
        session.add(Contribution(person_id=pid, employer_id=employer, period=period, insurance="pension",
                                 base=Decimal("5000.00"), employee_amount=Decimal("400.00"),
                                 employer_amount=Decimal("800.00"), paid_date=date(2020, 1, 15), row_hash="h"))
    for year, months, index in years:
        session.add(ContributionYear(person_id=pid, year=year, insurance="pension", months=months,
                                     avg_base=Decimal("3000.00"), avg_index=Decimal(index), row_hash="h"))
    session.add(PensionAccount(person_id=pid, as_of=date(2024, 12, 31), balance=Decimal(balance), row_hash="h"))
    session.add(Certification(person_id=pid, certified_date=date(2026, 3, 1), method="face", row_hash="h"))
    session.flush()


def card(seq: int) -> str:
    from shebao.core.validators import luhn_check_digit

    body = f"621700{seq:012d}"
    return body + luhn_check_digit(body)


def grant_pension(session, pid: str, *, app: str, amount: str, account: str, periods: list[str],
                  start: date = date(2025, 3, 1)):
    """A pension granted with its calculator inputs, paid for ``periods``."""
    from shebao.benefits.service import add_payment, grant_benefit
    from shebao.registry.models import Person

    person = session.get(Person, pid)
    b = grant_benefit(session, person_id=pid, kind="pension", region_code=person.region_code, start_date=start,
                      monthly_amount=Decimal(amount), bank_account=account, application_no=app,
                      assessment={"inputs": PENSION_INPUTS, "result": {"total": amount}})
    for period in periods:
        p = add_payment(session, b, period=period, kind="regular", amount=Decimal(amount))
        p.status, p.paid_date = "paid", date(int(period[:4]), int(period[5:]), 10)
    session.flush()
    return b


def twice_registered(session) -> tuple[str, str]:
    """One man registered in Jinan (P1) and again in Qingdao with a second ID (P2), a traditional
    character and a new phone; each record has contributions and a live pension."""
    add_person(session, "P1", name="张伟明", idn=id_number("370102", date(1965, 1, 20), 131), region="370102",
               phone="13812345678")
    add_person(session, "P2", name="張偉明", idn=id_number("370202", date(1965, 1, 20), 257), region="370202",
               phone="15987654321")
    add_history(session, "P1", periods=["2020-01", "2020-02", "2020-03"], years=[(2008, 12, "1.0000"), (2009, 12, "1.0000"),
                                                                                  (2010, 12, "1.1000")],
                balance="80000.00")
    add_history(session, "P2", periods=["2020-03", "2021-01", "2021-02"], years=[(2010, 12, "0.9000"),
                                                                                  (2011, 12, "1.2000")],
                balance="20000.00", employer="E2")
    grant_pension(session, "P1", app="SQ1", amount="3000.00", account=card(1), periods=["2026-01", "2026-02"])
    grant_pension(session, "P2", app="SQ2", amount="1200.00", account=card(2), periods=["2026-01"])
    session.commit()
    return "P1", "P2"


DUMP_TABLES = ("persons", "contributions", "contribution_years", "pension_accounts", "certifications", "benefits",
               "benefit_assessments", "benefit_suspensions", "payments", "payment_attempts", "benefit_debts",
               "debt_recoveries", "benefit_notices")


def dump(session) -> dict[str, list[tuple]]:
    """Every row of the tables a merge can touch, as stored (ciphertext as bytes), in key order."""
    from sqlalchemy import select

    from shebao.linkage.merge import raw_table

    out = {}
    for name in DUMP_TABLES:
        t = raw_table(name)
        rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in session.execute(select(t))]
        out[name] = sorted(rows, key=lambda r: tuple(str(v) for v in r))
    return out
