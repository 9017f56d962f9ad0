"""Evaluate retrieval on the frozen question set: hit@1, hit@3, MRR and latency per question.

The question set (``data/eval_questions.yaml``) was written before any tuning. The same
questions are run through the full pipeline and through the ablations (character-bigram BM25
baseline, + jieba segmentation, + lexicon, + reranker), so the figures say what each part adds.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from shebao.assistant.kb import KnowledgeBase
from shebao.assistant.retrieval import RetrievalConfig, Retriever

ABLATIONS: dict[str, RetrievalConfig] = {
    "baseline (character-bigram BM25)": RetrievalConfig(segmentation="bigram", lexicon=False, rerank=False),
    "+ segmentation (jieba + domain dictionary)": RetrievalConfig(segmentation="jieba", lexicon=False, rerank=False),
    "+ lexicon (colloquial → legal)": RetrievalConfig(segmentation="jieba", lexicon=True, rerank=False),
    "+ reranker (embeddings)": RetrievalConfig(segmentation="jieba", lexicon=True, rerank=True),
}


@dataclass
class Question:
    text: str
    answers: list[tuple[str, int]]
    fact: str | None = None  # the key fact the first sentence of the answer must hold ("^算": begin with)


@dataclass
class QuestionResult:
    question: str
    rank: int | None  # 1-based rank of the first expected article within the top 10
    top: list[tuple[str, int]]
    latency_ms: float


@dataclass
class EvalReport:
    name: str
    results: list[QuestionResult] = field(default_factory=list)

    def hit_at(self, k: int) -> float:
        return sum(1 for r in self.results if r.rank is not None and r.rank <= k) / max(len(self.results), 1)

    @property
    def mrr(self) -> float:
        return sum(1.0 / r.rank for r in self.results if r.rank) / max(len(self.results), 1)

    def latency_percentile(self, p: float) -> float:
        values = sorted(r.latency_ms for r in self.results)
        if not values:
            return 0.0
        index = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
        return values[index]

    def summary(self) -> dict:
        return {
            "name": self.name,
            "questions": len(self.results),
            "hit@1": round(self.hit_at(1), 4),
            "hit@3": round(self.hit_at(3), 4),
            "mrr": round(self.mrr, 4),
            "latency_p50_ms": round(statistics.median(r.latency_ms for r in self.results), 2) if self.results else 0,
            "latency_p95_ms": round(self.latency_percentile(95), 2),
        }


def load_question_set(path: Path | None = None) -> tuple[list[Question], list[str]]:
    """The evaluation questions and the out-of-scope questions."""
    if path is None:
        text = resources.files("shebao.assistant").joinpath("data/eval_questions.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    questions = [
        Question(text=q["q"], answers=[(a["law"], int(a["article"])) for a in q["answers"]], fact=q.get("fact"))
        for q in data["questions"]
    ]
    return questions, list(data.get("out_of_scope") or [])


def evaluate(retriever: Retriever, questions: list[Question], name: str = "") -> EvalReport:
    """Run each question once (after one warm-up query) and record rank and latency."""
    report = EvalReport(name=name)
    if questions:
        retriever.search(questions[0].text)  # warm-up: lazy loads are not per-question latency
    for q in questions:
        started = time.perf_counter()
        result = retriever.search(q.text, k=10)
        elapsed = (time.perf_counter() - started) * 1000
        keys = [h.article.key for h in result.hits]
        expected = set(q.answers)
        rank = next((i + 1 for i, key in enumerate(keys) if key in expected), None)
        report.results.append(QuestionResult(question=q.text, rank=rank, top=keys[:3], latency_ms=elapsed))
    return report


def first_sentence(answer: str) -> str:
    """The answer up to the first 。 or line break (where the plain answer must be)."""
    return re.split(r"[。\n]", answer or "", maxsplit=1)[0]


_CN_RUN = re.compile(r"[零〇一二三四五六七八九十百千两]{1,8}")


_PERCENT = re.compile(r"百分之([零〇一二三四五六七八九十百千两\d.]+)")


def _digits(text: str) -> str:
    """二十四个月 → 24个月, 百分之一百一十 → 110% (the same fact written either way)."""
    from shebao.assistant.documents import cn_to_int

    text = _PERCENT.sub(lambda m: m.group(1) + "%", text.replace("％", "%"))

    def sub(match: re.Match) -> str:
        try:
            return str(cn_to_int(match.group(0).replace("两", "二")))
        except ValueError:
            return match.group(0)

    return _CN_RUN.sub(sub, text)


def fact_correct(fact: str, answer: str) -> bool:
    """Whether the first sentence holds the key fact ("^不算": it begins with 不算); numbers in
    Chinese and Arabic figures are the same fact."""
    first = first_sentence(answer)
    if not fact.startswith("^"):
        return _digits(fact) in _digits(first)
    if fact.startswith("^"):
        return first.startswith(fact[1:])
    return fact in first


@dataclass
class AnswerResult:
    question: str
    route: str
    rank: int | None  # rank of the first expected article among the answer's citations
    correct: bool | None  # the key fact in the first sentence (None: the question has no fact)
    first: str
    latency_ms: float


@dataclass
class AnswerReport:
    """What a person gets: the answer's citations and its first sentence, and the off-field refusals."""

    results: list[AnswerResult] = field(default_factory=list)
    off_field: list[tuple[str, str, int]] = field(default_factory=list)  # question, route, citations

    def hit_at(self, k: int) -> float:
        return sum(1 for r in self.results if r.rank is not None and r.rank <= k) / max(len(self.results), 1)

    def summary(self) -> dict:
        with_fact = [r for r in self.results if r.correct is not None]
        latencies = sorted(r.latency_ms for r in self.results)
        p95 = latencies[min(len(latencies) - 1, max(0, int(round(0.95 * len(latencies) + 0.5)) - 1))] if latencies else 0.0
        return {
            "questions": len(self.results),
            "hit@1": round(self.hit_at(1), 4),
            "hit@3": round(self.hit_at(3), 4),
            "with_fact": len(with_fact),
            "answer_correct": round(sum(1 for r in with_fact if r.correct) / max(len(with_fact), 1), 4),
            "off_field": len(self.off_field),
            "off_field_with_citations": sum(1 for _, _, n in self.off_field if n),
            "off_field_refused": sum(1 for _, route, _ in self.off_field if route == "out_of_field"),
            "latency_p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
            "latency_p95_ms": round(p95, 2),
        }


def evaluate_answers(assistant, questions: list[Question], out_of_scope: list[str]) -> AnswerReport:
    """Ask each question through the whole assistant (calculators, local rules, retrieval, the
    plain answer) and check the citations shown and the first sentence; off-field questions must
    get no citation."""
    report = AnswerReport()
    if questions:
        assistant.ask(questions[0].text)  # warm-up: lazy loads are not per-question latency
    for q in questions:
        started = time.perf_counter()
        result = assistant.ask(q.text)
        elapsed = (time.perf_counter() - started) * 1000
        keys = [(c["law"], c["article"]) for c in result.get("citations") or []]
        expected = set(q.answers)
        rank = next((i + 1 for i, key in enumerate(keys) if key in expected), None)
        correct = fact_correct(q.fact, result.get("answer", "")) if q.fact else None
        report.results.append(AnswerResult(q.text, result.get("route", ""), rank, correct,
                                           first_sentence(result.get("answer", "")), elapsed))
    for text in out_of_scope:
        result = assistant.ask(text)
        report.off_field.append((text, result.get("route", ""), len(result.get("citations") or [])))
    return report


def run_ablations(kb: KnowledgeBase, questions: list[Question]) -> list[EvalReport]:
    """The evaluation of each configuration, from the bigram baseline to the full pipeline."""
    reports = []
    for name, config in ABLATIONS.items():
        retriever = Retriever(kb, config)
        if config.rerank and not retriever.reranking:
            continue  # no embedding model installed / no vectors in the index
        reports.append(evaluate(retriever, questions, name=name))
    return reports
