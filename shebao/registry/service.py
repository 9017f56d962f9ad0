"""Registry look-ups other domains use: persons by ID number (through the blind index), employers by USCC."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.core.crypto import blind_index
from shebao.core.validators import validate_id_number
from shebao.registry.models import Benefit, Death, Employer, Incarceration, Person


def get_person(session: Session, person_id: str) -> Person | None:
    return session.get(Person, person_id)


def find_persons_by_id_number(session: Session, id_number: str) -> list[Person]:
    """Every person record registered under this ID number (duplicates included)."""
    normalised = validate_id_number(id_number)
    return list(session.execute(
        select(Person).where(Person.id_number_bidx == blind_index(normalised)).order_by(Person.person_id)
    ).scalars())


def find_benefits_by_bank_account(session: Session, bank_account: str) -> list[Benefit]:
    return list(session.execute(
        select(Benefit).where(Benefit.bank_account_bidx == blind_index(bank_account))
    ).scalars())


def deaths_of(session: Session, id_number: str) -> list[Death]:
    return list(session.execute(select(Death).where(Death.id_number_bidx == blind_index(id_number))).scalars())


def incarcerations_of(session: Session, id_number: str) -> list[Incarceration]:
    return list(session.execute(
        select(Incarceration).where(Incarceration.id_number_bidx == blind_index(id_number))
    ).scalars())


def find_employers_by_uscc(session: Session, uscc: str) -> list[Employer]:
    return list(session.execute(
        select(Employer).where(Employer.uscc == uscc.strip().upper()).order_by(Employer.employer_id)
    ).scalars())


def benefit_accounts_of(session: Session, person_id: str) -> list[str]:
    """The bank accounts the person's benefits are paid to (decrypted; callers mask them on pages)."""
    rows = session.execute(
        select(Benefit.bank_account).where(Benefit.person_id == person_id, Benefit.bank_account.is_not(None))
    ).scalars()
    return sorted({r for r in rows if r})
