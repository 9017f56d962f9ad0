"""Read-only views of a benefit for the CLI and the API (bank accounts masked)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.benefits.models import BenefitAssessment, Debt, Notice, Suspension
from shebao.benefits.render import context
from shebao.benefits.service import get_benefit
from shebao.core.crypto import mask_bank_account, mask_text
from shebao.registry.models import Benefit, Payment, Person


def benefit_json(session: Session, benefit_id: str, *, payments: int = 24) -> dict[str, Any]:
    """A benefit with its assessment summary, suspensions, debts and latest payments."""
    b = get_benefit(session, benefit_id)
    a = session.get(BenefitAssessment, benefit_id)
    susp = session.scalars(select(Suspension).where(Suspension.benefit_id == benefit_id).order_by(Suspension.id))
    debts = session.scalars(select(Debt).where(Debt.benefit_id == benefit_id).order_by(Debt.id))
    pays = session.scalars(select(Payment).where(Payment.benefit_id == benefit_id)
                           .order_by(Payment.period.desc(), Payment.kind).limit(payments))
    return {
        "benefit_id": b.benefit_id, "person_id": b.person_id, "kind": b.kind, "region_code": b.region_code,
        "start_date": b.start_date.isoformat(), "end_date": b.end_date.isoformat() if b.end_date else None,
        "monthly_amount": f"{b.monthly_amount:.2f}", "status": b.status,
        "bank_account": mask_bank_account(b.bank_account) if b.bank_account else None,
        "application_no": a.application_no if a else None, "provisional": bool(a and a.provisional),
        "history": json.loads(a.history) if a else [],
        "suspensions": [{"id": s.id, "reason_code": s.reason_code, "reason": s.reason, "from_period": s.from_period,
                         "resume_period": s.resume_period, "status": s.status} for s in susp],
        "debts": [{"id": d.id, "reason": d.reason, "principal": f"{d.principal:.2f}",
                   "outstanding": f"{d.outstanding:.2f}", "method": d.method, "status": d.status} for d in debts],
        "payments": [{"payment_id": p.payment_id, "period": p.period, "kind": p.kind, "amount": f"{p.amount:.2f}",
                      "status": p.status, "paid_date": p.paid_date.isoformat() if p.paid_date else None}
                     for p in pays],
    }


def payments_by_period(session: Session, *, periods: int = 12) -> list[dict[str, Any]]:
    """Amount and number of payments of the latest ``periods`` months, oldest first (the dashboard)."""
    return [
        {"period": period, "amount": f"{Decimal(amount):.2f}", "count": count}
        for period, amount, count in session.execute(
            select(Payment.period, func.sum(Payment.amount), func.count())
            .group_by(Payment.period).order_by(Payment.period.desc()).limit(periods)
        )
    ][::-1]


def payment_lag_days(session: Session, *, periods: int = 3) -> dict[str, Any] | None:
    """Days from the first of the paid month to the paid date over the latest ``periods`` months:
    median, 95th percentile and how many payments (None when nothing was paid)."""
    latest = [p for (p,) in session.execute(
        select(Payment.period).distinct().order_by(Payment.period.desc()).limit(periods))]
    if not latest:
        return None
    lags = []
    for period, paid in session.execute(
        select(Payment.period, Payment.paid_date).where(Payment.period.in_(latest), Payment.paid_date.is_not(None))
    ):
        try:
            start = dt.date(int(period[:4]), int(period[5:7]), 1)
        except ValueError:
            continue
        lags.append((paid - start).days)
    if not lags:
        return None
    lags.sort()
    return {"median": lags[len(lags) // 2], "p95": lags[min(len(lags) - 1, int(len(lags) * 0.95))],
            "count": len(lags)}


PAYMENT_ROWS = 36


def person_benefits(session: Session, person_id: str) -> dict[str, Any]:
    """What the workbench shows of a person's benefits: the benefits with their latest payments, and
    the benefits domain's suspensions, debts and notices.

    Bank accounts are masked for every role (the same rule in every table); the full account of a
    benefit is shown only through the page's audited reveal action."""
    benefits = list(session.scalars(select(Benefit).where(Benefit.person_id == person_id)
                                    .order_by(Benefit.start_date.desc())))
    payments = list(session.scalars(select(Payment).where(Payment.person_id == person_id)
                                    .order_by(Payment.period.desc(), Payment.payment_id.desc()).limit(PAYMENT_ROWS)))
    total_paid = sum((p.amount for p in payments if p.status == "paid" and p.kind != "recovery"), Decimal(0))
    benefit_ids = [b.benefit_id for b in benefits]
    suspensions = [] if not benefit_ids else list(session.scalars(
        select(Suspension).where(Suspension.benefit_id.in_(benefit_ids)).order_by(Suspension.id.desc())))
    return {
        "benefits": [{
            "benefit_id": b.benefit_id, "kind": b.kind, "start_date": b.start_date, "end_date": b.end_date,
            "monthly_amount": f"{b.monthly_amount:.2f}", "status": b.status, "region_code": b.region_code,
            "bank_account": mask_bank_account(b.bank_account), "can_reveal_account": bool(b.bank_account),
        } for b in benefits],
        "payments": [{
            "payment_id": p.payment_id, "benefit_id": p.benefit_id, "period": p.period, "paid_date": p.paid_date,
            "amount": f"{p.amount:.2f}", "kind": p.kind, "status": p.status,
            "bank_account": mask_bank_account(p.bank_account),
        } for p in payments],
        "total_paid": f"{total_paid:.2f}",
        "suspensions": [{
            "id": s.id, "benefit_id": s.benefit_id, "reason": mask_text(s.reason), "from_period": s.from_period,
            "resume_period": s.resume_period, "status": s.status, "created_by": s.created_by,
        } for s in suspensions],
        "debts": [{
            "id": d.id, "benefit_id": d.benefit_id, "reason": mask_text(d.reason), "principal": f"{d.principal:.2f}",
            "recovered": f"{d.recovered:.2f}", "outstanding": f"{d.principal - d.recovered:.2f}",
            "method": d.method, "status": d.status, "created_on": d.created_on,
        } for d in session.scalars(select(Debt).where(Debt.person_id == person_id).order_by(Debt.id.desc()))],
        "notices": [{
            "id": n.id, "kind": n.kind, "title": n.title, "issued_on": n.issued_on, "benefit_id": n.benefit_id,
        } for n in session.scalars(select(Notice).where(Notice.person_id == person_id).order_by(Notice.id.desc()))],
        "benefits_domain": True,
    }


def printable_notice(session: Session, notice_id: int) -> dict[str, Any] | None:
    """A notice ready to print, exactly as the benefits domain renders it (its HTML and PDF agree).

    The printed notice masks personal data (it may be handed over the counter), for every role."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        return None
    ctx = context(notice, person=session.get(Person, notice.person_id))
    return {**ctx, "id": notice.id, "kind": notice.kind, "person_id": notice.person_id}
