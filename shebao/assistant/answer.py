"""Compose answers from retrieved articles, with exact citations, or say nothing was found.

The answer is extractive by default: the sentences of the best articles that share most words
with the question, each introduced by its citation. ``citations`` only ever hold articles that
were retrieved from the knowledge base, best first. Questions about one's own dates or amounts
go to the policy engine's calculators (see :mod:`shebao.assistant.routing`). An optional
generative rewrite (:mod:`shebao.assistant.llm`) is used only if every sentence it writes cites
one of those articles.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from shebao.assistant.citing import article_citation, cite, int_to_cn
from shebao.assistant.field import REFUSAL, FieldWords, in_field
from shebao.assistant.kb import KnowledgeBase
from shebao.assistant.lead import lead_sentence
from shebao.assistant.local import local_answer
from shebao.assistant.retrieval import Hit, Retriever, SearchResult
from shebao.assistant.routing import answer_with_calculator, recognise
from shebao.assistant.spelling import correct_typos

NOT_FOUND_ANSWER = (
    "抱歉，知识库中没有找到与这个问题相关的社会保险政策条文，无法据法作答。"
    "请换一种说法描述您的社会保险问题，或拨打 12333 人工咨询。"
)
# Without any social insurance term in the question, at least this share of its (IDF-weighted)
# words must occur in the knowledge base and in the best article for the answer to count as found.
MIN_COVERAGE = 0.6
MIN_TOP_OVERLAP = 0.5
MAX_CITATIONS = 3
MAX_SENTENCES = 3
# Articles up to this length are quoted whole.
QUOTE_WHOLE_CHARS = 300

def citation_dict(hit: Hit) -> dict:
    return article_citation(hit.article, hit.score)


_SENTENCE_SPLIT = re.compile(r"(?<=[。；！？])|\n+")
_ARTICLE_PREFIX = re.compile(r"^第[零〇一二三四五六七八九十百千两0-9]+条[\s　]*")


def key_sentences(text: str, words: list[str], limit: int = MAX_SENTENCES) -> str:
    """The sentences of an article that share most words with the question, in their order.

    A short article is quoted whole; enumerations (（一）…) stay attached to the sentence
    that introduces them.
    """
    body = _ARTICLE_PREFIX.sub("", text.strip())
    if len(body) <= QUOTE_WHOLE_CHARS:
        return re.sub(r"\n+", "", body)
    sentences = [s.strip() for s in _SENTENCE_SPLIT.split(body) if s and s.strip()]
    units: list[str] = []
    for s in sentences:
        if units and re.match(r"^[（(][一二三四五六七八九十]+[)）]", s):
            units[-1] += s
        else:
            units.append(s)
    scored = []
    for i, unit in enumerate(units):
        score = sum(len(w) for w in words if w and w in unit)
        scored.append((score, -i, i))
    best = sorted(scored, reverse=True)[:limit]
    chosen = sorted(i for score, _, i in best if score > 0) or [0]
    excerpt = ""
    for n, i in enumerate(chosen):
        if n and chosen[n - 1] != i - 1:
            excerpt += "……"
        excerpt += units[i]
    if chosen[-1] != len(units) - 1:
        excerpt = excerpt.rstrip("；，、") + "……"
    return excerpt


@dataclass
class Relevance:
    found: bool
    reason: str


class Assistant:
    """Answers questions from a knowledge base.

    Args:
        kb: the knowledge base.
        retriever: a retriever over it (default: all parts on).
        llm_url: an OpenAI-compatible endpoint for the optional rewrite (default: none).
        use_calculators: route questions about one's own dates and amounts to the calculators.

    Examples:
        >>> Assistant(load(index_dir)).ask("失业金能领几个月")["citations"][0]["law"]  # doctest: +SKIP
        '失业保险条例'
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        retriever: Retriever | None = None,
        *,
        llm_url: str | None = None,
        use_calculators: bool = True,
    ) -> None:
        self.kb = kb
        self.retriever = retriever or Retriever(kb)
        self.llm_url = llm_url
        self.use_calculators = use_calculators
        self.field_words = FieldWords.of_texts(kb.tokens)  # the field is what the indexed texts are about

    def relevance(self, result: SearchResult) -> Relevance:
        """Whether the best hit is about the question at all (else: honest "not found")."""
        if not result.hits:
            return Relevance(False, "no_hits")
        if result.domain_terms:
            return Relevance(True, "domain_terms")
        if in_field(result.query, self.field_words):
            return Relevance(True, "field")
        top_overlap = self.retriever.overlap(result.hits[0], result.query_tokens)
        if result.coverage >= MIN_COVERAGE and top_overlap >= MIN_TOP_OVERLAP:
            return Relevance(True, "coverage")
        return Relevance(False, "low_coverage")

    def ask(self, question: str, context: dict | None = None) -> dict:
        """Answer one question: a JSON-ready dict with ``answer``, ``citations`` and
        ``policy_references``."""
        started = time.perf_counter()
        question = (question or "").strip()
        asked = correct_typos(question)  # 产价 → 产假 for every step below; the question is echoed as typed
        intent = recognise(asked, context) if self.use_calculators else None
        # a calculator question is in the field, and so is a reply ("男", "交了7年") to a question asked
        if intent is None and not in_field(asked, self.field_words):
            return {
                "question": question,
                "answer": REFUSAL,
                "found": False,
                "route": "out_of_field",
                "citations": [],
                "policy_references": [],
                "generated": False,
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            }
        local = local_answer(asked, self.kb) if self.use_calculators else None
        if local is not None:
            local["question"] = question
            local["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
            return local
        if intent is not None:
            routed = answer_with_calculator(intent, self.kb, question=asked)
            if routed is not None:
                routed["question"] = question
                routed["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
                return routed
        result = self.retriever.search(asked, k=10)
        relevance = self.relevance(result)
        if not relevance.found:
            return {
                "question": question,
                "answer": NOT_FOUND_ANSWER,
                "found": False,
                "route": "not_found",
                "citations": [],
                "policy_references": [],
                "generated": False,
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            }
        hits = result.hits[:MAX_CITATIONS]
        citations = [citation_dict(h) for h in hits]
        words = list(dict.fromkeys(result.query_tokens + result.expansions))
        answer = self.compose(hits, words)
        lead = lead_sentence(asked, [h.article for h in hits], result.query_tokens,
                             getattr(self.retriever, "_idf", None), result.expansions)
        if lead is not None:
            answer = lead.sentence + "\n" + answer
        generated = False
        if self.llm_url:
            from shebao.assistant.llm import rewrite

            rewritten = rewrite(question, citations, url=self.llm_url, extractive=answer)
            if rewritten is not None:
                answer, generated = rewritten, True
        return {
            "question": question,
            "answer": answer,
            "found": True,
            "route": "knowledge_base",
            "citations": citations,
            "policy_references": [],
            "generated": generated,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }

    def compose(self, hits: list[Hit], words: list[str]) -> str:
        """The extractive answer: the key sentences of the best article, then of the next ones
        that come close to it, each with its citation marker [n]."""
        parts = []
        for n, hit in enumerate(hits, start=1):
            if n > 2:
                break
            excerpt = key_sentences(hit.article.text, words)
            lead = "根据" if n == 1 else "另据"
            parts.append(f"{lead}{cite(hit.article.law, hit.article.article)}：{excerpt}[{n}]")
        return "\n".join(parts)


__all__ = ["NOT_FOUND_ANSWER", "Assistant", "cite", "citation_dict", "int_to_cn", "key_sentences"]
