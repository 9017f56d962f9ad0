"""The articles the injury domain cites, shipped with it (``data/articles.yaml``).

The texts are verbatim from the law texts of the knowledge base (``shebao/assistant/data/corpus``);
``injury`` sits below ``assistant`` and does not import it, so the few articles it needs ship here
and a test checks them against the corpus word for word.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

WIR = "工伤保险条例"
JI = "最高人民法院关于审理工伤保险行政案件若干问题的规定"


@lru_cache(maxsize=1)
def _articles() -> dict[str, Any]:
    raw = resources.files("shebao.injury").joinpath("data/articles.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(raw)


def law_articles(law: str) -> dict[int, str]:
    """Article number → text of a shipped law (``工伤保险条例`` or the judicial interpretation)."""
    return {int(k): v for k, v in _articles()["laws"][law]["articles"].items()}


def article_text(article: int, law: str = WIR) -> str | None:
    """The text of one article, or ``None`` when it is not shipped."""
    return law_articles(law).get(article)


def interpretation_text(article: int) -> str | None:
    return article_text(article, JI)


def source_file(law: str) -> str:
    """The corpus file the shipped articles were taken from."""
    return str(_articles()["laws"][law]["file"])
