"""Policy API: the citizens' calculators (open to everyone) and the parameters (staff; changes: admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, status

from shebao.core.roles import Role
from shebao.http.deps import CurrentUser, SessionDep, require_roles
from shebao.policy.common import InputError
from shebao.policy.schemas import ParamAdopt, ParamSet
from shebao.policy.service import calculate
from shebao.policy.store import parameters_for

router = APIRouter(prefix="/api/v1", tags=["智导 · 政策参数"])

def _run(kind: str, inputs: dict[str, Any], session) -> dict[str, Any]:
    """Run a calculator through the policy service; a refused input answers 422 in FastAPI's own
    shape (``detail`` a list of ``{loc, msg, type}``), ``loc`` naming the field and ``msg`` in Chinese."""
    try:
        return calculate(kind, inputs, parameters_for(session))
    except InputError as exc:
        loc = ["body", exc.field] if exc.field else ["body"]
        raise HTTPException(422, [{"loc": loc, "msg": str(exc), "type": "value_error"}]) from None


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


EXAMPLE_INJURY = {"region": "370000", "injury_date": "2024-05-01", "avg_monthly_wage": "6000", "grade": 7}


@router.post("/calc/injury", summary="工伤保险待遇测算")
def calc_injury(session: SessionDep, inputs: dict[str, Any] = Body(..., examples=[EXAMPLE_INJURY])) -> dict[str, Any]:
    """本人工资、一次性伤残补助金、伤残津贴（一至六级）、一次性工伤医疗补助金和伤残就业补助金（五至十级，有出处的地区；
    可选 occupational_disease、years_to_retirement），items 列出每项及其条款（第三十五至三十七条）；
    或因工死亡待遇（death_date 与 dependants），附出处。"""
    return _run("injury", inputs, session)


EXAMPLE_SURVIVOR = {"region": "370000", "death_date": "2024-05-01", "contribution_months": 180}


@router.post("/calc/survivor", summary="丧葬补助金和抚恤金测算")
def calc_survivor(session: SessionDep, inputs: dict[str, Any] = Body(..., examples=[EXAMPLE_SURVIVOR])) -> dict[str, Any]:
    """参保人员因病或非因工死亡：丧葬补助金、抚恤金月数与金额（人社部发〔2021〕18号），附计算过程与出处。"""
    return _run("survivor", inputs, session)


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
