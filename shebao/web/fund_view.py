"""The fund's pages under ``/staff/fund``: monitoring charts, projection scenarios side by side, the
reconciliation workbench (differences, sign-off, reopen) and the exports (CSV, Excel)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render

router = APIRouter(prefix="/staff/fund", include_in_schema=False)
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
TABS = (("/staff/fund", "基金监测"), ("/staff/fund/projection", "精算预测"), ("/staff/fund/reconciliation", "四方对账"))


def _default_months() -> tuple[str, str]:
    today = dt.date.today()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = dt.date(end.year - 2, end.month, 1)
    return f"{start:%Y-%m}", f"{end:%Y-%m}"


@router.get("")
def monitor_page(request: Request, session: SessionDep, start: str = Query("", alias="from", max_length=7),
                 end: str = Query("", alias="to", max_length=7), region: str = Query("", max_length=6)):
    from shebao.fund.monitor import MonitorError, monitor

    user = auth.require(request, session, "fund")
    d_start, d_end = _default_months()
    start, end = start or d_start, end or d_end
    error, data = None, None
    try:
        data = monitor(session, start=start, end=end, region=region or None)
    except MonitorError as exc:
        error = str(exc)
    return render(request, "staff/fund/monitor.html", {
        "title": "基金监测", "tabs": TABS, "data": data, "error": error,
        "filters": {"from": start, "to": end, "region": region}}, user=user, status_code=422 if error else 200)


SCENARIO_FIELDS = (("wage_growth", "工资增长率"), ("pension_indexation", "养老金调整率"), ("interest_rate", "结余收益率"),
                   ("contribution_density", "缴费率（在职缴费比例）"))


@router.get("/projection")
def projection_page(request: Request, session: SessionDep, to: int = Query(2050, ge=2027, le=2100),
                    rule: str = Query("fixed", pattern="^(fixed|reform_2025)$"),
                    wage_growth: str = Query("", max_length=10), pension_indexation: str = Query("", max_length=10),
                    interest_rate: str = Query("", max_length=10), contribution_density: str = Query("", max_length=10),
                    source: str = Query("aggregates", pattern="^(aggregates|registry)$")):
    import copy

    from shebao.fund.projection import ScenarioError, compare, load_scenario, run

    user = auth.require(request, session, "fund")
    registry = None
    given = {"wage_growth": wage_growth, "pension_indexation": pension_indexation, "interest_rate": interest_rate,
             "contribution_density": contribution_density}
    error = None
    base = load_scenario()
    if source == "registry":
        from shebao.fund.service import registry_population

        as_of = dt.date(base.start_year - 1, 12, 31)
        registry = registry_population(session, as_of=as_of)
        if registry.group.size == 0:
            error = "数据库中没有养老保险参保人员，改用演示人口"
            registry = None
        else:
            # the demo's entrants and opening balance are for its own population: scale them to the registry's
            demo_insured = sum(float(b.get("insured") or 0) for b in base.population.get("bands") or []) or 1.0
            factor = float((registry.status < 2).sum()) / demo_insured
            base.population = {"source": "registry", "as_of": as_of.isoformat()}
            entrants = base.value("new_entrants")
            base.assumptions["new_entrants"] = {"value": {**entrants, "total": float(entrants["total"]) * factor},
                                                "note": f"演示假设按登记在职人数比例缩放（×{factor:.6f}）"}
            base.assumptions["opening_balance"] = {"value": float(base.value("opening_balance")) * factor,
                                                   "note": f"演示假设按登记在职人数比例缩放（×{factor:.6f}）"}
    other = copy.deepcopy(base)
    other.assumptions["retirement_rule"] = {"value": rule, "note": "页面设定"}
    for key, text in given.items():
        if text.strip():
            try:
                value = float(text)
                if not -0.5 < value < 1.5:
                    raise ValueError
            except ValueError:
                error = f"{dict(SCENARIO_FIELDS)[key]}应为 -0.5 到 1.5 之间的小数（如 0.05）：{text}"
                continue
            other.assumptions[key] = {"value": value, "note": "页面设定"}
            other.given.append(key)
    other.name = "对比情景"
    try:
        a, b = run(base, to_year=to, registry=registry), run(other, to_year=to, registry=registry)
    except ScenarioError as exc:
        return render(request, "error.html", {"title": "无法预测", "message": str(exc)}, status_code=422, user=user)
    ja, jb = a.to_json(), b.to_json()
    return render(request, "staff/fund/projection.html", {
        "title": "精算预测", "tabs": TABS, "a": ja, "b": jb, "label": base.label, "diff": compare(a, b), "error": error,
        "rule": rule, "to": to, "given": given, "fields": SCENARIO_FIELDS, "source": source,
        "inputs_a": ja["inputs"], "inputs_b": jb["inputs"],
        "chart": {"years": [y["year"] for y in ja["years"]],
                  "a": {"name": ja["scenario"], "balance": [y["accumulated_balance"] for y in ja["years"]],
                        "ratio": [y["dependency_ratio_contributors"] for y in ja["years"]]},
                  "b": {"name": "对比情景", "balance": [y["accumulated_balance"] for y in jb["years"]],
                        "ratio": [y["dependency_ratio_contributors"] for y in jb["years"]]}}},
        user=user, status_code=422 if error else 200)


@router.get("/reconciliation")
def reconciliation_list(request: Request, session: SessionDep):
    from shebao.fund.service import list_reconciliations, report_dict

    user = auth.require(request, session, "fund")
    return render(request, "staff/fund/reconciliations.html", {
        "title": "四方对账", "tabs": TABS, "reports": [report_dict(r) for r in list_reconciliations(session)]}, user=user)


def _period_context(session, period: str, klass: str = "") -> dict[str, Any] | None:
    from shebao.fund.reconcile import CLASS_LABELS, CLASSES, FLOW_LABELS
    from shebao.fund.service import difference_dict, get_reconciliation, list_differences, report_dict

    rec = get_reconciliation(session, period=period)
    if rec is None:
        return None
    return {"report": report_dict(rec), "klass": klass, "classes": CLASSES, "class_labels": CLASS_LABELS,
            "flow_labels": FLOW_LABELS,
            "differences": [difference_dict(d) for d in list_differences(session, period=period, klass=klass or None)]}


@router.get("/reconciliation/{period}")
def reconciliation_period(period: str, request: Request, session: SessionDep,
                          klass: str = Query("", alias="class", max_length=32)):
    user = auth.require(request, session, "fund")
    ctx = _period_context(session, period, klass)
    if ctx is None:
        return render(request, "error.html", {"title": "尚未对账", "message": f"{period} 尚未对账（shebao reconcile）"},
                      status_code=404, user=user)
    return render(request, "staff/fund/period.html", {"title": f"{period} 四方对账", "tabs": TABS, **ctx,
                                                      "error": request.query_params.get("error")}, user=user)


def _act(request: Request, session, period: str, action) -> Any:
    from shebao.fund.service import FundError

    try:
        action()
    except FundError as exc:
        session.rollback()
        user = auth.require(request, session, "fund")
        ctx = _period_context(session, period) or {}
        return render(request, "staff/fund/period.html", {"title": f"{period} 四方对账", "tabs": TABS, **ctx,
                                                          "error": str(exc)}, status_code=422, user=user)
    session.commit()
    return RedirectResponse(f"/staff/fund/reconciliation/{period}", status_code=303)


@router.post("/reconciliation/{period}/signoff")
def signoff(period: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
            note: str = Form("", max_length=2000)):
    from shebao.fund.service import sign_off

    auth.check_csrf(request, csrf_token)
    auth.require(request, session, "fund")
    return _act(request, session, period, lambda: sign_off(session, period=period, note=note.strip()))


@router.post("/reconciliation/{period}/reopen")
def reopen(period: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
           reason: str = Form("", max_length=2000)):
    from shebao.fund.service import reopen as do_reopen

    auth.check_csrf(request, csrf_token)
    auth.require(request, session, "fund")
    return _act(request, session, period, lambda: do_reopen(session, period=period, reason=reason))


@router.post("/reconciliation/{period}/differences/{difference_id}/resolve")
def resolve(period: str, difference_id: int, request: Request, session: SessionDep, csrf_token: str = Form(""),
            note: str = Form("", max_length=2000)):
    from shebao.fund.service import resolve_difference

    auth.check_csrf(request, csrf_token)
    auth.require(request, session, "fund")
    return _act(request, session, period, lambda: resolve_difference(session, difference_id=difference_id, note=note))


EXPORTS = {"monitor": "基金监测", "differences": "对账差异"}


@router.post("/export/{what}")
async def export(what: str, request: Request, session: SessionDep):
    """The monitoring table or a period's differences as CSV or Excel: every cell masked and
    formula-neutralised (:mod:`shebao.core.safefiles`); the export is written to the audit log."""
    from shebao.audit import append
    from shebao.web import exports

    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    auth.check_csrf(request, form.get("csrf_token"))
    user = auth.require(request, session, "fund")
    if what not in EXPORTS:
        return render(request, "error.html", {"title": "无法导出", "message": f"未知清单：{what}"}, status_code=404,
                      user=user)
    fmt = form.get("format", "csv") if form.get("format") in exports.FORMATS else "csv"
    if what == "monitor":
        from shebao.fund.monitor import TOTAL_COLUMNS, MonitorError, monitor

        d_start, d_end = _default_months()
        filters = {"from": form.get("from") or d_start, "to": form.get("to") or d_end, "region": form.get("region", "")}
        try:
            data = monitor(session, start=filters["from"], end=filters["to"], region=filters["region"] or None)
        except MonitorError as exc:
            return render(request, "error.html", {"title": "无法导出", "message": str(exc)}, status_code=422, user=user)
        header = list(TOTAL_COLUMNS)
        rows = [[m.get(c) if m.get(c) is not None else "" for c in header] for m in data["months"]]
    else:
        from shebao.fund.reconcile import COLUMNS

        filters = {"period": form.get("period", ""), "class": form.get("class", "")}
        ctx = _period_context(session, filters["period"], filters["class"])
        if ctx is None:
            return render(request, "error.html", {"title": "无法导出", "message": f"{filters['period']} 尚未对账"},
                          status_code=404, user=user)
        header = [*COLUMNS, "flow", "status"]
        rows = [[d[c] if d.get(c) is not None else "" for c in header] for d in ctx["differences"]]
    append(session, action="export.list", entity=f"fund_{what}", entity_id=EXPORTS[what],
           detail={"format": fmt, "rows": len(rows), "filters": filters})
    session.commit()
    body = exports.to_bytes(header, rows, fmt, EXPORTS[what])
    return Response(body, media_type=exports.FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{exports.filename("fund-" + what, fmt)}"',
        "Cache-Control": "no-store"})
