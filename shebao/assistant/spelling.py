"""Typos of pinyin input: a domain term typed as another word of the same sound.

People type Chinese with a pinyin keyboard and pick the wrong candidate: 产价 for 产假, 失业近 for
失业金, 滞纳今 for 滞纳金, 伤残登级 for 伤残等级. The typo hides the term from field detection (产价 is
no term of the field, so the question is refused) and from retrieval (no article says 产价). A run
of characters is corrected to a domain term (the domain dictionary and the lexicon) when

- it sounds the same, tones aside (a pinyin keyboard ignores tones: 近 jìn / 金 jīn),
- it shares at least one character with the term in the same place, not only function words (还差 is no
  typo of 还查: 还 tells nothing), and differs in at most one
  character in three (a typo changes a character, not the word),
- and it is not itself a word (jieba's dictionary, the domain's): 工商 is not 工伤, 结过 not 结果.

A term of four characters or more is also read through one character of a near sound, the same final
with another initial (养老保检 → 养老保险: 检 jian, 险 xian), the other characters in place.

pypinyin gives the readings (every reading of a polyphone counts). This is written here because no
library corrects Chinese against a given word list by sound; pycorrector needs a language model.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from itertools import product

from shebao.assistant.lexicon import default_lexicon
from shebao.assistant.segment import domain_dictionary_text, domain_dictionary_words
from shebao.core.segment import STOPWORDS

# the longest domain term tried (伤残等级 4, 一次性伤残补助金 8: long terms are rarely mistyped whole)
MAX_TERM = 6
# a term this long may be typed with one character of a near sound (the same final: 养老保检 → 养老保险)
NEAR_TERM = 4
# a dictionary word this rare (jieba's frequency) may itself be a typo (公伤 3 for 工伤; 工商 1684 is not)
RARE_WORD = 5
# the product of the readings of a window's characters tried at most (polyphones)
MAX_READINGS = 8
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_lock = threading.Lock()  # jieba's tokenizer is not safe under concurrent use


@lru_cache(maxsize=4096)
def readings(char: str) -> tuple[str, ...]:
    """Every toneless pinyin reading of a character (还 → hai, huan)."""
    from pypinyin import Style, pinyin

    return tuple(dict.fromkeys(pinyin(char, style=Style.NORMAL, heteronym=True)[0]))


def _tokenizer():  # -> jieba.Tokenizer with the domain dictionary
    from shebao.core.segment import jieba_tokenizer

    return jieba_tokenizer(domain_dictionary_text())


@lru_cache(maxsize=1)
def domain_terms() -> frozenset[str]:
    """The terms a typo is corrected to: the domain dictionary's and the lexicon's (both sides)."""
    words = set(domain_dictionary_words()) | default_lexicon().vocabulary()
    return frozenset(w for w in words if 2 <= len(w) <= MAX_TERM and _CJK_RUN.fullmatch(w))


@lru_cache(maxsize=1)
def _sound_index() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Domain terms by their toneless readings (a polyphone's every reading)."""
    index: dict[tuple[str, ...], list[str]] = {}
    for term in sorted(domain_terms()):
        options = [readings(c) for c in term]
        for key in _keys(options):
            index.setdefault(key, []).append(term)
    return {k: tuple(v) for k, v in index.items()}


def _keys(options: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    count = 1
    for o in options:
        count *= max(len(o), 1)
    if count > MAX_READINGS:
        options = [o[:1] for o in options]
    return [tuple(k) for k in product(*options)]


def is_word(text: str) -> bool:
    """Whether a run of characters is a word of its own (jieba's dictionary, unless among its
    rarest words, or the domain's)."""
    return (_tokenizer().FREQ.get(text) or 0) > RARE_WORD or text in domain_terms()


def _correction(window: str, loose: set[int]) -> str | None:
    """The domain term a window is a typo of, if exactly one fits; only the characters at the
    positions ``loose`` (single characters that are no function word) may differ."""
    if is_word(window):
        return None
    found: set[str] = set()
    for key in _keys([readings(c) for c in window]):
        for term in _sound_index().get(key, ()):
            differ = [i for i, (a, b) in enumerate(zip(window, term, strict=True)) if a != b]
            if differ and len(differ) <= max(1, len(term) // 3) and len(differ) < len(term) and set(differ) <= loose \
                    and not all(c in STOPWORDS for i, c in enumerate(term) if i not in differ):
                found.add(term)
    if not found and len(window) >= NEAR_TERM:
        found = _near(window, loose)
    return found.pop() if len(found) == 1 else None


# initials said at one place of the mouth (a slip stays within one: 检 jian / 险 xian; not 拿 na / 发 fa)
_PLACES = ("jqx", "zcs", "bpm", "dtnl", "gkh", "fh")
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w")


@lru_cache(maxsize=4096)
def near_readings(char: str) -> frozenset[tuple[str, str]]:
    """(place of the initial, final) of every reading of a character, tones aside (检 → ('jqx', 'ian'))."""
    out = set()
    for reading in readings(char):
        initial = next((i for i in _INITIALS if reading.startswith(i)), "")
        places = [p for p in _PLACES if len(initial) == 1 and initial in p] or [initial]
        out.update((p, reading[len(initial):]) for p in places)
    return frozenset(out)


@lru_cache(maxsize=1)
def _masked_index() -> dict[tuple[int, str], tuple[str, ...]]:
    """Domain terms of NEAR_TERM characters or more by each of their characters masked (养老保险 →
    养老保_, 养老_险 …)."""
    index: dict[tuple[int, str], list[str]] = {}
    for term in sorted(domain_terms()):
        if len(term) >= NEAR_TERM:
            for i in range(len(term)):
                index.setdefault((i, term[:i] + "_" + term[i + 1:]), []).append(term)
    return {k: tuple(v) for k, v in index.items()}


def _near(window: str, loose: set[int]) -> set[str]:
    """A long term typed with one character of another sound that rhymes with it (养老保检 for
    养老保险: a character picked by its look or a slip of the initial; the rest of the term in place)."""
    found: set[str] = set()
    for i in loose:
        for term in _masked_index().get((i, window[:i] + "_" + window[i + 1:]), ()):
            if near_readings(window[i]) & near_readings(term[i]):
                found.add(term)
    return found


@lru_cache(maxsize=4096)  # field detection, the answer and retrieval each ask for the same question
def correct_typos(text: str) -> str:
    """The text with each mistyped domain term replaced by the term.

    The text is cut into dictionary words (jieba without its guesser of unknown words, which
    glues a typo to its neighbours); a window is a run of whole words, longest first, holding a
    character that stands alone or one of jieba's rarest words — a character inside a word (结 of
    结果, 么 of 怎么) is no typo, nor a function word standing alone (还, 的, 按).

    Examples:
        >>> correct_typos("生孩子的产价有几天")
        '生孩子的产假有几天'
        >>> correct_typos("工商局在哪")  # 工商 is a word: not 工伤
        '工商局在哪'
    """
    if not text:
        return text
    out: list[str] = []
    for piece in re.split(r"([^\u4e00-\u9fff]+)", text):
        out.append(_correct_run(piece) if _CJK_RUN.fullmatch(piece) else piece)
    return "".join(out)


def _correct_run(run: str) -> str:
    with _lock:
        words = _tokenizer().lcut(run, HMM=False)
    result: list[str] = []
    i = 0
    while i < len(words):
        replaced = False
        for j in range(len(words), i, -1):  # words[i:j], longest first
            window = "".join(words[i:j])
            if not 2 <= len(window) <= MAX_TERM:
                continue
            loose: set[int] = set()
            pos = 0
            for w in words[i:j]:
                if len(w) == 1 and w not in STOPWORDS:
                    loose.add(pos)
                elif len(w) > 1 and not is_word(w):  # one of jieba's rarest words (公伤)
                    loose.update(range(pos, pos + len(w)))
                pos += len(w)
            if not loose:
                continue
            term = _correction(window, loose)
            if term is not None:
                result.append(term)
                i = j
                replaced = True
                break
        if not replaced:
            result.append(words[i])
            i += 1
    return "".join(result)


__all__ = ["correct_typos", "domain_terms", "is_word", "readings"]
