"""The review queue: claim, decide (approve / reject / return), four eyes, deadlines.

Two reviewers never hold the same case: claiming the next case takes its row with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (a busy row is skipped, not waited for) and a
conditional ``UPDATE … WHERE claimed_by IS NULL`` everywhere, whose row count says who won.
Amounts above the four-eyes threshold need a second, different reviewer to confirm exactly what
the first proposed (amount, start date, kind) or to send it back; nobody decides an application
they entered or proposed, and the amount is checked against its legal bounds (:mod:`.checks`).
The queue is ordered by legal deadline (working days, holidays and 调休 included), then risk: a
case near its deadline rises above younger ones.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from shebao import audit
from shebao.cases import calendar
from shebao.cases.models import Application, ApplicationReview
from shebao.cases.pipeline import application_view, approve, get_by_no, notify, reject
from shebao.core.db import utcnow
from shebao.core.roles import Role, has_role, role_of
from shebao.core.settings import local_today
from shebao.registry.models import Person

URGENT_WORKING_DAYS = 3


class ReviewError(ValueError):
    """A review action that cannot be done (message in Chinese)."""

    status_code = 409


def _require_reviewer(session: Session) -> str:
    role = role_of(session)
    if not has_role(role, Role.REVIEWER, admin_passes=False):  # four eyes: the role itself, no override
        raise PermissionError(f"只有复核员（reviewer）可以复核申请，当前角色为 {role or '未知'}")
    return session.info.get("actor") or ""


def _claimable(reviewer: str):
    # a second-stage case cannot go back to the reviewer who proposed it (four eyes)
    return and_(Application.status == "review", Application.claimed_by.is_(None),
                Application.submitted_by != reviewer,
                or_(Application.review_stage == "first", Application.first_reviewer.is_(None),
                    Application.first_reviewer != reviewer))


def _order():
    return (Application.deadline.asc(), Application.risk_score.desc(), Application.id.asc())


def _queue_row(app: Application, on: dt.date) -> dict:
    left = calendar.working_days_between(on, app.deadline)
    return {
        "application_no": app.application_no, "kind": app.kind, "person_id": app.person_id,
        "received_on": app.received_on.isoformat(), "deadline": app.deadline.isoformat(),
        "working_days_left": left, "urgent": left <= URGENT_WORKING_DAYS, "risk_level": app.risk_level,
        "risk_score": app.risk_score, "stage": app.review_stage, "four_eyes": app.needs_four_eyes,
        "claimed_by": app.claimed_by,
        "monthly_amount": f"{app.monthly_amount:.2f}" if app.monthly_amount is not None else None,
        "proposed_amount": f"{app.proposed_amount:.2f}" if app.proposed_amount is not None else None,
        "reasons": [r.get("code") for r in json.loads(app.route_reasons or "[]")],
    }


def list_queue(session: Session, *, on: dt.date | None = None, mine: str | None = None, limit: int = 50) -> list[dict]:
    """Open reviews in queue order, each with its working days left and an ``urgent`` flag."""
    on = on or local_today()
    stmt = select(Application).where(Application.status == "review")
    if mine:
        stmt = stmt.where(Application.claimed_by == mine)
    return [_queue_row(app, on) for app in session.execute(stmt.order_by(*_order()).limit(limit)).scalars()]


QUEUE_SORTS = ("deadline", "-deadline", "received", "risk")


def search_queue(session: Session, *, on: dt.date | None = None, application_no: str = "",
                 person_ids: set[str] | None = None, kind: str = "", stage: str = "", received_from: str = "",
                 received_to: str = "", sort: str = "deadline", limit: int = 30, offset: int = 0) -> tuple[list[dict], int]:
    """One page of the open reviews matching the filters, in the database (never the whole queue in
    memory), and how many match. ``application_no`` or ``person_ids`` (from the registry's search)
    select by who or which; ``sort`` is a deadline order (the queue's own: deadline, then risk),
    the latest deadline first, the earliest received first, or the highest risk first."""
    if sort not in QUEUE_SORTS:
        raise ValueError(f"排序应为 {'、'.join(QUEUE_SORTS)} 之一")
    on = on or local_today()
    stmt = select(Application).where(Application.status == "review")
    if application_no or person_ids is not None:
        matches = []
        if application_no:
            matches.append(func.upper(Application.application_no) == application_no.strip().upper())
        if person_ids:
            matches.append(Application.person_id.in_(sorted(person_ids)))
        stmt = stmt.where(or_(*matches) if matches else false())
    if kind:
        stmt = stmt.where(Application.kind == kind)
    if stage == "first":
        stmt = stmt.where(or_(Application.review_stage == "first", Application.review_stage.is_(None)))
    elif stage:
        stmt = stmt.where(Application.review_stage == stage)
    if received_from:
        stmt = stmt.where(Application.received_on >= dt.date.fromisoformat(received_from))
    if received_to:
        stmt = stmt.where(Application.received_on <= dt.date.fromisoformat(received_to))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    first = {"deadline": (), "-deadline": (Application.deadline.desc(),), "received": (Application.received_on.asc(),),
             "risk": (func.coalesce(Application.risk_score, 0).desc(),)}[sort]
    rows = session.execute(stmt.order_by(*first, *_order()).limit(limit).offset(offset)).scalars()
    return [_queue_row(app, on) for app in rows], total


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
            _not_own(app, reviewer)
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


ACTIONS = ("approve", "reject", "return", "return_to_first")
VISIBILITIES = ("internal", "applicant")


def _not_own(app: Application, reviewer: str) -> None:
    """Nobody decides an application they submitted, entered or proposed, whatever roles they hold now."""
    if app.submitted_by and app.submitted_by == reviewer:
        raise ReviewError(f"不能复核本人受理或提交的申请（{app.application_no} 由 {reviewer} 录入）")
    if (app.review_stage or "first") == "second" and app.first_reviewer == reviewer:
        raise ReviewError("四眼原则：第二次复核须由另一名复核员进行，提出核准意见的复核员不能自己确认")


def _parse_amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    from shebao.core.money import parse_finite_amount

    try:
        amount = parse_finite_amount(value)
    except ValueError as exc:
        raise ReviewError(f"月金额（monthly_amount）{exc}") from None
    if amount <= 0:
        raise ReviewError("月金额（monthly_amount）应大于 0")
    return amount


def _parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ReviewError(f"起始日期（start_date）应为 YYYY-MM-DD：{value}") from None


def _review_row(session: Session, app: Application, reviewer: str, stage: str, action: str, comment: str,
                visibility: str | None, amount: Decimal | None = None, start: dt.date | None = None) -> None:
    session.add(ApplicationReview(application_id=app.id, reviewer=reviewer, stage=stage, action=action,
                                  comment=comment, visibility=visibility if comment else None,
                                  monthly_amount=amount, start_date=start))


def decide(session: Session, *, application_no: str, action: str, comment: str = "",
           monthly_amount: str | Decimal | None = None, start_date: str | dt.date | None = None,
           kind: str | None = None, comment_visibility: str | None = None) -> Application:
    """Decide a claimed case: approve, reject, return to the applicant, or return to the first reviewer.

    Four eyes on what is decided: the first reviewer's approval is a proposal of an amount, a start
    date and a kind. When four eyes are needed (the threshold applies to the larger of the proposal
    and the rules' result; an amount outside what can be checked escalates too) the case goes to a
    second, different reviewer, who either confirms exactly that proposal (``approve``, with no or
    identical figures) or sends it back (``return_to_first``, with a reason); a new proposal then
    needs a second reviewer again. Nobody decides an application they entered or proposed.

    A comment is either ``internal`` (staff only) or for the ``applicant`` (it goes into the
    notice): the choice is explicit whenever there is a comment.

    The amount is checked against the legal bounds of its benefit (:mod:`shebao.cases.checks`):
    out of bounds is refused; what cannot be checked is escalated to a second reviewer.
    """
    from shebao.cases.checks import check_amount
    from shebao.cases.routing import needs_four_eyes

    reviewer = _require_reviewer(session)
    app = _held(session, application_no, reviewer)
    _not_own(app, reviewer)
    if action not in ACTIONS:
        raise ReviewError(f"未知操作：{action}（approve|reject|return|return_to_first）")
    comment = (comment or "").strip()
    visibility = comment_visibility or None
    if visibility not in (None, *VISIBILITIES):
        raise ReviewError(f"意见范围（comment_visibility）应为 internal（仅内部）或 applicant（告知申请人）：{visibility}")
    if comment and visibility is None:
        raise ReviewError("请选择意见的范围：仅内部可见（internal）或告知申请人（applicant）")
    amount = _parse_amount(monthly_amount)
    start = _parse_date(start_date)
    if kind not in (None, "") and kind != app.kind:
        raise ReviewError(f"申请事项不能在复核中变更（本件为 {app.kind}，收到 {kind}）")
    stage = app.review_stage or "first"

    if stage == "second":
        if action == "return_to_first":
            if not comment:
                raise ReviewError("退回第一复核员需要填写理由")
            if visibility != "internal":
                raise ReviewError("退回第一复核员的意见只能是内部意见（internal），不会告知申请人")
            _review_row(session, app, reviewer, stage, action, comment, visibility)
            proposal = {"monthly_amount": str(app.proposed_amount), "start_date": str(app.proposed_start_date),
                        "kind": app.proposed_kind}
            app.review_stage = "first"
            app.proposed_amount = app.proposed_start_date = app.proposed_kind = None
            app.claimed_by, app.claimed_at = app.first_reviewer, utcnow()  # back on the first reviewer's desk
            app.review_comment = comment
            audit.append(session, action="application.returned_to_first", entity="application",
                         entity_id=app.application_no,
                         detail={"by": reviewer, "to": app.first_reviewer, "proposal": proposal})
            return app
        if action != "approve":
            raise ReviewError("第二次复核只能确认第一复核员的核准意见，或退回第一复核员并说明理由（四眼原则）")
        proposed = (app.proposed_amount, app.proposed_start_date, app.proposed_kind or app.kind)
        if proposed[0] is None:
            raise ReviewError("本件没有待确认的核准意见，请退回第一复核员")
        if (amount is not None and amount != proposed[0]) or (start is not None and start != proposed[1]):
            raise ReviewError(
                f"第二次复核只能确认第一复核员提出的内容（月金额 {proposed[0]} 元，自 {proposed[1]} 起，"
                f"{KIND_NAMES.get(proposed[2], proposed[2])}）；如有不同意见，请退回第一复核员并说明理由")
        refusals, _escalations = check_amount(session, app, proposed[0], proposed[1])
        if refusals:
            raise ReviewError("；".join(f"{r['text']}（{r['reference']}）" for r in refusals))
        _review_row(session, app, reviewer, stage, action, comment, visibility, proposed[0], proposed[1])
        app.review_comment = comment or app.review_comment
        app.start_date = proposed[1]
        approve(session, app, decided_by=reviewer, monthly_amount=proposed[0],
                applicant_note=comment if visibility == "applicant" else "")
        return app

    if action == "return_to_first":
        raise ReviewError("只有第二次复核可以退回第一复核员")
    if action in ("reject", "return") and not comment:
        raise ReviewError("驳回或退回需要填写理由")
    if action == "approve":
        proposal = amount if amount is not None else app.monthly_amount
        if proposal is None:
            raise ReviewError("规则未能计算金额：核准时请填写 monthly_amount（元/月）")
        start = start or app.start_date or app.received_on
        refusals, escalations = check_amount(session, app, proposal, start)
        if refusals:
            raise ReviewError("；".join(f"{r['text']}（{r['reference']}）" for r in refusals))
        larger = max(proposal, app.monthly_amount) if app.monthly_amount is not None else proposal
        four_eyes = app.needs_four_eyes or needs_four_eyes(app.kind, larger) or bool(escalations)
        _review_row(session, app, reviewer, stage, action, comment, visibility, proposal, start)
        app.review_comment = comment or None
        app.first_reviewer, app.first_decision = reviewer, "approve"
        app.first_comment = comment or None
        if four_eyes:
            app.needs_four_eyes = True
            app.review_stage = "second"
            app.proposed_amount, app.proposed_start_date, app.proposed_kind = proposal, start, app.kind
            app.amount_check = json.dumps(escalations, ensure_ascii=False) if escalations else None
            app.claimed_by, app.claimed_at = None, None
            audit.append(session, action="application.review_first", entity="application",
                         entity_id=app.application_no,
                         detail={"by": reviewer, "proposal": "approve", "monthly_amount": str(proposal),
                                 "start_date": start.isoformat(), "kind": app.kind,
                                 "escalations": [e["code"] for e in escalations]})
            return app
        app.start_date = start
        approve(session, app, decided_by=reviewer, monthly_amount=proposal,
                applicant_note=comment if visibility == "applicant" else "")
        return app
    _review_row(session, app, reviewer, stage, action, comment, visibility)
    app.review_comment = comment
    app.first_reviewer, app.first_decision = reviewer, action
    person = session.get(Person, app.person_id)
    if action == "reject":
        reasons = [{"code": "reviewer_rejected", "text": comment, "reference": ""}] if visibility == "applicant" else []
        reasons += [r for r in json.loads(app.decision or "{}").get("reasons", []) if r.get("code") != "provisional_base"]
        if not reasons:
            raise ReviewError("不予核准须向申请人说明理由：规则未给出理由时，请把意见设为“告知申请人”")
        reject(session, app, person=person, reasons=reasons, decided_by=reviewer)
        return app
    # return: back to the applicant for correction; the slot is freed for a corrected application
    if visibility != "applicant":
        raise ReviewError("退回补正须告诉申请人要补正什么：请把意见设为“告知申请人”（applicant）")
    app.status = "returned"
    app.open_slot = None
    app.decided_at = utcnow()
    app.claimed_by = None
    app.final_reviewer = reviewer
    notify(session, app, person, "returned", comment=comment)
    audit.append(session, action="application.returned", entity="application", entity_id=app.application_no,
                 detail={"by": reviewer, "stage": stage})
    return app


KIND_NAMES = {"pension": "基本养老金", "unemployment": "失业保险金"}


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
    out["working_days_left"] = calendar.working_days_between(local_today(), app.deadline)
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
