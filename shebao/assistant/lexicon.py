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

# General rules of everyday speech, before the phrases are matched (a rule, not a phrase per question):
# - a person's pronoun inside a phrase (没给俺上社保, 从我工资里扣) is not part of it: phrases are
#   matched with 俺/我/咱(们) left out, so 没给上 and 工资里扣 still match;
# - the branches of insurance are said short (生育险, 工伤险, 医疗险): the law's name (生育保险) is
#   searched too.
_PRONOUN = re.compile(r"[俺我咱]们?")
_SHORT_BRANCH = re.compile(r"(养老|医疗|工伤|失业|生育)险")
# - a place outside the mainland named (泰国, 日本, 香港) is what the law calls 境外;
_ABROAD = re.compile(r"泰国|日本|韩国|朝鲜|越南|新加坡|马来西亚|印尼|菲律宾|印度|美国|加拿大|墨西哥|巴西|英国|法国|德国|意大利|"
                     r"西班牙|俄罗斯|澳大利亚|新西兰|迪拜|欧洲|非洲|香港|澳门|台湾")
# - dialect and chat words (咋, 啥, 木有, 娃): phrases are matched on the question as written and
#   with these in standard words, so 咋算 finds 怎么算 and 生娃 finds 生孩子.
DIALECT = {"咋": "怎么", "啥": "什么", "木有": "没有", "没得": "没有", "冇": "没有", "娃": "孩子", "闺女": "女儿",
           "俩": "两个", "晓得": "知道", "甭": "不用", "咋整": "怎么办", "咋办": "怎么办", "嘎哈": "干什么"}
_DIALECT = re.compile("|".join(sorted(map(re.escape, DIALECT), key=len, reverse=True)))


def _rule_groups(question: str) -> list[tuple[str, ...]]:
    """The legal terms the general rules give (生育险 → 生育保险, 泰国 → 境外)."""
    groups = [(f"{branch}保险",) for branch in dict.fromkeys(_SHORT_BRANCH.findall(question))]
    if _ABROAD.search(question):
        groups.append(("境外",))
    return groups


def standard_words(question: str) -> str:
    """The question with dialect and chat words in standard ones (俺 → 我, 咋 → 怎么)."""
    return _DIALECT.sub(lambda m: DIALECT[m.group(0)], question.replace("俺", "我"))


@dataclass(frozen=True)
class Lexicon:
    """Everyday phrase → legal terms."""

    terms: dict[str, tuple[str, ...]]
    # each phrase's terms as groups: one term, or alternatives (``a|b`` in the file)
    groups: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def matches(self, question: str) -> list[str]:
        """The lexicon phrases found in a question, longest first (a shorter phrase inside a longer
        match is not counted twice)."""
        question = _PRONOUN.sub("", question)
        found = self._matches(question)
        standard = _DIALECT.sub(lambda m: DIALECT[m.group(0)], question)
        if standard != question:
            found.extend(p for p in self._matches(standard) if p not in found)
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
