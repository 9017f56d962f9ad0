"""Checks before money moves: an amount a reviewer sets is held against the legal bounds of its benefit.

- 失业保险金: below the local minimum wage (``wages.minimum_monthly``) and not below the city's
  低保 (``assistance.urban_minimum_living_monthly``) where that value is set (失业保险条例 第十八条;
  社会保险法 第四十七条). Outside them the amount is **refused**; without a minimum wage for the
  region it cannot be checked and is **escalated** to a second reviewer, saying so.
- 基本养老金: against the formula's own result, with the tolerance the agency sets
  (``review.pension_tolerance``, a rate; unset means 0). A larger gap, or no formula result, is
  **escalated** to a second reviewer with the figures.

:func:`check_amount` returns ``(refusals, escalations)``, each a list of ``{code, text, reference}``
in Chinese; the review queue refuses on any refusal and requires four eyes on any escalation.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy.orm import Session

from shebao.cases.models import Application

MINIMUM_WAGE = "wages.minimum_monthly"
SUBSISTENCE = "assistance.urban_minimum_living_monthly"
PENSION_TOLERANCE = "review.pension_tolerance"
REF_UNEMPLOYMENT = "失业保险条例 第十八条；中华人民共和国社会保险法 第四十七条"
REF_CONTROL = "社会保险经办条例 第三十七条"


def _value(params, name: str, on: dt.date, region: str) -> Decimal | None:
    if name not in params:
        return None
    found = params.get_or_none(name, on, region)
    return None if found is None or found.value is None else Decimal(str(found.value))


def formula_amount(app: Application) -> Decimal | None:
    """The monthly amount the rules computed for this application (None when they could not)."""
    result = (json.loads(app.decision or "{}").get("result") or {})
    for key in ("total", "monthly_amount"):
        if result.get(key) is not None:
            return Decimal(str(result[key])).quantize(Decimal("0.01"))
    return None


def check_amount(session: Session, app: Application, amount: Decimal, start: dt.date | None = None
                 ) -> tuple[list[dict], list[dict]]:
    """The refusals and the escalations for paying ``amount`` a month on ``app`` from ``start``."""
    from shebao.cases.pipeline import parameters_in_force

    params = parameters_in_force(session)
    on = start or app.start_date or app.received_on
    refusals: list[dict] = []
    escalations: list[dict] = []
    if app.kind == "unemployment":
        wage = _value(params, MINIMUM_WAGE, on, app.region_code)
        if wage is None:
            escalations.append({
                "code": "minimum_wage_missing",
                "text": f"本地区（{app.region_code}）{on} 适用的最低工资标准未设定，无法核对失业保险金是否低于最低工资标准，"
                        "须由第二名复核员复核", "reference": REF_UNEMPLOYMENT})
        elif amount >= wage:
            refusals.append({
                "code": "above_minimum_wage",
                "text": f"失业保险金 {amount} 元/月不低于当地最低工资标准 {wage} 元/月；失业保险金标准应低于最低工资标准",
                "reference": REF_UNEMPLOYMENT})
        floor = _value(params, SUBSISTENCE, on, app.region_code)
        if floor is not None and amount < floor:
            refusals.append({
                "code": "below_subsistence",
                "text": f"失业保险金 {amount} 元/月低于城市居民最低生活保障标准 {floor} 元/月",
                "reference": REF_UNEMPLOYMENT})
    else:
        formula = formula_amount(app)
        if formula is None:
            escalations.append({
                "code": "pension_formula_missing",
                "text": "养老金计发公式未能算出金额，复核员核定的金额无法与公式核对，须由第二名复核员复核",
                "reference": REF_CONTROL})
        elif amount != formula:
            tolerance = _value(params, PENSION_TOLERANCE, on, app.region_code) or Decimal(0)
            gap = abs(amount - formula)
            allowed = (formula * tolerance).quantize(Decimal("0.01"))
            if gap > allowed:
                share = (gap / formula * 100).quantize(Decimal("0.1")) if formula else None
                escalations.append({
                    "code": "pension_off_formula",
                    "text": f"核定月金额 {amount} 元与公式计算结果 {formula} 元相差 {gap} 元"
                            + (f"（{share}%）" if share is not None else "")
                            + f"，超过机构设定的容差（{tolerance * 100:.2f}%"
                            + ("，未设定按 0 计" if _value(params, PENSION_TOLERANCE, on, app.region_code) is None else "")
                            + "），须由第二名复核员复核",
                    "reference": REF_CONTROL})
    return refusals, escalations
