"""The cases domain's service functions in one place (the API, CLI and web pages call these).

Keyword-only, flush-only: the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shebao.cases.metrics import stats
from shebao.cases.models import Application
from shebao.cases.pipeline import (
    IntakeError,
    OpenApplicationError,
    application_view,
    get_by_key,
    get_by_no,
    submit_application,
    submit_batch,
)
from shebao.cases.queue import ReviewError, claim, decide, list_queue, release, review_view


def get_application(session: Session, application_no: str) -> Application | None:
    """The application with this number, or None."""
    return get_by_no(session, application_no)


__all__ = [
    "IntakeError", "OpenApplicationError", "ReviewError", "application_view", "claim", "decide", "get_application",
    "get_by_key", "get_by_no", "list_queue", "release", "review_view", "stats", "submit_application", "submit_batch",
]
