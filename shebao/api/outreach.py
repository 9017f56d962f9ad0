"""/api/v1/outreach — 政策快送: run the campaigns, deliver, statistics, reports, opt-outs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from shebao.core.roles import Role
from shebao.http.deps import SessionDep, require_roles
from shebao.outreach.schemas import CampaignStats, OptOutRequest, RunOut, RunRequest

MessageId = Annotated[int, Path(ge=1, le=2_147_483_647, description="发件箱消息编号")]

router = APIRouter(prefix="/api/v1/outreach", tags=["outreach"],
                   dependencies=[require_roles(Role.CLERK, Role.ANALYST)])


@router.post("/run", response_model=RunOut, summary="按基准日选择各活动的对象并写入发件箱")
def run(body: RunRequest, session: SessionDep) -> dict:
    from shebao.outreach.catalogue import CampaignError
    from shebao.outreach.service import run_campaigns

    try:
        selection, outbox = run_campaigns(session, as_of=body.as_of, campaigns=body.campaigns,
                                          actor=session.info.get("actor", "api"))
    except CampaignError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return {"as_of": body.as_of, "counts": selection.counts, "targets": [t.as_json() for t in selection.targets],
            "suppressed": outbox.suppressed, "queued": dict(outbox.queued), "already_in_outbox": outbox.already,
            "skipped": selection.skipped, "seconds": round(selection.seconds, 2)}


@router.post("/deliver", summary="发送发件箱中到期的消息（每条单独提交；可中断重跑）")
async def deliver() -> dict:
    from shebao.core.db import session_scope
    from shebao.outreach.service import deliver_pending

    summary = await run_in_threadpool(deliver_pending, session_scope)
    return summary.as_json()


@router.get("/stats", response_model=list[CampaignStats], summary="各活动的对象、送达、打开和60天内办理")
def stats(session: SessionDep) -> list[dict]:
    from shebao.outreach.service import campaign_stats

    return campaign_stats(session)


def _missing(exc: Exception) -> HTTPException:
    return HTTPException(status_code=404, detail=str(exc))


@router.get("/messages/{message_id}/report", response_class=HTMLResponse, summary="个人测算报告（HTML）")
def report(message_id: MessageId, session: SessionDep) -> HTMLResponse:
    from shebao.outreach.catalogue import CampaignError
    from shebao.outreach.service import report_html

    try:
        return HTMLResponse(report_html(session, message_id=message_id))
    except CampaignError as exc:
        raise _missing(exc) from None


@router.get("/messages/{message_id}/report.pdf", summary="个人测算报告（PDF，一页）")
def report_pdf(message_id: MessageId, session: SessionDep) -> Response:
    from shebao.outreach.catalogue import CampaignError
    from shebao.outreach.service import report_pdf as render

    try:
        data = render(session, message_id=message_id)
    except CampaignError as exc:
        raise _missing(exc) from None
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="report-{message_id}.pdf"'})


@router.post("/optouts", status_code=201, summary="登记退订（立即生效）")
def optout(body: OptOutRequest, session: SessionDep) -> dict:
    from shebao.outreach.service import opt_out

    opt_out(session, person_id=body.person_id, channel=body.channel, source="api")
    return {"person_id": body.person_id, "channel": body.channel}
