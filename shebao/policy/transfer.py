"""Moving a person's basic pension insurance between regions (养老保险关系转移接续): pure rules.

What the law says, as code on plain values (no database):

- the relationship moves with the person and the years are added up; the pension is computed in
  segments and paid as one (社会保险法 第十九条, text below, checked against the corpus);
- the fund transfer of a cross-province move (办法 第四条 as issue 21 reads it): the individual
  account — before 1998 the person's own contributions with interest, from 1998 the whole account —
  and the pooled fund: ``pooled_rate`` × Σ over the years from 1998 of ``monthly_base × months`` in
  the place being left, rounded half-up to the fen once, at the end;
- a man of 50 or a woman of 40 moving to a province other than the household registration keeps
  the relationship in the old place and opens a temporary contribution account in the new one;
- where the pension is paid (the pension-place rule, four branches, :func:`pension_place`);
- inside a province under provincial pooling (Shandong) a move between cities moves the record only.

The 办法 (国办发〔2009〕66号) is not in the project's law corpus: every value taken from it is a
parameter with ``confirmed: false`` and source level ``secondary`` (``transfer.*``), and the trace
says so. Numbers (12%, 1998-01, 50/40, 10 years, 15 working days) are parameters, not code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shebao.policy.common import InputError, fen_str, parse_date, parse_decimal, parse_fen, ratio, rdiv
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParamValue

# 社会保险法 第十九条, as in /work/shared/corpus/laws/社会保险法(2018-12-29).md (a test compares them)
LAW_ARTICLE_19 = ("个人跨统筹地区就业的，其基本养老保险关系随本人转移，缴费年限累计计算。个人达到法定退休年龄时，"
                  "基本养老金分段计算、统一支付。具体办法由国务院规定。")
LAW_REF = "社会保险法 第十九条"
MEASURE = "城镇企业职工基本养老保险关系转移接续暂行办法（国办发〔2009〕66号）"
UNVERIFIED = "办法未收入法规语料，条款按 issue 21 的读法引用，未对照原文核实"

KINDS = ("cross_province", "within_province")
PENSION_PLACE_BRANCHES = ("household", "relationship_10_years", "earlier_10_years", "household_collects")
SEX_CODES = {"M": "M", "F": "F", "男": "M", "女": "F", "male": "M", "female": "F"}
_REGION = re.compile(r"^[1-9]\d{5}$")

FIELD_NAMES = {
    "from_region": "转出地（from_region）", "to_region": "转入地（to_region）", "date": "转移日期（date）",
    "household_region": "户籍所在地（household_region）", "birth_date": "出生日期（birth_date）",
    "sex": "性别（sex）", "contributions": "缴费记录（contributions）",
    "account_balance": "个人账户储存额（account_balance）",
    "account_pre1998_own": "1998年前个人缴费累计本息（account_pre1998_own）",
    "account_pre1998_total": "1998年前个人账户储存额（account_pre1998_total）",
    "drawing_pension": "是否已领取基本养老金（drawing_pension）",
}


def _name(field: str) -> str:
    return FIELD_NAMES.get(field, field)


@dataclass(frozen=True, slots=True)
class Contribution:
    """Months contributed in one region in one year, at one monthly base."""

    region: str
    year: int
    months: int
    base_fen: int


@dataclass(frozen=True, slots=True)
class History:
    """A person's history as the plan needs it (parsed and checked by :func:`parse_history`)."""

    from_region: str
    to_region: str
    on: dt.date
    household_region: str
    birth_date: dt.date
    sex: str
    contributions: tuple[Contribution, ...]
    balance_fen: int
    pre1998_own_fen: int
    pre1998_total_fen: int
    drawing_pension: bool = False


# --- input ----------------------------------------------------------------------------------------


def _region(raw: Mapping[str, Any], field: str, label: str | None = None, where: str | None = None) -> str:
    value = raw.get(field)
    name = where or field
    text = str(value).strip() if value is not None else ""
    if not text:
        raise InputError(f"请填写{label or _name(field)}：6 位行政区划代码，例如 370500", name)
    if not _REGION.match(text):
        raise InputError(f"{label or _name(field)}应为 6 位行政区划代码，例如 370500，您填写的是“{text[:20]}”", name)
    return text


def _required(raw: Mapping[str, Any], field: str) -> Any:
    value = raw.get(field)
    if value is None or value == "":
        raise InputError(f"请填写{_name(field)}", field)
    return value


def _fen(raw: Mapping[str, Any], field: str, default: Any = None) -> int:
    value = raw.get(field, default)
    if value is None or value == "":
        raise InputError(f"请填写{_name(field)}（元，最多两位小数）", field)
    try:
        return parse_fen(value, field)
    except InputError as exc:
        raise InputError(f"{_name(field)}：{exc}", field) from None


def parse_history(raw: Any) -> History:
    """Check the plan's input (the history form) and convert it; a bad field raises
    :class:`InputError` naming it (``contributions[2].months``)."""
    if not isinstance(raw, Mapping):
        raise InputError("输入应为一个 JSON 对象", None)
    from_region = _region(raw, "from_region")
    to_region = _region(raw, "to_region")
    if from_region == to_region:
        raise InputError(f"转入地（to_region）与转出地（from_region）相同：{to_region}，无需转移", "to_region")
    household = _region(raw, "household_region")
    on = parse_date(_required(raw, "date"), "date")
    birth = parse_date(_required(raw, "birth_date"), "birth_date")
    if birth >= on:
        raise InputError(f"出生日期（birth_date）{birth} 应早于转移日期（date）{on}", "birth_date")
    sex_raw = str(_required(raw, "sex")).strip()
    sex = SEX_CODES.get(sex_raw) or SEX_CODES.get(sex_raw.lower())
    if sex is None:
        raise InputError(f"性别（sex）应为 M 或 F（男、女），您填写的是“{sex_raw[:10]}”", "sex")
    items = raw.get("contributions")
    if items is None:
        raise InputError("请填写缴费记录（contributions）：每条 {region, year, months, monthly_base}", "contributions")
    if not isinstance(items, list):
        raise InputError("缴费记录（contributions）应为列表，每条 {region, year, months, monthly_base}", "contributions")
    rows: list[Contribution] = []
    per_year: dict[int, int] = {}
    for i, item in enumerate(items):
        where = f"contributions[{i}]"
        label = f"第 {i + 1} 条缴费记录"
        if not isinstance(item, Mapping):
            raise InputError(f"{label}应为对象 {{region, year, months, monthly_base}}", where)
        region = _region(item, "region", f"{label}的地区（{where}.region）", f"{where}.region")
        try:
            year = int(parse_decimal(_required_item(item, "year", where, label), f"{where}.year", max_places=0))
        except InputError:
            raise InputError(f"{label}的年度（{where}.year）应为整数年份，例如 2015", f"{where}.year") from None
        if year < 1951 or year > on.year:
            raise InputError(f"{label}的年度（{where}.year）{year} 不在 1951 到转移日期所在年 {on.year} 之间", f"{where}.year")
        try:
            months = int(parse_decimal(_required_item(item, "months", where, label), f"{where}.months", max_places=0))
        except InputError:
            months = -1
        if not 1 <= months <= 12:
            raise InputError(f"{label}的缴费月数（{where}.months）应为 1 到 12 的整数，您填写的是“{item.get('months')}”",
                             f"{where}.months")
        try:
            base = parse_fen(_required_item(item, "monthly_base", where, label), f"{where}.monthly_base")
        except InputError:
            raise InputError(f"{label}的月缴费基数（{where}.monthly_base）应为不小于 0 的金额（元，最多两位小数），"
                             f"您填写的是“{str(item.get('monthly_base'))[:20]}”", f"{where}.monthly_base") from None
        per_year[year] = per_year.get(year, 0) + months
        if per_year[year] > 12:
            raise InputError(f"{label}：{year} 年的缴费月数合计 {per_year[year]}，超过 12 个月（{where}.months）",
                             f"{where}.months")
        rows.append(Contribution(region, year, months, base))
    balance = _fen(raw, "account_balance")
    own = _fen(raw, "account_pre1998_own", 0)
    total = _fen(raw, "account_pre1998_total", raw.get("account_pre1998_own", 0) or 0)
    if own > total:
        raise InputError("1998年前个人缴费累计本息（account_pre1998_own）不能大于 1998年前个人账户储存额"
                         f"（account_pre1998_total）：{fen_str(own)} > {fen_str(total)}", "account_pre1998_own")
    if total > balance:
        raise InputError("1998年前个人账户储存额（account_pre1998_total，缺省同 account_pre1998_own）不能大于个人账户储存额"
                         f"（account_balance）：{fen_str(total)} > {fen_str(balance)}", "account_pre1998_own"
                         if "account_pre1998_total" not in raw else "account_pre1998_total")
    drawing = raw.get("drawing_pension", False)
    if not isinstance(drawing, bool):
        raise InputError("是否已领取基本养老金（drawing_pension）应为 true 或 false", "drawing_pension")
    return History(from_region, to_region, on, household, birth, sex, tuple(rows), balance, own, total, drawing)


def _required_item(item: Mapping[str, Any], key: str, where: str, label: str) -> Any:
    value = item.get(key)
    if value is None or value == "":
        raise InputError(f"请填写{label}的 {key}（{where}.{key}）", f"{where}.{key}")
    return value


# --- the rules --------------------------------------------------------------------------------------


def province(region: str) -> str:
    """The province of a region code (its first two digits, then 0000)."""
    return region[:2] + "0000"


def _ref(pv: ParamValue) -> str:
    return pv.reference_text()


def _source(pv: ParamValue) -> str:
    return pv.decides_as


def age_on(birth: dt.date, on: dt.date) -> int:
    """Full years of age on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def pooling_unit(region: str) -> str:
    """The place a region code counts as in a cross-province transfer and in the pension-place rule:
    its province (the 办法 governs moves between provinces; inside one, the province's rules)."""
    return province(region)


def pension_place(*, relationship_region: str, household_region: str, months_by_region: Mapping[str, int],
                  last_year_by_region: Mapping[str, int], on: dt.date,
                  params: ParameterSet | None = None) -> tuple[str, str, dict[str, Any]]:
    """Where the pension is paid, which branch decided it, and the step for the trace.

    1. the household-registration place, if the relationship is there;
    2. else the relationship's place, if it has 10 or more years of contributions;
    3. else the most recent earlier place with 10 or more years;
    4. else the household-registration place, which takes over the records and funds.

    Places are provinces (:func:`pooling_unit`); a place's
    recency is its last contribution year (ties by region code, for a stable answer).
    """
    params = params or default_parameters()
    years_pv = params.get("transfer.pension_place_years", on)
    need = int(years_pv.value * 12)
    unit = {r: pooling_unit(r) for r in {*months_by_region, relationship_region, household_region}}
    by_unit: dict[str, int] = {}
    last_unit: dict[str, tuple[int, str]] = {}
    for region, months in months_by_region.items():
        u = unit[region]
        by_unit[u] = by_unit.get(u, 0) + months
        mark = (last_year_by_region.get(region, 0), region)
        if mark > last_unit.get(u, (-1, "")):
            last_unit[u] = mark
    rel, home = unit[relationship_region], unit[household_region]
    places = [{"place": u, "months": m, "last_year": last_unit[u][0]} for u, m in sorted(by_unit.items())]
    if rel == home:
        place, branch = household_region, "household"
    elif by_unit.get(rel, 0) >= need:
        place, branch = relationship_region, "relationship_10_years"
    else:
        earlier = sorted((u for u in by_unit if u != rel and by_unit[u] >= need),
                         key=lambda u: last_unit[u], reverse=True)
        if earlier:
            place, branch = last_unit[earlier[0]][1], "earlier_10_years"
        else:
            place, branch = household_region, "household_collects"
    texts = {
        "household": "基本养老保险关系在户籍所在地，由户籍所在地办理待遇领取",
        "relationship_10_years": f"关系不在户籍地，在关系所在地累计缴费满 {years_pv.value} 年，在该地领取",
        "earlier_10_years": f"关系所在地缴费不满 {years_pv.value} 年，转回此前最近一个缴费满 {years_pv.value} 年的参保地领取",
        "household_collects": f"各地缴费均不满 {years_pv.value} 年，关系和资金归集到户籍所在地领取",
    }
    step = {
        "figure": "pension_place", "result": place, "branch": branch, "rule": texts[branch],
        "inputs": {"relationship_region": relationship_region, "household_region": household_region,
                   "places": places, "threshold_months": need},
        "reference": f"{MEASURE}；{LAW_REF}", "parameters": [years_pv.name],
        "source_level": _source(years_pv), "verified": False, "note": UNVERIFIED,
    }
    return place, branch, step


def plan(history: History, params: ParameterSet | None = None) -> dict[str, Any]:
    """The transfer plan of issue 21: kind, the two transfers and their total (strings to the fen),
    the combined years, whether a temporary account is opened, the pension place, and the trace.

    Raises:
        InputError: a person already drawing a pension (who does not transfer), or a move inside a
            province whose rules are not recorded.
        ParameterMissing: no parameter in force on the transfer date.
    """
    params = params or default_parameters()
    h = history
    on = h.on
    trace: list[dict[str, Any]] = []
    if h.drawing_pension:
        raise InputError("已按规定领取基本养老金的人员不再转移基本养老保险关系（办法第二条，未核实）", "drawing_pension")

    same_province = province(h.from_region) == province(h.to_region)
    pooling = params.get("transfer.provincial_pooling", on, province(h.to_region))
    if same_province and not pooling.value:
        raise InputError(f"省内转移（{h.from_region} → {h.to_region}）按该省规定办理，本系统未收录该省的省级统筹规定"
                         "（只收录山东省）", "to_region")
    kind = "within_province" if same_province else "cross_province"
    trace.append({
        "figure": "kind", "result": kind,
        "rule": ("同一省内、实行省级统筹：只转移关系和缴费记录，不计算转移资金" if same_province
                 else "跨省流动就业：关系随本人转移，缴费年限累计计算，转移个人账户和统筹基金"),
        "inputs": {"from_region": h.from_region, "to_region": h.to_region,
                   "from_province": province(h.from_region), "to_province": province(h.to_region)},
        "reference": (pooling.reference_text() if same_province
                      else f"{LAW_REF}；{MEASURE} 第二条、第三条"),
        "law_text": LAW_ARTICLE_19, "parameters": [pooling.name] if same_province else [],
        "source_level": _source(pooling) if same_province else "secondary",
        "verified": False, "note": pooling.note if same_province else UNVERIFIED,
    })

    # years combined: every month in every place counts (第十九条: 缴费年限累计计算)
    total_months = sum(c.months for c in h.contributions)
    months_by_region: dict[str, int] = {}
    last_year: dict[str, int] = {}
    for c in h.contributions:
        months_by_region[c.region] = months_by_region.get(c.region, 0) + c.months
        last_year[c.region] = max(last_year.get(c.region, 0), c.year)
    years_combined = fen_str(rdiv(total_months * 100, 12))
    trace.append({
        "figure": "years_combined", "result": years_combined, "rule": "各地缴费月数合计 ÷ 12，四舍五入到 0.01 年",
        "inputs": {"months": total_months, "months_by_region": dict(sorted(months_by_region.items()))},
        "years": sorted({c.year for c in h.contributions}),
        "reference": LAW_REF, "law_text": LAW_ARTICLE_19, "source_level": "official", "verified": True,
    })

    # temporary account (cross-province only)
    temporary = False
    if kind == "cross_province":
        age_pv = params.get(f"transfer.temporary_account_age.{'male' if h.sex == 'M' else 'female'}", on)
        age = age_on(h.birth_date, on)
        away = province(h.to_region) != province(h.household_region)
        temporary = away and age >= int(age_pv.value)
        trace.append({
            "figure": "temporary_account", "result": temporary,
            "rule": (f"{'男' if h.sex == 'M' else '女'}性年满 {age_pv.value} 周岁、到户籍所在省以外就业参保的，"
                     "原参保地保留关系，新参保地建立临时基本养老保险缴费账户；回户籍地或退休时归集"),
            "inputs": {"age": age, "threshold": int(age_pv.value), "to_province": province(h.to_region),
                       "household_province": province(h.household_region), "outside_household_province": away},
            "reference": MEASURE, "parameters": [age_pv.name], "source_level": _source(age_pv),
            "verified": False, "note": UNVERIFIED,
        })

    # the fund transfer
    moves_funds = kind == "cross_province" and not temporary
    split_pv = params.get("transfer.split_month", on)
    split_year = split_pv.value.year
    rate_pv = params.get("transfer.pooled_rate", on)
    if moves_funds:
        personal = h.balance_fen - h.pre1998_total_fen + h.pre1998_own_fen
        left = pooling_unit(h.from_region)
        summed = [c for c in h.contributions if pooling_unit(c.region) == left and c.year >= split_year]
        wage_sum = sum(c.base_fen * c.months for c in summed)
        num, den = ratio(rate_pv.value)
        pooled = rdiv(wage_sum * num, den)
    else:
        personal = pooled = 0
        summed, wage_sum = [], 0
    why_zero = ("省内转移：不计算转移资金" if kind == "within_province"
                else "建立临时缴费账户：关系留在原参保地，现在不转移资金" if temporary else None)
    trace.append({
        "figure": "personal_account_transfer", "result": fen_str(personal),
        "rule": why_zero or (f"个人账户：{split_pv.value:%Y-%m} 前按个人缴费累计本息，此后按记入个人账户的全部储存额"
                             "（= 账户储存额 − 1998年前储存额 + 1998年前个人缴费累计本息）"),
        "inputs": {} if why_zero else {"account_balance": fen_str(h.balance_fen),
                                       "account_pre1998_total": fen_str(h.pre1998_total_fen),
                                       "account_pre1998_own": fen_str(h.pre1998_own_fen)},
        "reference": f"{MEASURE} 第四条", "parameters": [split_pv.name], "source_level": _source(split_pv),
        "verified": False, "note": UNVERIFIED,
    })
    trace.append({
        "figure": "pooled_fund_transfer", "result": fen_str(pooled),
        "rule": why_zero or (f"统筹基金：{(rate_pv.value * 100).normalize()}% × Σ（{split_year} 年起在转出省 {province(h.from_region)} 各年度"
                             "月缴费基数 × 缴费月数），最后一次四舍五入到分；不足一年按实际缴费月数"),
        "inputs": {} if why_zero else {"rate": str(rate_pv.value), "wage_sum": fen_str(wage_sum)},
        "years": [{"year": c.year, "months": c.months, "monthly_base": fen_str(c.base_fen),
                   "wages": fen_str(c.base_fen * c.months)} for c in sorted(summed, key=lambda c: (c.year, c.base_fen))],
        "reference": f"{MEASURE} 第四条", "parameters": [rate_pv.name, split_pv.name],
        "source_level": _source(rate_pv), "verified": False, "note": UNVERIFIED,
    })
    total = personal + pooled
    trace.append({"figure": "total_transfer", "result": fen_str(total), "rule": "个人账户转移额 + 统筹基金转移额",
                  "inputs": {"personal_account_transfer": fen_str(personal), "pooled_fund_transfer": fen_str(pooled)},
                  "reference": f"{MEASURE} 第四条", "source_level": _source(rate_pv), "verified": False})

    relationship = h.from_region if temporary else h.to_region
    place, _branch, step = pension_place(
        relationship_region=relationship, household_region=h.household_region,
        months_by_region=months_by_region, last_year_by_region=last_year, on=on, params=params)
    step["rule"] += "（按截至转移日期的缴费记录判断；达到待遇领取条件时按届时记录再判断）"
    trace.append(step)
    return {
        "kind": kind,
        "personal_account_transfer": fen_str(personal),
        "pooled_fund_transfer": fen_str(pooled),
        "total_transfer": fen_str(total),
        "years_combined": years_combined,
        "temporary_account": temporary,
        "pension_place": place,
        "trace": trace,
    }


def plan_from_input(raw: Any, params: ParameterSet | None = None) -> dict[str, Any]:
    """:func:`parse_history` then :func:`plan`."""
    return plan(parse_history(raw), params)


def step_deadline_days(on: dt.date, params: ParameterSet | None = None) -> ParamValue:
    """The working days each side has for its step of a transfer received on ``on``."""
    return (params or default_parameters()).get("transfer.step_working_days", on)
