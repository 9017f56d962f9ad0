"""Unemployment benefit: eligibility, duration and amount (失业保险条例 14、17、18; 社会保险法 45–47)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.core.settings import local_today
from shebao.policy.common import (
    InputError,
    Trace,
    fen_str,
    missing_reason,
    parse_bool,
    parse_date,
    parse_int,
    present,
    ratio,
    rdiv,
    reason,
    ym,
    ym_date,
    ym_str,
)
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParameterMissing

REF_14 = "失业保险条例 第十四条；社会保险法 第四十五条"
REF_17 = "失业保险条例 第十七条；社会保险法 第四十六条"
REF_18 = "失业保险条例 第十八条；社会保险法 第四十七条"
REF_15 = "失业保险条例 第十五条"
REF_DELAY_7 = "国务院关于渐进式延迟法定退休年龄的办法 第七条"
DELAY_RULE_FROM = dt.date(2025, 1, 1)  # the 办法 applies from 2025-01-01
SEX_ORIGINAL_AGE = {"M": 60, "MALE": 60, "男": 60, "F": 50, "FEMALE": 50, "女": 50}


def unemployment_eligibility(
    *,
    contribution_months: int,
    involuntary: bool,
    registered: bool,
    seeking_work: bool,
    receiving_pension: bool = False,
    on: dt.date,
    region: str = "370000",
    params: ParameterSet | None = None,
    trace: Trace | None = None,
) -> tuple[bool, list[dict[str, str]]]:
    """The three conditions of 第十四条 (and 第十五条 第四项: not while drawing a pension)."""
    params = params or default_parameters()
    pv = params.get("unemployment.min_contribution_months", on, region)
    if trace is not None:
        trace.use(pv)
    reasons = []
    if contribution_months < pv.value:
        reasons.append(
            reason("contribution_too_short", f"失业前缴费 {contribution_months} 个月，不满 {pv.value} 个月", REF_14)
        )
    if not involuntary:
        reasons.append(reason("voluntary_leave", "非因本人意愿中断就业的才能领取失业保险金", REF_14))
    if not registered:
        reasons.append(reason("not_registered", "须已办理失业登记并有求职要求", REF_14))
    elif not seeking_work:
        reasons.append(reason("not_seeking_work", "须有求职要求", REF_14))
    if receiving_pension:
        reasons.append(reason("receiving_pension", "享受基本养老保险待遇的，停止领取失业保险金", REF_15))
    return not reasons, reasons


def unemployment_duration_months(
    contribution_months: int,
    previous_unused_months: int = 0,
    *,
    on: dt.date,
    region: str = "370000",
    params: ParameterSet | None = None,
    trace: Trace | None = None,
) -> int:
    """Longest entitlement (第十七条): 12 / 18 / 24 months by contribution, combined with earlier unused ≤ 24."""
    params = params or default_parameters()
    table = params.get("unemployment.duration_months", on, region)
    cap = params.get("unemployment.max_combined_months", on, region)
    if trace is not None:
        trace.use(table)
        trace.use(cap)
    months = 0
    for threshold, duration in table.value.items():  # sorted by threshold
        if contribution_months >= threshold:
            months = duration
    total = min(months + max(0, previous_unused_months), cap.value) if months or previous_unused_months else 0
    if trace is not None:
        trace.step(
            "unemployment_duration",
            "按累计缴费时间确定最长领取期限，与前次应领未领期限合并，最长不超过上限",
            {"contribution_months": contribution_months, "previous_unused_months": previous_unused_months},
            total,
            REF_17,
        )
    return total


def unemployment_amount_fen(
    on: dt.date, region: str, params: ParameterSet, trace: Trace | None = None
) -> int:
    """The monthly unemployment benefit in fen (失业保险条例 第十八条).

    A fixed amount the agency set (``unemployment.benefit_amount``) wins; otherwise the amount is
    ``unemployment.benefit_rate`` × the local monthly minimum wage (``wages.minimum_monthly``) in
    force on ``on``, rounded half-up to the fen: it follows every minimum-wage change by itself
    (Shandong: 90%, 鲁人社字〔2020〕14号).

    Raises:
        ParameterMissing: neither a fixed amount nor both the rate and the minimum wage are known.
    """
    trace = trace if trace is not None else Trace()
    try:
        fixed = trace.use(params.get("unemployment.benefit_amount", on, region))
    except ParameterMissing:
        fixed = None
    if fixed is not None:
        fen = int(fixed.value * 100)
        trace.step("unemployment_amount", "失业保险金标准 = 本地区设定的固定金额", {}, fen_str(fen),
                   f"{REF_18}；{fixed.reference_text()}")
        return fen
    rate = trace.use(params.get("unemployment.benefit_rate", on, region))
    wage = trace.use(params.get("wages.minimum_monthly", on, region))
    wage_fen = int(wage.value * 100)
    num, den = ratio(rate.value)
    fen = rdiv(wage_fen * num, den)
    trace.step(
        "unemployment_amount",
        "失业保险金标准 = 当地月最低工资标准 × 比例（四舍五入到分）；最低工资标准调整时同步调整",
        {"minimum_wage": fen_str(wage_fen), "minimum_wage_from": wage.effective_date.isoformat(),
         "rate": str(rate.value)},
        fen_str(fen),
        f"{REF_18}；{rate.reference_text()}；{wage.reference_text()}",
    )
    if fen >= wage_fen:
        raise InputError(f"失业保险金标准 {fen_str(fen)} 元不低于当地最低工资标准 {fen_str(wage_fen)} 元，"
                         f"不符合失业保险条例第十八条，请检查 unemployment.benefit_rate")
    trace.step("unemployment_amount_bounds", "失业保险金标准应低于当地最低工资标准、高于城市居民最低生活保障标准",
               {"minimum_wage": fen_str(wage_fen)}, "低于最低工资标准（低保标准未收录，未比较）", REF_18)
    return fen


def _retirement_extension(inputs: dict[str, Any], first_ym: int, last_ym: int, params: ParameterSet,
                          trace: Trace) -> int | None:
    """第七条 (from 2025): the last month of receipt extended to the statutory retirement month, when at
    any month of receipt the person is less than a year from the statutory retirement age."""
    from shebao.policy.retirement import statutory_retirement

    if not present(inputs, "birth_date"):
        return None
    birth = parse_date(inputs["birth_date"], "birth_date")
    if present(inputs, "original_retirement_age"):
        original = inputs["original_retirement_age"]
    elif present(inputs, "sex"):
        original = SEX_ORIGINAL_AGE.get(str(inputs["sex"]).strip().upper())
        if original is None:
            raise InputError(f"sex 应为 M 或 F：{inputs['sex']!r}")
    else:
        return None
    st = statutory_retirement(birth, original, params, trace)
    ret_ym = st.retirement_ym
    # months of receipt from 2025-01 on that lie within the year before the statutory retirement month
    first_close = max(first_ym, ret_ym - 11, ym(DELAY_RULE_FROM))
    applies = first_close <= last_ym < ret_ym
    trace.step(
        "unemployment_until_retirement",
        "领取失业保险金期间任一月距法定退休年龄不足一年的，领取期限延长至法定退休年龄（2025年起），其间由失业保险基金缴纳养老保险费",
        {"retirement_month": ym_str(ret_ym), "receipt": f"{ym_str(first_ym)}—{ym_str(last_ym)}"},
        "适用" if applies else "不适用",
        REF_DELAY_7,
    )
    return ret_ym if applies else None


def calc_unemployment(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Unemployment benefit for one person.

    Args:
        inputs: ``region``, ``date`` (or ``unemployed_on``: date of registration; default today),
            ``contribution_months``, ``previous_unclaimed_months`` (or ``previous_unused_months``),
            ``involuntary``, ``registered`` (both default true: the calculator estimates for a
            claimant who meets them), ``seeking_work`` (default true), optional ``receiving_pension``,
            and ``birth_date`` with ``sex`` (M/F) or ``original_retirement_age`` for the 2025 rule
            that pays until the statutory retirement age.

    Returns:
        ``eligible``, ``monthly_amount`` (string, yuan), ``duration_months``, ``start_date``,
        ``end_date``, ``total`` (``None`` with a ``parameter_missing`` reason where the region's
        amount is not known), ``pension_contributions_paid_by_fund``, ``source_level``,
        ``reasons``, ``trace``.
    """
    params = params or default_parameters()
    trace = Trace()
    region = str(inputs.get("region") or "370000")
    when = inputs.get("date") if present(inputs, "date") else inputs.get("unemployed_on")
    on = parse_date(when, "date") if when not in (None, "") else local_today()
    months = parse_int(inputs.get("contribution_months"), "contribution_months")
    eligible, reasons = unemployment_eligibility(
        contribution_months=months,
        involuntary=parse_bool(inputs.get("involuntary", True), "involuntary"),
        registered=parse_bool(inputs.get("registered", True), "registered"),
        seeking_work=parse_bool(inputs.get("seeking_work", True), "seeking_work"),
        receiving_pension=parse_bool(inputs.get("receiving_pension", False), "receiving_pension"),
        on=on,
        region=region,
        params=params,
        trace=trace,
    )
    prev_key = "previous_unclaimed_months" if present(inputs, "previous_unclaimed_months") else "previous_unused_months"
    previous = parse_int(inputs.get(prev_key) or 0, prev_key)
    duration = unemployment_duration_months(months, previous, on=on, region=region, params=params, trace=trace)
    duration = duration if eligible else 0
    end_date = None
    until_retirement = False
    if duration:
        first_ym = ym(on)
        last_ym = first_ym + duration - 1
        extended = _retirement_extension(inputs, first_ym, last_ym, params, trace)
        if extended is not None:
            last_ym, until_retirement = extended, True
            duration = last_ym - first_ym + 1
        end_date = (ym_date(last_ym + 1) - dt.timedelta(days=1)).isoformat()
    amount = total = None
    try:
        amount_fen = unemployment_amount_fen(on, region, params, trace)
        amount, total = fen_str(amount_fen), fen_str(amount_fen * duration)
    except ParameterMissing as exc:
        # eligibility and duration stand; only the amount is unknown — said, never guessed
        reasons.append(missing_reason(exc))
    return {
        "region": region,
        "date": on.isoformat(),
        "eligible": eligible,
        "amount_known": amount is not None,
        "duration_months": duration,
        "start_date": on.isoformat() if duration else None,
        "end_date": end_date,
        "monthly_amount": amount,
        "total": total,
        "paid_until_retirement": until_retirement,
        "pension_contributions_paid_by_fund": until_retirement,
        "reasons": reasons,
        "unconfirmed_parameters": trace.unconfirmed(),
        "parameter_sources": trace.sources(),
        "source_level": trace.source_level(),
        "trace": trace.to_dict(),
    }
