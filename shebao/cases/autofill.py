"""Auto-fill from the registry (数据多跑路): the applicant supplies nothing the agency already holds.

Reads the applicant's monthly contributions and yearly summaries, the latest personal-account
balance, deemed months, and the shared registries (deaths, custodial sentences, other person
records under the same ID number, other recipients paid into the same bank account) through
their blind indexes, and returns them as plain values for the policy engine and the risk model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Date, Numeric, String, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from shebao.core.crypto import blind_index
from shebao.registry.models import (
    Benefit,
    Contribution,
    ContributionYear,
    Death,
    Incarceration,
    PensionAccount,
    Person,
)
from shebao.risk.application_features import ApplicantHistory, summarise_history

MONTHLY_KINDS = ("pension", "unemployment", "injury_allowance", "injury_survivor_pension")


@dataclass
class Autofill:
    """What the registry holds about one applicant."""

    history: ApplicantHistory
    summary: dict  # summarise_history of the insurance the application concerns
    account_balance: str
    account_as_of: str | None
    active_benefits: list[dict]
    deaths: list[dict]
    custody: list[dict]

    def to_dict(self) -> dict:
        """JSON-ready, without personal data (what the reviewer sees beside the decision)."""
        return {
            **self.summary,
            "account_balance": self.account_balance,
            "account_as_of": self.account_as_of,
            "active_benefits": self.active_benefits,
            "person_records": self.history.n_person_records,
            "deaths": self.deaths,
            "custody": self.custody,
            "bank_shared_recipients": self.history.bank_shared_recipients,
        }


def _signals_statement():
    """The registry signals of one applicant in one round trip (a UNION ALL of tagged rows).

    Each branch gives ``tag, d1, d2, s1, s2, s3, n``: the personal-account balances up to the
    application date, the applicant's benefits, deaths and custodial sentences under the ID
    number's blind index, the number of person records under that ID number and the number of
    other recipients paid into the bank account.
    """
    def tag(name: str):
        return literal(name, String).label("tag")

    no_date, no_text, no_num = null().cast(Date), null().cast(String), null().cast(Numeric(18, 2))
    pid, bidx = bindparam("pid", type_=String), bindparam("bidx", type_=String)
    accounts = select(tag("account"), PensionAccount.as_of.label("d1"), no_date.label("d2"), no_text.label("s1"),
                      no_text.label("s2"), no_text.label("s3"), PensionAccount.balance.label("n")).where(
        PensionAccount.person_id == pid, PensionAccount.as_of <= bindparam("on", type_=Date))
    benefits = select(tag("benefit"), Benefit.start_date, Benefit.end_date, Benefit.benefit_id, Benefit.kind,
                      Benefit.status, no_num).where(Benefit.person_id == pid)
    deaths = select(tag("death"), Death.death_date, no_date, Death.source, no_text, no_text, no_num).where(
        Death.id_number_bidx == bidx)
    custody = select(tag("custody"), Incarceration.start_date, Incarceration.end_date, Incarceration.source,
                     no_text, no_text, no_num).where(Incarceration.id_number_bidx == bidx)
    records = select(func.count()).select_from(Person).where(Person.id_number_bidx == bidx).scalar_subquery()
    shared = select(func.count(func.distinct(Benefit.person_id))).where(
        Benefit.bank_account_bidx == bindparam("bank", type_=String), Benefit.person_id != pid).scalar_subquery()
    counts = select(tag("records"), no_date, no_date, no_text, no_text, no_text, cast(records, Numeric(18, 2)))
    shared_row = select(tag("shared"), no_date, no_date, no_text, no_text, no_text, cast(shared, Numeric(18, 2)))
    return union_all(accounts, benefits, deaths, custody, counts, shared_row)


_CONTRIBUTIONS = select(Contribution.period, Contribution.insurance, Contribution.employer_id, Contribution.base,
                        Contribution.paid_date).where(Contribution.person_id == bindparam("pid", type_=String))
_YEARS = select(ContributionYear.year, ContributionYear.insurance, ContributionYear.months,
                ContributionYear.avg_index).where(ContributionYear.person_id == bindparam("pid", type_=String))
_SIGNALS = _signals_statement()


def autofill(session: Session, person: Person, *, kind: str, on: dt.date, bank_account_bidx: str,
             id_number_bidx: str | None = None) -> Autofill:
    """Read everything the decision and the risk score need about ``person`` as of ``on``.

    Three statements, whatever the applicant's history: the monthly contributions, the yearly
    summaries, and the registry signals (:func:`_signals_statement`).
    """
    pid = person.person_id
    conn = session.connection()
    contributions = [
        (r.period, r.insurance, r.employer_id or "", int(r.base * 100), r.paid_date)
        for r in conn.execute(_CONTRIBUTIONS, {"pid": pid})
    ]
    years = [
        (r.year, r.insurance, r.months, float(r.avg_index) if r.avg_index is not None else None)
        for r in conn.execute(_YEARS, {"pid": pid})
    ]
    id_bidx = id_number_bidx or person.id_number_bidx
    account = None
    active: list[dict] = []
    deaths: list[dict] = []
    custody: list[dict] = []
    records = shared = 0
    for r in conn.execute(_SIGNALS, {"pid": pid, "bidx": id_bidx, "bank": bank_account_bidx, "on": on}):
        if r.tag == "account":
            if account is None or r.d1 > account[0]:
                account = (r.d1, r.n)
        elif r.tag == "benefit":
            if r.s3 == "active" and r.s2 in MONTHLY_KINDS and (r.d2 is None or r.d2 >= on):
                active.append({"benefit_id": r.s1, "kind": r.s2, "start_date": r.d1.isoformat()})
        elif r.tag == "death":
            deaths.append({"death_date": r.d1.isoformat(), "source": r.s1})
        elif r.tag == "custody":
            if r.d1 <= on and (r.d2 is None or r.d2 >= on):
                custody.append({"start_date": r.d1.isoformat(), "end_date": r.d2.isoformat() if r.d2 else None,
                                "source": r.s1})
        elif r.tag == "records":
            records = int(r.n or 0)
        elif r.tag == "shared":
            shared = int(r.n or 0)
    active.sort(key=lambda b: b["benefit_id"])
    balance = Decimal(str(account[1])).quantize(Decimal("0.01")) if account else None
    history = ApplicantHistory(
        birth_date=person.birth_date, deemed_months=int(person.deemed_months or 0), contributions=contributions,
        years=years, account_balance_fen=int(balance * 100) if balance is not None else 0,
        n_person_records=records or 1, in_death_registry=bool(deaths), in_custody=bool(custody),
        bank_shared_recipients=shared, other_active_benefits=len(active),
    )
    insurance = "pension" if kind == "pension" else "unemployment"
    return Autofill(
        history=history,
        summary=summarise_history(history, insurance, on, region=person.region_code),
        account_balance=f"{balance:.2f}" if balance is not None else "0.00",
        account_as_of=account[0].isoformat() if account else None,
        active_benefits=active, deaths=deaths, custody=custody,
    )


def bank_bidx(bank_account: str) -> str:
    return blind_index(bank_account)
