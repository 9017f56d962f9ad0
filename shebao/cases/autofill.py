"""Auto-fill from the registry (数据多跑路): the applicant supplies nothing the agency already holds.

Reads the applicant's monthly contributions and yearly summaries, the latest personal-account
balance, deemed months, and the shared registries (deaths, custodial sentences, other person
records under the same ID number, other recipients paid into the same bank account) through
their blind indexes, and returns them as plain values for the policy engine and the risk model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
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


def autofill(session: Session, person: Person, *, kind: str, on: dt.date, bank_account_bidx: str,
             id_number_bidx: str | None = None) -> Autofill:
    """Read everything the decision and the risk score need about ``person`` as of ``on``."""
    pid = person.person_id
    contributions = [
        (r.period, r.insurance, r.employer_id or "", int(r.base * 100), r.paid_date)
        for r in session.execute(
            select(Contribution.period, Contribution.insurance, Contribution.employer_id, Contribution.base,
                   Contribution.paid_date).where(Contribution.person_id == pid)
        )
    ]
    years = [
        (r.year, r.insurance, r.months, float(r.avg_index) if r.avg_index is not None else None)
        for r in session.execute(
            select(ContributionYear.year, ContributionYear.insurance, ContributionYear.months,
                   ContributionYear.avg_index).where(ContributionYear.person_id == pid)
        )
    ]
    account = session.execute(
        select(PensionAccount.as_of, PensionAccount.balance).where(PensionAccount.person_id == pid,
                                                                     PensionAccount.as_of <= on)
        .order_by(PensionAccount.as_of.desc()).limit(1)
    ).first()
    benefits = session.execute(
        select(Benefit.benefit_id, Benefit.kind, Benefit.status, Benefit.start_date, Benefit.end_date)
        .where(Benefit.person_id == pid)
    ).all()
    active = [
        {"benefit_id": b.benefit_id, "kind": b.kind, "start_date": b.start_date.isoformat()}
        for b in benefits
        if b.status == "active" and b.kind in MONTHLY_KINDS and (b.end_date is None or b.end_date >= on)
    ]
    id_bidx = id_number_bidx or person.id_number_bidx
    # the registry signals in one round trip: other records of the ID number, other recipients
    # paid into the bank account
    records, shared = session.execute(select(
        select(func.count()).select_from(Person).where(Person.id_number_bidx == id_bidx).scalar_subquery(),
        select(func.count(func.distinct(Benefit.person_id))).where(Benefit.bank_account_bidx == bank_account_bidx,
                                                                  Benefit.person_id != pid).scalar_subquery(),
    )).one()
    deaths = [
        {"death_date": d.death_date.isoformat(), "source": d.source}
        for d in session.execute(select(Death.death_date, Death.source).where(Death.id_number_bidx == id_bidx))
    ]
    custody = [
        {"start_date": i.start_date.isoformat(), "end_date": i.end_date.isoformat() if i.end_date else None,
         "source": i.source}
        for i in session.execute(
            select(Incarceration.start_date, Incarceration.end_date, Incarceration.source)
            .where(Incarceration.id_number_bidx == id_bidx)
        )
        if i.start_date <= on and (i.end_date is None or i.end_date >= on)
    ]
    history = ApplicantHistory(
        birth_date=person.birth_date, deemed_months=int(person.deemed_months or 0), contributions=contributions,
        years=years, account_balance_fen=int(account.balance * 100) if account else 0,
        n_person_records=int(records or 1), in_death_registry=bool(deaths), in_custody=bool(custody),
        bank_shared_recipients=int(shared or 0), other_active_benefits=len(active),
    )
    insurance = "pension" if kind == "pension" else "unemployment"
    return Autofill(
        history=history,
        summary=summarise_history(history, insurance, on, region=person.region_code),
        account_balance=f"{account.balance:.2f}" if account else "0.00",
        account_as_of=account.as_of.isoformat() if account else None,
        active_benefits=active, deaths=deaths, custody=custody,
    )


def bank_bidx(bank_account: str) -> str:
    return blind_index(bank_account)
