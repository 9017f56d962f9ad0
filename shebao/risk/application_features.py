"""Features of a benefit application, from plain values (no database, no web).

The same function serves training (rows read from a synthetic exchange folder) and live scoring
(rows the pipeline read from the registry), so the model sees features computed one way only.
:func:`summarise_history` also gives the pipeline its auto-filled contribution figures (months,
average contribution index), so that the decision and the risk model read the history alike.

Contribution index of a month in the monthly detail = base ÷ the previous year's average monthly
wage (:func:`shebao.policy.contribution.contribution_index_micro`); deemed months count at index
1.0 and yearly summaries at the index the agency recorded. Months in a year whose bounding average
wage the parameter tree does not hold yet are counted for the period but left out of the index
(reported as ``index_months_missing``; the decision is then provisional), never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from shebao.policy.contribution import previous_avg_monthly_fen
from shebao.policy.tree import ParameterMissing

# name → what it measures (shown beside the top factors of a scored application)
FEATURES: dict[str, str] = {
    "kind_pension": "申领养老金（否则为失业保险金）",
    "age_years": "申领时年龄",
    "contribution_months": "累计缴费月数（含视同）",
    "deemed_share": "视同缴费月数占比",
    "avg_index": "平均缴费指数",
    "recent_index": "近36个月平均缴费指数",
    "index_jump": "近期缴费指数与历史指数之比",
    "recent_ceiling_months": "近36个月按封顶基数缴费的月数",
    "recent_flexible_share": "近36个月无单位（灵活就业）缴费占比",
    "late_paid_months": "近24个月内补缴（缴费日晚于所属期90天以上）的月数",
    "max_months_one_day": "同一天缴纳的最多月数",
    "recent_gap_months": "近36个月中断缴费月数",
    "balance_per_month": "个人账户余额/缴费月数（元）",
    "n_person_records": "同一身份证号的人员档案数",
    "in_death_registry": "死亡登记中有记录",
    "in_custody": "正在服刑（收监执行）",
    "bank_shared_recipients": "收款账户被其他领取人使用的人数",
    "other_active_benefits": "已有的按月待遇项数",
}

PROVINCE = "370000"
CEILING_INDEX = 2.95  # the base cap is 300% of the average: ≥ 2.95 means "at the ceiling"
LATE_DAYS = 90


@dataclass
class ApplicantHistory:
    """What the registry holds about one applicant, as plain values."""

    birth_date: dt.date
    deemed_months: int = 0
    # (period 'YYYY-MM', insurance, employer_id or '', base in fen, paid_date or None)
    contributions: list[tuple[str, str, str, int, dt.date | None]] = field(default_factory=list)
    # (year, insurance, months, avg_index as float)
    years: list[tuple[int, str, int, float]] = field(default_factory=list)
    account_balance_fen: int = 0
    n_person_records: int = 1
    in_death_registry: bool = False
    in_custody: bool = False
    bank_shared_recipients: int = 0
    other_active_benefits: int = 0


@lru_cache(maxsize=256)
def _avg_monthly_fen(year: int, region: str) -> int | None:
    try:
        return previous_avg_monthly_fen(year, region)
    except ParameterMissing:
        return None


def _ym(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def summarise_history(h: ApplicantHistory, insurance: str, on: dt.date, region: str = PROVINCE) -> dict:
    """Contribution months, average index and the years behind them, for one insurance, up to ``on``.

    Returns a JSON-ready dict: ``contribution_months`` (deemed included for pension),
    ``paid_months`` (monthly detail + yearly summaries), ``deemed_months``, ``avg_index`` (float or
    None), ``index_months_missing``, ``missing_index_years``, ``last_period``, ``first_detail_period``.
    """
    on_ym = on.year * 12 + on.month - 1
    detail: dict[int, int] = {}  # month → summed base (several employers in one month add up)
    for period, ins, _emp, base_fen, _paid in h.contributions:
        if ins != insurance:
            continue
        m = _ym(period)
        if m > on_ym:
            continue
        detail[m] = detail.get(m, 0) + int(base_fen)
    detail_years = {m // 12 for m in detail}
    deemed = int(h.deemed_months) if insurance == "pension" else 0
    index_sum = float(deemed)
    index_months = deemed
    yearly_months = 0
    for year, ins, months, avg_index in h.years:
        if ins != insurance or year > on.year:
            continue
        yearly_months += int(months)
        if avg_index is not None:
            index_sum += int(months) * float(avg_index)
            index_months += int(months)
    missing_years: set[int] = set()
    missing = 0
    for m, base in detail.items():
        avg = _avg_monthly_fen(m // 12, region)
        if avg is None:
            missing_years.add(m // 12)
            missing += 1
            continue
        index_sum += base / avg
        index_months += 1
    paid = len(detail) + yearly_months
    return {
        "insurance": insurance,
        "contribution_months": paid + deemed,
        "paid_months": paid,
        "detail_months": len(detail),
        "yearly_months": yearly_months,
        "deemed_months": deemed,
        "avg_index": round(index_sum / index_months, 4) if index_months else None,
        "index_months_missing": missing,
        "missing_index_years": sorted(missing_years),
        "detail_years": sorted(detail_years),
        "last_period": (f"{max(detail) // 12:04d}-{max(detail) % 12 + 1:02d}" if detail else None),
    }


def application_features(kind: str, h: ApplicantHistory, on: dt.date) -> dict[str, float]:
    """The model's features for an application of ``kind`` filed on ``on`` (keys: :data:`FEATURES`)."""
    on_ym = on.year * 12 + on.month - 1
    summary = summarise_history(h, "pension", on)
    recent_from = on_ym - 36
    late_from = on - dt.timedelta(days=730)
    recent_idx: list[float] = []
    ceiling = flexible = 0
    recent_months: set[int] = set()
    late = 0
    per_day: dict[dt.date, int] = {}
    for period, ins, emp, base_fen, paid in h.contributions:
        if ins != "pension":
            continue
        m = _ym(period)
        if m > on_ym:
            continue
        if paid is not None:
            per_day[paid] = per_day.get(paid, 0) + 1
            after = dt.date((m + 1) // 12, (m + 1) % 12 + 1, 1)  # first day after the period
            if paid >= late_from and (paid - after).days > LATE_DAYS:
                late += 1
        if m >= recent_from:
            recent_months.add(m)
            avg = _avg_monthly_fen(m // 12, PROVINCE)
            if avg:
                idx = base_fen / avg
                recent_idx.append(idx)
                ceiling += idx >= CEILING_INDEX
            if not emp:
                flexible += 1
    recent = sum(recent_idx) / len(recent_idx) if recent_idx else 0.0
    history_idx = [float(i) for y, ins, mo, i in h.years if ins == "pension" and mo and i is not None]
    hist = sum(history_idx) / len(history_idx) if history_idx else (recent or 1.0)
    months = summary["contribution_months"]
    age = (on - h.birth_date).days / 365.25
    return {
        "kind_pension": 1.0 if kind == "pension" else 0.0,
        "age_years": round(age, 2),
        "contribution_months": float(months),
        "deemed_share": (h.deemed_months / months) if months else 0.0,
        "avg_index": float(summary["avg_index"] or 0.0),
        "recent_index": recent,
        "index_jump": (recent / hist) if hist else 0.0,
        "recent_ceiling_months": float(ceiling),
        "recent_flexible_share": (flexible / len(recent_months)) if recent_months else 0.0,
        "late_paid_months": float(late),
        "max_months_one_day": float(max(per_day.values()) if per_day else 0),
        "recent_gap_months": float(max(0, min(36, on_ym - recent_from) - len(recent_months))),
        "balance_per_month": (h.account_balance_fen / 100 / months) if months else 0.0,
        "n_person_records": float(h.n_person_records),
        "in_death_registry": 1.0 if h.in_death_registry else 0.0,
        "in_custody": 1.0 if h.in_custody else 0.0,
        "bank_shared_recipients": float(h.bank_shared_recipients),
        "other_active_benefits": float(h.other_active_benefits),
    }
