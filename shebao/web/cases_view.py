"""The processing domain (:mod:`shebao.cases`) as the pages show it: queue, case, status, statistics."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.web.labels import LABELS


def local_time(value) -> str:
    """A stored (UTC) time in ``SHEBAO_TIMEZONE``, as pages show it."""
    from shebao.core.settings import to_local

    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local is not None else ""

# the tables live in shebao.web.labels (one table of labels); these names stay for the templates
KIND_LABELS = LABELS["case_kind"]
STATUS_LABELS = LABELS["case_status"]
ROUTE_LABELS = LABELS["route"]
ACTION_LABELS = LABELS["review_action"]
STEP_LABELS = LABELS["step"]
REASON_LABELS = LABELS["reason"]
RELATION_LABELS = LABELS["relation"]
SEPARATION_LABELS = LABELS["separation"]


def available() -> bool:
    """Whether the processing domain has landed (its pipeline and queue modules import)."""
    try:
        import shebao.cases.metrics  # noqa: F401
        import shebao.cases.pipeline  # noqa: F401
        import shebao.cases.queue  # noqa: F401
    except ImportError:
        return False
    return True


REVIEW_REASON_LABELS = LABELS["review_reason"]


def review_reason_rows(reasons: dict[str, int]) -> list[dict[str, Any]]:
    """``review_reasons`` of the statistics as table rows: a Chinese label (and the parameter), the count."""
    rows = []
    for key, count in reasons.items():
        code, _, parameter = key.partition(":")
        rows.append({"label": REVIEW_REASON_LABELS.get(code, code), "parameter": parameter, "count": count})
    return rows


def stats(session: Session) -> dict[str, Any] | None:
    """The processing KPIs (``shebao stats``), or None before the processing domain exists."""
    if not available():
        return None
    from shebao.cases.metrics import stats as compute

    result = compute(session)
    if not result.get("applications"):
        return None
    result["review_reason_rows"] = review_reason_rows(result.get("review_reasons") or {})
    return result


def public_status(session: Session, *, application_no: str, id_number: str) -> dict[str, Any] | None:
    """What a citizen may see of their application, if the number and the ID number belong together.

    A wrong pairing and an unknown number answer alike (None), so that the form cannot be used to
    find out which application numbers exist.
    """
    if not available():
        return None
    from shebao.cases.models import ApplicationNotification
    from shebao.cases.pipeline import get_by_no
    from shebao.registry.models import Person

    app = get_by_no(session, application_no)
    person = session.get(Person, app.person_id) if app is not None else None
    if app is None or person is None or not hmac.compare_digest(person.id_number.upper(), id_number.upper()):
        return None
    note = session.scalars(select(ApplicationNotification).where(ApplicationNotification.application_id == app.id)
                           .order_by(ApplicationNotification.id.desc()).limit(1)).first()
    return {
        "application_no": app.application_no, "kind_label": KIND_LABELS.get(app.kind, app.kind),
        "status_label": STATUS_LABELS.get(app.status, app.status), "received": app.received_on.isoformat(),
        "deadline": app.deadline.isoformat() if app.status == "review" else None,
        "monthly_amount": f"{app.monthly_amount:.2f}" if app.status == "approved" and app.monthly_amount else None,
        "message": note.text if note is not None else None,
    }


def queue(session: Session, *, mine: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    from shebao.cases.queue import list_queue

    return list_queue(session, mine=mine, limit=limit)


def case_page(session: Session, application_no: str) -> dict[str, Any] | None:
    """Everything one screen needs: the application, the decision trace with its articles, the risk
    factors, the person's contribution history, the review history and the deadline."""
    from shebao.cases import calendar
    from shebao.cases.models import ApplicationNotification, ApplicationReview, ApplicationStep
    from shebao.cases.pipeline import application_view, get_by_no
    from shebao.registry.models import ContributionYear

    app = get_by_no(session, application_no)
    if app is None:
        return None
    steps = list(session.scalars(select(ApplicationStep).where(ApplicationStep.application_id == app.id)
                                 .order_by(ApplicationStep.seq)))
    view = application_view(app, full=True, steps=steps)
    reviews = [{"reviewer": r.reviewer, "stage": r.stage, "action": r.action, "comment": r.comment,
                "visibility": r.visibility,
                "at": local_time(r.created_at)}
               for r in session.scalars(select(ApplicationReview).where(ApplicationReview.application_id == app.id)
                                        .order_by(ApplicationReview.id))]
    notices = [{"event": n.event, "text": n.text, "at": local_time(n.created_at)}
               for n in session.scalars(select(ApplicationNotification)
                                        .where(ApplicationNotification.application_id == app.id)
                                        .order_by(ApplicationNotification.id))]
    years = [{"year": y.year, "months": y.months, "avg_index": f"{y.avg_index:.4f}", "avg_base": f"{y.avg_base:.2f}"}
             for y in session.scalars(select(ContributionYear).where(ContributionYear.person_id == app.person_id,
                                                                     ContributionYear.insurance == app.kind)
                                      .order_by(ContributionYear.year))]
    left = calendar.working_days_between(dt.date.today(), app.deadline) if app.status == "review" else None
    facts = json.loads(app.facts or "{}")
    return {"app": view, "reviews": reviews, "notices": notices, "years": years, "working_days_left": left,
            "facts": facts, "status": app.status, "stage": app.review_stage, "claimed_by": app.claimed_by,
            "first_reviewer": app.first_reviewer}
