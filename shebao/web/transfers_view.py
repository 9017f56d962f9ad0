"""Workbench pages for transfers between regions (养老保险关系转移接续) at ``/staff/transfers``.

A list of transfers with a form to receive one, a page per transfer (the plan and its trace, each
step with its deadline in working days, the form for the step now due), and three printable forms:
the 参保缴费凭证, the 联系函 and the 转移接续结果. The pages call :mod:`shebao.cases.transfers`, as the
API and the CLI do. Names are masked on every page (a printed form may be handed over the counter).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render

router = APIRouter(prefix="/staff/transfers", include_in_schema=False)
AREA = "transfers"
FORMS = {"certificate": "基本养老保险参保缴费凭证", "letter": "基本养老保险关系转移接续联系函",
         "result": "基本养老保险关系转移接续结果告知单"}
FIGURE_LABELS = {"kind": "转移类型", "years_combined": "累计缴费年限（年）", "temporary_account": "临时缴费账户",
                 "personal_account_transfer": "个人账户转移额（元）", "pooled_fund_transfer": "统筹基金转移额（元）",
                 "total_transfer": "转移资金合计（元）", "pension_place": "待遇领取地"}
KIND_LABELS = {"cross_province": "跨省转移", "within_province": "省内转移（省级统筹，只转关系和记录）"}


def _errors() -> tuple[type[Exception], ...]:
    from shebao.benefits.transfers import TransferError
    from shebao.policy.common import InputError
    from shebao.policy.tree import ParameterMissing

    return (TransferError, InputError, ParameterMissing, PermissionError)


def _date(value: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from shebao.benefits.transfers import TransferError

        raise TransferError(f"办理日期应为“年-月-日”，例如 2025-03-03，您填写的是“{value[:12]}”", "date") from None


def _person(session, person_id: str) -> dict[str, str]:
    from shebao.core.crypto import mask_name
    from shebao.registry.models import Person

    p = session.get(Person, person_id)
    return {"person_id": person_id, "name": mask_name(p.name) if p else "", "region_code": p.region_code if p else ""}


def _detail(request: Request, session, user, transfer_no: str, *, error: str | None = None, status_code: int = 200):
    from shebao.cases import transfers as tr

    try:
        t = tr.get(session, transfer_no)
    except _errors():
        return render(request, "error.html", {"title": "转移业务不存在", "message": f"转移业务 {transfer_no} 不存在"},
                      status_code=404, user=user)
    view = tr.view(session, t)
    return render(request, "staff/transfers/detail.html", {
        "title": f"关系转移 {transfer_no}", "t": view, "person": _person(session, t.person_id), "error": error,
        "figure_labels": FIGURE_LABELS, "kind_labels": KIND_LABELS, "forms": FORMS,
        "can_accept_difference": auth.allowed(user, "decide"),
    }, user=user, status_code=status_code)


@router.get("")
def transfer_list(request: Request, session: SessionDep, status: str = Query("open", max_length=16)):
    from shebao.cases import transfers as tr

    user = auth.require(request, session, AREA)
    rows = [tr.view(session, t, full=False) for t in tr.list_transfers(session, status=status or None)]
    return render(request, "staff/transfers/list.html", {
        "title": "关系转移接续", "rows": rows, "status": status, "statuses": tr.STATUS_LABELS,
        "kind_labels": KIND_LABELS, "today": dt.date.today().isoformat(),
    }, user=user)


@router.post("")
def transfer_apply(request: Request, session: SessionDep, csrf_token: str = Form(""),
                   person_id: str = Form("", max_length=32), to_region: str = Form("", max_length=6),
                   household_region: str = Form("", max_length=6), date: str = Form("", max_length=10),
                   account_pre1998_own: str = Form("", max_length=20), idempotency_key: str = Form("", max_length=128)):
    from shebao.cases import transfers as tr

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, AREA)
    raw = {"person_id": person_id.strip(), "to_region": to_region.strip(), "household_region": household_region.strip()}
    if account_pre1998_own.strip():
        raw["account_pre1998_own"] = account_pre1998_own.strip()
    try:
        t, _created = tr.apply(session, raw=raw, on=_date(date),
                               idempotency_key=idempotency_key or f"web:{user.username}:{csrf_token[:16]}:{person_id}")
    except _errors() as exc:
        session.rollback()
        rows = [tr.view(session, x, full=False) for x in tr.list_transfers(session, status="open")]
        return render(request, "staff/transfers/list.html", {
            "title": "关系转移接续", "rows": rows, "status": "open", "statuses": tr.STATUS_LABELS,
            "kind_labels": KIND_LABELS, "error": str(exc), "form": raw, "today": date,
        }, user=user, status_code=422)
    session.commit()
    return RedirectResponse(f"/staff/transfers/{t.transfer_no}", status_code=303)


@router.get("/{transfer_no}")
def transfer_detail(transfer_no: str, request: Request, session: SessionDep):
    user = auth.require(request, session, AREA)
    return _detail(request, session, user, transfer_no)


@router.post("/{transfer_no}/step")
def transfer_step(transfer_no: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
                  step: str = Form("", max_length=16), date: str = Form("", max_length=10),
                  personal: str = Form("", max_length=20), pooled: str = Form("", max_length=20),
                  statement_no: str = Form("", max_length=64), accept_difference: str = Form(""),
                  comment: str = Form("", max_length=500), reason: str = Form("", max_length=500),
                  records: str = Form("", max_length=200_000)):
    from shebao.cases import transfers as tr

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, AREA)
    session.info.update(actor=user.username, actor_role=user.role, source="web")
    try:
        on = _date(date)
        if step == "certificate":
            tr.issue_certificate(session, transfer_no=transfer_no, on=on)
        elif step == "accept":
            tr.accept(session, transfer_no=transfer_no, on=on)
        elif step == "refuse":
            tr.refuse(session, transfer_no=transfer_no, reason=reason, on=on)
        elif step == "fund":
            if accept_difference and not auth.allowed(user, "decide"):
                raise PermissionError("接受基金差额需要复核员")
            tr.record_fund(session, transfer_no=transfer_no, personal=personal, pooled=pooled,
                           statement_no=statement_no, on=on, accept_difference=bool(accept_difference), comment=comment)
        elif step == "records":
            rows = _statement_rows(records)
            session.commit()  # the move owns its transactions (committed chunks)
            tr.move_records_step(request.app.state.engine, transfer_no=transfer_no, rows=rows, on=on,
                                 actor=user.username, actor_role=user.role, source="web")
        else:
            from shebao.benefits.transfers import TransferError

            raise TransferError(f"未知的办理步骤：{step[:16]}", "step")
    except _errors() as exc:
        session.rollback()
        return _detail(request, session, user, transfer_no, error=str(exc), status_code=422)
    session.commit()
    return RedirectResponse(f"/staff/transfers/{transfer_no}", status_code=303)


def _statement_rows(text: str):
    from shebao.benefits.transfers import TransferError, parse_statement_rows

    text = (text or "").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TransferError(f"缴费明细不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）", "records") from None
    if isinstance(data, dict):
        data = data.get("records", [])
    if not isinstance(data, list):
        raise TransferError("缴费明细应为 JSON 数组", "records")
    return parse_statement_rows(data)


@router.get("/{transfer_no}/print/{form}")
def transfer_print(transfer_no: str, form: str, request: Request, session: SessionDep):
    from shebao.benefits.transfers import moved_records
    from shebao.cases import transfers as tr

    user = auth.require(request, session, AREA)
    if form not in FORMS:
        return render(request, "error.html", {"title": "表单不存在", "message": f"没有这种表单：{form[:20]}"},
                      status_code=404, user=user)
    try:
        t = tr.get(session, transfer_no)
    except _errors():
        return render(request, "error.html", {"title": "转移业务不存在", "message": f"转移业务 {transfer_no} 不存在"},
                      status_code=404, user=user)
    view = tr.view(session, t)
    steps = {s["step"]: s for s in view["steps"]}
    needed = {"certificate": "certificate", "letter": "accept", "result": "records"}[form]
    if needed not in steps:
        return render(request, "error.html", {"title": "尚不能打印", "message": f"“{tr.STEP_LABELS[needed]}”尚未办理，"
                                              f"不能打印{FORMS[form]}"}, status_code=409, user=user)
    context: dict[str, Any] = {"title": FORMS[form], "form": form, "t": view, "person": _person(session, t.person_id),
                               "step": steps[needed], "kind_labels": KIND_LABELS}
    if form == "result":
        context["records"] = moved_records(session, transfer_no=transfer_no)
    return render(request, "staff/transfers/print.html", context, user=user)
