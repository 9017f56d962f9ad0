"""What each campaign achieved: targeted, delivered, opened in the portal, and acted on within 60 days.

"Acted on" is the action the message asked for, by the person, within 60 days of the message being
delivered: an application for a pension (O01, O04), a pension contribution paid (O02, O03), a
certification (O05).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.cases.models import Application
from shebao.outreach.catalogue import Catalogue, load_catalogue
from shebao.outreach.models import OutreachMessage
from shebao.registry.models import Certification, Contribution

ACTION_WINDOW_DAYS = 60
ACTIONS = {"retirement": "application", "claim": "application", "plan": "contribution", "backpay": "contribution",
           "certification": "certification"}
ACTION_LABELS = {"application": "提出养老金申请", "contribution": "缴纳养老保险费", "certification": "完成资格认证"}


def _action_dates(session: Session, kind: str, person_ids: list[str]) -> dict[str, list[dt.date]]:
    out: dict[str, list[dt.date]] = defaultdict(list)
    for chunk in range(0, len(person_ids), 1000):
        ids = person_ids[chunk:chunk + 1000]
        if kind == "application":
            rows = session.execute(select(Application.person_id, Application.received_on)
                                   .where(Application.person_id.in_(ids), Application.kind == "pension"))
        elif kind == "contribution":
            rows = session.execute(select(Contribution.person_id, Contribution.paid_date)
                                   .where(Contribution.person_id.in_(ids), Contribution.insurance == "pension",
                                          Contribution.paid_date.is_not(None)))
        else:
            rows = session.execute(select(Certification.person_id, Certification.certified_date)
                                   .where(Certification.person_id.in_(ids)))
        for person_id, day in rows:
            out[person_id].append(day)
    return out


def campaign_stats(session: Session, *, catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
    """One row per campaign: targeted, suppressed, delivered, opened, acted on, and the rates."""
    catalogue = catalogue or load_catalogue()
    rows = []
    for campaign in catalogue.campaigns:
        messages = session.execute(
            select(OutreachMessage.person_id, OutreachMessage.status, OutreachMessage.sent_at, OutreachMessage.opened_at)
            .where(OutreachMessage.campaign_id == campaign.id, OutreachMessage.channel == "portal")).all()
        sent = [(m.person_id, m.sent_at) for m in messages if m.status == "sent" and m.sent_at is not None]
        kind = ACTIONS[campaign.attachment]
        actions = _action_dates(session, kind, sorted({p for p, _ in sent}))
        acted = 0
        for person_id, sent_at in sent:
            start = sent_at.date()
            if any(start <= d <= start + dt.timedelta(days=ACTION_WINDOW_DAYS) for d in actions.get(person_id, ())):
                acted += 1
        targeted = len(messages)
        delivered = len(sent)
        opened = sum(1 for m in messages if m.opened_at is not None)
        rows.append({
            "campaign_id": campaign.id, "title": campaign.title, "action": ACTION_LABELS[kind],
            "targeted": targeted, "suppressed": sum(1 for m in messages if m.status == "suppressed"),
            "delivered": delivered, "opened": opened, "acted": acted,
            "open_rate": f"{opened / delivered:.4f}" if delivered else None,
            "action_rate": f"{acted / delivered:.4f}" if delivered else None,
        })
    return rows
