"""The yearly pension adjustment (调待), applied to every pension from its effective month.

The amount is the policy engine's rule (:func:`shebao.policy.pension_adjustment`: a fixed amount,
a percentage of the pension, and an amount per whole year of contribution, as each year's notice
sets them: parameters ``pension.adjustment.fixed_amount``, ``.rate``, ``.per_year_amount`` or
``.per_year_bands``, ``.age_tilt``). Where none of a year's values is set the adjustment names the
missing parameters and changes nothing; where some are known (Shandong 2025: only the fixed 27.3)
it applies those, says what is missing (``missing``, ``partial``), and applies the rest as a
difference when a later run finds them.

The notices are published months after the effective date (usually January): the months already
paid at the old amount since then are paid as one ``adjustment`` payment (arrears).
Applying a year twice changes nothing (``benefit_assessments.last_adjustment_year``).
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
from shebao.benefits.notices import issue_adjustment_notice
from shebao.benefits.periods import period_of
from shebao.benefits.service import add_history, add_payment, money, touch_benefit
from shebao.policy import pension_adjustment
from shebao.policy.store import parameters_for
from shebao.registry.models import Benefit, Contribution, ContributionYear, Payment, Person


def contribution_months(session: Session, b: Benefit, a: BenefitAssessment | None) -> int:
    """Contribution months (with deemed months) as assessed, else as the registry records them."""
    if a is not None and a.contribution_months is not None:
        return a.contribution_months
    person = session.get(Person, b.person_id)
    monthly = session.scalar(select(func.count(func.distinct(Contribution.period))).where(
        Contribution.person_id == b.person_id, Contribution.insurance == "pension")) or 0
    yearly = session.scalar(select(func.coalesce(func.sum(ContributionYear.months), 0)).where(
        ContributionYear.person_id == b.person_id, ContributionYear.insurance == "pension")) or 0
    return int(monthly) + int(yearly) + int(person.deemed_months if person else 0)


def apply_adjustment(session: Session, *, year: int, on: date, benefit_id: str | None = None) -> dict[str, Any]:
    """Apply ``year``'s adjustment to every pension granted before that year (once per pension).

    Returns ``{"adjusted": n, "arrears_total": "...", "missing": [...], "benefits": [...]}``.
    """
    params = parameters_for(session)
    stmt = select(Benefit).where(Benefit.kind == "pension", Benefit.start_date < date(year, 1, 1),
                                 (Benefit.end_date.is_(None)) | (Benefit.end_date >= date(year, 1, 1)))
    if benefit_id is not None:
        stmt = stmt.where(Benefit.benefit_id == benefit_id)
    out: dict[str, Any] = {"year": year, "adjusted": 0, "already": 0, "arrears_total": "0.00", "missing": [],
                           "benefits": []}
    arrears_total = Decimal("0.00")
    for b in session.scalars(stmt.order_by(Benefit.benefit_id)).all():
        a = session.get(BenefitAssessment, b.benefit_id)
        if a is not None and a.last_adjustment_year is not None and a.last_adjustment_year >= year:
            out["already"] += 1
            continue
        months = contribution_months(session, b, a)
        # a year applied in part (some of its notice's values not yet known) is computed on the
        # pension before that year's adjustment, and only the difference is applied now
        applied = [h for h in (json.loads(a.history or "[]") if a is not None else [])
                   if h.get("what") == f"adjustment {year}"]
        before = money(applied[0]["from"]) if applied else money(b.monthly_amount)
        person = session.get(Person, b.person_id)
        r = pension_adjustment(pension=str(before), contribution_months=months, year=year,
                               region=b.region_code, params=params,
                               birth_date=person.birth_date.isoformat() if person else None)
        for x in r.get("reasons", []):
            if x.get("text") and x["text"] not in out["missing"]:
                out["missing"].append(x["text"])
        if r.get("increase") is None:
            continue
        increase = money(money(r["increase"]) - sum((money(h["increase"]) for h in applied), Decimal("0.00")))
        if increase == 0 and not r.get("complete", True):
            continue
        effective = period_of(date.fromisoformat(r["effective_date"]))
        effective = max(effective, f"{year:04d}-01")
        late = list(session.scalars(select(Payment.period).where(
            Payment.benefit_id == b.benefit_id, Payment.kind == "regular", Payment.period >= effective,
            Payment.status.in_(("paid", "pending"))).order_by(Payment.period)))
        arrears = money(increase * len(late))
        old = money(b.monthly_amount)
        b.monthly_amount = money(old + increase)
        touch_benefit(b)
        if a is None:
            a = BenefitAssessment(benefit_id=b.benefit_id, provisional=False, assessed_on=b.start_date,
                                  assessment="{}", contribution_months=months, initial_amount=old, history="[]")
            session.add(a)
        if r.get("complete", True):
            a.last_adjustment_year = year  # a partial year is applied again once its other values are known
        else:
            out["partial"] = out.get("partial", 0) + 1
        add_history(a, {"on": on, "what": f"adjustment {year}", "from": old, "to": b.monthly_amount,
                        "increase": increase, "effective": effective, "arrears_months": len(late),
                        "complete": bool(r.get("complete", True)), "missing": r.get("missing") or []})
        session.flush()
        append(session, action="benefit.adjust", entity="benefits", entity_id=b.benefit_id,
               detail={"year": year, "from": old, "to": b.monthly_amount, "parts": r["parts"],
                       "effective": effective, "arrears_months": late, "arrears": arrears})
        payment_id = None
        if arrears > 0:
            payment_id = add_payment(session, b, period=period_of(on), kind="adjustment", amount=arrears,
                                     detail={"cause": f"adjustment {year}", "months": late}).payment_id
        issue_adjustment_notice(session, b, year=year, old=old, increase=increase, parts=r["parts"],
                                effective=effective, months=late, arrears=arrears, contribution_months=months,
                                missing=r.get("missing"), seq=len(applied))
        arrears_total += arrears
        out["adjusted"] += 1
        out["benefits"].append({"benefit_id": b.benefit_id, "from": f"{old:.2f}", "to": f"{b.monthly_amount:.2f}",
                                "increase": f"{increase:.2f}", "arrears": f"{arrears:.2f}", "payment_id": payment_id})
    out["arrears_total"] = f"{arrears_total:.2f}"
    if len(out["benefits"]) > 200:
        out["benefits"] = out["benefits"][:200]
    return out
