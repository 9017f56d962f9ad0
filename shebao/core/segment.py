"""Chinese word segmentation shared by the domains: jieba with a domain word list, or character bigrams.

The knowledge base (:mod:`shebao.assistant.segment`) and the work-injury reader
(:mod:`shebao.injury.determination`) segment with the same code; each brings its own word list.
Function words and question words carry no evidence, so they are dropped.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

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

_jieba_lock = threading.Lock()


def dictionary_words(text: str) -> list[tuple[str, int | None]]:
    """The (word, frequency) lines of a jieba user dictionary (``#`` starts a comment)."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            out.append((parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None))
    return out


@lru_cache(maxsize=8)
def jieba_tokenizer(dictionary: str = ""):  # -> jieba.Tokenizer
    """A jieba tokenizer with the words of ``dictionary`` (a user-dictionary text) added; cached per text."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word, freq in dictionary_words(dictionary):
        tokenizer.add_word(word, freq=freq)
    return tokenizer


def keep(token: str) -> bool:
    token = token.strip()
    return bool(token) and token not in STOPWORDS and bool(_TOKEN_OK.search(token))


def jieba_tokens(text: str, dictionary: str = "") -> list[str]:
    """Search tokens of a text (jieba's search mode with the given word list), stopwords removed."""
    tokenizer = jieba_tokenizer(dictionary)
    with _jieba_lock:  # jieba's tokenizer is not safe under concurrent first use
        words = tokenizer.lcut_for_search(text)
    return [w.strip().lower() for w in words if keep(w)]


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each run of Chinese characters, plus Latin/digit words."""
    out: list[str] = []
    for run in _CJK.findall(text):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(w.lower() for w in re.findall(r"[A-Za-z0-9]+", text))
    return out
