"""Citizens' calculators (智导): a flexible worker's contribution tiers and the back-payment report.

These are projections, not assessments: every assumption is stated in the output (the pension base
and the average wage stay at their latest published values, no future account interest, the
payout horizon from the cited life expectancy). Amounts that come out are exact Decimal/fen
arithmetic; only the internal rate of return, an estimate, is solved in floating point.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from shebao.core.settings import local_today
from shebao.policy.common import (
    MICRO,
    InputError,
    Trace,
    fen_str,
    missing_reason,
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
    ym,
    ym_date,
    ym_str,
)
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.pension import calc_pension
from shebao.policy.retirement import statutory_retirement
from shebao.policy.tree import ParameterMissing

DEFAULT_TIERS = ("0.6", "0.8", "1.0", "1.5", "2.0", "3.0")
REF_FLEXIBLE = "国发〔2005〕38号 三、扩大基本养老保险覆盖范围"
INDEX_MIN, INDEX_MAX = 600_000, 3_000_000  # 0.6–3.0 in millionths: bases are 60%–300% of the average wage
MIN_WORKING_AGE_MONTHS = 16 * 12  # 中华人民共和国劳动法 第十五条: no employment under 16
OLDEST_YEARS = 110


def check_inputs(kind: str, inputs: dict[str, Any], as_of: dt.date | None = None) -> None:
    """Refuse what a person cannot have typed truthfully, before any calculator runs.

    Shared by the API, the CLI and the portal (through :func:`shebao.policy.service.calculate`) and by
    :func:`calc_plan` and :func:`calc_backpay` themselves: future or implausible birth months, an
    average contribution index outside 0.6–3.0, more contribution months than the years since the
    age of 16, deemed months above the total. The messages say what is allowed, in Chinese.

    Raises:
        InputError: with the field at fault.
    """
    if as_of is None:
        key = "assessed_on" if kind == "pension" else "as_of"
        as_of = parse_date(inputs[key], key) if present(inputs, key) else local_today()
    now = ym(as_of)
    birth_ym = None
    if present(inputs, "birth_date"):
        birth_ym = ym(parse_month(inputs["birth_date"], "birth_date"))
        if birth_ym > now:
            raise InputError(f"出生年月不能晚于当前月份（{ym_str(now)}），您填写的是“{ym_str(birth_ym)}”",
                             "birth_date")
        if birth_ym < now - OLDEST_YEARS * 12:
            raise InputError(f"出生年月应在 {now // 12 - OLDEST_YEARS} 年以后，您填写的是“{ym_str(birth_ym)}”",
                             "birth_date")
    if kind == "retirement":
        return
    months = parse_int(inputs.get("contribution_months") or 0, "contribution_months")
    pre = parse_int(inputs.get("pre_account_months") or 0, "pre_account_months")
    if pre > months:
        raise InputError(f"视同缴费月数（{pre}）不能大于已缴费月数（{months}，已含视同缴费）", "pre_account_months")
    if present(inputs, "avg_contribution_index"):
        index = parse_micro(inputs["avg_contribution_index"], "avg_contribution_index")
        if not INDEX_MIN <= index <= INDEX_MAX:
            raise InputError(
                "平均缴费指数应在 0.6 到 3.0 之间（缴费基数为社会平均工资的 60%–300%，填 80% 即 0.8），"
                f"您填写的是“{inputs['avg_contribution_index']}”", "avg_contribution_index")
    elif months > 0:
        raise InputError("已缴费月数大于 0 时，请填写平均缴费指数（0.6 到 3.0 之间，例如 0.8 或 80%）",
                         "avg_contribution_index")
    if birth_ym is not None:
        end = now
        if kind == "pension" and present(inputs, "retirement_date"):
            end = ym(parse_month(inputs["retirement_date"], "retirement_date"))
        possible = max(0, end - birth_ym - MIN_WORKING_AGE_MONTHS)
        if months > possible:
            raise InputError(f"已缴费月数不能超过 16 周岁以来的月数（至 {ym_str(end)} 共 {possible} 个月），"
                             f"您填写的是 {months} 个月", "contribution_months")


def _percent(rate) -> str:
    """0.2 → '20%' (a rate as people write it)."""
    return f"{(rate * 100).normalize():f}%"


def _micro_str(micro: int) -> str:
    return f"{micro // MICRO}.{micro % MICRO:06d}".rstrip("0").rstrip(".")


def irr_annual(flows: list[tuple[int, int]]) -> float | None:
    """Annual internal rate of return of monthly cash flows ``(month, fen)``; None without a sign change."""
    if not flows or all(a >= 0 for _, a in flows) or all(a <= 0 for _, a in flows):
        return None

    # Plans are runs of equal monthly amounts (contributions, then pension): each run is a geometric
    # series, summed in closed form, so a bisection step costs a few operations instead of one per
    # month (the outreach benchmark computes 100,000 plans). expm1/log1p keep it exact near r = 0.
    runs: list[list[int]] = []  # [first month, months, amount]
    for t, a in sorted(flows):
        last = runs[-1] if runs else None
        if last is not None and a == last[2] and t == last[0] + last[1]:
            last[1] += 1
        else:
            runs.append([t, 1, a])

    def npv(r: float) -> float:
        if r == 0:
            return float(sum(n * a for _, n, a in runs))
        log_v = -math.log1p(r)  # v = 1 / (1 + r)
        ratio = math.expm1(log_v)  # v - 1
        return sum(a * math.exp(t0 * log_v) * (math.expm1(n * log_v) / ratio) for t0, n, a in runs)

    lo, hi = -0.5, 0.5  # monthly rates; wide enough for any plausible plan
    f_lo, f_hi = npv(lo), npv(hi)
    if f_lo * f_hi > 0:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        f_mid = npv(mid)
        if abs(f_mid) < 1e-9 or hi - lo < 1e-12:
            break
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (1 + (lo + hi) / 2) ** 12 - 1


class _Context:
    """What both calculators need: the person's retirement, wages, rates and assumptions."""

    def __init__(self, inputs: dict[str, Any], params: ParameterSet):
        self.params = params
        self.trace = Trace()
        self.region = str(inputs.get("region") or "370000")
        self.as_of = parse_date(inputs["as_of"], "as_of") if present(inputs, "as_of") else local_today()
        check_inputs("guide", inputs, self.as_of)
        sex = str(inputs.get("sex") or "").strip().lower()
        orig = parse_int(inputs.get("original_retirement_age"), "original_retirement_age")
        if sex in ("male", "m", "男") and orig != 60:
            raise InputError("男性的原法定退休年龄为60岁", "original_retirement_age")
        if sex in ("female", "f", "女") and orig not in (50, 55):
            raise InputError("女性的原法定退休年龄为50岁或55岁", "original_retirement_age")
        self.birth = parse_month(inputs.get("birth_date"), "birth_date")
        self.orig = orig
        st = statutory_retirement(self.birth, orig, params, self.trace)
        self.birth_ym = st.birth_ym
        self.statutory_ym = st.retirement_ym
        # already past the statutory age: contributions continue (延长缴费) until retirement
        self.ret_ym = max(st.retirement_ym, ym(self.as_of))
        self.remaining = max(0, self.ret_ym - ym(self.as_of))
        self.months = parse_int(inputs.get("contribution_months") or 0, "contribution_months")
        self.pre_months = parse_int(inputs.get("pre_account_months") or 0, "pre_account_months")
        self.index = parse_micro(inputs.get("avg_contribution_index") or 0, "avg_contribution_index")
        self.balance = parse_fen(inputs.get("account_balance") or 0, "account_balance")
        on = self.as_of
        self.avg_wage = self.trace.use(params.get("wages.average_annual", dt.date(on.year - 1, 1, 1), self.region))
        self.avg_monthly = rdiv(int(self.avg_wage.value * 100), 12)
        self.rate = self.trace.use(params.get("pension.flexible.contribution_rate", on, self.region))
        self.account_rate = self.trace.use(params.get("pension.flexible.account_rate", on, self.region))
        self.base = self.trace.use(params.get("pension.base", ym_date(self.ret_ym), self.region, known_on=on))
        self.life = self.trace.use(params.get("projection.life_expectancy_years", on, self.region))
        age_at_ret = self.ret_ym - self.birth_ym
        self.horizon = max(0, int(self.life.value * 12) - age_at_ret)

    def pension(self, months: int, index: int, balance: int) -> tuple[int, dict[str, Any]]:
        """Projected monthly pension in fen (0 when the minimum period is not met)."""
        result = calc_pension(
            {
                "region": self.region,
                "retirement_date": ym_str(self.ret_ym),
                "birth_date": ym_str(self.birth_ym),
                "original_retirement_age": self.orig,
                "pension_base": str(self.base.value),
                "assessed_on": self.as_of.isoformat(),
                "avg_contribution_index": _micro_str(index),
                "contribution_months": months,
                "pre_account_months": min(self.pre_months, months),
                "account_balance": fen_str(balance),
                "extended_contribution": self.ret_ym > self.statutory_ym,
            },
            self.params,
        )
        if not result["eligible"] or result["total"] is None:
            return 0, result
        return parse_fen(result["total"], "total"), result

    def assumptions(self) -> list[dict[str, str]]:
        return [
            {"text": f"计发基数按 {self.base.effective_date.year} 年已公布值 {self.base.value} 元保持不变",
             "reference": self.base.reference_text()},
            {"text": f"社会平均工资按 {self.avg_wage.effective_date.year} 年 {self.avg_wage.value} 元/年保持不变",
             "reference": self.avg_wage.reference_text()},
            {"text": "个人账户今后不计记账利息（保守估计；实际每年按公布的记账利率计息）",
             "reference": "统一和规范职工养老保险个人账户记账利率办法（人社部发〔2017〕31号）"},
            {"text": f"领取期按人均预期寿命 {self.life.value} 岁计算：退休后约 {self.horizon} 个月"
                     + ("（未核实）" if not self.life.confirmed else ""),
             "reference": self.life.reference_text()},
            {"text": "平均缴费指数按月数加权估算", "reference": "国发〔2005〕38号 五"},
        ]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def calc_plan(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Flexible worker's contribution tiers (灵活就业参保套餐), ``shebao calc plan``.

    Args:
        inputs: ``birth_date``, ``sex``, ``original_retirement_age``, ``region``,
            ``contribution_months``, ``avg_contribution_index``, ``account_balance``, optional
            ``tiers`` (fractions of the average wage; default 0.6 … 3.0), ``as_of``, ``pre_account_months``.

    Returns:
        ``tiers``: per tier ``tier``, ``monthly_base``, ``monthly_cost``, ``total_paid``,
        ``projected_balance``, ``pension_at_retirement``, ``months_to_recoup``, ``irr``; plus
        ``retirement_date``, ``assumptions`` (stated and cited), ``reasons``, ``trace``.
    """
    params = params or default_parameters()
    try:
        ctx = _Context(inputs, params)
    except ParameterMissing as exc:
        return {"tiers": [], "eligible": False, "reasons": [missing_reason(exc)]}
    floor = params.get("contribution.base_floor_rate", ctx.as_of, ctx.region)
    cap = params.get("contribution.base_cap_rate", ctx.as_of, ctx.region)
    r_num, r_den = ratio(ctx.rate.value)
    a_num, a_den = ratio(ctx.account_rate.value)
    baseline, _ = ctx.pension(ctx.months, ctx.index, ctx.balance)
    tiers_out = []
    for raw in inputs.get("tiers") or DEFAULT_TIERS:
        tier = parse_decimal(raw, "tiers", max_places=6, percent=True)
        if not floor.value <= tier <= cap.value:
            raise InputError(f"缴费档次应在社会平均工资的 {floor.value * 100:.0f}%–{cap.value * 100:.0f}% 之间"
                             f"（即 {floor.value}–{cap.value}），您填写的是“{raw}”", "tiers")
        tier_micro = int(tier * MICRO)
        base = rdiv(ctx.avg_monthly * tier_micro, MICRO)
        cost = rdiv(base * r_num, r_den)
        total_paid = cost * ctx.remaining
        balance = ctx.balance + rdiv(base * a_num, a_den) * ctx.remaining
        months = ctx.months + ctx.remaining
        index = rdiv(ctx.index * ctx.months + tier_micro * ctx.remaining, months) if months else 0
        pension, result = ctx.pension(months, index, balance)
        gain = pension - baseline
        recoup = _ceil_div(total_paid, gain) if gain > 0 and total_paid else None
        flows = [(t, -cost) for t in range(ctx.remaining)] + [
            (ctx.remaining + 1 + t, gain) for t in range(ctx.horizon)
        ]
        irr = irr_annual(flows) if gain > 0 and cost > 0 else None
        tiers_out.append(
            {
                "tier": str(tier),
                "monthly_base": fen_str(base),
                "monthly_cost": fen_str(cost),
                "contribution_months": ctx.remaining,
                "total_paid": fen_str(total_paid),
                "projected_balance": fen_str(balance),
                "projected_avg_contribution_index": _micro_str(index),
                "pension_at_retirement": fen_str(pension),
                "eligible_at_retirement": result["eligible"],
                "months_to_recoup": recoup,
                "irr": f"{irr:.4f}" if irr is not None else None,
            }
        )
    ctx.trace.use(floor)
    ctx.trace.use(cap)
    reasons = []
    if ctx.remaining == 0:
        reasons.append(reason("at_retirement", "已到退休月份，没有可缴费的月份", "国务院关于渐进式延迟法定退休年龄的办法 第一条"))
    return {
        "region": ctx.region,
        "retirement_date": ym_str(ctx.ret_ym),
        "months_to_retirement": ctx.remaining,
        "pension_if_stop_now": fen_str(baseline),
        "contribution_rate": str(ctx.rate.value),
        "tiers": tiers_out,
        "life_expectancy": {"years": str(ctx.life.value), "reference": ctx.life.reference_text(),
                            "confirmed": ctx.life.confirmed},
        "assumptions": ctx.assumptions(),
        "reasons": reasons,
        "unconfirmed_parameters": ctx.trace.unconfirmed(),
        "trace": ctx.trace.to_dict(),
    }


def calc_backpay(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Back-payment report (补缴收益测算), ``shebao calc backpay``.

    Args:
        inputs: as for :func:`calc_plan`, plus ``backpay_months`` and ``backpay_base`` (yuan/month).

    Returns:
        ``cost``, ``pension_gain_monthly``, ``months_to_recoup``, ``irr``, ``conditions`` (the legal
        conditions, with references), ``assumptions``, ``trace``.
    """
    params = params or default_parameters()
    try:
        ctx = _Context(inputs, params)
    except ParameterMissing as exc:
        return {"cost": None, "eligible": False, "reasons": [missing_reason(exc)]}
    n = parse_int(inputs.get("backpay_months"), "backpay_months", minimum=1)
    base = parse_fen(inputs.get("backpay_base"), "backpay_base")
    floor = ctx.trace.use(params.get("contribution.base_floor_rate", ctx.as_of, ctx.region))
    cap = ctx.trace.use(params.get("contribution.base_cap_rate", ctx.as_of, ctx.region))
    lo = rdiv(ctx.avg_monthly * ratio(floor.value)[0], ratio(floor.value)[1])
    hi = rdiv(ctx.avg_monthly * ratio(cap.value)[0], ratio(cap.value)[1])
    if not lo <= base <= hi:
        raise InputError(f"补缴基数应在每月 {fen_str(lo)} 元到 {fen_str(hi)} 元之间（当地缴费基数的下限和上限，"
                         f"即社会平均工资的 {floor.value * 100:.0f}%–{cap.value * 100:.0f}%），"
                         f"您填写的是 {fen_str(base)} 元", "backpay_base")
    reasons: list[dict[str, str]] = []
    r_num, r_den = ratio(ctx.rate.value)
    a_num, a_den = ratio(ctx.account_rate.value)
    cost = rdiv(base * r_num, r_den) * n
    without, before = ctx.pension(ctx.months, ctx.index, ctx.balance)
    min_months = before.get("min_contribution_months")
    if min_months is not None and ctx.months >= min_months:
        raise InputError(f"您已缴费 {ctx.months} 个月，已达到最低缴费年限（{min_months} 个月），"
                         "到退休年龄即可按月领取基本养老金，无需补缴（社会保险法 第十六条）", "contribution_months")
    months = ctx.months + n
    tier_micro = rdiv(base * MICRO, ctx.avg_monthly)
    index = rdiv(ctx.index * ctx.months + tier_micro * n, months)
    with_, after = ctx.pension(months, index, ctx.balance + rdiv(base * a_num, a_den) * n)
    gain = with_ - without
    recoup = _ceil_div(cost, gain) if gain > 0 else None
    wait = ctx.remaining + 1  # the pension starts the month after retirement
    flows = [(0, -cost)] + [(wait + t, gain) for t in range(ctx.horizon)]
    irr = irr_annual(flows) if gain > 0 else None
    conditions = [
        {"text": "达到法定退休年龄时累计缴费不足十五年的，可以缴费至满十五年，按月领取基本养老金",
         "reference": "中华人民共和国社会保险法 第十六条第二款"},
        {"text": f"达到法定退休年龄但不满最低缴费年限（本人为 {min_months} 个月）的，可以通过延长缴费或者一次性缴费达到最低缴费年限",
         "reference": "国务院关于渐进式延迟法定退休年龄的办法 第二条"},
        {"text": "用人单位未按时足额缴纳的，由征收机构责令限期缴纳或者补足，并自欠缴之日起按日加收万分之五的滞纳金（本测算未计滞纳金）",
         "reference": "中华人民共和国社会保险法 第六十三条、第八十六条"},
        {"text": f"灵活就业人员按所选基数的 {_percent(ctx.rate.value)} 缴费，"
                 f"其中 {_percent(ctx.account_rate.value)} 记入个人账户",
         "reference": REF_FLEXIBLE},
    ]
    return {
        "region": ctx.region,
        "retirement_date": ym_str(ctx.ret_ym),
        "backpay_months": n,
        "backpay_base": fen_str(base),
        "cost": fen_str(cost),
        "pension_before": fen_str(without),
        "pension_after": fen_str(with_),
        "eligible_before": before["eligible"],
        "eligible_after": after["eligible"],
        "pension_gain_monthly": fen_str(gain),
        "months_to_recoup": recoup,
        "irr": f"{irr:.4f}" if irr is not None else None,
        "conditions": conditions,
        "assumptions": ctx.assumptions(),
        "reasons": reasons,
        "unconfirmed_parameters": ctx.trace.unconfirmed(),
        "trace": ctx.trace.to_dict(),
    }


__all__ = ["calc_plan", "calc_backpay", "irr_annual"]
