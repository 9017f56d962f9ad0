"""The alerts table: screening findings awaiting triage (new → confirmed | dismissed)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base, utcnow

ALERT_STATUSES = ("new", "confirmed", "dismissed")


class Alert(Base):
    """疑点 (one finding of one rule for one person record).

    ``finding_key`` identifies the finding across runs (keyed HMAC of the rule, the person record
    and the rule's key columns), so that the next run does not raise it again. Evidence is stored
    masked, as screening wrote it.
    """

    __tablename__ = "risk_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_key: Mapped[str] = mapped_column(String(64), unique=True)
    rule_id: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    benefit_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    amount_at_risk: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    evidence: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_as_of: Mapped[date] = mapped_column(Date)
    last_as_of: Mapped[date] = mapped_column(Date)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    handoff: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_risk_alerts_status_level", "status", "level"),)
