"""The plain answer first: one sentence that answers the question from the article that decides it.

The type of answer is read from the question (a yes/no, a period, an amount or rate, a procedure or
deadline, where to go, who pays); the sentence of the best articles that both shares most words
with the question and holds what that type needs (a number with a unit of time, a number with a
unit of money or a rate, 申请/之日起, a body, a payer) is taken, and a yes/no question gets its
answer from the sentence's own polarity (应当认定 → 算; 不得认定 → 不算). Nothing is written per
question: the words come from the article, the yes/no from its wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shebao.assistant.intents import number, read_slots
from shebao.assistant.lexicon import standard_words

_CN = "零〇一二三四五六七八九十百千两"
_SPLIT = re.compile(r"(?<=[。；！？])|\n+")
_ENUM = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")
_ARTICLE = re.compile(r"^第[零〇一二三四五六七八九十百千两0-9]+条[\s　]*")

PATTERNS = {
    "period": re.compile(rf"[\d{_CN}]+\s*(?:个|周)?\s*(?:日|天|个月|月|年|周|小时|工作日)"),
    "amount": re.compile(rf"[\d{_CN}]+\s*(?:%|％|倍|个月|元|分之|次)|百分之|万分之|千分之|[\d{_CN}]+\s*级"),
    "procedure": re.compile(r"申请|提出|提交|办理|登记|之日起|以内|内|材料|证明|手续|可以"),
    "where": re.compile(r"机构|部门|行政部门|经办|委员会|法院|服务窗口|网上"),
    "who": re.compile(r"用人单位|单位|个人|本人|基金|支付|承担|缴纳|人民政府|规定|确定|制定"),
    "penalty": re.compile(r"罚款|倍以上|责令|吊销|追究|处分|赔偿责任|停止|暂停"),
    "yesno": re.compile(r"应当|可以|不得|视同|认定|有权|不予|不能|不属于|不计|停止|享受|依法"),
}

# how a yes/no question asks, and the answer word for yes and for no: forms whose content decides
# the answer word, before the question's own verb (:func:`yes_no_words`) does
_MA = r"(?:吗|(?<![什怎那这多])么)"
_YESNO_CONTENT = (
    (re.compile(rf"(?:罚|处罚|罚款|处分){_MA}|罚不罚"), "会", "不会"),  # "被罚吗"
    (_FEE_Q := re.compile(r"收费|收钱|要钱|(?<!零)花钱"), "收费", "不收费"),  # "查记录收钱吗": 免费 is the no; 零花钱 is pocket money
    (re.compile(rf"(?:必须|一定要|非得)[^，。？]*{_MA}"), "要", "不必"),  # "看病必须带医保卡吗"
    (re.compile(rf"合法(?:{_MA}|不)|违法(?:{_MA}|不)|合不合法|违不违法|犯法(?:{_MA}|不)"), "不合法", "合法"),
)
# the end of a clause that asks yes or no: "…吗", "…么", "…不", "…没(有)", "…否", with a particle
_ASKS_YES_NO = re.compile(rf"(?:{_MA}|不|没有|没|否)[呢啊呀嘞哈啦咧]*$")
# "算不算", "有没有", "中不中", "可不可以", "需不需要": the verb is what is doubled
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])([不没])\1")
_A_NOT_A_SECOND = {"可": "以", "需": "要", "合": "法", "违": "法", "应": "该", "允": "许", "愿": "意"}  # 可不可以 → 可以
# the verbs a yes/no clause asks with, the judgement (算, 是) before the modal that carries it
# ("能算工伤不" asks whether it counts), each with the words that hold it without being it
_VERBS = (
    (re.compile(r"(?<![结计核清估换打预总])算(?![账术])"), "算", "不算"),
    (re.compile(r"^(?:这样|那样|这么|那么|这|那)?([行中])$"), "{0}", "不{0}"),  # "…抵社保费，行吗": a clause that is only 行 or 中
    (re.compile(r"(?<![不还要但就可只于都凡总倒硬])是(?![否不])"), "是", "不是"),
    (re.compile(r"属于"), "属于", "不属于"),
    (re.compile(r"能(?!力)"), "能", "不能"),
    (re.compile(r"可以"), "可以", "不可以"),
    (re.compile(r"(?<![所没只还])有(?![人关些的]|时(?!间))"), "有", "没有"),  # not 有人, 有时
    (re.compile(r"需要"), "需要", "不需要"),
    (re.compile(r"(?<![只主重需想])要(?![求是不])"), "要", "不用"),
    (re.compile(r"(?<![社机委协工大学体约理集])会(?![议后计])"), "会", "不会"),
    (re.compile(r"(?<![交发补供])给(?=[交缴上办报发补])"), "给", "不给"),  # "单位给交社保不"
    (re.compile(r"(?<![试使作费采利享应引录雇聘信专通公日家自实运适])用(?=[交缴去办报备再])"), "用", "不用"),  # "还用交不"
    (re.compile(r"([照还再]?)([发给扣退报])$"), "{0}{1}", "不{1}"),  # "伤残津贴还发吗", "工资照发不"
)


def _asking_clause(question: str) -> str:
    """The clause that asks yes or no (the first, if several do), without its question particle."""
    clauses = [c for c in re.split(r"[，,。？?！!；;]", question.replace(" ", "")) if c]
    for clause in clauses:
        if _A_NOT_A.search(clause) or _ASKS_YES_NO.search(clause):
            return clause
    return ""


def yes_no_words(question: str) -> tuple[str, str] | None:
    """The words that answer a yes/no question yes and no, in its own verb: "算工伤不" → (算, 不算),
    "中不中" → (中, 不中), "有时间限制没" → (有, 没有), "要掏钱交不" → (要, 不用), "可以吗" →
    (可以, 不可以), "能去申请不" → (能, 不能); None when the question does not ask yes or no.

    Read in order: a form whose content decides the word (被罚吗 → 会; 合法吗), the doubled verb
    (A-not-A), else the verb of the clause that asks (V…不, V…没, V…吗), the judgement before the
    modal that carries it.
    """
    q = question.replace(" ", "")
    for pattern, yes, no in _YESNO_CONTENT:
        if pattern.search(q):
            return yes, no
    clause = _asking_clause(q)
    if not clause and not re.search(r"是否|能否|可否", q):
        return None
    if doubled := _A_NOT_A.search(q):
        verb = doubled.group(1) + (_A_NOT_A_SECOND.get(doubled.group(1), "") if q[doubled.end():doubled.end() + 1]
                                   == _A_NOT_A_SECOND.get(doubled.group(1)) else "")
        if verb == "要":
            return "要", "不用"  # "要不要交": the no of a need, as for "要…吗" below
        return verb, ("没" if doubled.group(2) == "没" or verb == "有" else "不") + verb
    if asked := re.search(r"([是能可])否", q):
        return {"是": ("是", "不是"), "能": ("能", "不能"), "可": ("可以", "不可以")}[asked.group(1)]
    core = _ASKS_YES_NO.sub("", clause)
    for pattern, yes, no in _VERBS:
        if found := pattern.search(core):
            return yes.format(*found.groups()), no.format(*found.groups())
    if re.search(r"没有?[呢啊呀嘞哈啦咧]*$", clause):
        return "有", "没有"  # "交了没": whether it happened
    return ("是", "不是") if re.search(_MA, clause) else ("能", "不能")


# "劳动局让补发了，公司还是拖着不给": an order defied; the clause on what follows (逾期不支付的，…加付赔偿金)
_DEFIANCE_Q = re.compile(r"还(?:是|在)?(?:不|没|拖)|仍(?:然)?(?:不|没|拖)|拒不|就是不|照样不")
_DEFIANCE_S = re.compile(r"逾期不|逾期未|拒不|仍不|仍未")
DEFIANCE_WEIGHT = 3.0
_FEE_S = re.compile(r"免费|收费|收取[^，。；]{0,10}费")
FEE_WEIGHT = 3.0  # "查记录收费吗": the sentence that says whether it costs (免费), not the right to it
# "两样都能领吗", "能同时享受不": both benefits asked; the sentence that allows only one answers no
_BOTH_Q = re.compile(r"(?:两样|两份|两个|俩|几样|几份|全)都|同时(?:领|拿|享受|要)|一起领|一块儿?领|都领|都拿|都能领|都能拿|都享受")
_ONE_OF_S = re.compile(r"只能选择|选择其一|择一|其中的?一项|不得重复|不重复享受")
BOTH_WEIGHT = 3.0
# "拿货抵社保费中不中": goods in place of the required form; the sentence that requires the form
# (应当以货币形式…缴纳) answers, not one that shares the word 抵 (拍卖所得抵缴)
SUBSTITUTE_WEIGHT = 3.0
# the marks of a sentence that says what such a question turns on (whether one pays, one of two, the form)
DECISIVE_MARKS = frozenset({"self_pay", "fee", "one_of", "form"})
DECISIVE_MARGIN = 3.0  # the later sentence matches as well as the best one without its mark's weight
# "医保要自己交吗", "是不是从我工资里扣": whether the person pays; the sentence that says what the
# person pays or not (个人不缴纳…) answers, not one where it is the employer who pays for them (为职工缴纳)
_SELF_PAY_Q = re.compile(r"(?:自己|个人|本人|俺|我)[^，。？?]{0,6}?(?:交|缴|出钱|掏|付|扣)")
_SELF_PAY_S = re.compile(r"(?<![为给])(?:个人|职工|本人)(?:不|应当|按照[^，。；]{0,12})?(?:缴纳|负担|支付|承担)")
SELF_PAY_WEIGHT = 4.0

# A condition the question states with a negation (没参加, 不满十五年, 未满4个月) is answered by
# the clause that states it the same way (对未参加生育保险的…); a question without one ("四个月以上")
# by the clause without (怀孕满4个月…), not by its negated neighbour.
_Q_NEGATED = re.compile(r"没(?:有)?(?:参加|参保|交|缴|签|满|够|到)|未(?:参加|参保|缴|签|满|达到)|不满|不足|不够|不到|以下"
                        r"|[不没]给(?:报|办|交|缴|上|申请|提)")  # "单位不给报" against "用人单位未按规定提出…的"
_S_NEGATED = re.compile(r"未(?:参加|参保|缴|签|满|达到|按|依法|订立)|不满|不足|(?<![得应])不(?:延|补|续)?缴(?!纳)")
_S_NEGATED_ACT = re.compile(r"不(?:延|补|续)?缴")
NEGATION_WEIGHT = 2.0
# An act the question declines ("不想再补交了", "不打算续交") against an article stating the act as an option
# (可以…延缴) and its not being done (不延缴…的，其个人账户储存额一次性支付给本人): what the question turns on
# is the clause of not doing it, which gains this much, the option as much less.
_Q_DECLINED = re.compile(r"不(?:想|愿意?|打算|准备|再)再?(?:往下)?(?:补|续|延|接着)?[交缴]")
DECLINED_WEIGHT = 4.0
# A quantity the question states ("怀孕三个月", "交了6年") against the graded conditions of an article
# ("未满4个月…15天；满4个月…42天", "满1年不足5年…；满5年不足10年…"): the clause whose range holds
# it answers, the others not. A bare figure ("享受15天产假") is what a clause gives, not its condition.
_Q_QUANTITY = re.compile(rf"(不到|不满|未满|没满|没到|不足|不够|没够|没有)?([\d{_CN}]{{1,4}})(个多月|个半月|个月|多月|年多|年半|多年|年|周岁|岁|多天|天半|天|个小时|小时)(以上|多)?")
_S_CONDITION = re.compile(rf"(未满|不满|不足|不到|满|超过)?([\d{_CN}]{{1,4}})(个月|月|年|周岁|岁|天|日|小时)(以上|以下|之内|以内)?")
# a quantity stated in one measure holds against a condition in another (抢救了三天 against 48小时之内)
_CONVERSIONS = (("天", "小时", 24.0), ("年", "月", 12.0), ("月", "年", 1 / 12))
_MEASURE = {"个月": "月", "月": "月", "年": "年", "周岁": "岁", "岁": "岁", "天": "天", "日": "天", "小时": "小时"}
QUANTITY_WEIGHT = 3.0
# a list item that holds nothing of the question but what its heading holds
BARE_ITEM_FACTOR = 0.5
HEADING_ONLY_FACTOR = 0.5
# a yes/no about an act: the sentence that rules on it (不得/可以/应当 + the act) decides
_RULING = r"(?:不得|禁止|严禁|可以|应当|不能|有权|无权|不予|予以|不再)"
RULING_WEIGHT = 2.0
# a rule that sanctions doing something (违反…的，由…责令…/处…罚款) answers "能/可以…吗" with no
_SANCTION = re.compile(r"责令|罚款|追回|追究|处分|依法给予|依照[^。；]*规定处理")
# "要负责吗", "要赔吗": the liability asked for, of which a 处分 is only a part
_Q_LIABILITY = re.compile(r"负责|责任|赔")
# a yes/no question about a sanction ("被罚吗", "要负责吗") is decided by the rule that sanctions
_Q_SANCTION = re.compile(r"罚|处分|追究|负责|责任")
# "未成年工是指…", "本人工资咋算": the sentence where the law defines the term
_DEFINITION_Q = re.compile(r"([\u4e00-\u9fff]{2,16}?)(?:到底|究竟)?(?:指的是|是指|指什么|指哪些|是什么意思|是什么|包括哪些|包括什么|是多大|是多少岁|是哪些人)")
_DEFINITION_S = ("{t}是指", "{t}，是指", "所称{t}", "{t}是一旦", "{t}是以", "{t}包括")  # as retrieval.DEFINITION_FORMS
DEFINITION_WEIGHT = 4.0
PENALTY_WEIGHT = 2.0
# the lead reads the first cited articles, the sentences of a later one weighing less
LEAD_ARTICLES = 2
RANK_FACTORS = (1.0, 0.6, 0.5)
TYPED_SHARE = 0.5
WIDER_WEIGHT = 1.0
UNKNOWN_WEIGHT = 5.0
# a second sentence of the same article joins the lead when it holds this much of the question the
# first lacks, and the two stay short enough to read as one answer
COMPLEMENT_WEIGHT = 3.0
COMPLEMENT_CHARS = 170
_EACH = re.compile(r"各(?:交|缴|出|付|承担|是|多少)")  # "单位和个人各交多少": each part asked
_ASKING = re.compile(r"多少|几个点|几[个天年月岁级倍成]|百分之几|吗|(?<![什怎那这多])么|怎么|哪[里儿个些]|多久|多长")
# "哺乳期单位能让我加班吗": what a yes/no question asks about is what follows its modal verb (加班);
# a sentence that speaks of it (延长劳动时间) decides, not one that only shares the topic (哺乳期)
_PREDICATE = re.compile(r".*(?:必须|一定要|能|可以|(?<![结计核清估换打预])算|(?<![社机委协工大学体约理])会|要|让)([^，。？?]{1,12}?)(?:吗|么|不[？?]?$)")
PREDICATE_FACTOR = 1.5
# "交了半年能领吗" against "缴费义务满1年的": the months the question states, the years the rule requires
# (缴费至满十五年 is a target the rule lets one reach, not a condition: 不足十五年的，可以缴费至满十五年 → 能)
_REQUIRED_YEARS = re.compile(rf"缴费[^，。；：至]{{0,12}}满([\d{_CN}]+)年")
_HALF_YEAR = re.compile(r"[交缴](?:了|费)?半年")


def _months_paid(question: str) -> int | None:
    months = read_slots(question).get("contribution_months")
    if months is None and _HALF_YEAR.search(question):
        months = 6
    return months


def _declined_elsewhere(unit: str, body: str) -> bool:
    """Whether the sentence states an act (可以…延缴) that the article also states declined (不延缴…的)."""
    for match in _S_NEGATED_ACT.finditer(body):
        act = match.group(0)[1:]
        if re.search(rf"(?<![未不没]){re.escape(act)}", unit) and not _S_NEGATED_ACT.search(unit):
            return True
    return False


def _contrasted(unit: str, body: str) -> bool:
    """Whether the sentence states a condition negated (未满4个月, 未参加生育保险) that the article
    also states the other way (满4个月, 已经参加生育保险): only then does the question's own
    negation (or its absence) choose between them. A negation that only describes (哺乳未满1周岁
    婴儿的女职工) has no clause the other way."""
    for match in _S_NEGATED.finditer(unit):
        if _S_NEGATED_ACT.fullmatch(match.group(0)):  # 不延缴 against 可以…延缴: the act itself
            positive = match.group(0)[1:]
        else:
            positive = match.group(0)[1:].replace("足", "满") + unit[match.end():match.end() + 3]
        if re.search(rf"(?<![未不没]){re.escape(positive)}", body):
            return True
    return False


def _stated_quantities(question: str) -> dict[str, float]:
    """The quantities a question states, by measure: "怀孕三个月" → {月: 3}; "不到四个月" → {月: 3.5};
    "三个多月" → {月: 3.5}. A figure asked for (几个月, 多少天) is not stated."""
    stated: dict[str, float] = {}
    for match in _Q_QUANTITY.finditer(question):
        before, figure, unit, after = match.groups()
        value = number(figure)
        if value is None or (value >= 1000 and "年" in unit):
            continue  # "1965年出生": a date, not a quantity
        measure = next(m for m in ("月", "年", "岁", "天", "小时") if m in unit)
        shift = -0.5 if before else 0.5 if ("多" in unit or "半" in unit or after == "多") else 0.0
        stated.setdefault(measure, value + shift)
    for measure, other, factor in _CONVERSIONS:
        if measure in stated and other not in stated:
            stated[other] = stated[measure] * factor
    return stated


def _holds_quantity(unit: str, stated: dict[str, float]) -> bool | None:
    """Whether the conditions a clause states on the question's quantities ("满5年不足10年的")
    all hold for them (None: the clause states no such condition)."""
    held: bool | None = None
    for match in _S_CONDITION.finditer(unit):
        before, figure, measure_word, after = match.groups()
        measure = _MEASURE[measure_word]
        if measure not in stated or not (before or after) or (bound := number(figure)) is None:
            continue
        if unit[max(match.start() - 1, 0):match.start()] in ("至", "到"):
            continue  # "可以缴费至满十五年": what the rule lets one reach, not its condition
        value = stated[measure]
        if before in ("未满", "不满", "不足", "不到"):
            ok = value < bound
        elif before == "超过":
            ok = value > bound
        elif before == "满" or after == "以上":
            ok = value >= bound
        else:  # 以下, 之内
            ok = value <= bound
        held = ok if held is None else held and ok
    return held


def _consequence(whole: str) -> str:
    """What a rule does, without its condition: "缴费单位逾期拒不缴纳…的，由…申请人民法院依法强制征缴"
    → "由…强制征缴" (the 不 of the condition is not a no); a floor (不得低于) is not a no either."""
    ends = [m.end() for m in _CONDITION_END.finditer(whole)]
    return _FLOOR.sub("", whole[ends[-1]:] if ends else whole)


# where a rule's condition ends: "…的，", and a case said as a situation or a time ("出现…停止享受…待遇的
# 情形，亲属应当…告知": the 停止 is the case, not what the rule does)
_CONDITION_END = re.compile(r"(?:的|情形|时)，")


# the words a yes/no question asks permission with ("能…吗", "可以吗", "行不行", "中不中", "允不允许")
_PERMISSION = ("能", "可以", "行", "中", "允许", "准")
# "能随便…吗": a rule that requires consent or approval answers no
_FREELY = re.compile(r"随便|随意|任意|想怎么")
_REQUIRES = re.compile(r"应当取得|必须|须经|经[^，。；]{0,20}(?:同意|批准)|取得[^，。；]{0,20}同意|(?:应当|须)有[^，。；]{0,20}依据")
# "…不认定为工伤的，人民法院应予支持": the court upholds the decision the clause states, whose polarity answers
_UPHELD = re.compile(r"([^，。；]*)的，人民法院(应予|不予)支持")
# "能用…代替吗": a rule that requires the form or means ("应当以货币形式", "必须以书面形式") answers no
_SUBSTITUTE = re.compile(r"代替|替代|顶替|冲抵|抵扣|充当|换成|改成|代发|(?:用|拿|发)[^，。？?]{1,8}[顶抵](?![替扣])")
_PENALTY_S = re.compile(r"罚款|倍以上")  # a sentence stating the penalty itself
_REQUIRED_FORM = re.compile(r"(?:应当|必须|须)(?:以|用|采用|采取)")
_FLOOR = re.compile(r"不得(?:低于|少于)|不(?:低于|少于)")
# a prohibition limited to the grounds of other articles ("不得依据本法第二十六条、第二十七条的规定解除劳动合同")
_PARTIAL_BAN = re.compile(r"不得(?:依据|依照|按照)[^，。；：:]*?第[^，。；：:]*?条[^，。；：:]*")
# "能拒绝吗", "可以不去吗": refusing what a rule forbids the other party to ask ("不得安排夜班劳动") is allowed
_REFUSE = re.compile(r"拒绝|不去|不干|不接受|不答应|不同意|推掉")
_FORBIDS = re.compile(r"不得|禁止|严禁")
# a question about making something known ("会不会把我名字说出去"): a rule that keeps it secret (保密) is
# about what was asked, and answers no
_DISCLOSE = re.compile(r"说出去|传出去|泄露|泄漏|透露|外泄|曝光|告诉(?:别人|单位|老板|公司)")
_SECRET_S = re.compile(r"保密")
DISCLOSURE_WEIGHT = 3.0
# "每天最多能加几个小时班": the larger limit of a rule that states two ("一般…不得超过一小时；因特殊原因…不得超过三小时")
_MOST = re.compile(r"最多|最长|至多|顶多|最高|上限")
_LIMIT = re.compile(rf"([\d{_CN}]+)\s*(个月|月|年|日|天|小时|工作日|周)")
# "非因本人意愿中断就业的": the exception the rule makes; a question stating it (辞职 → 本人意愿) is a no
_UNLESS = re.compile(r"非因([\u4e00-\u9fff]{2,6}?)(?:中断|致残|死亡|的|原因|或者)")
# "交了12年是不是白交了", "之前的年限会不会作废": whether something is lost; a rule that keeps or gives it
# (可以缴费至满十五年, 累计计算) answers no, a rule that takes it away (不予…, 终止) yes
_LOSS_Q = re.compile(r"白交|白缴|白给|白干|作废|清零|打水漂|(?<!算)不算数|没用了|浪费了|就没了|就废了")  # not 算不算数
_NEGATIVE = re.compile(r"(?<![并而])不(?:缴|交|付|支|享|得|予|能|属|计|认|应|再|按|适|视|会|需|必|列入|纳入)|停止|停发|禁止|防止|终止|无权|免费")


# "个人交多少" against "单位按工资总额的2%…；职工按本人工资的1%…": the sentence of the party the question
# asks about (the person or the employer), where the article speaks of both
_Q_PERSON = re.compile(r"个人|自己|本人|职工|员工|俺|我(?!们公司|们单位|们厂)|咱(?!们公司|们单位|们厂)")
_Q_EMPLOYER = re.compile(r"单位|公司|老板|厂|企业|雇主")
_S_PERSON = re.compile(r"职工|个人|本人|劳动者")
PARTY_WEIGHT = 2.0
ACTOR_WEIGHT = 3.0  # who acts is what the question is about (我自己去申请 → the person's deadline, not the employer's)


def _other_party(text: str, unit: str, head: str) -> list[str] | None:
    """The sentence of the same article stating the other party's figure (the person's 1% beside the
    employer's 2%), with the best one in the article's order; None when there is none."""
    units = _units(text)
    own = _party_of(head + unit)
    position = next((i for i, (u, _) in enumerate(units) if u == unit), None)
    if own is None or position is None:
        return None
    for i, (other, other_head) in enumerate(units):
        if (i != position and other_head == head and PATTERNS["amount"].search(other)
                and _party_of(other_head + other) not in (None, own)):
            return [units[j][0] for j in sorted((position, i))]
    return None


def _party_asked(question: str) -> str | None:
    person, employer = bool(_Q_PERSON.search(question)), bool(_Q_EMPLOYER.search(question))
    return "person" if person and not employer else "employer" if employer and not person else None


def _party_of(sentence: str) -> str | None:
    """Whom a sentence speaks of: the employer (单位… and no person), the person (职工/个人/本人 and no
    单位), else None (both or neither)."""
    person = bool(_S_PERSON.search(re.sub(r"单位职工", "职工", sentence)))
    employer = "单位" in re.sub(r"单位职工|本单位", "", sentence)
    return "person" if person and not employer else "employer" if employer and not person else None


_MODAL = re.compile(r"应当|可以|有权|不得|必须|须")
_S_PARTY = re.compile(r"单位|职工|个人|本人|劳动者")
_SUBJECT = re.compile(r"[把被给为让叫对替跟]?(自己|个人|本人|职工|员工|俺|我|咱|单位|公司|老板|厂里|企业|雇主)")
_OBJECT_MARKS = tuple("把被给为让叫对替跟")


_WHEN_WHAT = re.compile(r"什么时候|啥时候|何时|哪天|什么|啥")


def _asking_party(question: str, own_only: bool = False) -> str | None:
    """Who acts in the clause that asks ("单位不给报，我自己去申请有没有时间限制" → the person), or,
    when it names nobody, in the clauses before it; None when the asking clause names a party only as
    an object or there is no asking clause."""
    before: str | None = None  # the party of the clauses before ("我们自己去提申请，最多能隔多久")
    for clause in re.split(r"[，,。？?！!；;]", question):
        found = list(_SUBJECT.finditer(clause))
        # the last party named, not as an object ("劳动局会不会把我名字说出去": not the person)
        named = [m.group(1) for m in found if not m.group(0).startswith(_OBJECT_MARKS)]
        side = ("employer" if _Q_EMPLOYER.search(named[-1]) else "person") if named else None
        # "…，最晚什么时候之前要交": a time or a thing asked is an asking clause too
        if _ASKING.search(clause) or _A_NOT_A.search(clause) or _WHEN_WHAT.search(clause):
            return side if found or own_only else before
        before = side or before
    return None


def _actor(sentence: str) -> str | None:
    """Who a rule binds or empowers: the last party named before its first modal ("…所在单位应当自…30日内
    提出" → the employer; "用人单位未按前款规定提出…的，工伤职工或者其近亲属…可以直接…提出" → the person)."""
    modal = _MODAL.search(sentence)
    named = _S_PARTY.findall(sentence[:modal.start()] if modal else "")
    return None if not named else "employer" if named[-1] == "单位" else "person"


# "会不会比低保还少": the benefit against a benchmark; the rule's 低于/高于/不低于 that benchmark answers
_COMPARED_Q = re.compile(r"比([\u4e00-\u9fff]{1,10}?)还?(少|低|多|高)(?:吗|么|呢|不|没|[？?，,]|$)")
_RULE_SIDE = re.compile(r"(不得|不)?(低于|高于|少于|多于)([^，。；、]{0,24})")


def _rule_side(whole: str, compared: str, phrases: dict[str, list[str]]) -> bool | None:
    """Whether the rule puts the thing below the benchmark ``compared`` (True), above it (False), or
    says nothing of it (None); the benchmark read in the question's words or the lexicon's terms for them."""
    names = {compared} | {term for term, said in phrases.items() if any(p in compared or compared in p for p in said)}
    for found in _RULE_SIDE.finditer(whole):
        if any(n in found.group(3) for n in names if len(n) >= 2):
            below = found.group(2) in ("低于", "少于")
            return below != bool(found.group(1))
    return None


@dataclass
class Lead:
    kind: str
    sentence: str
    article_index: int


def _named_first(question: str, articles: list) -> list[int]:
    """The order the lead reads the cited articles in: those of a law the question names
    ("劳动法规定产假最少多少天" → 中华人民共和国劳动法) first, else as retrieved."""
    named = [i for i, a in enumerate(articles)
             if len(short := getattr(a, "law", "").removeprefix("中华人民共和国")) >= 3 and short in question]
    return named + [i for i in range(len(articles)) if i not in named]


# a question asking for the items of a list ("要准备哪些材料", "有哪几种方式", "什么条件")
_LIST_Q = re.compile(r"哪些|哪几|(?:什么|啥)(?:材料|条件|情形|情况|证明|方式)")
# "失业保险基金能拿来干啥", "社保卡有什么用": what a thing is for; the sentence that says so ("…用于下列
# 支出：", "…是…的凭证") answers, not one that only forbids a use ("不得用于平衡财政收支")
_USE_Q = re.compile(r"干啥|干什么|做什么|有什么用|有啥用|啥用|什么用处|用来|用途")
_USE_S = re.compile(r"(?<![不得])用于|的凭证|用途")
_USE_WORDS = ("用于", "用途", "凭证")  # held only where the sentence states the use, not in "不得用于"
USE_WEIGHT = 4.0
LIST_CHARS = 220


def _list_of(text: str, head: str) -> str | None:
    """'提出工伤认定申请应当提交下列材料：工伤认定申请表；…；…' when the list is short enough to read
    as one answer, else None (the best item with its heading stands)."""
    items = [_clean(u) for u, h in _units(text) if h == head]
    listed = _clean(head).rstrip("：:") + "：" + "；".join(items)
    return listed if len(items) >= 2 and len(listed) <= LIST_CHARS else None


def _period_of_paragraph(text: str, scores: dict[str, float]) -> str | None:
    """The first sentence stating a period in the paragraph whose sentences match the question best
    (``scores``: sentence → score), else None: a period sentence that repeats none of the question's
    words is found by the paragraph it closes."""
    best: tuple[float, str] | None = None
    for paragraph in _ARTICLE.sub("", text.strip()).split("\n"):
        sentences = [s.strip() for s in _SPLIT.split(paragraph) if s.strip()]
        period = next((s for s in sentences if PATTERNS["period"].search(s)), None)
        score = max((scores.get(s, 0.0) for s in sentences), default=0.0)
        if period is not None and score > 0 and (best is None or score > best[0]):
            best = (score, period)
    return best[1] if best else None


def _next_clause(text: str, unit: str, joins) -> list[str] | None:
    """The lead's clause and the next clause of the same sentence (the lead ends with ；, the next
    is no list item, the two short enough to read as one answer) if ``joins(unit, following)``."""
    units = _units(text)
    position = next((i for i, (u, _) in enumerate(units) if u == unit), None)
    if position is None or position + 1 >= len(units) or not unit.endswith(("；", ";")):
        return None
    following, following_head = units[position + 1]
    if following_head or len(unit) + len(following) > COMPLEMENT_CHARS or not joins(unit, following):
        return None
    return [unit, following]


def _fine_after(text: str, unit: str, sanction: str = r"罚款|倍以上") -> list[str] | None:
    """A penalty asked and the lead's clause orders only a correction ("…责令退还"): the next clause
    of the same sentence that sets the fine ("情节严重的，…处骗取金额1倍以上3倍以下的罚款"); a
    liability asked ("泄露我信息要负责吗") and the clause gives a 处分: the next that makes them pay
    damages ("给…造成损失的，应当承担赔偿责任")."""
    return _next_clause(text, unit, lambda _, following: bool(re.search(sanction, following)))


def _raises_limit(unit: str, following: str) -> bool:
    """Whether ``following`` raises a limit ``unit`` states, in the same unit (一小时 → 三小时)."""
    limits = [(m.group(2), number(m.group(1))) for m in _LIMIT.finditer(unit)]
    raised = [(m.group(2), number(m.group(1))) for m in _LIMIT.finditer(following)]
    return any(u == v and a is not None and b is not None and b > a for u, a in limits for v, b in raised)


def _larger_limit_after(text: str, unit: str) -> list[str] | None:
    """A maximum asked and the lead's clause states a limit ("一般每日不得超过一小时；") that the next
    clause of the same sentence raises in the same unit ("…每日不得超过三小时"): both clauses."""
    return _next_clause(text, unit, _raises_limit)


# a list item that states the case it applies to ("（二）休息日安排劳动者工作又不能安排补休的，支付…"):
# the items of such a list are alternatives, and the question's condition picks one of them
_CASE = re.compile(r"^[（(][一二三四五六七八九十]+[)）][^，。；：]{2,40}?的，")


def _special_case(best: tuple, text: str, held_by: dict, weight) -> tuple:
    """A list of cases (（一）延长工作时间的…；（二）休息日…的…；（三）法定休假日…的…) and the question
    states the case of a later item besides the general one the best item holds ("礼拜天加班": 加班
    and 休息日): the special case prevails, as the law lists the general case first. The later item
    must hold, in the case it states, a word of the question the best item lacks."""
    _, a_index, unit, head = best
    own = held_by.get((a_index, unit), (frozenset(),))[0]
    units = _units(text)
    position = next((i for i, (u, _) in enumerate(units) if u == unit), len(units))
    special = None
    for other, other_head in units[position + 1:]:
        case = _CASE.match(other)
        if other_head != head or not case or (a_index, other) not in held_by:
            continue
        held, score, _ = held_by[(a_index, other)]
        stated = [w for w in held - own if w in case.group(0) and w not in head]
        if stated and sum(weight(w, other) for w in stated) >= WIDER_WEIGHT and (special is None or score > special[0]):
            special = (score, other)
    return best if special is None else (best[0], a_index, special[1], head)


def _complement(text: str, unit: str, head: str, words: set[str], weight,
                threshold: float, alternatives: bool = False) -> list[str] | None:
    """The best sentence and the one of the same article that holds what it lacks of the question
    ("单位交多少个人交多少": the employer's share and the employee's; "在哪领": the transfer and
    分段计算、统一支付), in the article's order; None when no sentence adds enough."""
    units = _units(text)
    whole = head + unit
    held = {w for w in words if len(w) >= 2 and w in whole}
    position = next((i for i, (u, _) in enumerate(units) if u == unit), None)
    if position is None:
        return None
    best: tuple[float, int] | None = None
    for i, (other, other_head) in enumerate(units):
        if i == position or len(other) < 6 or other.endswith(("：", ":")) or other_head != head:
            continue
        if head and not alternatives and _CASE.match(unit) and _CASE.match(other):
            continue  # items that each state their own case (休息日…的；法定休假日…的) are alternatives,
            # joined only when the question asks about two of them
        other_whole = other_head + other
        new = [w for w in words if len(w) >= 2 and w in other_whole and w not in held
               and not any(w in h for h in held)]
        gain = sum(weight(w, other_whole) for w in new)
        if gain >= threshold and (best is None or gain > best[0]):
            best = (gain, i)
    if best is None or len(unit) + len(units[best[1]][0]) > COMPLEMENT_CHARS:
        return None
    pair = sorted((position, best[1]))
    return [units[i][0] for i in pair]


def standard_question(question: str) -> str:
    """The question with its colloquial and dialect words in standard form, no spaces (咋算 → 怎么算)."""
    return standard_words(question.replace(" ", ""))


# what a clause asks other than yes or no: a quantity, a way, a place, a time
_OTHER_ASKING = re.compile(r"多少|几|怎么|如何|怎样|哪|多久|多长|什么|谁")


def _yes_no_part(question: str) -> str | None:
    """The part of a question of several ("是不是就白交了？那咋办") that asks yes or no, when another
    part asks something else; None for a question of one part or of yes/no parts only."""
    parts = [p for p in re.split(r"[？?]", question.replace(" ", "")) if p.strip("，,。！!")]
    asking = [p for p in parts if answer_type(p) == "yesno"]
    return asking[0] if asking and len(asking) < len(parts) else None


def _asks_yes_no_last(q: str) -> bool:
    """A question of one sentence whose last clause asks yes or no and nothing else ("单位交了多少社保，
    有没有义务公布", "拿不出来咋整，能分期吗"): the earlier clauses say the case, the last one asks."""
    if re.search(r"[？?].", q.rstrip("？?。！! ")):
        return False
    clauses = [c for c in re.split(r"[，,。？?！!；;]", q) if c]
    if len(clauses) < 2:
        return False
    last = clauses[-1]
    return bool(_A_NOT_A.search(last) or _ASKS_YES_NO.search(last)) and not _OTHER_ASKING.search(last)


def answer_type(question: str) -> str:
    """yesno / period / amount / procedure / where / who / general."""
    q = standard_question(question)
    if _asks_yes_no_last(q):
        return "yesno"
    if re.search(r"是谁定|是谁规定|是谁制定|是谁决定|由谁定|由谁决定", q):
        return "who"  # "失业金一个月给多少是谁定的": who sets the amount, not the amount
    if re.search(r"几天|多少天|几个月|多少个月|多久|多长时间|多长|几年|多少年|期限|时限|什么时候|几个小时|多少小时|多少周",
                 re.sub(r"固定期限|期限的", "", q)):  # "签无固定期限的": a kind of contract, no period asked
        return "period"
    if re.search(r"罚多少|罚款多少|罚几|怎么处罚|怎么罚|如何处罚|什么处罚|怎么处理|什么后果|法律责任|会怎么样|会怎样", q):
        return "penalty"
    # "按工资的几个点扣": a share asked in points, as 百分之几
    if re.search(r"多少钱|多少|比例|几成|几个点|几个百分点|什么标准|标准是|怎么算|如何计算|几倍|几级|百分之|几次", q):
        return "amount"
    if re.search(r"去哪|哪里|找谁|哪个部门|向谁|在哪", q):
        return "where"
    if re.search(r"谁[来出付交赔承担定管]|谁规定|谁制定|谁决定|谁负责|由谁|哪家", q):
        return "who"
    if re.search(r"怎么办|怎么申请|如何申请|流程|手续|材料|怎么弄|怎么处理|怎么交|如何|怎样", q):
        return "procedure"
    if _A_NOT_A.search(q) and not re.search(r"什么条件|哪些条件|条件是|要求是|哪些", q):
        return "yesno"  # "有没有什么津贴": asked yes or no, whatever it is
    if re.search(r"什么条件|哪些条件|条件是|要求是|哪些|什么", q):
        return "general"
    if yes_no_words(q) is not None:
        return "yesno"
    return "general"


def _units(text: str) -> list[tuple[str, str]]:
    """(sentence, the heading it belongs to) — an enumerated item keeps the sentence introducing it."""
    body = _ARTICLE.sub("", text.strip())
    units: list[tuple[str, str]] = []
    head = ""
    opened = ""  # the clauses of the sentence so far ("由…责令改正；…；属于参保人员的，暂停…：")
    item = False  # within the paragraph of a list item: its later sentences belong to the list too
    for raw in re.split(r"(?<=[。；！？])|(\n)+", body):
        if raw == "\n":
            item = False
        if not raw or not (s := raw.strip()):
            continue
        if _ENUM.match(s) or (item and head):
            item = True
            units.append((s, head))
        else:
            opened = opened + s if opened.endswith(("；", ";")) else s
            head = opened if s.endswith(("：", ":")) else ""
            units.append((s, ""))
    return units


def _clean(sentence: str) -> str:
    s = _ENUM.sub("", sentence.strip()).rstrip("；;，,。：:")
    return s


def lead_sentence(question: str, articles: list, words: list[str], weights: dict[str, float] | None = None,
                  expansions: list[str] | None = None) -> Lead | None:
    """The sentence that answers the question, from the first two articles (the best first).

    A sentence scores the IDF weights of the question's words it holds (a rare word like 奖励 counts
    more than 规定), the lexicon's legal terms at half weight.
    """
    weights = weights or {}
    extra = set(expansions or []) - set(words)

    # the everyday phrase each legal term stands for in this question (加班 → 延长劳动时间): a
    # sentence that has the law's term but not the phrase says the same thing in the law's words,
    # and the term counts in full; beside the phrase itself it counts half
    from shebao.assistant.lexicon import default_lexicon

    lexicon = default_lexicon()
    phrases: dict[str, list[str]] = {}
    for phrase in lexicon.matches(question.replace(" ", "")):
        for term in lexicon.terms.get(phrase, ()):
            phrases.setdefault(term, []).append(phrase)

    def base(w: str) -> float:
        # a phrase the index never saw as one token (终止或者解除劳动关系的证明) weighs as a rare word,
        # not by its length
        return weights.get(w, min(float(len(w)), UNKNOWN_WEIGHT))

    kind = answer_type(question)
    predicate = ""
    span = (0, 0)
    # "是不是就白交了？那咋办": a yes/no asked beside another question is answered too, first
    yes_no_part = _yes_no_part(question) if kind != "yesno" else None
    if kind == "yesno" or yes_no_part:
        part = yes_no_part or question.replace(" ", "")
        if asked := _PREDICATE.match(part):
            offset = max(question.replace(" ", "").find(part), 0)
            predicate, span = asked.group(1), (asked.start(1) + offset, asked.end(1) + offset)

    def overlaps(phrase: str) -> bool:
        # "还能查吗": the phrase 还能查 (→ 查处) reaches into the predicate 查
        start = question.replace(" ", "").find(phrase)
        return start >= 0 and start < span[1] and start + len(phrase) > span[0]

    def asked_about(w: str) -> bool:
        return bool(predicate) and (w in predicate or any(p in predicate or overlaps(p) for p in phrases.get(w, ())))

    def weight(w: str, whole: str = "") -> float:
        factor = PREDICATE_FACTOR if asked_about(w) else 1.0
        if w not in extra:
            return base(w) * factor
        # a term a general rule reads from the question's form (谁拿证据 → 举证责任) has no phrase of the
        # question beside it: it is what was asked, in the law's words, and counts in full
        restated = whole and (w not in phrases or not any(p in whole for p in phrases[w]))
        return base(w) * (1.0 if restated else 0.5) * factor

    pattern = PATTERNS.get(kind)
    q_plain = standard_question(question)
    q_negated = bool(_Q_NEGATED.search(q_plain))
    q_declined = bool(_Q_DECLINED.search(q_plain))
    definition = _DEFINITION_Q.search(q_plain)
    term = re.split(r"[的说里讲叫]", definition.group(1))[-1] if definition else ""
    defining = [f.format(t=term) for f in _DEFINITION_S] if len(term) >= 2 else []
    best: tuple[float, int, str, str] | None = None
    # per article, the best sentence that holds what the type needs
    typed: dict[int, tuple[float, int, str, str]] = {}
    sanction_q = bool(_Q_SANCTION.search(q_plain))
    disclosure = bool(_DISCLOSE.search(q_plain)) and not sanction_q
    use_q = bool(_USE_Q.search(q_plain))
    fee_q = kind == "yesno" and bool(_FEE_Q.search(q_plain))
    both_q = kind == "yesno" and bool(_BOTH_Q.search(q_plain))
    substitute_q = (kind == "yesno" or bool(yes_no_part)) and bool(_SUBSTITUTE.search(q_plain))
    defiance = bool(_DEFIANCE_Q.search(q_plain))
    self_pay_q = kind in ("yesno", "who", "general") and bool(_SELF_PAY_Q.search(q_plain))
    list_q = bool(_LIST_Q.search(q_plain)) or use_q
    # what the question's type asks a sentence to have: (mark, where it is found, in the sentence alone
    # rather than with its heading, weight), only those the question asks for
    asked_marks = [(mark, found_in, on_unit, mark_weight) for asked, mark, found_in, on_unit, mark_weight in (
        (kind == "yesno" and sanction_q, "sanction", _SANCTION, False, PENALTY_WEIGHT),  # "被罚吗": the rule that
        # sanctions, not the duty it enforces
        (kind == "penalty", "penalty", _PENALTY_S, False, PENALTY_WEIGHT),  # the penalty before the order to correct
        (defiance, "defiance", _DEFIANCE_S, True, DEFIANCE_WEIGHT),
        (fee_q, "fee", _FEE_S, False, FEE_WEIGHT),
        (substitute_q, "form", _REQUIRED_FORM, False, SUBSTITUTE_WEIGHT),
        (both_q, "one_of", _ONE_OF_S, True, BOTH_WEIGHT),
        (self_pay_q, "self_pay", _SELF_PAY_S, False, SELF_PAY_WEIGHT),
        # "会不会把我透露出去": the rule keeping it secret, a mark a wider sentence without it does not outweigh
        (disclosure, "secrecy", _SECRET_S, False, DISCLOSURE_WEIGHT),
    ) if asked]
    # per sentence: the question's words it holds, its score before the rank discount, its marks
    held_by: dict[tuple[int, str], tuple[frozenset[str], float, frozenset[str]]] = {}
    order = _named_first(q_plain, articles[:LEAD_ARTICLES])
    stated = _stated_quantities(q_plain)
    # whose share, rate or amount; a question naming both (我在事业单位上班…个人部分按几个点扣) by the party
    # its asking clause names
    party = (_party_asked(q_plain) or _asking_party(q_plain, own_only=True)) if kind == "amount" else None
    # a period, a procedure or a yes/no: who acts in the clause that asks (我自己去申请有没有时间限制)
    actor = _asking_party(q_plain) if kind in ("period", "procedure", "yesno", "where") and not party else None
    party_of = _party_of if party else _actor
    party = party or actor
    # the parties the sentences of each article speak of: a contrast only where both are spoken of
    parties = {a: {p for u, h in _units(articles[a].text) if (p := party_of(h + u)) is not None} for a in order} if party else {}
    quantity_held: dict[tuple[int, int], bool] = {}
    for a_index in order if stated else ():
        conditions = {u_index: held for u_index, (unit, _) in enumerate(_units(articles[a_index].text))
                      if (held := _holds_quantity(unit, stated)) is not None}
        if len(conditions) >= 2:  # a graded rule: one range against another
            quantity_held.update({(a_index, u): held for u, held in conditions.items()})
    for rank, a_index in enumerate(order):
        article = articles[a_index]
        body = _ARTICLE.sub("", article.text.strip())
        # the question's words an item of a list names itself (a heading that names its items'
        # subjects: 丧葬补助金、供养亲属抚恤金和一次性工亡补助金：…)
        named_by_item: dict[str, set[str]] = {}
        for unit, head in _units(article.text):
            if head:
                named_by_item.setdefault(head, set()).update(w for w in set(words) | extra if len(w) >= 2 and w in unit)
        for u_index, (unit, head) in enumerate(_units(article.text)):
            # a heading that states the period asked ("…可以解除劳动合同，但是应当提前三十日以书面形式通知劳动者本人：")
            # is read as a sentence too: its items are the cases, the period is the heading's
            period_head = kind == "period" and bool(PATTERNS["period"].search(unit))
            if len(unit) < 6 or (unit.endswith(("：", ":")) and kind != "penalty" and not period_head
                                 and not (defiance and _DEFIANCE_S.search(unit))):
                continue  # a heading's sentence is read with its items, except the penalty it states
            whole = head + unit
            held = frozenset(w for w in set(words) | extra if len(w) >= 2 and w in whole
                             and not (use_q and w in _USE_WORDS and not _USE_S.search(whole)))
            # an item's own words before those it holds only through its heading (丧葬补助金、…和一次性工亡
            # 补助金：(一)丧葬补助金…；(三)一次性工亡补助金…), where another item names them: the item
            # that names what was asked
            own = not head or not any(len(w) >= 2 and w in unit for w in held)  # a bare item: BARE_ITEM_FACTOR
            score = sum(weight(w, whole) * (1.0 if own or w in unit or w not in named_by_item.get(head, ())
                                            else HEADING_ONLY_FACTOR) for w in held)
            marks = set()  # what the sentence has that the question's type asks for
            graded = quantity_held.get((a_index, u_index))
            if score > 0 and graded is not None:
                score += QUANTITY_WEIGHT if graded else -QUANTITY_WEIGHT  # the range that holds the question's
            elif score > 0 and stated and _holds_quantity(unit, stated):
                score += QUANTITY_WEIGHT  # "干了十一年" against "连续工作满十年以上…的": the question's case
            elif score > 0 and q_declined and _S_NEGATED_ACT.search(unit) and _contrasted(unit, body):
                score += DECLINED_WEIGHT  # "不想再补交" against "不延缴养老保险费的，…一次性支付给本人"
            elif score > 0 and q_declined and _declined_elsewhere(unit, body):
                score -= DECLINED_WEIGHT  # …not "可以…延缴", the option declined
            elif score > 0 and _contrasted(unit, body):
                score += NEGATION_WEIGHT if q_negated else -NEGATION_WEIGHT
            if score > 0 and party and (sides := parties.get(a_index)) and len(sides) == 2:
                own_side = party_of(whole)
                if own_side is not None:
                    contrast = ACTOR_WEIGHT if actor else PARTY_WEIGHT
                    score += contrast if own_side == party else -contrast
            for mark, found_in, on_unit, mark_weight in asked_marks:
                if score > 0 and found_in.search(unit if on_unit else whole):
                    score += mark_weight
                    marks.add(mark)
            if score > 0 and kind == "yesno" and any(
                    asked_about(w) and re.search(rf"{_RULING}[^，。；]{{0,6}}{re.escape(w)}", whole) for w in held):
                score += RULING_WEIGHT  # "能拿去炒股吗" against "不得违规投资运营", not "投资运营情况"
            if score > 0 and use_q and _USE_S.search(whole):
                score += USE_WEIGHT
            if score > 0 and defining and any(f in unit for f in defining):
                score += DEFINITION_WEIGHT
                marks.add("definition")
            if score > 0 and head and not list_q and not any(len(w) >= 2 and w in unit for w in held):
                score *= BARE_ITEM_FACTOR  # "故意犯罪的" for "得了职业病算工伤吗": only its heading matches
            is_typed = pattern is not None and bool(pattern.search(whole if kind == "penalty" else unit))
            if kind == "period" and not is_typed:
                # "个人信息能保存多久" against "个人信息的保存期限应当为…最短时间": the term of what
                # was asked, stated without a figure
                is_typed = any(len(w) >= 2 and f"{w}期限" in unit for w in set(words) | extra)
            is_typed = is_typed or "defiance" in marks  # what follows the defiance is the answer of any type
            if is_typed:
                marks.add("typed")
            if re.search(rf"[\d{_CN}]+\s*(?:元|%|％|倍|日|天|个月|年|小时|工作日)", unit):
                marks.add("number")
            if score > 0:
                held_by[(a_index, unit)] = (held, score, frozenset(marks))
            score = score * RANK_FACTORS[rank] - u_index * 0.05  # the best article first
            if best is None or score > best[0]:
                best = (score, a_index, unit, head)
            if is_typed and score > 0 and (
                    a_index not in typed or score > typed[a_index][0]):
                typed[a_index] = (score, a_index, unit, head)
    if best is not None and (best[1], best[2]) in held_by:
        held, own, own_marks = held_by[(best[1], best[2])]
        # a sentence of a later article holding every word the best one holds and more of the
        # question ("工伤职工退休了伤残津贴还发吗": 伤残津贴 and 退休) says more of what was asked
        wider = [(len(h), a, u) for (a, u), (h, score, m) in held_by.items() if a != best[1] and h > held
                 and m >= own_marks and score > own and sum(weight(w) for w in h - held) >= WIDER_WEIGHT]
        if wider:
            _, a_index, unit = max(wider)
            best = (best[0], a_index, unit, next(h for u, h in _units(articles[a_index].text) if u == unit))
        # what the question turns on (个人要交钱不 → 职工不缴纳; 两样都能领 → 只能选择其一) said only by a
        # later article's sentence that matches the question as well besides the mark: that sentence answers
        decisive = [(score, a, u) for (a, u), (h, score, m) in held_by.items()
                    if a != best[1] and m & DECISIVE_MARKS and not own_marks & DECISIVE_MARKS
                    and score - DECISIVE_MARGIN >= own]
        if decisive:
            _, a_index, unit = max(decisive)
            best = (best[0], a_index, unit, next(h for u, h in _units(articles[a_index].text) if u == unit))
    if best is not None and kind not in ("general", "yesno"):
        if best[1] in typed:
            best = typed[best[1]]  # the typed sentence of the article the best sentence is in
        elif kind == "period" and (following := _period_of_paragraph(
                articles[best[1]].text, {u: v[1] for (a, u), v in held_by.items() if a == best[1]})):
            # "手工报销要等多久" against "因特殊情况个人申请手工报销，应当…提供…。社会保险经办机构应当…
            # 自收到申请之日起30个工作日内办理完毕": the period of the paragraph that speaks of what was asked
            best = (best[0], best[1], following, "")
        elif order[0] in typed and kind == "period":
            # a period asked and none in the best sentence's article: the period of the article
            # ranked first ("劳动监察案件多久办完" → 60个工作日), not a sentence without one
            best = typed[order[0]]
        elif typed and (other := max(typed.values(), key=lambda t: t[0]))[0] >= TYPED_SHARE * best[0]:
            # a period or an amount asked and none in the best article ("依法支付工资"): another
            # cited article that states one and matches the question about as well (百分之三百)
            best = other
    if best is not None and best[3] and _CASE.match(best[2]):
        best = _special_case(best, articles[best[1]].text, held_by, weight)
    if best is None:
        return None
    _, a_index, unit, head = best
    sentence = _clean(unit)
    # two questions in one ("单位交多少个人交多少"): any word of the other part calls for its sentence
    # "…咋算？周末加班呢？": a clause asking with 呢 after another question is a second part
    two_parts = (len(_ASKING.findall(q_plain)) >= 2 or bool(_EACH.search(q_plain))
                 or (bool(_ASKING.search(q_plain)) and bool(re.search(r"[，,？?][^，,？?]{1,12}呢[？?]?$", q_plain))))
    second = _complement(articles[a_index].text, unit, head, set(words) | extra, weight,
                         COMPLEMENT_WEIGHT / 3 if two_parts else COMPLEMENT_WEIGHT, alternatives=two_parts)
    if (second is None and two_parts and kind == "amount" and _Q_PERSON.search(q_plain)
            and _Q_EMPLOYER.search(q_plain)):
        # "单位按百分之几交？我个人扣多少？": each party asked, the other party's share of the same article
        second = _other_party(articles[a_index].text, unit, head)
    if second is None and q_declined and not _S_NEGATED_ACT.search(unit):
        # "不想再补交了，交过的钱咋处理" answered by the option (可以…延缴): its not being done joins it
        body = _ARTICLE.sub("", articles[a_index].text.strip())
        other = next((u for u, h in _units(articles[a_index].text)
                      if h == head and u != unit and _S_NEGATED_ACT.search(u) and _contrasted(u, body)), None)
        if other is not None:
            units = [u for u, _ in _units(articles[a_index].text)]
            second = sorted((unit, other), key=units.index)
    if second is None and kind == "penalty" and not head and not re.search(r"罚款|倍以上", unit):
        second = _fine_after(articles[a_index].text, unit)
    if second is None and kind == "yesno" and _Q_LIABILITY.search(q_plain) and not re.search(r"赔偿责任|刑事责任", unit):
        second = _fine_after(articles[a_index].text, unit, r"赔偿责任|刑事责任|罚款")
    if second is None and _MOST.search(q_plain):
        second = _larger_limit_after(articles[a_index].text, unit)
    if second is not None:
        sentence = "；".join(_clean(u) for u in second)
        other = next((u for u in second if u != unit), unit)
        asked_words = {w for w in set(words) | extra if asked_about(w)}
        if (sum(weight(w) for w in asked_words if w in other and w not in unit)
                > sum(weight(w) for w in asked_words if w in unit and w not in other)):
            # the yes/no is the added sentence's when it is the one about what was asked, more than the
            # first is ("是不是要去告诉社保停发": 告知 in the duty, 停止发放 in what follows it)
            unit = other
    listed = _list_of(articles[a_index].text, head) if head and list_q else None
    if listed is not None:
        sentence = listed  # "要准备哪些材料": every item of the list, under its heading
    elif head:
        sentence += f"（{_clean(head).rstrip('：:')}）"
    if len(sentence) > 180 and listed is None:
        sentence = sentence[:178].rstrip("，、；") + "……"
    if kind == "yesno" or yes_no_part:
        q = yes_no_part or question.replace(" ", "")
        yes, no = yes_no_words(q) or ("是", "不是")
        no = no + "了" if yes.startswith("还") else no  # "还发吗" → 不发了
        whole = head + unit
        if yes == "不合法":  # "合法吗": a rule that forbids it means no
            word = ("不合法" if re.search(r"不得|禁止|责令|处罚|罚款|违反|追究", whole)
                    else "须符合法定条件" if "应当" in whole else "合法")
        elif ((unless := _UNLESS.search(whole) or (_UNLESS.search(articles[a_index].text) if head else None))
              and any(unless.group(1) in w for w in set(words) | extra)):
            # the exception may be another item of the same list of conditions (满1年的 beside 非因本人意愿中断就业的)
            word = no  # "自己辞职的能领吗" against "非因本人意愿中断就业的": the question states the exception
        elif (required := _REQUIRED_YEARS.search(whole)) and (paid := _months_paid(q)) is not None:
            years = number(required.group(1))
            word = no if years and paid < years * 12 else yes  # the condition met or not by what was paid
        elif yes in _PERMISSION and _SANCTION.search(whole) and not re.search(r"罚|处理|处分|责任", q):
            word = no  # "能挪用吗" answered by the rule that sanctions it
        elif yes in ("会", "要", "是") and sanction_q and _SANCTION.search(whole):
            word = yes  # "会被罚吗" answered by the rule that sanctions it
        elif yes in _PERMISSION and _SUBSTITUTE.search(q) and _REQUIRED_FORM.search(whole):
            word = no  # "工资能用购物卡代替吗" against "工资应当以货币形式…支付": the form is required
        elif yes in _PERMISSION and _REFUSE.search(q) and _FORBIDS.search(_consequence(whole)):
            word = yes  # "怀孕8个月排夜班能拒绝吗" against "不得…安排夜班劳动": the refusal is within the rule
        elif yes in _PERMISSION and _FREELY.search(q) and _REQUIRES.search(whole):
            word = no  # "个人信息能随便收集吗" against "应当取得…同意": not freely
        elif yes in _PERMISSION and (partial := _PARTIAL_BAN.search(whole)):
            # "能辞退吗" against "不得依据本法第二十六条、第二十七条的规定解除劳动合同": barred on those
            # grounds only, which a bare 不能 would overstate; the prohibition itself answers
            word = partial.group(0)
        elif yes in _PERMISSION and _BOTH_Q.search(q) and _ONE_OF_S.search(whole):
            word = no  # "两样都能领吗" against "只能选择领取其中的一项": one of them only
        elif disclosure and "保密" in whole:
            word = no  # "会不会把我名字说出去" against "应当为举报人保密"
        elif (compared := _COMPARED_Q.search(q)) and (below := _rule_side(whole, compared.group(1), phrases)) is not None:
            # "会不会比低保还少" against "高于城市居民最低生活保障标准": the side of the benchmark the rule sets
            word = yes if below == (compared.group(2) in "少低") else no
        else:
            if upheld := _UPHELD.search(whole):
                negative = bool(_NEGATIVE.search(upheld.group(1))) != (upheld.group(2) == "不予")
            else:
                rule = _consequence(whole)
                # the clause that speaks of what was asked (个人账户的钱会给**利息**吗 → 免征利息税), when one does
                clauses = [c for c in re.split(r"[，,]", rule)
                           if any(asked_about(w) and w in c for w in set(words) | extra if len(w) >= 2)]
                negative = bool(_NEGATIVE.search("，".join(clauses) or rule))
            if stated and _holds_quantity(unit, stated) is False:
                negative = not negative  # "抢救了三天" against "48小时之内…的": the rule's case is not the question's
            if _LOSS_Q.search(q):
                negative = not negative  # "是不是白交了" against "可以缴费至满十五年": what the rule keeps is not lost
            word = no if negative else yes
        sentence = f"{word}：{sentence}"
    return Lead(kind=kind, sentence=f"{sentence}[{a_index + 1}]。", article_index=a_index)
