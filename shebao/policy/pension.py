"""Enterprise employee basic pension (国发〔2005〕38号 and Shandong's implementation).

Every formula below is one legal concept in exact integer fixed point: money in fen, years in
hundredths, annuity divisors in tenths, contribution indices in millionths. The same function runs
on one case (Python ints) and on whole columns (NumPy int64 arrays), so both paths agree to the fen.
Rounding follows Shandong's assessment form (核定表): indexed wage to 0.01 yuan, years as months/12
to 0.01, each of the three parts to 0.01 yuan half-up, total = their sum.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from shebao.core.settings import local_today
from shebao.policy.common import (
    MICRO,
    InputError,
    Trace,
    fen_str,
    missing_reason,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_fen,
    parse_int,
    parse_micro,
    parse_month,
    present,
    ratio,
    rdiv,
    reason,
    tenths_str,
    ym,
    ym_date,
    ym_str,
)
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.retirement import (
    REF_FLEX,
    flexible_window,
    min_contribution_months,
    statutory_retirement,
)
from shebao.policy.tree import NATIONAL, ParameterMissing, ParamValue, region_chain

REF_38 = "国发〔2005〕38号 五、改革基本养老金计发办法"
REF_FORM = "山东省企业职工基本养老金核定表（计算口径）"
REF_SL16 = "中华人民共和国社会保险法 第十六条"

# ---------------------------------------------------------------------------------------------
# formulas (scalar or column)


def indexed_wage_fen(base_fen, index_micro):
    """指数化月平均缴费工资 = 计发基数 × 平均缴费指数, to 0.01 yuan (国发〔2005〕38号 五)."""
    return rdiv(base_fen * index_micro, MICRO)


def contribution_years_centi(months):
    """缴费年限 = 月数 / 12, to 0.01 year (核定表)."""
    return rdiv(months * 100, 12)


def basic_pension_fen(base_fen, indexed_fen, years_centi, rate_num, rate_den):
    """基础养老金 = (计发基数 + 指数化月平均缴费工资) / 2 × 缴费年限 × 1% (国发〔2005〕38号 五)."""
    return rdiv((base_fen + indexed_fen) * years_centi * rate_num, 200 * rate_den)


def account_pension_fen(balance_fen, divisor_tenths):
    """个人账户养老金 = 个人账户储存额 / 计发月数 (国发〔2005〕38号 五)."""
    return rdiv(balance_fen * 10, divisor_tenths)


def transitional_pension_fen(indexed_fen, pre_years_centi, rate_num, rate_den):
    """过渡性养老金 = 指数化月平均缴费工资 × 实行个人账户前缴费年限（含视同）× 过渡系数 (山东 1.3%)."""
    return rdiv(indexed_fen * pre_years_centi * rate_num, 100 * rate_den)


def annuity_divisor_tenths(table: dict[int, int], age_months: int, interpolate: bool) -> int:
    """计发月数 in tenths: whole ages from the table; since 2025, months interpolated and rounded to 0.1.

    Raises:
        KeyError: the age (or the next age when interpolating) is not in the table.
    """
    years, months = divmod(int(age_months), 12)
    if not interpolate or months == 0:
        return table[years] * 10
    lo, hi = table[years], table[years + 1]
    return rdiv(10 * (lo * (12 - months) + hi * months), 12)


def divisor_entries_confirmed(pv: ParamValue, age_months: int, interpolate: bool) -> bool:
    years, months = divmod(int(age_months), 12)
    keys = {years} if not interpolate or months == 0 else {years, years + 1}
    return pv.confirmed and not (keys & set(pv.unconfirmed_keys))


# ---------------------------------------------------------------------------------------------
# the single-case calculator


def _today() -> dt.date:
    return local_today()


def _base_for(region: str, retirement_ym: int, assessed_on: dt.date, params: ParameterSet) -> tuple[ParamValue, bool]:
    """The pension base for a retirement month as known on ``assessed_on`` and whether it is provisional.

    A year's base is published late in that year; until then that year's retirees are assessed
    provisionally on the latest published base (and recalculated once it is published).
    """
    pv = params.get("pension.base", ym_date(retirement_ym), region, known_on=assessed_on)
    return pv, pv.effective_date.year < retirement_ym // 12


def calc_pension(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Monthly basic pension of an enterprise employee (``shebao calc pension``).

    Args:
        inputs: ``region`` (default ``370000``), ``retirement_date`` (YYYY-MM), ``birth_date`` and
            ``original_retirement_age`` (unless ``annuity_months`` is given), optional
            ``pension_base``, ``assessed_on`` (default today), ``avg_contribution_index``,
            ``contribution_months``, ``pre_account_months``, ``account_balance``, optional
            ``annuity_months``. Numbers may be numeric strings.
        params: a parameter set (default: the shipped tree).

    Returns:
        A JSON-ready dict: ``basic_pension``, ``account_pension``, ``transitional_pension``,
        ``total`` (2-decimal strings), ``pension_base``, ``annuity_months``, ``provisional``,
        ``eligible``, ``reasons``, ``trace`` and a few more fields.

    Raises:
        InputError: an input is malformed (missing parameters are reasons, not errors).

    Examples:
        >>> calc_pension({"retirement_date": "2025-02", "birth_date": "1965-01", "original_retirement_age": 60,
        ...   "pension_base": 7831, "avg_contribution_index": "1.0", "contribution_months": 420,
        ...   "pre_account_months": 0, "account_balance": 100000})["annuity_months"]
        '138.4'
    """
    params = params or default_parameters()
    trace = Trace()
    reasons: list[dict[str, str]] = []
    eligible = True
    extra_unconfirmed: list[str] = []

    region = str(inputs.get("region") or "370000")
    retirement = parse_month(inputs.get("retirement_date"), "retirement_date")
    ret_ym = ym(retirement)
    assessed_on = parse_date(inputs["assessed_on"], "assessed_on") if present(inputs, "assessed_on") else _today()
    index_micro = parse_micro(inputs.get("avg_contribution_index"), "avg_contribution_index")
    months = parse_int(inputs.get("contribution_months"), "contribution_months")
    pre_months = parse_int(inputs.get("pre_account_months") or 0, "pre_account_months")
    if pre_months > months:
        raise InputError("视同缴费月数不能大于累计缴费月数（累计缴费月数已含视同缴费）", "pre_account_months")
    balance_fen = parse_fen(inputs.get("account_balance") or 0, "account_balance")
    has_birth = present(inputs, "birth_date") and present(inputs, "original_retirement_age")
    override_tenths = None
    if present(inputs, "annuity_months"):
        override_tenths = int(parse_decimal(inputs["annuity_months"], "annuity_months", max_places=1) * 10)
        if override_tenths <= 0:
            raise InputError("计发月数应大于 0", "annuity_months")
    elif not has_birth:
        raise InputError("请填写出生年月和原法定退休年龄（或直接给出计发月数）", "birth_date")

    out: dict[str, Any] = {
        "region": region,
        "retirement_date": ym_str(ret_ym),
        "pension_start": ym_str(ret_ym + 1),
        "assessed_on": assessed_on.isoformat(),
    }

    # statutory age, flexible window, minimum contribution period
    stat_ym = ret_ym
    age_months = None
    if has_birth:
        birth = parse_month(inputs["birth_date"], "birth_date")
        st = statutory_retirement(birth, inputs["original_retirement_age"], params, trace)
        stat_ym = st.retirement_ym
        age_months = ret_ym - st.birth_ym
        earliest, latest, notes = flexible_window(st, params, trace)
        extended = present(inputs, "extended_contribution") and parse_bool(
            inputs["extended_contribution"], "extended_contribution"
        )
        if extended and ret_ym > latest:
            # 延长缴费: past the statutory age until the minimum period is reached (办法 第二条)
            reasons.append(
                reason(
                    "extended_contribution",
                    f"达到法定退休年龄（{ym_str(stat_ym)}）后延长缴费至 {ym_str(ret_ym)} 退休",
                    "国务院关于渐进式延迟法定退休年龄的办法 第二条",
                )
            )
        elif not earliest <= ret_ym <= latest:
            eligible = False
            reasons.extend(notes)
            reasons.append(
                reason(
                    "retirement_date_out_of_range",
                    f"退休月份 {ym_str(ret_ym)} 不在可选范围 {ym_str(earliest)} 至 {ym_str(latest)} 内"
                    f"（法定退休月份 {ym_str(stat_ym)}）",
                    REF_FLEX,
                )
            )
        out["statutory_retirement_date"] = ym_str(stat_ym)
        out["retirement_age_months"] = age_months
    try:
        min_months = min_contribution_months(stat_ym, params, trace)
        out["min_contribution_months"] = min_months
        if months < min_months:
            eligible = False
            reasons.append(
                reason(
                    "min_contribution_not_met",
                    f"累计缴费（含视同）{months} 个月，不足最低缴费年限 {min_months} 个月；"
                    "可延长缴费或一次性缴费至满最低缴费年限",
                    f"{REF_SL16}；国务院关于渐进式延迟法定退休年龄的办法 第二条",
                )
            )
    except ParameterMissing as exc:
        eligible = False
        reasons.append(missing_reason(exc))

    on = ym_date(ret_ym)
    missing = False
    # pension base
    provisional = False
    if present(inputs, "pension_base"):
        base_fen = parse_fen(inputs["pension_base"], "pension_base")
        base_note = "输入"
    else:
        try:
            base_pv, provisional = _base_for(region, ret_ym, assessed_on, params)
            trace.use(base_pv)
            base_fen = int(base_pv.value * 100)
            base_note = f"{base_pv.effective_date.year}年计发基数（{base_pv.reference_text()}）"
            if provisional:
                reasons.append(
                    reason(
                        "provisional_base",
                        f"{ret_ym // 12}年计发基数在 {assessed_on.isoformat()} 尚未公布，暂按"
                        f"{base_pv.effective_date.year}年基数 {fen_str(base_fen)} 元核定，公布后重算并补发差额",
                        base_pv.reference_text(),
                    )
                )
        except ParameterMissing as exc:
            missing = True
            base_fen = 0
            reasons.append(missing_reason(exc))
    # rates
    try:
        basic_rate = trace.use(params.get("pension.basic.rate", on, region))
        b_num, b_den = ratio(basic_rate.value)
    except ParameterMissing as exc:
        missing = True
        reasons.append(missing_reason(exc))
    t_num, t_den = 0, 1
    if pre_months > 0:
        try:
            t_rate = trace.use(params.get("pension.transitional.rate", on, region))
            t_num, t_den = ratio(t_rate.value)
        except ParameterMissing as exc:
            missing = True
            reasons.append(missing_reason(exc))
    # annuity divisor
    if override_tenths is not None:
        divisor = override_tenths
        div_note = "输入"
    else:
        try:
            table = trace.use(params.get("pension.annuity_divisor", on, region))
            interp = params.get("pension.annuity_interpolation", on, region)
            if age_months % 12:  # the interpolation rule only matters for ages with months
                trace.use(interp)
            divisor = annuity_divisor_tenths(table.value, age_months, interp.value)
            if not divisor_entries_confirmed(table, age_months, interp.value):
                extra_unconfirmed.append("pension.annuity_divisor")
            div_note = (
                f"{age_months // 12}岁{age_months % 12}个月"
                + ("，按月插值保留1位小数" if interp.value and age_months % 12 else "，按周岁")
            )
        except KeyError:
            missing = True
            divisor = 0
            reasons.append(
                reason(
                    "parameter_missing",
                    f"参数缺失：pension.annuity_divisor 没有 {age_months // 12} 岁{age_months % 12}个月 的计发月数",
                    "pension.annuity_divisor",
                )
            )
        except ParameterMissing as exc:
            missing = True
            divisor = 0
            reasons.append(missing_reason(exc))

    if missing:
        out.update(
            basic_pension=None,
            account_pension=None,
            transitional_pension=None,
            total=None,
            pension_base=fen_str(base_fen) if base_fen else None,
            annuity_months=tenths_str(divisor) if divisor else None,
            provisional=provisional,
            eligible=False,
            reasons=reasons,
            unconfirmed_parameters=trace.unconfirmed(extra_unconfirmed),
            parameter_sources=trace.sources(extra_unconfirmed),
            source_level=trace.source_level(extra_unconfirmed),
            trace=trace.to_dict(),
        )
        return out

    indexed = indexed_wage_fen(base_fen, index_micro)
    years = contribution_years_centi(months)
    pre_years = contribution_years_centi(pre_months)
    basic = basic_pension_fen(base_fen, indexed, years, b_num, b_den)
    account = account_pension_fen(balance_fen, divisor)
    transitional = transitional_pension_fen(indexed, pre_years, t_num, t_den) if pre_months else 0
    total = basic + account + transitional

    f_base, f_indexed, f_years, f_pre = fen_str(base_fen), fen_str(indexed), fen_str(years), fen_str(pre_years)
    f_basic, f_account, f_trans, f_total = fen_str(basic), fen_str(account), fen_str(transitional), fen_str(total)
    f_divisor, f_balance = tenths_str(divisor), fen_str(balance_fen)
    s = trace.step
    s("pension_base", "计发基数（元/月）", {"source": base_note}, f_base, REF_38)
    s(
        "indexed_wage",
        "指数化月平均缴费工资 = 计发基数 × 平均缴费指数，四舍五入到分",
        {"pension_base": f_base, "avg_contribution_index": str(inputs.get("avg_contribution_index"))},
        f_indexed,
        f"{REF_38}；{REF_FORM}",
    )
    s(
        "contribution_years",
        "缴费年限（含视同）= 月数 ÷ 12，保留2位小数",
        {"contribution_months": months, "pre_account_months": pre_months},
        {"contribution_years": f_years, "pre_account_years": f_pre},
        REF_FORM,
    )
    s(
        "basic_pension",
        "基础养老金 = (计发基数 + 指数化月平均缴费工资) ÷ 2 × 缴费年限 × 1%，四舍五入到分",
        {"pension_base": f_base, "indexed_wage": f_indexed, "years": f_years},
        f_basic,
        REF_38,
    )
    s(
        "annuity_months",
        "个人账户养老金计发月数（按退休年龄）",
        {"source": div_note},
        f_divisor,
        "国发〔2005〕38号 附件；国务院关于渐进式延迟法定退休年龄的办法",
    )
    s(
        "account_pension",
        "个人账户养老金 = 个人账户储存额 ÷ 计发月数，四舍五入到分",
        {"account_balance": f_balance, "annuity_months": f_divisor},
        f_account,
        REF_38,
    )
    if pre_months:
        s(
            "transitional_pension",
            "过渡性养老金 = 指数化月平均缴费工资 × 实行个人账户前缴费年限（含视同）× 过渡系数，四舍五入到分",
            {"indexed_wage": f_indexed, "pre_account_years": f_pre, "rate": f"{t_num}/{t_den}"},
            f_trans,
            "山东省贯彻国发〔2005〕38号文件的实施办法",
        )
    s(
        "total",
        "基本养老金 = 基础养老金 + 个人账户养老金 + 过渡性养老金",
        {"basic": f_basic, "account": f_account, "transitional": f_trans},
        f_total,
        REF_FORM,
    )
    unconfirmed = trace.unconfirmed(extra_unconfirmed)
    if unconfirmed:
        reasons.append(
            reason(
                "parameter_unconfirmed",
                "以下参数的出处未能核实，结果需人工复核：" + "、".join(unconfirmed),
                "",
            )
        )
    out.update(
        basic_pension=f_basic,
        account_pension=f_account,
        transitional_pension=f_trans,
        total=f_total,
        pension_base=f_base,
        indexed_wage=f_indexed,
        contribution_years=f_years,
        annuity_months=f_divisor,
        provisional=provisional,
        eligible=eligible,
        reasons=reasons,
        unconfirmed_parameters=unconfirmed,
        parameter_sources=trace.sources(extra_unconfirmed),
        source_level=trace.source_level(extra_unconfirmed),
        trace=trace.to_dict(),
    )
    return out


# ---------------------------------------------------------------------------------------------
# provisional → final


def recalculate_pension(
    inputs: dict[str, Any],
    *,
    recalculated_on: dt.date | str,
    paid_through: str | dt.date | None = None,
    params: ParameterSet | None = None,
) -> dict[str, Any]:
    """Recalculate a provisionally assessed pension once the year's base is published.

    Args:
        inputs: the original calculator inputs (with the original ``assessed_on``; no ``pension_base``).
        recalculated_on: the date of the recalculation (the base must be published by then).
        paid_through: the last month (YYYY-MM) paid at the provisional amount; default the month
            before ``recalculated_on``.

    Returns:
        ``provisional_total``, ``final_total``, ``monthly_difference``, ``backpay_months``,
        ``backpay`` (difference × months from the first pension month through ``paid_through``;
        negative means overpaid), ``still_provisional``, and ``final`` (the full final result).
    """
    params = params or default_parameters()
    on = parse_date(recalculated_on, "recalculated_on")
    first = calc_pension(inputs, params)
    final = calc_pension({**inputs, "assessed_on": on.isoformat()}, params)
    if first["total"] is None or final["total"] is None:
        return {
            "provisional_total": first["total"],
            "final_total": final["total"],
            "monthly_difference": None,
            "backpay_months": 0,
            "backpay": None,
            "still_provisional": final["provisional"],
            "reasons": final["reasons"],
            "final": final,
        }
    start = ym(parse_month(first["pension_start"], "pension_start"))
    last = ym(parse_month(paid_through, "paid_through")) if paid_through else ym(on) - 1
    n = max(0, last - start + 1)
    diff = parse_fen(final["total"], "total") - parse_fen(first["total"], "total")
    return {
        "provisional_total": first["total"],
        "final_total": final["total"],
        "monthly_difference": fen_str(diff),
        "backpay_months": n,
        "backpay": fen_str(diff * n),
        "backpay_period": [ym_str(start), ym_str(last)] if n else [],
        "still_provisional": final["provisional"],
        "reference": "计发基数公布后重新核定，补发（或追回）暂核期间的差额",
        "final": final,
    }


# ---------------------------------------------------------------------------------------------
# yearly adjustment (调待)


def pension_adjustment(
    *,
    pension: Any,
    contribution_months: int,
    year: int,
    region: str = "370000",
    birth_date: Any = None,
    params: ParameterSet | None = None,
) -> dict[str, Any]:
    """The yearly pension increase: fixed amount + pension × rate + contribution years × amount + age tilt.

    The parts are parameters set by each year's notice (``pension.adjustment.fixed_amount``, ``.rate``,
    ``.per_year_bands`` or ``.per_year_amount``, ``.age_tilt``), each for its own year only. Where
    some parts of a year are known and others are not (Shandong 2025: only the fixed 27.3), the
    known parts are applied and each missing one is named (``complete`` false, ``missing``).

    Returns:
        ``increase``, ``new_pension``, ``parts``, ``complete``, ``missing`` and ``trace`` — or
        ``increase: None`` with ``parameter_missing`` reasons when no part is known.
    """
    params = params or default_parameters()
    trace = Trace()
    on = dt.date(int(year), 1, 1)
    pension_fen = parse_fen(pension, "pension")
    months = parse_int(contribution_months, "contribution_months")
    reasons: list[dict[str, str]] = []
    parts: dict[str, str] = {}
    used: list[ParamValue] = []

    def get(name: str) -> ParamValue | None:
        try:
            pv = trace.use(params.get(name, on, region, same_period=True))
        except ParameterMissing as exc:
            reasons.append(missing_reason(exc))
            return None
        used.append(pv)
        return pv

    fixed = get("pension.adjustment.fixed_amount")
    if fixed is not None:
        parts["fixed"] = fen_str(int(fixed.value * 100))
    rate = get("pension.adjustment.rate")
    if rate is not None:
        r_num, r_den = ratio(rate.value)
        parts["linked"] = fen_str(rdiv(pension_fen * r_num, r_den))
    years_note: dict[str, Any] = {}

    def regional(name: str) -> bool:
        """Whether this year's notice for the region has this part (bands, age tilt): an entry of
        that year, known or null (known to be missing), at one of the region's own levels."""
        regions = params.parameter(name).regions
        return any(e.effective.year == on.year for code in region_chain(region) if code != NATIONAL
                   for e in regions.get(code, ()))

    flat = params.get_or_none("pension.adjustment.per_year_amount", on, region)
    flat_this_year = flat is not None and flat.effective_date.year == on.year
    if regional("pension.adjustment.per_year_bands") and not flat_this_year:
        bands = get("pension.adjustment.per_year_bands")
        if bands is not None:
            counted = -(-months // 12)  # a part year counts as one
            per = Decimal(0)
            for threshold, amount in bands.value.items():
                if months >= threshold:
                    per = amount
            parts["years"] = fen_str(int(per * 100) * counted)
            years_note = {"years_counted": counted, "per_year": str(per)}
    else:
        per_year = get("pension.adjustment.per_year_amount")
        if per_year is not None:
            whole_years = months // 12
            parts["years"] = fen_str(whole_years * int(per_year.value * 100))
            years_note = {"whole_years": whole_years}
    if regional("pension.adjustment.age_tilt"):
        tilt_table = get("pension.adjustment.age_tilt")
        if tilt_table is not None and birth_date in (None, ""):
            reasons.append(reason("birth_date_needed", "计算高龄倾斜需要出生日期（birth_date）", "当年调整通知 适当倾斜"))
        elif tilt_table is not None:
            birth = parse_month(birth_date, "birth_date")
            age = on.year - 1 - birth.year  # whole years of age on 31 December of the previous year
            tilt = Decimal(0)
            for key, amount in tilt_table.value.items():
                if age >= key:
                    tilt = amount
            parts["tilt"] = fen_str(int(tilt * 100))
            years_note["age_on_dec_31"] = age
    if not parts:
        return {"increase": None, "new_pension": None, "eligible": False, "complete": False,
                "missing": [r["reference"] for r in reasons if r["code"] == "parameter_missing"],
                "reasons": reasons, "trace": trace.to_dict()}
    increase = sum(parse_fen(v, k) for k, v in parts.items())
    missing = [r["reference"] for r in reasons if r["code"] == "parameter_missing"]
    trace.step(
        "pension_adjustment",
        "调整额 = 定额 + 本人基本养老金 × 挂钩比例（四舍五入到分）+ 缴费年限 × 所在档金额 + 高龄倾斜（只计已知部分）",
        {"pension": fen_str(pension_fen), "contribution_months": months, **years_note},
        {**parts, "missing": missing},
        "国发〔2005〕38号 六；当年调整通知",
    )
    return {
        "increase": fen_str(increase),
        "new_pension": fen_str(pension_fen + increase),
        "parts": parts,
        "complete": not missing and not any(r["code"] == "birth_date_needed" for r in reasons),
        "missing": missing,
        "effective_date": max(pv.effective_date for pv in used).isoformat(),
        "eligible": True,
        "reasons": reasons,
        "unconfirmed_parameters": trace.unconfirmed(),
        "parameter_sources": trace.sources(),
        "source_level": trace.source_level(),
        "trace": trace.to_dict(),
    }
