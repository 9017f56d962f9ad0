"""/api/v1/applications, /api/v1/reviews, /api/v1/stats — fast-track processing (待遇速办).

Clerks submit applications (the citizens' portal and agents submit through a clerk-role service
token, saying the ``channel``); only reviewers claim and decide reviews; statistics are open to
every signed-in role.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from shebao.api.group_commit import GroupCommit
from shebao.cases.pipeline import IntakeError, application_view, encode_view, submit_application
from shebao.cases.schemas import ApplicationCreate, ApplicationRead, ClaimRequest, ReviewDecision
from shebao.core.roles import Role
from shebao.http.deps import BearerCredentials, CurrentUser, SessionDep, require_roles

router = APIRouter(tags=["cases"])


_READ_DEFAULTS = {name: None for name, field in ApplicationRead.model_fields.items() if not field.is_required()}


def _http(exc: Exception) -> HTTPException:
    if isinstance(exc, PermissionError):
        return HTTPException(403, str(exc))
    code = getattr(exc, "status_code", 422)
    if "不存在" in str(exc):
        code = 404
    return HTTPException(code, str(exc))


@router.post("/api/v1/applications", response_model=ApplicationRead, status_code=201,
             summary="提交待遇申领（即时决定：核准、转人工复核或不予核准）",
             description="角色：clerk（窗口、网厅与代办的服务令牌）。申请在一个事务内完成受理、自动填充、规则决定、"
                         "风险评分与分流；同一幂等键再次提交返回原申请（200）。")
async def submit(payload: ApplicationCreate, request: Request, credentials: BearerCredentials) -> Response:
    arrived = time.perf_counter()  # decision_ms runs from here, the wait for a shared transaction included
    view, created = await _submissions(request.app).run(request, credentials, (Role.CLERK,), (payload, arrived))
    # the view is built from the schema's own fields: answered as it stands, without validating it again,
    # and encoded once from the pipeline's own objects (the text JSONResponse would make of the stored JSON)
    return Response(encode_view({**_READ_DEFAULTS, **view}), status_code=201 if created else 200,
                    media_type="application/json")


def _submit_one(session, _user, item: tuple[ApplicationCreate, float]) -> tuple[dict, bool]:
    """One submission inside a (possibly shared) transaction: the decision and its view."""
    payload, arrived = item
    try:
        app, created = submit_application(session, payload, received=arrived)
    except IntakeError as exc:
        raise _http(exc) from None
    return application_view(app, full=True, as_decided=True), created


def _submissions(app) -> GroupCommit:
    """The process's group commit for submissions (concurrent submissions share transactions)."""
    batcher = getattr(app.state, "submissions", None)
    if batcher is None:
        from shebao.core.settings import get_settings

        batcher = app.state.submissions = GroupCommit(app.state.engine, _submit_one,
                                                      lanes=get_settings().api_write_lanes)
    return batcher


@router.get("/api/v1/applications/{application_no}", response_model=ApplicationRead, summary="查询申请及其决定",
            dependencies=[require_roles(Role.CLERK, Role.REVIEWER, Role.AUDITOR)])
def read(application_no: str, session: SessionDep) -> dict:
    from sqlalchemy import select

    from shebao.cases.models import ApplicationStep
    from shebao.cases.pipeline import get_by_no

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
             summary="复核决定：核准（第一复核员提出、第二复核员原样确认）、驳回、退回补正或退回第一复核员", dependencies=[require_roles(Role.REVIEWER)])
def decide(application_no: str, body: ReviewDecision, session: SessionDep) -> dict:
    from shebao.cases.queue import ReviewError, decide

    try:
        app = decide(session, application_no=application_no, action=body.action, comment=body.comment,
                     monthly_amount=body.monthly_amount, start_date=body.start_date, kind=body.kind,
                     comment_visibility=body.comment_visibility)
    except (ReviewError, PermissionError) as exc:
        raise _http(exc) from None
    return application_view(app)


@router.get("/api/v1/stats", summary="速办统计：决定用时、直通率、复核率、驳回率、退回率、复核差错率")
def stats(session: SessionDep, user: CurrentUser, kind: str | None = Query(None, pattern="^(pension|unemployment)$")) -> dict:
    from shebao.cases.metrics import stats as compute

    return compute(session, kind=kind)
