"""The curated lexicon of colloquial ↔ legal terms used to expand questions.

Citizens say 失业金, the law says 失业保险金; they say 坐牢, the law says 收监执行. The lexicon
(``data/lexicon.yaml``) maps each everyday phrase to the legal terms that the articles use, and a
question is searched with both.

Terms written ``a|b`` are alternatives: 算工伤 is 认定为工伤 or 视同工伤, whichever article applies,
not both. Search counts the best of them per article, so that the article naming every
alternative (工伤保险条例 第十六条: 不得认定为工伤或者视同工伤, the exceptions) does not outrank the
one that names the alternative that applies (第十四条: 应当认定为工伤).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from shebao.core.numerals import cn_to_int

# General rules of everyday speech, before the phrases are matched (a rule, not a phrase per question):
# - a person's pronoun inside a phrase (没给俺上社保, 从我工资里扣) is not part of it: phrases are
#   matched with 俺/我/咱(们) left out, so 没给上 and 工资里扣 still match;
# - the branches of insurance are said short (生育险, 工伤险, 医疗险): the law's name (生育保险) is
#   searched too.
_PRONOUN = re.compile(r"[俺我咱]们?")
#   and so is a third person's (没给他交工伤保险, 帮她拿药): phrases are matched with 他/她(们) left out too,
#   but not inside a word (他人, 其他);
_THIRD_PERSON = re.compile(r"(?<![其吉])[他她]们?(?!人)")
_SHORT_BRANCH = re.compile(r"(养老|医疗|工伤|失业|生育)险")
# - a place outside the mainland named (泰国, 日本, 香港) is what the law calls 境外;
_ABROAD = re.compile(r"泰国|日本|韩国|朝鲜|越南|新加坡|马来西亚|印尼|菲律宾|印度|美国|加拿大|墨西哥|巴西|英国|法国|德国|意大利|"
                     r"西班牙|俄罗斯|澳大利亚|新西兰|迪拜|欧洲|非洲|香港|澳门|台湾")
# - dialect and chat words (咋, 啥, 木有, 娃): phrases are matched on the question as written and
#   with these in standard words, so 咋算 finds 怎么算 and 生娃 finds 生孩子; 医疗期里 is 医疗期内.
DIALECT = {"咋": "怎么", "啥": "什么", "木有": "没有", "没得": "没有", "冇": "没有", "娃": "孩子", "闺女": "女儿",
           "俩": "两个", "晓得": "知道", "甭": "不用", "咋整": "怎么办", "咋办": "怎么办", "咋弄": "怎么办", "嘎哈": "干什么",
           "多会儿": "什么时候", "几回": "几次", "多少回": "多少次", "期里": "期内", "期间里": "期间内"}
_DIALECT = re.compile("|".join(sorted(map(re.escape, DIALECT), key=len, reverse=True)))
# - a separable verb split by a quantity (加几个小时班, 上八小时班, 请三天假) is matched whole, the
#   quantity after it (加班几个小时): the phrase 加班 is then found (延长工作时间).
_SEPARABLE = re.compile(r"([加上值请休])((?:[几多少\d一二三四五六七八九十两半]+)(?:个)?(?:小时|钟头|天|晚上|晚|夜|周|次)?的?)(班|假)")
#   and one split by an aspect particle (辞的职, 辞了职, 请过假) is matched whole as well.
_SEPARABLE_PARTICLE = re.compile(r"([辞离请休加上值])[了的过](职|假|班)")

# - a new company one joins (新公司入职, 进了新单位, 跳槽到一家新公司上班) is the employer the person starts with
#   (入职: 用工之日起), not a company newly founded (新公司: 成立之日).
_JOINED_NEW = re.compile(r"(?:(?:进|到|去|入职|跳槽到|跳到|换到|换了)了?(?:一家|一个|个|家)?新(?:公司|单位|厂子?|东家)"
                         r"|新(?:公司|单位|厂子?|东家)(?=入职|上班|报到|干活|工作|试用))")


# - a person of a country abroad (美国人, 老外, 外籍员工) is what the law calls 外国人 (社会保险法 第九十七条);
#   Hong Kong, Macao and Taiwan residents are not foreigners;
#   said by where they come from as well (韩国来的工程师, 日本籍员工);
_FOREIGNER = re.compile(r"(?:(?!香港|澳门|台湾)(?:" + _ABROAD.pattern + r"))(?:人|籍|(?:过)?来的)|外籍|老外|洋员工|外国(?:来的|籍)")
# - a child's age said in years (娃才15岁, 十四岁的孩子): under sixteen is what the law calls 未满十六周岁
#   (the ban on child labour), sixteen or seventeen 未成年工;
_AGE = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})(?:周)?岁")
# - who has to prove it (谁拿证据, 该谁证明, 谁来举证) is the law's 举证责任;
_PROOF = re.compile(r"谁.{0,6}(?:证据|证明|举证)|(?:证据|证明|举证).{0,4}谁")
# - a wrong done long ago (好几年前, 过了这么久, 三年了) asks whether it is still pursued: the law's time
#   limits (劳动保障监察条例 第二十条: 2年内未被发现 … 不再查处);
_LONG_AGO = re.compile(r"(?:好几|几|多|\d+|[两三四五六七八九十])年(?:前|以前|之前)|过了(?:这么|那么|好|很)?(?:久|多年|几年)|这么久|那么久|太久了")
# - disagreeing with an assessment (鉴定结论不服, 伤残等级评低了) asks for the law's 再次鉴定, not the
#   review of an administrative decision (不服 alone: 行政复议);
_ASSESSED = re.compile(r"鉴定|评残|评级|等级|评低|评高|评的级")
_DISAGREE = re.compile(r"不服|不满意|不认可|不认|有异议|评低|评高|评轻|评重|评错|定低|定轻|不公平")
# - a move to work in another place (跑深圳上班, 去外省打工, 回老家工作) is what the law calls 跨统筹地区就业.
PROVINCE_NAMES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃",
    "青海", "宁夏", "新疆",
)
PLACES = PROVINCE_NAMES + (
    "广州", "深圳", "杭州", "南京", "苏州", "武汉", "成都", "西安", "郑州", "长沙", "青岛",
    "济南", "厦门", "宁波", "东莞", "佛山", "合肥", "沈阳", "大连", "哈尔滨", "长春", "石家庄", "太原", "昆明", "南宁",
    "贵阳", "南昌", "福州", "兰州", "乌鲁木齐", "呼和浩特", "东营", "烟台", "潍坊", "温州", "无锡",
    "外地", "外省", "外市", "老家", "别的城市", "其他城市", "另一个城市",
)
#   A province may come before the place (回河南老家上班).
_PLACE = "(?:" + "|".join(PLACES) + r")(?:市|省)?"
_MOVE = re.compile(r"(?:跑|去|到|调到|调去|回|来|换到)了?" + _PLACE + "(?:" + _PLACE + ")?" + r"(?:上班|工作|打工|就业|干活)")
# Cities people name for their province (在杭州工伤住院: the Zhejiang regulation applies).
CITY_PROVINCE = {
    "杭州": "浙江", "宁波": "浙江", "温州": "浙江", "嘉兴": "浙江", "湖州": "浙江", "绍兴": "浙江", "金华": "浙江",
    "衢州": "浙江", "舟山": "浙江", "台州": "浙江", "丽水": "浙江", "义乌": "浙江",
    "济南": "山东", "青岛": "山东", "淄博": "山东", "枣庄": "山东", "东营": "山东", "烟台": "山东", "潍坊": "山东",
    "济宁": "山东", "泰安": "山东", "威海": "山东", "日照": "山东", "临沂": "山东", "德州": "山东", "聊城": "山东",
    "滨州": "山东", "菏泽": "山东",
    "广州": "广东", "深圳": "广东", "东莞": "广东", "佛山": "广东", "南京": "江苏", "苏州": "江苏", "无锡": "江苏",
    "武汉": "湖北", "成都": "四川", "西安": "陕西", "郑州": "河南", "长沙": "湖南", "合肥": "安徽", "福州": "福建",
    "厦门": "福建", "沈阳": "辽宁", "大连": "辽宁", "哈尔滨": "黑龙江", "长春": "吉林", "石家庄": "河北", "太原": "山西",
    "昆明": "云南", "南宁": "广西", "贵阳": "贵州", "南昌": "江西", "兰州": "甘肃",
}


def provinces_named(question: str) -> set[str]:
    """The provinces a question names by a city of theirs (在杭州 → 浙江)."""
    return {province for city, province in CITY_PROVINCE.items() if city in question}


def provinces_said(question: str) -> set[str]:
    """The provinces a question names, by their name or by a city of theirs (苏州…回杭州 → 江苏, 浙江)."""
    return {p for p in PROVINCE_NAMES if p in question} | provinces_named(question)


def _minor_group(question: str) -> tuple[str, ...] | None:
    """未满十六周岁 for an age under sixteen, 未成年工 for sixteen or seventeen."""
    for match in _AGE.finditer(question):
        age = cn_to_int(match.group(1))  # digits or a Chinese numeral (十五)
        if age is not None and 6 <= age < 16:
            return ("未满十六周岁",)
        if age in (16, 17):
            return ("未成年工",)
    return None


def _rule_groups(question: str) -> list[tuple[str, ...]]:
    """The legal terms the general rules give (生育险 → 生育保险, 泰国 → 境外, 美国人 → 外国人)."""
    groups = [(f"{branch}保险",) for branch in dict.fromkeys(_SHORT_BRANCH.findall(question))]
    if _FOREIGNER.search(question):
        groups.append(("外国人",))
    elif _ABROAD.search(question):
        groups.append(("境外",))
    minor = _minor_group(question)
    if minor:
        groups.append(minor)
    if _PROOF.search(question):
        groups.append(("举证责任",))
    if _LONG_AGO.search(question):
        groups.append(("不再查处",))
    if _ASSESSED.search(question) and _DISAGREE.search(question):
        groups.append(("再次鉴定",))
    if _MOVE.search(question):
        groups.append(("跨统筹地区就业",))
    return groups


def standard_words(question: str) -> str:
    """The question with dialect and chat words in standard ones (俺 → 我, 咋 → 怎么)."""
    return _DIALECT.sub(lambda m: DIALECT[m.group(0)], question.replace("俺", "我"))


def separable_joined(question: str) -> str:
    """The question with its separable verbs whole (加几个小时班 → 加班几个小时)."""
    joined = _SEPARABLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), question)
    return _SEPARABLE_PARTICLE.sub(lambda m: m.group(1) + m.group(2), joined)


@dataclass(frozen=True)
class Lexicon:
    """Everyday phrase → legal terms."""

    terms: dict[str, tuple[str, ...]]
    # each phrase's terms as groups: one term, or alternatives (``a|b`` in the file)
    groups: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def matches(self, question: str) -> list[str]:
        """The lexicon phrases found in a question, longest first (a shorter phrase inside a longer
        match is not counted twice)."""
        question = _JOINED_NEW.sub("入职", _PRONOUN.sub("", question))
        found = self._matches(question)
        standard = standard_words(separable_joined(question))
        if standard != question:
            found.extend(p for p in self._matches(standard) if p not in found)
        bare = _THIRD_PERSON.sub("", standard)
        if bare != standard:
            found.extend(p for p in self._matches(bare) if p not in found)
        return found

    def _matches(self, question: str) -> list[str]:
        found: list[str] = []
        covered = [False] * len(question)
        for phrase in sorted(self.terms, key=len, reverse=True):
            start = question.find(phrase)
            while start >= 0:
                end = start + len(phrase)
                if not all(covered[start:end]):
                    found.append(phrase)
                    for i in range(start, end):
                        covered[i] = True
                    break
                start = question.find(phrase, start + 1)
        return found

    def expand(self, question: str) -> list[str]:
        """Legal terms to search in addition to the question's own words."""
        out: list[str] = [term for (term,) in _rule_groups(question)]
        for phrase in self.matches(question):
            for term in self.terms[phrase]:
                if term not in out:
                    out.append(term)
        return out

    def expansion_groups(self, question: str) -> list[tuple[str, ...]]:
        """The legal terms to search, as groups of alternatives (most groups hold one term)."""
        out: list[tuple[str, ...]] = _rule_groups(question)
        for phrase in self.matches(question):
            for group in self.groups.get(phrase) or tuple((term,) for term in self.terms[phrase]):
                if group not in out:
                    out.append(group)
        return out

    def vocabulary(self) -> set[str]:
        """Every phrase and legal term the lexicon knows (used to tell domain questions apart)."""
        words = set(self.terms)
        for legal in self.terms.values():
            words.update(legal)
        return words


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Load a lexicon file (default: the shipped one)."""
    if path is None:
        text = resources.files("shebao.assistant").joinpath("data/lexicon.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    groups = {
        str(k): tuple(tuple(alt.strip() for alt in str(v).split("|") if alt.strip()) for v in (vals or []))
        for k, vals in (data.get("terms") or {}).items()
    }
    terms = {k: tuple(term for group in gs for term in group) for k, gs in groups.items()}
    return Lexicon(terms=terms, groups=groups)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
