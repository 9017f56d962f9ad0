"""General mechanisms from the causes of the misses on the third blind set (issue 18, session 8):
the type read from the clause that asks, a loss asked about, a yes/no beside another question, the
law's basis rather than a calculation, the statute beside the regulation, may-I against the
sanction, the party who ends the contract.

None of these questions is taken from a question set.
"""

from __future__ import annotations

from shebao.assistant.intents import recognise
from shebao.assistant.lead import answer_type, lead_sentence
from shebao.assistant.local import concept_of
from tests.assistant.articles import law_text


def test_the_type_is_read_from_the_last_clause_that_asks():
    # the figure in an earlier clause describes the case; the last clause asks yes or no
    assert answer_type("老板一个月扣了多少钱社保，有没有规定要告诉我们") == "yesno"
    assert answer_type("钱一次还不上怎么办，能不能慢慢还") == "yesno"
    # a last clause that asks a figure, or two questions, keep their type
    assert answer_type("被辞退了，失业金能领多少") == "amount"
    assert answer_type("医保断了能补交吗？补交要交多少") != "yesno"


def test_a_loss_asked_about_is_answered_by_what_the_rule_keeps():
    article = law_text(
        "第十六条 参加基本养老保险的个人，达到法定退休年龄时累计缴费不足十五年的，可以缴费至满十五年，按月领取基本养老金。"
    )
    words = ["养老保险", "十五年", "缴费"]
    assert lead_sentence("缴费不够十五年，前面交的钱会不会打水漂", [article], words).sentence.startswith(
        "不会："
    )
    kept = law_text("第十九条 个人跨统筹地区就业的，其基本养老保险关系随本人转移，缴费年限累计计算。")
    assert lead_sentence(
        "换了城市上班，原来的缴费年限是不是清零了", [kept], ["缴费年限"]
    ).sentence.startswith("不是：")
    # "算不算数" asks whether it counts, not whether it is lost
    assert lead_sentence("换了城市上班，原来的缴费年限还算不算数", [kept], ["缴费年限"]).sentence.startswith(
        "算："
    )


def test_a_yes_no_asked_beside_another_question_is_answered_first():
    article = law_text(
        "第十六条 参加基本养老保险的个人，达到法定退休年龄时累计缴费不足十五年的，可以缴费至满十五年，按月领取基本养老金。"
    )
    lead = lead_sentence(
        "养老保险只交了十年就到退休年龄了，是不是白缴了？该怎么弄", [article], ["养老保险", "退休年龄"]
    )
    assert lead.sentence.startswith("不是：") and "缴费至满十五年" in lead.sentence


def test_permission_asked_in_any_word_against_a_required_form():
    wage = law_text("第五十条 工资应当以货币形式按月支付给劳动者本人。不得克扣或者无故拖欠劳动者的工资。")
    assert lead_sentence("老板拿自家店里的米面顶工资，这样行不行", [wage], ["工资"]).sentence.startswith(
        "不行："
    )
    card = law_text("第十七条 参保人员应当妥善保管本人医疗保障凭证，防止他人冒名使用。")
    assert lead_sentence("我能不能把医保凭证给邻居用", [card], ["医疗保障凭证"]).sentence.startswith("不能：")


def test_a_heading_that_states_the_period_asked_is_the_answer():
    article = law_text(
        "第二十六条 有下列情形之一的，用人单位可以解除劳动合同，但是应当提前三十日以书面形式通知劳动者本人：\n"
        "（一）劳动者患病或者非因工负伤，医疗期满后，不能从事原工作的；\n（二）劳动者不能胜任工作的；"
    )
    lead = lead_sentence(
        "单位要解除我的合同，得提前多少天通知我", [article], ["用人单位", "解除劳动合同", "通知"]
    )
    assert "三十日" in lead.sentence


def test_the_law_s_basis_or_threshold_is_not_a_calculation():
    assert recognise("失业保险金是按照什么标准定的") is None
    assert recognise("养老金最低缴费年限以后会提高到多少年") is None
    assert recognise("工伤护理费一个月多少") is None
    intent = recognise("交了8年失业金能领几个月")  # one's own period is still the calculator's
    assert intent is not None and intent.kind == "unemployment" and intent.asks == "period"


def test_a_share_of_a_local_value_asks_the_rate_not_the_value():
    assert concept_of("伙食补助按最低工资的百分之多少算") is None
    assert concept_of("东营最低工资多少") is not None


def test_the_statute_is_cited_beside_the_regulation_it_restates(laws_kb, laws_assistant):
    from shebao.assistant.routing import parallel_statute_article

    answer = laws_assistant.ask("交了八年失业保险，失业金能领多久")
    assert answer["route"] == "calculator"
    cited = [(c["law"], c["article"]) for c in answer["citations"]][:2]
    assert cited == [("中华人民共和国社会保险法", 46), ("失业保险条例", 17)]
    # the regulation's article stays first when it holds more of what was asked (最低工资 is in 第十八条 only)
    compared = laws_assistant.ask("失业金每月领多少钱，是不是低于最低工资")
    assert [(c["law"], c["article"]) for c in compared["citations"]][:2] == [
        ("失业保险条例", 18),
        ("中华人民共和国社会保险法", 47),
    ]
    # a neighbour of the same branch is no parallel
    assert parallel_statute_article(laws_kb.find("工伤保险条例", 35), laws_kb) is None


def test_may_i_is_decided_by_the_rule_not_the_sanction(laws_kb):
    from shebao.assistant.retrieval import Retriever

    retriever = Retriever(laws_kb)
    assert retriever.search("老板拿自家店里的米面抵工资，这样行不行").hits[0].article.key == (
        "中华人民共和国劳动法",
        50,
    )
    # may-I with words between the modal and the particle (能拿去…吗)
    used = retriever.search("医保基金能拿去给单位盖办公楼吗").hits[0].article
    assert "法律责任" not in (used.chapter or "")
    # the penalty asked is still the liability chapter's
    penalty = retriever.search("老板拿米面抵工资不给钱，劳动部门会怎么处罚").hits[0].article
    assert "法律责任" in (penalty.chapter or "") or "罚则" in (penalty.chapter or "")


def test_the_party_who_ends_the_contract(laws_kb):
    from shebao.assistant.retrieval import Retriever

    retriever = Retriever(laws_kb)
    assert retriever.search("员工自己要离职，得提前几天告诉单位").hits[0].article.key == (
        "中华人民共和国劳动法",
        31,
    )
    assert retriever.search("单位要辞退我，得提前多少天通知我").hits[0].article.key == (
        "中华人民共和国劳动法",
        26,
    )


def test_years_of_shebao_paid_are_the_pension_s_years(laws_kb):
    from shebao.assistant.retrieval import BRANCHES, Retriever

    asks_pension = BRANCHES["pension"][0]
    assert asks_pension.search("社保交了九年中间换了城市") and asks_pension.search("交了6年社保")
    assert not asks_pension.search("社保卡丢了怎么补办")
    # the pension's article (社会保险法 第十九条), not its parallels for medical (第三十二条) or unemployment (第五十二条)
    hits = Retriever(laws_kb).search("社保交了九年中间换了城市，缴费年限怎么算").hits
    assert hits[0].article.key == ("中华人民共和国社会保险法", 19)
