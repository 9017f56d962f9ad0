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

from sqlalchemy import (
    Date,
    Integer,
    Numeric,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from shebao.benefits.models import PensionTransfer
from shebao.benefits.transfers import PLACING_STATUSES
from shebao.core.crypto import blind_index
from shebao.core.db import query_fast, transaction_connection
from shebao.registry.models import (
    INDEX,
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
    # transfers between regions on record (done, or waiting in a temporary account): only then can
    # the pension place differ from here (issue 21), and only then is it looked up
    transfers: int = 0

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


def _autofill_statement():
    """Everything auto-fill reads about one applicant, in one round trip (a UNION ALL of tagged rows).

    Each branch gives ``tag, d1, d2, s1, s2, s3, n, i1, i2, x``: the monthly contributions
    (period, insurance, employer, base, paid date), the yearly summaries (year, insurance, months,
    average index), the personal-account balances up to the application date, the applicant's
    benefits, deaths and custodial sentences under the ID number's blind index, the number of person
    records under that ID number, the number of other recipients paid into the bank account and the
    number of the applicant's transfers between regions that decide the pension place.
    """
    def tag(name: str):
        return literal(name, String).label("tag")

    no_date, no_text, no_num = null().cast(Date), null().cast(String), null().cast(Numeric(18, 2))
    no_int, no_index = null().cast(Integer), null().cast(INDEX)
    pid, bidx = bindparam("pid", type_=String), bindparam("bidx", type_=String)
    contributions = select(tag("contribution"), Contribution.paid_date.label("d1"), no_date.label("d2"),
                           Contribution.period.label("s1"), Contribution.insurance.label("s2"),
                           Contribution.employer_id.label("s3"), cast(Contribution.base, Numeric(18, 2)).label("n"),
                           no_int.label("i1"), no_int.label("i2"), no_index.label("x")).where(
        Contribution.person_id == pid)
    years = select(tag("year"), no_date, no_date, no_text, ContributionYear.insurance, no_text, no_num,
                   cast(ContributionYear.year, Integer), cast(ContributionYear.months, Integer),
                   ContributionYear.avg_index).where(ContributionYear.person_id == pid)
    accounts = select(tag("account"), PensionAccount.as_of, no_date, no_text, no_text, no_text,
                      PensionAccount.balance, no_int, no_int, no_index).where(
        PensionAccount.person_id == pid, PensionAccount.as_of <= bindparam("on", type_=Date))
    benefits = select(tag("benefit"), Benefit.start_date, Benefit.end_date, Benefit.benefit_id, Benefit.kind,
                      Benefit.status, no_num, no_int, no_int, no_index).where(Benefit.person_id == pid)
    deaths = select(tag("death"), Death.death_date, no_date, Death.source, no_text, no_text, no_num, no_int,
                    no_int, no_index).where(Death.id_number_bidx == bidx)
    custody = select(tag("custody"), Incarceration.start_date, Incarceration.end_date, Incarceration.source,
                     no_text, no_text, no_num, no_int, no_int, no_index).where(Incarceration.id_number_bidx == bidx)
    records = select(func.count()).select_from(Person).where(Person.id_number_bidx == bidx).scalar_subquery()
    shared = select(func.count(func.distinct(Benefit.person_id))).where(
        Benefit.bank_account_bidx == bindparam("bank", type_=String), Benefit.person_id != pid).scalar_subquery()
    counts = select(tag("records"), no_date, no_date, no_text, no_text, no_text, no_num, cast(records, Integer),
                    no_int, no_index)
    shared_row = select(tag("shared"), no_date, no_date, no_text, no_text, no_text, no_num, cast(shared, Integer),
                        no_int, no_index)
    moved = select(func.count()).select_from(PensionTransfer).where(
        # equalities, not IN: an IN list is rendered at execution time, which query_fast leaves to ``execute``
        PensionTransfer.person_id == pid, or_(*(PensionTransfer.status == s for s in PLACING_STATUSES))).scalar_subquery()
    moved_row = select(tag("transfers"), no_date, no_date, no_text, no_text, no_text, no_num, cast(moved, Integer),
                       no_int, no_index)
    return union_all(contributions, years, accounts, benefits, deaths, custody, counts, shared_row, moved_row)


_AUTOFILL = _autofill_statement()


def autofill(session: Session, person: Person, *, kind: str, on: dt.date, bank_account_bidx: str,
             id_number_bidx: str | None = None) -> Autofill:
    """Read everything the decision and the risk score need about ``person`` as of ``on``.

    One statement, whatever the applicant's history (:func:`_autofill_statement`).
    """
    pid = person.person_id
    contributions: list[tuple] = []
    years: list[tuple] = []
    id_bidx = id_number_bidx or person.id_number_bidx
    account = None
    active: list[dict] = []
    deaths: list[dict] = []
    custody: list[dict] = []
    records = shared = transfers = 0
    rows = query_fast(transaction_connection(session), _AUTOFILL,
                      {"pid": pid, "bidx": id_bidx, "bank": bank_account_bidx, "on": on})
    for tag_, d1, d2, s1, s2, s3, n, i1, i2, x in rows:
        if tag_ == "contribution":
            contributions.append((s1, s2, s3 or "", int(n * 100), d1))
        elif tag_ == "year":
            years.append((i1, s2, i2, float(x) if x is not None else None))
        elif tag_ == "account":
            if account is None or d1 > account[0]:
                account = (d1, n)
        elif tag_ == "benefit":
            if s3 == "active" and s2 in MONTHLY_KINDS and (d2 is None or d2 >= on):
                active.append({"benefit_id": s1, "kind": s2, "start_date": d1.isoformat()})
        elif tag_ == "death":
            deaths.append({"death_date": d1.isoformat(), "source": s1})
        elif tag_ == "custody":
            if d1 <= on and (d2 is None or d2 >= on):
                custody.append({"start_date": d1.isoformat(), "end_date": d2.isoformat() if d2 else None,
                                "source": s1})
        elif tag_ == "records":
            records = int(i1 or 0)
        elif tag_ == "shared":
            shared = int(i1 or 0)
        elif tag_ == "transfers":
            transfers = int(i1 or 0)
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
        active_benefits=active, deaths=deaths, custody=custody, transfers=transfers,
    )


def bank_bidx(bank_account: str) -> str:
    return blind_index(bank_account)
