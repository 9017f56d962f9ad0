"""Read-only views of a benefit for the CLI and the API (bank accounts masked)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.benefits.models import BenefitAssessment, Debt, Suspension
from shebao.benefits.service import get_benefit
from shebao.core.crypto import mask_bank_account
from shebao.registry.models import Payment


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
