"""The figures the seeds report, computed from the applications table.

- ``median_decision_ms`` / ``p95_decision_ms``: receipt → pipeline decision (auto-approval,
  rejection or hand-over to the queue), per application, in milliseconds.
- ``straight_through_rate``: share approved with no person involved; ``review_rate`` and
  ``rejection_rate``: shares routed to a reviewer and rejected by the rules.
- ``return_rate``: share of reviewed cases returned to the applicant for correction.
- ``review_error_rate``: share of second (four-eyes) reviews that sent the first reviewer's
  proposal back instead of confirming it — the errors the second pair of eyes caught.
- ``review_reasons``: why cases went to a reviewer, by reason (a parameter with its name),
  most frequent first — what an agency would fix to let more cases through untouched.
"""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.cases.models import Application


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    pos = (len(values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return round(values[lo] + (values[hi] - values[lo]) * (pos - lo), 3)


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def stats(session: Session, *, kind: str | None = None) -> dict:
    """The processing metrics, overall or for one kind."""
    cond = [Application.route.is_not(None)]
    if kind:
        cond.append(Application.kind == kind)
    routes = dict(session.execute(select(Application.route, func.count()).where(*cond)
                                  .group_by(Application.route)).all())
    statuses = dict(session.execute(select(Application.status, func.count()).where(*cond)
                                    .group_by(Application.status)).all())
    times = [t for (t,) in session.execute(select(Application.decision_ms).where(*cond,
                                                                                Application.decision_ms.is_not(None)))]
    total = sum(routes.values())
    reviewed = session.scalar(select(func.count()).where(*cond, Application.route == "review",
                                                         Application.status.in_(("approved", "rejected", "returned")))) or 0
    returned = statuses.get("returned", 0)
    # second reviews: a second reviewer either confirmed the first's proposal or sent it back
    from shebao.cases.models import ApplicationReview

    seconds = select(func.count()).select_from(ApplicationReview).join(
        Application, Application.id == ApplicationReview.application_id).where(
        *cond, ApplicationReview.stage == "second", ApplicationReview.action.in_(("approve", "return_to_first")))
    second = session.scalar(seconds) or 0
    overturned = session.scalar(seconds.where(ApplicationReview.action == "return_to_first")) or 0
    return {
        "applications": total,
        "auto_approved": routes.get("auto_approve", 0),
        "manual_review": routes.get("review", 0),
        "rejected": routes.get("reject", 0),
        "by_status": statuses,
        "median_decision_ms": _percentile(times, 0.5),
        "p95_decision_ms": _percentile(times, 0.95),
        "straight_through_rate": _rate(routes.get("auto_approve", 0), total),
        "review_rate": _rate(routes.get("review", 0), total),
        "rejection_rate": _rate(routes.get("reject", 0), total),
        "return_rate": _rate(returned, reviewed),
        "review_error_rate": _rate(overturned, second),
        "reviews_decided": reviewed,
        "second_reviews": second,
        "open_reviews": statuses.get("review", 0),
        "review_reasons": review_reasons(session, cond),
    }


def review_reasons(session: Session, cond: list) -> dict[str, int]:
    """Reason codes of the cases routed to review, counted (``parameter_missing:NAME`` and
    ``parameter_unconfirmed:NAME`` name the parameter)."""
    counts: Counter[str] = Counter()
    for (text,) in session.execute(select(Application.route_reasons).where(*cond, Application.route == "review")):
        for r in json.loads(text or "[]"):
            code = r.get("code") or "unknown"
            names = [n for n in (r.get("reference") or "").split("、") if n] if code.startswith("parameter_") else []
            for key in [f"{code}:{n}" for n in names] or [code]:
                counts[key] += 1
    return dict(counts.most_common())
