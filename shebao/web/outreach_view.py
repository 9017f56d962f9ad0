"""政策快送 pages: the campaigns' results for staff (/staff/outreach), and the citizen's message with
its personal report (/outreach/m/{token}: the link a message carries; opening it is recorded)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render

router = APIRouter(include_in_schema=False)

PAGE = 30
STATUS_LABELS = {"queued": "待发送", "sending": "发送中", "sent": "已送达", "failed": "发送失败", "suppressed": "暂不发送"}
REASON_LABELS = {"opted_out": "本人已退订", "recontact_wait": "未到再次联系间隔", "frequency_cap": "超过30天消息上限"}


@router.get("/staff/outreach")
def outreach_page(request: Request, session: SessionDep, campaign: str = Query("", max_length=8),
                  status: str = Query("", max_length=16), page: int = Query(1, ge=1, le=100000)):
    from shebao.outreach.catalogue import load_catalogue
    from shebao.outreach.service import campaign_stats, list_messages
    from shebao.outreach.stats import ACTION_WINDOW_DAYS

    user = auth.require(request, session, "outreach")
    catalogue = load_catalogue()
    ids = [c.id for c in catalogue.campaigns]
    campaign = campaign if campaign in ids else ""
    status = status if status in STATUS_LABELS else ""
    rows = campaign_stats(session, catalogue=catalogue)
    messages, total = list_messages(session, campaign_id=campaign or None, status=status or None, limit=PAGE,
                                    offset=(page - 1) * PAGE)
    chart = {"labels": [r["campaign_id"] for r in rows], "series": [
        {"name": "对象", "values": [r["targeted"] for r in rows]},
        {"name": "送达", "values": [r["delivered"] for r in rows]},
        {"name": "打开", "values": [r["opened"] for r in rows]},
        {"name": f"{ACTION_WINDOW_DAYS}天内办理", "values": [r["acted"] for r in rows]}]}
    return render(request, "staff/outreach/index.html", {
        "title": "政策快送", "rows": rows, "chart": chart, "campaigns": catalogue.campaigns, "messages": messages,
        "total": total, "campaign": campaign, "status": status, "page": page, "pages": max(1, -(-total // PAGE)),
        "status_labels": STATUS_LABELS, "reason_labels": REASON_LABELS, "window": ACTION_WINDOW_DAYS,
    }, user=user)


@router.post("/staff/outreach/run")
def outreach_run(request: Request, session: SessionDep, csrf_token: str = Form(""), as_of: str = Form("")):
    from shebao.outreach.catalogue import CampaignError
    from shebao.outreach.service import run_campaigns

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, "outreach")
    try:
        day = dt.date.fromisoformat(as_of.strip())
    except ValueError:
        return render(request, "error.html", {"title": "基准日有误", "message": "基准日应为日期，例如 2026-06-30"},
                      status_code=422, user=user)
    try:
        run_campaigns(session, as_of=day, actor=user.username)
    except CampaignError as exc:
        session.rollback()
        return render(request, "error.html", {"title": "活动目录有误", "message": str(exc)}, status_code=422, user=user)
    session.commit()
    return RedirectResponse("/staff/outreach", status_code=303)


@router.get("/staff/outreach/messages/{message_id}")
def outreach_message(message_id: int, request: Request, session: SessionDep):
    from shebao.outreach.catalogue import CampaignError
    from shebao.outreach.service import report_html

    auth.require(request, session, "outreach")
    try:
        return HTMLResponse(report_html(session, message_id=message_id))
    except CampaignError:
        return render(request, "error.html", {"title": "消息不存在", "message": f"发件箱中没有编号为 {message_id} 的消息"},
                      status_code=404)


@router.get("/outreach/m/{token}")
def citizen_message(token: str, request: Request, session: SessionDep):
    from shebao.outreach.reports import chart_bars
    from shebao.outreach.service import open_by_token

    opened = open_by_token(session, token=token[:64])
    if opened is None:
        return render(request, "error.html", {"title": "消息不存在或已失效",
                                              "message": "请核对短信中的链接；如有疑问，请拨打 12333 咨询。"}, status_code=404)
    session.commit()
    msg, report = opened
    return render(request, "portal/outreach_message.html", {
        "title": report["title"], "message": msg, "report": report, "bars": chart_bars(report["chart"]),
        "token": token})


@router.get("/outreach/m/{token}/report.pdf")
async def citizen_report_pdf(token: str, session: SessionDep):
    from shebao.outreach.reports import render_pdf
    from shebao.outreach.service import open_by_token

    opened = open_by_token(session, token=token[:64])
    if opened is None:
        return Response(status_code=404)
    session.commit()
    data = await run_in_threadpool(render_pdf, opened[1])
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": 'inline; filename="report.pdf"'})


@router.post("/outreach/m/{token}/optout")
def citizen_optout(token: str, request: Request, session: SessionDep, csrf_token: str = Form("")):
    from shebao.outreach.service import open_by_token, opt_out

    auth.check_csrf(request, csrf_token)
    opened = open_by_token(session, token=token[:64])
    if opened is None:
        return render(request, "error.html", {"title": "消息不存在或已失效", "message": "请拨打 12333 办理退订。"},
                      status_code=404)
    opt_out(session, person_id=opened[0].person_id, source="portal")
    session.commit()
    return render(request, "portal/outreach_message.html", {
        "title": opened[1]["title"], "message": opened[0], "report": opened[1], "bars": [], "token": token,
        "opted_out": True})
