"""Tables of the benefits domain (after the grant).

The registry's ``benefits`` and ``payments`` tables stay as the foundation defined them; what this
domain needs beside them lives in its own tables keyed by ``benefit_id``:

- ``benefit_assessments``: how a granted benefit was assessed (the application it came from, the
  pension components, the base year, whether provisional), its recalculations and adjustments.
- ``benefit_suspensions``: 暂停发放 periods (custodial sentence, overdue certification, a confirmed
  alert) and their resumption.
- ``benefit_debts`` / ``debt_recoveries``: overpayments to recover and each amount recovered.
- ``payment_attempts``: bank returns of each payment (failures counted, escalated after N).
- ``payroll_runs``: one row per ``shebao payroll run`` (a run whose process died ends ``failed``).
- ``payroll_openings``: periods other than the current and previous one, opened for a run by an administrator.
- ``survivor_cases``: what is due to the family after a death.
- ``benefit_notices``: the decision notices issued (their data; HTML/PDF are rendered from it).
- ``pension_transfers`` / ``pension_transfer_steps``: moving a person's pension insurance between
  regions (养老保险关系转移接续): the plan, the certificate, the fund received and reconciled, the
  records moved; each step with its deadline in working days. The workflow is ``cases.transfers``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base, utcnow

MONEY = Numeric(14, 2)

SUSPENSION_REASONS = ("incarceration", "certification", "alert", "manual")
DEBT_REASONS = ("death", "suspension", "alert", "error", "recalculation")
DEBT_STATUSES = ("open", "deducting", "demanded", "recovered", "written_off")
NOTICE_KINDS = (
    "grant", "assessment", "recalculation", "adjustment", "suspension", "resumption", "termination",
    "survivor", "overpayment", "demand",
)


class BenefitAssessment(Base):
    """核定: how one granted benefit was assessed, and what has changed it since."""

    __tablename__ = "benefit_assessments"

    benefit_id: Mapped[str] = mapped_column(ForeignKey("benefits.benefit_id"), primary_key=True)
    application_no: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # the year whose pension base the benefit is for (its first pension month's year)
    pension_base_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    # JSON: {"inputs": calculator inputs, "result": components...} as handed in at the grant
    assessment: Mapped[str] = mapped_column(Text, default="{}")
    contribution_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    initial_amount: Mapped[Decimal] = mapped_column(MONEY)
    finalised_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_adjustment_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # JSON list of {"on", "what", "from", "to", ...}: the history of amount changes
    history: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Suspension(Base):
    """暂停发放: from ``from_period`` (inclusive) until resumed from ``resume_period``."""

    __tablename__ = "benefit_suspensions"
    __table_args__ = (
        UniqueConstraint("benefit_id", "reason_code", "source_ref"),
        Index("ix_benefit_suspensions_active", "benefit_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    benefit_id: Mapped[str] = mapped_column(ForeignKey("benefits.benefit_id"))
    reason_code: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    # what caused it: an incarceration's start date, a certification due date, an alert id…
    source_ref: Mapped[str] = mapped_column(String(64), default="")
    from_period: Mapped[str] = mapped_column(String(7))
    resume_period: Mapped[str | None] = mapped_column(String(7), nullable=True)
    # whether the months between from_period and resume_period are paid at resumption
    backpay_on_resume: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | resumed
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resumed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Debt(Base):
    """多发待遇 to recover: by deduction from later payments, or by a demand for repayment."""

    __tablename__ = "benefit_debts"
    __table_args__ = (UniqueConstraint("benefit_id", "reason_code", "source_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    benefit_id: Mapped[str] = mapped_column(ForeignKey("benefits.benefit_id"), index=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    reason_code: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    source_ref: Mapped[str] = mapped_column(String(64), default="")
    # JSON list of the periods (YYYY-MM) whose payments make up the debt
    periods: Mapped[str] = mapped_column(Text, default="[]")
    principal: Mapped[Decimal] = mapped_column(MONEY)
    recovered: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    method: Mapped[str] = mapped_column(String(16), default="deduction")  # deduction | demand
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    demand_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def outstanding(self) -> Decimal:
        return (self.principal - self.recovered).quantize(Decimal("0.01"))


class DebtRecovery(Base):
    """One amount recovered on a debt: a deduction (a ``recovery`` payment) or a repayment."""

    __tablename__ = "debt_recoveries"
    __table_args__ = (UniqueConstraint("debt_id", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    debt_id: Mapped[int] = mapped_column(ForeignKey("benefit_debts.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # deduction | repayment | write_off
    # the recovery payment's id for a deduction; the receipt number for a repayment
    ref: Mapped[str] = mapped_column(String(64))
    period: Mapped[str | None] = mapped_column(String(7), nullable=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    recorded_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentAttempt(Base):
    """Bank returns of one payment: how often it failed, and whether it was escalated."""

    __tablename__ = "payment_attempts"

    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.payment_id"), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_result: Mapped[str] = mapped_column(String(16), default="")
    last_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_return_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PayrollRun(Base):
    """One payroll run of one period: ``running``, then ``done`` or ``failed``.

    A running run holds a lease (``lease_until``, renewed at every batch) and names its process
    (``owner``, host:pid); the next run marks a run ``failed`` whose lease expired or whose process
    on this host is gone. Rerunning the period completes what a failed run left.
    """

    __tablename__ = "payroll_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    created: Mapped[int] = mapped_column(Integer, default=0)
    existing: Mapped[int] = mapped_column(Integer, default=0)
    retried: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    started_by: Mapped[str] = mapped_column(String(64), default="system")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    owner: Mapped[str] = mapped_column(String(128), default="")
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class PayrollOpening(Base):
    """A period opened for the payroll by an administrator (other than the current and previous one)."""

    __tablename__ = "payroll_openings"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurvivorCase(Base):
    """遗属待遇: what is due to the family after a death (one case per deceased person)."""

    __tablename__ = "survivor_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(32), unique=True)
    death_date: Mapped[date] = mapped_column(Date)
    scheme: Mapped[str] = mapped_column(String(16))  # enterprise | injury | unemployment | none
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    # JSON list of items: {kind, amount|null, reference, missing?, benefit_id?}
    items: Mapped[str] = mapped_column(Text, default="[]")
    opened_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Notice(Base):
    """A decision notice issued to a person (rendered to HTML or PDF from ``data``)."""

    __tablename__ = "benefit_notices"
    __table_args__ = (UniqueConstraint("notice_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # what makes a notice unique (kind + benefit + event), so that re-running an event issues it once
    notice_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    benefit_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    data: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


TRANSFER_STATUSES = ("applied", "certified", "accepted", "funded", "mismatch", "done", "temporary", "refused")
TRANSFER_OPEN = ("applied", "certified", "accepted", "funded", "mismatch")
TRANSFER_STEPS = ("apply", "certificate", "accept", "fund", "records", "refuse")


class PensionTransfer(Base):
    """养老保险关系转移接续: one person's move from ``from_region`` to ``to_region``.

    ``open_slot`` holds the person's id while the transfer is open (one open transfer per person,
    under concurrent submissions too); ``idempotency_key`` makes a resubmitted application the same one.
    """

    __tablename__ = "pension_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transfer_no: Mapped[str | None] = mapped_column(String(24), unique=True, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    open_slot: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"), index=True)
    from_region: Mapped[str] = mapped_column(String(6))
    to_region: Mapped[str] = mapped_column(String(6), index=True)
    household_region: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(16))  # cross_province | within_province
    temporary_account: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="applied", index=True)
    received_on: Mapped[date] = mapped_column(Date)
    # the deadline of the step now due (NULL once closed)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    plan: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the plan with its trace
    personal_planned: Mapped[Decimal] = mapped_column(MONEY)
    pooled_planned: Mapped[Decimal] = mapped_column(MONEY)
    total_planned: Mapped[Decimal] = mapped_column(MONEY)
    certificate: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: 参保缴费凭证
    # the old place's statement of the funds sent, and what was received
    statement: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON
    personal_received: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    pooled_received: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    reconciled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    records_moved: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PensionTransferStep(Base):
    """One step of a transfer, done once: who did it, when, its deadline in working days."""

    __tablename__ = "pension_transfer_steps"
    __table_args__ = (UniqueConstraint("transfer_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("pension_transfers.id"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(8))  # new | old: the place whose step it is
    started_on: Mapped[date] = mapped_column(Date)  # the day the step became due
    deadline: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)  # working days taken
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
