"""Statutory retirement age, flexible retirement and the minimum contribution period.

国务院关于渐进式延迟法定退休年龄的办法 第一条（延迟）、第二条（最低缴费年限）、第三条（弹性退休）.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shebao.policy.common import (
    InputError,
    Trace,
    parse_int,
    parse_month,
    present,
    reason,
    ym,
    ym_date,
    ym_str,
)
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParameterMissing

GROUPS = {60: "male_60", 55: "female_55", 50: "female_50"}
REF_DELAY = "国务院关于渐进式延迟法定退休年龄的办法 第一条"
REF_MIN = "国务院关于渐进式延迟法定退休年龄的办法 第二条"
REF_FLEX = "国务院关于渐进式延迟法定退休年龄的办法 第三条"


def group_of(original_age: Any) -> str:
    try:
        age = int(str(original_age).strip())
    except ValueError:
        age = -1
    if age not in GROUPS:
        raise InputError(f"原法定退休年龄应为 60、55 或 50 岁，您填写的是“{original_age}”", "original_retirement_age")
    return GROUPS[age]


@dataclass(frozen=True, slots=True)
class Statutory:
    """The statutory retirement of one person."""

    birth_ym: int
    original_age_months: int
    delay_months: int
    age_months: int
    retirement_ym: int  # the month in which the statutory age is reached

    @property
    def original_ym(self) -> int:
        return self.birth_ym + self.original_age_months


def delay_months(birth_ym: int, first_cohort_ym: int, step: int, max_delay: int) -> int:
    """Months of delay for a birth cohort: +1 per ``step`` months from the first cohort, capped (第一条)."""
    if max_delay <= 0 or birth_ym < first_cohort_ym:
        return 0
    return min((birth_ym - first_cohort_ym) // step + 1, max_delay)


def statutory_retirement(
    birth: dt.date, original_age: Any, params: ParameterSet, trace: Trace | None = None
) -> Statutory:
    """Statutory retirement age and month (第一条); the month the age is reached is the retirement month."""
    birth_ym = ym(birth)
    key = ("statutory", birth_ym, original_age)
    hit = params.memo.get(key)
    if hit is None:
        hit = _statutory(birth_ym, original_age, params)
        if len(params.memo) > 100_000:
            params.memo.clear()
        params.memo[key] = hit
    st, used, step = hit
    if trace is not None:
        for pv in used:
            trace.use(pv)
        trace.steps.append(dict(step))
    return st


def _statutory(birth_ym: int, original_age: Any, params: ParameterSet) -> tuple[Statutory, list, dict]:
    group = group_of(original_age)
    # the original age is looked up on the birth cohort's original retirement month
    probe = ym_date(birth_ym + int(original_age) * 12)
    orig = params.get(f"retirement.{group}.original_age_months", probe)
    maxd = params.get(f"retirement.{group}.max_delay_months", probe)
    used = [orig, maxd]
    delay = 0
    if maxd.value > 0:
        first = params.get(f"retirement.{group}.first_cohort", probe)
        step = params.get(f"retirement.{group}.cohort_step_months", probe)
        delay = delay_months(birth_ym, ym(first.value), step.value, maxd.value)
        used += [first, step]
    age = orig.value + delay
    st = Statutory(birth_ym, orig.value, delay, age, birth_ym + age)
    step_entry = {
        "step": "statutory_retirement",
        "formula": "法定退休年龄 = 原法定退休年龄 + 按出生月份延迟的月数；达到法定退休年龄的当月为退休月份",
        "inputs": {"birth_month": ym_str(birth_ym), "original_age_months": orig.value, "delay_months": delay},
        "result": {"age_months": age, "retirement_date": ym_str(st.retirement_ym)},
        "reference": REF_DELAY,
    }
    return st, used, step_entry


def min_contribution_months(statutory_ym: int, params: ParameterSet, trace: Trace | None = None) -> int:
    """Minimum contribution period by the year the statutory age is reached (第二条)."""
    pv = params.get("pension.min_contribution_months", ym_date(statutory_ym))
    if trace is not None:
        trace.use(pv)
    return pv.value


def flexible_window(
    st: Statutory, params: ParameterSet, trace: Trace | None = None
) -> tuple[int, int, list[dict[str, str]]]:
    """Earliest and latest retirement months (第三条): early ≤ 3 years but never below the original age."""
    notes: list[dict[str, str]] = []
    on = ym_date(st.retirement_ym)
    try:
        max_early = params.get("retirement.flexible.max_early_months", on)
        max_late = params.get("retirement.flexible.max_late_months", on)
    except ParameterMissing:
        notes.append(reason("flexible_not_available", "该退休月份不适用弹性退休（办法自2025年1月1日起施行）", REF_FLEX))
        return st.retirement_ym, st.retirement_ym, notes
    if trace is not None:
        trace.use(max_early)
        trace.use(max_late)
    early = min(max_early.value, st.delay_months)
    return st.retirement_ym - early, st.retirement_ym + max_late.value, notes


def calc_retirement(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Retirement date calculator (``shebao calc retirement``).

    Args:
        inputs: ``birth_date``, ``original_retirement_age`` (60/55/50), optional ``early_months``,
            ``late_months`` and ``contribution_months`` (to check the early-retirement condition).

    Returns:
        ``retirement_date`` (YYYY-MM), ``retirement_age_months``, ``min_contribution_months``,
        ``earliest_flexible_date``, ``latest_flexible_date``, ``statutory_retirement_date``,
        ``pension_start``, ``eligible``, ``reasons``, ``trace``.
    """
    params = params or default_parameters()
    trace = Trace()
    reasons: list[dict[str, str]] = []
    birth = parse_month(inputs.get("birth_date"), "birth_date")
    st = statutory_retirement(birth, inputs.get("original_retirement_age"), params, trace)
    early = parse_int(inputs.get("early_months") or 0, "early_months")
    late = parse_int(inputs.get("late_months") or 0, "late_months")
    if early and late:
        raise InputError("提前退休月数与延迟退休月数只能填写一项", "late_months")
    min_months = min_contribution_months(st.retirement_ym, params, trace)
    earliest, latest, notes = flexible_window(st, params, trace)
    reasons.extend(notes)
    eligible = True
    chosen = st.retirement_ym - early + late
    if chosen < earliest:
        eligible = False
        reasons.append(
            reason(
                "early_retirement_too_early",
                f"弹性提前退休最早为 {ym_str(earliest)}（最多提前3年，且不得低于原法定退休年龄）",
                REF_FLEX,
            )
        )
    if chosen > latest:
        eligible = False
        reasons.append(reason("late_retirement_too_late", f"弹性延迟退休最晚为 {ym_str(latest)}", REF_FLEX))
    if early and present(inputs, "contribution_months"):
        months = parse_int(inputs["contribution_months"], "contribution_months")
        if months < min_months:
            eligible = False
            reasons.append(
                reason(
                    "min_contribution_not_met",
                    f"弹性提前退休须达到最低缴费年限 {min_months} 个月，现有 {months} 个月",
                    REF_FLEX,
                )
            )
    trace.step(
        "flexible_retirement",
        "退休月份 = 法定退休月份 − 提前月数 + 延迟月数",
        {"statutory": ym_str(st.retirement_ym), "early_months": early, "late_months": late},
        ym_str(chosen),
        REF_FLEX,
    )
    return {
        "retirement_date": ym_str(chosen),
        "retirement_age_months": chosen - st.birth_ym,
        "retirement_age": f"{(chosen - st.birth_ym) // 12}岁{(chosen - st.birth_ym) % 12}个月",
        "statutory_retirement_date": ym_str(st.retirement_ym),
        "statutory_age_months": st.age_months,
        "delay_months": st.delay_months,
        "pension_start": ym_str(chosen + 1),
        "min_contribution_months": min_months,
        "earliest_flexible_date": ym_str(earliest),
        "latest_flexible_date": ym_str(latest),
        "eligible": eligible,
        "reasons": reasons,
        "unconfirmed_parameters": trace.unconfirmed(),
        "trace": trace.to_dict(),
    }
