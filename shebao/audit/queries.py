"""Reading the audit log: entries filtered by action and actor, newest first, page by page."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shebao.audit.models import AuditEntry


def _filtered(*, action: str = "", actor: str = "", before: int | None = None) -> Select:
    stmt = select(AuditEntry)
    if action:  # an action's prefix: "cases." finds every step of the cases domain
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if before:
        stmt = stmt.where(AuditEntry.seq < before)
    return stmt.order_by(AuditEntry.seq.desc())


def list_entries(session: Session, *, action: str = "", actor: str = "", before: int | None = None,
                 limit: int = 50) -> list[AuditEntry]:
    """At most ``limit`` entries older than ``before`` (a sequence number), newest first."""
    return list(session.scalars(_filtered(action=action, actor=actor, before=before).limit(limit)))


def iter_entries(session: Session, *, action: str = "", actor: str = "", limit: int) -> Iterator[AuditEntry]:
    """The newest ``limit`` entries matching the filters, streamed (an export)."""
    yield from session.scalars(_filtered(action=action, actor=actor).limit(limit))


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def actions(session: Session) -> list[str]:
    """Every action code the log holds (a filter's choices)."""
    return [a for (a,) in session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))]
