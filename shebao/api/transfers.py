"""/api/v1/transfers — moving a person's pension insurance between regions (issue 21).

``POST /api/v1/transfers/plan`` computes a plan: from a history given in the body (a calculator,
open to everyone, like ``/api/v1/calc/*``), or from the registry (``person_id``: staff only). The
case's steps are for clerks; accepting a fund difference is for reviewers; auditors read.
A refused input answers 422 in FastAPI's shape, ``loc`` naming the field, ``msg`` in Chinese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from pydantic import BaseModel, Field

from shebao.core.roles import Role
from shebao.http.deps import CurrentUser, OptionalUser, SessionDep, check_roles, require_roles

router = APIRouter(prefix="/api/v1/transfers", tags=["关系转移接续"])

READERS = (Role.CLERK, Role.REVIEWER, Role.AUDITOR)
PLAN_FIELDS = ("kind", "personal_account_transfer", "pooled_fund_transfer", "total_transfer", "years_combined",
               "temporary_account", "pension_place", "trace")

EXAMPLE = {"from_region": "110105", "to_region": "370502", "date": "2025-06-02", "household_region": "370502",
           "birth_date": "1985-01-01", "sex": "M",
           "contributions": [{"region": "110105", "year": 2024, "months": 12, "monthly_base": "6000.00"}],
           "account_balance": "5760.00", "account_pre1998_own": "0"}


def _http(exc: Exception) -> HTTPException:
    from shebao.policy.tree import ParameterMissing

    field = getattr(exc, "field", None)
    message = str(exc)
    if isinstance(exc, ParameterMissing):
        return HTTPException(422, [{"loc": ["body"], "msg": message, "type": "parameter_missing"}])
    if field == "transfer_no" and "不存在" in message:
        return HTTPException(404, message)
    if field in ("status", "kind"):
        return HTTPException(409, message)
    loc = ["body", *str(field).replace("]", "").replace("[", ".").split(".")] if field else ["body"]
    return HTTPException(422, [{"loc": loc, "msg": message, "type": "value_error"}])


def _errors() -> tuple[type[Exception], ...]:
    from shebao.benefits.transfers import TransferError
    from shebao.policy.common import InputError
    from shebao.policy.tree import ParameterMissing

    return (TransferError, InputError, ParameterMissing)


@router.post("/plan", summary="测算转移：类型、转移资金（到分）、累计年限、临时缴费账户、待遇领取地")
def plan(session: SessionDep, user: OptionalUser, inputs: Any = Body(..., examples=[EXAMPLE])) -> dict[str, Any]:
    """输入缴费历史（任何人可用），或 ``{person_id, to_region, date, household_region}``（从登记库读取，限工作人员）。
    金额为字符串，精确到分；``trace`` 列出每个数字的规则、出处（办法未核实的标 secondary）和所加总的年度。"""
    from shebao.cases.transfers import plan_transfer

    if isinstance(inputs, dict) and inputs.get("person_id") and "contributions" not in inputs:
        check_roles(user, READERS)
    try:
        out = plan_transfer(session, inputs)
    except _errors() as exc:
        raise _http(exc) from None
    return {k: out[k] for k in PLAN_FIELDS}


class ApplyBody(BaseModel):
    idempotency_key: str = Field(..., min_length=1, max_length=128, description="幂等键")
    person_id: str = Field(..., min_length=1, max_length=32)
    to_region: str = Field(..., description="转入地行政区划代码")
    household_region: str = Field(..., description="户籍所在地行政区划代码")
    date: dt.date | None = Field(None, description="受理日期（默认今天）")
    account_pre1998_own: str | None = Field(None, description="1998年前个人缴费累计本息（有1998年前缴费的必填）")
    account_pre1998_total: str | None = Field(None, description="1998年前个人账户储存额")


class StepBody(BaseModel):
    date: dt.date | None = Field(None, description="办理日期（默认今天）")


class FundBody(StepBody):
    personal: str = Field(..., description="结算单：个人账户金额（元）")
    pooled: str = Field(..., description="结算单：统筹基金金额（元）")
    statement_no: str = Field("", max_length=64)
    accept_difference: bool = False
    comment: str = Field("", max_length=500)


class RecordsBody(StepBody):
    records: list[dict[str, Any]] = Field(default_factory=list, description="登记库外的缴费明细（转出地结算单）")
    chunk_size: int = Field(500, ge=1, le=10000)


class RefuseBody(StepBody):
    reason: str = Field(..., min_length=1, max_length=500)


def _view(session, t) -> dict[str, Any]:
    from shebao.cases.transfers import view

    return view(session, t)


@router.post("", summary="受理转移申请（转入地）", dependencies=[require_roles(Role.CLERK)])
def apply(body: ApplyBody, session: SessionDep) -> dict[str, Any]:
    from shebao.cases import transfers as tr

    raw = body.model_dump(exclude={"idempotency_key", "date"}, exclude_none=True)
    try:
        t, created = tr.apply(session, raw=raw, idempotency_key=body.idempotency_key, on=body.date)
    except _errors() as exc:
        raise _http(exc) from None
    return {**_view(session, t), "created": created}


@router.get("", summary="转移业务列表", dependencies=[require_roles(*READERS)])
def list_transfers(session: SessionDep, status: str | None = Query(None, max_length=16)) -> list[dict[str, Any]]:
    from shebao.cases import transfers as tr

    return [tr.view(session, t, full=False) for t in tr.list_transfers(session, status=status)]


@router.get("/{transfer_no}", summary="一笔转移业务", dependencies=[require_roles(*READERS)])
def show(transfer_no: str, session: SessionDep) -> dict[str, Any]:
    from shebao.cases import transfers as tr

    try:
        return _view(session, tr.get(session, transfer_no))
    except _errors() as exc:
        raise _http(exc) from None


@router.post("/{transfer_no}/certificate", summary="出具参保缴费凭证（转出地）", dependencies=[require_roles(Role.CLERK)])
def certificate(transfer_no: str, session: SessionDep, body: StepBody | None = None) -> dict[str, Any]:
    from shebao.cases import transfers as tr

    try:
        return _view(session, tr.issue_certificate(session, transfer_no=transfer_no, on=body.date if body else None))
    except _errors() as exc:
        raise _http(exc) from None


@router.post("/{transfer_no}/accept", summary="发联系函，同意接收（转入地）", dependencies=[require_roles(Role.CLERK)])
def accept(transfer_no: str, session: SessionDep, body: StepBody | None = None) -> dict[str, Any]:
    from shebao.cases import transfers as tr

    try:
        return _view(session, tr.accept(session, transfer_no=transfer_no, on=body.date if body else None))
    except _errors() as exc:
        raise _http(exc) from None


@router.post("/{transfer_no}/fund", summary="记录转来的基金并按结算单核对", dependencies=[require_roles(Role.CLERK, Role.REVIEWER)])
def fund(transfer_no: str, body: FundBody, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.cases import transfers as tr

    check_roles(user, (Role.REVIEWER,) if body.accept_difference else (Role.CLERK,))
    try:
        t, result = tr.record_fund(session, transfer_no=transfer_no, personal=body.personal, pooled=body.pooled,
                                   statement_no=body.statement_no, on=body.date,
                                   accept_difference=body.accept_difference, comment=body.comment)
    except _errors() as exc:
        raise _http(exc) from None
    return {**_view(session, t), "differences": result["differences"]}


@router.post("/{transfer_no}/records", summary="接续缴费记录并办结（转入地）", dependencies=[require_roles(Role.CLERK)])
def records(transfer_no: str, body: RecordsBody, request: Request, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.benefits.transfers import parse_statement_rows
    from shebao.cases import transfers as tr

    try:
        rows = parse_statement_rows(body.records)
        session.commit()  # the move owns its transactions (committed chunks); nothing of this request is pending
        tr.move_records_step(request.app.state.engine, transfer_no=transfer_no, rows=rows, on=body.date,
                             actor=user.username, actor_role=user.role,
                             source=f"api:{request.client.host if request.client else 'unknown'}",
                             chunk_size=body.chunk_size)
        session.expire_all()
        return _view(session, tr.get(session, transfer_no))
    except _errors() as exc:
        raise _http(exc) from None


@router.post("/{transfer_no}/refuse", summary="不予受理", dependencies=[require_roles(Role.CLERK)])
def refuse(transfer_no: str, body: RefuseBody, session: SessionDep) -> dict[str, Any]:
    from shebao.cases import transfers as tr

    try:
        return _view(session, tr.refuse(session, transfer_no=transfer_no, reason=body.reason, on=body.date))
    except _errors() as exc:
        raise _http(exc) from None
