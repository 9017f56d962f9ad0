"""Workbench pages of the injury domain: the queue of cases, a case from report to benefits, and a page
to try the two suggestions on a text (clerks and reviewers; deciding, appraising and granting need
the reviewer role)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from shebao.core.roles import Role, has_role
from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render

router = APIRouter(prefix="/staff/injury", include_in_schema=False)

STATUS_FILTERS = [("open", "未办结"), ("reported", "已申请"), ("accepted", "已受理"), ("decided", "已认定"),
                  ("appraised", "已鉴定"), ("granted", "已核定待遇"), ("closed", "已结案")]
DETERMINATION_CHOICES = [("injury", "工伤（第十四条）"), ("deemed", "视同工伤（第十五条）"),
                         ("excluded", "不得认定为工伤（第十六条）"), ("not_injury", "不予认定为工伤")]


VALUE_LABELS = {"road": "道路交通事故", "rail_transit": "城市轨道交通事故", "ferry": "客运轮渡事故", "train": "火车事故",
                "other": "非交通事故", "none": "无责任", "minor": "次要责任", "equal": "同等责任", "main": "主要责任",
                "full": "全部责任"}


def fact_value(value: Any) -> str:
    """A fact's value as a reviewer reads it (是/否, the accident kind and responsibility in words)."""
    if value is None:
        return "待核实"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return f"{value:g}"
    return VALUE_LABELS.get(str(value), str(value))


def _fact_labels() -> dict[str, str]:
    from shebao.policy.injury_determination import FACT_LABELS

    return {**FACT_LABELS, "time": "时间", "place": "地点", "errand": "顺路办理日常生活所需"}


def _done(session, url: str) -> RedirectResponse:
    session.commit()  # post/redirect/get: the next GET must see the change
    return RedirectResponse(url, status_code=303)


async def _form(request: Request) -> dict[str, str]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    return form


@router.get("")
def queue_page(request: Request, session: SessionDep, status: str = "open"):
    from shebao.injury.service import InjuryError, case_view, list_cases

    user = auth.require(request, session, "injury")
    try:
        rows = [case_view(session, c, full=False) for c in list_cases(session, status=status)]
    except InjuryError:
        status, rows = "open", [case_view(session, c, full=False) for c in list_cases(session, status="open")]
    return render(request, "staff/injury/queue.html", {"title": "工伤认定", "rows": rows, "status": status,
                                                       "filters": STATUS_FILTERS, "form": {}}, user=user)


@router.post("")
async def report_submit(request: Request, session: SessionDep):
    from pydantic import ValidationError

    from shebao.injury.service import InjuryError, case_view, list_cases, report_case

    form = await _form(request)
    user = auth.require(request, session, "injury")
    data: dict[str, Any] = {
        "person_id": form.get("person_id", "").strip(), "applicant": form.get("applicant", ""),
        "incident_date": form.get("incident_date") or None, "incident_text": form.get("incident_text", "").strip(),
        "diagnosis_text": form.get("diagnosis_text", "").strip() or None,
        "occupational_disease": form.get("occupational_disease") == "1",
        "region_code": form.get("region_code", "").strip() or "370000",
        "documents": {k: form.get(k) == "1" for k in ("application_form", "labour_relation", "medical_certificate")},
    }
    try:
        case = report_case(session, data=data, actor=user.username)
    except ValidationError as exc:
        error = "请填写：" + "、".join(_field_label(e) for e in exc.errors())
    except InjuryError as exc:
        error = str(exc)
    else:
        return _done(session, f"/staff/injury/{case.case_no}")
    rows = [case_view(session, c, full=False) for c in list_cases(session, status="open")]
    return render(request, "staff/injury/queue.html", {"title": "工伤认定", "rows": rows, "status": "open",
                                                       "filters": STATUS_FILTERS, "form": form, "errors": [error]},
                  status_code=422, user=user)


FIELD_LABELS = {"person_id": "参保人编号", "applicant": "申请人", "incident_date": "受伤日期（或职业病诊断日期）",
                "incident_text": "受伤经过", "grade": "伤残等级", "avg_monthly_wage": "受伤前平均月缴费工资",
                "determination": "认定结论"}


def _field_label(error: dict) -> str:
    loc = [p for p in error.get("loc", ()) if isinstance(p, str)]
    return FIELD_LABELS.get(loc[0], loc[0]) if loc else "输入"


@router.get("/try")
def try_page(request: Request, session: SessionDep):
    user = auth.require(request, session, "injury")
    return render(request, "staff/injury/try.html", {"title": "认定与等级建议", "form": {},
                                                     "FACT_LABELS": _fact_labels(), "fact_value": fact_value}, user=user)


@router.post("/try")
async def try_submit(request: Request, session: SessionDep):
    from shebao.injury.determination import suggest
    from shebao.injury.grading import suggest_grade

    form = await _form(request)
    user = auth.require(request, session, "injury")
    out: dict[str, Any] = {"title": "认定与等级建议", "form": form, "FACT_LABELS": _fact_labels(),
                           "fact_value": fact_value}
    if form.get("incident_text", "").strip():
        out["suggestion"] = suggest(form["incident_text"])
    if form.get("diagnosis_text", "").strip():
        out["grade"] = suggest_grade(form["diagnosis_text"])
    return render(request, "staff/injury/try.html", out, user=user)


def _case_page(request: Request, session, user, case_no: str, *, errors: list[str] | None = None,
               form: dict[str, str] | None = None, status_code: int = 200):
    from shebao.injury.service import InjuryError, case_view, get_case

    try:
        case = get_case(session, case_no=case_no)
    except InjuryError as exc:
        return render(request, "error.html", {"title": "案件不存在", "message": str(exc)}, status_code=404, user=user)
    view = case_view(session, case)
    return render(request, "staff/injury/case.html", {
        "title": f"工伤案件 {case_no}", "case": view, "errors": errors or [], "form": form or {},
        "choices": DETERMINATION_CHOICES, "reviewer": has_role(user.role, Role.REVIEWER),
        "FACT_LABELS": _fact_labels(), "fact_value": fact_value,
    }, status_code=status_code, user=user)


@router.get("/{case_no}")
def case_page(case_no: str, request: Request, session: SessionDep):
    user = auth.require(request, session, "injury")
    return _case_page(request, session, user, case_no)


@router.post("/{case_no}/{action}")
async def case_action(case_no: str, action: str, request: Request, session: SessionDep):
    from pydantic import ValidationError

    from shebao.injury import service
    from shebao.injury.schemas import CaseAccept

    form = await _form(request)
    user = auth.require(request, session, "injury")
    reviewer_only = {"decide": "作出认定", "appraise": "记录鉴定结论", "grant": "核定待遇"}
    if action in reviewer_only and not has_role(user.role, Role.REVIEWER):
        return _case_page(request, session, user, case_no, errors=[f"{reviewer_only[action]}需要复核员角色"],
                          form=form, status_code=403)

    def intval(key: str) -> int | None:
        value = form.get(key, "").strip()
        return int(value) if value.isdigit() else None

    try:
        if action == "accept":
            service.accept_case(session, case_no=case_no, data=CaseAccept(
                accepted_on=form.get("accepted_on") or None, clear_case=form.get("clear_case") == "1"),
                actor=user.username)
        elif action == "documents":
            service.record_documents(session, case_no=case_no, actor=user.username, documents={
                k: form.get(k) == "1" for k in ("application_form", "labour_relation", "medical_certificate")})
        elif action == "decide":
            service.decide_case(session, case_no=case_no, actor=user.username, data={
                "determination": form.get("determination", ""), "article": intval("article"),
                "item": intval("item"), "reason": form.get("reason", "")})
        elif action == "diagnosis":
            service.regrade(session, case_no=case_no, text=form.get("diagnosis_text", ""), actor=user.username)
        elif action == "appraise":
            service.appraise_case(session, case_no=case_no, actor=user.username, data={
                "grade": intval("grade"), "clause": form.get("clause", "").strip() or None,
                "reason": form.get("reason", "")})
        elif action == "grant":
            service.grant_case_benefits(session, case_no=case_no, actor=user.username, data={
                "avg_monthly_wage": form.get("avg_monthly_wage", "").strip() or None,
                "regional_avg_monthly_wage": form.get("regional_avg_monthly_wage", "").strip() or None})
        else:
            return render(request, "error.html", {"title": "页面不存在", "message": action}, status_code=404, user=user)
    except ValidationError as exc:
        session.rollback()
        return _case_page(request, session, user, case_no, form=form, status_code=422,
                          errors=["请正确填写：" + "、".join(_field_label(e) for e in exc.errors())])
    except service.InjuryError as exc:
        session.rollback()
        return _case_page(request, session, user, case_no, errors=[str(exc)], form=form, status_code=422)
    return _done(session, f"/staff/injury/{case_no}")
