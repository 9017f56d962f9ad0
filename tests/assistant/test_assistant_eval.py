"""The frozen question set: retrieval quality thresholds, and what each part adds."""

from __future__ import annotations

from shebao.assistant.evaluation import ABLATIONS, evaluate, load_question_set, run_ablations
from shebao.assistant.retrieval import RetrievalConfig, Retriever


def test_question_set_is_large_and_points_at_real_articles(laws_kb):
    questions, out_of_scope = load_question_set()
    assert len(questions) >= 300  # issue 18: colloquial questions, with the key fact
    assert sum(1 for q in questions if q.fact) >= 200
    assert len(out_of_scope) >= 40
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
    first = evaluate(retriever, questions[:102], name="full")  # the first batch, as before
    assert first.hit_at(3) >= 0.95, first.summary()
    assert first.hit_at(1) >= 0.80, first.summary()
    assert first.mrr >= 0.85, first.summary()
    report = evaluate(retriever, questions, name="full")  # with the colloquial batches
    assert report.hit_at(3) >= 0.95, report.summary()  # measured 96.7% (361 questions)
    assert report.hit_at(1) >= 0.80, report.summary()  # measured 84.2%


def test_answers_hold_the_key_fact_and_off_field_questions_cite_nothing(laws_kb):
    from shebao.assistant.answer import Assistant
    from shebao.assistant.evaluation import evaluate_answers

    questions, out_of_scope = load_question_set()
    report = evaluate_answers(Assistant(laws_kb), questions, out_of_scope)
    summary = report.summary()
    assert summary["off_field"] >= 40 and summary["off_field_with_citations"] == 0, summary
    assert summary["off_field_refused"] == summary["off_field"], summary
    assert summary["answer_correct"] >= 0.76, summary  # measured floor, 79.0% (the goal is 95%: not reached)
    assert summary["hit@3"] >= 0.95, summary  # measured 96.4% (361 questions)


def test_each_part_adds_over_the_bigram_baseline(laws_kb):
    questions, _ = load_question_set()
    questions = questions[:102]  # the ablation figures of the first batch
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
    report = evaluate(retriever, questions[:102])
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


def test_a_question_about_one_grade_finds_the_article_covering_it(laws_kb):
    """工伤保险条例 第三十五/三十六/三十七条 read alike; the grade asked (inside a range 一级至四级,
    七级至十级) decides: first with the reranker, before the other grades' articles without."""
    cases = (("三级伤残能拿多少个月的补助金", 35), ("评了八级伤残，一次性伤残补助金有几个月", 37),
             ("工伤五级，一次性伤残补助金几个月工资", 36), ("二级伤残的伤残津贴是工资的多少", 35))
    full = Retriever(laws_kb)
    bm25 = Retriever(laws_kb, RetrievalConfig(rerank=False))
    for question, article in cases:
        assert full.search(question).hits[0].article.key == ("工伤保险条例", article), question
        ranked = [h.article.key for h in bm25.search(question, k=20).hits]
        grades = [ranked.index(("工伤保险条例", n)) for n in (35, 36, 37) if ("工伤保险条例", n) in ranked]
        assert ranked.index(("工伤保险条例", article)) == min(grades), (question, ranked[:5])


def test_never_tuned_sets_point_at_real_articles_and_facts_stand_in_them(laws_kb):
    """The sets written blind on 2026-12-07 (fresh in the morning, fresh2 in the afternoon, fresh3 to
    fresh5 in the evening, fresh6 at midnight, fresh7 after it; each measured before its misses were read; all but fresh7
    then used for development) must be right themselves: each article exists, and each number fact is written in one of the question's
    deciding articles (Chinese or Arabic figures alike)."""
    from importlib import resources
    from pathlib import Path

    from shebao.assistant.evaluation import _digits

    for name in ("fresh_questions.yaml", "fresh2_questions.yaml", "fresh3_questions.yaml", "fresh4_questions.yaml",
                 "fresh5_questions.yaml", "fresh6_questions.yaml", "fresh7_questions.yaml"):
        path = Path(str(resources.files("shebao.assistant").joinpath(f"data/{name}")))
        questions, out_of_scope = load_question_set(path)
        assert len(questions) >= 60 and len(out_of_scope) >= 15, name
        for q in questions:
            articles = [laws_kb.find(law, article) for law, article in q.answers]
            assert all(a is not None for a in articles), (name, q.text, q.answers)
            if q.fact and not q.fact.startswith("^"):
                assert any(_digits(q.fact) in _digits(a.text) for a in articles), (name, q.text, q.fact)
