"""Knowing its field: social insurance, and the labour and personal-data rules the texts hold.

A question is judged by what it asks, not by the words that set its scene. A strong term of the
field (社保, 养老金, 工伤, 失业保险金 …) in the part that asks makes the question the field's; one that only
sets the scene (刚退休领上养老金了，…; 社保局门口那家…; 产假在家…) leaves the asked part to decide, judged
as below, and a question whose asked part is about something else is not the field's. Without a
strong term, the question needs a weak term (公司, 工资, 退休, 失业, 合同 …; or see below), and then the part of it that asks
(each clause holding 吗, 怎么, 多少, 能不能, 管不管 …, else the last clause) is read word by word
against the knowledge base's own texts (:class:`FieldWords`):

- a word of the field is a term of the field's word lists (the weak terms, the lexicon of colloquial
  ↔ legal words, the domain dictionary) or a word the laws use far more than everyday Chinese does
  (合法, 补偿, 负责, 拒绝 …, by jieba's dictionary frequencies);
- a foreign word is a noun or adjective of everyday Chinese the laws never use (打印机, 蛋糕, 软件 …), or a
  subject of another field (:data:`OTHER`: travel, shares, commercial insurance …);
- the other words (时间, 设置, 一次 …) and the particles tell nothing; a workplace that owns the thing
  asked about (单位的打印机, 老板新买的车) is the scene; a strong term or another field's subject weighs
  double; a term said apart is the term (上六天班, 交了几年钱);
- the verb a modal puts in focus is what is asked (能不能洗头: an everyday verb the laws never use is
  foreign; 领到, 转过去 tell a result), and a verb named again by its first character refers back to
  the field's verb said before it (想辞职…得怎么辞);
- a word the laws use only a few times is no evidence of how much more they use it (the ratio is read
  on the count's lower bound: 自助, used three times, tells nothing), and a noun of jieba's dictionary
  the laws never name is foreign however rare it is in everyday Chinese too (护肤, 美甲);
- a term of the field holding another field's subject is the term (手机号 is personal information).

An asked part with at least as many words of the field as foreign ones, or asking for money due,
lawfulness or who answers for it (能领多少钱, 合法吗, 谁负责), is the field's; one with more foreign
words is not, unless the rest of the question outweighs them; one with no word of either kind (我该找谁)
leaves the whole question to decide. With no weak term, money due asked (按月拿钱, 能要点钱吗) or a
colloquial word of the field's lists in the asked part with no foreign word beside it (老婆能歇多久)
makes the question the field's; lawfulness or blame asked with no word of the field (追尾了谁负责)
may be any law's and is not. Beside a subject of another field only an asked right keeps the
question (快递小哥送件路上被狗咬伤了，公司要赔吗). So 单位的打印机卡纸了怎么弄 and 失业在家学做蛋糕难不难 are outside the
field, 公司三个月没发工资了，我该找谁 inside. Because the words of the field come from the texts indexed,
the test follows the folder of laws the knowledge base was built from. A question outside the field
gets a short refusal that says what the assistant can help with, and no citation.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

from shebao.assistant.lexicon import standard_words
from shebao.assistant.spelling import correct_typos
from shebao.core.segment import STOPWORDS

REFUSAL = (
    "抱歉，这个问题不在社会保险政策的范围内，我无法回答。"
    "我可以帮您：查询养老、医疗、工伤、失业、生育保险和劳动保障的法律条文；"
    "测算退休时间、养老金、灵活就业缴费档次、补缴、失业保险金、工伤和遗属待遇。"
)

# the word lists stay compact
# fmt: off
STRONG = (
    "社保", "社会保险", "社会保障", "养老保险", "医疗保险", "医保", "工伤", "失业保险", "失业金", "生育保险",
    "生育津贴", "养老金", "退休金", "退休工资", "基本养老", "个人账户", "缴费年限", "缴费基数", "参保", "断缴",
    "补缴", "社保卡", "12333", "人社", "劳动保障", "劳动监察", "劳动能力鉴定", "伤残", "职业病", "抚恤金",
    "丧葬补助", "遗属", "工亡", "延迟退休", "退休年龄", "法定退休", "灵活就业", "经办机构", "社会保险费",
    "五险", "失业登记", "产假", "哺乳", "女职工", "劳动合同", "劳动仲裁", "劳动争议", "个人信息", "敏感个人信息",
    "医疗保障基金", "定点医药机构", "骗保", "冒领", "待遇资格认证", "养老待遇", "工伤认定", "停工留薪",
    "杀熟", "自动化决策", "定点医", "定点药",
)

WEAK = (
    "退休", "失业", "公司", "单位", "老板", "工资", "上班", "下班", "加班", "辞职", "辞退", "开除", "解雇", "合同",
    "试用期", "年假", "休假", "病假", "怀孕", "生孩子", "生育", "看病", "住院", "报销", "药", "医院", "受伤",
    "死亡", "去世", "病故", "打工", "农民工", "员工", "职工", "雇", "用人", "劳务", "派遣", "童工", "工时",
    "实习", "隐私", "身份证", "人脸", "信息", "缴费", "交钱", "领钱", "待遇", "补助", "津贴", "赔偿", "罚款",
    "举报", "投诉", "仲裁", "监察", "抚恤", "丧葬", "保险", "出差", "骚扰", "夜班", "喂奶",
    "小时班", "工作时间", "休息日", "工作日", "工作", "休息", "经期", "例假", "未成年", "作业", "营业执照", "干活",
    "工厂", "厂子", "厂里",
    # personal information said in everyday words (the personal-data law's objects)
    "手机号", "电话号码", "通讯录", "住址", "行踪",
    # who works for whom, said in everyday words: a role or a wage of work (骑手, 包工头, 工钱, 人事)
    "骑手", "包工头", "工钱", "领导", "人事", "零工", "临时工", "正式工", "合同工",
)

# subjects of other fields: with one of these, a weak term does not make the question the field's
OTHER = (
    "天气", "下雨", "气温", "旅游", "旅行", "景点", "好玩", "机票", "火车票", "酒店", "签证", "护照", "股票", "股市",
    "炒股", "基金定投", "理财", "比特币", "彩票", "房价", "买房", "房贷", "贷款", "信用卡", "电影", "电视剧", "综艺",
    "明星", "歌", "游戏", "小说", "菜谱", "做菜", "做饭", "好吃", "餐厅", "火锅", "减肥", "健身", "美容", "化妆", "星座",
    "算命", "风水", "手机", "电脑", "截屏", "WiFi", "wifi", "编程", "考研", "高考", "英语", "作文", "猫", "狗粮",
    "宠物", "花草", "车险", "重疾险", "寿险", "商业保险", "保险公司", "意外险", "离婚", "结婚", "彩礼", "抚养权",
    "继承房产", "遗嘱", "交通违章", "驾照", "扣分", "车祸责任", "离婚财产", "诈骗电话", "足球", "篮球", "世界杯",
    "年会", "团建", "面试技巧", "简历", "装修", "快递", "外卖", "网购", "退货", "天文", "历史", "诗", "翻译",
    "发朋友圈", "养老院哪家", "广场舞", "钓鱼", "跑步", "菜谱", "红烧", "生日", "礼物", "笑话",
    # banking, health products and symptoms, pastimes: a weak term beside them is the scene
    "银行卡", "工资卡", "挂失", "保健品", "发烧", "感冒", "挂号", "乐器", "钢琴",
    # health and diet (单位体检查出血压高吃啥好: the workplace is the scene)
    "血脂", "血压", "血糖", "尿酸", "胆固醇", "食疗", "养生", "偏方", "失眠",
    # taxes, cars, pets, clothes, canteens, pastimes and tutoring: the workplace or the boss is the scene
    # (工资条上的个税怎么算, 老板的车被刮了谁赔, 上班路上听什么播客)
    "个税", "个人所得税", "车被", "换车", "买车", "停车", "狗", "衣服", "穿什么", "食堂", "播客", "听歌", "音乐",
    "辅导作业", "过冬",
)
# fmt: on


# Terms of the field holding another field's subject (手机号 is personal information, not a phone).
_HOLDERS = re.compile(
    "|".join(
        sorted((re.escape(t) for t in (*STRONG, *WEAK) if any(o in t for o in OTHER)), key=len, reverse=True)
    )
    or "(?!)"
)


def other_subjects(text: str) -> list[str]:
    """The subjects of other fields a text names, outside the terms of the field that hold one."""
    text = _HOLDERS.sub("，", text)
    return [t for t in OTHER if t in text]


# Field words in another sense: a commercial policy (商业养老保险, 意外险 is in OTHER), a crime (合同诈骗罪).
_OTHER_SENSE = re.compile(r"商业[\u4e00-\u9fff]{0,4}?险|罪")
# Terms of the field, longest first, for the patterns below that find one as a scene.
_TERMS = "|".join(sorted({re.escape(t) for t in (*STRONG, *WEAK) if len(t) >= 2}, key=len, reverse=True))
# Terms that only set the scene: a place (单位附近, 公司楼下, 社保局门口, 人社局大楼附近) …
_PLACE = re.compile(rf"(?:{_TERMS})[\u4e00-\u9fff]{{0,3}}?(?:附近|楼下|门口|旁边|对面|周边|周围)")
# … or a time (退休了, 失业后, 下班后, 产假在家: what follows is the question; 退休了学什么乐器好 is not
# the field's).
_STRONG_TERMS = "|".join(sorted((re.escape(t) for t in STRONG), key=len, reverse=True))
_SCENE = re.compile(
    rf"^(?:退休|失业|下班|上班|辞职|怀孕|生孩子|住院|{_STRONG_TERMS})"
    r"(?:(?:了|后|以后|之后|的时候|期间|在家|这段时间|那阵子)|"
    r"[\u4e00-\u9fff]{1,4}?(?:以后|之后|的时候|期间|这段时间))[，,]?"  # 工伤康复期间: a phase of it
)
# A term said with words between its verb and its object (上十二个小时的班, 交了几年钱, 生完孩子, 领几个
# 月的钱): an aspect, a result or a quantity may stand inside a verb-object word.
_INSIDE = r"(?:[了过着完好的]|[\d一二两三四五六七八九十百千几半多每个年月周天日小时]){1,8}"
_SEPARATED = tuple(
    (re.compile(re.escape(t[0]) + _INSIDE + re.escape(t[1:])), t) for t in WEAK if 2 <= len(t) <= 3
)


def joined_terms(text: str) -> str:
    """The text with each weak term said apart said whole (上六天班 → 上班, 交了几年钱 → 交钱).

    Examples:
        >>> joined_terms("一天要上十二个小时的班")
        '一天要上班'
    """
    for pattern, term in _SEPARATED:
        text = pattern.sub(term, text)
    return text


def without_scene(text: str) -> str:
    """The text without the terms that only set its scene: a place or a time of life."""
    return _PLACE.sub("", _SCENE.sub("", text))


# What makes a clause a question: a question word or particle, or a verb asked both ways (管不管, 难不难).
_ASKS = re.compile(
    r"[吗呢么?？]|怎|咋|啥|什么|哪|几|多少|多久|多长|多大|多高|谁|如何|是否|为何|为什么|"
    r"(.)[不没]\1"
)
_CLAUSE_END = re.compile(r"[，,。.！!？?；;：:\s]+")
# jieba's part-of-speech tags of words that say nothing of a subject: adverbs, pronouns, prepositions,
# conjunctions, particles, numerals and measures, times and places of the sentence (家里, 门口), interjections
_NO_SUBJECT = ("d", "r", "p", "c", "u", "y", "m", "q", "f", "t", "x", "e", "o", "z", "s")
# How much more often than everyday Chinese the laws must use a word for it to be a word of the field
# (natural log of the ratio of relative frequencies: 合法 2.5, 拒绝 2.0 are; 保存 1.2, 平台 1.0 are not).
FIELD_RATIO = 1.5
# A word the laws use at least this often is no foreign word whatever its everyday frequency.
MIN_COUNT = 2
# A word of everyday Chinese: jieba counts it at least this often (its rarest entries are guesses: 要用, 能行).
MIN_EVERYDAY = 50


def asked_parts(question: str) -> list[str]:
    """The clauses of a question that ask: those holding a question word or particle, else the last
    clause.

    Examples:
        >>> asked_parts("单位发的月饼太多吃不完，怎么保存")
        ['怎么保存']
        >>> asked_parts("公司三个月没发工资了")
        ['公司三个月没发工资了']
    """
    clauses = [c for c in _CLAUSE_END.split(question) if c]
    return [c for c in clauses if _ASKS.search(c)] or clauses[-1:]


@dataclass(frozen=True)
class FieldWords:
    """The words of the field, read from the texts of a knowledge base.

    Args:
        counts: how often each search token occurs in the texts.
        known: words of the field by list (the lexicon, the domain dictionary, :data:`WEAK`).
    """

    counts: Mapping[str, int]
    known: frozenset[str]

    @classmethod
    def of_texts(cls, token_lists: Iterable[Iterable[str]]) -> FieldWords:
        """The field's words of a knowledge base, from its articles' search tokens."""
        return cls(Counter(t for tokens in token_lists for t in tokens), _listed_words())

    @cached_property
    def total(self) -> int:
        return max(sum(self.counts.values()), 1)

    def judge(self, word: str) -> int:
        """1 for a word of the field, -1 for a foreign word, 0 for a word that tells nothing."""
        if word in self.known or any(term in word for term in STRONG):
            return 1
        if any(term in word for term in OTHER):
            return -1
        count = self.counts.get(word, 0)
        everyday = _everyday_frequency(word)
        if count >= MIN_COUNT:
            # the laws' use of the word against everyday Chinese (jieba's dictionary frequencies)
            # on the count's lower bound (two standard deviations of a Poisson count): a word the laws
            # use three times (自助) is no evidence of how much more they use it than everyday Chinese
            low = count - 2 * math.sqrt(count)
            if low <= 0:
                return 0
            ratio = math.log(low / self.total) - math.log((everyday + 1) / _everyday_total())
            return 1 if ratio >= FIELD_RATIO else 0
        # a word of everyday Chinese (jieba knows it) that the laws do not use; a run jieba only
        # guessed (摔断了腿, 能领) is no evidence either way
        if count or len(word) < 2:
            return 0
        if everyday >= MIN_EVERYDAY:
            return -1
        # a compound jieba barely knows (咖啡机, 按摩椅) is foreign when its head or its modifier is
        parts = [word[:i] for i in range(2, len(word))] + [word[i:] for i in range(1, len(word) - 1)]
        return -1 if any(self.judge(part) < 0 for part in parts) else 0


@lru_cache(maxsize=1)
def _listed_words() -> frozenset[str]:
    from shebao.assistant.lexicon import default_lexicon
    from shebao.assistant.segment import domain_dictionary_words

    return frozenset(default_lexicon().vocabulary()) | frozenset(domain_dictionary_words()) | frozenset(WEAK)


def _tokenizer():
    from shebao.assistant.segment import domain_dictionary_text
    from shebao.core.segment import jieba_tokenizer

    return jieba_tokenizer(domain_dictionary_text())


def _everyday_frequency(word: str) -> int:
    return _tokenizer().FREQ.get(word, 0) or 0


@lru_cache(maxsize=1)
def _everyday_total() -> int:
    return _tokenizer().total


@lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_tokenizer())


_pos_lock = threading.Lock()


@lru_cache(maxsize=1)
def bundled_field_words() -> FieldWords:
    """The field's words of the law texts shipped with the package (for a question judged without a
    knowledge base at hand)."""
    from shebao.assistant.documents import list_documents, read_document
    from shebao.assistant.kb import BUNDLED_CORPUS, passage_text
    from shebao.assistant.segment import Segmenter

    segmenter = Segmenter("jieba")
    return FieldWords.of_texts(
        segmenter.tokens(passage_text(a))
        for path in list_documents(BUNDLED_CORPUS)
        for a in read_document(path).articles
    )


# What a person asks the field about, said in everyday words: money due (能领多少钱, 能报吗, 赔多少),
# whether something is lawful (合法吗, 对不对, 算数吗) and who answers for it (算谁的, 谁负责, 管不管).
# Money due or withheld, paid back or made up (按月拿钱, 能要点钱吗, 能退给我们吗, 能补上吗): said
# without any other word of the field, still the field's (a benefit, wages, contributions).
_MONEY = r"[领拿给].{0,3}钱|能领|能报|报销|能补|扣钱|克扣|拖欠|欠薪|不给钱|要[点些回]?钱|讨.{0,2}钱|退.{0,2}钱|退[还给回]|能退"
_RIGHTS = re.compile(
    _MONEY + r"|(?<!理)赔|补偿|合法|违法|对吗|对不对|算数|有效吗|算谁|谁负责|谁管|管不管|找谁|给不给|"
    r"负不负责|负责吗|担责|谁来?[出付掏]|能要求|有权|可以要求"
)
_MONEY_DUE = re.compile(_MONEY)
# Verbs of liking (好吃, 好看, 好玩): the thing asked about is a thing of everyday life.
_PLEASING = frozenset({"好吃", "好看", "好玩", "好用", "好喝", "好听", "好使"})
# A word of the field that owns the thing asked about is its scene (公司的门禁卡, 单位的饮水机) …
_OWNER = re.compile(r"(?<![没无])(?:单位|公司|医院|厂里|老板|员工|职工)[\u4e00-\u9fff]{0,3}?的")


def without_owner(text: str) -> str:
    """The text without a workplace that owns the thing asked about; … but a subject of another field
    said in the owner's phrase stays (公司停车场的车被人划了: the car park is a car's matter)."""
    return _OWNER.sub(lambda m: m.group(0) if any(t in m.group(0) for t in OTHER) else "，", text)


def _untagged_term(pair) -> bool:
    """A word of the domain dictionary (工伤认定): jieba gives it no part of speech ("x"), as it does
    punctuation."""
    return pair.flag == "x" and bool(re.search(r"[\u4e00-\u9fff]", pair.word))


def _never_named(word: str, field_words: FieldWords) -> bool:
    """A word of jieba's dictionary (not a run it only guessed: 天假, 工跟) that the laws never use."""
    return len(word) >= 2 and _everyday_frequency(word) > 0 and not field_words.counts.get(word)


RARE_VERB = 200  # jieba's count under which a verb the laws never use is another trade's term


def _trade_verb(word: str, field_words: FieldWords) -> bool:
    """A two-character verb the laws never use and everyday Chinese rarely does (理赔, 定投): another trade's act, a
    foreign word like a noun; a common verb (代替, 回去) only tells how."""
    # two characters: a lexicalised act; a verb with its complement (改不了, 改过来) is an everyday act said whole
    return (len(word) == 2 and 0 < _everyday_frequency(word) < RARE_VERB and not field_words.counts.get(word)
            and not _RIGHTS.search(word))  # 给钱, 讨薪: money due is the field's


def evidence(text: str, field_words: FieldWords, *, places: bool = True, trades: bool = True) -> list[int]:
    """+1 for each word of the field in a text, -1 for each foreign word, in text order (±2 for a
    strong term or another field's subject); with ``places`` false a place name (广东) tells nothing, with
    ``trades`` false a rare verb (理赔) neither."""
    text = without_owner(text)
    out: list[int] = []
    with _pos_lock:
        pairs = _pos_tokenizer().lcut(text)
    for p in pairs:
        if p.word in STOPWORDS or (p.flag.startswith(_NO_SUBJECT) and not _untagged_term(p)):
            continue
        if not places and p.flag == "ns":
            continue
        v = field_words.judge(p.word)
        if v < 0 and p.flag.startswith("v") and p.word not in _PLEASING and not (trades and _trade_verb(p.word, field_words)):
            v = 0  # a verb tells how, not what about (代替, 说出去, 回去), unless it judges a thing (好吃)
            # or is another trade's act the laws never name and everyday Chinese rarely says (理赔, 定投)
        if v == 0 and any(t in p.word for t in WEAK if len(t) >= 2):
            v = 1
        elif v == 0 and p.flag in ("n", "nz", "a", "an") and _never_named(p.word, field_words):
            v = -1  # a thing the laws never name, however rare in everyday Chinese too (护肤, 曲子)
        if v:  # a strong term of the field or a subject of another field weighs double
            out.append(2 * v if any(t in p.word for t in (STRONG if v > 0 else OTHER)) else v)
    out.extend(1 for t in WEAK if len(t) >= 2 and t in text and not any(t in p.word for p in pairs))
    return out


# Health care without money or rights is not the field's (孩子发烧去哪个医院好; 医院能报销吗 is).
_CARE = ("看病", "住院", "药", "医院")
_CARE_MATTER = re.compile(r"报|费|钱|付|赔|结算|补助|待遇|津贴|工资|单位|公司|老板|工作|上班|假|花了|掏|自费")


def _weak_topics(q: str, *, owners: bool = True) -> list[str]:
    """The weak terms of a question that are its topic, not its scene (with ``owners`` false, nor a
    workplace owning what is asked about: 老板新买的车)."""
    q = without_scene(q) if owners else without_owner(without_scene(q))
    found = [t for t in WEAK if t in q]
    if found and all(t in _CARE for t in found) and not _CARE_MATTER.search(q):
        return []
    return found


# A modal asking leave (能不能, 可以…吗) puts the verb after it in focus: that verb is what is asked.
_MODALS = frozenset({"能不能", "可不可以", "能", "不能", "可以", "不可以", "会不会", "该不该", "要不要"})
# A verb with a result or a direction (领到, 转过去, 拿来, 办好) tells how a thing ends, not what it is.
_RESULT = "到过来去好完着上下出起回住掉开成走"


def _foreign_focus(asked: str, field_words: FieldWords) -> bool:
    """Whether the verb a modal puts in focus is an everyday verb the laws never use (能不能洗头,
    能喝牛奶吗): the question asks leave for a thing of everyday life."""
    with _pos_lock:
        pairs = _pos_tokenizer().lcut(asked)
    return any(
        p.word in _MODALS
        and (
            n.flag.startswith("v") or n.flag in ("n", "nz")
        )  # after a modal a noun is a verb-object word: 坐飞机
        and n.word[-1] not in _RESULT
        and field_words.judge(n.word) < 0
        for p, n in zip(pairs, pairs[1:], strict=False)
    )


def _refers_back(asked: str, q: str) -> bool:
    """Whether an asked part names again, by its first character, a verb of the field said before it
    (…想辞职，…得怎么辞: 辞 is 辞职)."""
    before = q[: q.find(asked)]
    with _pos_lock:
        pairs = _pos_tokenizer().lcut(asked)
    return any(
        len(p.word) == 1
        and p.flag.startswith("v")
        and any(t[0] == p.word and t in before for t in (*STRONG, *WEAK))
        for p in pairs
    )


def _asked_verdict(q: str, asked: str, field_words: FieldWords, *, other: bool, places: bool = True,
                   trades: bool = True) -> int:
    """Whether an asked part of a question is about the field (1), about something else (-1), or
    says nothing (0)."""
    rights = bool(_RIGHTS.search(asked))
    # the words of a right asked are the right, not a subject of their own (能要点钱吗: no 要点)
    found = evidence(_RIGHTS.sub("，", without_scene(asked)), field_words, places=places, trades=trades)
    if not rights and _foreign_focus(without_scene(asked), field_words):
        return -1
    if other:  # 快递小哥送件路上被狗咬伤了，公司要赔吗: a right asked of a workplace, not the delivery
        return 1 if rights and min(found, default=0) >= 0 else -1
    if rights and min(found, default=0) >= 0:  # 公司的咖啡机坏了找谁修 asks a repairer, not a right
        found.append(1)
    if not found and _refers_back(asked, q):
        found.append(1)
    if found and sum(found) >= 0:
        return 1  # 单位不让休年假，能折成钱吗: the asked part is the field's at least as much as not
    if found:  # the asked part is about something else, unless the rest of the question outweighs it
        rest = q[: q.find(asked)]
        scene = evidence(without_scene(rest), field_words, places=places, trades=trades)
        return 1 if sum(scene) + sum(found) > 0 else -1
    return 0


def _other_asked(asked: str, field_words: FieldWords) -> bool:
    """Whether an asked part is open to another field's subject: it names one, or says nothing of the
    field itself."""
    return bool(other_subjects(asked)) or not any(v > 0 for v in evidence(without_scene(asked), field_words))


def _right_asked_of_scene(q: str, asked: list[str]) -> bool:
    """A weak term that sets the scene is the topic when a right is asked of it (退休以后每个月大概能拿
    多少钱: the money is the pension); money due asked is the topic even with no weak term (我被裁了，
    每个月能从国家那领点钱吗), unless another field's subject is in the question. Lawfulness or
    responsibility asked with no word of the field (追尾了谁负责, 这算不算违法) may be any law's."""
    if any(t in q for t in WEAK):
        return any(_RIGHTS.search(a) for a in asked)
    return not other_subjects(q) and any(_MONEY_DUE.search(a) for a in asked)


def _field_word_asked(q: str, asked: list[str], field_words: FieldWords) -> bool:
    """Without a weak term, a colloquial word of the field's lists (the lexicon's, the domain
    dictionary's: 老婆 of a survivor or a leave) in what is asked, with no foreign word beside it, is
    the topic, unless another field's subject is in the question; a word the laws merely use often
    (手续) is not."""
    if other_subjects(q):
        return False
    for a in asked:
        a = without_scene(a)
        with _pos_lock:
            pairs = _pos_tokenizer().lcut(a)
        listed = any(
            p.word in field_words.known and p.word not in STOPWORDS and len(p.word) >= 2 for p in pairs
        )
        if listed and min(evidence(a, field_words), default=0) >= 0:
            return True
    return False


def strong_terms(question: str) -> list[str]:
    return [t for t in STRONG if t in question]


def _strong_term_asked(q: str, field_words: FieldWords) -> bool:
    """Whether a question holding a strong term asks about the field: the strong term is in what is
    asked, or it only sets the scene (刚退休领上养老金了, 社保局门口, 工伤住院养着) and the asked part is not
    about something else (…海竿和手竿哪个适合新手, …那家包子铺几点开门 are)."""
    q = joined_terms(standard_words(q))
    asked = asked_parts(q)
    if any(strong_terms(without_scene(a)) for a in asked):
        return True
    # social insurance is paid somewhere: beside a strong term a place name (广东那五年) is no other subject,
    # and a rare verb (工伤认定…才有结过: a typo) no other trade
    verdicts = [_asked_verdict(q, a, field_words, other=False, places=False, trades=False) for a in asked]
    return any(v > 0 for v in verdicts) or not any(v < 0 for v in verdicts)


def in_field(question: str, field_words: FieldWords | None = None) -> bool:
    """Whether a question is about social insurance (or the labour and personal-data rules).

    Args:
        question: the question as asked.
        field_words: the words of the knowledge base's texts (default: the shipped laws').

    Examples:
        >>> in_field("上下班路上被车撞了算工伤吗"), in_field("失业了想去云南旅游散散心，去哪好玩")
        (True, False)
        >>> in_field("明天股市会涨吗"), in_field("公司克扣工资合法吗")
        (False, True)
        >>> in_field("单位的打印机卡纸了怎么弄"), in_field("公司三个月没发工资了，我该找谁")
        (False, True)
    """
    q = correct_typos((question or "").replace(" ", ""))  # 产价 → 产假: a typo hides no term of the field
    if not q:
        return False
    senses = _OTHER_SENSE.findall(q)
    q = _OTHER_SENSE.sub("", q)  # 商业养老保险: no 养老保险 of the field
    field_words = field_words or bundled_field_words()
    strong = len(strong_terms(q))
    if strong:
        other = len(other_subjects(q)) + len(senses)
        # "工伤住院无聊，有什么好玩的手机游戏" is not about the injury
        return other <= strong and _strong_term_asked(q, field_words)
    q = joined_terms(standard_words(q))  # 咋整 → 怎么办, 上六天班 → 上班
    asked = asked_parts(q)
    if (
        not _weak_topics(q)
        and not _right_asked_of_scene(q, asked)
        and not _field_word_asked(q, asked, field_words)
    ):
        return False  # words the laws use (办理, 手续, 服务) are no topic of the field by themselves
    # another field's subject counts where it is asked about, or where the asked part says nothing
    # (…银行卡号都漏出去了，公司要不要通知我们本人 asks the company, not the bank)
    other = bool(senses) or bool(other_subjects(q))
    verdicts = [
        _asked_verdict(q, a, field_words, other=other and _other_asked(a, field_words)) for a in asked
    ]
    if any(v > 0 for v in verdicts):
        return True  # of several questions in one, one about the field is enough
    if any(v < 0 for v in verdicts) or not _weak_topics(q, owners=False):
        return False  # a workplace owning the thing asked (老板新买的车…多久保养) is no topic by itself
    found = evidence(_PLACE.sub("", q), field_words)  # the asked part tells nothing: the whole question
    # on a tie the word nearer the question decides (公司要搬到浦东，坐地铁几号线能到)
    return not found or sum(found) > 0 or (sum(found) == 0 and found[-1] > 0)
