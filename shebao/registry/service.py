"""Registry look-ups other domains and the pages use: persons by ID number or name (through the blind
index: the table is never decrypted to search), identities for a page, employers by USCC, deaths and
incarcerations."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.core.crypto import blind_index
from shebao.core.validators import validate_id_number
from shebao.registry.models import Benefit, Death, Employer, Incarceration, Person
from shebao.registry.schemas import PersonIdentity


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


def person_identity(session: Session, person_id: str) -> PersonIdentity | None:
    """Who a person is, for a page's person card (the page masks each field; a reveal is audited)."""
    person = session.get(Person, person_id)
    if person is None:
        return None
    return PersonIdentity(person_id=person.person_id, name=person.name, id_number=person.id_number,
                          phone=person.phone or "", sex=person.sex, birth_month=person.birth_date.isoformat()[:7],
                          region_code=person.region_code)


def names_and_id_numbers(session: Session, person_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Name and ID number of the persons on one page of a list, by person number (the page masks them)."""
    ids = sorted({p for p in person_ids if p})
    if not ids:
        return {}
    return {p.person_id: {"name": p.name, "id_number": p.id_number}
            for p in session.scalars(select(Person).where(Person.person_id.in_(ids)))}


def looks_like_name(text: str) -> bool:
    """A person's full name as typed: Chinese characters (and the middle dot of minority names)."""
    return bool(re.fullmatch(r"[\u4e00-\u9fff·•\s]{2,20}", text.strip()))


def person_ids_matching(session: Session, text: str) -> set[str] | None:
    """Person numbers a search text names: a person number, an ID number or a full name, through
    the blind indexes. None when the text is none of these."""
    text = text.strip().upper()
    if re.fullmatch(r"P\d{1,31}", text):
        return {text}
    if re.fullmatch(r"\d{17}[\dX]|\d{15}", text):
        return set(session.scalars(select(Person.person_id).where(Person.id_number_bidx == blind_index(text))))
    if looks_like_name(text):
        return set(session.scalars(select(Person.person_id).where(Person.name_bidx == blind_index(text))))
    return None


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
