"""Work-injury benefits (工伤保险条例 第33、35–37、39、64条). Money in integer fen throughout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from shebao.policy.common import (
    InputError,
    Trace,
    fen_str,
    missing_reason,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_fen,
    parse_int,
    present,
    ratio,
    rdiv,
    reason,
)
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParameterMissing

REF_33 = "工伤保险条例 第三十三条"
REF_35 = "工伤保险条例 第三十五条"
REF_36 = "工伤保险条例 第三十六条"
REF_37 = "工伤保险条例 第三十七条"
REF_39 = "工伤保险条例 第三十九条"
REF_64 = "工伤保险条例 第六十四条"


def _rate_fen(amount_fen: int, rate) -> int:
    num, den = ratio(rate)
    return rdiv(amount_fen * num, den)


def regional_avg_monthly_fen(on: dt.date, region: str, params: ParameterSet, trace: Trace | None = None) -> int:
    """统筹地区上年度职工月平均工资 = the previous year's average annual wage / 12, to the fen."""
    pv = params.get("wages.average_annual", dt.date(on.year - 1, 1, 1), region, same_period=True)
    if trace is not None:
        trace.use(pv)
    return rdiv(int(pv.value * 100), 12)


def injury_wage_fen(avg_wage_fen: int, regional_avg_fen: int, *, on: dt.date, region: str = "370000",
                    params: ParameterSet | None = None, trace: Trace | None = None) -> int:
    """本人工资: the 12-month average wage, bounded to 60%–300% of the regional average (第六十四条)."""
    params = params or default_parameters()
    floor = params.get("injury.wage_floor_rate", on, region)
    cap = params.get("injury.wage_cap_rate", on, region)
    lo, hi = _rate_fen(regional_avg_fen, floor.value), _rate_fen(regional_avg_fen, cap.value)
    wage = min(max(avg_wage_fen, lo), hi)
    if trace is not None:
        trace.use(floor)
        trace.use(cap)
        trace.step(
            "injury_wage",
            "本人工资 = 受伤前12个月平均月缴费工资，低于统筹地区职工平均工资60%的按60%，高于300%的按300%",
            {"avg_wage": fen_str(avg_wage_fen), "regional_avg": fen_str(regional_avg_fen)},
            fen_str(wage),
            REF_64,
        )
    return wage


def disability_grant_fen(grade: int, wage_fen: int, *, on: dt.date, region: str = "370000",
                         params: ParameterSet | None = None, trace: Trace | None = None) -> int:
    """一次性伤残补助金: 27/25/23/21/18/16/13/11/9/7 months of 本人工资 for grades 1–10 (第35–37条)."""
    params = params or default_parameters()
    pv = params.get("injury.disability_grant_months", on, region)
    if grade not in pv.value:
        raise InputError(f"伤残等级应为 1–10：{grade}")
    grant = wage_fen * pv.value[grade]
    if trace is not None:
        trace.use(pv)
        trace.step("disability_grant", "一次性伤残补助金 = 本人工资 × 月数（按伤残等级）",
                   {"grade": grade, "wage": fen_str(wage_fen), "months": pv.value[grade]}, fen_str(grant),
                   REF_35 if grade <= 4 else REF_36 if grade <= 6 else REF_37)
    return grant


def disability_allowance(grade: int, wage_fen: int, *, on: dt.date, region: str = "370000",
                         work_arranged: bool = False, minimum_wage_fen: int | None = None,
                         params: ParameterSet | None = None, trace: Trace | None = None) -> dict[str, Any]:
    """伤残津贴: grades 1–4 from the fund (第35条), grades 5–6 from the employer when no suitable work
    is arranged (第36条); topped up to the local minimum wage where that is known."""
    params = params or default_parameters()
    rates = params.get("injury.disability_allowance_rate", on, region)
    fund_max = params.get("injury.fund_allowance_max_grade", on, region)
    notes: list[dict[str, str]] = []
    if trace is not None:
        trace.use(rates)
        trace.use(fund_max)
    if grade not in rates.value:
        return {"amount": 0, "payer": None, "notes": notes}
    if grade > fund_max.value and work_arranged:
        return {"amount": 0, "payer": None, "notes": [reason("work_arranged", "用人单位已安排适当工作，不发伤残津贴", REF_36)]}
    amount = _rate_fen(wage_fen, rates.value[grade])
    payer = "fund" if grade <= fund_max.value else "employer"
    ref = REF_35 if payer == "fund" else REF_36
    if minimum_wage_fen is None:
        try:
            pv = params.get("wages.minimum_monthly", on, region)
            minimum_wage_fen = int(pv.value * 100)
            if trace is not None:
                trace.use(pv)
        except ParameterMissing as exc:
            notes.append(missing_reason(exc))
    top_up = max(0, minimum_wage_fen - amount) if minimum_wage_fen is not None else 0
    if trace is not None:
        trace.step("disability_allowance", "伤残津贴 = 本人工资 × 比例（按伤残等级），低于当地最低工资标准的补足差额",
                   {"grade": grade, "wage": fen_str(wage_fen), "rate": str(rates.value[grade]),
                    "minimum_wage": fen_str(minimum_wage_fen) if minimum_wage_fen is not None else None},
                   {"amount": fen_str(amount + top_up), "payer": payer}, ref)
    return {"amount": amount + top_up, "top_up": top_up, "payer": payer, "notes": notes}


def care_allowance_fen(level: int, regional_avg_fen: int, *, on: dt.date, region: str = "370000",
                       params: ParameterSet | None = None, trace: Trace | None = None) -> int:
    """生活护理费: 50% / 40% / 30% of the regional average monthly wage for care levels 1–3 (第三十四条)."""
    params = params or default_parameters()
    pv = params.get("injury.care_allowance_rate", on, region)
    if level not in pv.value:
        raise InputError(f"生活护理等级应为 1–3：{level}")
    amount = _rate_fen(regional_avg_fen, pv.value[level])
    if trace is not None:
        trace.use(pv)
        trace.step("care_allowance", "生活护理费 = 统筹地区上年度职工月平均工资 × 50%/40%/30%（完全/大部分/部分不能自理）",
                   {"level": level, "regional_avg": fen_str(regional_avg_fen)}, fen_str(amount), "工伤保险条例 第三十四条")
    return amount


def retirement_top_up_fen(allowance_fen: int, pension_fen: int) -> int:
    """At retirement the allowance stops; a lower pension is topped up to it by the fund (第三十五条第三项)."""
    return max(0, allowance_fen - pension_fen)


def funeral_grant_fen(regional_avg_fen: int, *, on: dt.date, region: str = "370000",
                      params: ParameterSet | None = None, trace: Trace | None = None) -> int:
    """丧葬补助金: 6 months of the regional average monthly wage (第三十九条第一款第一项)."""
    params = params or default_parameters()
    pv = params.get("injury.funeral_grant_months", on, region)
    if trace is not None:
        trace.use(pv)
        trace.step("funeral_grant", "丧葬补助金 = 统筹地区上年度职工月平均工资 × 6",
                   {"regional_avg": fen_str(regional_avg_fen), "months": pv.value},
                   fen_str(regional_avg_fen * pv.value), REF_39)
    return regional_avg_fen * pv.value


def survivor_pensions_fen(wage_fen: int, dependants: list[dict[str, Any]], *, on: dt.date, region: str = "370000",
                          params: ParameterSet | None = None, trace: Trace | None = None) -> list[int]:
    """供养亲属抚恤金 (第三十九条第一款第二项): spouse 40%, each other dependant 30%, +10% for an orphan or
    a lone elderly person; the sum may not exceed the deceased's wage — when it would, each amount is
    reduced in proportion (to the fen, the remaining fen going to the largest remainders)."""
    params = params or default_parameters()
    spouse = params.get("injury.survivor_spouse_rate", on, region)
    other = params.get("injury.survivor_other_rate", on, region)
    extra = params.get("injury.survivor_lone_extra_rate", on, region)
    amounts = []
    for d in dependants:
        relation = str(d.get("relation", "other"))
        if relation not in ("spouse", "other"):
            raise InputError(f"relation 应为 spouse 或 other：{relation!r}")
        rate = spouse.value if relation == "spouse" else other.value
        if parse_bool(d.get("orphan_or_lone_elderly", False), "orphan_or_lone_elderly"):
            rate += extra.value
        amounts.append(_rate_fen(wage_fen, rate))
    total = sum(amounts)
    capped = False
    if total > wage_fen:
        capped = True
        scaled = [a * wage_fen // total for a in amounts]
        remainders = sorted(range(len(amounts)), key=lambda i: -(amounts[i] * wage_fen % total))
        for i in remainders[: wage_fen - sum(scaled)]:
            scaled[i] += 1
        amounts = scaled
    if trace is not None:
        for pv in (spouse, other, extra):
            trace.use(pv)
        trace.step("survivor_pensions", "配偶40%，其他亲属每人30%，孤寡老人或孤儿加10%；合计不高于本人工资（超出按比例核减）",
                   {"wage": fen_str(wage_fen), "dependants": len(dependants), "capped": capped},
                   [fen_str(a) for a in amounts], REF_39)
    return amounts


def death_grant_fen(death_date: dt.date, *, params: ParameterSet | None = None, trace: Trace | None = None) -> int:
    """一次性工亡补助金: 20 × the previous year's national urban per-capita disposable income (第三十九条第一款第三项)."""
    params = params or default_parameters()
    multiple = params.get("injury.death_grant_multiple", death_date)
    income = params.get("wages.national_urban_disposable_income", dt.date(death_date.year - 1, 1, 1), same_period=True)
    grant = _rate_fen(int(income.value * 100), multiple.value)
    if trace is not None:
        trace.use(multiple)
        trace.use(income)
        trace.step("death_grant", "一次性工亡补助金 = 上一年度全国城镇居民人均可支配收入 × 20",
                   {"income": str(income.value), "year": income.effective_date.year, "multiple": str(multiple.value)},
                   fen_str(grant), REF_39)
    return grant


def medical_subsidy_fen(grade: int, regional_avg_fen: int, *, on: dt.date, region: str = "370000",
                        occupational_disease: bool = False, params: ParameterSet | None = None,
                        trace: Trace | None = None) -> int:
    """一次性工伤医疗补助金 (grades 5–10, paid by the fund when the labour contract ends; 第三十六条第二款、
    第三十七条第二项): months of the pooling area's average monthly wage, set by the province; an
    occupational disease adds the province's uplift.

    Raises:
        ParameterMissing: the region has no sourced value (or none for this grade).
    """
    params = params or default_parameters()
    pv = params.get("injury.medical_subsidy_months", on, region)
    if pv.value is None or grade not in pv.value:
        raise ParameterMissing("injury.medical_subsidy_months", region, on)
    months_num, months_den = pv.value[grade], 1
    uplift = None
    if occupational_disease:
        uplift = params.get("injury.medical_subsidy_disease_uplift", on, region)
        if uplift.value is None:
            raise ParameterMissing("injury.medical_subsidy_disease_uplift", region, on)
        num, den = ratio(1 + uplift.value)
        months_num, months_den = months_num * num, den
    amount = rdiv(regional_avg_fen * months_num, months_den)
    if trace is not None:
        trace.use(pv)
        if uplift is not None:
            trace.use(uplift)
        trace.step("medical_subsidy", "一次性工伤医疗补助金 = 统筹地区上年度职工月平均工资 × 月数（按伤残等级；职业病另加比例）",
                   {"grade": grade, "regional_avg": fen_str(regional_avg_fen), "months": pv.value[grade],
                    "occupational_disease": occupational_disease}, fen_str(amount), REF_36 if grade <= 6 else REF_37)
    return amount


def employment_subsidy_fen(grade: int, regional_avg_fen: int, *, on: dt.date, region: str = "370000",
                           years_to_retirement: Decimal | None = None, params: ParameterSet | None = None,
                           trace: Trace | None = None) -> int:
    """一次性伤残就业补助金 (grades 5–10, paid by the employer when the labour contract ends; 第三十六条
    第二款、第三十七条第二项): months of the pooling area's average monthly wage, reduced when the
    contract ends close to the statutory retirement age (by the province's rule), none at or after it.

    Raises:
        ParameterMissing: the region has no sourced value for this grade.
    """
    params = params or default_parameters()
    pv = params.get("injury.employment_subsidy_months", on, region)
    if pv.value is None or grade not in pv.value:
        raise ParameterMissing("injury.employment_subsidy_months", region, on)
    full = rdiv(regional_avg_fen * pv.value[grade], 1)
    share_num, share_den, rule = 1, 1, "全额"
    if years_to_retirement is not None:
        full_years = params.get("injury.employment_subsidy_full_years", on, region)
        step = params.get("injury.employment_subsidy_yearly_reduction", on, region)
        last = params.get("injury.employment_subsidy_last_year_rate", on, region)
        if trace is not None:
            for p in (full_years, step, last):
                trace.use(p)
        years = Decimal(years_to_retirement)
        if years <= 0:
            share_num, share_den, rule = 0, 1, "已达法定退休年龄：不支付"
        elif years < 1:
            share_num, share_den = ratio(last.value)
            rule = f"距法定退休年龄不足1年：按全额的{last.value * 100:.0f}%"
        elif years < full_years.value:
            short = int(full_years.value - int(years))  # whole years short of the full span (bands derived)
            share_num, share_den = ratio(1 - step.value * short)
            rule = f"距法定退休年龄不足{full_years.value}年：少{short}年，递减{step.value * 100 * short:.0f}%"
    amount = rdiv(full * share_num, share_den)
    if trace is not None:
        trace.use(pv)
        trace.step("employment_subsidy", "一次性伤残就业补助金 = 统筹地区上年度职工月平均工资 × 月数（按伤残等级；临近退休递减）",
                   {"grade": grade, "regional_avg": fen_str(regional_avg_fen), "months": pv.value[grade], "rule": rule},
                   fen_str(amount), REF_36 if grade <= 6 else REF_37)
    return amount


GRANT_REF = {1: f"{REF_35}第一款第（一）项", 5: f"{REF_36}第一款第（一）项", 7: f"{REF_37}第（一）项"}


def _grade_ref(grade: int, kind: str) -> str:
    if kind == "grant":
        return GRANT_REF[1 if grade <= 4 else 5 if grade <= 6 else 7]
    if kind == "allowance":
        return f"{REF_35}第一款第（二）项" if grade <= 4 else f"{REF_36}第一款第（二）项"
    return f"{REF_36}第二款" if grade <= 6 else f"{REF_37}第（二）项"


def calc_injury(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Work-injury benefits of one case.

    Args:
        inputs: ``region``, ``injury_date`` (default ``death_date`` for a fatal injury), ``avg_monthly_wage`` (12 months before the injury),
            optional ``regional_avg_monthly_wage`` (default: previous year's average / 12 from the
            parameters), and either ``grade`` (1–10; optional ``work_arranged``, ``minimum_wage``,
            ``pension`` for the retirement top-up, ``care_level`` 1–3) or ``death_date`` with ``dependants``
            (list of ``{relation: spouse|other, orphan_or_lone_elderly}``).

    Returns:
        ``injury_wage`` and the applicable benefits as 2-decimal strings, ``reasons`` (missing
        parameters among them), ``trace``.
    """
    params = params or default_parameters()
    trace = Trace()
    reasons: list[dict[str, str]] = []
    region = str(inputs.get("region") or "370000")
    if not present(inputs, "injury_date") and present(inputs, "death_date"):
        on = parse_date(inputs["death_date"], "death_date")  # a fatal injury: the day of death
    else:
        on = parse_date(inputs.get("injury_date"), "injury_date")
    avg_fen = parse_fen(inputs.get("avg_monthly_wage"), "avg_monthly_wage")
    out: dict[str, Any] = {"region": region}
    try:
        if present(inputs, "regional_avg_monthly_wage"):
            regional = parse_fen(inputs["regional_avg_monthly_wage"], "regional_avg_monthly_wage")
        else:
            regional = regional_avg_monthly_fen(on, region, params, trace)
    except ParameterMissing as exc:
        reasons.append(missing_reason(exc))
        return {**out, "eligible": False, "reasons": reasons, "trace": trace.to_dict()}
    wage = injury_wage_fen(avg_fen, regional, on=on, region=region, params=params, trace=trace)
    out["injury_wage"] = fen_str(wage)
    out["regional_avg_monthly_wage"] = fen_str(regional)
    paid_leave = params.get("injury.paid_leave_max_months", on, region)
    extension = params.get("injury.paid_leave_extension_max_months", on, region)
    trace.use(paid_leave)
    trace.use(extension)
    out["paid_leave_max_months"] = paid_leave.value + extension.value
    if present(inputs, "death_date"):
        death = parse_date(inputs["death_date"], "death_date")
        out["funeral_grant"] = fen_str(funeral_grant_fen(regional, on=death, region=region, params=params, trace=trace))
        survivors = survivor_pensions_fen(wage, list(inputs.get("dependants") or []), on=death, region=region,
                                          params=params, trace=trace)
        out["survivor_pensions"] = [fen_str(a) for a in survivors]
        out["survivor_pensions_total"] = fen_str(sum(survivors))
        try:
            out["death_grant"] = fen_str(death_grant_fen(death, params=params, trace=trace))
        except ParameterMissing as exc:
            out["death_grant"] = None
            reasons.append(missing_reason(exc))
    elif present(inputs, "grade"):
        grade = parse_int(inputs["grade"], "grade", minimum=1)
        if grade > 10:
            raise InputError("伤残等级应为 1–10")
        out["grade"] = grade
        out["disability_grant"] = fen_str(disability_grant_fen(grade, wage, on=on, region=region, params=params, trace=trace))
        minimum = parse_fen(inputs["minimum_wage"], "minimum_wage") if present(inputs, "minimum_wage") else None
        allowance = disability_allowance(
            grade, wage, on=on, region=region, params=params, trace=trace, minimum_wage_fen=minimum,
            work_arranged=parse_bool(inputs.get("work_arranged", False), "work_arranged"),
        )
        reasons.extend(allowance["notes"])
        out["disability_allowance"] = fen_str(allowance["amount"]) if allowance["payer"] else None
        if present(inputs, "care_level"):
            level = parse_int(inputs["care_level"], "care_level", minimum=1)
            out["care_allowance"] = fen_str(care_allowance_fen(level, regional, on=on, region=region,
                                                               params=params, trace=trace))
        out["allowance_payer"] = allowance["payer"]
        items = [{"item": "disability_grant", "label": "一次性伤残补助金", "amount": out["disability_grant"],
                  "payer": "fund", "reference": _grade_ref(grade, "grant")}]
        if grade <= 6:
            items.append({"item": "disability_allowance", "label": "伤残津贴（按月）", "amount": out["disability_allowance"],
                          "payer": allowance["payer"], "reference": _grade_ref(grade, "allowance")})
        if grade >= 5:
            disease = parse_bool(inputs.get("occupational_disease", False), "occupational_disease")
            years = (parse_decimal(inputs["years_to_retirement"], "years_to_retirement", minimum=None)
                     if present(inputs, "years_to_retirement") else None)
            for key, label, payer, fn, extra in (
                ("medical_subsidy", "一次性工伤医疗补助金（解除或终止劳动合同时）", "fund", medical_subsidy_fen,
                 {"occupational_disease": disease}),
                ("employment_subsidy", "一次性伤残就业补助金（解除或终止劳动合同时）", "employer", employment_subsidy_fen,
                 {"years_to_retirement": years}),
            ):
                try:
                    out[key] = fen_str(fn(grade, regional, on=on, region=region, params=params, trace=trace, **extra))
                except ParameterMissing as exc:
                    out[key] = None
                    reasons.append(missing_reason(exc))
                items.append({"item": key, "label": label, "amount": out[key], "payer": payer,
                              "reference": _grade_ref(grade, "subsidy")})
        out["items"] = items
        if present(inputs, "pension") and allowance["payer"] == "fund":
            top_up = retirement_top_up_fen(allowance["amount"], parse_fen(inputs["pension"], "pension"))
            out["retirement_top_up"] = fen_str(top_up)
            trace.step("retirement_top_up", "退休后停发伤残津贴；基本养老金低于伤残津贴的，由工伤保险基金补足差额",
                       {"allowance": fen_str(allowance["amount"]), "pension": str(inputs["pension"])},
                       fen_str(top_up), REF_35)
    else:
        raise InputError("需要 grade（伤残等级）或 death_date（因工死亡日期）")
    return {**out, "eligible": True, "reasons": reasons, "unconfirmed_parameters": trace.unconfirmed(),
            "trace": trace.to_dict()}
