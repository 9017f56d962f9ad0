"""Unemployment benefit: eligibility, duration and amount (失业保险条例 14、17、18; 社会保险法 45–47)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.policy.common import (
    Trace,
    fen_str,
    missing_reason,
    parse_bool,
    parse_date,
    parse_int,
    present,
    reason,
)
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParameterMissing

REF_14 = "失业保险条例 第十四条；社会保险法 第四十五条"
REF_17 = "失业保险条例 第十七条；社会保险法 第四十六条"
REF_18 = "失业保险条例 第十八条；社会保险法 第四十七条"
REF_15 = "失业保险条例 第十五条"


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


def calc_unemployment(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Unemployment benefit for one person.

    Args:
        inputs: ``region``, ``unemployed_on`` (date of registration; default today),
            ``contribution_months``, ``involuntary``, ``registered``, ``seeking_work`` (default true),
            optional ``receiving_pension``, ``previous_unused_months``.

    Returns:
        ``eligible``, ``duration_months``, ``monthly_amount`` and ``total`` (``None`` with a
        ``parameter_missing`` reason where the region's amount is not known), ``reasons``, ``trace``.
    """
    params = params or default_parameters()
    trace = Trace()
    region = str(inputs.get("region") or "370000")
    on = parse_date(inputs["unemployed_on"], "unemployed_on") if present(inputs, "unemployed_on") else dt.date.today()
    months = parse_int(inputs.get("contribution_months"), "contribution_months")
    eligible, reasons = unemployment_eligibility(
        contribution_months=months,
        involuntary=parse_bool(inputs.get("involuntary", False), "involuntary"),
        registered=parse_bool(inputs.get("registered", False), "registered"),
        seeking_work=parse_bool(inputs.get("seeking_work", True), "seeking_work"),
        receiving_pension=parse_bool(inputs.get("receiving_pension", False), "receiving_pension"),
        on=on,
        region=region,
        params=params,
        trace=trace,
    )
    previous = parse_int(inputs.get("previous_unused_months") or 0, "previous_unused_months")
    duration = unemployment_duration_months(months, previous, on=on, region=region, params=params, trace=trace)
    amount = total = None
    try:
        pv = trace.use(params.get("unemployment.benefit_amount", on, region))
        amount_fen = int(pv.value * 100)
        amount, total = fen_str(amount_fen), fen_str(amount_fen * duration if eligible else 0)
    except ParameterMissing as exc:
        # eligibility and duration stand; only the amount is unknown — said, never guessed
        reasons.append(missing_reason(exc))
    return {
        "region": region,
        "eligible": eligible,
        "amount_known": amount is not None,
        "duration_months": duration if eligible else 0,
        "monthly_amount": amount,
        "total": total,
        "reasons": reasons,
        "unconfirmed_parameters": trace.unconfirmed(),
        "trace": trace.to_dict(),
    }
