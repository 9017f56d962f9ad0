"""Answer calculator questions with the policy engine: a plain answer first, or a question back.

A recognised intent (:mod:`shebao.assistant.intents`) names the calculator and its slots. When a
slot that changes the asked quantity is missing, the answer says what the rule gives in general
(from the parameter tree) and asks for it (``route`` = ``clarify``, ``missing`` = the slots); the
slots travel in ``context`` to the next turn. When the quantity does not depend on a missing slot
(the months of wages of a disability grade do not depend on the wage), it is answered at once.
Each calculator is called through :mod:`shebao.policy` (the same entry point as ``shebao calc``);
a calculator the engine does not have degrades to the knowledge-base answer. Every number in the
first sentence comes from the calculator's result or the parameter tree; the parameters'
references go into ``policy_references``, the articles they name into ``citations``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

from shebao.assistant.citing import article_citation, cite
from shebao.assistant.documents import cn_to_int
from shebao.assistant.intents import Intent, recognise
from shebao.core.settings import local_today

__all__ = ["Intent", "answer_with_calculator", "articles_for_references", "collect_references", "recognise"]

ORIGINAL_AGE = {"male_60": 60, "female_55": 55, "female_50": 50}
DEFAULT_REGION = "370000"
ACCOUNT_RATE = Decimal("0.08")

# the engine's function for each calculator (``shebao calc <name>`` calls the same)
CALCULATOR_FUNCTIONS = {
    "retirement": "calc_retirement",
    "pension": "calc_pension",
    "plan": "calc_plan",
    "backpay": "calc_backpay",
    "unemployment": "calc_unemployment",
    "injury": "calc_injury",
    "survivor_work": "calc_injury",
    "survivor": "calc_survivor",
}

SLOT_PROMPTS = {
    "contribution_months": ("累计缴费多少年（或多少个月）", "交了7年"),
    "birth_date": ("出生年月", "1970年5月出生"),
    "sex": ("性别", "男"),
    "category": ("是女工人还是女干部（原法定退休年龄50岁还是55岁）", "女工人"),
    "grade": ("伤残等级（一至十级）", "九级伤残"),
    "monthly_wage": ("受伤前12个月的平均月工资", "工资6000"),
    "backpay_months": ("打算补缴多少个月", "补缴24个月"),
    "backpay_base": ("按多少元的月缴费基数补缴", "基数5000"),
    "work_related": ("是因工死亡（工亡），还是因病或非因工死亡", "因病去世"),
}

GOALS = {
    ("retirement", "when"): "算出您的法定退休时间",
    ("pension", "amount"): "估算您每月能领多少养老金",
    ("unemployment", "period"): "算出您最长能领几个月失业保险金",
    ("unemployment", "total"): "算出您一共能领多少失业保险金",
    ("injury", "months"): "说出对应几个月的本人工资",
    ("injury", "amount"): "算出您能领多少工伤待遇",
    ("survivor", "amount"): "算出家属能领的待遇",
    ("plan", "choice"): "比较灵活就业各缴费档次",
    ("plan", "cost"): "算出灵活就业每月和每年的缴费",
    ("backpay", "amount"): "算出补缴要花多少钱",
}


def _calculator(name: str) -> Any | None:
    """The engine's calculator function, or None when this engine does not have it."""
    try:
        import shebao.policy as policy

        return getattr(policy, name)
    except (ImportError, AttributeError):
        return None


def _calculators() -> tuple[Any, Any] | None:
    """The retirement and pension calculators (None: no engine; the answer falls back to the KB)."""
    retirement, pension = _calculator("calc_retirement"), _calculator("calc_pension")
    return None if retirement is None or pension is None else (retirement, pension)


def local_region(inputs: dict[str, Any]) -> str:
    """The region named in the question, else the agency's own (``SHEBAO_REGION``)."""
    if inputs.get("region"):
        return str(inputs["region"])
    try:
        from shebao.core.settings import get_settings

        return get_settings().region or DEFAULT_REGION
    except Exception:  # noqa: BLE001 - a broken configuration must not stop an answer
        return DEFAULT_REGION


def region_label(code: str) -> str:
    from shebao.assistant.regions import CITIES, PROVINCES

    if code[:4] in CITIES and code[4:6] == "00":
        return f"{CITIES[code[:4]]}市"
    if code[2:] == "0000" and code[:2] in PROVINCES:
        return PROVINCES[code[:2]] + ("省" if code[:2] not in ("11", "12", "31", "50") else "市")
    if code[:4] in CITIES:
        return f"{CITIES[code[:4]]}市（{code}）"
    return code


# --- references → articles ----------------------------------------------------------------------


_PARAMETER_KEY = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+")


def collect_references(result: Any) -> list[dict]:
    """The legal references of a calculator result: each parameter used (name, value, date and
    reference) first, then any other reference of its steps and reasons, without repeats."""
    out: list[dict] = []
    seen: set[str] = set()
    trace = result.get("trace") if isinstance(result, dict) else None
    for param in (trace or {}).get("parameters", []) if isinstance(trace, dict) else []:
        ref = param.get("reference")
        if ref:
            out.append(
                {k: param.get(k) for k in ("name", "value", "unit", "region", "effective_date", "reference") if param.get(k) is not None}
            )
            seen.add(_ref_text(ref))

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("reference")
            # a reason naming a missing parameter by its key (wages.average_annual) cites no law: the
            # answer says in words what is missing (_plain_missing)
            if ref and _ref_text(ref) not in seen and not _PARAMETER_KEY.fullmatch(_ref_text(ref)):
                seen.add(_ref_text(ref))
                out.append({"reference": ref})
            for key, value in node.items():
                if key != "parameters":
                    visit(value)
        elif isinstance(node, list | tuple):
            for value in node:
                visit(value)

    visit(result)
    return out


def _ref_text(ref: Any) -> str:
    if isinstance(ref, dict):
        return " ".join(str(ref.get(k, "")) for k in ("title", "document", "article")).strip()
    return str(ref)


def _norm(text: str) -> str:
    text = re.sub(r"[（(]节选[）)]", "", text)
    return re.sub(r"\s+", "", text.replace("中华人民共和国", ""))


_ARTICLE_IN_REF = re.compile(r"第([零〇一二三四五六七八九十百千两0-9]+)条")


def articles_for_references(references: list[dict], kb: Any) -> list[Any]:
    """The knowledge-base articles that the references point to (only those the KB holds)."""
    titles = sorted(((_norm(law), law) for law in kb.laws()), key=lambda t: len(t[0]), reverse=True)
    out = []
    for ref in references:
        text = _norm(_ref_text(ref.get("reference", ref)))
        for chunk in text.split("；"):
            for key, law in titles:
                start = chunk.find(key)
                if start < 0:
                    continue
                for num in _ARTICLE_IN_REF.findall(chunk[start + len(key):]):
                    try:
                        article = kb.find(law, cn_to_int(num))
                    except ValueError:
                        continue
                    if article is not None and article not in out:
                        out.append(article)
                break
    return out


# --- the parameter tree, said in words ---------------------------------------------------------


def _params() -> Any:
    from shebao.policy import default_parameters

    return default_parameters()


def _years(months: int) -> str:
    years, rest = divmod(int(months), 12)
    if not rest:
        return f"{years}年"
    return f"{years}年{rest}个月" if years else f"{rest}个月"


def duration_rule(table: dict) -> str:
    """{12: 12, 60: 18, 120: 24} → '累计缴费满1年不满5年的最长领取12个月，…满10年以上的最长领取24个月'."""
    items = sorted((int(k), int(v)) for k, v in table.items())
    parts = []
    for i, (threshold, months) in enumerate(items):
        if i + 1 < len(items):
            parts.append(f"满{_years(threshold)}不满{_years(items[i + 1][0])}的最长{months}个月")
        else:
            parts.append(f"满{_years(threshold)}以上的最长{months}个月")
    return "累计缴费" + "，".join(parts)


def _cn_grade(grade: int) -> str:
    from shebao.assistant.citing import int_to_cn

    return int_to_cn(int(grade))


def dated(param: dict) -> str:
    """'自2025年10月1日起，依据鲁政字〔2025〕140号' from a trace parameter."""
    text = ""
    if param.get("effective_date"):
        d = dt.date.fromisoformat(str(param["effective_date"])[:10])
        text = f"自{d.year}年{d.month}月{d.day}日起"
    if param.get("reference"):
        text += ("，" if text else "") + f"依据{param['reference']}"
    return text


# --- answering -----------------------------------------------------------------------------------


def _missing(intent: Intent) -> list[str]:
    s, kind, asks = intent.inputs, intent.kind, intent.asks
    need: list[str] = []
    if kind == "plan" and asks == "cost":
        return need  # a tier's cost is the base times the rate: nobody's age or years change it
    if kind == "backpay" and asks == "amount":
        return [k for k in ("backpay_months", "backpay_base") if k not in s]  # the cost: months × base × rate
    if kind == "injury" and s.get("death"):
        return need  # the work-death benefits are stated by rule, amounts where the tree has them
    if kind in ("retirement", "plan", "backpay"):
        if "birth_date" not in s and asks != "final_age":  # the age once the transition is over: anyone's
            need.append("birth_date")
        if "sex" not in s and not s.get("category"):
            need.append("sex")
        elif s.get("sex") == "female" and not s.get("category"):
            need.append("category")
    if kind in ("pension", "plan", "backpay") and "contribution_months" not in s:
        need.append("contribution_months")
    if kind == "unemployment" and asks in ("period", "total") and "contribution_months" not in s:
        need.append("contribution_months")
    if kind == "injury":
        if asks in ("rate", "has_allowance") and "grade" in s:
            return need
        if "grade" not in s:
            need.append("grade")
        if asks == "amount" and "monthly_wage" not in s:
            need.append("monthly_wage")
    if kind == "survivor":
        if "work_related" not in s:
            need.append("work_related")
        elif not s["work_related"] and "contribution_months" not in s:
            need.append("contribution_months")
    if kind == "backpay":
        need += [k for k in ("backpay_months", "backpay_base") if k not in s]
    return need


def _category(inputs: dict[str, Any]) -> str:
    if inputs.get("category") in ORIGINAL_AGE:
        return inputs["category"]
    return "female_50" if inputs.get("sex") == "female" else "male_60"


def _age_text(months: int) -> str:
    """660 → '55周岁'; 663 → '55周岁3个月'."""
    return f"{months // 12}周岁" + (f"{months % 12}个月" if months % 12 else "")


def _statutory_age(fn: Any, birth: str, original: int) -> int:
    return int(fn({"birth_date": birth, "original_retirement_age": original})["statutory_age_months"])


@functools.lru_cache(maxsize=16)
def ages_by_birth(fn: Any, original: int, today: dt.date) -> tuple[int, int, str]:
    """The statutory retirement age over the birth dates that can ask (every January from 1950 to
    16 years ago), evaluated with the calculator: (the lowest, the age once the transition is over,
    the first birth month it applies to). The same for a day: cached."""
    years = [(y, _statutory_age(fn, f"{y}-01", original)) for y in range(1950, today.year - 15)]
    final = years[-1][1]
    first_year = next(y for y, age in years if age == final)
    first = f"{first_year}-01"
    for month in range(12, 0, -1):  # back through the year before, month by month
        if _statutory_age(fn, f"{first_year - 1}-{month:02d}", original) != final:
            break
        first = f"{first_year - 1}-{month:02d}"
    return min(age for _, age in years), final, first


def _original_who(category: str) -> str:
    return f"原法定退休年龄为{ORIGINAL_AGE[category]}周岁的{'男' if category == 'male_60' else '女'}职工"


def _general_rule(intent: Intent, today: dt.date, region: str) -> tuple[str, list[dict]]:
    """What the rule gives whatever the missing slot: a sentence from the parameter tree."""
    params = _params()
    try:
        s = intent.inputs
        if intent.kind == "retirement" and "birth_date" not in s and (s.get("category") or s.get("sex") == "male"):
            category = _category(s)
            low, final, first = ages_by_birth(_calculator("calc_retirement"), ORIGINAL_AGE[category], today)
            return (f"{_original_who(category)}，法定退休年龄按出生年月在{_age_text(low)}至{_age_text(final)}之间"
                    f"（{first[:4]}年{int(first[5:])}月及以后出生的为{_age_text(final)}）。"), []
        if intent.kind == "unemployment":
            table = params.get("unemployment.duration_months", today, region)
            cap = params.get("unemployment.max_combined_months", today, region)
            text = (f"失业保险金的领取期限按累计缴费时间确定：{duration_rule(table.value)}"
                    f"（与前次应领而未领的期限合并计算，最长不超过{cap.value}个月）。")
            return text, [table.to_trace()]
        if intent.kind == "backpay" and s.get("backpay_months") and "backpay_base" not in s:
            return _backpay_range(s, today, region)
        if intent.kind == "survivor" and s.get("work_related") is False:
            return _survivor_rule(today, region)
        if intent.kind == "injury":
            table = params.get("injury.disability_grant_months", today, region)
            g = intent.inputs.get("grade")
            if g:
                return injury_rule(int(g), today, region, intent.asks in ("rate", "has_allowance")
                                   or intent.inputs.get("asked_benefit") == "disability_allowance")
            parts = "，".join(f"{_cn_grade(k)}级{v}个月" for k, v in sorted(table.value.items()))
            return f"一次性伤残补助金按伤残等级为本人工资的7至27个月：{parts}。", [table.to_trace()]
    except Exception:  # noqa: BLE001 - a missing parameter: no general sentence
        return "", []
    return "", []


def _survivor_rule(today: dt.date, region: str) -> tuple[str, list[dict]]:
    """'因病或非因工死亡的，遗属可以领取丧葬补助金（2个月的…）和抚恤金：缴费不满5年的3个月，…' from the tree."""
    params = _params()
    table = params.get("pension.death.survivor_months", today, region)
    after = params.get("pension.death.survivor_extra_after_months", today, region)
    cap = params.get("pension.death.survivor_counted_max_months", today, region)
    floor = params.get("pension.death.survivor_retiree_min_months", today, region)
    funeral = params.get("pension.death.funeral_grant_income_months", today, region)
    items = sorted((int(k), int(v)) for k, v in table.value.items())
    bands = []
    for i, (threshold, months) in enumerate(items):
        upper = items[i + 1][0] if i + 1 < len(items) else int(after.value)
        bands.append((f"满{_years(threshold)}不满{_years(upper)}" if threshold else f"不满{_years(upper)}") + f"的{months}个月")
    top = items[-1][1] + (int(cap.value) - int(after.value)) // 12
    text = (f"因病或非因工死亡的，遗属可以领取丧葬补助金（{_value_text(funeral.value)}个月的本省上年度城镇居民人均可支配收入）和抚恤金："
            f"按逝者的缴费年限，{'，'.join(bands)}，满{_years(int(after.value))}后每多1年加1个月（最多{top}个月）；"
            f"已退休的每领取1年养老金减1个月，最少{_value_text(floor.value)}个月。")
    return text, [p.to_trace() for p in (table, after, cap, floor, funeral)]


def _backpay_range(s: dict[str, Any], today: dt.date, region: str) -> tuple[str, list[dict]]:
    """'补缴8个月，按缴费基数下限4503.60元约需7205.76元，按上限22518.00元约需36028.80元。' (the plan
    calculator's lowest and highest tier: the base a back-payment may choose)."""
    params = _params()
    plan = _calculator("calc_plan")
    floor = params.get("contribution.base_floor_rate", today, region)
    cap = params.get("contribution.base_cap_rate", today, region)
    result = plan({**_plan_inputs(_neutral(s, today), region), "tiers": [str(floor.value), str(cap.value)]})
    tiers = result.get("tiers") or []
    if len(tiers) != 2:
        return "", []
    n = int(s["backpay_months"])
    low, high = ((Decimal(t["monthly_cost"]) * n).quantize(Decimal("0.01")) for t in tiers)
    text = (f"补缴{_years(n)}，按缴费基数下限{tiers[0]['monthly_base']}元约需{low}元，"
            f"按上限{tiers[1]['monthly_base']}元约需{high}元（每月按基数的{_pct(result.get('contribution_rate') or 0)}，未计滞纳金和利息）。")
    used = [p for p in (result.get("trace") or {}).get("parameters", [])
            if p.get("name") in ("wages.average_annual", "pension.flexible.contribution_rate")]
    return text, used + [floor.to_trace(), cap.to_trace()]


def injury_rule(grade: int, today: dt.date, region: str, allowance_first: bool = False) -> tuple[str, list[dict]]:
    """'九级伤残的一次性伤残补助金为9个月的本人工资。' (+ the allowance rate for grades 1–6), from the tree;
    the allowance first when it is what was asked ("四级伤残伤残津贴是工资的百分之多少")."""
    params = _params()
    table = params.get("injury.disability_grant_months", today, region)
    rates = params.get("injury.disability_allowance_rate", today, region)
    grant = f"一次性伤残补助金为{table.value[grade]}个月的本人工资"
    allowance = ""
    if grade in rates.value:
        rate = Decimal(str(rates.value[grade])) * 100
        fund_max = params.get("injury.fund_allowance_max_grade", today, region).value
        payer = "从工伤保险基金按月支付" if grade <= fund_max else "难以安排工作的，由用人单位按月发给"
        allowance = f"伤残津贴{payer}，为本人工资的{rate:.0f}%"
        if allowance_first:
            allowance = f"伤残津贴为本人工资的{rate:.0f}%，{payer.removeprefix('难以安排工作的，')}"
            if grade > fund_max:
                allowance = f"伤残津贴为本人工资的{rate:.0f}%（难以安排工作的，由用人单位按月发给）"
    elif allowance_first:
        allowance = f"没有按月的伤残津贴（伤残津贴只在一至{_cn_grade(max(rates.value))}级伤残时发给）"
    parts = [allowance, grant] if allowance_first else [grant, allowance]
    body = "，".join(p for p in parts if p)
    text = f"{_cn_grade(grade)}级伤残" + ("" if body.startswith("没有") else "的") + body
    return text + "。", [table.to_trace(), rates.to_trace()]


def clarify(intent: Intent, missing: list[str], kb: Any, today: dt.date, region: str) -> dict:
    """Ask for the slots that change the answer; say first what holds whatever they are."""
    lead, params = _general_rule(intent, today, region)
    goal = GOALS.get((intent.kind, intent.asks)) or GOALS.get((intent.kind, "amount")) or "计算"
    asked = "、".join(SLOT_PROMPTS[m][0] for m in missing)
    example = "，".join(SLOT_PROMPTS[m][1] for m in missing)
    whose = "您的" if intent.kind != "survivor" else "逝者的" if missing == ["contribution_months"] else ""  # who died
    text = lead + f"要{goal}，还需要知道{whose}{asked}。请直接回复，例如“{example}”。"
    references = [{k: p.get(k) for k in ("name", "value", "unit", "region", "effective_date", "reference") if p.get(k) is not None}
                  for p in params]
    articles = prioritise(intent, articles_for_references(references, kb))
    key = deciding_article(intent)
    if key and not any((a.law, a.article) == key for a in articles) and (found := kb.find(*key)) is not None:
        articles = [found] + articles  # a question back cites the rule it applies all the same
    return {
        "answer": text,
        "found": True,
        "route": "clarify",
        "calculator": intent.kind,
        "missing": missing,
        "inputs": {k: v for k, v in intent.inputs.items() if not k.endswith("_given")},
        "citations": [article_citation(a) for a in articles],
        "policy_references": references,
        "context": intent.to_context(),
        "generated": False,
    }


def answer_with_calculator(intent: Intent, kb: Any, today: dt.date | None = None, question: str = "") -> dict | None:
    """Compute the answer with the policy engine, or ask for a missing slot; None when the engine
    has no calculator for it (the caller answers from the knowledge base)."""
    today = today or local_today()
    region = local_region(intent.inputs)
    key = intent.kind
    if (key == "survivor" and intent.inputs.get("work_related")) or (key == "injury" and intent.inputs.get("death")):
        key = "survivor_work"  # a work death: the injury calculator's death benefits
    fn = _calculator(CALCULATOR_FUNCTIONS[key])
    if fn is None or _calculators() is None:
        return None
    if key == "backpay" and "backpay_base" not in intent.inputs and (base := _tier_base(intent.inputs, today, region)):
        intent = Intent(intent.kind, intent.asks, {**intent.inputs, "backpay_base": base}, list(intent.assumptions))
    missing = _missing(intent)
    asked = intent
    if len(missing) == 1 and (settled := _settle(intent, missing[0], key, fn, today, region)) is not None:
        intent, missing = settled, []
    if missing:
        return clarify(intent, missing, kb, today, region)
    notes = list(intent.assumptions)
    try:
        inputs, result, text = _RUNNERS[key](intent, fn, today, region, notes)
    except (ValueError, KeyError, TypeError) as exc:  # the engine's InputError is a ValueError
        return {
            "answer": f"无法计算：{exc}。请补充或更正您给出的信息后再问。",
            "found": False,
            "route": "calculator",
            "calculator": intent.kind,
            "inputs": intent.inputs,
            "citations": [],
            "policy_references": [],
            "context": intent.to_context(),
            "generated": False,
        }
    references = collect_references(result)
    articles = statute_first(prioritise(intent, articles_for_references(references, kb)), kb, question)
    if articles:
        text += "\n依据：" + "、".join(cite(a.law, a.article) for a in articles) + "。"
    if notes:
        text += "\n说明：" + "".join(notes)
    return {
        "answer": text,
        "found": True,
        "route": "calculator",
        "calculator": intent.kind,
        "inputs": inputs,
        "result": result,
        "citations": [article_citation(a) for a in articles],
        "policy_references": references,
        "context": asked.to_context(),
        "generated": False,
    }


# the result field that holds the quantity a question asks
ASKED_FIELD = {
    ("unemployment", "period"): "duration_months",
    ("unemployment", "total"): "total",
    ("pension", "amount"): "total",
    ("retirement", "when"): "retirement_date",
}


def _slot_values(intent: Intent, slot: str) -> list[Any]:
    """The values a missing slot can take, as far as the question says ("交了十几年" → 11…19 years)."""
    if slot == "contribution_months" and (stated := intent.inputs.get("contribution_range")):
        low, high = stated
        return list(range(int(low), int(high) + 1, 12))
    return []


def _settle(intent: Intent, slot: str, key: str, fn: Any, today: dt.date, region: str) -> Intent | None:
    """The intent with ``slot`` filled when every value it can take gives the same quantity asked
    (evaluated with the calculator): the slot does not change the answer and is not asked for; None
    when it does, or its values are not known."""
    field_ = ASKED_FIELD.get((intent.kind, intent.asks))
    values = _slot_values(intent, slot)
    if field_ is None or len(values) < 2:
        return None
    quantities = set()
    for value in values:
        trial = Intent(intent.kind, intent.asks, {**intent.inputs, slot: value}, list(intent.assumptions))
        try:
            quantities.add(str(_RUNNERS[key](trial, fn, today, region, [])[1].get(field_)))
        except (ValueError, KeyError, TypeError):
            return None
        if len(quantities) > 1:
            return None
    return Intent(intent.kind, intent.asks, {**intent.inputs, slot: values[0]}, list(intent.assumptions))


# the article that decides each calculator's answer comes first among its citations
DECIDING = {
    ("unemployment", "period"): ("失业保险条例", 17),
    ("unemployment", "total"): ("失业保险条例", 17),
    ("unemployment", "amount"): ("失业保险条例", 18),
    ("retirement", "when"): ("国务院关于渐进式延迟法定退休年龄的办法", 1),
    ("survivor", "amount"): ("工伤保险条例", 39),
}


# A regulation's article that restates an article of the statute above it (失业保险条例 第十七条 and
# 社会保险法 第四十六条, the same periods): the statute's is cited first, the regulation's beside it.
# Two articles are parallel when each is the other's nearest article in the other text and their
# passage vectors are this close (the true pairs 0.965-0.974; a mere neighbour of the same branch
# at most 0.951).
PARALLEL_COSINE = 0.96
_STATUTE = "中华人民共和国"


def parallel_statute_article(article: Any, kb: Any) -> Any | None:
    """The statute's article that ``article`` (of a regulation) restates, or None."""
    vectors = getattr(kb, "embeddings", None)
    if vectors is None or article.law.startswith(_STATUTE):
        return None
    index = next((i for i, a in enumerate(kb.articles) if a is article), None)
    if index is None:
        return None
    similarity = vectors @ vectors[index]
    statute = [i for i, a in enumerate(kb.articles) if a.law.startswith(_STATUTE)]
    if not statute:
        return None
    best = max(statute, key=lambda i: similarity[i])
    if similarity[best] < PARALLEL_COSINE:
        return None
    back = vectors @ vectors[best]
    own = [i for i, a in enumerate(kb.articles) if a.law == article.law]
    return kb.articles[best] if max(own, key=lambda i: back[i]) == index else None


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1) if all("\u4e00" <= c <= "\u9fff" for c in text[i:i + 2])}


def statute_first(articles: list[Any], kb: Any, question: str = "") -> list[Any]:
    """The deciding article's parallel in the statute (if any) first, then the articles as ordered;
    the regulation's stays first when it holds more of the question's words (会不会比最低工资还高:
    失业保险条例 第十八条 names 最低工资标准, 社会保险法 第四十七条 does not)."""
    if not articles or (parallel := parallel_statute_article(articles[0], kb)) is None:
        return articles
    asked = _bigrams(question)
    if len(asked & _bigrams(articles[0].text)) > len(asked & _bigrams(parallel.text)):
        return articles[:1] + [parallel] + [a for a in articles[1:] if a is not parallel]
    return [parallel] + [a for a in articles if a is not parallel]


def deciding_article(intent: Intent) -> tuple[str, int] | None:
    """(law, article) of the article that decides the calculator's answer, if one does."""
    key = DECIDING.get((intent.kind, intent.asks))
    if intent.kind == "survivor" and intent.inputs.get("work_related") is False:
        key = ("中华人民共和国社会保险法", 17)
    if intent.kind == "injury" and intent.inputs.get("death"):
        key = ("工伤保险条例", 39)
    elif intent.kind == "injury" and intent.inputs.get("grade"):
        grade = int(intent.inputs["grade"])
        key = ("工伤保险条例", 35 if grade <= 4 else 36 if grade <= 6 else 37)
    return key


def prioritise(intent: Intent, articles: list[Any]) -> list[Any]:
    key = deciding_article(intent)
    if key is None:
        return articles
    return sorted(articles, key=lambda a: (a.law, a.article) != key)


def _run_retirement(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    category = _category(s)
    if intent.asks == "final_age" and "birth_date" not in s:
        original = ORIGINAL_AGE[category]
        low, final, first = ages_by_birth(fn, original, today)
        result = fn({"birth_date": first, "original_retirement_age": original})
        text = (f"{_original_who(category)}，延迟后最终的法定退休年龄是{_age_text(final)}"
                f"（{first[:4]}年{int(first[5:])}月及以后出生的；之前出生的按出生年月在{_age_text(low)}至"
                f"{_age_text(final)}之间逐步延迟）。")
        return {"original_retirement_age": original}, result, text
    if not s.get("birth_month_given", True):
        notes.append("未说明出生月份，按当年1月计算；月份不同，退休时间可能相差几个月。")
    inputs = {"birth_date": s["birth_date"][:7], "original_retirement_age": ORIGINAL_AGE[category]}
    if s.get("contribution_months"):
        inputs["contribution_months"] = s["contribution_months"]
    result = fn(inputs)
    who = {"male_60": "男职工", "female_55": "女干部（原55周岁退休）", "female_50": "女工人（原50周岁退休）"}[category]
    d = str(result.get("retirement_date") or "")
    when = f"{d[:4]}年{int(d[5:7])}月" if len(d) >= 7 else d
    text = f"{s['birth_date'][:4]}年{int(s['birth_date'][5:7])}月出生的{who}，法定退休时间是{when}"
    if result.get("retirement_age"):
        text += f"（{result['retirement_age']}）"
    text += "。"
    if result.get("earliest_flexible_date") and result.get("latest_flexible_date"):
        m = int(result.get("min_contribution_months") or 180)
        text += (f"达到最低缴费年限（{_years(m)}）的，可在{result['earliest_flexible_date']}至"
                 f"{result['latest_flexible_date']}之间弹性提前或延迟退休。")
    return inputs, result, text


def _run_pension(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    if "contribution_index" not in s and (tiers := _tier_values(s, today, region)):
        s = {**s, "contribution_index": tiers[0]}  # 一直按最低档交的: the base floor's index
        notes.append(f"按一直以{_pct(tiers[0])}档缴费（平均缴费指数 {tiers[0]}）估算。")
    months = int(s["contribution_months"])
    inputs: dict[str, Any] = {
        "region": region,
        "contribution_months": months,
        "pre_account_months": 0,
        "avg_contribution_index": s.get("contribution_index", "1.0"),
    }
    if "contribution_index" not in s and "monthly_wage" not in s:
        notes.append("未说明缴费档次，按平均缴费指数 1.0（社平工资 100% 档）估算。")
    notes.append(f"按{region_label(region)}（{region}）适用的计发基数计算。")
    if s.get("birth_date"):
        retirement = _calculator("calc_retirement")
        original = ORIGINAL_AGE[_category(s)]
        birth = s["birth_date"][:7]
        ret = retirement({"birth_date": birth, "original_retirement_age": original})
        inputs.update(birth_date=birth, original_retirement_age=original, retirement_date=ret["retirement_date"])
        if "sex" not in s:
            notes.append("未说明性别，按男职工计算。")
    else:
        inputs.update(retirement_date=today.strftime("%Y-%m"), annuity_months="139")
        notes.append("未说明出生年月，按本月退休、退休年龄60岁（计发月数139）估算。")
    first = fn({**inputs, "account_balance": 0})
    base = Decimal(str(first.get("pension_base") or "0"))
    if s.get("monthly_wage") and base > 0:
        index = min(max(Decimal(s["monthly_wage"]) / base, Decimal("0.6")), Decimal("3"))
        inputs["avg_contribution_index"] = str(index.quantize(Decimal("0.0001")))
        notes.append(f"按月工资 {s['monthly_wage']} 元 ÷ 计发基数 {base} 元，平均缴费指数取 {inputs['avg_contribution_index']}（限 0.6–3）。")
    index = Decimal(str(inputs["avg_contribution_index"]))
    balance = (base * index * ACCOUNT_RATE * months).quantize(Decimal("0.01"))
    inputs["account_balance"] = str(balance)
    notes.append(f"个人账户储存额按 计发基数 × 缴费指数 × 8% × 缴费月数 估算为 {balance} 元（未计利息，以实际账户为准）。")
    result = fn(inputs)
    if result.get("eligible") is False or result.get("total") in (None, ""):
        why = "；".join(r.get("text", "") for r in result.get("reasons", []) if r.get("text"))
        text = f"缴费{_years(months)}，按现有条件还不能按月领取基本养老金：{why}。"
        return inputs, result, text
    text = f"缴费{_years(months)}，估算每月基本养老金约{result.get('total')}元"
    parts = []
    for key, label in (("basic_pension", "基础养老金"), ("account_pension", "个人账户养老金"), ("transitional_pension", "过渡性养老金")):
        if result.get(key) not in (None, "", "0.00"):
            parts.append(f"{label}{result[key]}元")
    if parts:
        text += "（" + "，".join(parts) + "）"
    text += "。实际金额以退休时当地计发基数和个人账户储存额核定为准。"
    return inputs, result, text


def _unemployment_inputs(s: dict[str, Any], today: dt.date, region: str, months: int) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "region": region, "date": today.isoformat(), "unemployed_on": today.isoformat(),
        "contribution_months": months, "involuntary": True, "registered": True,
    }
    if s.get("previous_unused_months"):
        inputs["previous_unclaimed_months"] = inputs["previous_unused_months"] = s["previous_unused_months"]
    if s.get("birth_date") and s.get("sex"):
        inputs["birth_date"] = s["birth_date"]
        inputs["sex"] = "M" if s["sex"] == "male" else "F"
    return inputs


def _amount_sentence(result: dict, region: str) -> str:
    """'东营市失业保险金现为每月1980.00元（自…起，依据…）' or why it is not known."""
    if result.get("monthly_amount"):
        params = (result.get("trace") or {}).get("parameters") or []
        source = next((p for p in params if p.get("name") == "wages.minimum_monthly"), None) or next(
            (p for p in params if p.get("name") == "unemployment.benefit_amount"), None)
        rate = next((p for p in params if p.get("name") == "unemployment.benefit_rate"), None)
        text = f"{region_label(region)}失业保险金标准为每月{result['monthly_amount']}元"
        if source and rate:
            text += f"（当地月最低工资标准{source.get('value')}元的{Decimal(str(rate.get('value'))) * 100:.0f}%；{dated(source)}）"
        elif source:
            text += f"（{dated(source)}）"
        return text
    return (f"知识库的参数中没有{region_label(region)}失业保险金标准的有出处的数值，无法说出金额"
            "（失业保险金标准由省、自治区、直辖市人民政府确定，低于当地最低工资标准、高于城市居民最低生活保障标准）")


def _run_unemployment(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    if intent.asks == "amount":
        inputs = _unemployment_inputs(s, today, region, int(s.get("contribution_months") or 12))
        result = fn(inputs)
        if not result.get("monthly_amount"):  # the rule that sets the amount, cited all the same
            from shebao.policy.unemployment import REF_18

            result.setdefault("reasons", []).append({"code": "amount_rule", "text": "失业保险金的标准", "reference": REF_18})
        text = _amount_sentence(result, region) + "。"
        if s.get("contribution_months") and result.get("eligible"):
            text += f"按缴费{_years(s['contribution_months'])}，最长可以领{result['duration_months']}个月。"
        if not s.get("region"):
            notes.append(f"按本机构所在地区（{region_label(region)}）计算；其他地区请在问题中写明城市。")
        return inputs, result, text
    months = int(s["contribution_months"])
    inputs = _unemployment_inputs(s, today, region, months)
    result = fn(inputs)
    if not result.get("eligible"):
        why = "；".join(r.get("text", "") for r in result.get("reasons", []) if r.get("code") != "parameter_missing")
        return inputs, result, f"缴费{_years(months)}，不能领取失业保险金：{why}。"
    duration = result["duration_months"]
    table = next((p for p in (result.get("trace") or {}).get("parameters", []) if p.get("name") == "unemployment.duration_months"), None)
    band = ""
    if table:
        items = sorted((int(k), int(v)) for k, v in table["value"].items())
        for i, (threshold, _) in enumerate(items):
            if months >= threshold:
                upper = items[i + 1][0] if i + 1 < len(items) else None
                band = f"满{_years(threshold)}" + (f"不满{_years(upper)}" if upper else "以上")
    prev = s.get("previous_unused_months")
    if s.get("contribution_range") and int(s["contribution_range"][0]) == months:  # "交了十几年": the range said
        months_said = f"{_years(s['contribution_range'][0])}至{_years(s['contribution_range'][1])}"
        text = f"累计缴费{months_said}（{band}），最长都可以领{duration}个月失业保险金"
    else:
        text = f"累计缴费{_years(months)}（{band}），最长可以领{duration}个月失业保险金" if band else \
            f"累计缴费{_years(months)}，最长可以领{duration}个月失业保险金"
    if prev:
        text += f"（已与前次应领未领的{prev}个月合并计算）"
    text += "。"
    if result.get("paid_until_retirement"):
        text += f"领取期间距法定退休年龄不足一年，可以领到法定退休年龄（至{result.get('end_date')}）。"
    if result.get("monthly_amount"):
        text += _amount_sentence(result, region) + f"，按此最多共{result.get('total')}元。"
    if intent.asks == "total" and not result.get("monthly_amount"):
        text += _amount_sentence(result, region) + "。"
    notes.append("按已办理失业登记、非因本人意愿中断就业计算（失业保险条例第十四条的条件）。")
    return inputs, result, text


def _missing_parameter(result: dict, name: str) -> bool:
    return any(r.get("code") == "parameter_missing" and r.get("reference") == name for r in result.get("reasons", []))


def _latest_average(fn: Any, inputs: dict[str, Any], result: dict, today: dt.date, region: str, notes: list[str]) -> dict:
    """The result again with the latest published regional average wage when last year's is not
    published yet (it bounds the wage to 60%–300% and sets the funeral grant); the year used is said."""
    if not _missing_parameter(result, "wages.average_annual"):
        return result
    from shebao.policy import ParameterMissing

    try:
        latest = _params().get("wages.average_annual", today, region)
    except ParameterMissing:
        return result
    monthly = (Decimal(str(latest.value)) / 12).quantize(Decimal("0.01"))
    inputs["regional_avg_monthly_wage"] = str(monthly)
    result = fn(inputs)
    result.setdefault("trace", {}).setdefault("parameters", []).append(latest.to_trace())
    notes.append(f"{region_label(latest.region or region)}{today.year - 1}年职工平均工资尚未公布，按已公布的"
                 f"{latest.effective_date.year}年{_value_text(latest.value)}元（每月{monthly}元）计算。")
    return result


def _latest_income(result: dict, today: dt.date, notes: list[str]) -> dict:
    """The death grant with the latest published national disposable income when last year's is not
    published yet (the engine's own rule, evaluated for the year after it); the year used is said."""
    name = "wages.national_urban_disposable_income"
    if result.get("death_grant") or not _missing_parameter(result, name):
        return result
    from shebao.policy import ParameterMissing
    from shebao.policy.injury import death_grant_fen

    try:
        latest = _params().get(name, today)
        fen = death_grant_fen(dt.date(latest.effective_date.year + 1, 1, 1), params=_params())
    except ParameterMissing:
        return result
    result["death_grant"] = f"{Decimal(fen) / 100:.2f}"
    result["reasons"] = [r for r in result.get("reasons", []) if r.get("reference") != name]
    result.setdefault("trace", {}).setdefault("parameters", []).append(latest.to_trace())
    notes.append(f"{today.year - 1}年全国城镇居民人均可支配收入尚未公布，一次性工亡补助金按已公布的"
                 f"{latest.effective_date.year}年{_value_text(latest.value)}元计算。")
    return result


def _run_injury(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    grade = int(s["grade"])
    if intent.asks in ("months", "rate", "has_allowance"):
        text, used = injury_rule(grade, today, region, intent.asks in ("rate", "has_allowance")
                                 or s.get("asked_benefit") == "disability_allowance")
        if intent.asks == "has_allowance":  # a yes/no asked: the yes or no first
            text = ("没有：" if "没有按月的伤残津贴" in text else "有：") + text
        result = {"grade": grade, "disability_grant_months": used[0]["value"].get(str(grade)), "trace": {"parameters": used}}
        return {"grade": grade}, result, text
    inputs = {"region": region, "injury_date": today.isoformat(), "avg_monthly_wage": s["monthly_wage"], "grade": grade}
    result = _latest_average(fn, inputs, fn(inputs), today, region, notes)
    months = _params().get("injury.disability_grant_months", today, region).value[grade]
    if result.get("disability_grant"):
        text = (f"{_cn_grade(grade)}级伤残，一次性伤残补助金约{result['disability_grant']}元"
                f"（本人工资{result.get('injury_wage')}元 × {months}个月）")
        if result.get("disability_allowance"):
            payer = "工伤保险基金" if result.get("allowance_payer") == "fund" else "用人单位"
            allowance = f"按月领取伤残津贴{result['disability_allowance']}元（由{payer}支付）"
            if s.get("asked_benefit") == "disability_allowance":  # the one asked first (每月伤残津贴多少)
                text = (f"{_cn_grade(grade)}级伤残，每月{allowance.removeprefix('按月')}，另有一次性伤残补助金约"
                        f"{result['disability_grant']}元（本人工资{result.get('injury_wage')}元 × {months}个月）")
            else:
                text += f"，另{allowance}"
        text += "。"
    else:
        text = f"{_cn_grade(grade)}级伤残的一次性伤残补助金为{months}个月的本人工资，金额暂时算不出：{_why(result)}。"
    if grade >= 5:
        text += "五至十级伤残解除或终止劳动关系时，还有一次性工伤医疗补助金和伤残就业补助金，标准由省级人民政府规定。"
    notes.append(f"本人工资按受伤前12个月平均月工资{s['monthly_wage']}元，限在{region_label(region)}上年度职工月平均工资的60%–300%。")
    return inputs, result, text


def _run_survivor_work(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    params = _params()
    funeral_months = params.get("injury.funeral_grant_months", today, region).value
    multiple = params.get("injury.death_grant_multiple", today, region).value
    spouse = Decimal(str(params.get("injury.survivor_spouse_rate", today, region).value)) * 100
    other = Decimal(str(params.get("injury.survivor_other_rate", today, region).value)) * 100
    extra = Decimal(str(params.get("injury.survivor_lone_extra_rate", today, region).value)) * 100
    wage = s.get("monthly_wage") or "0"
    inputs = {"region": region, "death_date": today.isoformat(), "avg_monthly_wage": wage, "dependants": []}
    result = _latest_income(_latest_average(fn, inputs, fn(inputs), today, region, notes), today, notes)
    trace = result.setdefault("trace", {})
    known = {p.get("name") for p in trace.get("parameters", [])}
    for name in ("injury.funeral_grant_months", "injury.survivor_spouse_rate", "injury.death_grant_multiple"):
        if name not in known:  # the rules stated in the answer, with their references
            trace.setdefault("parameters", []).append(params.get(name, today, region).to_trace())
    funeral = f"={result['funeral_grant']}元" if result.get("funeral_grant") else ""
    grant = f"={result['death_grant']}元" if result.get("death_grant") else ""
    items = {
        "funeral_grant": f"丧葬补助金（{funeral_months}个月的统筹地区上年度职工月平均工资{funeral}）",
        "survivor_pension": f"供养亲属抚恤金（按月发给，配偶为本人工资的{spouse:.0f}%，其他亲属每人{other:.0f}%，"
                            f"孤寡老人或者孤儿每人再加{extra:.0f}%，合计不超过本人工资）",
        "death_grant": f"一次性工亡补助金（上一年度全国城镇居民人均可支配收入的{_value_text(multiple)}倍{grant}）",
    }
    asked = s.get("asked_benefit")
    order = [asked] + [k for k in items if k != asked] if asked in items else list(items)
    named = [items[k] for k in order]  # the one asked about first ("工亡后配偶每月能领多少抚恤金")
    text = f"因工死亡的，近亲属可以领取{named[0]}、{named[1]}和{named[2]}。"
    if not (funeral and grant) and _why(result):
        text += f"部分金额暂时算不出：{_why(result)}。"
    if not s.get("monthly_wage"):
        notes.append("供养亲属抚恤金的金额需要本人工资和供养亲属情况。")
    return inputs, result, text


def _value_text(value: Any) -> str:
    d = Decimal(str(value))
    return str(int(d)) if d == d.to_integral() else str(d)


def _run_survivor(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    inputs = {"region": region, "death_date": today.isoformat(), "contribution_months": s["contribution_months"],
              "retired": bool(s.get("retired"))}
    result = fn(inputs)
    # the law behind the benefit, cited even when the amount cannot be computed
    result.setdefault("reasons", []).append({"code": "rule", "text": "因病或者非因工死亡的遗属待遇",
                                             "reference": "中华人民共和国社会保险法 第十七条"})
    if result.get("funeral_grant") and result.get("survivor_grant"):
        text = (f"因病或非因工死亡的，遗属可以领取丧葬补助金{result['funeral_grant']}元和抚恤金{result['survivor_grant']}元"
                f"（{result.get('survivor_months')}个月）。")
    else:
        why = "；".join(_plain_missing(r.get("text", "")) for r in result.get("reasons", []) if r.get("text") and r.get("code") != "rule")
        text = f"因病或非因工死亡的，遗属可以领取丧葬补助金和抚恤金；抚恤金为{result.get('survivor_months') or '若干'}个月，金额无法算出：{why}。"
    return inputs, result, text


# "参数缺失：wages.average_annual（地区 370500，2025-01-01）：…" → words a person reads
_MISSING = re.compile(r"参数缺失：([a-z_][a-z0-9_.]*)(?:（(?:地区 (\d+)|全国)，(\d{4})-\d{2}-\d{2}）)?(?:：[^；]*)?")
PARAMETER_WORDS = {
    "wages.average_annual": "职工平均工资",
    "wages.minimum_monthly": "最低工资标准",
    "pension.base": "基本养老金计发基数",
    "contribution.base_floor_rate": "缴费基数下限",
    "contribution.base_cap_rate": "缴费基数上限",
    "national.disposable_income_urban": "全国城镇居民人均可支配收入",
    "wages.national_urban_disposable_income": "全国城镇居民人均可支配收入",
    "wages.provincial_urban_disposable_income": "城镇居民人均可支配收入",
}


def _plain_missing(text: str, region: str | None = None) -> str:
    """A missing parameter in words. A value the parameter tree never collected (its entry says 未收录:
    published by each province, only some provinces' values shipped) is said as not collected for
    the region asked (北京市职工平均工资未收录), not as a national value not yet published."""
    if "未收录" in text:
        match = _MISSING.search(text)
        if match:
            what = PARAMETER_WORDS.get(match.group(1), "计算所需的一项参数")
            place = region_label(region) if region else (region_label(match.group(2)) if match.group(2) else "")
            return f"本系统未收录{place}的{what}"

    def words(match: re.Match) -> str:
        name, region, year = match.group(1), match.group(2), match.group(3)
        place = region_label(region) if region else "全国"
        what = PARAMETER_WORDS.get(name, "计算所需的一项参数")
        return f"{place}{what}{f'尚无{year}年的公布值' if year else '尚未公布'}"

    return _MISSING.sub(words, text)


def _why(result: dict, region: str | None = None) -> str:
    """The reasons of a result, in words (missing parameters among them, by what they are)."""
    return "；".join(_plain_missing(r.get("text", ""), region) for r in result.get("reasons", []) if r.get("text"))


def _plan_inputs(s: dict[str, Any], region: str) -> dict[str, Any]:
    category = _category(s)
    index = Decimal(str(s.get("contribution_index") or "1.0"))
    return {
        "region": region, "birth_date": s["birth_date"][:7], "sex": s.get("sex") or "male",
        "original_retirement_age": ORIGINAL_AGE[category], "contribution_months": int(s["contribution_months"]),
        "avg_contribution_index": str(index), "account_balance": "0",
    }


def _neutral(s: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The slots with a person's age and years paid filled where a quantity does not depend on them
    (what a tier or a back-payment costs: the base times the rate): a man of 30 who has paid nothing."""
    out = dict(s)
    if "birth_date" not in out:
        out["birth_date"] = f"{today.year - 30}-01-01"
        out.setdefault("sex", "male")
    out.setdefault("contribution_months", 0)
    return out


def _tier_values(s: dict[str, Any], today: dt.date, region: str) -> list[str] | None:
    """The tiers asked (按60%档 → ['0.6'], 最低档 → the base floor), or None for every tier."""
    if s.get("contribution_index"):
        return [str(s["contribution_index"])]
    if s.get("tier_end"):
        name = "contribution.base_floor_rate" if s["tier_end"] == "lowest" else "contribution.base_cap_rate"
        return [str(_params().get(name, today, region).value)]
    return None


def _tier_base(s: dict[str, Any], today: dt.date, region: str) -> str | None:
    """The monthly base of the tier a back-payment names (按最低档补, 按60%补), from the plan calculator."""
    plan = _calculator("calc_plan")
    try:
        tiers = _tier_values(s, today, region)
        if not tiers or plan is None:
            return None
        found = plan({**_plan_inputs(_neutral(s, today), region), "tiers": tiers}).get("tiers") or []
    except (ValueError, KeyError, TypeError):
        return None
    return found[0]["monthly_base"] if found else None


def _pct(tier: Any) -> str:
    return f"{Decimal(str(tier)) * 100:.0f}%"


def _run_plan_cost(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    inputs = _plan_inputs(_neutral(s, today), region)
    tiers_asked = _tier_values(s, today, region)
    if tiers_asked:
        inputs["tiers"] = tiers_asked
    result = fn(inputs)
    tiers = result.get("tiers") or []
    place = region_label(region)
    if not tiers:
        return inputs, result, f"{place}灵活就业人员的缴费额暂时算不出：{_why(result, region)}。"
    rate = _pct(result.get("contribution_rate") or "0")
    if len(tiers) == 1:
        t = tiers[0]
        year = (Decimal(t["monthly_cost"]) * 12).quantize(Decimal("0.01"))
        text = (f"{place}灵活就业人员按{_pct(t['tier'])}档（月缴费基数{t['monthly_base']}元）缴纳基本养老保险费，"
                f"每月{t['monthly_cost']}元，一年{year}元（缴费比例{rate}）。")
    else:
        low, high = tiers[0], tiers[-1]
        low_year, high_year = ((Decimal(t["monthly_cost"]) * 12).quantize(Decimal("0.01")) for t in (low, high))
        text = (f"{place}灵活就业人员缴纳基本养老保险费每月{low['monthly_cost']}元（{_pct(low['tier'])}档）到"
                f"{high['monthly_cost']}元（{_pct(high['tier'])}档），一年{low_year}元到{high_year}元（缴费比例{rate}）："
                + "，".join(f"{_pct(t['tier'])}档每月{t['monthly_cost']}元" for t in tiers) + "。")
    notes.append("缴费额只取决于所选档次（上年度社会平均工资的百分比）和缴费比例，与年龄、已缴费年限无关。")
    if not s.get("region"):
        notes.append(f"按本机构所在地区（{place}）计算；其他地区请在问题中写明城市。")
    return inputs, result, text


def _run_plan(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    if intent.asks == "cost":
        return _run_plan_cost(intent, fn, today, region, notes)
    inputs = _plan_inputs(intent.inputs, region)
    result = fn(inputs)
    tiers = result.get("tiers") or []
    if not tiers:
        why = "；".join(r.get("text", "") for r in result.get("reasons", []) if r.get("text"))
        return inputs, result, f"无法比较缴费档次：{why}。"
    low, high = tiers[0], tiers[-1]
    if not any(t.get("eligible_at_retirement") for t in tiers):
        return inputs, result, (f"按现在的缴费年限，从现在缴到退休（{result.get('retirement_date')}）仍达不到按月领取养老金的最低缴费年限，"
                                f"各档次退休时都不能按月领取；每月缴费从{low['monthly_cost']}元到{high['monthly_cost']}元。"
                                "达到退休年龄时不足最低缴费年限的，可以延长缴费或一次性缴费至满最低缴费年限。")
    text = (f"灵活就业每月缴费从{low['monthly_cost']}元（{Decimal(low['tier']) * 100:.0f}%档）到{high['monthly_cost']}元"
            f"（{Decimal(high['tier']) * 100:.0f}%档），退休时每月养老金约{low['pension_at_retirement']}元到{high['pension_at_retirement']}元。")
    recoup = [t for t in tiers if t.get("months_to_recoup")]
    if recoup:
        best = min(recoup, key=lambda t: t["months_to_recoup"])
        text += f"回本最快的是{Decimal(best['tier']) * 100:.0f}%档（领取约{best['months_to_recoup']}个月收回多交的费用）。"
    notes.append("个人账户已有储存额按0计（请以实际账户为准）；已缴费的平均缴费指数按1.0计。")
    return inputs, result, text


def _run_backpay(intent: Intent, fn: Any, today: dt.date, region: str, notes: list[str]):
    s = intent.inputs
    person = "birth_date" in s and "contribution_months" in s and (s.get("sex") or s.get("category"))
    if not person:  # what it costs is asked and known; what it brings needs the person
        inputs = {**_plan_inputs(_neutral(s, today), region), "backpay_months": int(s["backpay_months"]),
                  "backpay_base": s["backpay_base"]}
        result = fn(inputs)
        for key in ("pension_before", "pension_after", "pension_gain_monthly", "months_to_recoup", "irr",
                    "eligible_before", "eligible_after", "retirement_date"):
            result.pop(key, None)  # computed for no one in particular: not stated
        rate = next((p.get("value") for p in (result.get("trace") or {}).get("parameters", [])
                     if p.get("name") == "pension.flexible.contribution_rate"), None)
        share = f"每月按基数的{_pct(rate)}，" if rate is not None else ""
        text = (f"按月缴费基数{s['backpay_base']}元补缴{_years(s['backpay_months'])}，约需{result.get('cost')}元"
                f"（{share}共{s['backpay_months']}个月；未计滞纳金和利息）。")
        notes.append("补缴后每月养老金能增加多少，要看出生年月、性别和已缴费年限。")
        if not s.get("region"):
            notes.append(f"按本机构所在地区（{region_label(region)}）计算；其他地区请在问题中写明城市。")
        return inputs, result, text
    inputs = {**_plan_inputs(s, region), "backpay_months": int(s["backpay_months"]), "backpay_base": s["backpay_base"]}
    result = fn(inputs)
    text = (f"按基数{s['backpay_base']}元补缴{_years(s['backpay_months'])}，约需{result.get('cost')}元，"
            f"退休后每月养老金约增加{result.get('pension_gain_monthly')}元")
    if result.get("months_to_recoup"):
        text += f"，约{result['months_to_recoup']}个月回本"
    text += "。"
    notes.append("个人账户已有储存额按0计；未计滞纳金。")
    return inputs, result, text


_RUNNERS = {
    "retirement": _run_retirement,
    "pension": _run_pension,
    "unemployment": _run_unemployment,
    "injury": _run_injury,
    "survivor_work": _run_survivor_work,
    "survivor": _run_survivor,
    "plan": _run_plan,
    "backpay": _run_backpay,
}
