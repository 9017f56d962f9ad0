"""/api/v1/payroll and /api/v1/benefits — the payroll and every event after the grant, with role checks.

Clerks (经办员) run the payroll, apply bank returns, record deaths, certifications and repayments;
reviewers (复核员) recalculate, adjust, grant survivor benefits and decide demands and write-offs;
auditors (稽核员) may suspend and register overpayments and read everything; administrators pass.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from shebao.benefits.schemas import (
    AdjustBody,
    CertificationBody,
    DeathBody,
    OverpaymentBody,
    PayrollRunBody,
    PayrollRunRead,
    RecalcBody,
    RepayBody,
    ResumeBody,
    ReturnsBody,
    SurvivorGrantBody,
    SuspendBody,
    SyncBody,
    WriteOffBody,
)
from shebao.core.roles import Role
from shebao.core.settings import local_today
from shebao.http.deps import CurrentUser, SessionDep, require_roles

router = APIRouter(tags=["benefits"])

READERS = require_roles(Role.CLERK, Role.REVIEWER, Role.AUDITOR)


def _error(exc: Exception) -> HTTPException:
    message = str(exc)
    return HTTPException(status_code=404 if "不存在" in message else 409, detail=message)


def _errors():
    from shebao.benefits.periods import PeriodError
    from shebao.benefits.recovery import RecoveryError
    from shebao.benefits.service import BenefitError

    return (BenefitError, RecoveryError, PeriodError)


# --- payroll ----------------------------------------------------------------------------------------------


@router.post("/api/v1/payroll/runs", response_model=PayrollRunRead, summary="月度发放（每期每类只生成一次）",
             dependencies=[require_roles(Role.CLERK)])
def payroll_run(body: PayrollRunBody, request: Request, user: CurrentUser) -> dict:
    from shebao.benefits.payroll import run_payroll

    s = run_payroll(body.period, engine=request.app.state.engine, actor=user.username, actor_role=user.role,
                    source=f"api:{request.client.host if request.client else 'unknown'}", batch_size=body.batch_size,
                    max_attempts=body.max_attempts, max_deduction_rate=body.max_deduction_rate, sync=body.sync,
                    as_of=body.as_of)
    return s.as_json()


@router.post("/api/v1/payroll/returns", summary="银行回盘：标记已支付/失败", dependencies=[require_roles(Role.CLERK)])
def payroll_returns(body: ReturnsBody, session: SessionDep) -> dict:
    from shebao.benefits.payroll import apply_returns

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "returns.csv"
        try:
            path.write_text(body.csv, encoding="utf-8")
            return apply_returns(session, path, max_attempts=body.max_attempts).as_json()
        except ValueError as exc:  # includes an undecodable body
            raise HTTPException(422, str(exc)) from None


@router.get("/api/v1/payroll/failures", summary="发放失败的支付指令",
            dependencies=[require_roles(Role.CLERK, Role.AUDITOR)])
def payroll_failures(session: SessionDep, escalated: bool = Query(False)) -> list[dict]:
    from shebao.benefits.payroll import list_failures

    return list_failures(session, escalated_only=escalated)


@router.get("/api/v1/payroll/{period}/totals", summary="期间支付汇总",
            dependencies=[require_roles(Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.ANALYST)])
def payroll_totals(period: str, session: SessionDep) -> dict:
    from shebao.benefits.payroll import period_totals

    try:
        return period_totals(session, period)
    except _errors() as exc:
        raise HTTPException(422, str(exc)) from None


# --- events -------------------------------------------------------------------------------------------


@router.post("/api/v1/benefits/deaths", summary="登记死亡：停发、多发追回、遗属待遇案件",
             dependencies=[require_roles(Role.CLERK)])
def death(body: DeathBody, session: SessionDep) -> dict:
    from shebao.benefits.death import process_death
    from shebao.policy import InputError

    try:
        return process_death(session, person_id=body.person_id, death_date=body.death_date, source=body.source,
                             work_injury=body.work_injury, as_of=local_today())
    except (*_errors(), InputError) as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/survivor-cases/{case_id}/grant", summary="核定遗属待遇",
             dependencies=[require_roles(Role.REVIEWER)])
def survivor_grant(case_id: int, body: SurvivorGrantBody, session: SessionDep) -> list[dict]:
    from shebao.benefits.death import grant_survivor_items

    try:
        granted = grant_survivor_items(session, case_id=case_id, bank_account=body.bank_account)
    except _errors() as exc:
        raise _error(exc) from None
    except ValueError as exc:  # an invalid bank card
        raise HTTPException(422, str(exc)) from None
    return [{"benefit_id": b.benefit_id, "kind": b.kind, "amount": f"{b.monthly_amount:.2f}"} for b in granted]


@router.post("/api/v1/benefits/certifications", summary="登记资格认证（逾期暂停的恢复并补发）",
             dependencies=[require_roles(Role.CLERK)])
def certification(body: CertificationBody, session: SessionDep) -> dict:
    from shebao.benefits.suspension import record_certification

    try:
        return record_certification(session, person_id=body.person_id, certified_date=body.certified_date,
                                    method=body.method)
    except _errors() as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/recalculations", summary="计发基数公布后重算暂核养老金并补发",
             dependencies=[require_roles(Role.REVIEWER)])
def recalculate(body: RecalcBody, session: SessionDep) -> dict:
    from shebao.benefits.recalc import recalculate_provisional

    try:
        return recalculate_provisional(session, on=body.on or local_today(), year=body.year)
    except _errors() as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/adjustments", summary="年度调待（晚执行月份补发）",
             dependencies=[require_roles(Role.REVIEWER)])
def adjust(body: AdjustBody, session: SessionDep) -> dict:
    from shebao.benefits.adjustment import apply_adjustment

    try:
        return apply_adjustment(session, year=body.year, on=body.on or local_today())
    except _errors() as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/sync", summary="处理登记库事件（死亡、服刑、认证、基数公布）",
             dependencies=[require_roles(Role.CLERK)])
def sync(body: SyncBody, session: SessionDep) -> dict:
    from shebao.benefits.events import sync_registry

    return sync_registry(session, as_of=body.as_of or local_today())


# --- debts ----------------------------------------------------------------------------------------------

@router.get("/api/v1/benefits/debts", summary="多发待遇追回情况", dependencies=[READERS])
def debts(session: SessionDep, person_id: str | None = Query(None, max_length=32),
          benefit_id: str | None = Query(None, max_length=32),
          status: Literal["open", "deducting", "demanded", "recovered", "written_off"] | None = Query(None)) -> list[dict]:
    from shebao.benefits.recovery import debt_json, list_debts

    return [debt_json(session, d) for d in list_debts(session, person_id=person_id, benefit_id=benefit_id,
                                                       status=status)]


@router.post("/api/v1/benefits/debts/{debt_id}/repay", summary="登记退还", dependencies=[require_roles(Role.CLERK)])
def repay(debt_id: int, body: RepayBody, session: SessionDep) -> dict:
    from shebao.benefits.recovery import debt_json
    from shebao.benefits.recovery import repay as repay_

    try:
        return debt_json(session, repay_(session, debt_id=debt_id, amount=body.amount, receipt=body.receipt))
    except _errors() as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/debts/{debt_id}/demand", summary="责令退还", dependencies=[require_roles(Role.REVIEWER)])
def demand(debt_id: int, session: SessionDep) -> dict:
    from shebao.benefits.recovery import debt_json
    from shebao.benefits.recovery import demand as demand_

    try:
        return debt_json(session, demand_(session, debt_id=debt_id))
    except _errors() as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/debts/{debt_id}/write-off", summary="核销", dependencies=[require_roles(Role.REVIEWER)])
def write_off(debt_id: int, body: WriteOffBody, session: SessionDep) -> dict:
    from shebao.benefits.recovery import debt_json
    from shebao.benefits.recovery import write_off as write_off_

    try:
        return debt_json(session, write_off_(session, debt_id=debt_id, reason=body.reason))
    except _errors() as exc:
        raise _error(exc) from None


# --- notices ------------------------------------------------------------------------------------------------

@router.get("/api/v1/benefits/notices", summary="通知书列表", dependencies=[READERS])
def notices(session: SessionDep, person_id: str | None = Query(None, max_length=32),
            benefit_id: str | None = Query(None, max_length=32), kind: str | None = Query(None, max_length=24),
            limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
    from shebao.benefits.notices import list_notices

    return [{"id": n.id, "kind": n.kind, "title": n.title, "person_id": n.person_id, "benefit_id": n.benefit_id,
             "issued_on": n.issued_on.isoformat()}
            for n in list_notices(session, person_id=person_id, benefit_id=benefit_id, kind=kind, limit=limit)]


@router.get("/api/v1/benefits/notices/{notice_id}.{fmt}", summary="打印通知书（HTML 或 PDF）", dependencies=[READERS])
def notice(notice_id: int, fmt: Literal["html", "pdf"], session: SessionDep,
           recipient: bool = Query(False, description="送达本人的一份：姓名和公民身份号码完整显示（限可查看完整个人信息的角色，留痕）")) -> Response:
    from shebao.audit import log_full_access
    from shebao.benefits.models import Notice
    from shebao.benefits.render import FontMissing, render_html, render_pdf
    from shebao.core.roles import ROLES_SEEING_FULL_PERSONAL_DATA, has_role, role_of
    from shebao.registry.models import Person

    n = session.get(Notice, notice_id)
    if n is None:
        raise HTTPException(404, f"通知书不存在：{notice_id}")
    if recipient:
        if not has_role(role_of(session), *ROLES_SEEING_FULL_PERSONAL_DATA, admin_passes=False):
            raise HTTPException(403, "送达本人的通知书含完整个人信息，仅经办员、复核员、稽核员可以打印")
        log_full_access(session, entity="benefit_notices", entity_id=str(notice_id), fields=["name", "id_number"],
                        purpose="打印送达本人的通知书")
    person = session.get(Person, n.person_id)
    if fmt == "html":
        return HTMLResponse(render_html(n, person=person, for_recipient=recipient))
    try:
        pdf = render_pdf(n, person=person, for_recipient=recipient)
    except FontMissing as exc:
        raise HTTPException(503, str(exc)) from None
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="notice-{notice_id}.pdf"'})


# --- one benefit ---------------------------------------------------------------------------------------------

@router.get("/api/v1/benefits/{benefit_id}", summary="一项待遇（暂停、欠款、最近支付）", dependencies=[READERS])
def show(benefit_id: str, session: SessionDep) -> dict:
    from shebao.benefits.queries import benefit_json

    try:
        return benefit_json(session, benefit_id)
    except _errors() as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/{benefit_id}/suspend", summary="暂停发放",
             dependencies=[require_roles(Role.CLERK, Role.AUDITOR)])
def suspend(benefit_id: str, body: SuspendBody, session: SessionDep) -> dict:
    from shebao.benefits.service import suspend_benefit

    try:
        s = suspend_benefit(session, benefit_id=benefit_id, reason=body.reason, from_period=body.from_period,
                            reason_code="manual", source_ref=f"manual:{body.from_period}",
                            backpay_on_resume=body.backpay_on_resume)
    except _errors() as exc:
        raise _error(exc) from None
    return {"suspension_id": s.id, "benefit_id": benefit_id, "from_period": s.from_period, "status": s.status}


@router.post("/api/v1/benefits/{benefit_id}/resume", summary="恢复发放",
             dependencies=[require_roles(Role.CLERK, Role.AUDITOR)])
def resume(benefit_id: str, body: ResumeBody, session: SessionDep) -> dict:
    from shebao.benefits.service import resume_benefit

    try:
        return resume_benefit(session, benefit_id=benefit_id, resume_period=body.from_period, reason=body.reason)
    except _errors() as exc:
        raise _error(exc) from None


@router.post("/api/v1/benefits/{benefit_id}/overpayment", summary="登记错发的多发待遇",
             dependencies=[require_roles(Role.CLERK, Role.AUDITOR)])
def overpayment(benefit_id: str, body: OverpaymentBody, session: SessionDep) -> dict:
    from shebao.benefits.service import compute_overpayment

    try:
        amount = compute_overpayment(session, benefit_id=benefit_id, periods=body.periods, reason=body.reason,
                                     reason_code="error", source_ref="error:" + ",".join(body.periods)[:58])
    except _errors() as exc:
        raise _error(exc) from None
    return {"benefit_id": benefit_id, "overpayment": f"{amount:.2f}", "periods": body.periods}
