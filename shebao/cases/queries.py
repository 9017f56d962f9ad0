"""What the pages and the API read of an application: the case with its steps, reviews, notifications
and the applicant's contribution years; the latest notification; a citizen's own application."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.cases import calendar
from shebao.cases.models import Application, ApplicationNotification, ApplicationReview, ApplicationStep
from shebao.cases.pipeline import application_view, get_by_no
from shebao.core.settings import local_today
from shebao.registry.models import ContributionYear, Person


def latest_notification(session: Session, application_id: int) -> ApplicationNotification | None:
    """The last notification sent about an application (what the applicant was told last)."""
    return session.scalars(select(ApplicationNotification).where(ApplicationNotification.application_id == application_id)
                           .order_by(ApplicationNotification.id.desc()).limit(1)).first()


def citizen_application(session: Session, *, application_no: str, id_number: str) -> Application | None:
    """The application if its number and the applicant's ID number belong together, else None.

    A wrong pairing and an unknown number answer alike, so that the status form cannot be used to
    find out which application numbers exist (compared in constant time)."""
    app = get_by_no(session, application_no)
    person = session.get(Person, app.person_id) if app is not None else None
    if app is None or person is None or not hmac.compare_digest(person.id_number.upper(), id_number.upper()):
        return None
    return app


def case_record(session: Session, application_no: str, *, today: dt.date | None = None) -> dict[str, Any] | None:
    """Everything one case screen needs: the application with its decision trace, the review history,
    the notifications, the applicant's contribution years of the claim's insurance, the facts and the
    working days left before the deadline (times as stored, in UTC)."""
    app = get_by_no(session, application_no)
    if app is None:
        return None
    steps = list(session.scalars(select(ApplicationStep).where(ApplicationStep.application_id == app.id)
                                 .order_by(ApplicationStep.seq)))
    reviews = [{"reviewer": r.reviewer, "stage": r.stage, "action": r.action, "comment": r.comment,
                "visibility": r.visibility, "created_at": r.created_at}
               for r in session.scalars(select(ApplicationReview).where(ApplicationReview.application_id == app.id)
                                        .order_by(ApplicationReview.id))]
    notices = [{"event": n.event, "text": n.text, "created_at": n.created_at}
               for n in session.scalars(select(ApplicationNotification)
                                        .where(ApplicationNotification.application_id == app.id)
                                        .order_by(ApplicationNotification.id))]
    years = [{"year": y.year, "months": y.months, "avg_index": f"{y.avg_index:.4f}", "avg_base": f"{y.avg_base:.2f}"}
             for y in session.scalars(select(ContributionYear).where(ContributionYear.person_id == app.person_id,
                                                                     ContributionYear.insurance == app.kind)
                                      .order_by(ContributionYear.year))]
    left = (calendar.working_days_between(today or local_today(), app.deadline)
            if app.status == "review" else None)
    return {"app": application_view(app, full=True, steps=steps), "reviews": reviews, "notices": notices,
            "years": years, "working_days_left": left, "facts": json.loads(app.facts or "{}"),
            "status": app.status, "stage": app.review_stage, "claimed_by": app.claimed_by,
            "first_reviewer": app.first_reviewer}
