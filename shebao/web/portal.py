"""The citizen portal (群众端): calculators, the policy assistant, application status.

Forms post back to their own page and are answered server-side, so that every page works without
JavaScript; the scripts only add the tier chart (from ``/api/v1/calc/plan``) and the chat's
in-place answers. No personal data ever travels in a URL: the status lookup is a POST.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import CATEGORIES, TEXT_SIZE_COOKIE, render, safe_back

router = APIRouter(include_in_schema=False)


def _calc(kind: str, inputs: dict[str, Any], session) -> tuple[dict[str, Any] | None, str | None]:
    """Run a calculator through the policy service; return (result, None) or (None, the reason in Chinese)."""
    from shebao.policy import InputError
    from shebao.policy.service import calculate
    from shebao.policy.store import parameters_for

    try:
        return calculate(kind, inputs, parameters_for(session)), None
    except InputError as exc:
        return None, str(exc)


def _person_inputs(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The calculators' common inputs from the form, with the problems found in Chinese."""
    errors: list[str] = []
    category = CATEGORIES.get(form.get("category", ""))
    if category is None:
        errors.append("请选择人员类别")
        category = CATEGORIES["male_60"]
    birth = (form.get("birth_date") or "").strip()
    if not birth:
        errors.append("请填写出生年月，例如 1975-06")
    inputs: dict[str, Any] = {"birth_date": birth, "sex": category[0], "original_retirement_age": category[1]}
    for key, name in (("contribution_months", "已缴费月数"), ("pre_account_months", "视同缴费月数")):
        value = (form.get(key) or "").strip()
        if value:
            if not value.isdigit():
                errors.append(f"{name}应为整数月数")
            else:
                inputs[key] = int(value)
    for key in ("avg_contribution_index", "account_balance"):
        value = (form.get(key) or "").strip()
        if value:
            inputs[key] = value
    return inputs, errors


@router.get("/")
def home(request: Request):
    return render(request, "portal/home.html", {"title": "首页"})


@router.post("/prefs/text-size")
def text_size(request: Request, csrf_token: str = Form(""), size: str = Form("normal"), back: str = Form("/")):
    """Switch large-text mode (适老化) on or off; remembered in a cookie for a year."""
    auth.check_csrf(request, csrf_token)
    response = RedirectResponse(safe_back(back), status_code=303)
    if size == "large":
        response.set_cookie(TEXT_SIZE_COOKIE, "large", max_age=365 * 86400, samesite="lax", httponly=True)
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE)
    return response


PENSION_FIELDS = ("category", "birth_date", "contribution_months", "pre_account_months", "avg_contribution_index",
                  "account_balance")


@router.get("/pension")
def pension_page(request: Request):
    return render(request, "portal/pension.html", {"title": "养老金测算", "form": {"category": "male_60"}})


@router.post("/pension")
async def pension_submit(request: Request, session: SessionDep):
    form = {k: str(v) for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    inputs, errors = _person_inputs(form)
    result = None
    if not errors:
        result, error = _calc("plan", inputs, session)
        if error:
            errors.append(error)
    return render(request, "portal/pension.html", {
        "title": "养老金测算", "form": form, "errors": errors, "result": result, "inputs": inputs,
    }, status_code=422 if errors else 200)


def _unemployment_inputs(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The unemployment calculator's inputs from the form (region defaults to the agency's own)."""
    from shebao.core.settings import get_settings

    inputs, errors = _person_inputs({**form, "birth_date": form.get("birth_date") or ""})
    errors = [e for e in errors if "出生年月" not in e]  # the birth date only matters near retirement age
    if not inputs.get("birth_date"):
        inputs.pop("birth_date", None)
    inputs["region"] = (form.get("region") or "").strip() or get_settings().region
    day = (form.get("date") or "").strip()
    if day:
        inputs["date"] = day
    if "contribution_months" not in inputs:
        errors.append("请填写失业前累计缴费月数")
    value = (form.get("previous_unclaimed_months") or "").strip()
    if value:
        if not value.isdigit():
            errors.append("前次应领未领月数应为整数")
        else:
            inputs["previous_unclaimed_months"] = int(value)
    return inputs, errors


@router.get("/unemployment")
def unemployment_page(request: Request):
    from shebao.core.settings import get_settings

    return render(request, "portal/unemployment.html", {
        "title": "失业保险金测算", "form": {"category": "male_60", "region": get_settings().region}})


@router.post("/unemployment")
async def unemployment_submit(request: Request, session: SessionDep):
    form = {k: str(v) for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    inputs, errors = _unemployment_inputs(form)
    result = None
    if not errors:
        result, error = _calc("unemployment", inputs, session)
        if error:
            errors.append(error)
    return render(request, "portal/unemployment.html", {
        "title": "失业保险金测算", "form": form, "errors": errors, "result": result, "inputs": inputs,
    }, status_code=422 if errors else 200)


def _injury_inputs(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The work-injury calculator's inputs from the form (region defaults to the agency's own)."""
    from shebao.core.settings import get_settings

    errors: list[str] = []
    inputs: dict[str, Any] = {"region": (form.get("region") or "").strip() or get_settings().region}
    grade = (form.get("grade") or "").strip()
    if not grade.isdigit() or not 1 <= int(grade) <= 10:
        errors.append("请选择伤残等级（一级至十级）")
    else:
        inputs["grade"] = int(grade)
    wage = (form.get("avg_monthly_wage") or "").strip()
    if not wage:
        errors.append("请填写受伤前12个月平均月缴费工资")
    else:
        inputs["avg_monthly_wage"] = wage
    inputs["injury_date"] = (form.get("injury_date") or "").strip() or date.today().isoformat()
    for key in ("regional_avg_monthly_wage", "years_to_retirement"):
        value = (form.get(key) or "").strip()
        if value:
            inputs[key] = value
    inputs["occupational_disease"] = form.get("occupational_disease") == "1"
    inputs["work_arranged"] = form.get("work_arranged") == "1"
    return inputs, errors


@router.get("/injury")
def injury_page(request: Request):
    from shebao.core.settings import get_settings

    return render(request, "portal/injury.html", {"title": "工伤保险待遇测算", "form": {"region": get_settings().region}})


@router.post("/injury")
async def injury_submit(request: Request, session: SessionDep):
    form = {k: str(v) for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    inputs, errors = _injury_inputs(form)
    result = None
    if not errors:
        result, error = _calc("injury", inputs, session)
        if error:
            errors.append(error)
    return render(request, "portal/injury.html", {
        "title": "工伤保险待遇测算", "form": form, "errors": errors, "result": result, "inputs": inputs,
    }, status_code=422 if errors else 200)


@router.get("/retirement")
def retirement_page(request: Request):
    return render(request, "portal/retirement.html", {"title": "退休时间测算", "form": {"category": "male_60"}})


@router.post("/retirement")
async def retirement_submit(request: Request, session: SessionDep):
    form = {k: str(v) for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    inputs, errors = _person_inputs(form)
    for key, name in (("early_months", "提前退休月数"), ("late_months", "延迟退休月数")):
        value = (form.get(key) or "").strip()
        if value:
            if not value.isdigit():
                errors.append(f"{name}应为整数")
            else:
                inputs[key] = int(value)
    result = None
    if not errors:
        result, error = _calc("retirement", inputs, session)
        if error:
            errors.append(error)
    return render(request, "portal/retirement.html", {
        "title": "退休时间测算", "form": form, "errors": errors, "result": result,
    }, status_code=422 if errors else 200)


@router.get("/backpay")
def backpay_page(request: Request):
    return render(request, "portal/backpay.html", {"title": "补缴测算", "form": {"category": "female_55"}})


@router.post("/backpay")
async def backpay_submit(request: Request, session: SessionDep):
    form = {k: str(v) for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    inputs, errors = _person_inputs(form)
    months = (form.get("backpay_months") or "").strip()
    if not months.isdigit() or int(months) < 1:
        errors.append("补缴月数应为正整数")
    else:
        inputs["backpay_months"] = int(months)
    base = (form.get("backpay_base") or "").strip()
    if not base:
        errors.append("请填写补缴基数（元/月）")
    inputs["backpay_base"] = base
    result = None
    if not errors:
        result, error = _calc("backpay", inputs, session)
        if error:
            errors.append(error)
    return render(request, "portal/backpay.html", {
        "title": "补缴测算", "form": form, "errors": errors, "result": result,
    }, status_code=422 if errors else 200)


EXAMPLE_QUESTIONS = ("交了7年失业金能领几个月", "上下班路上被车撞了算工伤吗", "1970年5月出生的男职工什么时候退休",
                     "九级伤残能拿几个月工资", "养老保险最低缴费年限是多少")


@router.get("/ask")
def ask_page(request: Request):
    return render(request, "portal/ask.html", {"title": "政策问答", "examples": EXAMPLE_QUESTIONS})


@router.post("/ask")
async def ask_submit(request: Request, csrf_token: str = Form(""), question: str = Form(""),
                     conversation_id: str = Form("")):
    auth.check_csrf(request, csrf_token)
    question = question.strip()
    answer: dict[str, Any] | None = None
    error = None
    if not question:
        error = "请输入问题"
    elif len(question) > 500:
        error = "问题太长：请控制在 500 字以内"
    else:
        from shebao.assistant.kb import KnowledgeBaseNotBuilt
        from shebao.assistant.service import ask_in_conversation, shared_assistant

        try:
            assistant = await run_in_threadpool(shared_assistant)
            answer = await run_in_threadpool(ask_in_conversation, assistant, question, conversation_id.strip() or None)
            conversation_id = answer["conversation_id"]
        except KnowledgeBaseNotBuilt:
            error = "政策知识库尚未建立，暂时无法回答。请拨打 12333 咨询，或联系经办机构。"
    context = {"title": "政策问答", "question": question, "answer": answer, "error": error,
               "examples": EXAMPLE_QUESTIONS, "conversation_id": conversation_id}
    if request.headers.get("HX-Request"):
        return render(request, "portal/_chat_turn.html", context)
    return render(request, "portal/ask.html", context)


@router.get("/status")
def status_page(request: Request):
    return render(request, "portal/status.html", {"title": "办件查询", "available": True})


@router.post("/status")
def status_submit(request: Request, session: SessionDep, csrf_token: str = Form(""),
                  application_no: str = Form(""), id_number: str = Form("")):
    from shebao.web import cases_view

    auth.check_csrf(request, csrf_token)
    application_no, id_number = application_no.strip().upper(), id_number.strip().upper()
    errors = []
    if not application_no:
        errors.append("请填写申请编号（见受理回执，例如 YL2025093000123）")
    if not id_number:
        errors.append("请填写申请人的公民身份号码")
    else:
        from shebao.core.validators import InvalidValue, validate_id_number

        try:
            validate_id_number(id_number)
        except InvalidValue as exc:
            errors.append(f"公民身份号码有误：{exc}")
    found = None
    if not errors:
        found = cases_view.public_status(session, application_no=application_no, id_number=id_number)
        if found is None:
            errors.append("未查到与该身份号码相符的申请，请核对申请编号和身份号码。")
    return render(request, "portal/status.html", {
        "title": "办件查询", "available": True, "errors": errors, "found": found,
        "application_no": application_no,
    }, status_code=200 if found else 422)
