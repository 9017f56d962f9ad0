"""The outreach domain's face: what the CLI, the API and the pages call.

Functions taking a session are keyword-only after it and never commit (the caller owns the unit of
work; audit entries join it), except :func:`deliver_pending`, which is a batch that owns one small
transaction per message (that is what makes delivery safe to kill and restart).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.db import utcnow
from shebao.outreach.catalogue import CampaignError, Catalogue, load_catalogue
from shebao.outreach.delivery import DeliverySummary, OutboxSummary, deliver, write_outbox
from shebao.outreach.models import OutreachMessage, OutreachOptOut, OutreachRun
from shebao.outreach.reports import compute_report, render_html, render_pdf
from shebao.outreach.selection import Selection, select_database, select_folder
from shebao.outreach.settings import OutreachSettings
from shebao.outreach.stats import campaign_stats
from shebao.policy.store import parameters_for
from shebao.policy.tree import ParameterMissing

__all__ = ["CampaignError", "run_campaigns", "deliver_pending", "campaign_stats", "open_by_token", "opt_out",
           "report_of", "report_html", "report_pdf", "list_messages", "select_targets"]


def select_targets(session: Session | None, *, as_of: dt.date, folder: str | Path | None = None,
                   engine: str = "duckdb", campaigns: list[str] | None = None,
                   catalogue: Catalogue | None = None, progress=None) -> Selection:
    """Every (campaign, person) pair the campaigns' rules select on ``as_of`` (nothing written)."""
    kwargs: dict[str, Any] = {"catalogue": catalogue, "engine": engine, "campaigns": campaigns, "progress": progress}
    if session is not None:
        kwargs["params"] = parameters_for(session)
    if folder is not None:
        return select_folder(folder, as_of=as_of, **kwargs)
    return select_database(session, as_of=as_of, **kwargs)


def run_campaigns(session: Session, *, as_of: dt.date, folder: str | Path | None = None, engine: str = "duckdb",
                  campaigns: list[str] | None = None, actor: str = "system",
                  settings: OutreachSettings | None = None, progress=None,
                  on_target=None) -> tuple[Selection, OutboxSummary]:
    """Select the targets and write their messages to the outbox (suppressions reported)."""
    if not 1990 <= as_of.year <= 2100:
        raise CampaignError(f"基准日应在 1990 年至 2100 年之间：{as_of.isoformat()}")
    catalogue = load_catalogue()
    for cid in campaigns or ():
        catalogue.campaign(cid)  # an unknown id fails before any work
    try:
        selection = select_targets(session, as_of=as_of, folder=folder, engine=engine, campaigns=campaigns,
                                   catalogue=catalogue, progress=progress)
    except ParameterMissing as exc:  # a date before the parameters the campaigns need were in force
        raise CampaignError(f"基准日 {as_of.isoformat()} 缺少活动所需的政策参数：{exc}") from exc
    outbox = write_outbox(session, selection, catalogue, settings=settings, on_target=on_target)
    session.add(OutreachRun(as_of=as_of, created_by=actor, summary=json.dumps(
        {"counts": selection.counts, **outbox.as_json(), "suppressed": len(outbox.suppressed)}, ensure_ascii=False)))
    append(session, action="outreach.run", entity="outreach_runs", entity_id=as_of.isoformat(),
           detail={"counts": selection.counts, "queued": dict(outbox.queued), "suppressed": len(outbox.suppressed)})
    return selection, outbox


def deliver_pending(session_scope, *, settings: OutreachSettings | None = None, limit: int | None = None,
                    on_message=None) -> DeliverySummary:
    """Send every due message through its channel, one transaction per message."""
    return deliver(session_scope, settings=settings, limit=limit, on_message=on_message)


def _message(session: Session, message_id: int) -> OutreachMessage:
    msg = session.get(OutreachMessage, message_id)
    if msg is None:
        raise CampaignError(f"消息 {message_id} 不存在")
    return msg


def report_of(session: Session, *, message_id: int) -> dict[str, Any]:
    """The message's personal report, recomputed from its stored inputs and the agency's parameters."""
    return compute_report(json.loads(_message(session, message_id).inputs), parameters_for(session))


def report_html(session: Session, *, message_id: int) -> str:
    return render_html(report_of(session, message_id=message_id))


def report_pdf(session: Session, *, message_id: int) -> bytes:
    return render_pdf(report_of(session, message_id=message_id))


def open_by_token(session: Session, *, token: str) -> tuple[OutreachMessage, dict[str, Any]] | None:
    """The portal link of a message: its report, and the first opening recorded (for the statistics)."""
    msg = session.scalars(select(OutreachMessage).where(OutreachMessage.token == token,
                                                        OutreachMessage.channel == "portal")).first()
    if msg is None or msg.status == "suppressed":
        return None
    if msg.opened_at is None:
        msg.opened_at = utcnow()
        append(session, action="outreach.opened", entity="outreach_messages", entity_id=str(msg.id), actor=msg.person_id,
               source="portal")
    return msg, compute_report(json.loads(msg.inputs), parameters_for(session))


def opt_out(session: Session, *, person_id: str, channel: str = "all", source: str = "portal") -> None:
    """Stop messages to a person (on one channel or all): queued ones are suppressed at once."""
    session.add(OutreachOptOut(person_id=person_id, channel=channel, source=source))
    pending = select(OutreachMessage).where(OutreachMessage.person_id == person_id,
                                            OutreachMessage.status.in_(("queued", "sending")))
    if channel != "all":
        pending = pending.where(OutreachMessage.channel == channel)
    for msg in session.scalars(pending):
        msg.status, msg.suppressed_reason = "suppressed", "opted_out"
    append(session, action="outreach.opt_out", entity="outreach_optouts", entity_id=person_id,
           detail={"channel": channel, "source": source})


def list_messages(session: Session, *, campaign_id: str | None = None, status: str | None = None,
                  limit: int = 50, offset: int = 0) -> tuple[list[OutreachMessage], int]:
    stmt = select(OutreachMessage).where(OutreachMessage.channel == "portal")
    if campaign_id:
        stmt = stmt.where(OutreachMessage.campaign_id == campaign_id)
    if status:
        stmt = stmt.where(OutreachMessage.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(OutreachMessage.id.desc()).limit(limit).offset(offset))), total
