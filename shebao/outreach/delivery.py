"""The outbox: writing a run's messages once, and delivering them exactly once.

Writing (:func:`write_outbox`, inside the caller's transaction): one message per target and channel,
keyed by (campaign, person, cadence cycle, channel). A key already in the outbox is left alone, so
a run repeated on the same day writes nothing new. A target is *suppressed* (stored with its reason,
reported, never sent) when the person opted out, when the campaign contacted them within its
re-contact wait, or when the person would receive more than the frequency cap allows in 30 days.

Delivering (:func:`deliver`): each message is its own unit of work. It is marked ``sending`` and
committed before the channel is called, then ``sent`` and committed after; a process killed in
between leaves it ``sending``, and the next run sends it again with the same idempotency key, which
the channel recognises (see :mod:`shebao.outreach.channels`). Nothing is lost and no person gets a
message twice. A failed send is retried with exponential backoff up to ``max_attempts``. Opt-outs are
checked again at the moment of sending (honoured at once); quiet hours defer SMS, app and broker
messages, not the portal inbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.db import utcnow
from shebao.core.settings import local_tz
from shebao.outreach.catalogue import Catalogue
from shebao.outreach.channels import Channel, HttpGateway, Outgoing, PortalInbox, RabbitChannel, SendError
from shebao.outreach.models import OutreachMessage, OutreachOptOut
from shebao.outreach.reports import report_inputs
from shebao.outreach.selection import Selection, Target
from shebao.outreach.settings import OutreachSettings

SUPPRESSION_LABELS = {"opted_out": "本人已退订", "recontact_wait": "未到再次联系间隔", "frequency_cap": "超过30天消息上限",
                      "quiet_hours": "免打扰时段（顺延）"}


def message_key(campaign_id: str, person_id: str, as_of: dt.date, cadence_days: int, channel: str) -> str:
    """The idempotency key: the same campaign, person, cadence cycle and channel give the same key."""
    cycle = as_of.toordinal() // max(cadence_days, 1)
    return hashlib.sha256(f"{campaign_id}|{person_id}|{cycle}|{channel}".encode()).hexdigest()[:40]


def _body(template: str, fields: dict[str, Any], masked_name: str) -> str:
    values = {k: v for k, v in fields.items()}
    values["masked_name"] = masked_name or "参保人"
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:  # a template naming a column the SQL lacks
        raise ValueError(f"消息模板引用了查询结果中没有的列：{exc}") from exc


@dataclass
class OutboxSummary:
    queued: Counter = field(default_factory=Counter)
    suppressed: list[dict[str, str]] = field(default_factory=list)
    already: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"queued": dict(self.queued), "already_in_outbox": self.already, "suppressed": self.suppressed}


def _recent_counts(session: Session, person_ids: list[str], as_of: dt.date) -> tuple[Counter, dict]:
    """Messages each person was sent (or has queued) in the 30 days up to ``as_of``, and the
    (campaign, person, as-of) of every earlier contact (for the re-contact waits)."""
    per_person: Counter = Counter()
    contacted: dict[tuple[str, str], list[dt.date]] = {}
    for chunk in range(0, len(person_ids), 1000):
        ids = person_ids[chunk:chunk + 1000]
        for campaign_id, person_id, when in session.execute(
            select(OutreachMessage.campaign_id, OutreachMessage.person_id, OutreachMessage.as_of)
            .where(OutreachMessage.person_id.in_(ids), OutreachMessage.channel == "portal",
                   OutreachMessage.status != "suppressed")
        ):
            contacted.setdefault((campaign_id, person_id), []).append(when)
            if 0 <= (as_of - when).days < 30:
                per_person[person_id] += 1
    return per_person, contacted


def opted_out(session: Session, person_ids: Iterable[str]) -> dict[str, set[str]]:
    """The channels each person opted out of (``all`` for every channel)."""
    out: dict[str, set[str]] = {}
    ids = list(person_ids)
    for chunk in range(0, len(ids), 1000):
        for person_id, channel in session.execute(
            select(OutreachOptOut.person_id, OutreachOptOut.channel).where(OutreachOptOut.person_id.in_(ids[chunk:chunk + 1000]))
        ):
            out.setdefault(person_id, set()).add(channel)
    return out


def write_outbox(session: Session, selection: Selection, catalogue: Catalogue, *,
                 settings: OutreachSettings | None = None, now: dt.datetime | None = None,
                 on_target: Callable[[], None] | None = None) -> OutboxSummary:
    """Write the run's messages (one per target and channel), suppressing what must not be sent."""
    settings = settings or OutreachSettings()
    channels = settings.channel_list()
    now = now or utcnow()
    summary = OutboxSummary()
    person_ids = sorted({t.person_id for t in selection.targets})
    per_person, contacted = _recent_counts(session, person_ids, selection.as_of)
    optouts = opted_out(session, person_ids)
    keys = [{c: message_key(t.campaign_id, t.person_id, selection.as_of,
                            catalogue.campaign(t.campaign_id).cadence_days, c) for c in channels}
            for t in selection.targets]
    existing = _existing_keys(session, [k for per in keys for k in per.values()])
    for target, target_keys in zip(selection.targets, keys, strict=True):
        if on_target:
            on_target()
        campaign = catalogue.campaign(target.campaign_id)
        if all(k in existing for k in target_keys.values()):
            summary.already += 1
            continue
        reason = _suppression(target, campaign.recontact_days, selection.as_of, per_person, contacted, optouts,
                              settings.max_per_30_days)
        inputs = report_inputs(campaign, person_id=target.person_id, fields=target.fields, facts=target.facts,
                               as_of=selection.as_of)
        body = _body(campaign.message, inputs["fields"], inputs["masked_name"])
        for channel in channels:
            key = target_keys[channel]
            if key in existing:
                continue
            if reason is None and channel in optouts.get(target.person_id, ()):
                channel_reason = "opted_out"
            else:
                channel_reason = reason
            session.add(OutreachMessage(
                message_key=key, campaign_id=campaign.id, person_id=target.person_id, as_of=selection.as_of,
                channel=channel, status="suppressed" if channel_reason else "queued",
                suppressed_reason=channel_reason, body=body, inputs=json.dumps(inputs, ensure_ascii=False),
                token=secrets.token_urlsafe(24), attempts=0, created_at=now))
            if channel_reason:
                if channel == "portal" or channel_reason == "opted_out":
                    summary.suppressed.append({"campaign_id": campaign.id, "person_id": target.person_id,
                                               "channel": channel, "reason": channel_reason})
            else:
                summary.queued[channel] += 1
        if reason is None:
            per_person[target.person_id] += 1
            contacted.setdefault((campaign.id, target.person_id), []).append(selection.as_of)
    session.flush()
    append(session, action="outreach.outbox", entity="outreach_messages", entity_id=selection.as_of.isoformat(),
           detail={"queued": dict(summary.queued), "suppressed": len(summary.suppressed), "already": summary.already})
    return summary


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in range(0, len(keys), 1000):
        found.update(session.scalars(select(OutreachMessage.message_key)
                                     .where(OutreachMessage.message_key.in_(keys[chunk:chunk + 1000]))))
    return found


def _suppression(target: Target, recontact_days: int, as_of: dt.date, per_person: Counter,
                 contacted: dict, optouts: dict[str, set[str]], cap: int) -> str | None:
    if "all" in optouts.get(target.person_id, ()):
        return "opted_out"
    for when in contacted.get((target.campaign_id, target.person_id), ()):
        if 0 <= (as_of - when).days < recontact_days:
            return "recontact_wait"
    if per_person[target.person_id] >= cap:
        return "frequency_cap"
    return None


# --- delivery ------------------------------------------------------------------------------------

@dataclass
class DeliverySummary:
    sent: Counter = field(default_factory=Counter)
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    suppressed: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"sent": dict(self.sent), "retried": self.retried, "failed": self.failed,
                "deferred_quiet_hours": self.deferred, "suppressed": self.suppressed}


def open_channels(settings: OutreachSettings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {"portal": PortalInbox()}
    for name in settings.channel_list()[1:]:
        if name in ("sms", "app"):
            channels[name] = HttpGateway(name, settings.gateway_url, settings.gateway_timeout)
        elif name == "broker":
            channels[name] = RabbitChannel(settings.amqp_url, settings.amqp_queue)
    return channels


def backoff(attempts: int, settings: OutreachSettings) -> dt.timedelta:
    """Wait before the next try: the base, doubled each attempt, at most a day."""
    return dt.timedelta(seconds=min(settings.backoff_seconds * 2 ** max(attempts - 1, 0), 86400))


def _phone(session: Session, person_id: str) -> str:
    from shebao.registry.models import Person

    person = session.get(Person, person_id)
    return (person.phone or "") if person is not None else ""


def deliver(session_scope: Callable[[], Any], *, settings: OutreachSettings | None = None,
            now: Callable[[], dt.datetime] = utcnow, limit: int | None = None, link_base: str = "/outreach/m/",
            on_message: Callable[[], None] | None = None, channels: dict[str, Channel] | None = None) -> DeliverySummary:
    """Send every due message; each in its own transaction (``session_scope()`` opens one)."""
    settings = settings or OutreachSettings()
    summary = DeliverySummary()
    own = channels is None
    channels = channels if channels is not None else open_channels(settings)
    try:
        with session_scope() as session:
            ids = list(session.scalars(
                select(OutreachMessage.id).where(OutreachMessage.status.in_(("queued", "sending")),
                                                 or_(OutreachMessage.next_attempt_at.is_(None),
                                                     OutreachMessage.next_attempt_at <= now()))
                .order_by(OutreachMessage.id).limit(limit)))
        for message_id in ids:
            if on_message:
                on_message()
            _deliver_one(session_scope, message_id, channels, settings, now, link_base, summary)
    finally:
        if own:
            for channel in channels.values():
                channel.close()
    return summary


def _deliver_one(session_scope, message_id: int, channels: dict[str, Channel], settings: OutreachSettings,
                 now: Callable[[], dt.datetime], link_base: str, summary: DeliverySummary) -> None:
    with session_scope() as session:
        msg = session.get(OutreachMessage, message_id, with_for_update=True)
        if msg is None or msg.status not in ("queued", "sending"):
            return  # another worker took it
        out = opted_out(session, [msg.person_id]).get(msg.person_id, set())
        if "all" in out or msg.channel in out:
            msg.status, msg.suppressed_reason = "suppressed", "opted_out"
            summary.suppressed.append({"campaign_id": msg.campaign_id, "person_id": msg.person_id,
                                       "channel": msg.channel, "reason": "opted_out"})
            return
        if msg.channel != "portal" and settings.in_quiet_hours(now().astimezone(local_tz()).hour):
            summary.deferred += 1
            return
        channel = channels.get(msg.channel)
        if channel is None:
            msg.last_error = f"渠道 {msg.channel} 未启用"
            return
        if msg.status == "sending":
            summary.retried += 1  # a send that may have gone out before a crash: same key again
        msg.status, msg.attempts = "sending", msg.attempts + 1
        outgoing = Outgoing(key=msg.message_key, campaign_id=msg.campaign_id, person_id=msg.person_id,
                            channel=msg.channel, body=msg.body, link=link_base + msg.token,
                            to=_phone(session, msg.person_id) if msg.channel == "sms" else "")
    # committed as "sending": from here a crash means "send again with the same key"
    try:
        channel.send(outgoing)
        error = None
    except SendError as exc:
        error = str(exc)
    with session_scope() as session:
        msg = session.get(OutreachMessage, message_id)
        if error is None:
            msg.status, msg.sent_at, msg.last_error, msg.next_attempt_at = "sent", now(), None, None
            summary.sent[msg.channel] += 1
        elif msg.attempts >= settings.max_attempts:
            msg.status, msg.last_error = "failed", error
            summary.failed += 1
            append(session, action="outreach.failed", entity="outreach_messages", entity_id=str(msg.id),
                   detail={"channel": msg.channel, "attempts": msg.attempts, "error": error})
        else:
            msg.status, msg.last_error = "queued", error
            msg.next_attempt_at = now() + backoff(msg.attempts, settings)


def count_by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(OutreachMessage.status, func.count()).group_by(OutreachMessage.status)).all())
