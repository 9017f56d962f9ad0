"""Which calculator a question is about, and the values (slots) it gives.

A question is matched to the calculator of the benefit it names ("交了7年失业金能领几个月" is about
the unemployment benefit, whatever numbers it holds), then its slots are read from the text:
contribution years or months, birth date, sex and category, region, wage, contribution tier,
disability grade, months to back-pay. A short follow-up ("男的，1970年5月") fills the slots of the
previous turn (the ``context``) unless it names another benefit. Pure text processing: no
knowledge base and no calculator here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shebao.assistant.documents import cn_to_int
from shebao.assistant.regions import CITIES, PROVINCES

KINDS = ("pension", "retirement", "plan", "backpay", "unemployment", "injury", "survivor")

# The words that name each benefit, longest and most specific first when several are present.
BENEFIT_WORDS: dict[str, tuple[str, ...]] = {
    "unemployment": ("失业保险金", "失业金", "失业保险", "失业补助", "失业待遇", "失业补贴", "失业费", "失业了"),
    "survivor": ("工亡", "丧葬", "抚恤", "遗属", "去世", "死亡", "病故", "过世", "死了", "身故", "离世"),
    "injury": ("伤残补助金", "伤残津贴", "伤残", "工伤", "残疾"),
    "backpay": ("补缴", "补交", "一次性缴", "一次性补"),
    "plan": ("灵活就业", "哪个档", "什么档", "哪一档", "几档", "档次", "交哪档", "个体户"),
    "pension": ("养老金", "退休金", "退休工资", "养老钱", "退休费", "养老待遇"),
    "retirement": ("退休", "退休年龄", "延迟退休", "延退"),
}

# The benefit among several of one calculator that a question names (工亡 → three of them).
ASKED_BENEFITS = (
    ("disability_allowance", ("伤残津贴", "津贴")),
    ("disability_grant", ("伤残补助金", "一次性伤残", "一次性补助")),
    ("death_grant", ("工亡补助金", "一次性工亡", "工亡赔偿", "死亡赔偿")),
    ("survivor_pension", ("抚恤金", "抚恤")),
    ("funeral_grant", ("丧葬", "丧葬费")),
)

# What is asked.
_WHEN = ("什么时候", "哪年", "几岁", "多大", "哪一年", "几月", "何时", "多少岁", "啥时候", "啥时", "几几年", "哪个月")
_PERIOD = ("几个月", "多少个月", "多久", "多长时间", "多长", "几年", "期限", "领多长")
_AMOUNT = ("多少钱", "多少", "几块", "几千", "几万", "赔多少", "补多少", "标准是", "能赔", "领多少", "拿多少",
           "一个月多少", "每月多少", "几个月工资", "几个月的工资", "划算", "值不值", "合算", "要交多少", "得交多少")
# "多少年" / "多少个月" ask a period or a threshold, not an amount
_NOT_AMOUNT = re.compile(r"多少(?:年|个月|天|岁|级|次|周)")
# "延迟以后最后是几岁退": the age once the transition is over, whoever asks (not one birth date's)
_AGE_ASKED = re.compile(r"几岁|多少岁|多大岁数|岁数|年龄")
# "还有几年退休", "多久能退": the date, asked as the time left
_YEARS_LEFT = re.compile(r"(?:还有|还要|还差|还得|再干|再交)[^，。？?]{0,2}(?:几年|多久|多少年|多长时间)|多久(?:能|才能|可以)?退")
# "到了退休年龄…年限还差几年": the age already reached, what is short is the years paid, not the date
_AGE_REACHED = re.compile(r"(?:到了|已到|已经到|达到了|过了)(?:法定)?退休年龄|退休年龄(?:已经)?到了")
_FINAL = re.compile(r"最后|最终|最晚|最高|封顶|到头|延到|延迟到|延至")
_CHOICE = ("哪个档", "什么档", "哪一档", "几档", "划算", "值不值", "合算", "交哪档")

_CN_NUM = "零〇一二三四五六七八九十两百"


@dataclass
class Intent:
    """A recognised calculator question: the calculator, what is asked, and the slots read."""

    kind: str
    asks: str = "amount"  # "when", "period", "amount", "months", "choice"
    inputs: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)

    def to_context(self) -> dict[str, Any]:
        """What a later turn needs to go on: the calculator, the question asked, the slots."""
        return {"kind": self.kind, "asks": self.asks, "slots": dict(self.inputs)}


def number(text: str) -> int | None:
    """'7' / '七' / '十五' / '两' → int, else None."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if text == "两":
        return 2
    try:
        return cn_to_int(text.replace("两", "二"))
    except ValueError:
        return None


_N = rf"(\d{{1,3}}|[{_CN_NUM}]{{1,4}})"
_BIRTH = re.compile(
    r"((?:19|20)\d{2}|\d{2})\s*年\s*(?:(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月)?\s*(?:(\d{1,2})\s*[日号])?\s*(?:的)?\s*(?:出生|生人|生的|生)")
_BIRTH_ISO = re.compile(r"((?:19|20)\d{2})[-./](\d{1,2})(?:[-./](\d{1,2}))?\s*(?:出生|生)?")
_BIRTH_BARE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(?:(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月)?")
# in a follow-up: "男的，1970年5月" (a year and month long enough ago to be a birth date)
_BIRTH_LOOSE = re.compile(r"((?:19[3-9]|200)\d)\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月(?![份底初]?(?:起|开始|参保|参加|入职|失业|受伤|去世))")
# a person and a year said as their own ("我老婆80年的", "我71年6月的"): a birth date
_BIRTH_OF = re.compile(r"(?:我|俺|他|她|老婆|老公|爱人|爸|妈|父亲|母亲|丈夫|妻子)(?:是)?((?:19)?[3-9]\d)\s*年\s*"
                       r"(?:(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月)?\s*(?:份)?\s*(?:的|人)"
                       r"(?![\d年]|工龄|社保|缴费|保险|养老|医保|失业|合同|工作)")
_PAID = re.compile(
    rf"(?:交|缴|缴费|交费|参保|工作|上班|干|社保|交社保|缴社保)\s*(?:了|满|够|过|有)?\s*(?:了)?\s*{_N}\s*(?:多)?\s*(年|个月|个多月)"
    rf"(?:\s*(?:零|又)?\s*{_N}\s*个月)?")
_PAID_AFTER = re.compile(rf"{_N}\s*(年|个月)\s*(?:的)?\s*(?:社保|养老保险|失业保险|保险|工龄|缴费|缴费年限)")
_BARE_PERIOD = re.compile(rf"^\s*(?:交了|缴了|交|缴|有|已经|一共|共|大概|差不多)?\s*{_N}\s*(年|个月)(?:\s*(?:零|又)?\s*{_N}\s*个月)?\s*(?:了|吧|左右)?\s*[。.！!]?\s*$")
_WAGE = re.compile(r"(?:工资|月薪|收入|缴费基数|基数|缴费工资|挣|薪水|薪资|到手)\s*(?:是|为|有|大概|约|差不多|每月|一个月|一月)?\s*"
                   r"(\d{3,6}(?:\.\d+)?|\d+(?:\.\d+)?\s*[千kK万])\s*(?:元|块)?")
_INDEX = re.compile(r"(?:按|选|交)?\s*(\d{2,3})\s*%\s*(?:档|的档次|档次)?")
_GRADE = re.compile(r"(?:伤残)?\s*([一二三四五六七八九十]|10|[1-9])\s*级(?:伤残|工伤|残疾)?|伤残等级\s*(?:是|为)?\s*([一二三四五六七八九十]|10|[1-9])")
_BACKPAY = re.compile(rf"(?:补缴|补交|一次性缴|一次性补缴|补)\s*(?:了)?\s*{_N}\s*(年|个月)")
_BASE = re.compile(r"(?:按|基数)\s*(?:是|为)?\s*(\d{3,6})\s*(?:元|块)?\s*(?:的)?\s*(?:基数)?")
# a number of years paid stated as a range: "交了十几年" (11–19), "缴了三四年" (3–4)
_PAID_RANGE = re.compile(r"(?:交|缴|缴费|交费|参保|工作|上班|干)\s*(?:了|满|够|过|有)?\s*"
                         r"(?:([一二三四五六七八九]?十|[1-9]0)\s*几|([一二三四五六七八九])([一二三四五六七八九]))\s*年")
_PREVIOUS = re.compile(rf"(?:上次|以前|之前|前次)[^，。,]{{0,12}}?(?:还有|剩|剩下|没领)[^，。,\d{_CN_NUM}]{{0,4}}{_N}\s*个月")


# a gap in the contributions: 断了8个月, 断缴两年, 欠了5年没交, 有14个月没给我交, 差3年才满15年
_GAP = re.compile(rf"(?:断(?:缴|交|保|档)?(?:了)?|欠(?:缴|交|费)?(?:了)?|差(?:了)?|少交(?:了)?)\s*(?:{_N}\s*(年|个月)|半年)"
                  rf"|{_N}\s*(年|个月)\s*(?:都|的)?\s*(?:没(?:有)?(?:给我|给|帮我)?(?:交|缴|上)|断(?:缴|交)|欠(?:缴|费))")
_TO_REACH = re.compile(rf"(?:满|到|够|凑够|凑满)\s*{_N}\s*年")
# a total said as such wins over an earlier figure (以前补缴过3年社保，现在总共交满20年了)
_TOTAL = re.compile(r"(?:总共|一共|累计|合计|总计|共|总)\s*$")


def _paid(q: str, gap: re.Match | None) -> re.Match | None:
    """The years or months paid: a total said as such first, else the first figure that is neither a
    back-payment (补缴过3年) nor a gap (断缴两年)."""
    found = [m for m in _PAID.finditer(q)
             if not (m.start() and q[m.start() - 1] == "补") and not (gap and gap.start() <= m.start() < gap.end())]
    totals = [m for m in found if _TOTAL.search(q[max(0, m.start() - 3):m.start()])]
    return (totals or found or [None])[0]


def _wage(text: str) -> str | None:
    match = _WAGE.search(text)
    if not match:
        return None
    raw = match.group(1).replace(" ", "")
    factor = Decimal(1)
    if raw[-1] in "千kK":
        raw, factor = raw[:-1], Decimal(1000)
    elif raw[-1] == "万":
        raw, factor = raw[:-1], Decimal(10000)
    value = Decimal(raw) * factor
    if not Decimal(300) <= value <= Decimal(200000):
        return None
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _months(match: re.Match, groups: tuple[int, int, int | None]) -> int | None:
    n, unit, extra = groups
    value = number(match.group(n))
    if value is None:
        return None
    months = value * 12 if match.group(unit).startswith("年") else value
    if extra is not None and match.group(extra):
        more = number(match.group(extra))
        months += more or 0
    return months


def birth_date(match: re.Match) -> tuple[str, bool]:
    """('1970-05-01', month given?) from a birth-date match."""
    year = int(match.group(1))
    if year < 100:
        year += 1900 if year > 25 else 2000
    month = number(match.group(2)) if match.group(2) else None
    ok = month is not None and 1 <= month <= 12
    return f"{year:04d}-{month if ok else 1:02d}-01", ok


def sex_and_category(text: str) -> tuple[str | None, str | None]:
    """('female', 'female_50') / ('male', 'male_60') / (sex, None) when a woman's category is not said."""
    female = any(w in text for w in ("女", "妈妈", "母亲", "老婆", "妻子", "媳妇"))
    male = any(w in text for w in ("男", "爸爸", "父亲", "老公", "丈夫"))
    if female and not male:
        if any(w in text for w in ("干部", "管理岗", "公务员", "事业单位", "五十五", "55岁")):
            return "female", "female_55"
        if any(w in text for w in ("工人", "女工", "五十岁", "50岁", "灵活就业", "个体", "农民工", "生产岗", "一线")):
            return "female", "female_50"
        return "female", None
    if male and not female:
        return "male", "male_60"
    if any(w in text for w in ("干部", "管理岗")) and not male:
        return None, "female_55_hint"
    if any(w in text for w in ("工人", "生产岗", "一线")) and not male:
        return None, "female_50_hint"
    return None, None


def region_named(text: str) -> str | None:
    """The region code of the city or province the question names (东营 → 370500), else None."""
    for code, name in CITIES.items():
        if name in text:
            return code + "00"
    for code, name in PROVINCES.items():
        if name in text:
            return code + "0000"
    return None


# Benefits named in other words than a term: a disability grade assessed (评了九级, 鉴定七级), a death
# said of a relative (我爸走了, 老伴没了), a flexible worker (自由职业, 打零工, 自己交社保) or a tier of the
# contribution base (60%档, 最低档, 每档, 300%的挡), back-paying said as making up (补上, 补齐).
BENEFIT_PATTERNS: dict[str, re.Pattern[str]] = {
    "survivor": re.compile(r"(?:爸|妈|爹|娘|父亲|母亲|老伴|老公|丈夫|老婆|妻子|爱人|爷爷|奶奶|姥爷|姥姥|外公|外婆|亲人|家人|老人)"
                           r"(?:已经|突然|刚|刚刚|前几天|前不久|上个月|去年|今年)?(?:走了|没了|不在了)|病逝|逝世|"
                           r"(?:出事|出了事|事故|车祸|意外)(?:人)?(?:没了|死了|走了|身亡)"),
    "injury": re.compile(r"(?:评|鉴定|定|认定|评定)(?:残|了|为|成|的是|是){0,2}\s*(?:[一二三四五六七八九十]|10|[1-9])\s*级"),
    "backpay": re.compile(r"补(?:上|齐|足|回来|回去)|补缴费用|补费|断缴|断交|漏缴|欠缴"),
    "plan": re.compile(r"自由职业|自谋职业|打零工|零工|个体工商户|个体经营|新就业形态|(?:自己|自个儿?)(?:交|缴|买)(?:社保|养老|保险)?|"
                       r"自交|以个人身份|(?:\d{2,3}\s*%|最低|最高|低|高|[一二三四五六]|每)\s*的?\s*[档挡]|档次"),
}


def benefits_named(text: str) -> list[str]:
    """The benefits a question names, in the order of :data:`BENEFIT_WORDS`."""
    return [kind for kind, words in BENEFIT_WORDS.items()
            if any(w in text for w in words) or (kind in BENEFIT_PATTERNS and BENEFIT_PATTERNS[kind].search(text))]


# what makes a clause ask (呢 alone does not: 正领着失业金呢 says what is going on)
_QUESTION = re.compile(r"[吗么?？]|怎|咋|啥|什么|哪|(?<![好十])几|多少|多久|多长|多大|谁|如何|是否|(.)[不没]\1")
_CLAUSE_END = re.compile(r"[，,。！!？?；;：:\s]+")


def asked_text(text: str) -> str:
    """The asking clauses of a question joined (spaces removed), or the whole question when no clause
    holds a question word.

    Examples:
        >>> asked_text("前两年失业领了12个月失业金，今年到退休年龄了，养老金一个月能发多少")
        '养老金一个月能发多少'
    """
    clauses = [c for c in _CLAUSE_END.split(text) if c]
    asking = [c for c in clauses if _QUESTION.search(c)]
    return "，".join(asking) if asking else re.sub(r"\s+", "", text)


def read_slots(text: str) -> dict[str, Any]:
    """Every slot the text gives (used for a new question and for a follow-up alike)."""
    q = text.replace(" ", "").replace("　", "")
    slots: dict[str, Any] = {}
    birth = _BIRTH.search(q) or _BIRTH_ISO.search(q) or _BIRTH_BARE.search(q) or _BIRTH_LOOSE.search(q) or _BIRTH_OF.search(q)
    if birth:
        date, month_given = birth_date(birth)
        slots["birth_date"] = date
        slots["birth_month_given"] = month_given
    gap = _GAP.search(q)
    paid = _paid(q, gap)
    months = _months(paid, (1, 2, 3)) if paid else None
    back = _BACKPAY.search(q)
    after = None
    if months is None:
        after = _PAID_AFTER.search(q)
        months = _months(after, (1, 2, None)) if after else None
    if months is None:
        bare = _BARE_PERIOD.match(q)
        months = _months(bare, (1, 2, 3)) if bare else None
    if back:
        slots["backpay_months"] = _months(back, (1, 2, None))
        said = paid or after
        if said and back.start() <= said.start() < back.end():  # "补缴5年", "补缴10年养老保险": not years paid
            months = None
    elif gap and gap.group(0).endswith("半年"):
        slots["backpay_months"] = 6
    elif gap:  # 断了8个月, 欠了5年没交, 还差20个月才到15年: the months a back-payment makes up
        slots["backpay_months"] = _months(gap, (1, 2, None) if gap.group(1) else (3, 4, None))
        target = _TO_REACH.search(q)
        if months is None and target and (years := number(target.group(1))) and slots["backpay_months"]:
            months = years * 12 - slots["backpay_months"]  # 差3年才满15年: 12 years paid
    stated = _PAID_RANGE.search(q)
    if stated and paid and paid.start() == stated.start():
        months = None  # "交了三四年": a range, not a figure
    if months is not None and 0 < months <= 600:
        slots["contribution_months"] = months
    elif months is None and stated:
        decade, low, high = stated.groups()
        if decade and (tens := number(decade)):
            slots["contribution_range"] = ((tens + 1) * 12, (tens + 9) * 12)
        elif low and high and (a := number(low)) and (b := number(high)) and b == a + 1:
            slots["contribution_range"] = (a * 12, b * 12)
    sex, category = sex_and_category(q)
    if sex:
        slots["sex"] = sex
    if category and not category.endswith("_hint"):
        slots["category"] = category
    elif category:
        slots["category_hint"] = category[:-5]
    wage = _wage(q)
    if wage:
        slots["monthly_wage"] = wage
    idx = _INDEX.search(q)
    if idx and 60 <= int(idx.group(1)) <= 300:
        slots["contribution_index"] = str(Decimal(idx.group(1)) / 100)
    if re.search(r"最低(?:的|那)?(?:[档挡]|档次|缴费档|标准交|基数交)|(?:最低|最少)(?:要|得)?(?:交|缴)(?!费年限|年限)", q):
        slots["tier_end"] = "lowest"  # 按最低档交, 最少交多少: the base floor
    elif re.search(r"最高(?:的|那)?(?:[档挡]|档次|缴费档)|最多(?:要|得)?(?:交|缴)(?!费年限|年限)", q):
        slots["tier_end"] = "highest"
    grade = _GRADE.search(q)
    if grade:
        value = number(grade.group(1) or grade.group(2))
        if value and 1 <= value <= 10:
            slots["grade"] = value
    base = _BASE.search(q)
    if base and "backpay" in benefits_named(q):
        slots["backpay_base"] = base.group(1)
    prev = _PREVIOUS.search(q)
    if prev:
        slots["previous_unused_months"] = number(prev.group(1))
    region = region_named(q)
    if region:
        slots["region"] = region
    # a death's cause: said not to be work (不是工伤死亡) > a work death > an illness > work said at all
    if re.search(r"(?:不是|不算|不属于|没有?认定|非)(?:因工|工伤|工亡)", q):
        slots["work_related"] = False
    elif re.search(r"工亡|因工(?:死亡|去世|牺牲)|视同工伤|工伤死亡", q):
        slots["work_related"] = True
    elif any(w in q for w in ("病故", "病死", "病逝", "生病", "因病", "得病", "癌", "自然死亡")):
        slots["work_related"] = False
    elif any(w in q for w in ("因工", "工伤", "上班", "工作中", "干活", "事故", "工地", "车间")):
        slots["work_related"] = True
    elif "意外" in q:
        slots["work_related"] = False
    if re.search(r"已退休|(?<![快要没未就])退休(?:了|[^，。？?]{0,5}年了|人员|老人|职工|工人|干部)|领养老金的|在领养老金|退休后去世|退休后死|"
                 r"(?:养老金|退休金|退休工资)(?:每月|每个月|一个月|一月)?\d", q):
        slots["retired"] = True  # retired, or drew a pension (他养老金每月3500)
    # which of a calculator's benefits the question asks about: the answer states it first
    for item, words in ASKED_BENEFITS:
        if any(w in q for w in words):
            slots["asked_benefit"] = item
            break
    return {k: v for k, v in slots.items() if v is not None}


# questions about contributions, penalties, procedures or rates are the law's, not a calculator's;
# so are questions on what a figure is based on (按啥定的, 依据什么) and on a rule's own threshold or its
# change (最低缴费年限要提高到多少年): the law states them, no one's own figures decide them
_NOT_A_CALCULATION = re.compile(r"保险费|各交|交多少|缴多少|罚|处罚|罚款|比例|费率|办下来|办完|办理|审核|审批|材料|手续|认定|鉴定|"
                                r"伙食|住院|医疗费|护理|假肢|辅助器具|谁定|谁来定|由谁|哪几|怎么算出|怎么计算|如何计算|组成|"
                                r"按(?:啥|什么|哪个|哪些|何种)[^，。？?]{0,3}(?:定|确定|标准)|怎么定|如何确定|依据|根据(?:啥|什么)|"
                                r"最低缴费年限|最低年限|提高到|提到多少|延长到|调到多少|"
                                # an employer's late fee (滞纳金一天多少) is the law's rate, not the cost of
                                # one's own back-payment; so is a contribution asked as a share of the wage
                                # (按工资的百分之几交, 个人扣多少), not the benefit of the branch named
                                r"滞纳金|百分之几[交缴扣]|[交缴扣][^，。？?]{0,4}百分之几|扣多少|扣几|"
                                # whether a standard exists (有没有个标准): the law's bounds, not one person's amount
                                r"有没有(?:个)?(?:标准|规定)")
# what one pays for a tier or a back-payment is their own calculation, not the law's contribution rule
_THE_COST = re.compile(r"保险费|交多少|缴多少")
# receiving, not paying: 能领多少, 退休拿多少
_RECEIVES = re.compile(r"[领拿发]")
# a share asked (按收入的多少交, 百分之几): the law's rate, not one tier's cost
_SHARE = re.compile(r"的(?:多少|百分之|几成)|百分之几|比例|费率")
_WHAT_BENEFITS = re.compile(r"(?:给|领|拿|有|发)(?:点)?(?:啥|什么|哪些)(?:钱|补助|补贴|待遇|费)|(?:啥|什么|哪些)(?:钱|补助|补贴|待遇)")
# the subsidies paid when a disabled worker's contract ends (一次性伤残就业补助金, 一次性工伤医疗补助金) are set
# by each province's regulation, which the injury calculator does not read: the law's (the region's) question
_PROVINCE_SET_INJURY = re.compile(r"就业补助|医疗补助")
_PERSONAL = re.compile(r"我|俺|本人|咱|自己|老公|老婆|爱人|我爸|我妈|父亲|母亲|丈夫|妻子")


def _asks(whole: str, kind: str, asked: str | None = None) -> str | None:
    """What a question asks of the calculator ``kind`` ("when", "amount", "period" …), or None when it
    asks the law. ``asked`` is its asking part (:func:`asked_text`): a clause that only states the
    case (工伤鉴定七级，…; 前两年失业领了12个月失业金，…) neither asks nor makes it the law's question."""
    q = asked if asked is not None else whole
    law = q if kind not in ("plan", "backpay") else _THE_COST.sub("", q)  # what one pays is their question
    if _NOT_A_CALCULATION.search(law) and not (kind == "injury" and re.search(r"几个月|工资的", q)):
        return None
    if kind == "injury" and _PROVINCE_SET_INJURY.search(q):
        return None
    if kind == "injury" and re.search(r"伤残|级", q) and re.search(r"(?:几|多少)个月", q):
        return "months"  # "一级伤残补助金是多少个月工资": the months of wages of the grade
    if kind != "unemployment":
        q = _NOT_AMOUNT.sub("", q)
    if kind == "retirement":
        if not (_BIRTH.search(whole) or _BIRTH_ISO.search(whole) or _BIRTH_LOOSE.search(whole) or _BIRTH_OF.search(whole)
                or _PERSONAL.search(whole)):
            return None  # "延迟退休从什么时候开始": the rule, not one person's date
        if _AGE_REACHED.search(whole) and not _AGE_ASKED.search(_AGE_REACHED.sub("", q)):
            return None
        if _AGE_ASKED.search(whole) and _FINAL.search(whole):
            return "final_age"
        return "when" if any(w in q for w in _WHEN) or _AGE_ASKED.search(q) or _YEARS_LEFT.search(q) \
            or ("退休" in q and any(w in q for w in ("能退", "可以退", "退得了", "退休时间"))) else None
    if kind == "plan":
        if any(w in q for w in _CHOICE):
            return "choice"
        # what a tier costs (一年要交多少, 最低档一个月得多少钱), not what it pays out (能领多少)
        if (any(w in q for w in _AMOUNT) or re.search(r"[交缴掏花付]多少", q)) and not _RECEIVES.search(q) \
                and not _SHARE.search(q):
            return "cost"
        return None
    if kind == "backpay" and re.search(r"多少|几[千万]|花|费用", q) and not _RECEIVES.search(q):
        return "amount"
    if kind == "injury" and not re.search(r"伤残|级|赔|补助金|津贴", whole):
        return None
    if kind == "injury" and re.search(r"工资的(?:多少|百分之|几成)|百分之几|比例|几成", q):
        return "rate"
    if kind == "injury" and _GRADE.search(q) and "津贴" in q and re.search(
            r"(?:有|能领|能拿|还发|发)[^，。？]*(?:吗|么|不|没)[？?]?$|有没有|能不能|发不发|给不给", q):
        return "has_allowance"  # "七级伤残有伤残津贴吗": the grade's allowance, yes or no, from the tree
    if kind == "injury" and any(w in q for w in ("几个月工资", "几个月的工资", "几个月本人工资", "多少个月工资", "多少个月的工资", "几个月")):
        return "months"
    if kind == "unemployment" and any(w in q for w in _PERIOD):
        if any(w in q for w in ("一共", "总共", "总共能", "全部", "合计")):
            return "total"
        return "period"
    if kind == "survivor" and re.search(r"个人账户|余额|继承", q):
        return None  # the account left (可以继承): the law's, not the survivor benefits
    if kind in ("survivor", "injury") and _WHAT_BENEFITS.search(q):
        return "amount"  # "单位给啥钱", "能领啥补助": the benefits and their amounts
    if any(w in q for w in _AMOUNT):
        if kind == "unemployment" and any(w in q for w in ("一共", "总共", "合计", "加起来")):
            return "total"
        return "amount"
    if kind == "pension" and _PAID.search(whole) and any(w in q for w in ("每月", "每个月", "一个月", "能领", "能拿")):
        return "amount"
    return None


def recognise(question: str, context: dict[str, Any] | None = None) -> Intent | None:
    """The calculator intent of a question (with the slots of earlier turns), or None.

    Examples:
        >>> recognise("交了7年失业金能领几个月").kind, recognise("交了7年失业金能领几个月").inputs["contribution_months"]
        ('unemployment', 84)
        >>> recognise("1975年3月出生的女工人什么时候退休").inputs["birth_date"]
        '1975-03-01'
        >>> recognise("失业了要满足什么条件才能领") is None
        True
    """
    q = (question or "").replace(" ", "").replace("　", "")
    asked = asked_text(question or "")
    named = benefits_named(q)
    slots = read_slots(q)
    previous = context or {}
    kind: str | None = None
    asks: str | None = None
    # the benefit named in the asking part decides, then the one named anywhere (前两年失业领了12个月
    # 失业金，…，养老金一个月能发多少 asks the pension; 工伤鉴定七级，一次性伤残补助金能赔多少 the grant)
    # a benefit only the context names is no answer to a question asking of another (领失业金那10个月
    # 没交养老保险，现在补上要多少钱 asks the back-payment, not the unemployment benefit)
    in_asked = _ordered(benefits_named(asked))
    candidates = in_asked + [k for k in _ordered(named) if k not in in_asked] \
        if set(in_asked) <= {"retirement"} else in_asked
    if "survivor" in named and "injury" in named and "work_related" not in slots:
        slots["work_related"] = True  # 工伤死亡: the benefits of a work death
    for k in candidates:
        a = _asks(q, k, asked)
        if a is not None:
            kind, asks = k, a
            break
    if kind is None and "retirement" in named:
        a = _asks(q, "retirement", asked) if set(candidates) <= {"retirement"} else None
        if a is not None:
            kind, asks = "retirement", a
        elif "退休" in q and set(named) <= {"retirement", "plan"} and any(w in _NOT_AMOUNT.sub("", q) for w in _AMOUNT) \
                and ("contribution_months" in slots or (
                _RECEIVES.search(asked) and not re.search(r"医|报销|丧葬|抚恤|一次性", q))):
            kind, asks = "pension", "amount"  # "退休后每月能领多少钱": what one draws is the pension
    if kind is None and not named and "contribution_months" in slots and any(w in q for w in ("能领多少", "能拿多少", "每月能领", "一个月能领", "每个月能领", "领多少钱")):
        kind, asks = "pension", "amount"  # "交15年每月能领多少": the pension is what one draws for years paid
    if kind is None and previous.get("kind") in KINDS and not named and slots:
        # a follow-up that only gives values: the previous question goes on
        kind, asks = previous["kind"], previous.get("asks") or "amount"
    if kind is None:
        return None
    inputs: dict[str, Any] = {}
    if previous.get("kind") == kind:
        inputs.update(previous.get("slots") or {})
    if inputs.get("birth_date") and not inputs.get("birth_month_given", True) and "birth_date" not in slots:
        month = re.search(r"(?<![\d年])(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月", q)
        value = number(month.group(1)) if month else None
        if value and 1 <= value <= 12:  # "5月": the month of the birth year given before
            inputs["birth_date"] = f"{inputs['birth_date'][:5]}{value:02d}-01"
            inputs["birth_month_given"] = True
    inputs.update(slots)
    if kind == "survivor" and "work_related" not in inputs and "工伤" in q:
        inputs["work_related"] = True
    assumptions: list[str] = []
    if kind == "survivor" and "work_related" not in inputs and inputs.get("retired"):
        inputs["work_related"] = False  # a retired person's death is no work death
        assumptions.append("已退休人员去世，按因病或非因工死亡计算。")
    if kind == "survivor" and inputs.get("work_related"):
        # a work death: its benefits (一次性工亡补助金, 丧葬补助金, 供养亲属抚恤金) are the work-injury
        # insurance's (工伤保险条例 第三十九条), computed by the injury calculator
        kind, asks = "injury", "amount"
        inputs["death"] = True
    return Intent(kind=kind, asks=asks or "amount", inputs=inputs, assumptions=assumptions)


def _ordered(names: list[str]) -> list[str]:
    """The calculators to try for the benefits named, most specific first: retirement only when
    nothing else is named (退休金 names the pension), the pension after a benefit drawn instead of
    it, the injury after a death (工伤死亡), no survivor benefit of the pension fund for a death while
    drawing the unemployment benefit, a flexible worker's tier after a back-payment."""
    candidates = [k for k in names if k != "retirement"] or list(names)
    if "pension" in candidates and ("unemployment" in candidates or "injury" in candidates or "survivor" in candidates):
        candidates.remove("pension")
    if "survivor" in candidates and "injury" in candidates:
        candidates.remove("injury")
    if "survivor" in candidates and "unemployment" in candidates:
        candidates.remove("survivor")  # a death while drawing the unemployment benefit: its fund pays (the law's)
    if "backpay" in candidates and "plan" in candidates:
        candidates.remove("plan")
    return candidates
