"""The bills tables: hospitals, the item catalogue, bills and their lines, and the flags under review.

Flags are the rules' findings (A level, with the amount disallowed) and the anomaly model's hints
(B level, no money), stored once per (rule, bill, line) and triaged like screening alerts:
``new`` → ``confirmed`` (the reviewer agrees: the amount stays disallowed) or ``dismissed`` (the
line is restored, with a reason). No personal data is stored here (persons are referred to by
their registry number; their sex and birth date are read from the registry when auditing).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Float, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base, utcnow

FLAG_STATUSES = ("new", "confirmed", "dismissed")


class Hospital(Base):
    """医疗机构 (``agreement``: 工伤保险协议机构)."""

    __tablename__ = "bills_hospitals"

    hospital_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    agreement: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CatalogueItem(Base):
    """One item of the agency's catalogue (drugs, treatment items, inpatient services)."""

    __tablename__ = "bills_catalogue"

    item_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    price_cap: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    max_daily_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    icd_prefixes: Mapped[str | None] = mapped_column(Text, nullable=True)
    includes: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Bill(Base):
    """一张工伤医疗费用单 (outpatient bills have ``admit_date == discharge_date``)."""

    __tablename__ = "bills_bills"

    bill_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    hospital_id: Mapped[str] = mapped_column(String(32), index=True)
    admit_date: Mapped[date] = mapped_column(Date)
    discharge_date: Mapped[date] = mapped_column(Date)
    injury_date: Mapped[date] = mapped_column(Date)
    diagnosis_code: Mapped[str] = mapped_column(String(16))
    treatment_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    emergency: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BillItem(Base):
    """One line of a bill."""

    __tablename__ = "bills_items"

    bill_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_date: Mapped[date] = mapped_column(Date)
    item_code: Mapped[str] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class BillFlag(Base):
    """疑点 of one rule on one line (``line_no`` None: the whole bill), awaiting review."""

    __tablename__ = "bills_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_key: Mapped[str] = mapped_column(String(80), unique=True)
    rule_id: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[str] = mapped_column(String(1))
    bill_id: Mapped[str] = mapped_column(String(32), index=True)
    line_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount_disallowed: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    first_audit: Mapped[date] = mapped_column(Date)
    last_audit: Mapped[date] = mapped_column(Date)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_bills_flags_status_level", "status", "level"),)
