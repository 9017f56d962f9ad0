"""Tables of the fund domain: a reconciliation per period and its differences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base, utcnow

RECONCILIATION_STATUSES = ("open", "signed_off")
DIFFERENCE_STATUSES = ("open", "cleared", "resolved")


class Reconciliation(Base):
    """对账报告: the last run of one period; signed off by a person, reopened only with a reason.

    ``summary`` is the run's JSON summary (counts per class and flow, the account equations, the
    timing items carried in and cleared).
    """

    __tablename__ = "fund_reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    tolerance_days: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    run_by: Mapped[str] = mapped_column(String(64))
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_off_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed_off_at: Mapped[datetime | None] = mapped_column(nullable=True)
    signoff_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reopened_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reopened_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reopen_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Difference(Base):
    """对账差异: one classified difference of one period (the row of ``differences.csv``).

    A ``timing`` difference stays ``open`` until a later period's statement carries its counterpart
    (then ``cleared`` with ``cleared_period``); any difference may be ``resolved`` with a note.
    """

    __tablename__ = "fund_differences"
    __table_args__ = (Index("ix_fund_differences_class_status", "class", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("fund_reconciliations.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    flow: Mapped[str] = mapped_column(String(16))
    klass: Mapped[str] = mapped_column("class", String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    reference: Mapped[str] = mapped_column(String(64))
    agency_ref: Mapped[str] = mapped_column(String(64), default="")
    counterpart_ref: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    cleared_period: Mapped[str | None] = mapped_column(String(7), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
