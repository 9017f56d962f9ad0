"""Routing: auto-approve, manual review or reject — and which reviews need four eyes.

Thresholds are administrative settings of the agency, not law; they live here with their reasons
and can be overridden per call (tests and pilots pass their own :class:`RoutingPolicy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

REF_APPEAL = "中华人民共和国社会保险法 第八十三条"
APPEAL_TEXT = ("如对本决定不服，可以自知道该决定之日起六十日内依法申请行政复议，或者自知道之日起六个月内"
               "依法提起行政诉讼（社会保险法 第八十三条）。")


@dataclass(frozen=True)
class RoutingPolicy:
    """Above ``auto_limit`` a person must look; above ``four_eyes`` two different reviewers must."""

    auto_limit: dict[str, Decimal] = field(default_factory=lambda: {
        "pension": Decimal("10000.00"), "unemployment": Decimal("3000.00")})
    four_eyes: dict[str, Decimal] = field(default_factory=lambda: {
        "pension": Decimal("8000.00"), "unemployment": Decimal("2500.00")})


DEFAULT_POLICY = RoutingPolicy()


def route(*, kind: str, decidable: bool, eligible: bool, complete: bool, monthly_amount: Decimal | None,
          risk_level: str, review_reasons: list[dict], reject_reasons: list[dict],
          policy: RoutingPolicy = DEFAULT_POLICY) -> tuple[str, list[dict]]:
    """The route (``auto_approve`` | ``review`` | ``reject``) and the reasons behind it.

    A rule that cannot decide, a missing or unconfirmed parameter, medium or high risk and an
    amount above the limit send the case to a reviewer; an ineligible case that the rules decided
    is rejected (unless the risk rules also fired: a person then looks at it).
    """
    reasons = list(review_reasons)
    if risk_level in ("medium", "high"):
        reasons.append({"code": f"risk_{risk_level}", "text": "风险评分为" + ("高" if risk_level == "high" else "中")
                        + "，需人工复核", "reference": ""})
    if decidable and not eligible and risk_level != "high" and not review_reasons:
        return "reject", reject_reasons
    if decidable and eligible and monthly_amount is not None and monthly_amount > policy.auto_limit[kind]:
        reasons.append({"code": "amount_above_threshold",
                        "text": f"月金额 {monthly_amount} 元超过自动核准上限 {policy.auto_limit[kind]} 元",
                        "reference": ""})
    if not decidable or not complete or reasons:
        return "review", _unique(reasons + (reject_reasons if not eligible else []))
    return "auto_approve", []


def needs_four_eyes(kind: str, monthly_amount: Decimal | None, policy: RoutingPolicy = DEFAULT_POLICY) -> bool:
    """Whether approving this amount needs a second, different reviewer."""
    return monthly_amount is not None and monthly_amount > policy.four_eyes[kind]


def _unique(reasons: list[dict]) -> list[dict]:
    seen, out = set(), []
    for r in reasons:
        key = r.get("code")
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
