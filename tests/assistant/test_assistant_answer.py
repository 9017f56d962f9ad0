"""Answers: exact citations of retrieved articles only, honest "not found"."""

from __future__ import annotations

import re

from shebao.assistant.answer import key_sentences
from shebao.assistant.evaluation import load_question_set
from shebao.assistant.field import REFUSAL

HELD_OUT_OFF_TOPIC = ["如何减肥最快", "世界杯冠军是谁", "高铁票怎么退", "孩子发烧了怎么办", "帮我写一首诗", "明天会下雨吗"]


def test_answer_shape_and_exact_citations(laws_assistant, laws_kb):
    result = laws_assistant.ask("上下班路上被车撞了算工伤吗")
    assert result["found"] and result["route"] == "knowledge_base"
    assert set(result) >= {"answer", "citations", "policy_references"}
    keys = [(c["law"], c["article"]) for c in result["citations"]]
    assert ("工伤保险条例", 14) in keys[:3]
    for c in result["citations"]:
        article = laws_kb.find(c["law"], c["article"])
        assert article is not None and c["text"] == article.text  # exact text of an existing article
    # the plain answer first (the yes/no and its condition, from the article), then the quotations
    first, rest = result["answer"].split("\n", 1)
    assert first.startswith("算：") and "上下班途中" in first
    assert rest.startswith("根据《")
    # every [n] marker in the answer points at a citation
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", result["answer"])}
    assert markers and markers <= set(range(1, len(result["citations"]) + 1))


def test_citations_are_always_retrieved_articles(laws_assistant):
    questions, _ = load_question_set()
    retriever = laws_assistant.retriever
    for q in questions[:40]:
        result = laws_assistant.ask(q.text)
        if result["route"] != "knowledge_base":
            continue  # a calculator answer cites the articles of the parameters it used
        retrieved = {h.article.key for h in retriever.search(q.text, k=10).hits}
        for c in result["citations"]:
            assert (c["law"], c["article"]) in retrieved


def test_out_of_field_questions_are_refused_without_citations(laws_assistant):
    _, out_of_scope = load_question_set()
    for question in out_of_scope + HELD_OUT_OFF_TOPIC:
        result = laws_assistant.ask(question)
        assert not result["found"], question
        assert result["citations"] == [] and result["answer"] == REFUSAL and result["route"] == "out_of_field"


def test_social_insurance_questions_are_answered(laws_assistant):
    questions, _ = load_question_set()
    found = sum(1 for q in questions if laws_assistant.ask(q.text)["found"])
    assert found / len(questions) >= 0.95


def test_key_sentences_quote_short_articles_whole_and_excerpt_long_ones():
    short = "第七条 女职工生育享受98天产假。"
    assert key_sentences(short, ["产假"]) == "女职工生育享受98天产假。"
    long = "第九条 " + "。".join(f"无关的第{i}句话说明其他事项和很多内容" for i in range(20)) + "。失业保险金的标准由省人民政府确定。"
    excerpt = key_sentences(long, ["失业保险金", "标准"])
    assert "失业保险金的标准由省人民政府确定" in excerpt and len(excerpt) < len(long)
