"""The outbox of outreach messages, opt-outs and selection runs.

One row per (campaign, person, cadence cycle, channel): its ``message_key`` is the idempotency key
a channel receives, so a run repeated on the same day writes nothing new and a send retried after a
crash is recognised by the gateway as the same message. The body is masked when written; the
report's inputs are stored so that the report can be recomputed exactly.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base, utcnow

MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "suppressed")
CHANNELS = ("portal", "sms", "app", "broker")


class OutreachMessage(Base):
    __tablename__ = "outreach_messages"
    __table_args__ = (
        Index("ix_outreach_messages_due", "status", "next_attempt_at"),
        Index("ix_outreach_messages_person", "person_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_key: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    suppressed_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    inputs: Mapped[str] = mapped_column(Text)
    token: Mapped[str] = mapped_column(String(48), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OutreachOptOut(Base):
    """A person who asked not to be contacted (on one channel, or ``all``); honoured at once."""

    __tablename__ = "outreach_optouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="all")
    source: Mapped[str] = mapped_column(String(32), default="portal")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutreachRun(Base):
    """One selection run: its as-of date, the counts per campaign and what was suppressed."""

    __tablename__ = "outreach_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
