"""Provisional → final: recalculating provisional pensions once their year's pension base is published.

A pension granted before its year's base is published is assessed on the latest published base
(``provisional``). When the base is published (a new value of ``pension.base`` in the parameter
store, e.g. ``shebao params set pension.base ...``), every provisional pension of that year is
recalculated with the policy engine's :func:`shebao.policy.recalculate_pension`, its monthly amount
corrected from then on, and the difference for every month already paid at the provisional
amount paid as one ``backpay`` payment (or, if the final amount is lower, recorded as a debt
recovered by deduction), with a notice explaining the recalculation.

The payroll's registry sync runs this for every year whose base has become known, so nobody has
to remember; ``shebao benefits recalc --year YYYY`` runs it on demand.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.models import BenefitAssessment
from shebao.benefits.notices import issue_recalculation_notices
from shebao.benefits.periods import add_months, period_of
from shebao.benefits.recovery import open_debt
from shebao.benefits.service import (
    add_history,
    add_payment,
    assessment_data,
    get_benefit,
    money,
    touch_benefit,
)
from shebao.policy import ParameterMissing, recalculate_pension
from shebao.policy.store import parameters_for
from shebao.registry.models import Payment


def _published(params: Any, year: int, region: str, on: date) -> bool:
    try:
        pv = params.get("pension.base", date(year, 1, 1), region, known_on=on)
    except ParameterMissing:
        return False
    return pv.effective_date.year >= year


def recalculate_provisional(session: Session, *, on: date, year: int | None = None,
                            benefit_id: str | None = None) -> dict[str, Any]:
    """Recalculate the provisional pensions (of ``year``, or of every year) whose base is now published.

    Returns ``{"recalculated": n, "still_provisional": k, "skipped": [...], "backpay_total": "...",
    "benefits": [...]}``.
    """
    params = parameters_for(session)
    stmt = select(BenefitAssessment).where(BenefitAssessment.provisional.is_(True))
    if year is not None:
        stmt = stmt.where(BenefitAssessment.pension_base_year == year)
    if benefit_id is not None:
        stmt = stmt.where(BenefitAssessment.benefit_id == benefit_id)
    out: dict[str, Any] = {"recalculated": 0, "still_provisional": 0, "skipped": [], "backpay_total": "0.00",
                           "benefits": []}
    known: dict[tuple[int, str], bool] = {}
    total = Decimal("0.00")
    for a in session.scalars(stmt.order_by(BenefitAssessment.benefit_id)).all():
        b = get_benefit(session, a.benefit_id)
        data = assessment_data(a)
        inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else None
        if b.kind != "pension" or not inputs:
            out["skipped"].append({"benefit_id": b.benefit_id, "reason": "核定时未保存计算输入，无法重算"})
            continue
        region = str(inputs.get("region") or b.region_code[:2] + "0000")
        key = (a.pension_base_year or b.start_date.year, region)
        if key not in known:
            known[key] = _published(params, key[0], region, on)
        if not known[key]:
            out["still_provisional"] += 1
            continue
        r = recalculate_one(session, a, on=on, params=params)
        if r is None:
            out["still_provisional"] += 1
            continue
        if "error" in r:
            out["skipped"].append({"benefit_id": b.benefit_id, "reason": r["error"]})
            continue
        out["recalculated"] += 1
        total += money(r["backpay"])
        out["benefits"].append(r)
    out["backpay_total"] = f"{total:.2f}"
    return out


def recalculate_one(session: Session, a: BenefitAssessment, *, on: date, params: Any) -> dict[str, Any] | None:
    """Recalculate one provisional pension; None while its base is still unpublished."""
    b = get_benefit(session, a.benefit_id)
    data = assessment_data(a)
    inputs = dict(data["inputs"])
    inputs.pop("pension_base", None)
    if not inputs.get("assessed_on"):
        inputs["assessed_on"] = a.assessed_on.isoformat()
    # months already paid (or sent) at the provisional amount
    paid_periods = list(session.scalars(select(Payment.period).where(
        Payment.benefit_id == b.benefit_id, Payment.kind == "regular",
        Payment.status.in_(("paid", "pending"))).order_by(Payment.period)))
    paid_through = paid_periods[-1] if paid_periods else add_months(period_of(b.start_date), -1)
    r = recalculate_pension(inputs, recalculated_on=on, paid_through=paid_through, params=params)
    if r.get("still_provisional"):
        return None
    if r.get("final_total") is None or r.get("monthly_difference") is None:
        return {"error": "重算失败：" + "；".join(x.get("text", "") for x in r.get("reasons", []))}
    diff = money(r["monthly_difference"])
    # the engine counts calendar months from the first pension month; pay for the months actually paid
    months = [p for p in paid_periods if p >= r["final"]["pension_start"]]
    backpay = money(diff * len(months))
    old_amount = money(b.monthly_amount)
    b.monthly_amount = money(old_amount + diff)
    touch_benefit(b)
    a.provisional = False
    a.finalised_on = on
    data["final"] = {k: v for k, v in r["final"].items() if k != "trace"}
    data["recalculation"] = {k: v for k, v in r.items() if k != "final"}
    a.assessment = json.dumps(data, ensure_ascii=False, default=str)
    add_history(a, {"on": on, "what": "recalculation", "from": old_amount, "to": b.monthly_amount,
                    "monthly_difference": diff, "months": len(months), "backpay": backpay})
    session.flush()
    append(session, action="benefit.recalculate", entity="benefits", entity_id=b.benefit_id,
           detail={"provisional_total": r["provisional_total"], "final_total": r["final_total"],
                   "monthly_difference": diff, "months": len(months), "backpay": backpay,
                   "from": old_amount, "to": b.monthly_amount})
    payment_id = None
    if backpay > 0:
        payment_id = add_payment(session, b, period=period_of(on), kind="backpay", amount=backpay,
                                 detail={"cause": "recalculation", "months": months}).payment_id
    elif backpay < 0:
        open_debt(session, benefit=b, reason_code="recalculation", reason="计发基数公布后重新核定，暂核期间多发",
                  source_ref=f"recalc:{on.isoformat()}", periods=months, principal=-backpay)
    issue_recalculation_notices(session, b, data, r, months=months, backpay=backpay, on=on)
    return {"benefit_id": b.benefit_id, "provisional_total": r["provisional_total"], "final_total": r["final_total"],
            "monthly_difference": f"{diff:.2f}", "months": len(months), "backpay": f"{backpay:.2f}",
            "new_amount": f"{b.monthly_amount:.2f}", "payment_id": payment_id}


def provisional_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(BenefitAssessment)
                          .where(BenefitAssessment.provisional.is_(True))) or 0
