"""/api/v1/injury — work-injury suggestions and cases (clerks and reviewers; administrators pass too).

``POST /determine`` and ``POST /grade`` take one object and return the suggestion (as ``shebao injury
determine|grade``). The case routes record the steps from the report to the benefits.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Query

from shebao.core.roles import Role
from shebao.http.deps import CurrentUser, SessionDep, require_roles
from shebao.injury.schemas import (
    CaseAccept,
    CaseAppraisal,
    CaseCreate,
    CaseDecision,
    CaseGrant,
    DetermineInput,
    GradeInput,
)

CaseNo = Annotated[str, Path(pattern=r"^GS\d{10}$", description="案件编号，如 GS2026000001")]

router = APIRouter(prefix="/api/v1/injury", tags=["injury"],
                   dependencies=[require_roles(Role.CLERK, Role.REVIEWER)])

EXAMPLE_DETERMINE = {"text": "下班骑电动车回家，在路口被一辆闯红灯的小轿车撞了，交警认定对方全责。"}
EXAMPLE_GRADE = {"text": "右小腿截肢术后，残端在膝下10cm；左眼矫正视力0.2，右眼1.0。"}


def _error(exc: Exception) -> HTTPException:
    message = str(exc)
    return HTTPException(status_code=404 if "不存在" in message else 409, detail=message)


@router.post("/determine", summary="工伤认定建议（工伤保险条例第十四至十六条）")
def determine(body: DetermineInput = Body(..., examples=[EXAMPLE_DETERMINE])) -> dict[str, Any]:
    """determination（injury / deemed / excluded / not_injury / unclear）、article、item、读出的事实（附原话）、
    missing、citations、explanation。"""
    from shebao.injury.determination import suggest
    from shebao.injury.llm import configured_reader

    return suggest(body.text, body.facts, llm=configured_reader())


@router.post("/grade", summary="伤残等级建议（GB/T 16180-2014）")
def grade(body: GradeInput = Body(..., examples=[EXAMPLE_GRADE])) -> dict[str, Any]:
    """grade（1–10 或 null）、clause、clause_text、candidates、missing、explanation，以及标准文本的说明。"""
    from shebao.injury.grading import suggest_grade

    return suggest_grade(body.text)


def _run(session, action) -> dict[str, Any]:
    from shebao.injury.service import InjuryError, case_view

    try:
        return case_view(session, action())
    except InjuryError as exc:
        raise _error(exc) from None


@router.get("/cases", summary="工伤案件队列（按认定期限）")
def cases(session: SessionDep,
          status: Literal["open", "reported", "accepted", "decided", "appraised", "granted", "closed"] = Query("open"),
          limit: int = Query(200, ge=1, le=1000)) -> list[dict[str, Any]]:
    from shebao.injury.service import case_view, list_cases

    return [case_view(session, c, full=False) for c in list_cases(session, status=status, limit=limit)]


@router.post("/cases", status_code=201, summary="登记工伤认定申请（附认定建议、等级建议和时限）")
def report(body: CaseCreate, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.injury.service import report_case

    return _run(session, lambda: report_case(session, data=body, actor=user.username))


@router.get("/cases/{case_no}", summary="一个案件")
def get(case_no: CaseNo, session: SessionDep) -> dict[str, Any]:
    from shebao.injury.service import get_case

    return _run(session, lambda: get_case(session, case_no=case_no))


@router.post("/cases/{case_no}/accept", summary="受理（决定时限60日，事实清楚的15日）")
def accept(case_no: CaseNo, body: CaseAccept, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.injury.service import accept_case

    return _run(session, lambda: accept_case(session, case_no=case_no, data=body, actor=user.username))


@router.post("/cases/{case_no}/documents", summary="登记已收材料（第十八条）")
def documents(case_no: CaseNo, session: SessionDep, user: CurrentUser,
              body: dict[str, bool] = Body(..., examples=[{"labour_relation": True}])) -> dict[str, Any]:
    from shebao.injury.service import record_documents

    return _run(session, lambda: record_documents(session, case_no=case_no, documents=body, actor=user.username))


@router.post("/cases/{case_no}/decision", summary="工伤认定决定（同意建议或写明理由改判）",
             dependencies=[require_roles(Role.REVIEWER)])
def decide(case_no: CaseNo, body: CaseDecision, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.injury.service import decide_case

    return _run(session, lambda: decide_case(session, case_no=case_no, data=body, actor=user.username))


@router.post("/cases/{case_no}/diagnosis", summary="伤情相对稳定后的诊断结论（重新给出等级建议）")
def diagnosis(case_no: CaseNo, body: GradeInput, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.injury.service import regrade

    return _run(session, lambda: regrade(session, case_no=case_no, text=body.text, actor=user.username))


@router.post("/cases/{case_no}/appraisal", summary="劳动能力鉴定结论", dependencies=[require_roles(Role.REVIEWER)])
def appraisal(case_no: CaseNo, body: CaseAppraisal, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.injury.service import appraise_case

    return _run(session, lambda: appraise_case(session, case_no=case_no, data=body, actor=user.username))


@router.post("/cases/{case_no}/benefits", summary="核定待遇并发放基金支付部分（第三十五至三十七条）",
             dependencies=[require_roles(Role.REVIEWER)])
def benefits(case_no: CaseNo, body: CaseGrant, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from shebao.injury.service import grant_case_benefits

    return _run(session, lambda: grant_case_benefits(session, case_no=case_no, data=body, actor=user.username))
