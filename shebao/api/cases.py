"""/api/v1/applications, /api/v1/reviews, /api/v1/stats — fast-track processing (待遇速办).

Clerks submit applications (the citizens' portal and agents submit through a clerk-role service
token, saying the ``channel``); only reviewers claim and decide reviews; statistics are open to
every signed-in role.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel

from shebao.api.deps import CurrentUser, SessionDep, require_roles
from shebao.cases.schemas import ApplicationCreate, ClaimRequest, ReviewDecision
from shebao.core.roles import Role

router = APIRouter(tags=["cases"])


class ApplicationRead(BaseModel):
    """An application with its decision (amounts, reasons, trace) and risk score with its factors."""

    application_no: str
    kind: str
    person_id: str
    status: str
    route: str | None
    channel: str
    agent: dict[str, Any] | None
    bank_account: str
    received_on: str
    deadline: str
    decision_ms: float | None
    decision: dict[str, Any]
    risk: dict[str, Any]
    benefit_id: str | None
    review: dict[str, Any]
    autofill: dict[str, Any] | None = None
    inputs: dict[str, Any] | None = None
    steps: list[dict[str, Any]] | None = None
    history: list[dict[str, Any]] | None = None
    working_days_left: int | None = None
    person_history: dict[str, Any] | None = None


def _http(exc: Exception) -> HTTPException:
    if isinstance(exc, PermissionError):
        return HTTPException(403, str(exc))
    code = getattr(exc, "status_code", 422)
    if "不存在" in str(exc):
        code = 404
    return HTTPException(code, str(exc))


@router.post("/api/v1/applications", response_model=ApplicationRead, status_code=201,
             summary="提交待遇申领（即时决定：核准、转人工复核或不予核准）",
             dependencies=[require_roles(Role.CLERK)])
def submit(payload: ApplicationCreate, session: SessionDep, response: Response) -> dict:
    from shebao.cases.pipeline import IntakeError, application_view, submit_application

    try:
        app, created = submit_application(session, payload)
    except IntakeError as exc:
        raise _http(exc) from None
    if not created:
        response.status_code = 200
    return application_view(app, full=True)


@router.get("/api/v1/applications/{application_no}", response_model=ApplicationRead, summary="查询申请及其决定",
            dependencies=[require_roles(Role.CLERK, Role.REVIEWER, Role.AUDITOR)])
def read(application_no: str, session: SessionDep) -> dict:
    from sqlalchemy import select

    from shebao.cases.models import ApplicationStep
    from shebao.cases.pipeline import application_view, get_by_no

    app = get_by_no(session, application_no)
    if app is None:
        raise HTTPException(404, f"申请不存在：{application_no}")
    steps = session.execute(select(ApplicationStep).where(ApplicationStep.application_id == app.id)
                            .order_by(ApplicationStep.seq)).scalars().all()
    return application_view(app, full=True, steps=list(steps))


@router.get("/api/v1/reviews", summary="复核队列（临近期限的优先）",
            dependencies=[require_roles(Role.REVIEWER, Role.AUDITOR)])
def reviews(session: SessionDep, user: CurrentUser, mine: bool = Query(False, description="只看我认领的"),
            limit: int = Query(50, ge=1, le=500)) -> list[dict]:
    from shebao.cases.queue import list_queue

    return list_queue(session, mine=user.username if mine else None, limit=limit)


@router.post("/api/v1/reviews/claim", response_model=ApplicationRead, summary="认领一件待复核申请（默认队首）",
             dependencies=[require_roles(Role.REVIEWER)])
def claim(body: ClaimRequest, session: SessionDep) -> dict:
    from shebao.cases.queue import ReviewError, claim, review_view

    try:
        app = claim(session, application_no=body.application_no)
    except (ReviewError, PermissionError) as exc:
        raise _http(exc) from None
    return review_view(session, app)


@router.post("/api/v1/reviews/{application_no}/decision", response_model=ApplicationRead,
             summary="复核决定：核准、驳回或退回补正", dependencies=[require_roles(Role.REVIEWER)])
def decide(application_no: str, body: ReviewDecision, session: SessionDep) -> dict:
    from shebao.cases.pipeline import application_view
    from shebao.cases.queue import ReviewError, decide

    try:
        app = decide(session, application_no=application_no, action=body.action, comment=body.comment,
                     monthly_amount=body.monthly_amount)
    except (ReviewError, PermissionError) as exc:
        raise _http(exc) from None
    return application_view(app)


@router.get("/api/v1/stats", summary="速办统计：决定用时、直通率、复核率、驳回率、退回率、复核差错率")
def stats(session: SessionDep, user: CurrentUser, kind: str | None = Query(None, pattern="^(pension|unemployment)$")) -> dict:
    from shebao.cases.metrics import stats as compute

    return compute(session, kind=kind)
