"""Route questions about one's own dates and amounts to the policy engine's calculators.

"我1968年出生什么时候退休" is not answered by quoting an article but by computing: the question is
recognised, its numbers are extracted (birth year and month, sex and category, contribution
years, wage or contribution index), the calculator of :mod:`shebao.policy` computes, and the
parameters' legal references go into ``policy_references`` (with the articles behind them in
``citations`` when the knowledge base holds them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shebao.assistant.documents import cn_to_int

if TYPE_CHECKING:  # pragma: no cover
    from shebao.assistant.answer import Assistant

_CN_NUM = "零〇一二三四五六七八九十两"


@dataclass
class Intent:
    """A recognised calculator question and the values extracted from it."""

    kind: str  # "retirement" or "pension"
    inputs: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)


def _number(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        return cn_to_int(text)
    except ValueError:
        return None


_BIRTH = re.compile(r"((?:19|20)\d{2}|\d{2})\s*年\s*(?:(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月)?\s*(?:(\d{1,2})\s*[日号])?\s*(?:出生|生人|生的|生)")
_BIRTH_ISO = re.compile(r"((?:19|20)\d{2})[-./](\d{1,2})(?:[-./](\d{1,2}))?\s*(?:出生|生)")
_YEARS_PAID = re.compile(rf"(?:交|缴|缴费|交费|交了|缴了|交满|缴满|工作)\s*(?:了|满|够)?\s*(\d{{1,2}}|[{_CN_NUM}]{{1,3}})\s*年")
_WAGE = re.compile(r"(?:工资|月薪|收入|缴费基数|基数|缴费工资)\s*(?:是|为|有|大概|约)?\s*(\d{3,6}(?:\.\d+)?)\s*(?:元|块)?")
_INDEX = re.compile(r"(?:按|选|交)?\s*(\d{2,3})\s*%\s*(?:档|的档次|档次)?")
_AGE = re.compile(rf"(\d{{2}}|[{_CN_NUM}]{{2,3}})\s*岁\s*(?:退休|退)")

_RETIRE_WORDS = ("退休", "退")
_WHEN_WORDS = ("什么时候", "哪年", "几岁", "多大", "哪一年", "几月", "何时", "多少岁", "退休年龄", "能退", "可以退")
_AMOUNT_WORDS = ("领多少", "拿多少", "能领", "能拿", "多少钱", "养老金多少", "退休金多少", "每月", "每个月", "一个月")
_PENSION_WORDS = ("养老金", "退休金", "养老钱", "退休工资", "领", "拿")


def _sex_and_category(question: str) -> tuple[str | None, str | None, list[str]]:
    notes: list[str] = []
    female = any(w in question for w in ("女", "妈妈", "母亲", "老婆", "妻子"))
    male = any(w in question for w in ("男", "爸爸", "父亲", "老公", "丈夫"))
    if female and not male:
        if any(w in question for w in ("干部", "管理岗", "公务员", "事业单位", "五十五", "55岁")):
            return "female", "female_55", notes
        if any(w in question for w in ("工人", "女工", "五十岁", "50岁", "灵活就业", "个体")):
            return "female", "female_50", notes
        notes.append("未说明是女工人还是女干部，按原法定退休年龄五十五周岁（女干部）计算；女工人原为五十周岁。")
        return "female", "female_55", notes
    if male and not female:
        return "male", "male_60", notes
    notes.append("未说明性别，按男职工（原法定退休年龄六十周岁）计算；女职工请注明“女工人”或“女干部”。")
    return "male", "male_60", notes


def recognise(question: str) -> Intent | None:
    """Recognise a calculator question and extract its numbers, or return None.

    Examples:
        >>> recognise("1975年3月出生的女工人什么时候退休").inputs["birth_date"]
        '1975-03-01'
        >>> recognise("交15年每月能领多少").inputs["contribution_years"]
        15
        >>> recognise("失业金能领几个月") is None
        True
    """
    q = question.replace(" ", "")
    birth = _BIRTH.search(q) or _BIRTH_ISO.search(q)
    about_retirement = any(w in q for w in _RETIRE_WORDS)
    asks_when = any(w in q for w in _WHEN_WORDS)
    paid = _YEARS_PAID.search(q)
    asks_amount = any(w in q for w in _AMOUNT_WORDS) and any(w in q for w in _PENSION_WORDS)

    if paid and asks_amount:
        years = _number(paid.group(1))
        if years is None or not 1 <= years <= 50:
            return None
        intent = Intent(kind="pension", inputs={"contribution_years": years})
        wage = _WAGE.search(q)
        if wage:
            intent.inputs["monthly_wage"] = str(Decimal(wage.group(1)))
        idx = _INDEX.search(q)
        if idx and 60 <= int(idx.group(1)) <= 300:
            intent.inputs["contribution_index"] = str(Decimal(idx.group(1)) / 100)
        if "contribution_index" not in intent.inputs and "monthly_wage" not in intent.inputs:
            intent.inputs["contribution_index"] = "1.0"
            intent.assumptions.append("未说明缴费档次，按平均缴费指数 1.0（社平工资 100% 档）估算。")
        if birth:
            intent.inputs["birth_date"] = _birth_date(birth)
        sex, category, notes = _sex_and_category(q)
        intent.inputs["sex"], intent.inputs["category"] = sex, category
        if birth:
            intent.assumptions.extend(notes)
        return intent

    if birth and about_retirement and (asks_when or not asks_amount):
        intent = Intent(kind="retirement", inputs={"birth_date": _birth_date(birth)})
        sex, category, notes = _sex_and_category(q)
        intent.inputs["sex"], intent.inputs["category"] = sex, category
        intent.assumptions.extend(notes)
        if not birth.group(2):
            intent.assumptions.append("未说明出生月份，按当年1月计算；月份不同，退休时间可能相差几个月。")
        if "弹性" in q or "提前" in q:
            intent.inputs["flexible"] = "early"
        return intent
    return None


def _birth_date(match: re.Match) -> str:
    year = int(match.group(1))
    if year < 100:
        year += 1900
    month = _number(match.group(2)) if match.group(2) else 1
    month = month if month and 1 <= month <= 12 else 1
    return f"{year:04d}-{month:02d}-01"


# --- calling the calculators ------------------------------------------------------------------

ORIGINAL_AGE = {"male_60": 60, "female_55": 55, "female_50": 50}
DEFAULT_REGION = "370000"  # kept for callers; answers use the agency's own region (SHEBAO_REGION)


def local_region() -> str:
    """The agency's own region (``SHEBAO_REGION``): local answers are computed for it."""
    from shebao.core.settings import get_settings

    try:
        return get_settings().region
    except Exception:  # noqa: BLE001 - a broken configuration must not stop an answer
        return DEFAULT_REGION
ACCOUNT_RATE = Decimal("0.08")


def _calculators() -> tuple[Any, Any] | None:
    try:
        from shebao.policy import calc_pension, calc_retirement
    except (ImportError, AttributeError):
        return None
    return calc_retirement, calc_pension


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
            if ref and _ref_text(ref) not in seen:
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
        for key, law in titles:
            start = text.find(key)
            if start < 0:
                continue
            # the article numbers written right after this title (up to the next title, if any)
            tail = text[start + len(key) :]
            for number in _ARTICLE_IN_REF.findall(tail.split("；")[0]):
                try:
                    article = kb.find(law, cn_to_int(number))
                except ValueError:
                    continue
                if article is not None and article not in out:
                    out.append(article)
            break
    return out


def calculator_inputs(intent: Intent, calc_retirement: Any, today: str) -> tuple[str, dict[str, Any], list[str]]:
    """The calculator to call, its inputs, and the assumptions made to fill the gaps."""
    notes: list[str] = []
    original_age = ORIGINAL_AGE[intent.inputs.get("category") or "male_60"]
    if intent.kind == "retirement":
        return (
            "retirement",
            {"birth_date": intent.inputs["birth_date"][:7], "original_retirement_age": original_age},
            notes,
        )
    years = int(intent.inputs["contribution_years"])
    inputs: dict[str, Any] = {
        "region": local_region(),
        "contribution_months": years * 12,
        "pre_account_months": 0,
        "avg_contribution_index": intent.inputs.get("contribution_index", "1.0"),
    }
    notes.append(f"按本机构所在地区（{inputs['region']}，SHEBAO_REGION）适用的计发基数计算。")
    if intent.inputs.get("birth_date"):
        birth = intent.inputs["birth_date"][:7]
        retirement = calc_retirement({"birth_date": birth, "original_retirement_age": original_age})
        inputs.update(birth_date=birth, original_retirement_age=original_age, retirement_date=retirement["retirement_date"])
    else:
        inputs.update(retirement_date=today, birth_date=None, annuity_months="139")
        notes.append("未说明出生年月，按本月退休、退休年龄60岁（计发月数139）估算。")
    return "pension", {k: v for k, v in inputs.items() if v is not None}, notes


def answer_with_calculator(intent: Intent, assistant: Assistant) -> dict | None:
    """Compute the answer with the policy engine; None when the engine is not available."""
    import datetime as dt

    from shebao.assistant.answer import cite

    calcs = _calculators()
    if calcs is None:
        return None
    calc_retirement, calc_pension = calcs
    today = dt.date.today().strftime("%Y-%m")
    notes = list(intent.assumptions)
    try:
        kind, inputs, more = calculator_inputs(intent, calc_retirement, today)
        notes.extend(more)
        if kind == "retirement":
            result = calc_retirement(inputs)
        else:
            result = _pension(intent, inputs, calc_pension, notes)
    except (ValueError, KeyError, TypeError) as exc:  # the engine's InputError is a ValueError
        return {
            "answer": f"无法计算：{exc}。请补充出生年月、性别和身份（工人/干部）或缴费年限后再问。",
            "found": False,
            "route": "calculator",
            "calculator": intent.kind,
            "inputs": intent.inputs,
            "citations": [],
            "policy_references": [],
            "generated": False,
        }
    references = collect_references(result)
    articles = articles_for_references(references, assistant.kb)
    citations = [
        {"law": a.law, "article": a.article, "text": a.text, "chapter": a.chapter, "date": a.date, "score": None}
        for a in articles
    ]
    text = summarise(intent, result)
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
        "citations": citations,
        "policy_references": references,
        "generated": False,
    }


def _pension(intent: Intent, inputs: dict[str, Any], calc_pension: Any, notes: list[str]) -> dict:
    """The pension estimate; the personal account is estimated from the contributions."""
    first = calc_pension({**inputs, "account_balance": 0})
    base = Decimal(str(first.get("pension_base") or "0"))
    if intent.inputs.get("monthly_wage") and base > 0:
        index = min(max(Decimal(intent.inputs["monthly_wage"]) / base, Decimal("0.6")), Decimal("3"))
        inputs["avg_contribution_index"] = str(index.quantize(Decimal("0.0001")))
        notes.append(f"按月工资 {intent.inputs['monthly_wage']} 元 ÷ 计发基数 {base} 元，平均缴费指数取 {inputs['avg_contribution_index']}（限 0.6–3）。")
    index = Decimal(str(inputs["avg_contribution_index"]))
    balance = (base * index * ACCOUNT_RATE * int(inputs["contribution_months"])).quantize(Decimal("0.01"))
    inputs["account_balance"] = str(balance)
    notes.append(f"个人账户储存额按 计发基数 × 缴费指数 × 8% × 缴费月数 估算为 {balance} 元（未计利息，以实际账户为准）。")
    return calc_pension(inputs)


def summarise(intent: Intent, result: dict) -> str:
    """A short answer from a calculator result."""
    if intent.kind == "retirement":
        text = f"按渐进式延迟法定退休年龄的规定，您的法定退休时间为 {result.get('retirement_date')}"
        if result.get("retirement_age"):
            text += f"（{result['retirement_age']}）"
        if result.get("earliest_flexible_date") and result.get("latest_flexible_date"):
            text += (
                f"；达到最低缴费年限（{int(result.get('min_contribution_months', 180)) // 12}年"
                f"{int(result.get('min_contribution_months', 180)) % 12 or ''}{'个月' if int(result.get('min_contribution_months', 180)) % 12 else ''}）的，"
                f"可在 {result['earliest_flexible_date']} 至 {result['latest_flexible_date']} 之间弹性提前或延迟退休"
            )
        return text + "。"
    text = f"按缴费 {intent.inputs.get('contribution_years')} 年估算，每月基本养老金约 {result.get('total')} 元"
    parts = []
    for key, label in (("basic_pension", "基础养老金"), ("account_pension", "个人账户养老金"), ("transitional_pension", "过渡性养老金")):
        if result.get(key) not in (None, "", "0.00"):
            parts.append(f"{label} {result[key]} 元")
    if parts:
        text += "（" + "，".join(parts) + "）"
    text += "。实际金额以退休时当地计发基数和个人账户储存额核定为准。"
    if result.get("eligible") is False:
        why = "；".join(r.get("text", "") for r in result.get("reasons", []) if r.get("text"))
        text += f"\n注意：按现有条件尚不能按月领取基本养老金：{why}"
    return text
