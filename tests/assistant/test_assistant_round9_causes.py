"""General mechanisms from the causes of the misses on the fifth blind set (issue 18, round 9):
the event a period counts from, a new company one joins, the one province named against two, the
law's questions a calculator does not answer, third-person pronouns inside a phrase, the rule that
keeps a report secret, a case said as a situation, a target that is no condition, an act
declined, each party's share.

None of these questions is taken from a question set.
"""

from __future__ import annotations

from shebao.assistant.intents import recognise
from shebao.assistant.lead import lead_sentence
from shebao.assistant.lexicon import default_lexicon, provinces_said
from tests.assistant.articles import law_text


def test_a_period_is_counted_from_the_event_the_question_names(laws_kb):
    from shebao.assistant.retrieval import Retriever

    retriever = Retriever(laws_kb)
    # 自用工之日起 (the worker's registration), not 自成立之日起 (the employer's own)
    top = retriever.search("刚去一家新单位上班，单位最晚要在入职后几天内给我办好社保登记").hits[0].article
    assert top.key == ("中华人民共和国社会保险法", 58)


def test_a_new_company_one_joins_is_no_company_newly_founded():
    lexicon = default_lexicon()
    joined = lexicon.expand("跳槽到一家新公司上班，社保多久能给上")
    assert "成立之日" not in joined and "用工之日起" in joined
    assert "成立之日" in lexicon.expand("新公司多久内要去办社保登记")


def test_one_province_named_against_two(laws_assistant):
    assert provinces_said("在南京交了五年养老，现在去宁波工作了") == {"江苏", "浙江"}
    # one province named: its regulation before the national article it details (the months of the
    # 一次性伤残就业补助金 are the province's), and the question is the law's, not the calculator's
    answer = laws_assistant.ask("我在温州上班，工伤评了八级，合同到期不续了，一次性伤残就业补助金能拿几个月")
    assert answer["route"] == "knowledge_base"
    assert (answer["citations"][0]["law"], answer["citations"][0]["article"]) == ("浙江省工伤保险条例", 27)
    # two provinces named (a move between them): the national rule on transfer, no regional text first
    moved = laws_assistant.ask("在南京交了五年养老保险，现在到宁波上班了，南京那几年的年限咋算")
    assert not moved["citations"][0]["law"].startswith("浙江")


def test_the_law_s_questions_a_calculator_does_not_answer():
    assert recognise("单位欠缴社保被追缴，补缴时的滞纳金一天按多少收") is None
    assert recognise("失业保险单位按工资的百分之几交，个人扣多少") is None
    assert recognise("八级伤残辞职了，一次性伤残就业补助金给几个月") is None
    # the calculators' own questions stay theirs
    assert recognise("九级伤残的一次性伤残补助金是几个月工资") is not None
    assert recognise("交了6年失业保险能领几个月失业金") is not None


def test_a_third_person_pronoun_inside_a_phrase():
    lexicon = default_lexicon()
    assert "未依法缴纳工伤保险费" in lexicon.expand("厂里一直没给她交工伤保险，现在受伤了怎么办")
    assert "代为购药" in lexicon.expand("他腿脚不好，我能帮他拿药吗")
    # 他人, 其他 are words, not pronouns
    from shebao.assistant.lexicon import _THIRD_PERSON

    assert _THIRD_PERSON.sub("", "委托他人或者其他人替她去") == "委托他人或者其他人替去"


def test_a_report_kept_secret_is_what_a_disclosure_question_turns_on():
    kept = law_text("第九条 任何组织或者个人有权向行政部门举报。\n\n行政部门应当为举报人保密。")
    wider = law_text("第十四条 行政部门应当设立举报、投诉信箱和电话，受理劳动保障监察举报。")
    # the second article's sentence holds more of the question's words, but not what it turns on
    lead = lead_sentence("向劳动保障监察举报了老板，监察会不会把我透露出去", [kept, wider], ["举报", "劳动保障监察"])
    assert lead.sentence.startswith("不会：") and "保密" in lead.sentence


def test_a_case_said_as_a_situation_is_no_answer():
    article = law_text("第二十五条 出现停止享受待遇的情形，亲属应当在二十个工作日内告知经办机构。")
    # 停止 is the case the rule applies to, not what it does
    lead = lead_sentence("老人走了，家属要去社保那边说一声吗", [article], ["亲属", "经办机构"])
    assert lead.sentence.startswith("要：")


def test_paying_up_to_fifteen_years_is_a_target_not_a_condition():
    article = law_text("第十六条 达到法定退休年龄时累计缴费不足十五年的，可以缴费至满十五年，按月领取基本养老金。")
    lead = lead_sentence("我才交了九年，到了退休年龄还能按月领养老金不", [article], ["按月领取", "基本养老金", "退休"])
    assert lead.sentence.startswith("能：")


def test_an_act_declined_is_answered_by_the_clause_of_not_doing_it():
    article = law_text(
        "第三十四条 参保人员达到法定退休年龄时，缴费年限不符合按月领取基本养老金规定的，个人可以按照缴费标准延缴。\n\n"
        "个人不延缴养老保险费的，其个人账户储存额一次性支付给本人。"
    )
    words = ["退休", "缴费年限", "养老", "缴费", "法定退休年龄"]
    lead = lead_sentence("到了退休年龄，缴费年限不够，又不打算往下交了，交过的钱咋处理", [article], words)
    assert "一次性支付给本人" in lead.sentence
    # not declined: the option of paying on answers alone
    plain = lead_sentence("到了退休年龄，缴费年限不够，交过的钱咋处理", [article], words).sentence
    assert "延缴" in plain and "一次性支付给本人" not in plain


def test_each_party_s_share_asked_in_two_questions():
    article = law_text("第六条 用人单位按照本单位工资总额的2%缴纳保险费。用人单位职工按照本人工资的1%缴纳保险费。")
    lead = lead_sentence("保险费单位按工资的百分之几交？个人扣多少？", [article], ["保险费", "工资", "单位", "个人"])
    assert "2%" in lead.sentence and "1%" in lead.sentence


def test_everyday_words_for_paying_first_and_a_driver_who_fled():
    lexicon = default_lexicon()
    expanded = lexicon.expand("撞我的车逃逸了，医药费医保能先垫付吗")
    assert "先行支付" in expanded and "无法确定第三人" in expanded
    assert "农民合同制工人" in lexicon.expand("农村户口的合同工合同到期了能领什么")
    assert "劳务派遣单位" in lexicon.expand("劳务公司派我去的厂里，受伤了谁负责")
