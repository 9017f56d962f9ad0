"""Articles for the lead's tests: a text and, where it matters, its law (the knowledge base's own class)."""

from __future__ import annotations

from shebao.assistant.documents import Article


def law_text(text: str, law: str = "") -> Article:
    return Article(law=law, article=0, text=text)
