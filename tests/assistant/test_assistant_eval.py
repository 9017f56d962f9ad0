"""The frozen question set: retrieval quality thresholds, and what each part adds."""

from __future__ import annotations

from shebao.assistant.evaluation import ABLATIONS, evaluate, load_question_set, run_ablations
from shebao.assistant.retrieval import RetrievalConfig, Retriever


def test_question_set_is_large_and_points_at_real_articles(laws_kb):
    questions, out_of_scope = load_question_set()
    assert len(questions) >= 60
    assert len(out_of_scope) >= 5
    laws = set()
    for q in questions:
        for law, article in q.answers:
            assert laws_kb.find(law, article) is not None, (q.text, law, article)
            laws.add(law)
    assert laws == set(laws_kb.laws())  # every law of the corpus is asked about


def test_full_pipeline_meets_the_goals(laws_kb):
    questions, _ = load_question_set()
    retriever = Retriever(laws_kb)
    assert retriever.reranking
    report = evaluate(retriever, questions, name="full")
    assert report.hit_at(3) >= 0.95, report.summary()
    assert report.hit_at(1) >= 0.80, report.summary()
    assert report.mrr >= 0.85, report.summary()


def test_each_part_adds_over_the_bigram_baseline(laws_kb):
    questions, _ = load_question_set()
    reports = run_ablations(laws_kb, questions)
    assert [r.name for r in reports] == list(ABLATIONS)
    baseline, segmented, lexicon, reranked = (r.summary() for r in reports)
    assert baseline["hit@3"] < 0.75  # plain bigram BM25 gets far less
    assert segmented["mrr"] >= baseline["mrr"]
    assert lexicon["hit@3"] >= segmented["hit@3"] + 0.1
    assert reranked["hit@1"] >= lexicon["hit@1"] + 0.05


def test_bm25_and_lexicon_work_without_an_embedding_model(laws_kb):
    questions, _ = load_question_set()
    retriever = Retriever(laws_kb, RetrievalConfig(rerank=False))
    assert not retriever.reranking
    report = evaluate(retriever, questions)
    assert report.hit_at(3) >= 0.80, report.summary()


def test_held_out_questions_written_after_tuning(laws_kb):
    """A second set written after tuning and never tuned on: a check that the gains generalise."""
    from importlib import resources
    from pathlib import Path

    path = Path(str(resources.files("shebao.assistant").joinpath("data/heldout_questions.yaml")))
    questions, _ = load_question_set(path)
    assert len(questions) >= 40
    full = evaluate(Retriever(laws_kb), questions)
    baseline = evaluate(Retriever(laws_kb, ABLATIONS["baseline (character-bigram BM25)"]), questions)
    assert full.hit_at(3) >= 0.85, full.summary()
    assert full.hit_at(1) >= 0.60, full.summary()
    assert full.mrr >= baseline.mrr + 0.15
