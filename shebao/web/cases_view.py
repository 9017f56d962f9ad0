"""The processing domain (:mod:`shebao.cases`) as the pages show it: queue, case, status, statistics."""

from __future__ import annotations

from typing import Any

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
    """What a citizen may see of their application, if the number and the ID number belong together
    (a wrong pairing and an unknown number answer alike: None)."""
    if not available():
        return None
    from shebao.cases.queries import citizen_application, latest_notification

    app = citizen_application(session, application_no=application_no, id_number=id_number)
    if app is None:
        return None
    note = latest_notification(session, app.id)
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
    """The case screen's data (:func:`shebao.cases.queries.case_record`) with times in local time."""
    from shebao.cases.queries import case_record

    record = case_record(session, application_no)
    if record is None:
        return None
    for row in record["reviews"] + record["notices"]:
        row["at"] = local_time(row.pop("created_at"))
    return record
