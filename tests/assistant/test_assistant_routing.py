"""Calculator routing: recognising questions about one's own dates and amounts."""

from __future__ import annotations

import pytest

from shebao.assistant.evaluation import load_question_set
from shebao.assistant.routing import articles_for_references, collect_references, recognise


@pytest.mark.parametrize(
    ("question", "kind", "expected"),
    [
        ("我1968年出生什么时候退休", "retirement", {"birth_date": "1968-01-01", "sex": "male", "category": "male_60"}),
        ("1975年3月出生的女工人什么时候退休", "retirement", {"birth_date": "1975-03-01", "sex": "female", "category": "female_50"}),
        ("我是1980年5月生的女干部，几岁退休", "retirement", {"birth_date": "1980-05-01", "category": "female_55"}),
        ("我68年生的男的啥时候能退休", "retirement", {"birth_date": "1968-01-01", "category": "male_60"}),
        ("交15年每月能领多少", "pension", {"contribution_years": 15, "contribution_index": "1.0"}),
        ("缴费二十年，工资8000，退休后一个月能拿多少养老金", "pension", {"contribution_years": 20, "monthly_wage": "8000"}),
        ("交了30年按60%档能领多少退休金", "pension", {"contribution_years": 30, "contribution_index": "0.6"}),
    ],
)
def test_recognised_and_numbers_extracted(question, kind, expected):
    intent = recognise(question)
    assert intent is not None and intent.kind == kind
    for key, value in expected.items():
        assert intent.inputs[key] == value


def test_assumptions_are_stated():
    intent = recognise("我1968年出生什么时候退休")
    assert any("未说明性别" in a for a in intent.assumptions)
    assert any("出生月份" in a for a in intent.assumptions)
    assert recognise("1975年3月出生的女工人什么时候退休").assumptions == []


def test_general_questions_are_not_routed():
    questions, out_of_scope = load_question_set()
    for q in [q.text for q in questions] + out_of_scope:
        assert recognise(q) is None, q


def test_references_map_to_knowledge_base_articles(laws_kb):
    result = {
        "retirement_date": "2030-09",
        "reasons": [{"code": "x", "text": "…", "reference": "国务院关于渐进式延迟法定退休年龄的办法 第三条"}],
        "trace": {
            "steps": [{"step": "s", "reference": "国务院关于渐进式延迟法定退休年龄的办法 第一条"}],
            "parameters": [
                {"name": "retirement.male_60.cohort_step_months", "value": 4,
                 "reference": "国务院关于渐进式延迟法定退休年龄的办法 第一条（每四个月延迟一个月）"},
                {"name": "retirement.male_60.original_age_months", "value": 720,
                 "reference": "国务院关于工人退休、退职的暂行办法 国发〔1978〕104号 第一条"},
                {"name": "pension.min_contribution_months", "value": 180, "reference": "中华人民共和国社会保险法 第十六条"},
            ],
        },
    }
    refs = collect_references(result)
    # the parameters first, with their names and values, then the other references once each
    assert [r.get("name") for r in refs[:3]] == [
        "retirement.male_60.cohort_step_months", "retirement.male_60.original_age_months", "pension.min_contribution_months",
    ]
    assert {r["reference"] for r in refs[3:]} == {
        "国务院关于渐进式延迟法定退休年龄的办法 第三条", "国务院关于渐进式延迟法定退休年龄的办法 第一条",
    }
    articles = articles_for_references(refs, laws_kb)
    # the 1978 measures are not in the knowledge base: only the articles it holds are cited
    assert [(a.law, a.article) for a in articles] == [
        ("国务院关于渐进式延迟法定退休年龄的办法", 1),
        ("中华人民共和国社会保险法", 16),
        ("国务院关于渐进式延迟法定退休年龄的办法", 3),
    ]


def test_retirement_question_answered_by_the_policy_engine(laws_assistant):
    from shebao.policy import calc_retirement

    result = laws_assistant.ask("1975年3月出生的女工人什么时候退休")
    assert result["route"] == "calculator" and result["found"]
    expected = calc_retirement({"birth_date": "1975-03", "original_retirement_age": 50})
    assert result["result"]["retirement_date"] == expected["retirement_date"]
    assert expected["retirement_date"] in result["answer"]
    assert any(r.get("name", "").startswith("retirement.female_50") for r in result["policy_references"])
    keys = [(c["law"], c["article"]) for c in result["citations"]]
    assert ("国务院关于渐进式延迟法定退休年龄的办法", 1) in keys
    for c in result["citations"]:
        assert laws_assistant.kb.find(c["law"], c["article"]).text == c["text"]


def test_pension_question_answered_by_the_policy_engine(laws_assistant):
    result = laws_assistant.ask("交15年每月能领多少")
    assert result["route"] == "calculator" and result["found"]
    assert result["inputs"]["contribution_months"] == 180
    total = result["result"]["total"]
    assert total in result["answer"] and float(total) > 0
    assert any(r.get("name") == "pension.base" for r in result["policy_references"])
    assert "说明" in result["answer"]  # the assumptions are stated


def test_engine_absent_falls_back_to_the_knowledge_base(laws_kb, monkeypatch):
    from shebao.assistant import routing
    from shebao.assistant.answer import Assistant

    monkeypatch.setattr(routing, "_calculators", lambda: None)
    result = Assistant(laws_kb).ask("我1968年出生什么时候退休")
    assert result["route"] == "knowledge_base"
    assert result["citations"][0]["law"] == "国务院关于渐进式延迟法定退休年龄的办法"
