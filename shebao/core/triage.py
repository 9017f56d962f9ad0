"""Triage of batch findings, shared by the domains: store each finding once, list them, decide them.

Screening (:mod:`shebao.risk.alerts`) and the bill audit (:mod:`shebao.bills.service`) keep their
findings in a table keyed by a stable key, with a ``status`` (``new``, then confirmed or dismissed),
the day it was last seen and how often. Storing a run's findings inserts those not seen before,
refreshes those still open and leaves the decided ones alone, so that a finding is never raised
twice and a decision is never undone by a later run. The domains keep their own columns, messages
and audit entries; the rules live here. Services flush but never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.core.db import utcnow

T = TypeVar("T")
# How many keys one ``IN (...)`` looks up.
_CHUNK = 500


@dataclass
class StoreSummary:
    """What storing one run's findings did."""

    new: int = 0
    known: int = 0          # seen before and still open: refreshed, not raised again
    closed: int = 0         # seen before and already confirmed or dismissed: left alone

    def as_json(self) -> dict[str, int]:
        return {"new": self.new, "known": self.known, "closed": self.closed}


def store_once(
    session: Session, model: Any, found: dict[str, T], *, key: str, last_seen: str, day: date,
    create: Callable[[str, T], Any], refresh: Callable[[Any, T], None],
) -> tuple[StoreSummary, list[str]]:
    """Store ``found`` (finding key -> finding) in ``model``'s table; return the summary and the new keys.

    A key not in the table gets the row ``create(key, finding)``; a row still ``new`` is refreshed by
    ``refresh(row, finding)``; a decided row is left as it is. Every row seen again has its
    ``last_seen`` column moved on to ``day`` (never back) and ``times_seen`` counted up.
    """
    summary = StoreSummary()
    column = getattr(model, key)
    existing: dict[str, Any] = {}
    keys = list(found)
    for i in range(0, len(keys), _CHUNK):
        for row in session.scalars(select(model).where(column.in_(keys[i:i + _CHUNK]))):
            existing[getattr(row, key)] = row
    new_keys: list[str] = []
    for k, item in found.items():
        row = existing.get(k)
        if row is None:
            session.add(create(k, item))
            summary.new += 1
            new_keys.append(k)
            continue
        if row.status == "new":
            refresh(row, item)
            summary.known += 1
        else:
            summary.closed += 1
        if day > getattr(row, last_seen):
            setattr(row, last_seen, day)
        row.times_seen += 1
    session.flush()
    return summary, new_keys


def filtered_page(
    session: Session, model: Any, filters: Iterable[tuple[Any, Any]], *, order_by: Iterable[Any], limit: int,
    offset: int,
) -> tuple[list[Any], int]:
    """The rows of ``model`` whose columns equal the values given (a None value does not filter), in
    ``order_by`` order, one page of them; and how many there are in all."""
    stmt = select(model)
    for column, value in filters:
        if value is not None:
            stmt = stmt.where(column == value)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(*order_by)
    return list(session.scalars(stmt.limit(limit).offset(offset))), total


def mark_decided(session: Session, row: Any, status: str, **fields: Any) -> None:
    """Record a decision on a finding: its status, the other ``fields`` given (the reason), who (the
    session's acting user, else ``system``) and when. The caller has checked that it was open."""
    row.status = status
    for name, value in fields.items():
        setattr(row, name, value)
    row.decided_by = session.info.get("actor") or "system"
    row.decided_at = utcnow()
