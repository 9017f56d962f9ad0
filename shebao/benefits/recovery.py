"""Recovering overpayments (社会保险经办条例 第二十五条、第四十六条;
社会保险法 第八十八条 where the overpayment was obtained by fraud).

A debt is recovered by deduction from the person's later payments (a ``recovery`` payment of the
period, negative, beside the ``regular`` one), within limits, or by a demand for repayment when no
later payment is due (death, an ended benefit) or when the agency chooses to. Every amount
recovered is a ``debt_recoveries`` row; the debt's status follows:
``open`` → ``deducting`` | ``demanded`` → ``recovered`` (or ``written_off``).

Deduction limits: the share of a month's payment that may be withheld is the policy parameter
``recovery.max_deduction_rate`` (the national rules leave it to the provinces: the shipped value is
a project default, unconfirmed), overridable per call and from the command line; the time given to
repay on a demand is ``recovery.demand_days``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.models import Debt, DebtRecovery
from shebao.core.settings import local_today
from shebao.policy.store import parameters_for
from shebao.registry.models import Benefit

MAX_DEDUCTION_RATE = "recovery.max_deduction_rate"
DEMAND_DAYS = "recovery.demand_days"


def deduction_limit(session: Session, on: date) -> Callable[[str | None], Decimal]:
    """The share of a month's payment that may be withheld for debts, by region, as in force on ``on``."""
    params = parameters_for(session)
    return lambda region: Decimal(params.get(MAX_DEDUCTION_RATE, on, region).value)


def _demand_due(session: Session, on: date, region: str | None = None) -> date:
    return on + timedelta(days=int(parameters_for(session).get(DEMAND_DAYS, on, region).value))


class RecoveryError(ValueError):
    """A recovery request that cannot be carried out."""


def open_debt(session: Session, *, benefit: Benefit, reason_code: str, reason: str, source_ref: str,
              periods: list[str], principal: Decimal, method: str | None = None,
              on: date | None = None) -> Debt:
    """Record (or update) the debt for one cause; idempotent per (benefit, reason_code, source_ref).

    The method is deduction while the benefit keeps paying, else a demand for repayment.
    """
    from shebao.benefits.models import DEBT_REASONS

    if reason_code not in DEBT_REASONS:
        raise RecoveryError(f"多发原因应为 {'|'.join(DEBT_REASONS)}")
    on = on or local_today()
    debt = session.scalar(select(Debt).where(Debt.benefit_id == benefit.benefit_id, Debt.reason_code == reason_code,
                                             Debt.source_ref == source_ref))
    if method is None:
        method = "deduction" if benefit.status != "terminated" and reason_code != "death" else "demand"
    if debt is None:
        debt = Debt(benefit_id=benefit.benefit_id, person_id=benefit.person_id, reason_code=reason_code,
                    reason=reason, source_ref=source_ref, periods=json.dumps(periods), principal=principal,
                    recovered=Decimal("0.00"), method=method, status="open", created_on=on)
        session.add(debt)
        session.flush()
        action = "debt.open"
    else:
        if debt.principal == principal and json.loads(debt.periods) == periods:
            return debt
        debt.principal, debt.periods, debt.reason = principal, json.dumps(periods), reason
        _update_status(debt)
        action = "debt.update"
    if method == "demand" and debt.status == "open":
        debt.status = "demanded"
        debt.method = "demand"
        debt.demand_due = _demand_due(session, on, benefit.region_code)
    session.flush()
    append(session, action=action, entity="benefit_debts", entity_id=str(debt.id),
           detail={"benefit_id": benefit.benefit_id, "reason_code": reason_code, "principal": principal,
                   "periods": periods, "method": debt.method})
    from shebao.benefits.notices import issue_debt_notice

    issue_debt_notice(session, benefit, debt)
    return debt


def _update_status(debt: Debt) -> None:
    if debt.status == "written_off":
        return
    if debt.recovered >= debt.principal:
        debt.status = "recovered"
    elif debt.method == "demand":
        debt.status = "demanded"
    elif debt.recovered > 0:
        debt.status = "deducting"
    else:
        debt.status = "open"


def open_debts(session: Session, benefit_id: str) -> list[Debt]:
    return list(session.scalars(select(Debt).where(Debt.benefit_id == benefit_id,
                                                   Debt.status.in_(("open", "deducting")),
                                                   Debt.method == "deduction").order_by(Debt.id)))


def deduction_for(debts: list[Debt], monthly_amount: Decimal, max_rate: Decimal) -> list[tuple[Debt, Decimal]]:
    """How much to deduct from one month's payment, debt by debt (oldest first), within the limit."""
    room = (monthly_amount * max_rate).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    out = []
    for d in debts:
        if room <= 0:
            break
        take = min(room, d.outstanding)
        if take > 0:
            out.append((d, take))
            room -= take
    return out


def record_recovery(session: Session, debt: Debt, *, method: str, ref: str, amount: Decimal,
                    period: str | None = None, on: date | None = None) -> DebtRecovery | None:
    """Record one amount recovered (idempotent per (debt, ref)) and update the debt's status."""
    existing = session.scalar(select(DebtRecovery).where(DebtRecovery.debt_id == debt.id, DebtRecovery.ref == ref))
    if existing is not None:
        return None
    row = DebtRecovery(debt_id=debt.id, method=method, ref=ref, period=period, amount=amount,
                       recorded_on=on or local_today())
    session.add(row)
    debt.recovered = (debt.recovered + amount).quantize(Decimal("0.01"))
    _update_status(debt)
    session.flush()
    return row


def repay(session: Session, *, debt_id: int, amount: Decimal, receipt: str, on: date | None = None) -> Debt:
    """Record a repayment made by the person (or the heirs) against a demand."""
    debt = get_debt(session, debt_id)
    if amount <= 0:
        raise RecoveryError("退还金额应大于 0")
    if amount > debt.outstanding:
        raise RecoveryError(f"退还金额 {amount:.2f} 超过未追回余额 {debt.outstanding:.2f}")
    if record_recovery(session, debt, method="repayment", ref=f"receipt:{receipt}", amount=amount, on=on) is None:
        raise RecoveryError(f"收据 {receipt} 已登记")
    append(session, action="debt.repay", entity="benefit_debts", entity_id=str(debt.id),
           detail={"amount": amount, "receipt": receipt, "outstanding": debt.outstanding, "status": debt.status})
    return debt


def demand(session: Session, *, debt_id: int, on: date | None = None) -> Debt:
    """Switch a debt to a demand for repayment (a notice with a due date)."""
    debt = get_debt(session, debt_id)
    if debt.status in ("recovered", "written_off"):
        raise RecoveryError(f"债务 {debt_id} 已结清")
    on = on or local_today()
    benefit = session.get(Benefit, debt.benefit_id)
    debt.method, debt.status = "demand", "demanded"
    debt.demand_due = _demand_due(session, on, benefit.region_code if benefit is not None else None)
    session.flush()
    append(session, action="debt.demand", entity="benefit_debts", entity_id=str(debt.id),
           detail={"outstanding": debt.outstanding, "due": debt.demand_due})
    from shebao.benefits.notices import issue_demand_notice

    issue_demand_notice(session, benefit, debt)
    return debt


def write_off(session: Session, *, debt_id: int, reason: str) -> Debt:
    """Write off what cannot be recovered (reason required; audit-logged)."""
    if not reason or not reason.strip():
        raise RecoveryError("核销必须说明理由")
    debt = get_debt(session, debt_id)
    if debt.status in ("recovered", "written_off"):
        raise RecoveryError(f"债务 {debt_id} 已结清")
    outstanding = debt.outstanding
    debt.status = "written_off"
    session.flush()
    append(session, action="debt.write_off", entity="benefit_debts", entity_id=str(debt.id),
           detail={"outstanding": outstanding, "reason": reason.strip()})
    return debt


def get_debt(session: Session, debt_id: int) -> Debt:
    debt = session.get(Debt, debt_id)
    if debt is None:
        raise RecoveryError(f"债务不存在：{debt_id}")
    return debt


def list_debts(session: Session, *, person_id: str | None = None, benefit_id: str | None = None,
               status: str | None = None) -> list[Debt]:
    stmt = select(Debt)
    if person_id:
        stmt = stmt.where(Debt.person_id == person_id)
    if benefit_id:
        stmt = stmt.where(Debt.benefit_id == benefit_id)
    if status:
        stmt = stmt.where(Debt.status == status)
    return list(session.scalars(stmt.order_by(Debt.id)))


def debt_json(session: Session, debt: Debt) -> dict[str, Any]:
    rec = session.scalars(select(DebtRecovery).where(DebtRecovery.debt_id == debt.id).order_by(DebtRecovery.id))
    return {
        "id": debt.id, "benefit_id": debt.benefit_id, "person_id": debt.person_id,
        "reason_code": debt.reason_code, "reason": debt.reason, "periods": json.loads(debt.periods),
        "principal": f"{debt.principal:.2f}", "recovered": f"{debt.recovered:.2f}",
        "outstanding": f"{debt.outstanding:.2f}", "method": debt.method, "status": debt.status,
        "demand_due": debt.demand_due.isoformat() if debt.demand_due else None,
        "created_on": debt.created_on.isoformat(),
        "recoveries": [{"method": r.method, "ref": r.ref, "period": r.period, "amount": f"{r.amount:.2f}",
                        "recorded_on": r.recorded_on.isoformat()} for r in rec],
    }
