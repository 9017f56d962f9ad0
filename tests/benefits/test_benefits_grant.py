"""grant_benefit, suspend_benefit and compute_overpayment: the services other domains call."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from benefits_builders import grant
from sqlalchemy import func, select


def test_grant_is_idempotent_per_application(session, person):
    from shebao.audit.models import AuditEntry
    from shebao.benefits.models import BenefitAssessment, Notice
    from shebao.registry.models import Benefit

    first = grant(session, person, provisional=True, assessment={
        "inputs": {"retirement_date": "2025-12", "contribution_months": 420, "assessed_on": "2026-01-10"},
        "result": {"total": "3000.00", "basic_pension": "2000.00", "account_pension": "1000.00",
                   "transitional_pension": "0.00", "provisional": True}})
    again = grant(session, person, provisional=True)
    assert again.benefit_id == first.benefit_id
    assert session.scalar(select(func.count()).select_from(Benefit)) == 1
    a = session.get(BenefitAssessment, first.benefit_id)
    assert a.provisional and a.pension_base_year == 2025 and a.contribution_months == 420
    assert a.assessed_on == date(2026, 1, 10)
    assert first.status == "active" and first.monthly_amount == Decimal("3000.00")
    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == first.benefit_id)))
    assert actions.count("benefit.grant") == 1
    kinds = sorted(session.scalars(select(Notice.kind).where(Notice.benefit_id == first.benefit_id)))
    assert kinds == ["assessment", "grant"]


def test_suspend_then_overpayment_of_paid_months(session, person):
    from shebao.benefits.models import Debt
    from shebao.benefits.service import add_payment, compute_overpayment, suspend_benefit
    from shebao.registry.models import Payment

    b = grant(session, person)
    for period in ("2026-01", "2026-02", "2026-03"):
        p = add_payment(session, b, period=period, kind="regular", amount=Decimal("3000.00"))
        p.status, p.paid_date = "paid", date(2026, int(period[-2:]), 15)
    add_payment(session, b, period="2026-04", kind="regular", amount=Decimal("3000.00"))  # pending
    session.commit()
    s = suspend_benefit(session, benefit_id=b.benefit_id, reason="测试暂停", from_period="2026-02",
                        reason_code="manual", source_ref="t1")
    assert suspend_benefit(session, benefit_id=b.benefit_id, reason="测试暂停", from_period="2026-02",
                           reason_code="manual", source_ref="t1").id == s.id
    assert b.status == "suspended"
    # the pending April instruction was withdrawn; Feb and Mar were paid: overpaid
    assert session.scalar(select(func.count()).select_from(Payment).where(Payment.period == "2026-04")) == 0
    amount = compute_overpayment(session, benefit_id=b.benefit_id, periods=["2026-02", "2026-03"],
                                 reason="暂停期间多发", reason_code="suspension", source_ref=f"s{s.id}")
    session.commit()
    assert amount == Decimal("6000.00")
    debt = session.scalar(select(Debt))
    assert debt.principal == Decimal("6000.00") and debt.status == "open" and debt.method == "deduction"
