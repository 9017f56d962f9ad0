"""Turn Chinese text into search tokens.

Two segmenters: jieba with the domain dictionary of social insurance terms (the default), and
plain character bigrams (the baseline the evaluation compares against). Function words and
question words carry no evidence about which article answers a question, so they are dropped.
The segmentation itself is :mod:`shebao.core.segment` (the injury domain uses it too); this module
brings the knowledge base's word list.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources

from shebao.core.segment import STOPWORDS, bigrams, jieba_tokens

SEGMENTER_VERSION = "2"

# "一级至四级伤残": the law writes a range, people ask about one grade (三级伤残能拿多少). Each grade
# within a range is a token of the text, so the article covering the grade asked matches it.
_GRADE_RANGE = re.compile(r"([一二三四五六七八九十]{1,2})(级?)[至到]([一二三四五六七八九十]{1,2})级")
_GRADES = "一二三四五六七八九十"


def range_tokens(text: str) -> list[str]:
    """The grades inside each range of grades in a text that are not written out (一级至四级 →
    二级, 三级; 一至四级 → 一级, 二级, 三级)."""
    out: list[str] = []
    for low, written, high in _GRADE_RANGE.findall(text):
        if low in _GRADES and high in _GRADES:
            first = _GRADES.index(low) + (1 if written else 0)
            out.extend(f"{_GRADES[i]}级" for i in range(first, _GRADES.index(high)))
    return out


def domain_dictionary_text() -> str:
    """The shipped jieba dictionary of social insurance terms."""
    return resources.files("shebao.assistant").joinpath("data/domain_dict.txt").read_text(encoding="utf-8")


def domain_dictionary_words() -> list[str]:
    return [line.split()[0] for line in domain_dictionary_text().splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def segmenter_fingerprint() -> str:
    """Changes whenever tokens of the same text could change (code or dictionary)."""
    digest = hashlib.sha256((SEGMENTER_VERSION + "\n" + domain_dictionary_text()).encode("utf-8"))
    return digest.hexdigest()[:16]


class Segmenter:
    """Splits text into search tokens.

    Args:
        mode: ``"jieba"`` (with the domain dictionary), ``"jieba-plain"`` (jieba's own dictionary
            only) or ``"bigram"`` (overlapping character pairs, the baseline).
    """

    def __init__(self, mode: str = "jieba") -> None:
        if mode not in ("jieba", "jieba-plain", "bigram"):
            raise ValueError(f"unknown segmentation mode: {mode}")
        self.mode = mode

    def tokens(self, text: str) -> list[str]:
        """Search tokens of a text, stopwords removed, in text order (repeats kept)."""
        if self.mode == "bigram":
            return bigrams(text)
        words = jieba_tokens(text, domain_dictionary_text() if self.mode == "jieba" else "")
        return words + range_tokens(text) if self.mode == "jieba" else words


__all__ = ["STOPWORDS", "Segmenter", "bigrams", "domain_dictionary_text", "domain_dictionary_words",
           "segmenter_fingerprint"]
