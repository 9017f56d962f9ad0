"""What the workbench shows of a person's benefits: benefits, payments, suspensions, debts, notices.

Benefits and payments are registry records; suspensions, debts and notices belong to the benefits
domain (:mod:`shebao.benefits`). The page reads them through that domain's tables and services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.core.crypto import mask_bank_account, mask_text

PAYMENT_ROWS = 36


def person_benefits(session: Session, person_id: str) -> dict[str, Any]:
    """The person's benefits with their latest payments, and the benefits domain's records.

    Bank accounts are masked for every role (the same rule in every table); the full account of a
    benefit is shown only through the audited reveal action of the page."""
    from shebao.registry.models import Benefit, Payment

    benefits = list(session.scalars(select(Benefit).where(Benefit.person_id == person_id)
                                    .order_by(Benefit.start_date.desc())))
    payments = list(session.scalars(select(Payment).where(Payment.person_id == person_id)
                                    .order_by(Payment.period.desc(), Payment.payment_id.desc()).limit(PAYMENT_ROWS)))
    total_paid = sum((p.amount for p in payments if p.status == "paid" and p.kind != "recovery"), Decimal(0))
    rows = [{
        "benefit_id": b.benefit_id, "kind": b.kind, "start_date": b.start_date, "end_date": b.end_date,
        "monthly_amount": f"{b.monthly_amount:.2f}", "status": b.status, "region_code": b.region_code,
        "bank_account": mask_bank_account(b.bank_account), "can_reveal_account": bool(b.bank_account),
    } for b in benefits]
    pay_rows = [{
        "payment_id": p.payment_id, "benefit_id": p.benefit_id, "period": p.period, "paid_date": p.paid_date,
        "amount": f"{p.amount:.2f}", "kind": p.kind, "status": p.status,
        "bank_account": mask_bank_account(p.bank_account),
    } for p in payments]
    data: dict[str, Any] = {"benefits": rows, "payments": pay_rows, "total_paid": f"{total_paid:.2f}",
                            "suspensions": [], "debts": [], "notices": [], "benefits_domain": False}
    benefit_ids = [b.benefit_id for b in benefits]
    try:
        from shebao.benefits.models import Debt, Notice, Suspension
    except ImportError:
        return data
    data["benefits_domain"] = True
    if benefit_ids:
        data["suspensions"] = [{
            "id": s.id, "benefit_id": s.benefit_id, "reason": mask_text(s.reason), "from_period": s.from_period,
            "resume_period": s.resume_period, "status": s.status, "created_by": s.created_by,
        } for s in session.scalars(select(Suspension).where(Suspension.benefit_id.in_(benefit_ids))
                                   .order_by(Suspension.id.desc()))]
    data["debts"] = [{
        "id": d.id, "benefit_id": d.benefit_id, "reason": mask_text(d.reason), "principal": f"{d.principal:.2f}",
        "recovered": f"{d.recovered:.2f}", "outstanding": f"{d.principal - d.recovered:.2f}",
        "method": d.method, "status": d.status, "created_on": d.created_on,
    } for d in session.scalars(select(Debt).where(Debt.person_id == person_id).order_by(Debt.id.desc()))]
    data["notices"] = [{
        "id": n.id, "kind": n.kind, "title": n.title, "issued_on": n.issued_on, "benefit_id": n.benefit_id,
    } for n in session.scalars(select(Notice).where(Notice.person_id == person_id).order_by(Notice.id.desc()))]
    return data


def notice_html(session: Session, notice_id: int, *, user: Any) -> dict[str, Any] | None:
    """A notice ready to print, exactly as the benefits domain renders it (its HTML and PDF agree).

    The printed notice masks personal data (it may be handed over the counter), for every role.
    """
    try:
        from shebao.benefits.models import Notice
        from shebao.benefits.render import context
    except ImportError:
        return None
    from shebao.registry.models import Person

    notice = session.get(Notice, notice_id)
    if notice is None:
        return None
    ctx = context(notice, person=session.get(Person, notice.person_id))
    return {**ctx, "id": notice.id, "kind": notice.kind, "person_id": notice.person_id}
