"""Apply what the shared registries report to the benefits: deaths, custodial sentences, certifications.

Run before every payroll (``shebao payroll run`` does, unless ``--no-sync``) and on its own
(``shebao benefits sync``), one at a time (a lock, :func:`lock_events`). Each step is idempotent:
a death already processed, a sentence already applied, a suspension already recorded change
nothing the second time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shebao.benefits.death import process_registry_death_for
from shebao.benefits.models import SurvivorCase
from shebao.benefits.recalc import provisional_count, recalculate_provisional
from shebao.benefits.service import MONTHLY_KINDS
from shebao.benefits.suspension import apply_incarcerations_for, check_certifications
from shebao.benefits.unemployment import follow_minimum_wage
from shebao.registry.models import Benefit, Death, Incarceration, Person


def lock_events(session: Session) -> None:
    """Serialise the registry sync and the retries across runs (held until this transaction ends)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7316104001)"))
    else:  # SQLite: any write takes the database's write lock for the rest of the transaction
        conn.execute(text("UPDATE payroll_runs SET id = id WHERE id = -1"))


def sync_registry(session: Session, *, as_of: date) -> dict[str, Any]:
    """Process new deaths, apply custodial sentences, suspend/resume on certification; return counts.

    Takes the events lock first (:func:`lock_events`), so that concurrent runs process each event once.
    """
    lock_events(session)
    deaths = 0
    processed = set(session.scalars(select(SurvivorCase.person_id)))
    dead = session.scalars(
        select(Person).join(Death, Death.id_number_bidx == Person.id_number_bidx)
        .where(Death.death_date <= as_of,
               Person.person_id.in_(select(Benefit.person_id).where(Benefit.kind.in_(MONTHLY_KINDS))))
        .distinct().order_by(Person.person_id)).all()
    for person in dead:
        if person.person_id in processed:
            continue
        process_registry_death_for(session, person, as_of=as_of)
        deaths += 1
    sentenced = session.scalars(
        select(Person).join(Incarceration, Incarceration.id_number_bidx == Person.id_number_bidx)
        .where(Incarceration.start_date <= as_of,
               Person.person_id.in_(select(Benefit.person_id).where(Benefit.kind.in_(("pension", "unemployment")))))
        .distinct().order_by(Person.person_id)).all()
    for person in sentenced:
        apply_incarcerations_for(session, person, as_of=as_of)
    certs = check_certifications(session, as_of=as_of)
    recalculated = 0
    if provisional_count(session):
        recalculated = recalculate_provisional(session, on=as_of)["recalculated"]
    followed = follow_minimum_wage(session, as_of=as_of)["followed"]
    session.flush()
    return {"deaths": deaths, "incarcerations": len(sentenced), **certs, "recalculated": recalculated,
            "minimum_wage_followed": followed}
