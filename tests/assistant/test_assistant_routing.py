"""Calculator routing: recognising questions about one's own dates and amounts."""

from __future__ import annotations

import re

import pytest

from shebao.assistant.evaluation import load_question_set
from shebao.assistant.routing import articles_for_references, collect_references, recognise


@pytest.mark.parametrize(
    ("question", "kind", "expected"),
    [
        ("我1968年出生什么时候退休", "retirement", {"birth_date": "1968-01-01", "birth_month_given": False}),
        ("1975年3月出生的女工人什么时候退休", "retirement", {"birth_date": "1975-03-01", "sex": "female", "category": "female_50"}),
        ("我是1980年5月生的女干部，几岁退休", "retirement", {"birth_date": "1980-05-01", "category": "female_55"}),
        ("我68年生的男的啥时候能退休", "retirement", {"birth_date": "1968-01-01", "category": "male_60"}),
        ("交15年每月能领多少", "pension", {"contribution_months": 180}),
        ("缴费二十年，工资8000，退休后一个月能拿多少养老金", "pension", {"contribution_months": 240, "monthly_wage": "8000"}),
        ("交了30年按60%档能领多少退休金", "pension", {"contribution_months": 360, "contribution_index": "0.6"}),
        # the benefit named decides, not the numbers present (issue 18)
        ("我交了7年社保，失业金能领几个月", "unemployment", {"contribution_months": 84}),
        ("交了七年失业保险，失业了能领多久", "unemployment", {"contribution_months": 84}),
        ("东营失业金一个月多少钱", "unemployment", {"region": "370500"}),
        ("九级伤残能拿几个月工资", "injury", {"grade": 9}),
        ("一级伤残一次性伤残补助金是多少个月工资", "injury", {"grade": 1}),
        ("三级伤残能拿多少个月的补助金", "injury", {"grade": 3}),
        ("工伤七级，工资5000，能赔多少钱", "injury", {"grade": 7, "monthly_wage": "5000"}),
        # a work death's benefits are the work-injury insurance's (工伤保险条例 第三十九条, calc_injury)
        ("工亡赔偿金能赔多少", "injury", {"work_related": True, "death": True}),
        ("灵活就业交哪个档划算", "plan", {}),
        ("补缴5年要花多少钱", "backpay", {"backpay_months": 60}),
    ],
)
def test_recognised_and_numbers_extracted(question, kind, expected):
    intent = recognise(question)
    assert intent is not None and intent.kind == kind
    for key, value in expected.items():
        assert intent.inputs[key] == value


def test_a_follow_up_fills_the_slots_of_the_previous_turn():
    first = recognise("我1968年出生什么时候退休")
    follow = recognise("男的，5月", first.to_context())
    assert follow.kind == "retirement" and follow.inputs["sex"] == "male"
    assert follow.inputs["birth_date"] == "1968-05-01"
    # a follow-up naming another benefit starts afresh
    other = recognise("失业金一个月多少钱", first.to_context())
    assert other.kind == "unemployment" and "birth_date" not in other.inputs


def test_general_questions_are_not_routed_to_another_benefit():
    """A question of the frozen set routed to a calculator is routed to the benefit it names."""
    from shebao.assistant.intents import benefits_named

    questions, out_of_scope = load_question_set()
    for q in out_of_scope:
        assert recognise(q) is None, q
    for q in questions:
        intent = recognise(q.text)
        if intent is not None:
            named = benefits_named(q.text)
            assert intent.kind in named or (intent.kind == "pension" and not named) \
                or (intent.kind == "injury" and intent.inputs.get("death") and "survivor" in named), q.text


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
    year, month = expected["retirement_date"][:4], int(expected["retirement_date"][5:7])
    assert f"{year}年{month}月" in result["answer"].split("。")[0]  # the plain answer first
    assert any(r.get("name", "").startswith("retirement.female_50") for r in result["policy_references"])
    keys = [(c["law"], c["article"]) for c in result["citations"]]
    assert ("国务院关于渐进式延迟法定退休年龄的办法", 1) in keys
    for c in result["citations"]:
        assert laws_assistant.kb.find(c["law"], c["article"]).text == c["text"]


def test_a_missing_slot_that_changes_the_answer_is_asked_for(laws_assistant):
    asked = laws_assistant.ask("我1968年出生什么时候退休")
    assert asked["route"] == "clarify" and asked["missing"] == ["sex"] and "性别" in asked["answer"]
    answered = laws_assistant.ask("男", asked["context"])
    assert answered["route"] == "calculator" and answered["result"]["retirement_date"]
    assert "未说明出生月份" in answered["answer"]  # a default it does assume is stated


def test_pension_question_answered_by_the_policy_engine(laws_assistant):
    result = laws_assistant.ask("交15年每月能领多少")
    assert result["route"] == "calculator" and result["found"]
    assert result["inputs"]["contribution_months"] == 180
    total = result["result"]["total"]
    assert total in result["answer"].split("。")[0] and float(total) > 0
    assert any(r.get("name") == "pension.base" for r in result["policy_references"])
    # the assumptions are stated: the contribution tier and the birth month it did not hear
    assert "未说明缴费档次，按平均缴费指数 1.0" in result["answer"], result["answer"]
    assert "未说明出生年月，按本月退休" in result["answer"], result["answer"]


def test_unemployment_months_for_seven_years_is_not_a_pension(laws_assistant):
    from shebao.policy import calc_unemployment

    result = laws_assistant.ask("我交了7年社保，失业金能领几个月？")
    assert result["route"] == "calculator" and result["calculator"] == "unemployment"
    expected = calc_unemployment({"contribution_months": 84, "involuntary": True, "registered": True})
    first = result["answer"].split("。")[0]
    assert f"{expected['duration_months']}个月" in first and "养老金" not in result["answer"]
    assert ("失业保险条例", 17) in [(c["law"], c["article"]) for c in result["citations"]]


def test_unemployment_months_without_the_years_gives_the_rule_and_asks(laws_assistant):
    result = laws_assistant.ask("失业金能领几个月")
    assert result["route"] == "clarify" and result["missing"] == ["contribution_months"]
    first = result["answer"].split("。")[0]
    for months in ("12个月", "18个月", "24个月"):  # from the parameter tree
        assert months in first
    assert (result["citations"][0]["law"], result["citations"][0]["article"]) == ("失业保险条例", 17)
    follow = laws_assistant.ask("交了12年", result["context"])
    assert follow["route"] == "calculator" and "24个月" in follow["answer"].split("。")[0]


def test_injury_months_of_wages_need_no_wage(laws_assistant):
    result = laws_assistant.ask("九级伤残能拿几个月工资")
    assert result["route"] == "calculator" and "9个月" in result["answer"].split("。")[0]
    assert ("工伤保险条例", 37) in [(c["law"], c["article"]) for c in result["citations"]]
    first = laws_assistant.ask("一级伤残一次性伤残补助金是多少个月工资")
    assert first["route"] == "calculator" and "27个月" in first["answer"].split("。")[0]
    rate = laws_assistant.ask("四级伤残伤残津贴是工资的百分之多少")["answer"].split("。")[0]
    assert rate.startswith("四级伤残的伤残津贴为本人工资的75%")  # what was asked, first
    none = laws_assistant.ask("七级伤残有伤残津贴吗")
    assert none["route"] == "calculator" and none["answer"].startswith("没有：七级伤残没有按月的伤残津贴")
    some = laws_assistant.ask("五级伤残能领伤残津贴不")  # the yes/no first, asked in any form
    assert some["route"] == "calculator" and some["answer"].startswith("有：五级伤残的伤残津贴为本人工资的70%")
    spouse = laws_assistant.ask("工亡后配偶每月能领多少抚恤金")["answer"].split("。")[0]
    assert spouse.startswith("因工死亡的，近亲属可以领取供养亲属抚恤金（按月发给，配偶为本人工资的40%")
    asked = laws_assistant.ask("伤残补助金能赔多少钱")
    assert asked["route"] == "clarify" and asked["missing"] == ["grade", "monthly_wage"]


def test_engine_absent_falls_back_to_the_knowledge_base(laws_kb, monkeypatch):
    from shebao.assistant import routing
    from shebao.assistant.answer import Assistant

    monkeypatch.setattr(routing, "_calculators", lambda: None)
    result = Assistant(laws_kb).ask("我1968年出生的男职工什么时候退休")
    assert result["route"] == "knowledge_base"
    assert result["citations"][0]["law"] == "国务院关于渐进式延迟法定退休年龄的办法"


def test_a_calculator_this_engine_lacks_degrades_to_the_knowledge_base(laws_kb, monkeypatch):
    from shebao.assistant import routing
    from shebao.assistant.answer import Assistant

    real = routing._calculator
    monkeypatch.setattr(routing, "_calculator", lambda name: None if name == "calc_unemployment" else real(name))
    result = Assistant(laws_kb).ask("我交了7年社保，失业金能领几个月？")
    assert result["route"] == "knowledge_base"


def test_survivor_benefits_of_a_death_from_illness(laws_assistant):
    """Routed to the engine's survivor calculator when it has one (issue 10's calc_survivor); else the KB."""
    from shebao.assistant.routing import _calculator

    asked = laws_assistant.ask("老公还没退休就病死了，丧葬费和抚恤金能领多少")
    if _calculator("calc_survivor") is None:
        assert asked["route"] == "knowledge_base"
        pytest.skip("this engine has no calc_survivor")
    assert asked["route"] == "clarify" and asked["missing"] == ["contribution_months"]
    result = laws_assistant.ask("交了12年", asked["context"])
    assert result["route"] == "calculator" and result["calculator"] == "survivor"
    assert "9个月" in result["answer"].split("。")[0]  # 10–15 years paid: 9 months (人社部发〔2021〕18号 第五条)
    assert ("中华人民共和国社会保险法", 17) == (result["citations"][0]["law"], result["citations"][0]["article"])
    work = laws_assistant.ask("工亡了家属能领多少钱")
    assert work["route"] == "calculator" and "20倍" in work["answer"].split("。")[0]


def test_a_slot_the_quantity_asked_does_not_depend_on_is_not_asked_for(laws_assistant):
    from shebao.policy import calc_retirement

    # the age once the delay is complete is the same for every birth date: no birth date asked
    final = laws_assistant.ask("我是女干部，延迟退休以后最终是多少岁退休")
    assert final["route"] == "calculator", final["answer"]
    expected = calc_retirement({"birth_date": "2000-01", "original_retirement_age": 55})["statutory_age_months"]
    assert final["answer"].split("。")[0].count(f"{expected // 12}周岁") >= 1
    # a range of years paid that falls within one band of the duration table: no exact figure asked
    band = laws_assistant.ask("我交了二十几年失业保险，失业金最长能领多久")
    assert band["route"] == "calculator" and "24个月" in band["answer"].split("。")[0], band["answer"]
    # a range across two bands: the figure is asked for
    across = laws_assistant.ask("我交了四五年失业保险，失业金能领几个月")
    assert across["route"] == "clarify" and across["missing"] == ["contribution_months"]


def test_a_missing_birth_date_is_asked_with_the_range_of_ages_it_decides(laws_assistant):
    asked = laws_assistant.ask("我是男职工，啥时候能退休")
    assert asked["route"] == "clarify" and asked["missing"] == ["birth_date"]
    assert asked["answer"].startswith("原法定退休年龄为60周岁的男职工，法定退休年龄按出生年月在60周岁至63周岁之间")


def test_a_value_not_collected_for_the_region_asked_is_said_so_in_words(laws_assistant):
    """Beijing's average wage (the base of a flexible worker's tiers) is not in the parameter tree:
    the answer names Beijing and says the value is not collected, not that a national value is yet
    to be published, and cites no parameter key as if it were a legal reference."""
    result = laws_assistant.ask("没单位了自己交养老，北京300%的档一个月多少钱")
    assert result["route"] == "calculator" and result["calculator"] == "plan"
    first = result["answer"].split("\n")[0]
    assert "本系统未收录北京市的职工平均工资" in first, first
    assert "全国" not in first and "公布值" not in first, first
    texts = [str(r.get("reference")) for r in result["policy_references"]]
    assert not any(re.fullmatch(r"[a-z_.]+", t) for t in texts), texts
