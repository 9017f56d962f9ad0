"""The review queue: claim, decide (approve / reject / return), four eyes, deadlines.

Two reviewers never hold the same case: claiming the next case takes its row with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (a busy row is skipped, not waited for) and a
conditional ``UPDATE … WHERE claimed_by IS NULL`` everywhere, whose row count says who won.
Amounts above the four-eyes threshold need a second, different reviewer to confirm an approval.
The queue is ordered by legal deadline (working days, holidays and 调休 included), then risk: a
case near its deadline rises above younger ones.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from shebao import audit
from shebao.cases import calendar
from shebao.cases.models import Application, ApplicationReview
from shebao.cases.pipeline import application_view, approve, get_by_no, notify, reject
from shebao.core.db import utcnow
from shebao.registry.models import Person

URGENT_WORKING_DAYS = 3


class ReviewError(ValueError):
    """A review action that cannot be done (message in Chinese)."""

    status_code = 409


def _require_reviewer(session: Session) -> str:
    role = session.info.get("actor_role")
    if role != "reviewer":
        raise PermissionError(f"只有复核员（reviewer）可以复核申请，当前角色为 {role or '未知'}")
    return session.info.get("actor") or ""


def _claimable(reviewer: str):
    # a second-stage case cannot go back to the reviewer who proposed it (four eyes)
    return and_(Application.status == "review", Application.claimed_by.is_(None),
                or_(Application.review_stage == "first", Application.first_reviewer.is_(None),
                    Application.first_reviewer != reviewer))


def _order():
    return (Application.deadline.asc(), Application.risk_score.desc(), Application.id.asc())


def list_queue(session: Session, *, on: dt.date | None = None, mine: str | None = None, limit: int = 50) -> list[dict]:
    """Open reviews in queue order, each with its working days left and an ``urgent`` flag."""
    on = on or dt.date.today()
    stmt = select(Application).where(Application.status == "review")
    if mine:
        stmt = stmt.where(Application.claimed_by == mine)
    rows = session.execute(stmt.order_by(*_order()).limit(limit)).scalars().all()
    out = []
    for app in rows:
        left = calendar.working_days_between(on, app.deadline)
        out.append({
            "application_no": app.application_no, "kind": app.kind, "person_id": app.person_id,
            "received_on": app.received_on.isoformat(), "deadline": app.deadline.isoformat(),
            "working_days_left": left, "urgent": left <= URGENT_WORKING_DAYS, "risk_level": app.risk_level,
            "risk_score": app.risk_score, "stage": app.review_stage, "four_eyes": app.needs_four_eyes,
            "claimed_by": app.claimed_by,
            "monthly_amount": f"{app.monthly_amount:.2f}" if app.monthly_amount is not None else None,
            "reasons": [r.get("code") for r in json.loads(app.route_reasons or "[]")],
        })
    return out


def claim(session: Session, *, application_no: str | None = None) -> Application:
    """Claim a named case, or the next one in queue order; raise :class:`ReviewError` if none is free."""
    reviewer = _require_reviewer(session)
    now = utcnow()
    if application_no:
        result = session.execute(
            update(Application)
            .where(Application.application_no == application_no, _claimable(reviewer))
            .values(claimed_by=reviewer, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            app = get_by_no(session, application_no)
            if app is None:
                raise ReviewError(f"申请不存在：{application_no}")
            if app.status != "review":
                raise ReviewError(f"申请 {application_no} 不在复核队列中（状态 {app.status}）")
            if app.claimed_by:
                raise ReviewError(f"申请 {application_no} 已由 {app.claimed_by} 认领")
            raise ReviewError(f"申请 {application_no} 需由另一名复核员进行第二次复核（四眼原则）")
        app = get_by_no(session, application_no)
        session.refresh(app)
    else:
        app = None
        postgres = session.get_bind().dialect.name == "postgresql"
        for _attempt in range(20):
            stmt = select(Application.id).where(_claimable(reviewer)).order_by(*_order()).limit(1)
            if postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            app_id = session.execute(stmt).scalar_one_or_none()
            if app_id is None:
                raise ReviewError("复核队列中没有可认领的申请")
            result = session.execute(
                update(Application).where(Application.id == app_id, _claimable(reviewer))
                .values(claimed_by=reviewer, claimed_at=now).execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                app = session.get(Application, app_id)
                session.refresh(app)
                break
        if app is None:
            raise ReviewError("复核队列繁忙，请稍后再试")
    session.add(ApplicationReview(application_id=app.id, reviewer=reviewer, stage=app.review_stage or "first",
                                  action="claim", comment=""))
    audit.append(session, action="application.claimed", entity="application", entity_id=app.application_no,
                 detail={"by": reviewer, "stage": app.review_stage or "first"})
    return app


def release(session: Session, *, application_no: str) -> Application:
    """Give a claimed case back to the queue."""
    reviewer = _require_reviewer(session)
    app = _held(session, application_no, reviewer)
    app.claimed_by, app.claimed_at = None, None
    session.add(ApplicationReview(application_id=app.id, reviewer=reviewer, stage=app.review_stage or "first",
                                  action="release", comment=""))
    audit.append(session, action="application.released", entity="application", entity_id=app.application_no,
                 detail={"by": reviewer})
    return app


def _held(session: Session, application_no: str, reviewer: str) -> Application:
    app = get_by_no(session, application_no)
    if app is None:
        raise ReviewError(f"申请不存在：{application_no}")
    if app.status != "review":
        raise ReviewError(f"申请 {application_no} 不在复核队列中（状态 {app.status}）")
    if app.claimed_by != reviewer:
        raise ReviewError(f"申请 {application_no} 未由您认领（当前认领人：{app.claimed_by or '无'}）")
    return app


def decide(session: Session, *, application_no: str, action: str, comment: str = "",
           monthly_amount: str | None = None) -> Application:
    """Approve, reject or return a claimed case.

    An approval above the four-eyes threshold by the first reviewer sends the case back to the
    queue for a second, different reviewer; the second reviewer's approval grants the benefit, a
    rejection or return overrides the first (and counts in the review error rate).
    """
    reviewer = _require_reviewer(session)
    app = _held(session, application_no, reviewer)
    if action not in ("approve", "reject", "return"):
        raise ReviewError(f"未知操作：{action}（approve|reject|return）")
    if action in ("reject", "return") and not comment.strip():
        raise ReviewError("驳回或退回需要填写理由")
    amount = None
    if monthly_amount not in (None, ""):
        try:
            amount = Decimal(str(monthly_amount)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ReviewError(f"金额格式错误：{monthly_amount}") from None
        if amount <= 0:
            raise ReviewError("月金额应大于 0")
    stage = app.review_stage or "first"
    if stage == "second" and reviewer == app.first_reviewer:
        raise ReviewError("四眼原则：第二次复核须由另一名复核员进行")
    session.add(ApplicationReview(application_id=app.id, reviewer=reviewer, stage=stage, action=action,
                                  comment=comment))
    app.review_comment = comment or None
    if action == "approve":
        if amount is None and app.monthly_amount is None:
            raise ReviewError("规则未能计算金额：核准时请填写 monthly_amount（元/月）")
        if amount is not None:
            from shebao.cases.routing import needs_four_eyes

            app.monthly_amount = amount
            app.needs_four_eyes = app.needs_four_eyes or needs_four_eyes(app.kind, amount)
        if stage == "first" and app.needs_four_eyes:
            app.review_stage = "second"
            app.first_reviewer, app.first_decision, app.first_comment = reviewer, "approve", comment or None
            app.claimed_by, app.claimed_at = None, None
            audit.append(session, action="application.review_first", entity="application",
                         entity_id=app.application_no, detail={"by": reviewer, "proposal": "approve",
                                                               "monthly_amount": str(app.monthly_amount)})
            return app
        if stage == "first":
            app.first_reviewer, app.first_decision = reviewer, "approve"
        approve(session, app, decided_by=reviewer)
        return app
    if stage == "first":
        app.first_reviewer, app.first_decision = reviewer, action
    person = session.get(Person, app.person_id)
    if action == "reject":
        reasons = [{"code": "reviewer_rejected", "text": comment, "reference": ""}]
        reasons += [r for r in json.loads(app.decision or "{}").get("reasons", []) if r.get("code") != "provisional_base"]
        reject(session, app, person=person, reasons=reasons, decided_by=reviewer)
        return app
    # return: back to the applicant for correction; the slot is freed for a corrected application
    app.status = "returned"
    app.open_slot = None
    app.decided_at = utcnow()
    app.claimed_by = None
    app.final_reviewer = reviewer
    notify(session, app, person, "returned", comment=comment)
    audit.append(session, action="application.returned", entity="application", entity_id=app.application_no,
                 detail={"by": reviewer, "stage": stage})
    return app


def review_view(session: Session, app: Application) -> dict:
    """Everything a reviewer needs on one screen: application, trace with articles, risk, history."""
    from shebao.audit import log_full_access
    from shebao.cases.models import ApplicationReview as R
    from shebao.cases.models import ApplicationStep

    steps = session.execute(select(ApplicationStep).where(ApplicationStep.application_id == app.id)
                            .order_by(ApplicationStep.seq)).scalars().all()
    out = application_view(app, full=True, steps=list(steps))
    out["history"] = [{"reviewer": r.reviewer, "stage": r.stage, "action": r.action, "comment": r.comment,
                       "at": r.created_at.isoformat() if r.created_at else None}
                      for r in session.execute(select(R).where(R.application_id == app.id).order_by(R.id)).scalars()]
    out["working_days_left"] = calendar.working_days_between(dt.date.today(), app.deadline)
    # the person's earlier applications and benefits, beside this one
    out["person_history"] = {
        "applications": [
            {"application_no": a.application_no, "kind": a.kind, "status": a.status,
             "received_on": a.received_on.isoformat(),
             "monthly_amount": f"{a.monthly_amount:.2f}" if a.monthly_amount is not None else None}
            for a in session.execute(select(Application).where(Application.person_id == app.person_id,
                                                               Application.id != app.id)
                                     .order_by(Application.id.desc()).limit(20)).scalars()
        ],
        "benefits": out.get("autofill", {}).get("active_benefits", []),
    }
    log_full_access(session, entity="application", entity_id=app.application_no or "",
                    fields=["decision", "autofill"], purpose="review")
    return out
