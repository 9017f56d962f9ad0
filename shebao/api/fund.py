"""/api/v1/fund — reconciliation reports (sign-off, reopen, differences), monitoring, projection."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from shebao.core.roles import Role
from shebao.fund.schemas import (
    ProjectionRequest,
    ReopenBody,
    ReportRead,
    ReportWithDifferences,
    ResolveBody,
    SignOffBody,
)
from shebao.http.deps import SessionDep, require_roles

PeriodPath = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="对账期间 YYYY-MM")]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"

router = APIRouter(prefix="/api/v1/fund", tags=["fund"],
                   dependencies=[require_roles(Role.AUDITOR, Role.ANALYST)])


def _error(exc: Exception) -> HTTPException:
    message = str(exc)
    if "角色" in message:
        return HTTPException(status_code=403, detail=message)
    return HTTPException(status_code=404 if ("不存在" in message or "尚未对账" in message) else 409, detail=message)


@router.get("/reconciliations", response_model=list[ReportRead], summary="各期对账报告")
def reports(session: SessionDep) -> list[dict]:
    from shebao.fund.service import list_reconciliations, report_dict

    return [report_dict(r) for r in list_reconciliations(session)]


@router.get("/reconciliations/{period}", response_model=ReportWithDifferences, summary="一期对账报告及差异")
def report(period: PeriodPath, session: SessionDep,
           klass: str | None = Query(None, alias="class", max_length=32)) -> dict:
    from shebao.fund.service import difference_dict, get_reconciliation, list_differences, report_dict

    rec = get_reconciliation(session, period=period)
    if rec is None:
        raise HTTPException(status_code=404, detail=f"{period} 尚未对账")
    return {"report": report_dict(rec),
            "differences": [difference_dict(d) for d in list_differences(session, period=period, klass=klass)]}


@router.post("/reconciliations/{period}/sign-off", response_model=ReportRead, summary="签认对账报告（稽核员）")
def sign_off_(period: PeriodPath, body: SignOffBody, session: SessionDep) -> dict:
    from shebao.fund.service import FundError, report_dict, sign_off

    try:
        return report_dict(sign_off(session, period=period, note=body.note))
    except FundError as exc:
        raise _error(exc) from None


@router.post("/reconciliations/{period}/reopen", response_model=ReportRead, summary="重开已签认的对账报告（须说明原因）")
def reopen_(period: PeriodPath, body: ReopenBody, session: SessionDep) -> dict:
    from shebao.fund.service import FundError, reopen, report_dict

    try:
        return report_dict(reopen(session, period=period, reason=body.reason))
    except FundError as exc:
        raise _error(exc) from None


@router.post("/differences/{difference_id}/resolve", summary="处理一条对账差异（须填写说明）")
def resolve_(difference_id: Annotated[int, Path(ge=1, le=2_147_483_647)], body: ResolveBody,
             session: SessionDep) -> dict:
    from shebao.fund.service import FundError, difference_dict, resolve_difference

    try:
        return difference_dict(resolve_difference(session, difference_id=difference_id, note=body.note))
    except FundError as exc:
        raise _error(exc) from None


@router.get("/monitor", summary="基金运行监测（逐月、分地区、分险种）")
def monitor_(session: SessionDep, start: str = Query(..., alias="from", pattern=MONTH),
             end: str = Query(..., alias="to", pattern=MONTH),
             region: str | None = Query(None, pattern=r"^\d{6}$")) -> dict:
    from shebao.fund.monitor import MonitorError, monitor

    try:
        return monitor(session, start=start, end=end, region=region)
    except MonitorError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


@router.post("/projection", summary="精算预测（情景省略时用“演示假设”）")
def projection_(body: ProjectionRequest) -> dict[str, Any]:
    from shebao.fund.projection import ScenarioError, project_json

    try:
        return project_json(body.scenario, to_year=body.to_year, compare_fixed_ages=body.compare_fixed_ages)
    except ScenarioError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
