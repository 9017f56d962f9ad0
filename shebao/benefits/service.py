"""Benefits after the grant: the granted benefit, its suspensions and its overpayments.

Other domains call these (names and keyword arguments are contracts):

- ``grant_benefit(session, *, person_id, kind, region_code, start_date, monthly_amount, bank_account,
  application_no=None, provisional=False, assessment=None) -> Benefit`` — processing (issue 5),
  once per application.
- ``suspend_benefit(session, *, benefit_id, reason, from_period, ...) -> Suspension`` and
  ``resume_benefit(session, *, benefit_id, resume_period, ...)``.
- ``compute_overpayment(session, *, benefit_id, after_period=None | periods=..., reason) -> Decimal``.
- ``suspend_and_recover`` (screening's hand-off of a confirmed red alert) lives in
  :mod:`shebao.benefits.handoff`: it calls death and suspension, which call this module.

Services never commit: the caller (a CLI command, an API request, a batch) owns the transaction,
and the audit entries join it (ARCHITECTURE.md).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.assessment import (  # noqa: F401 - KIND_LABELS and the assessment are also offered here
    KIND_LABELS,
    add_history,
    assessment_data,
    get_assessment,
)
from shebao.benefits.models import SUSPENSION_REASONS, BenefitAssessment, Debt, PaymentAttempt, Suspension
from shebao.benefits.notices import issue_grant_notices, issue_resumption_notice, issue_suspension_notice
from shebao.benefits.periods import add_months, check_period, month_index, months_between, period_of
from shebao.benefits.recovery import open_debt
from shebao.core.crypto import blind_index
from shebao.core.db import new_row, utcnow
from shebao.core.money import to_decimal
from shebao.core.settings import local_today
from shebao.core.validators import validate_bank_card
from shebao.registry.loader import row_digest
from shebao.registry.models import Benefit, Payment, Person

CENT = Decimal("0.01")
MONTHLY_KINDS = ("pension", "unemployment", "injury_allowance", "injury_survivor_pension")
ONE_OFF_KINDS = ("funeral_grant", "survivor_grant", "death_grant", "disability_grant", "account_inheritance")
BENEFIT_KINDS = MONTHLY_KINDS + ONE_OFF_KINDS
PAYMENT_KINDS = ("regular", "backpay", "adjustment", "recovery", "one_off")


class BenefitError(ValueError):
    """A request on a benefit that cannot be carried out (unknown benefit, wrong state, bad input)."""


def money(value: Any) -> Decimal:
    return to_decimal(value).quantize(CENT)


def today() -> date:
    return local_today()


# --- identifiers and row digests ----------------------------------------------------------------

def new_benefit_id(application_no: str | None) -> str:
    """``BA`` + a digest of the application number (stable), or ``BN`` + a random part."""
    if application_no:
        return "BA" + hashlib.sha256(f"application|{application_no}".encode()).hexdigest()[:18].upper()
    return "BN" + uuid.uuid4().hex[:18].upper()


def payment_id_for(benefit_id: str, period: str, kind: str) -> str:
    """Deterministic: the same (benefit, period, kind) always gives the same id (``P``+period+kind+digest)."""
    digest = hashlib.sha256(f"{benefit_id}|{period}|{kind}".encode()).hexdigest()[:24].upper()
    return f"P{period.replace('-', '')}{kind[:2].upper()}{digest}"


def benefit_row_hash(b: Benefit) -> str:
    return row_digest({
        "benefit_id": b.benefit_id, "person_id": b.person_id, "kind": b.kind, "region_code": b.region_code,
        "start_date": b.start_date, "end_date": b.end_date, "monthly_amount": money(b.monthly_amount),
        "status": b.status, "bank_account": b.bank_account,
    })


def payment_record(*, payment_id: str, benefit_id: str, person_id: str, period: str, amount: Decimal,
                   bank_account: str | None, kind: str, status: str = "pending",
                   paid_date: date | None = None) -> dict[str, Any]:
    """A ``payments`` row as a dict (with its blind index and row digest), for inserts."""
    record = {"payment_id": payment_id, "benefit_id": benefit_id, "person_id": person_id, "period": period,
              "paid_date": paid_date, "amount": money(amount), "bank_account": bank_account, "kind": kind,
              "status": status}
    now = utcnow()
    return dict(record, row_hash=row_digest(record), created_at=now, updated_at=now,
                bank_account_bidx=blind_index(bank_account) if bank_account else None)


def refresh_payment_hash(p: Payment) -> None:
    p.row_hash = row_digest({"payment_id": p.payment_id, "benefit_id": p.benefit_id, "person_id": p.person_id,
                             "period": p.period, "paid_date": p.paid_date, "amount": money(p.amount),
                             "bank_account": p.bank_account, "kind": p.kind, "status": p.status})


def touch_benefit(b: Benefit) -> None:
    b.row_hash = benefit_row_hash(b)


# --- look-ups ------------------------------------------------------------------------------------

def get_benefit(session: Session, benefit_id: str) -> Benefit:
    b = session.get(Benefit, benefit_id)
    if b is None:
        raise BenefitError(f"待遇不存在：{benefit_id}")
    return b


def benefits_of_person(session: Session, person_id: str) -> list[Benefit]:
    return list(session.scalars(select(Benefit).where(Benefit.person_id == person_id).order_by(Benefit.benefit_id)))


def first_period(b: Benefit) -> str:
    """The first month paid: the start date's month."""
    return period_of(b.start_date)


def last_period(b: Benefit) -> str | None:
    """The last month payable: the end date's month (None while open)."""
    return period_of(b.end_date) if b.end_date else None


# --- grant -----------------------------------------------------------------------------------------

_GRANTED_FOR = select(BenefitAssessment.benefit_id).where(BenefitAssessment.application_no == bindparam("no"))


def grant_benefit(
    session: Session,
    *,
    person_id: str,
    kind: str,
    region_code: str,
    start_date: date,
    monthly_amount: Decimal,
    bank_account: str | None,
    application_no: str | None = None,
    provisional: bool = False,
    assessment: dict | None = None,
    first_grant: bool = False,
    bank_account_bidx: str | None = None,
) -> Benefit:
    """Create the granted benefit (status ``active``) once per application.

    A second call with the same ``application_no`` returns the benefit created by the first and
    changes nothing. The assessment (calculator inputs and result: pension components, the pension
    base and its year, ``assessed_on``, the provisional flag) is kept in ``benefit_assessments``, so
    that a provisional pension can be recalculated when its year's base is published.

    Args:
        monthly_amount: yuan per month (the one-off amount for one-off kinds).
        assessment: e.g. ``{"inputs": {...calc_pension inputs...}, "result": {...calc_pension output...}}``;
            a bare calculator result is accepted too. ``contribution_months`` is read from either.
        first_grant: the caller created the application in this same transaction, so no benefit
            can exist for it yet and the look-up is skipped (the unique application number in
            ``benefit_assessments`` still refuses a second one); the application's row refers to
            the person (foreign key), so the person is not looked up either.
        bank_account_bidx: the caller validated ``bank_account`` already and hands in its blind
            index (processing's intake): the card is validated once per request.

    Examples:
        >>> b = grant_benefit(session, person_id="P000000001", kind="pension", region_code="370102",
        ...     start_date=date(2026, 3, 1), monthly_amount=Decimal("3125.40"), bank_account=None,
        ...     application_no="SQ2026000001", provisional=True, assessment={"inputs": {...}})
    """
    if application_no and not first_grant:
        existing = session.connection().execute(_GRANTED_FOR, {"no": application_no}).scalar()
        if existing is not None:
            return get_benefit(session, existing)
    if kind not in BENEFIT_KINDS:
        raise BenefitError(f"待遇种类应为 {'|'.join(BENEFIT_KINDS)}：{kind!r}")
    # a first grant's application row refers to the person already (foreign key): no look-up
    if not first_grant and session.get(Person, person_id) is None:
        raise BenefitError(f"参保人不存在：{person_id}")
    amount = money(monthly_amount)
    if amount < 0:
        raise BenefitError("待遇金额不能为负")
    if bank_account and bank_account_bidx is None:
        bank_account = validate_bank_card(bank_account)
        bank_account_bidx = blind_index(bank_account)
    benefit = new_row(
        Benefit,
        benefit_id=new_benefit_id(application_no), person_id=person_id, kind=kind, region_code=region_code,
        start_date=start_date, end_date=None, monthly_amount=amount, status="active", bank_account=bank_account,
        bank_account_bidx=bank_account_bidx if bank_account else None, row_hash="",
    )
    touch_benefit(benefit)
    data = dict(assessment or {})
    if isinstance(data.get("result"), dict):  # the calculator's trace is kept by processing, not repeated here
        data["result"] = {k: v for k, v in data["result"].items() if k != "trace"}
    inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else {}
    result = data.get("result") if isinstance(data.get("result"), dict) else data
    months = inputs.get("contribution_months", result.get("contribution_months"))
    assessed_on = inputs.get("assessed_on") or result.get("assessed_on")
    base_year = None
    if kind == "pension":
        base_year = start_date.year
        if result.get("retirement_date"):
            base_year = int(str(result["retirement_date"])[:4])
        elif inputs.get("retirement_date"):
            base_year = int(str(inputs["retirement_date"])[:4])
    record = new_row(
        BenefitAssessment,
        benefit_id=benefit.benefit_id, application_no=application_no, provisional=bool(provisional),
        pension_base_year=base_year,
        assessed_on=date.fromisoformat(str(assessed_on)[:10]) if assessed_on else today(),
        assessment=json.dumps(data, ensure_ascii=False, default=str),
        contribution_months=int(months) if months not in (None, "") else None,
        initial_amount=amount, history="[]",
    )
    append(session, action="benefit.grant", entity="benefits", entity_id=benefit.benefit_id,
           detail={"person_id": person_id, "kind": kind, "start_date": start_date, "monthly_amount": amount,
                   "application_no": application_no or "", "provisional": bool(provisional)})
    # the benefit row first (the assessment and the notices refer to it), then its assessment (nobody
    # changes it in this transaction: not attached), written with the notices in one round trip
    issue_grant_notices(session, benefit, record, fresh=True, data=data, attach=False,
                        before=[([benefit], True), ([record], False)])
    return benefit


# --- payments outside the monthly payroll --------------------------------------------------------

def add_payment(session: Session, benefit: Benefit, *, period: str, kind: str, amount: Decimal,
                detail: dict | None = None) -> Payment:
    """Create one payment instruction (``pending``) of ``kind`` for ``period``.

    A payment is unique per (benefit, period, kind). When that key is taken by a payment still
    pending, the amount is added to it (one instruction per period); when it was already paid or
    failed, the next free period is used.
    """
    period = check_period(period)
    for _ in range(24):
        pid = payment_id_for(benefit.benefit_id, period, kind)
        existing = session.get(Payment, pid) or session.scalar(
            select(Payment).where(Payment.benefit_id == benefit.benefit_id, Payment.period == period,
                                  Payment.kind == kind))
        if existing is None:
            payment = Payment(**payment_record(payment_id=pid, benefit_id=benefit.benefit_id,
                                               person_id=benefit.person_id, period=period, amount=amount,
                                               bank_account=benefit.bank_account, kind=kind))
            session.add(payment)
            session.flush()
            break
        if existing.status == "pending":
            existing.amount = money(existing.amount + money(amount))
            refresh_payment_hash(existing)
            payment = existing
            session.flush()
            break
        period = add_months(period, 1)
    else:  # pragma: no cover - two years of taken keys
        raise BenefitError(f"{benefit.benefit_id} 无可用的支付期间")
    append(session, action=f"payment.{kind}", entity="payments", entity_id=payment.payment_id,
           detail={"benefit_id": benefit.benefit_id, "period": period, "amount": money(amount), **(detail or {})})
    return payment


# --- suspension and resumption -----------------------------------------------------------------------

def active_suspensions(session: Session, benefit_id: str) -> list[Suspension]:
    return list(session.scalars(select(Suspension).where(Suspension.benefit_id == benefit_id,
                                                          Suspension.status == "active").order_by(Suspension.id)))


def suspend_benefit(
    session: Session,
    *,
    benefit_id: str,
    reason: str,
    from_period: str,
    reason_code: str = "manual",
    source_ref: str = "",
    backpay_on_resume: bool = False,
) -> Suspension:
    """Suspend payment of a benefit from ``from_period`` (inclusive) until it is resumed.

    Idempotent per (benefit, reason_code, source_ref): suspending again for the same cause returns
    the existing suspension. Payment instructions of the suspended months that are still
    ``pending`` (not yet sent to the bank) are withdrawn; paid ones stay, and
    :func:`compute_overpayment` turns them into a debt.

    Args:
        reason_code: ``incarceration`` | ``certification`` | ``alert`` | ``manual``.
        backpay_on_resume: pay the suspended months when it is resumed (overdue certification: yes;
            a custodial sentence: no).
    """
    if reason_code not in SUSPENSION_REASONS:
        raise BenefitError(f"暂停原因应为 {'|'.join(SUSPENSION_REASONS)}")
    if not reason or not reason.strip():
        raise BenefitError("暂停发放必须说明理由")
    from_period = check_period(from_period)
    benefit = get_benefit(session, benefit_id)
    existing = session.scalar(select(Suspension).where(Suspension.benefit_id == benefit_id,
                                                       Suspension.reason_code == reason_code,
                                                       Suspension.source_ref == source_ref))
    if existing is not None:
        return existing
    if benefit.status == "terminated":
        raise BenefitError(f"待遇 {benefit_id} 已终止，无需暂停")
    susp = Suspension(benefit_id=benefit_id, reason_code=reason_code, reason=reason.strip(), source_ref=source_ref,
                      from_period=from_period, backpay_on_resume=backpay_on_resume, status="active",
                      created_by=session.info.get("actor") or "system")
    session.add(susp)
    withdrawn = withdraw_pending(session, benefit_id, from_period=from_period)
    benefit.status = "suspended"
    touch_benefit(benefit)
    session.flush()
    append(session, action="benefit.suspend", entity="benefits", entity_id=benefit_id,
           detail={"reason_code": reason_code, "reason": reason.strip(), "from_period": from_period,
                   "source_ref": source_ref, "withdrawn_payments": withdrawn})
    issue_suspension_notice(session, benefit, susp)
    return susp


def withdraw_pending(session: Session, benefit_id: str, *, from_period: str, to_period: str | None = None,
                     kinds: tuple[str, ...] = ("regular", "adjustment")) -> list[str]:
    """Delete payment instructions not yet sent to the bank (``pending``) for the months given."""
    stmt = select(Payment).where(Payment.benefit_id == benefit_id, Payment.status == "pending",
                                 Payment.period >= from_period, Payment.kind.in_(kinds))
    if to_period is not None:
        stmt = stmt.where(Payment.period <= to_period)
    ids = []
    for p in session.scalars(stmt):
        ids.append(p.payment_id)
        attempt = session.get(PaymentAttempt, p.payment_id)
        if attempt is not None:
            session.delete(attempt)
        session.delete(p)
    session.flush()
    return ids


def resume_benefit(
    session: Session,
    *,
    benefit_id: str,
    resume_period: str,
    reason: str,
    suspension_id: int | None = None,
    reason_code: str | None = None,
) -> dict[str, Any]:
    """Resume a suspended benefit from ``resume_period``.

    Ends the given suspension (or every active one of ``reason_code``, or every active one). Where a
    suspension pays its months at resumption (overdue certification), the months from its start
    through the month before ``resume_period`` are paid as one ``backpay`` payment in
    ``resume_period``. Returns ``{"resumed": [ids], "backpay": "...", "status": ...}``.
    """
    resume_period = check_period(resume_period)
    benefit = get_benefit(session, benefit_id)
    if benefit.status == "terminated":
        raise BenefitError(f"待遇 {benefit_id} 已终止，不能恢复")
    targets = active_suspensions(session, benefit_id)
    if suspension_id is not None:
        targets = [s for s in targets if s.id == suspension_id]
    elif reason_code is not None:
        targets = [s for s in targets if s.reason_code == reason_code]
    if not targets:
        raise BenefitError(f"待遇 {benefit_id} 没有可恢复的暂停")
    backpay = Decimal("0.00")
    backpay_months: list[str] = []
    for s in targets:
        if month_index(resume_period) < month_index(s.from_period):
            resume_at = s.from_period  # resumed before it took effect: nothing was withheld
        else:
            resume_at = resume_period
        s.resume_period = resume_at
        s.status = "resumed"
        s.resumed_at = utcnow()
        if s.backpay_on_resume:
            backpay_months.extend(_unpaid_months(session, benefit, s.from_period, add_months(resume_at, -1)))
    backpay_months = sorted(set(backpay_months))
    # months still covered by another active suspension are not paid
    still = [s for s in active_suspensions(session, benefit_id) if s not in targets]
    backpay_months = [m for m in backpay_months if not any(covers(s, m) for s in still)]
    if backpay_months:
        backpay = money(benefit.monthly_amount * len(backpay_months))
    if not still:
        benefit.status = "active"
        touch_benefit(benefit)
    session.flush()
    append(session, action="benefit.resume", entity="benefits", entity_id=benefit_id,
           detail={"resume_period": resume_period, "reason": reason, "suspensions": [s.id for s in targets],
                   "backpay_months": backpay_months, "backpay": backpay})
    payment = None
    if backpay > 0:
        payment = add_payment(session, benefit, period=resume_period, kind="backpay", amount=backpay,
                              detail={"cause": "resumption", "months": backpay_months})
    issue_resumption_notice(session, benefit, targets, resume_period=resume_period, backpay=backpay,
                            backpay_months=backpay_months)
    return {"benefit_id": benefit_id, "resumed": [s.id for s in targets], "resume_period": resume_period,
            "backpay": f"{backpay:.2f}", "backpay_months": backpay_months,
            "backpay_payment_id": payment.payment_id if payment else None, "status": benefit.status}


def covers(s: Suspension, period: str) -> bool:
    """Whether suspension ``s`` withholds ``period``."""
    if month_index(period) < month_index(s.from_period):
        return False
    return s.resume_period is None or month_index(period) < month_index(s.resume_period)


def _unpaid_months(session: Session, benefit: Benefit, first: str, last: str) -> list[str]:
    if month_index(last) < month_index(first):
        return []
    start = first_period(benefit)
    end = last_period(benefit)
    paid = set(session.scalars(select(Payment.period).where(
        Payment.benefit_id == benefit.benefit_id, Payment.kind == "regular",
        Payment.period >= first, Payment.period <= last)))
    return [m for m in months_between(first, last)
            if m not in paid and m >= start and (end is None or m <= end)]


# --- overpayments ----------------------------------------------------------------------------------

def compute_overpayment(
    session: Session,
    *,
    benefit_id: str,
    reason: str,
    after_period: str | None = None,
    periods: list[str] | tuple[str, ...] | None = None,
    reason_code: str = "error",
    source_ref: str = "",
    record: bool = True,
) -> Decimal:
    """The amount paid that was not due, and (``record``) the debt to recover it.

    Counts the ``regular`` and ``adjustment`` payments already paid (or pending: sent to the bank)
    for every period after ``after_period`` (death: after the death month), or for the ``periods``
    given (a suspension's months). Back-pay covers months before, so it is not counted. Recording is
    idempotent per (benefit, reason_code, source_ref): a second call updates the same debt.

    Returns:
        The overpaid amount in yuan (``Decimal``, 0.00 when nothing was overpaid).
    """
    if after_period is None and periods is None:
        raise BenefitError("需要 after_period 或 periods")
    benefit = get_benefit(session, benefit_id)
    stmt = select(Payment).where(Payment.benefit_id == benefit_id, Payment.kind.in_(("regular", "adjustment")),
                                 Payment.status.in_(("paid", "pending")))
    if after_period is not None:
        stmt = stmt.where(Payment.period > check_period(after_period))
    if periods is not None:
        stmt = stmt.where(Payment.period.in_([check_period(p) for p in periods]))
    # pending instructions not yet sent are withdrawn instead of being counted
    paid = []
    for p in session.scalars(stmt.order_by(Payment.period)):
        paid.append(p)
    overpaid = [p for p in paid if p.status == "paid"]
    pending = [p for p in paid if p.status == "pending"]
    for p in pending:
        session.delete(p)
    amount = money(sum((money(p.amount) for p in overpaid), Decimal("0")))
    changed = bool(pending) or not record
    if record and amount > 0:
        before = session.scalar(select(Debt.principal).where(Debt.benefit_id == benefit_id,
                                                             Debt.reason_code == reason_code,
                                                             Debt.source_ref == source_ref))
        open_debt(session, benefit=benefit, reason_code=reason_code, reason=reason, source_ref=source_ref,
                  periods=sorted({p.period for p in overpaid}), principal=amount)
        changed = changed or before is None or money(before) != amount
    session.flush()
    if not changed:
        return amount
    append(session, action="benefit.overpayment", entity="benefits", entity_id=benefit_id,
           detail={"reason": reason, "reason_code": reason_code, "amount": amount,
                   "periods": sorted({p.period for p in overpaid}),
                   "withdrawn_pending": [p.payment_id for p in pending]})
    return amount
