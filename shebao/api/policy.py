"""Policy API: the citizens' calculators (open to everyone) and the parameters (staff; changes: admin)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, Field

from shebao.core.roles import Role
from shebao.http.deps import CurrentUser, SessionDep, require_roles

router = APIRouter(prefix="/api/v1", tags=["智导 · 政策参数"])

CALCULATORS = {
    "pension": "calc_pension",
    "retirement": "calc_retirement",
    "plan": "calc_plan",
    "backpay": "calc_backpay",
    "unemployment": "calc_unemployment",
}


def _run(kind: str, inputs: dict[str, Any], session) -> dict[str, Any]:
    """Run a calculator with its inputs checked; a refused input answers 422 in FastAPI's own shape
    (``detail`` a list of ``{loc, msg, type}``), ``loc`` naming the field and ``msg`` in Chinese."""
    from shebao.policy import InputError, ParameterError
    from shebao.policy.guide import run_calculator
    from shebao.policy.store import parameters_for

    try:
        return run_calculator(kind, inputs, parameters_for(session))
    except InputError as exc:
        loc = ["body", exc.field] if exc.field else ["body"]
        raise HTTPException(422, [{"loc": loc, "msg": str(exc), "type": "value_error"}]) from None
    except ParameterError as exc:
        raise HTTPException(422, [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]) from None


EXAMPLE_PENSION = {
    "retirement_date": "2025-02",
    "birth_date": "1965-01",
    "original_retirement_age": 60,
    "avg_contribution_index": "1.2",
    "contribution_months": 420,
    "pre_account_months": 100,
    "account_balance": "100000",
}


@router.post("/calc/pension", summary="养老金测算")
def calc_pension(session: SessionDep, inputs: dict[str, Any] = Body(..., examples=[EXAMPLE_PENSION])) -> dict[str, Any]:
    """基础养老金、个人账户养老金、过渡性养老金与合计（字符串，两位小数），附计算过程与出处。"""
    return _run("pension", inputs, session)


@router.post("/calc/retirement", summary="退休时间测算")
def calc_retirement(
    session: SessionDep,
    inputs: dict[str, Any] = Body(..., examples=[{"birth_date": "1970-05", "original_retirement_age": 60}]),
) -> dict[str, Any]:
    """法定退休时间、弹性退休区间、最低缴费年限。"""
    return _run("retirement", inputs, session)


@router.post("/calc/plan", summary="灵活就业参保套餐")
def calc_plan(
    session: SessionDep,
    inputs: dict[str, Any] = Body(..., examples=[{"birth_date": "1980-03", "sex": "female", "original_retirement_age": 55,
                                                   "contribution_months": 60, "avg_contribution_index": "0.6",
                                                   "account_balance": "12000"}]),
) -> dict[str, Any]:
    """各缴费档次的费用、预计养老金、回本期与内部收益率（注明测算假设）。"""
    return _run("plan", inputs, session)


@router.post("/calc/backpay", summary="补缴收益测算")
def calc_backpay(
    session: SessionDep,
    inputs: dict[str, Any] = Body(..., examples=[{"birth_date": "1966-03", "sex": "female", "original_retirement_age": 55,
                                                   "contribution_months": 150, "avg_contribution_index": "0.7",
                                                   "account_balance": "20000", "backpay_months": 36,
                                                   "backpay_base": "5000"}]),
) -> dict[str, Any]:
    """补缴费用、每月增加的养老金、回本月数、内部收益率和法定条件。"""
    return _run("backpay", inputs, session)


EXAMPLE_UNEMPLOYMENT = {"region": "370502", "date": "2024-03-01", "contribution_months": 84,
                        "previous_unclaimed_months": 0, "birth_date": "1970-05-01", "sex": "M"}


@router.post("/calc/unemployment", summary="失业保险金测算")
def calc_unemployment(
    session: SessionDep, inputs: dict[str, Any] = Body(..., examples=[EXAMPLE_UNEMPLOYMENT]),
) -> dict[str, Any]:
    """月标准 monthly_amount（字符串，两位小数；当地月最低工资标准 × 比例）、领取期限 duration_months、
    截止日期 end_date，附计算过程与出处（含最低工资标准文件）。"""
    return _run("unemployment", inputs, session)


@router.get("/params", summary="政策参数列表（工作人员）")
def list_params(session: SessionDep, user: CurrentUser, prefix: str = "") -> list[dict[str, Any]]:
    from shebao.policy.store import parameters_for

    ps = parameters_for(session)
    return [ps.describe(n) for n in ps.names() if n.startswith(prefix)]


@router.get("/params/{name}", summary="参数历史（工作人员）")
def param_history(name: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.policy import ParameterError
    from shebao.policy.store import overlay_log, parameters_for

    ps = parameters_for(session)
    try:
        return {**ps.describe(name), "values": ps.history(name), "changes": overlay_log(session, name)}
    except ParameterError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


class ParamSet(BaseModel):
    name: str = Field(..., examples=["pension.base"])
    region: str = Field("000000", examples=["370000"])
    effective_from: dt.date
    value: Any = Field(..., description="数值、字符串、表格（映射）或 null（已知缺失）")
    reference: str | dict[str, str] = Field(..., examples=["鲁人社字〔2026〕1号"])
    published: dt.date | None = None
    confirmed: bool = True
    note: str | None = None


@router.post("/params", summary="新增参数值（管理员）", status_code=201, dependencies=[require_roles(Role.ADMIN)])
def set_param(body: ParamSet, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.policy import ParameterError
    from shebao.policy.store import set_parameter

    try:
        return set_parameter(
            session,
            name=body.name,
            region=body.region,
            effective_from=body.effective_from,
            value=body.value if not isinstance(body.value, int | float) else str(body.value),
            reference=body.reference,
            by=user.username,
            published=body.published,
            confirmed=body.confirmed,
            note=body.note,
        )
    except ParameterError as exc:
        raise HTTPException(422, str(exc)) from None


class ParamAdopt(BaseModel):
    name: str = Field(..., examples=["wages.minimum_monthly"])
    region: str = Field("000000", examples=["370500"])
    effective_from: dt.date
    note: str = Field(..., min_length=1, examples=["经核对鲁政字〔2025〕140号"])


@router.post("/params/adopt", summary="采用随附值（管理员）", status_code=201, dependencies=[require_roles(Role.ADMIN)])
def adopt_param(body: ParamAdopt, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """本机构采用一个随附值（某参数、地区、生效日期）：此后按 agency 级别参与自动决定；记审计日志。"""
    from shebao.policy import ParameterError
    from shebao.policy.store import adopt_parameter

    try:
        return adopt_parameter(session, name=body.name, region=body.region, effective_from=body.effective_from,
                               note=body.note, by=user.username)
    except ParameterError as exc:
        raise HTTPException(422, str(exc)) from None
