"""The staff workbench (经办工作台) at ``/staff/``: login, dashboard, alerts, persons, parameters, audit.

Every page checks the role (:data:`shebao.web.auth.PAGE_ROLES`); personal data is shown in full
only to the roles whose work needs it, and each such view is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from shebao.cases.queue import QUEUE_SORTS
from shebao.core.settings import local_today
from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render, safe_back

router = APIRouter(prefix="/staff", include_in_schema=False)


def _done(session, url: str) -> RedirectResponse:
    """Commit, then redirect (post/redirect/get).

    ``SessionDep`` commits when the dependency exits, which FastAPI runs after the response has
    been sent; the browser's GET of ``url`` could then arrive before the commit and miss it.
    """
    session.commit()
    return RedirectResponse(url, status_code=303)


# --- login --------------------------------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str = Query("/staff/", max_length=200)):
    if auth.current_staff(request, session) is not None:
        return RedirectResponse(safe_back(next, "/staff/"), status_code=303)
    return render(request, "staff/login.html", {"title": "工作人员登录", "next": safe_back(next, "/staff/"),
                                                "demo_accounts": _demo_accounts_hint()})


def _demo_accounts_hint() -> str | None:
    """In development, where the demo's staff accounts are written (never in production)."""
    from shebao.core.settings import get_settings
    from shebao.users.demo_staff import staff_file

    settings = get_settings()
    return str(staff_file(settings.home)) if settings.env == "development" else None


@router.post("/login")
def login_submit(request: Request, session: SessionDep, csrf_token: str = Form(""), username: str = Form(""),
                 password: str = Form(""), next: str = Form("/staff/")):
    from shebao.audit import append
    from shebao.users.service import LoginThrottled, UserError, authenticate_password

    auth.check_csrf(request, csrf_token)
    target = safe_back(next, "/staff/")
    if not target.startswith("/staff/"):
        target = "/staff/"
    error, code = None, 401
    if not username.strip() or not password:
        error = "请输入用户名和密码"
    else:
        try:
            user = authenticate_password(session, username=username.strip()[:64], password=password[:1024],
                                         client=request.client.host if request.client else None)
        except LoginThrottled as exc:
            error, code = str(exc), 429
        except UserError as exc:
            error = str(exc)
    if error:
        session.commit()  # the lock-out's audit entry, if this attempt set it
        return render(request, "staff/login.html", {"title": "工作人员登录", "next": target, "error": error,
                                                    "username": username[:64],
                                                    "demo_accounts": _demo_accounts_hint()}, status_code=code)
    auth.login(request, user, session)
    session.info["actor"], session.info["actor_role"] = user.username, user.role
    append(session, action="user.login", entity="users", entity_id=user.username, detail={"via": "web"})
    return _done(session, target)


@router.post("/logout")
def logout(request: Request, session: SessionDep, csrf_token: str = Form("")):
    auth.check_csrf(request, csrf_token)
    auth.logout(request, session)
    return _done(session, "/staff/login")


# --- dashboard ----------------------------------------------------------------------------------

def _case_stats(session) -> dict[str, Any] | None:
    from shebao.web import cases_view

    return cases_view.stats(session)


@router.get("/")
def dashboard(request: Request, session: SessionDep):
    from shebao.benefits.queries import payment_lag_days, payments_by_period
    from shebao.risk.service import alert_totals

    user = auth.require(request, session, "dashboard")
    totals = alert_totals(session, titles=_rule_titles())
    return render(request, "staff/dashboard.html", {
        "title": "工作台", **totals, "payments": payments_by_period(session),
        "payment_lag": payment_lag_days(session), "cases": _case_stats(session),
    }, user=user)


def _rule_titles() -> dict[str, str]:
    """The screening rules' titles (they only label charts and lists: the page works without them)."""
    try:
        from shebao.risk.catalogue import load_catalogue

        return {r.id: r.title for r in load_catalogue().rules}
    except Exception:  # noqa: BLE001 - a broken catalogue must not take the workbench down
        return {}


# --- alerts -------------------------------------------------------------------------------------

ALERT_PAGE = 30


@router.get("/alerts")
def alerts(request: Request, session: SessionDep, level: str = Query("", max_length=8),
           rule: str = Query("", max_length=16), status: str = Query("new", max_length=16),
           page: int = Query(1, ge=1, le=100000), q: str = Query("", max_length=32)):
    from shebao.risk.service import alert_rule_ids, list_alerts

    user = auth.require(request, session, "alerts")
    level = level if level in ("red", "yellow", "blue") else ""
    status = status if status in ("new", "confirmed", "dismissed", "all") else "new"
    rules = alert_rule_ids(session)
    rule = rule if rule in rules else ""
    persons = _persons_matching(session, q) if q.strip() else None
    if q.strip() and persons is None:
        rows, total = [], 0
    elif persons is not None and len(persons) != 1:  # nobody, or several people of the same name
        rows, total = [], 0
        for person_id in sorted(persons):
            found, count = list_alerts(session, status=None if status == "all" else status, level=level or None,
                                       rule_id=rule or None, person_id=person_id, limit=ALERT_PAGE * page)
            rows, total = rows + found, total + count
        rows = rows[(page - 1) * ALERT_PAGE: page * ALERT_PAGE]
    else:
        rows, total = list_alerts(session, status=None if status == "all" else status, level=level or None,
                                  rule_id=rule or None, person_id=next(iter(persons)) if persons else None,
                                  limit=ALERT_PAGE, offset=(page - 1) * ALERT_PAGE)
    titles = _rule_titles()
    return render(request, "staff/alerts.html", {
        "title": "疑点核查", "rows": rows, "total": total, "level": level, "rule": rule, "status": status,
        "rules": rules, "titles": titles, "page": page, "pages": max(1, -(-total // ALERT_PAGE)), "q": q,
        "people": _people(session, [a.person_id for a in rows]),
    }, user=user)


def _person_card(session, user, person_id: str, purpose: str = "") -> dict[str, Any] | None:
    """The person's identity for a page. The template masks every field (the ``mask`` filter); a role
    that needs a value in full asks for it with a reason (:func:`reveal`), and that view is audited."""
    from shebao.registry.service import person_identity

    person = person_identity(session, person_id)
    if person is None:
        return None
    return {**person.model_dump(exclude={"sex", "birth_month"}), "sex": "男" if person.sex == "M" else "女",
            "birth_date": person.birth_month, "can_reveal": auth.sees_full_personal_data(user)}


REVEAL_FIELDS = {"person": ("name", "id_number", "phone"), "benefit": ("bank_account",),
                 "application": ("bank_account", "agent_name", "agent_id_number")}
REVEAL_ENTITIES = {"person": "persons", "benefit": "benefits", "application": "applications"}


@router.post("/reveal")
def reveal(request: Request, session: SessionDep, csrf_token: str = Form(""), entity: str = Form("", max_length=16),
           entity_id: str = Form("", max_length=32), field: str = Form("", max_length=32),
           reason: str = Form("", max_length=500)):
    """One personal value in full, for a role allowed to see it, with the reason written to the audit log
    (who: the logged-in user; what: entity, record and field; why: the reason)."""
    from fastapi.responses import JSONResponse

    from shebao.audit import log_full_access

    auth.check_csrf(request, csrf_token or request.headers.get("X-CSRF-Token"))
    user = auth.require(request, session, "dashboard")
    if not auth.sees_full_personal_data(user):
        return JSONResponse({"detail": "您的角色不能查看完整个人信息"}, status_code=403)
    if field not in REVEAL_FIELDS.get(entity, ()):
        return JSONResponse({"detail": "不能查看此项信息"}, status_code=422)
    if len(reason.strip()) < 2:
        return JSONResponse({"detail": "请填写查看理由（如办理的业务）"}, status_code=422)
    value = _reveal_value(session, entity, entity_id.strip(), field)
    if value is None:
        return JSONResponse({"detail": "记录不存在"}, status_code=404)
    log_full_access(session, entity=REVEAL_ENTITIES[entity], entity_id=entity_id.strip(), fields=[field],
                    purpose=reason.strip())
    session.commit()
    return JSONResponse({"value": value}, headers={"Cache-Control": "no-store"})


def _reveal_value(session, entity: str, entity_id: str, field: str) -> str | None:
    if entity == "person":
        from shebao.registry.models import Person

        row = session.get(Person, entity_id)
    elif entity == "benefit":
        from shebao.registry.models import Benefit

        row = session.get(Benefit, entity_id)
    else:
        try:
            from shebao.cases.pipeline import get_by_no
        except ImportError:
            return None
        row = get_by_no(session, entity_id)
    if row is None:
        return None
    return str(getattr(row, field, "") or "")


def _handoff(text: str | None) -> dict[str, Any] | None:
    """The benefits domain's answer to a confirmed alert, for people to read (it is stored as text)."""
    import ast

    if not text:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return {"note": text}
    if not isinstance(value, dict):
        return {"note": text}
    from shebao.web.labels import LABELS

    return {"action": LABELS["handoff"].get(str(value.get("action")), value.get("action")),
            "benefits": "、".join(value.get("benefits") or []), "overpayment": value.get("overpayment"),
            "note": value.get("note")}


@router.get("/alerts/{alert_id}")
def alert_detail(alert_id: int, request: Request, session: SessionDep):
    from shebao.risk.alerts import AlertError, get_alert
    from shebao.risk.catalogue import load_catalogue

    user = auth.require(request, session, "alerts")
    try:
        alert = get_alert(session, alert_id)
    except AlertError as exc:
        return render(request, "error.html", {"title": "疑点不存在", "message": str(exc)}, status_code=404, user=user)
    try:
        rule = load_catalogue().rule(alert.rule_id)
    except Exception:
        rule = None
    person = _person_card(session, user, alert.person_id, f"稽核疑点 {alert.id}")
    return render(request, "staff/alert.html", {
        "title": f"疑点 {alert.id}", "alert": alert, "rule": rule, "person": person,
        "error": request.query_params.get("error"), "handoff": _handoff(alert.handoff),
    }, user=user)


@router.post("/alerts/{alert_id}/decide")
def alert_decide(alert_id: int, request: Request, session: SessionDep, csrf_token: str = Form(""),
                 decision: str = Form(""), reason: str = Form("", max_length=2000),
                 confirmed: str = Form("", max_length=1)):
    from shebao.risk.alerts import AlertError, confirm, dismiss

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, "alerts")
    try:
        if decision == "confirm":
            alert = confirm(session, alert_id=alert_id, note=reason.strip() or None)
            if confirmed != "1":  # ask once more, saying what confirming does
                lines = ["确认疑点：结论记为“已确认”，记入审计日志。"]
                if alert.level == "red":
                    lines.append("红色疑点：转待遇管理暂停发放，并按多发金额立案追回。")
                    done = _handoff(str(alert.handoff)) if alert.handoff else None
                    if done:
                        lines.append("本次将办理：" + "；".join(
                            f"{label}{done[key]}" for key, label in (("action", ""), ("benefits", "待遇 "),
                                                                     ("overpayment", "多发金额 "), ("note", ""))
                            if done.get(key)))
                session.rollback()
                from shebao.risk.alerts import get_alert

                alert = get_alert(session, alert_id)
                person = _person_card(session, user, alert.person_id, f"稽核疑点 {alert.id}")
                return render(request, "staff/alert.html", {
                    "title": f"疑点 {alert.id}", "alert": alert, "rule": None, "person": person, "reason": reason,
                    "pending": {"lines": lines, "label": "确认疑点"}, "handoff": _handoff(alert.handoff)}, user=user)
        elif decision == "dismiss":
            if not reason.strip():
                raise AlertError("排除疑点必须填写理由")
            dismiss(session, alert_id=alert_id, reason=reason)
        else:
            raise AlertError("请选择“确认”或“排除”")
    except AlertError as exc:
        from shebao.risk.alerts import get_alert

        alert = get_alert(session, alert_id) if "不存在" not in str(exc) else None
        if alert is None:
            return render(request, "error.html", {"title": "疑点不存在", "message": str(exc)}, status_code=404,
                          user=user)
        person = _person_card(session, user, alert.person_id, f"稽核疑点 {alert.id}")
        return render(request, "staff/alert.html", {"title": f"疑点 {alert.id}", "alert": alert, "rule": None,
                                                    "person": person, "error": str(exc), "reason": reason},
                      status_code=422, user=user)
    return _done(session, f"/staff/alerts/{alert_id}")


# --- persons and their benefits -------------------------------------------------------------------

@router.get("/persons")
def persons_search(request: Request, session: SessionDep):
    user = auth.require(request, session, "persons")
    return render(request, "staff/persons.html", {"title": "参保人查询"}, user=user)


@router.post("/persons")
def persons_find(request: Request, session: SessionDep, csrf_token: str = Form(""), query: str = Form("")):
    from shebao.registry.service import find_persons_by_id_number, get_person, looks_like_name

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, "persons")
    query = query.strip().upper()
    found: list = []
    if query.startswith("P") and len(query) <= 32:
        person = get_person(session, query)
        found = [person] if person else []
    elif looks_like_name(query):
        found = [get_person(session, pid) for pid in sorted(_persons_matching(session, query) or ())]
    elif len(query) in (15, 18):
        from shebao.core.validators import InvalidValue

        try:
            found = find_persons_by_id_number(session, query)
        except (InvalidValue, ValueError) as exc:
            return render(request, "staff/persons.html", {"title": "参保人查询", "error": f"公民身份号码有误：{exc}"},
                          status_code=422, user=user)
    if len(found) == 1:
        return RedirectResponse(f"/staff/persons/{found[0].person_id}", status_code=303)
    if found:
        from shebao.core.crypto import mask_name

        return render(request, "staff/persons.html", {
            "title": "参保人查询", "matches": [{"person_id": p.person_id, "name": mask_name(p.name),
                                               "id_number": p.id_number, "birth": p.birth_date.isoformat()[:7],
                                               "region_code": p.region_code} for p in found],
        }, user=user)
    return render(request, "staff/persons.html", {
        "title": "参保人查询", "error": "未找到：请输入参保人编号（如 P000000003）、18 位公民身份号码或完整姓名。",
    }, status_code=404, user=user)


@router.get("/persons/{person_id}")
def person_detail(person_id: str, request: Request, session: SessionDep):
    from shebao.benefits import queries as benefits_queries

    user = auth.require(request, session, "persons")
    person = _person_card(session, user, person_id)
    if person is None:
        return render(request, "error.html", {"title": "参保人不存在", "message": f"参保人编号 {person_id} 不存在"},
                      status_code=404, user=user)
    data = benefits_queries.person_benefits(session, person_id)
    return render(request, "staff/person.html", {"title": "待遇与发放", "person": person, **data}, user=user)


@router.get("/notices/{notice_id}")
def notice_print(notice_id: int, request: Request, session: SessionDep):
    from shebao.benefits import queries as benefits_queries

    user = auth.require(request, session, "notices")
    notice = benefits_queries.printable_notice(session, notice_id)
    if notice is None:
        return render(request, "error.html", {"title": "通知书不存在", "message": f"通知书 {notice_id} 不存在"},
                      status_code=404, user=user)
    return render(request, "staff/notice.html", {"title": notice["title"], "notice": notice,
                                                 "can_print_for_recipient": auth.sees_full_personal_data(user)},
                  user=user)


# --- parameters -----------------------------------------------------------------------------------

@router.get("/params")
def params(request: Request, session: SessionDep, prefix: str = Query("", max_length=64)):
    from shebao.policy.store import parameters_for

    user = auth.require(request, session, "params")
    from shebao.core.settings import get_settings
    from shebao.policy import ParameterMissing

    ps = parameters_for(session)
    today = local_today()
    region = get_settings().region  # the agency's own region: the value in force there
    rows = []
    for name in ps.names():
        if prefix and not name.startswith(prefix):
            continue
        d = ps.describe(name)
        history = ps.history(name)
        try:
            d["current"] = ps.get(name, today, region).to_trace()
        except ParameterMissing:
            d["current"] = {"value": None, "effective_date": "", "region": region, "reference": "", "confirmed": True}
        d["count"] = len(history)
        rows.append(d)
    groups = sorted({n.split(".")[0] for n in ps.names()})
    return render(request, "staff/params.html", {"title": "政策参数", "rows": rows, "prefix": prefix,
                                                 "groups": groups, "region": region}, user=user)


def _param_context(session, name: str) -> dict[str, Any] | None:
    from shebao.policy import ParameterError
    from shebao.policy.store import overlay_log, parameters_for

    ps = parameters_for(session)
    try:
        describe = ps.describe(name)
        history = ps.history(name)
    except (ParameterError, KeyError):
        return None
    for h in history:
        if isinstance(h.get("value"), dict | list):
            h["value_text"] = json.dumps(h["value"], ensure_ascii=False)
    return {"param": describe, "history": history, "changes": overlay_log(session, name)}


@router.get("/params/{name}")
def param_detail(name: str, request: Request, session: SessionDep):
    user = auth.require(request, session, "params")
    ctx = _param_context(session, name)
    if ctx is None:
        return render(request, "error.html", {"title": "参数不存在", "message": f"未知参数：{name}"},
                      status_code=404, user=user)
    return render(request, "staff/param.html", {"title": f"参数 {name}", **ctx, "form": {}}, user=user)


@router.post("/params/{name}")
def param_add(name: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
              region: str = Form("000000", max_length=6), effective_from: str = Form(""),
              value: str = Form("", max_length=4000), reference: str = Form("", max_length=500),
              note: str = Form("", max_length=500), confirmed: str = Form("")):
    from shebao.policy import ParameterError
    from shebao.policy.store import set_parameter

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, "params_edit")
    form = {"region": region, "effective_from": effective_from, "value": value, "reference": reference,
            "note": note, "confirmed": confirmed}
    ctx = _param_context(session, name)
    if ctx is None:
        return render(request, "error.html", {"title": "参数不存在", "message": f"未知参数：{name}"},
                      status_code=404, user=user)
    errors = []
    try:
        day = dt.date.fromisoformat(effective_from.strip())
    except ValueError:
        errors.append("生效日期应为 YYYY-MM-DD")
    if not value.strip():
        errors.append("请填写参数值")
    elif ctx["param"].get("unit") == "rate" and value.strip().endswith(("%", "％")):
        from decimal import InvalidOperation

        try:  # a rate typed as people write it: "16%" is 0.16
            value = format((Decimal(value.strip()[:-1].strip()) / 100).normalize(), "f")
        except InvalidOperation:
            errors.append("比例应为数字，例如 0.16 或 16%")
    if not reference.strip():
        errors.append("请填写出处（文件名称和文号）")
    if not errors:
        try:
            set_parameter(session, name=name, region=region.strip() or "000000", effective_from=day,
                          value=value.strip(), reference=reference.strip(), by=user.username,
                          confirmed=confirmed == "on", note=note.strip() or None)
        except (ParameterError, ValueError) as exc:
            from shebao.web.labels import plain_text

            # "pension.base@370000: 缺少出处（--reference）" → "缺少出处"
            text = re.sub(r"^[a-z0-9_.]+@\d+:\s*", "", str(exc)).replace("（--reference）", "")
            errors.append(plain_text(text))
    if errors:
        return render(request, "staff/param.html", {"title": f"参数 {name}", **ctx, "form": form, "errors": errors},
                      status_code=422, user=user)
    return _done(session, f"/staff/params/{name}?saved=1")


# --- audit log ------------------------------------------------------------------------------------

AUDIT_PAGE = 50


@router.get("/audit")
def audit(request: Request, session: SessionDep, action: str = Query("", max_length=64),
          actor: str = Query("", max_length=64), before: int | None = Query(None, ge=1)):
    from shebao.audit import queries
    from shebao.web.labels import detail_items

    user = auth.require(request, session, "audit")
    rows = queries.list_entries(session, action=action, actor=actor, before=before, limit=AUDIT_PAGE)
    total = queries.count_entries(session)
    actions = queries.actions(session)
    entries = []
    for row in rows:
        try:
            detail = json.loads(row.detail)
        except ValueError:
            detail = row.detail
        entries.append({"seq": row.seq, "ts": row.ts, "ts_local": _local(row.ts), "actor": row.actor,
                        "actor_role": row.actor_role, "action": row.action, "entity": row.entity,
                        "entity_id": row.entity_id, "source": row.source, "hash": row.hash,
                        "detail": json.dumps(detail, ensure_ascii=False)[:300], "detail_items": detail_items(detail)})
    return render(request, "staff/audit.html", {
        "title": "审计日志", "entries": entries, "total": total, "action": action, "actor": actor,
        "actions": actions, "next_before": rows[-1].seq if len(rows) == AUDIT_PAGE else None,
    }, user=user)


def _local(ts: str) -> str:
    from shebao.web.common import local_time

    try:
        return local_time(ts, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ts


@router.post("/audit/verify")
def audit_verify(request: Request, session: SessionDep, csrf_token: str = Form("")):
    from shebao.audit import append
    from shebao.audit.log import verify

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, "audit")
    result = verify(session)
    append(session, action="audit.verify", entity="audit_log", detail={
        "ok": result.ok, "entries": result.entries, "first_bad_seq": result.first_bad_seq})
    session.commit()
    return render(request, "staff/audit_verify.html", {"title": "校验审计链", "result": result}, user=user)


# --- applications: intake, review queue, case page ------------------------------------------------

def _require_cases(request: Request, session, area: str):
    from shebao.web import cases_view

    user = auth.require(request, session, area)
    if not cases_view.available():
        raise auth.Forbidden("待遇速办模块尚未安装。")
    return user


QUEUE_PAGE = 30


def _people(session, person_ids) -> dict[str, dict[str, str]]:
    """Name and ID number of the persons on one page of a list (the template masks them)."""
    from shebao.registry.service import names_and_id_numbers

    return names_and_id_numbers(session, person_ids)


def _persons_matching(session, q: str) -> set[str] | None:
    """Person numbers a search text names (person number, ID number or full name; blind indexes)."""
    from shebao.registry.service import person_ids_matching

    return person_ids_matching(session, q)


def _queue_rows(session, *, q: str, kind: str, stage: str, received_from: str, received_to: str,
                sort: str, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of the queue as filtered (searched, filtered, sorted and paged in the database)."""
    from shebao.cases.queue import search_queue

    text = q.strip()
    persons = _persons_matching(session, text) if text else None
    return search_queue(session, application_no=text, person_ids=persons if text else None, kind=kind, stage=stage,
                        received_from=received_from, received_to=received_to, sort=sort, limit=limit, offset=offset)


def _date_param(value: str) -> str:
    try:
        return dt.date.fromisoformat(value.strip()).isoformat() if value.strip() else ""
    except ValueError:
        return ""


@router.get("/queue")
def review_queue(request: Request, session: SessionDep, q: str = Query("", max_length=32),
                 kind: str = Query("", max_length=16), stage: str = Query("", max_length=8),
                 received_from: str = Query("", max_length=10), received_to: str = Query("", max_length=10),
                 sort: str = Query("deadline", max_length=10), page: int = Query(1, ge=1, le=100000)):
    from shebao.web import cases_view

    user = _require_cases(request, session, "queue")
    if re.fullmatch(r"\d{17}[\dXx]|\d{15}", q.strip()):
        # an ID number searched stays out of the address bar, the browser's history and the page links:
        # the list is shown under the person number it belongs to (the blind index finds it)
        found = _persons_matching(session, q)
        if found and len(found) == 1:
            params = dict(request.query_params) | {"q": next(iter(found))}
            params.pop("page", None)
            return RedirectResponse(f"/staff/queue?{urlencode(params)}", status_code=303)
    kind = kind if kind in cases_view.KIND_LABELS else ""
    stage = stage if stage in ("first", "second") else ""
    sort = sort if sort in QUEUE_SORTS else "deadline"
    received_from, received_to = _date_param(received_from), _date_param(received_to)
    filters = {"q": q, "kind": kind, "stage": stage, "received_from": received_from, "received_to": received_to}
    shown, total = _queue_rows(session, **filters, sort=sort, limit=QUEUE_PAGE, offset=(page - 1) * QUEUE_PAGE)
    pages = max(1, -(-total // QUEUE_PAGE))
    if page > pages:  # past the end (the list shrank): show the last page
        page = pages
        shown, total = _queue_rows(session, **filters, sort=sort, limit=QUEUE_PAGE, offset=(page - 1) * QUEUE_PAGE)
    mine = [r for r in cases_view.queue(session, mine=user.username)]
    filters = {"q": q, "kind": kind, "stage": stage, "received_from": received_from, "received_to": received_to,
               "sort": sort}
    return render(request, "staff/queue.html", {
        "title": "复核队列", "rows": shown, "mine": mine, "labels": cases_view, "total": total, "page": page,
        "pages": pages, "filters": filters, "people": _people(session, [r["person_id"] for r in shown]),
        "error": request.query_params.get("error"),
    }, user=user)


EXPORT_AREAS = {"queue": "queue", "alerts": "alerts", "audit": "audit"}
EXPORT_MAX_ROWS = 50000


@router.post("/export/{what}")
async def export_list(what: str, request: Request, session: SessionDep):
    """The queue, the alerts or the audit log as CSV or Excel (the filters of the list page):
    every cell masked and formula-neutralised; the export itself is written to the audit log."""
    from fastapi.responses import Response

    from shebao.audit import append
    from shebao.web import exports

    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    if what not in EXPORT_AREAS:
        return render(request, "error.html", {"title": "无法导出", "message": f"未知清单：{what}"}, status_code=404)
    (_require_cases(request, session, "queue") if what == "queue"
            else auth.require(request, session, EXPORT_AREAS[what]))
    fmt = form.get("format", "csv")
    if fmt not in exports.FORMATS:
        fmt = "csv"
    header, rows, filters = _export_rows(session, what, form)
    append(session, action="export.list", entity=what, entity_id=exports.TITLES[what],
           detail={"format": fmt, "rows": len(rows), "filters": filters})
    session.commit()
    body = exports.to_bytes(header, rows, fmt, exports.TITLES[what])
    name = exports.filename(what, fmt)
    return Response(body, media_type=exports.FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _export_rows(session, what: str, form: dict[str, str]) -> tuple[list[str], list[list[Any]], dict[str, str]]:
    from shebao.web.common import local_time, utc_time
    from shebao.web.labels import LABELS

    if what == "queue":
        from shebao.web import cases_view

        filters = {k: form.get(k, "") for k in ("q", "kind", "stage", "received_from", "received_to", "sort")}
        filters["received_from"], filters["received_to"] = (_date_param(filters["received_from"]),
                                                            _date_param(filters["received_to"]))
        sort = filters["sort"] if filters["sort"] in QUEUE_SORTS else "deadline"
        rows, _total = _queue_rows(session, **{**filters, "sort": sort}, limit=EXPORT_MAX_ROWS)
        people = _people(session, [r["person_id"] for r in rows])
        header = ["申请编号", "事项", "参保人编号", "姓名", "公民身份号码", "受理日期", "办结期限", "剩余工作日",
                  "风险等级", "月金额（元）", "复核", "转人工原因", "认领人"]
        out = [[r["application_no"], cases_view.KIND_LABELS.get(r["kind"], r["kind"]), r["person_id"],
                _masked(people, r["person_id"], "name"), _masked(people, r["person_id"], "id_number"),
                r["received_on"], r["deadline"], r["working_days_left"],
                LABELS.get("risk_level", {}).get(r["risk_level"] or "", r["risk_level"] or ""),
                r["monthly_amount"] or "", "第二次（四眼）" if r["stage"] == "second" else "第一次",
                "、".join(cases_view.REASON_LABELS.get(c, c) for c in r["reasons"] if c), r["claimed_by"] or ""]
               for r in rows]
        return header, out, filters
    if what == "alerts":
        from shebao.risk.alerts import list_alerts

        filters = {k: form.get(k, "") for k in ("level", "rule", "status", "q")}
        status = filters["status"] if filters["status"] in ("new", "confirmed", "dismissed") else None
        persons = _persons_matching(session, filters["q"]) if filters["q"] else None
        found: list = []
        for person_id in sorted(persons) if persons is not None else [None]:
            rows, _ = list_alerts(session, status=status, level=filters["level"] or None,
                                  rule_id=filters["rule"] or None, person_id=person_id, limit=EXPORT_MAX_ROWS)
            found += rows
        people = _people(session, [a.person_id for a in found])
        header = ["疑点编号", "风险等级", "规则", "参保人编号", "姓名", "公民身份号码", "风险金额（元）", "证据", "状态",
                  "首次发现", "最近发现", "处理人", "处理时间"]
        out = [[a.id, LABELS["level"].get(a.level, a.level), a.rule_id, a.person_id,
                _masked(people, a.person_id, "name"), _masked(people, a.person_id, "id_number"),
                f"{a.amount_at_risk:.2f}", a.evidence, LABELS["alert_status"].get(a.status, a.status),
                a.first_as_of, a.last_as_of, a.decided_by or "", local_time(a.decided_at)] for a in found]
        return header, out, filters
    from shebao.audit.queries import iter_entries

    filters = {k: form.get(k, "") for k in ("action", "actor")}
    entries = iter_entries(session, action=filters["action"], actor=filters["actor"], limit=EXPORT_MAX_ROWS)
    from shebao.web.common import timezone_label

    header = ["序号", f"时间（{timezone_label()}）", "时间（UTC，审计链存储值）", "操作人", "角色", "操作", "操作代码",
              "对象", "对象编号", "详情", "来源"]
    out = [[e.seq, _local(e.ts), utc_time(e.ts), e.actor, e.actor_role or "",
            LABELS["audit_action"].get(e.action, e.action), e.action, e.entity, e.entity_id or "", e.detail,
            e.source or ""] for e in entries]
    return header, out, filters


def _masked(people: dict, person_id: str, field: str) -> str:
    from shebao.core.crypto import mask_id_number, mask_name

    value = (people.get(person_id) or {}).get(field)
    return (mask_name if field == "name" else mask_id_number)(value)


@router.post("/queue/claim")
def claim_next(request: Request, session: SessionDep, csrf_token: str = Form(""),
               application_no: str = Form("", max_length=24)):
    from shebao.cases.queue import ReviewError, claim

    auth.check_csrf(request, csrf_token)
    user = _require_cases(request, session, "decide")
    try:
        app = claim(session, application_no=application_no.strip() or None)
    except (ReviewError, PermissionError) as exc:
        session.rollback()
        from shebao.web import cases_view

        rows = cases_view.queue(session, limit=QUEUE_PAGE)
        return render(request, "staff/queue.html", {
            "title": "复核队列", "rows": rows, "mine": [], "labels": cases_view, "total": len(rows), "page": 1,
            "pages": 1, "filters": {"q": "", "kind": "", "stage": "", "received_from": "", "received_to": "",
                                    "sort": "deadline"},
            "people": _people(session, [r["person_id"] for r in rows]), "error": str(exc)}, status_code=409, user=user)
    return _done(session, f"/staff/cases/{app.application_no}")


def _case_response(request: Request, session, user, application_no: str, *, error: str | None = None,
                   form: dict | None = None, status_code: int = 200, pending: dict | None = None):
    from shebao.web import cases_view

    data = cases_view.case_page(session, application_no)
    if data is None:
        return render(request, "error.html", {"title": "申请不存在", "message": f"申请编号 {application_no} 不存在"},
                      status_code=404, user=user)
    person = _person_card(session, user, data["app"]["person_id"], f"办理申请 {application_no}")
    return render(request, "staff/case.html", {
        "title": f"申请 {application_no}", **data, "person": person, "labels": cases_view, "error": error,
        "form": form or {}, "can_decide": auth.allowed(user, "decide") and user.role == "reviewer",
        "pending": pending,
    }, status_code=status_code, user=user)


@router.get("/cases/{application_no}")
def case_detail(application_no: str, request: Request, session: SessionDep):
    user = _require_cases(request, session, "cases")
    return _case_response(request, session, user, application_no[:24])


@router.post("/cases/{application_no}/decide")
def case_decide(application_no: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
                action: str = Form(""), comment: str = Form("", max_length=2000),
                monthly_amount: str = Form("", max_length=20), start_date: str = Form("", max_length=10),
                comment_visibility: str = Form("", max_length=16), confirmed: str = Form("", max_length=1)):
    """Claim, release or decide a case. A grant or a refusal is first shown as what it will do
    (the decision is made and rolled back) and only the second, confirming post keeps it."""
    from shebao.cases.queue import ReviewError, claim, decide, release

    auth.check_csrf(request, csrf_token)
    user = _require_cases(request, session, "decide")
    application_no = application_no[:24]
    form = {"comment": comment, "monthly_amount": monthly_amount, "start_date": start_date,
            "comment_visibility": comment_visibility}
    try:
        if action == "claim":
            claim(session, application_no=application_no)
        elif action == "release":
            release(session, application_no=application_no)
        elif action in ("approve", "reject", "return", "return_to_first"):
            app = decide(session, application_no=application_no, action=action, comment=comment.strip(),
                         monthly_amount=monthly_amount.strip() or None, start_date=start_date.strip() or None,
                         comment_visibility=comment_visibility or None)
            if action in ("approve", "reject") and confirmed != "1":
                pending = _pending_outcome(session, app, action, form)
                session.rollback()  # nothing is kept until the reviewer confirms
                return _case_response(request, session, user, application_no, form=form, pending=pending)
        else:
            raise ReviewError("请选择操作：核准、驳回、退回补正或退回第一复核员")
    except (ReviewError, PermissionError) as exc:
        session.rollback()  # nothing of a refused action is kept
        return _case_response(request, session, user, application_no, error=str(exc), form=form, status_code=409)
    return _done(session, f"/staff/cases/{application_no}")


def _pending_outcome(session, app, action: str, form: dict) -> dict[str, Any]:
    """What a grant or a refusal will do, in words, with the notice the applicant would receive."""
    from shebao.cases.queries import latest_notification

    session.flush()
    latest = latest_notification(session, app.id)
    notice = latest.text if latest is not None else None
    if action == "approve" and app.status == "approved":
        lines = [f"核准并建立待遇：月金额 {app.monthly_amount:.2f} 元，自 {app.start_date} 起按月发放。",
                 "向申请人发送核准通知。"]
        label = "确认核准"
    elif action == "approve":
        lines = [f"提出核准意见：月金额 {app.proposed_amount:.2f} 元，自 {app.proposed_start_date} 起；"
                 "转另一名复核员确认，确认前不发放。"]
        lines += [r["text"] for r in json.loads(app.amount_check or "[]")]
        label, notice = "确认提交核准意见", None
    else:
        lines = ["不予核准，结束本申请；向申请人发送不予核准通知（附复议、诉讼权利告知）。"]
        label = "确认不予核准"
    return {"action": action, "lines": lines, "notice": notice, "label": label, "form": form}


@router.get("/intake")
def intake_page(request: Request, session: SessionDep):
    import uuid

    user = _require_cases(request, session, "intake")
    return render(request, "staff/intake.html", {"title": "受理申请", "form": {"kind": "pension"},
                                                 "key": uuid.uuid4().hex}, user=user)


PYDANTIC_MESSAGES = {
    "missing": "必填", "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD", "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD", "literal_error": "请从列表中选择", "int_parsing": "应为整数",
    "greater_than_equal": "不能小于允许的最小值", "less_than_equal": "超过允许的最大值", "string_too_short": "不能为空",
    "string_too_long": "太长", "extra_forbidden": "不应填写",
}


def _validation_messages(exc) -> list[str]:
    names = {"kind": "申请事项", "person_id": "申请人", "id_number": "申请人身份号码", "bank_account": "银行账号",
             "facts": "申请事实", "agent": "代办人", "separation_date": "离职日期", "separation_reason": "离职原因",
             "retirement_date": "退休时间", "early_months": "提前退休月数", "late_months": "延迟退休月数",
             "name": "姓名", "relation": "关系"}
    from shebao.web.labels import LABELS, plain_text

    names = {**LABELS["fact"], "idempotency_key": "提交编号", "channel": "办理渠道", **names}
    out = []
    for err in exc.errors():
        where = "·".join(names.get(str(p), "申请内容") for p in err.get("loc", ()) if not isinstance(p, int))
        message = PYDANTIC_MESSAGES.get(err.get("type", ""), str(err.get("msg", "")).removeprefix("Value error, "))
        if not re.search(r"[\u4e00-\u9fff]", message):  # pydantic's own English: say it plainly instead
            message = "格式不正确"
        message = plain_text(message)
        out.append(f"{where}：{message}" if where else message)
    return out


@router.post("/intake")
async def intake_submit(request: Request, session: SessionDep):
    from pydantic import ValidationError

    from shebao.cases.pipeline import IntakeError, submit_application
    from shebao.cases.schemas import ApplicationCreate

    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    user = _require_cases(request, session, "intake")
    applicant = form.get("applicant", "").upper()
    payload: dict[str, Any] = {"kind": form.get("kind"), "idempotency_key": form.get("key") or "",
                               "bank_account": form.get("bank_account", ""), "channel": "clerk"}
    if applicant.startswith("P"):
        payload["person_id"] = applicant
    elif applicant:
        payload["id_number"] = applicant
    if form.get("kind") == "unemployment":
        payload["facts"] = {"separation_date": form.get("separation_date") or None,
                            "separation_reason": form.get("separation_reason") or None}
    else:
        facts: dict[str, Any] = {}
        if form.get("retirement_date"):
            facts["retirement_date"] = form["retirement_date"]
        for key in ("early_months", "late_months"):
            if form.get(key):
                facts[key] = form[key]
        payload["facts"] = facts
    if form.get("agent_name") or form.get("agent_id_number"):
        payload["agent"] = {"name": form.get("agent_name"), "id_number": form.get("agent_id_number", "").upper(),
                            "relation": form.get("agent_relation") or "other"}
        payload["channel"] = "agent"
    errors: list[str] = []
    if not applicant:
        errors.append("请填写申请人的参保人编号或公民身份号码")
    app = None
    if not errors:
        try:
            app, _created = submit_application(session, ApplicationCreate.model_validate(payload))
        except ValidationError as exc:
            errors = _validation_messages(exc)
        except (IntakeError, ValueError) as exc:
            errors = [str(exc)]
    if errors:
        session.rollback()
        form.pop("csrf_token", None)
        return render(request, "staff/intake.html", {"title": "受理申请", "form": form, "errors": errors,
                                                     "key": form.get("key")}, status_code=422, user=user)
    return _done(session, f"/staff/cases/{app.application_no}")
