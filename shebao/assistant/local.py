"""Local rules from the parameter tree: "东营最低工资多少" answered with the value, its date and document.

The knowledge base holds the laws; the amounts a province or city sets (minimum wage, average
wage, pension base, contribution base bounds, the yearly adjustment …) live in the policy
engine's parameter tree with their references and effective dates. A question naming one of
these concepts and asking how much is answered from the tree for today's date and the region
named in the question (else ``SHEBAO_REGION``), with the local document cited and dated; a value
the tree does not have is said to be missing, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shebao.assistant.citing import article_citation
from shebao.assistant.intents import region_named
from shebao.assistant.routing import articles_for_references, dated, local_region, region_label
from shebao.core.settings import local_today


@dataclass(frozen=True)
class Concept:
    words: tuple[str, ...]
    parameter: str
    label: str
    unit: str
    derive: str | None = None  # "monthly": a yearly value divided by 12; "floor"/"cap": bounds of the base
    pattern: str | None = None  # the concept said with words in between ("养老金今年涨多少")


CONCEPTS = (
    Concept(("最低工资",), "wages.minimum_monthly", "月最低工资标准", "元/月"),
    Concept(("缴费基数下限", "最低缴费基数", "基数下限", "最低基数"), "contribution.base_floor_rate", "个人缴费基数下限", "元/月", "floor"),
    Concept(("缴费基数上限", "最高缴费基数", "基数上限", "最高基数"), "contribution.base_cap_rate", "个人缴费基数上限", "元/月", "cap"),
    Concept(("社平工资", "社会平均工资", "平均工资", "社平"), "wages.average_annual", "全口径城镇单位就业人员平均工资", "元/年"),
    Concept(("计发基数",), "pension.base", "基本养老金计发基数", "元/月"),
    Concept(("定额调整", "养老金调整", "涨养老金", "养老金上涨", "养老金涨"), "pension.adjustment.fixed_amount", "养老金定额调整", "元/月",
            pattern=r"(?:养老金|退休金|退休工资).{0,4}(?:涨|调整|上调|提高)|(?:涨|调)了?.{0,3}(?:养老金|退休金)"),
    Concept(("记账利率",), "pension.account.interest_rate", "个人账户记账利率", ""),
)
_ASKS = re.compile(r"多少|几块|几千|标准|是多少|涨了|涨多少|调整")


# "失业金的标准跟最低工资比是高还是低": a comparison asks the rule relating two amounts, not the value
_COMPARES = re.compile(r"高还是低|低还是高|比[^，。？]{0,8}(?:高|低|多|少)|跟[^，。？]{1,10}比|和[^，。？]{1,10}比|哪个高|哪个低|高于|低于|超过|不低于")


# "最低工资标准是谁定的": who sets it is the law's question (the province's government), not the value
_WHO = re.compile(r"谁定|谁规定|谁制定|谁决定|谁来定|由谁|哪个部门定|怎么定")


# "护理费按社平工资的百分之多少给": a share of the value asks the law's rate, the value is only its base
_SHARE_OF = re.compile(r"的(?:百分之(?:多少|几|多)|几成|多少倍|几倍|比例|百分比)")


# "平均工资6000左右，…养老金能拿多少": a value the question states is given, not asked
_STATED = r"\s*(?:是|为|有|在|大概|大约|约|差不多|每月|一个月|每个月)?\s*\d"


def concept_of(question: str) -> Concept | None:
    q = question.replace(" ", "")
    for concept in CONCEPTS:
        for word in concept.words:
            q = re.sub(re.escape(word) + f"(?={_STATED})", "", q)
    if not _ASKS.search(q) or _COMPARES.search(q) or _WHO.search(q) or _SHARE_OF.search(q):
        return None
    if re.search(r"(?:吗|么)[？?]?$", q) and not re.search(r"多少|几[块千十百]", q):
        return None  # "基本养老金每年都会调整吗": a yes/no on the rule, not the value
    for concept in CONCEPTS:
        if any(w in q for w in concept.words) or (concept.pattern and re.search(concept.pattern, q)):
            return concept
    return None


def _value(value: Any) -> str:
    if isinstance(value, Decimal | int | float):
        d = Decimal(str(value))
        return f"{d:.2f}".rstrip("0").rstrip(".") if d != d.to_integral() else str(int(d))
    return str(value)


def local_answer(question: str, kb: Any, today: dt.date | None = None) -> dict | None:
    """The answer from the parameter tree, or None when the question names no local value."""
    concept = concept_of(question)
    if concept is None:
        return None
    from shebao.policy import ParameterMissing, default_parameters

    today = today or local_today()
    named = region_named(question.replace(" ", ""))
    region = named or local_region({})
    params = default_parameters()
    place = region_label(region)
    used: list[dict] = []
    try:
        pv = params.get(concept.parameter, today, region)
        used.append(pv.to_trace())
        place = region_label(pv.region or region)  # the level whose value applies (a city may use the province's)
        if concept.derive in ("floor", "cap"):
            avg = params.get("wages.average_annual", dt.date(today.year - 1, 1, 1), region)
            used.append(avg.to_trace())
            place = region_label(avg.region or region)
            amount = (Decimal(str(avg.value)) * Decimal(str(pv.value)) / 12).quantize(Decimal("0.01"))
            text = (f"{place}{concept.label}为每月{amount}元（{avg.effective_date.year}年平均工资{_value(avg.value)}元/年"
                    f" × {Decimal(str(pv.value)) * 100:.0f}% ÷ 12；{dated(used[1])}）。")
        else:
            if pv.value is None:
                raise ParameterMissing(concept.parameter)
            unit = concept.unit
            shown = f"{Decimal(str(pv.value)) * 100:.2f}%" if not unit else f"{_value(pv.value)}{unit.replace('/月', '').replace('/年', '')}"
            per = "每月" if unit.endswith("/月") else "每年" if unit.endswith("/年") else ""
            when = dated(used[0])
            if unit.endswith("/年"):  # a yearly statistic: keyed by its year, not an effective date
                when = f"{pv.effective_date.year}年度，依据{used[0].get('reference')}"
            text = f"{place}{concept.label}为{per}{shown}（{when}）。"
            if "今年" in question and pv.effective_date.year != today.year and not unit.endswith("/年"):
                text += f"参数库中还没有{today.year}年的新值，以上是{pv.effective_date.year}年起执行的最近一次。"
    except ParameterMissing:
        text = (f"参数库中没有{place}{concept.label}的有出处的数值，无法告诉您具体金额；"
                "请以当地人力资源社会保障部门公布的标准为准，或拨打 12333 咨询。")
        return {
            "answer": text, "found": False, "route": "local_rules", "citations": [], "policy_references": used,
            "region": region, "generated": False,
        }
    if not named:
        text += f"\n说明：按本机构所在地区（{place}）回答；其他地区请在问题中写明城市。"
    references = [{k: p.get(k) for k in ("name", "value", "unit", "region", "effective_date", "reference") if p.get(k) is not None}
                  for p in used]
    articles = articles_for_references(references, kb)
    return {
        "answer": text,
        "found": True,
        "route": "local_rules",
        "citations": [article_citation(a) for a in articles],
        "policy_references": references,
        "region": region,
        "generated": False,
    }
