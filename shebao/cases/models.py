"""Tables of fast-track processing (待遇速办): applications, their pipeline steps, reviews, notifications.

- ``applications``: one row per application; ``idempotency_key`` is unique (the same key can never
  make a second application, even under concurrent submissions), ``open_slot`` is unique while an
  application of a kind is being processed or waits in the queue (one open application per person
  and kind), and personal data (bank account, the agent's name and ID number) is encrypted.
- ``application_steps``: each pipeline step with its duration and outcome (the audit log gets one
  entry per state change; the steps hold the detail).
- ``application_reviews``: every reviewer action (claim, approve, reject, return, release).
- ``application_notifications``: the text the applicant receives.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.crypto import EncryptedString
from shebao.core.db import Base, utcnow

MONEY = Numeric(14, 2)

KINDS = ("pension", "unemployment")
KIND_PREFIX = {"pension": "YL", "unemployment": "SY"}
KIND_LABELS = {"pension": "基本养老金", "unemployment": "失业保险金"}
# received → (approved | review | rejected); review → (approved | rejected | returned);
# a second review (four eyes) keeps status "review" with stage "second".
STATUSES = ("received", "approved", "review", "rejected", "returned")
OPEN_STATUSES = ("received", "review")
CHANNELS = ("portal", "agent", "clerk")
AGENT_RELATIONS = ("spouse", "child", "parent", "employer", "other")


class Application(Base):
    """待遇申领: one application and its decision."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_queue", "status", "claimed_by", "deadline"),
        Index("ix_applications_person_kind", "person_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_no: Mapped[str | None] = mapped_column(String(24), unique=True, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    # person_id:kind while the application is open; NULL once decided (unique among open ones)
    open_slot: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"))
    region_code: Mapped[str] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[str] = mapped_column(String(64))
    bank_account: Mapped[str] = mapped_column(EncryptedString)
    bank_account_bidx: Mapped[str] = mapped_column(String(64), index=True)
    agent_name: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    agent_id_number: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    agent_id_bidx: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    agent_relation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    facts: Mapped[str] = mapped_column(Text, default="{}")  # JSON as submitted

    status: Mapped[str] = mapped_column(String(16), default="received")
    route: Mapped[str | None] = mapped_column(String(16), nullable=True)  # auto_approve | review | reject
    route_reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{code, text, reference}]
    eligible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    monthly_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    total_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    decision: Mapped[str] = mapped_column(Text, default="{}")  # JSON: inputs, result, reasons, trace
    autofill: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what the registry supplied
    risk_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    risk_level: Mapped[str | None] = mapped_column(String(8), nullable=True)  # low | medium | high
    risk: Mapped[str] = mapped_column(Text, default="{}")  # JSON: rules hit, model, factors

    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_on: Mapped[date] = mapped_column(Date)
    routed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_ms: Mapped[float | None] = mapped_column(Float, nullable=True)  # receipt → pipeline decision
    deadline: Mapped[date] = mapped_column(Date)
    benefit_id: Mapped[str | None] = mapped_column(String(32), nullable=True)

    # review queue
    needs_four_eyes: Mapped[bool] = mapped_column(Boolean, default=False)
    review_stage: Mapped[str | None] = mapped_column(String(8), nullable=True)  # first | second
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    first_reviewer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    first_decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    first_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    final_reviewer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the first reviewer's proposal (four eyes): what the second reviewer confirms exactly, or returns
    proposed_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    proposed_start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    proposed_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # JSON [{code, text, reference}]: the legal-bounds check of the amount a reviewer entered
    amount_check: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApplicationStep(Base):
    """One pipeline step of one application, with its duration."""

    __tablename__ = "application_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    duration_ms: Mapped[float] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationReview(Base):
    """A reviewer's action on an application in the queue."""

    __tablename__ = "application_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(8))  # first | second
    # claim | approve | reject | return | return_to_first | release
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    # internal (staff only) | applicant (goes into the applicant's notice); NULL without a comment
    visibility: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # what this reviewer proposed or confirmed (approvals)
    monthly_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationNotification(Base):
    """A notice to the applicant (SMS / portal message), in Chinese."""

    __tablename__ = "application_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(16))  # approved | review | rejected | returned
    channel: Mapped[str] = mapped_column(String(16), default="portal")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
