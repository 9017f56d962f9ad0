"""Unemployment benefit follows the local minimum wage (Shandong's 同步上调).

In Shandong the unemployment benefit is 90% of the local monthly minimum wage and is raised with
it from the new standard's effective date (鲁人社字〔2020〕14号; 山东人社 2023: 「按照调整后的最低工资
标准的90%同步上调失业保险金标准」). The policy engine's rule (``unemployment_amount_fen``: rate ×
``wages.minimum_monthly`` of the benefit's region) gives each date's amount; a new standard is a new
dated parameter value, so no code changes when it comes. Payroll's sync calls
:func:`follow_minimum_wage`: every active unemployment benefit whose amount followed the previous
standard is set to the new one from the standard's effective month; the months already paid at the
old amount since then are paid as one ``adjustment`` payment, and a notice says so. A benefit whose
amount a reviewer set by hand (not the rule's amount) is left alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.models import BenefitAssessment
from shebao.benefits.notices import issue_notice
from shebao.benefits.periods import period_of
from shebao.benefits.service import add_history, add_payment, money, touch_benefit
from shebao.policy import ParameterMissing
from shebao.policy.store import parameters_for
from shebao.policy.unemployment import unemployment_amount_fen
from shebao.registry.models import Benefit, Payment

REFERENCE = "失业保险条例 第十八条；鲁人社字〔2020〕14号（失业保险金标准与最低工资标准挂钩联动）"


def follow_minimum_wage(session: Session, *, as_of: date) -> dict[str, Any]:
    """Re-set active unemployment benefits to the amount in force on ``as_of`` where the minimum wage changed.

    Returns ``{"followed": n, "arrears_total": "…", "benefits": [...]}``.
    """
    params = parameters_for(session)
    out: dict[str, Any] = {"followed": 0, "arrears_total": "0.00", "benefits": []}
    total = Decimal("0.00")
    stmt = select(Benefit).where(Benefit.kind == "unemployment", Benefit.status == "active",
                                 Benefit.start_date <= as_of,
                                 (Benefit.end_date.is_(None)) | (Benefit.end_date >= as_of))
    for b in session.scalars(stmt.order_by(Benefit.benefit_id)).all():
        try:
            wage = params.get("wages.minimum_monthly", as_of, b.region_code)
            new = money(Decimal(unemployment_amount_fen(as_of, b.region_code, params)) / 100)
        except (ParameterMissing, ValueError):
            continue
        old = money(b.monthly_amount)
        changed_on = max(wage.effective_date, b.start_date)
        if new == old or changed_on <= b.start_date:
            continue  # unchanged, or the benefit was granted under this standard already
        try:
            before = money(Decimal(unemployment_amount_fen(changed_on - timedelta(days=1), b.region_code, params)) / 100)
        except (ParameterMissing, ValueError):
            continue
        if before != old:
            continue  # not the rule's amount (set by a reviewer): a person decides
        effective = period_of(changed_on)
        late = list(session.scalars(select(Payment.period).where(
            Payment.benefit_id == b.benefit_id, Payment.kind == "regular", Payment.period >= effective,
            Payment.status.in_(("paid", "pending"))).order_by(Payment.period)))
        arrears = money((new - old) * len(late))
        b.monthly_amount = new
        touch_benefit(b)
        a = session.get(BenefitAssessment, b.benefit_id)
        if a is None:
            a = BenefitAssessment(benefit_id=b.benefit_id, provisional=False, assessed_on=b.start_date,
                                  assessment="{}", initial_amount=old, history="[]")
            session.add(a)
        add_history(a, {"on": as_of, "what": "minimum wage", "from": old, "to": new, "effective": effective,
                        "minimum_wage": wage.value, "minimum_wage_from": wage.effective_date,
                        "reference": wage.reference_text(), "arrears_months": len(late)})
        session.flush()
        append(session, action="benefit.minimum_wage", entity="benefits", entity_id=b.benefit_id,
               detail={"from": old, "to": new, "effective": effective, "minimum_wage": str(wage.value),
                       "minimum_wage_reference": wage.reference_text(), "arrears_months": late, "arrears": arrears})
        if arrears > 0:
            add_payment(session, b, period=period_of(as_of), kind="adjustment", amount=arrears,
                        detail={"cause": "minimum wage", "months": late})
        text = (f"当地月最低工资标准自 {wage.effective_date.isoformat()} 起调整为 {wage.value} 元（{wage.reference_text()}），"
                f"您的失业保险金按其同步调整：自 {effective} 起每月由 {old:.2f} 元调整为 {new:.2f} 元。")
        if arrears > 0:
            text += f"{late[0]} 至 {late[-1]} 已按原标准发放的 {len(late)} 个月，补发差额 {arrears:.2f} 元。"
        issue_notice(session, key=f"minimum-wage:{b.benefit_id}:{effective}", kind="adjustment",
                     person_id=b.person_id, benefit_id=b.benefit_id, title="失业保险金标准调整通知书",
                     data={"old_amount": old, "new_amount": new, "effective": effective, "arrears": arrears,
                           "arrears_months": late, "text": text, "articles": REFERENCE})
        total += arrears
        out["followed"] += 1
        out["benefits"].append({"benefit_id": b.benefit_id, "from": f"{old:.2f}", "to": f"{new:.2f}",
                                "effective": effective, "arrears": f"{arrears:.2f}"})
    out["arrears_total"] = f"{total:.2f}"
    if len(out["benefits"]) > 200:
        out["benefits"] = out["benefits"][:200]
    return out
