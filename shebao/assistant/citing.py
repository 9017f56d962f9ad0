"""How an answer names the articles it rests on: 《law》第N条 and the JSON of a citation.

Shared by the extractive answer (:mod:`shebao.assistant.answer`) and the calculator answers
(:mod:`shebao.assistant.routing`), so that neither imports the other.
"""

from __future__ import annotations

from typing import Any

_DIGITS = "零一二三四五六七八九"


def int_to_cn(number: int) -> str:
    """102 → 一百零二 (article numbers as the law writes them)."""
    if number < 0:
        raise ValueError("negative")
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        return _DIGITS[number // 10] + "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 1000:
        rest = number % 100
        head = _DIGITS[number // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + _DIGITS[rest]
        return head + (_DIGITS[rest // 10] + "十" + (_DIGITS[rest % 10] if rest % 10 else ""))
    return str(number)


def cite(law: str, article: int) -> str:
    """《失业保险条例》第十七条."""
    return f"《{law}》第{int_to_cn(article)}条"


def article_citation(article: Any, score: float | None = None) -> dict:
    """The JSON of a cited article (its exact text, as the knowledge base holds it)."""
    return {
        "law": article.law,
        "article": article.article,
        "text": article.text,
        "chapter": article.chapter,
        "date": article.date,
        "score": None if score is None else round(score, 4),
    }
