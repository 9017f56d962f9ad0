"""Survivor benefits of the enterprise pension scheme for deaths from illness or non-work causes
(社会保险法 第十七条; 人社部发〔2021〕18号《企业职工基本养老保险遗属待遇暂行办法》 第四条、第五条).

Both amounts rest on the province's previous-year urban residents' per-capita disposable income
(``wages.provincial_urban_disposable_income``, yearly): the funeral grant is 2 months of it (第四条);
the survivor lump sum (抚恤金) is a number of months of it (第五条): in service, 3 / 6 / 9 months by
contribution years (<5, 5–<10, 10–15), one month more per year above 15 counted to the month, years
above 30 ignored (so at most 24); a retiree starts from the same months less one per year of pension
received (to the month), at least 9. Where the income of the year is not sourced the amounts are
missing and said so, never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shebao.policy.common import (
    Trace,
    fen_str,
    missing_reason,
    parse_bool,
    parse_date,
    parse_int,
    present,
    ratio,
    rdiv,
)
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParameterMissing

REF_4 = "人社部发〔2021〕18号 第四条；社会保险法 第十七条"
REF_5 = "人社部发〔2021〕18号 第五条"
RULE_FROM = dt.date(2021, 9, 1)


def survivor_months_twelfths(contribution_months: int, pension_months: int | None, *, on: dt.date,
                             region: str | None, params: ParameterSet, trace: Trace | None = None) -> int:
    """The 抚恤金 months in twelfths of a month (years are counted to the month)."""
    table = params.get("pension.death.survivor_months", on, region)
    after = params.get("pension.death.survivor_extra_after_months", on, region)
    cap = params.get("pension.death.survivor_counted_max_months", on, region)
    floor = params.get("pension.death.survivor_retiree_min_months", on, region)
    for pv in (table, after, cap, floor):
        if trace is not None:
            trace.use(pv)
    counted = min(contribution_months, cap.value)
    base = 0
    for threshold, months in table.value.items():
        if counted >= threshold:
            base = months
    twelfths = base * 12 + max(0, counted - after.value)  # one month per extra year = 1/12 month per extra month
    if pension_months is not None:
        twelfths = max(floor.value * 12, twelfths - pension_months)
    if trace is not None:
        trace.step("survivor_months", "抚恤金月数：按缴费年限（含视同，精确到月）3/6/9个月，15年以上每多1年加1个月，"
                   "超过30年不计；退休人员每领取1年养老金减1个月，最少9个月",
                   {"contribution_months": contribution_months, "pension_months": pension_months},
                   f"{twelfths // 12}又{twelfths % 12}/12个月" if twelfths % 12 else f"{twelfths // 12}个月", REF_5)
    return twelfths


def calc_survivor(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """Funeral grant and survivor lump sum for an enterprise-scheme participant who died of illness
    or non-work causes.

    Args:
        inputs: ``region``, ``death_date``, ``contribution_months`` (actual + deemed), ``retired``
            (default false) and, for a retiree, ``pension_months`` (months of pension received).

    Returns:
        ``funeral_grant``, ``survivor_months``, ``survivor_grant`` (strings, yuan; ``None`` with a
        ``parameter_missing`` reason where the year's income is not sourced), ``income_year``,
        ``reasons``, ``trace``.
    """
    params = params or default_parameters()
    trace = Trace()
    region = str(inputs.get("region") or "370000")
    death = parse_date(inputs.get("death_date"), "death_date")
    months = parse_int(inputs.get("contribution_months"), "contribution_months")
    retired = parse_bool(inputs.get("retired", False), "retired")
    pension_months = parse_int(inputs.get("pension_months") or 0, "pension_months") if retired else None
    if retired and not present(inputs, "pension_months"):
        pension_months = 0
    reasons: list[dict[str, str]] = []
    out: dict[str, Any] = {"region": region, "death_date": death.isoformat(), "funeral_grant": None,
                           "survivor_months": None, "survivor_grant": None, "income_year": death.year - 1}
    if death < RULE_FROM:
        reasons.append({"code": "before_rule", "text": "2021年9月1日前死亡的，按当时当地规定计发（未收录）",
                        "reference": "人社部发〔2021〕18号（2021年9月1日起死亡的适用）"})
        return {**out, "reasons": reasons, "trace": trace.to_dict()}
    twelfths = survivor_months_twelfths(months, pension_months, on=death, region=region, params=params, trace=trace)
    out["survivor_months"] = f"{twelfths // 12}" if twelfths % 12 == 0 else f"{twelfths / 12:.4f}".rstrip("0")
    income_day = dt.date(death.year - 1, 1, 1)
    try:
        income = trace.use(params.get("wages.provincial_urban_disposable_income", income_day, region,
                                      same_period=True))
        multiple = trace.use(params.get("pension.death.funeral_grant_income_months", death, region))
    except ParameterMissing as exc:
        reasons.append(missing_reason(exc))
        return {**out, "reasons": reasons, "parameter_sources": trace.sources(), "trace": trace.to_dict()}
    annual_fen = int(income.value * 100)
    m_num, m_den = ratio(multiple.value)
    funeral = rdiv(annual_fen * m_num, 12 * m_den)
    survivor = rdiv(annual_fen * twelfths, 144)
    trace.step("funeral_grant", "丧葬补助金 = 本省上一年度城镇居民月人均可支配收入 × 2",
               {"annual_income": fen_str(annual_fen), "year": income.effective_date.year}, fen_str(funeral), REF_4)
    trace.step("survivor_grant", "抚恤金 = 本省上一年度城镇居民月人均可支配收入 × 抚恤金月数（四舍五入到分）",
               {"annual_income": fen_str(annual_fen), "months_twelfths": twelfths}, fen_str(survivor), REF_5)
    out.update(funeral_grant=fen_str(funeral), survivor_grant=fen_str(survivor))
    return {**out, "reasons": reasons, "unconfirmed_parameters": trace.unconfirmed(),
            "parameter_sources": trace.sources(), "source_level": trace.source_level(), "trace": trace.to_dict()}


# --- what the family is due, item by item ------------------------------------------------------

REF_17 = "《中华人民共和国社会保险法》第十七条"
REF_14 = "《中华人民共和国社会保险法》第十四条"
REF_39 = "《工伤保险条例》第三十九条"


@dataclass(frozen=True, slots=True)
class AccountAtDeath:
    """What the records say of the personal account at death (社会保险法 第十四条: it may be inherited).

    Attributes:
        balance_at_retirement / account_pension / paid_months: for a pensioner, the balance at
            retirement, the monthly account pension and the months paid through the death month.
        latest_balance / latest_as_of: otherwise, the latest account statement on or before death.
    """

    pensioner: bool = False
    balance_at_retirement: Decimal | None = None
    account_pension: Decimal | None = None
    paid_months: int = 0
    latest_balance: Decimal | None = None
    latest_as_of: dt.date | None = None


def remaining_account_balance(account: AccountAtDeath) -> tuple[Decimal | None, str]:
    """The personal account balance left at death and how it was reached (None: a person must settle it).

    A pensioner's: the balance at retirement less the account pension paid since (never below 0);
    otherwise the latest statement.
    """
    if account.balance_at_retirement is not None and account.account_pension is not None:
        balance = account.balance_at_retirement - account.account_pension * account.paid_months
        return max(balance, Decimal("0.00")), (
            f"退休时储存额 {account.balance_at_retirement:.2f} 元 − 个人账户养老金 "
            f"{account.account_pension:.2f} 元 × 已发 {account.paid_months} 个月")
    if account.latest_balance is not None and not account.pensioner:
        return account.latest_balance, f"{account.latest_as_of.isoformat()} 个人账户储存额"
    return None, "无退休时个人账户储存额及已发个人账户养老金的记录，需人工核定"


def enterprise_grant_items(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The funeral grant and 抚恤金 items of a :func:`calc_survivor` result; a missing amount names why."""
    missing = "；".join(r.get("text", "") for r in result["reasons"]) or None
    basis = f"抚恤金 {result['survivor_months']} 个月" if result.get("survivor_months") else None
    out = []
    for kind, label, ref in (("funeral_grant", "丧葬补助金", "人社部发〔2021〕18号 第四条；" + REF_17),
                             ("survivor_grant", "一次性抚恤金", "人社部发〔2021〕18号 第五条；" + REF_17)):
        amount = result.get(kind)
        item = {"kind": kind, "label": label, "amount": amount, "reference": ref}
        if amount is None:
            item["missing"] = missing or "计发基数未收录"
        elif kind == "survivor_grant" and basis:
            item["basis"] = basis
        out.append(item)
    return out


def enterprise_survivor_items(*, region: str, death_date: dt.date, contribution_months: int,
                              pension_months: int | None, account: AccountAtDeath,
                              params: ParameterSet | None = None) -> list[dict[str, Any]]:
    """What the family of an enterprise-scheme participant is due (社会保险法 第十四条、第十七条):
    the funeral grant, the 抚恤金 and the personal account balance.

    Args:
        pension_months: months of pension received (None: the deceased was not a pensioner).
    """
    inputs: dict[str, Any] = {"region": region, "death_date": death_date.isoformat(),
                              "contribution_months": contribution_months, "retired": pension_months is not None}
    if pension_months is not None:
        inputs["pension_months"] = pension_months
    items = enterprise_grant_items(calc_survivor(inputs, params))
    balance, note = remaining_account_balance(account)
    items.append({"kind": "account_inheritance", "label": "个人账户余额（可依法继承）",
                  "amount": None if balance is None else f"{balance:.2f}", "reference": REF_14,
                  **({"missing": note} if balance is None else {"basis": note})})
    for it in items:
        it["scheme"] = "enterprise"
    return items


def injury_survivor_items(result: dict[str, Any], dependants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the family of a work-injury death is due (工伤保险条例 第三十九条), from a
    :func:`~shebao.policy.injury.calc_injury` result: the funeral grant, the dependants' monthly
    pensions and the one-off death grant."""
    missing = "；".join(r.get("text", "") for r in result.get("reasons", []) if r.get("code") == "parameter_missing")
    items: list[dict[str, Any]] = [
        {"kind": "funeral_grant", "label": "丧葬补助金", "amount": result.get("funeral_grant"),
         "reference": REF_39, **({"missing": missing} if result.get("funeral_grant") is None else {})}]
    for i, amt in enumerate(result.get("survivor_pensions") or []):
        dep = (dependants or [{}])[i]
        items.append({"kind": "injury_survivor_pension", "label": f"供养亲属抚恤金（{dep.get('relation', '')}，按月）",
                      "amount": amt, "monthly": True, "dependant": i, "reference": REF_39})
    items.append({"kind": "death_grant", "label": "一次性工亡补助金", "amount": result.get("death_grant"),
                  "reference": REF_39, **({"missing": missing} if result.get("death_grant") is None else {})})
    for it in items:
        it["scheme"] = "injury"
    return items
