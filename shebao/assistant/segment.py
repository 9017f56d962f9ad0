"""Turn Chinese text into search tokens.

Two segmenters: jieba with the domain dictionary of social insurance terms (the default), and
plain character bigrams (the baseline the evaluation compares against). Function words and
question words carry no evidence about which article answers a question, so they are dropped.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache
from importlib import resources

SEGMENTER_VERSION = "1"

# Words that appear in almost every question and in no useful way in the law.
STOPWORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 么 哦 喔 哈 着 过 地 得 之 其 而 及 与 和 或 或者 以及 并 并且 等 等等
    我 我们 你 你们 他 她 它 他们 她们 咱 咱们 自己 本人 人家 别人 大家 谁
    什么 怎么 怎么办 怎样 怎么样 如何 为什么 为何 哪 哪些 哪个 哪里 哪儿 多少 几 几个 多久 多长 多长时间 是否 是不是 能不能 可不可以 有没有 算不算
    是 在 有 没有 没 不 也 都 还 就 又 再 才 很 太 最 更 这 那 这个 那个 这种 那种 这样 那样 一 一个 个 些 一些
    能 能够 可以 会 要 想 应该 需要 得到 被 把 给 让 对 向 从 到 为 以 于 跟 同 由 按 按照
    请问 请 问 一下 知道 告诉 现在 今年 以后 以前 时候 的话 然后 但是 可是 如果 因为 所以 已经 正在
    做 弄 搞 办 行 呗 咋 啥 嘞
    """.split()
)

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


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


_jieba_lock = threading.Lock()


@lru_cache(maxsize=2)
def _jieba_tokenizer(with_domain_dict: bool):  # -> jieba.Tokenizer
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if with_domain_dict:
        for line in domain_dictionary_text().splitlines():
            parts = line.split()
            if parts and not parts[0].startswith("#"):
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                tokenizer.add_word(parts[0], freq=freq)
    return tokenizer


def _keep(token: str) -> bool:
    token = token.strip()
    return bool(token) and token not in STOPWORDS and bool(_TOKEN_OK.search(token))


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
        tokenizer = _jieba_tokenizer(self.mode == "jieba")
        with _jieba_lock:  # jieba's tokenizer is not safe under concurrent first use
            words = tokenizer.lcut_for_search(text)
        return [w.strip().lower() for w in words if _keep(w)]


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each run of Chinese characters, plus Latin/digit words."""
    out: list[str] = []
    for run in _CJK.findall(text):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(w.lower() for w in re.findall(r"[A-Za-z0-9]+", text))
    return out
