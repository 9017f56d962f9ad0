"""Eligibility of a claim, by kind: pure functions over typed inputs (issue 17).

The case workflow (:mod:`shebao.cases.pipeline`) fetches the applicant's record and history, hands
the plain values in as a :class:`PensionClaim` or :class:`UnemploymentClaim`, and gets back a
decision dict: ``decidable``, ``eligible``, ``complete``, ``monthly_amount`` (Decimal or None),
``reasons`` and ``review_reasons`` ([{code, text, reference}]), ``inputs`` and ``result`` (the
calculator's answer with its trace). No database session, no settings: the source levels that may
decide a case alone are handed in (``auto_decide``).

The legal values a decision uses beyond the calculators' are parameters of the tree:
``pension.early_filing_months`` (how early a pension claim may be filed) and
``unemployment.separation.involuntary.*`` (which separation reasons are 非因本人意愿中断就业).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shebao.policy.common import InputError
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParameterMissing

# Parameters that set how much is paid, never whether: when the rules refuse an applicant (too few
# contribution months, not yet of retirement age, left the job by choice), a missing or unconfirmed
# value of one of these cannot change the refusal, so it does not hold the refusal for a reviewer.
AMOUNT_ONLY_PARAMETERS = ("pension.annuity_divisor", "pension.annuity_interpolation", "pension.base",
                          "pension.basic.", "pension.account.", "pension.transitional.", "pension.adjustment.",
                          "unemployment.benefit_amount", "unemployment.benefit_rate", "wages.minimum_monthly",
                          "wages.average_annual")
EARLY_FILING = "pension.early_filing_months"
SEPARATION_INVOLUNTARY = "unemployment.separation.involuntary"
SOURCE_LABELS = {"official": "官方文本", "agency": "本机构采用或设定", "secondary": "二手来源", "derived": "推算"}


@dataclass(frozen=True, slots=True)
class PensionClaim:
    """What a pension decision needs: the applicant's record, the claim's facts, the contribution summary.

    Attributes:
        region: the applicant's region code.
        birth_date: date of birth.
        original_retirement_age: the retirement age before the 2025 reform (50, 55 or 60).
        filed_on: the day the claim was received.
        contribution_months: months of pension contributions (including deemed months).
        deemed_months: months deemed as contributed before personal accounts (视同缴费).
        avg_index: the average contribution index (None when no month is indexed).
        account_balance: the personal account balance, a 2-decimal string.
        retirement_date: a retirement month the applicant states (YYYY-MM), else computed.
        early_months / late_months: the months of flexible early or late retirement asked for.
        index_months_missing: months left out of the average index for want of a published wage.
        missing_index_years: the years of those months.
    """

    region: str
    birth_date: dt.date
    original_retirement_age: int
    filed_on: dt.date
    contribution_months: int
    deemed_months: int
    avg_index: Decimal | float | None
    account_balance: str
    retirement_date: str | None = None
    early_months: int = 0
    late_months: int = 0
    index_months_missing: int = 0
    missing_index_years: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class UnemploymentClaim:
    """What an unemployment-benefit decision needs.

    Attributes:
        separation_reason: ``dismissed``, ``contract_expired``, ``mutual``, ``resigned`` or another code
            (another code is decided as involuntary and sent to a reviewer).
        unemployment_periods_after_separation: months (YYYY-MM) after the separation month with an
            employer's unemployment contribution (a sign of re-employment).
        receiving_pension: the applicant already draws a pension.
    """

    region: str
    birth_date: dt.date
    original_retirement_age: int
    filed_on: dt.date
    contribution_months: int
    separation_date: dt.date
    separation_reason: str
    seeking_work: bool = True
    receiving_pension: bool = False
    unemployment_periods_after_separation: tuple[str, ...] = field(default=())


def _money(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text)).quantize(Decimal("0.01"))


def _ym_first(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:7] + "-01")


def _undecided(text: str) -> dict:
    return {"decidable": False, "eligible": False, "complete": False, "monthly_amount": None, "reasons": [],
            "review_reasons": [{"code": "rule_undecided", "text": text, "reference": ""}], "inputs": None,
            "result": None}


def _amount_only(names: list[str]) -> bool:
    return bool(names) and all(str(n).startswith(AMOUNT_ONLY_PARAMETERS) for n in names)


def _drop_amount_doubts(review: list[dict]) -> list[dict]:
    """The review reasons that still matter once the rules have refused the applicant."""
    return [r for r in review if not (
        r.get("code") in ("parameter_missing", "parameter_source")
        and _amount_only([n for n in (r.get("reference") or "").split("、") if n]))]


def source_review(result: dict, auto_decide: Iterable[str]) -> list[dict]:
    """A review reason naming each parameter whose source level may not decide a case alone.

    Each value carries a source level (``official``, ``secondary``, ``derived``; ``agency`` once the
    agency adopted or set it); ``auto_decide`` (``SHEBAO_AUTO_DECIDE_SOURCES``) says which levels may
    decide without a person. A result computed from several values rests on each of them.
    """
    allowed = frozenset(auto_decide)
    sources = result.get("parameter_sources") or {}
    outside = sorted(n for n, level in sources.items() if level not in allowed)
    if not outside:
        return []
    named = "、".join(f"{n}（{SOURCE_LABELS.get(sources[n], sources[n])}）" for n in outside)
    return [{"code": "parameter_source",
             "text": f"所用参数的来源级别不在本机构允许自动决定的范围（{'、'.join(SOURCE_LABELS.get(a, a) for a in sorted(allowed))}）：{named}；"
                     f"由本机构采用（shebao params adopt）或设定后可自动决定",
             "reference": "、".join(outside)}]


def early_filing_months(on: dt.date, region: str | None = None, params: ParameterSet | None = None) -> int:
    """How many months before the retirement month a pension claim may be filed."""
    return int((params or default_parameters()).get(EARLY_FILING, on, region).value)


def separation_involuntary(reason: str, on: dt.date, region: str | None = None,
                           params: ParameterSet | None = None) -> bool | None:
    """Whether a separation reason counts as 非因本人意愿中断就业 (失业保险条例 第十四条第二项).

    Returns None for a reason the tree does not name (a person must decide).
    """
    params = params or default_parameters()
    name = f"{SEPARATION_INVOLUNTARY}.{reason}"
    if not reason or name not in params:
        return None
    return bool(params.get(name, on, region).value)


def pension_claim_decision(claim: PensionClaim, params: ParameterSet | None = None, *,
                           auto_decide: Iterable[str] = ("official", "agency")) -> dict:
    """Eligibility and amount of a pension claim (retirement date, then pension, then filing time)."""
    from shebao.policy.pension import calc_pension
    from shebao.policy.retirement import calc_retirement

    params = params or default_parameters()
    on = claim.filed_on
    review: list[dict] = []
    base = {"region": claim.region, "birth_date": claim.birth_date.isoformat()[:7],
            "original_retirement_age": claim.original_retirement_age}
    try:
        if claim.retirement_date:
            retirement = claim.retirement_date
            ret = None
        else:
            ret = calc_retirement({**base, "early_months": claim.early_months or 0,
                                   "late_months": claim.late_months or 0,
                                   "contribution_months": claim.contribution_months}, params)
            retirement = ret["retirement_date"]
    except (InputError, ParameterMissing) as exc:
        return _undecided(f"退休日期无法计算：{exc}")
    if ret is not None and not ret["eligible"]:
        return {"decidable": True, "eligible": False, "complete": True, "monthly_amount": None,
                "reasons": ret["reasons"], "review_reasons": [], "inputs": base, "result": dict(ret)}
    inputs = {**base, "retirement_date": retirement, "assessed_on": on.isoformat(),
              "avg_contribution_index": f"{claim.avg_index or 0:.4f}", "contribution_months": claim.contribution_months,
              "pre_account_months": min(claim.deemed_months, claim.contribution_months),
              "account_balance": claim.account_balance}
    try:
        result = calc_pension(inputs, params)
        early = early_filing_months(on, claim.region, params)
    except (InputError, ParameterMissing) as exc:
        return _undecided(f"养老金无法计算：{exc}")
    reasons = list(result["reasons"])
    ret_month = _ym_first(result["retirement_date"])
    months_ahead = (ret_month.year - on.year) * 12 + ret_month.month - on.month
    eligible = bool(result["eligible"])
    if months_ahead > early:
        eligible = False
        reasons.append({"code": "not_yet_retirement", "text": f"退休月份为 {result['retirement_date']}，"
                        f"最早可在退休前 {early} 个月申领", "reference": "中华人民共和国社会保险法 第十六条"})
    missing = [r for r in reasons if r.get("code") == "parameter_missing"]
    if result["total"] is None or missing:
        review.extend(missing or [{"code": "parameter_missing", "text": "计算所需参数缺失", "reference": ""}])
    review.extend(source_review(result, auto_decide))
    reasons = [r for r in reasons if r.get("code") != "parameter_unconfirmed"]
    if not eligible and all(_amount_only([r.get("reference") or ""]) for r in missing):
        review = _drop_amount_doubts(review)
        missing = []
    provisional = bool(result.get("provisional"))
    if claim.index_months_missing:
        provisional = True
        reasons.append({"code": "index_provisional",
                        "text": f"{'、'.join(str(y) for y in claim.missing_index_years)}年的缴费指数所需上年平均工资尚未收录，"
                                f"{claim.index_months_missing} 个月暂不计入平均缴费指数，公布后重算",
                        "reference": "国发〔2005〕38号 五"})
    decidable = (result["total"] is not None or not eligible) and not missing
    return {
        "decidable": decidable, "eligible": eligible and decidable, "complete": True,
        "monthly_amount": _money(result["total"]) if eligible and decidable else None,
        "start_date": _ym_first(result["pension_start"]), "provisional": provisional,
        "reasons": [r for r in reasons if r.get("code") != "parameter_missing"], "review_reasons": review,
        "inputs": inputs, "result": dict(result),
    }


def unemployment_claim_decision(claim: UnemploymentClaim, params: ParameterSet | None = None, *,
                                auto_decide: Iterable[str] = ("official", "agency")) -> dict:
    """Eligibility, duration and amount of an unemployment-benefit claim."""
    from shebao.policy.unemployment import calc_unemployment

    params = params or default_parameters()
    on = claim.filed_on
    separation = claim.separation_date
    review: list[dict] = []
    if separation > on:
        return {"decidable": True, "eligible": False, "complete": True, "monthly_amount": None,
                "reasons": [{"code": "separation_in_future", "text": f"离职日期 {separation} 晚于申领日期",
                             "reference": "失业保险条例 第十四条"}], "review_reasons": [], "inputs": None, "result": None}
    try:
        involuntary = separation_involuntary(claim.separation_reason, separation, claim.region, params)
    except ParameterMissing as exc:
        return _undecided(f"离职原因无法认定：{exc}")
    if involuntary is None:
        review.append({"code": "separation_reason_unclear", "text": "离职原因为“其他”，是否属于非因本人意愿中断就业需人工认定",
                       "reference": "失业保险条例 第十四条；失业保险金申领发放办法 第四条"})
        involuntary = True
    later = sorted(set(claim.unemployment_periods_after_separation))
    if later:
        review.append({"code": "contributions_after_separation",
                       "text": f"离职后仍有单位缴费记录（{later[0]} 起 {len(later)} 个月），需核实是否已再就业",
                       "reference": "失业保险条例 第十五条"})
    inputs = {"region": claim.region, "unemployed_on": on.isoformat(),
              "contribution_months": claim.contribution_months, "involuntary": involuntary, "registered": True,
              "seeking_work": bool(claim.seeking_work), "receiving_pension": claim.receiving_pension,
              # 延迟退休办法 第七条: near the statutory retirement age the benefit runs until that age
              "birth_date": claim.birth_date.isoformat(), "original_retirement_age": claim.original_retirement_age}
    try:
        result = calc_unemployment(inputs, params)
    except (InputError, ParameterMissing) as exc:
        return _undecided(f"失业保险金无法计算：{exc}")
    missing = [r for r in result["reasons"] if r.get("code") == "parameter_missing"]
    if missing:
        review.extend(missing)
    review.extend(source_review(result, auto_decide))
    eligible = bool(result["eligible"])
    if not eligible:
        review = _drop_amount_doubts(review)
    decidable = not missing or not eligible
    amount = _money(result["monthly_amount"]) if eligible and result["monthly_amount"] is not None else None
    return {
        "decidable": decidable, "eligible": eligible, "complete": True, "monthly_amount": amount,
        "total_amount": _money(result["total"]) if eligible and result["total"] is not None else None,
        "duration_months": result["duration_months"], "start_date": on, "end_date": result.get("end_date"),
        "paid_until_retirement": bool(result.get("paid_until_retirement")),
        "reasons": [r for r in result["reasons"] if r.get("code") != "parameter_missing"],
        "review_reasons": review, "inputs": inputs, "result": dict(result),
    }


__all__ = [
    "AMOUNT_ONLY_PARAMETERS",
    "PensionClaim",
    "UnemploymentClaim",
    "early_filing_months",
    "pension_claim_decision",
    "separation_involuntary",
    "source_review",
    "unemployment_claim_decision",
]
