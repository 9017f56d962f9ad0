"""What each decision notice cites: the articles that decide its own subject.

One table, :data:`NOTICE_CITATIONS`, keyed by (notice kind, subject): the subject is the benefit
kind, the reason, or the survivor scheme, whichever decides which articles apply. Every article of
a shipped law names the phrase of its text that makes it the right one (``subject``); a test checks
each against the law texts shipped in ``shebao/assistant/data/corpus/laws`` and each issued
notice's citations against this table. Documents not shipped (State Council decisions, ministry
letters) are cited by title and number only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shebao.core.numerals import cn_to_int

SSL = "中华人民共和国社会保险法"
UIR = "失业保险条例"
WIR = "工伤保险条例"
SIA = "社会保险经办条例"


@dataclass(frozen=True)
class Cite:
    """An article of a shipped law (``law`` as its title reads) and the phrase that makes it apply."""

    law: str
    article: int
    subject: str


@dataclass(frozen=True)
class Document:
    """A document that is not shipped with the package, cited by title and number."""

    title: str
    number: str


GUOFA_2005_38 = Document("国务院关于完善企业职工基本养老保险制度的决定", "国发〔2005〕38号")
LAOSHE_2001_44 = Document("劳动和社会保障部办公厅关于退休人员被判刑后有关养老保险待遇问题的复函", "劳社厅函〔2001〕44号")

_PENSION = (Cite(SSL, 15, "基本养老金由统筹养老金和个人账户养老金组成"), Cite(SSL, 16, "按月领取基本养老金"), GUOFA_2005_38)
_STOP = Cite(SIA, 25, "停止发放相应的社会保险待遇")

NOTICE_CITATIONS: dict[tuple[str, str], tuple[Cite | Document, ...]] = {
    # grants, by benefit kind (one-off survivor grants by scheme: 工伤 or 因病、非因工死亡)
    ("grant", "pension"): _PENSION,
    ("grant", "unemployment"): (Cite(SSL, 45, "领取失业保险金"), Cite(SSL, 46, "领取失业保险金的期限"),
                                Cite(SSL, 47, "失业保险金的标准"), Cite(UIR, 14, "可以领取失业保险金"),
                                Cite(UIR, 17, "领取失业保险金的期限"), Cite(UIR, 18, "失业保险金的标准")),
    ("grant", "injury_allowance"): (Cite(WIR, 35, "伤残津贴"), Cite(WIR, 36, "伤残津贴")),
    ("grant", "injury_survivor_pension"): (Cite(WIR, 39, "供养亲属抚恤金"),),
    ("grant", "funeral_grant:enterprise"): (Cite(SSL, 17, "丧葬补助金"),),
    ("grant", "funeral_grant:injury"): (Cite(WIR, 39, "丧葬补助金"),),
    ("grant", "survivor_grant"): (Cite(SSL, 17, "抚恤金"),),
    ("grant", "death_grant"): (Cite(WIR, 39, "一次性工亡补助金"),),
    ("grant", "disability_grant"): (Cite(WIR, 35, "一次性伤残补助金"), Cite(WIR, 36, "一次性伤残补助金"),
                                    Cite(WIR, 37, "一次性伤残补助金")),
    ("grant", "account_inheritance"): (Cite(SSL, 14, "个人死亡的，个人账户余额可以继承"),),
    ("assessment", "pension"): _PENSION,
    ("recalculation", "pension"): (Cite(SSL, 15, "基本养老金根据个人累计缴费年限、缴费工资、当地职工平均工资"),
                                   GUOFA_2005_38),
    ("adjustment", "pension"): (Cite(SSL, 18, "基本养老金正常调整机制"), GUOFA_2005_38),
    # suspensions, by reason (and benefit kind for a prison sentence)
    ("suspension", "incarceration:pension"): (_STOP, LAOSHE_2001_44),
    ("suspension", "incarceration:unemployment"): (Cite(UIR, 15, "被判刑收监执行"),),
    ("suspension", "certification"): (Cite(SIA, 26, "核验社会保险待遇享受资格"),),
    ("suspension", "alert"): (Cite(SIA, 26, "涉嫌丧失社会保险待遇享受资格后继续享受待遇的"),),
    ("suspension", "manual"): (_STOP,),
    ("resumption", "any"): (Cite(SIA, 26, "核验社会保险待遇享受资格"),),
    # terminations, by benefit kind and reason
    ("termination", "pension"): (Cite(SSL, 16, "按月领取基本养老金"), _STOP),
    ("termination", "unemployment"): (Cite(SSL, 51, "停止领取失业保险金"), Cite(UIR, 15, "停止领取失业保险金")),
    ("termination", "unemployment:death"): (Cite(SSL, 49, "在领取失业保险金期间死亡"), _STOP),
    ("termination", "unemployment:incarceration"): (Cite(UIR, 15, "被判刑收监执行"), _STOP),
    ("termination", "injury_allowance"): (Cite(WIR, 42, "停止享受工伤保险待遇"), _STOP),
    ("termination", "other"): (_STOP,),
    # survivors, by scheme
    ("survivor", "enterprise"): (Cite(SSL, 17, "因病或者非因工死亡的，其遗属可以领取丧葬补助金和抚恤金"),
                                 Cite(SSL, 14, "个人账户余额可以继承"), Cite(SIA, 19, "其遗属可以依法向社会保险经办机构申领丧葬补助金和抚恤金")),
    ("survivor", "injury"): (Cite(WIR, 39, "职工因工死亡，其近亲属按照下列规定从工伤保险基金领取丧葬补助金、供养亲属抚恤金和"),
                             Cite(SSL, 38, "因工死亡的，其遗属领取的丧葬补助金、供养亲属抚恤金和因工死亡补助金")),
    # recovery of benefits paid in excess
    ("overpayment", "any"): (Cite(SIA, 46, "个人多享受社会保险待遇的，由社会保险经办机构责令退回"),),
    ("demand", "any"): (Cite(SIA, 46, "个人多享受社会保险待遇的，由社会保险经办机构责令退回"),),
}

_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """An article number as the texts write it (1 → 一, 14 → 十四, 102 → 一百零二).

    Examples:
        >>> [cn_numeral(n) for n in (1, 10, 14, 20, 39, 100, 102, 110)]
        ['一', '十', '十四', '二十', '三十九', '一百', '一百零二', '一百一十']
    """
    if not 0 < n < 1000:
        raise ValueError(n)
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if tens == 0 and ones:
            return out + "零" + _DIGITS[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def citation_key(kind: str, subject: str) -> tuple[str, str]:
    """The table's key for a notice: ``subject`` itself if listed, else its benefit kind, else the
    kind's default (``any`` / ``other``)."""
    for candidate in (subject, subject.split(":")[0], "any", "other"):
        if (kind, candidate) in NOTICE_CITATIONS:
            return kind, candidate
    raise KeyError(f"no citations for notice {kind} / {subject}")


def format_citations(cites: tuple[Cite | Document, ...]) -> str:
    """``《中华人民共和国社会保险法》第十五条、第十六条；《国务院关于…的决定》（国发〔2005〕38号）``."""
    parts: list[str] = []
    by_law: dict[str, list[int]] = {}
    order: list[str | Document] = []
    for c in cites:
        if isinstance(c, Document):
            order.append(c)
        else:
            if c.law not in by_law:
                by_law[c.law] = []
                order.append(c.law)
            if c.article not in by_law[c.law]:
                by_law[c.law].append(c.article)
    for item in order:
        if isinstance(item, Document):
            parts.append(f"《{item.title}》（{item.number}）")
        else:
            parts.append(f"《{item}》" + "、".join(f"第{cn_numeral(a)}条" for a in by_law[item]))
    return "；".join(parts)


def citations_for(kind: str, subject: str) -> str:
    """The ``依据`` line of a notice of ``kind`` about ``subject``."""
    return format_citations(NOTICE_CITATIONS[citation_key(kind, subject)])


_CITE_RE = re.compile(r"《([^》]+)》((?:第[零一二三四五六七八九十百]+条、?)*)")


def parse_citations(text: str) -> set[tuple[str, int | None]]:
    """The (law, article) pairs a ``依据`` line cites (article ``None`` for a document cited whole)."""
    out: set[tuple[str, int | None]] = set()
    for law, articles in _CITE_RE.findall(text):
        numbers = re.findall(r"第([零一二三四五六七八九十百]+)条", articles)
        if not numbers:
            out.add((law, None))
        out.update((law, cn_to_int(n)) for n in numbers)
    return out


def expected_pairs(kind: str, subject: str) -> set[tuple[str, int | None]]:
    return {(c.title, None) if isinstance(c, Document) else (c.law, c.article)
            for c in NOTICE_CITATIONS[citation_key(kind, subject)]}
