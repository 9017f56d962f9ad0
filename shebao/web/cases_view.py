"""The processing domain (:mod:`shebao.cases`) as the pages show it: queue, case, status, statistics."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def available() -> bool:
    try:
        import shebao.cases.service  # noqa: F401
    except ImportError:
        return False
    return True


def stats(session: Session) -> dict[str, Any] | None:
    """The processing KPIs (``shebao stats``), or None before the processing domain exists."""
    if not available():
        return None
    from shebao.cases import service

    return service.stats(session)


def public_status(session: Session, *, application_no: str, id_number: str) -> dict[str, Any] | None:
    """What a citizen may see of their application, if the number and the ID number match."""
    if not available():
        return None
    from shebao.cases import service

    return service.public_status(session, application_no=application_no, id_number=id_number)
