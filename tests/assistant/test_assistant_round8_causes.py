"""General mechanisms from the causes of the misses on the fourth blind set (issue 18, round 8):
pocket money is no fee, both benefits asked against a rule that allows one, the exception named in
another item of a list of conditions, a foreigner said by where they come from, a separable verb
split by a particle, a move to a home town in a named province, an assessment said to be too light.

None of these questions is taken from a question set.
"""

from __future__ import annotations

from shebao.assistant.lead import lead_sentence, yes_no_words
from shebao.assistant.lexicon import _rule_groups, default_lexicon, separable_joined
from tests.assistant.articles import law_text


def test_pocket_money_is_not_a_fee():
    assert yes_no_words("闺女十四岁，想去饭店端盘子挣点零花钱，饭店能雇她吗") == ("能", "不能")
    assert yes_no_words("打印参保证明要花钱吗") == ("收费", "不收费")


def test_both_benefits_asked_against_a_rule_that_allows_one():
    article = law_text(
        "第十条 符合条件的，可以领取甲补助金。同时符合领取甲补助金和乙补助金条件的，只能选择领取其中的一项。"
    )
    lead = lead_sentence("甲补助金和乙补助金能同时领吗", [article], ["甲补助金", "乙补助金", "领取"])
    assert lead.sentence.startswith("不能：")
    assert "只能选择" in lead.sentence
    # one benefit asked: the rule that allows it answers yes
    assert lead_sentence("甲补助金能领吗", [article], ["甲补助金", "领取"]).sentence.startswith("能：")


def test_the_exception_in_another_item_of_the_list_of_conditions():
    article = law_text(
        "第九条 具备下列条件的人员，可以领取补贴：\n（一）已经缴费满1年的；\n（二）非因本人意愿中断就业的；\n（三）已经登记的。"
    )
    words = ["补贴", "缴费"]
    lead = lead_sentence(
        "我是自己不想干了，缴费五年了，能领补贴不", [article], words, expansions=["本人意愿"]
    )
    assert lead.sentence.startswith("不能：")
    # the same question without the exception stated is answered by the condition met
    assert lead_sentence("缴费五年了，能领补贴不", [article], words).sentence.startswith("能：")


def test_a_foreigner_said_by_where_they_come_from():
    assert ("外国人",) in _rule_groups("厂里来了个越南来的师傅，要给他上社保吗")
    assert ("外国人",) in _rule_groups("德国籍的同事能参加医保吗")
    # a trip abroad is no foreigner
    groups = _rule_groups("去越南出差生病了能报销吗")
    assert ("外国人",) not in groups and ("境外",) in groups


def test_a_separable_verb_split_by_a_particle():
    assert separable_joined("我是主动辞了职的") == "我是主动辞职的"
    assert "辞职" in default_lexicon().matches("她是自己辞的职，能领失业金吗")


def test_a_move_home_in_a_named_province_and_an_assessment_too_light():
    assert ("跨统筹地区就业",) in _rule_groups("我回湖南老家工作了，之前的养老保险咋办")
    assert ("跨统筹地区就业",) not in _rule_groups("我在湖南老家种地")
    assert ("再次鉴定",) in _rule_groups("伤残等级评轻了，想再找地方鉴定")


def test_a_penalty_asked_in_dialect_is_the_liability_chapter_s(laws_kb):
    from shebao.assistant.retrieval import Retriever

    retriever = Retriever(laws_kb)
    top = retriever.search("饭店不给员工办社保登记，被查到会被咋处理").hits[0].article
    assert "法律责任" in (top.chapter or "") or "罚则" in (top.chapter or "")
    assert top.key == retriever.search("饭店不给员工办社保登记，被查到会被怎么处理").hits[0].article.key


def test_everyday_words_for_the_wage_floor_a_pay_cut_and_a_worsening_injury():
    lexicon = default_lexicon()
    assert "最低工资标准" in lexicon.expand("厂里的工资有没有底线")
    assert "降低工资" in lexicon.expand("休完产假回来就被降薪了")
    assert "复查鉴定" in lexicon.expand("旧伤这两年加重了，能再查一次吗")
    # a period "里" is the law's "内": the lexicon reads 医疗期内
    from shebao.assistant.lexicon import standard_words

    assert standard_words("还在医疗期里") == "还在医疗期内"


def test_goods_in_place_of_the_required_form_are_answered_by_the_form(laws_assistant):
    # a yes/no beside a how: the sentence requiring the form, not the one sharing 抵 (拍卖所得抵缴)
    answer = laws_assistant.ask("公司拿自己生产的家电抵社保费中不中？应该怎么交")["answer"]
    assert answer.startswith("不中：") and "货币形式" in answer.split("\n")[0]


def test_a_clause_that_is_only_xing_asks_xing():
    assert yes_no_words("拿布料抵社保费，行吗？要怎么缴") == ("行", "不行")
    assert yes_no_words("银行能查吗") == ("能", "不能")


def test_everyday_words_for_monthly_payment_and_buying_medicine_for_someone():
    lexicon = default_lexicon()
    assert "按月发放" in lexicon.expand("补助是每个月发还是一次给")
    assert "代为购药" in lexicon.expand("我爸住院了，我帮他买药要带什么")
    assert "非工伤引发的疾病" in lexicon.expand("工伤治疗期间又查出高血压，药钱谁出")


def test_a_disagreement_asks_for_the_remedy(laws_kb):
    from shebao.assistant.retrieval import Retriever

    retriever = Retriever(laws_kb)
    # the remedy (对…鉴定结论不服的，可以…申请再次鉴定), not the grade's benefits (第三十七条)
    top = retriever.search("我被评成十级伤残，觉得评低了不服，该找哪里再次鉴定").hits[0].article
    assert top.key == ("工伤保险条例", 26)
    # a remedy said without 不服 (认为…侵害其权益的，可以依法申请行政复议) keeps its place
    keys = [h.article.key for h in retriever.search("对社保经办机构的处理不服，能怎么办").hits[:3]]
    assert ("中华人民共和国社会保险法", 83) in keys


def test_whether_one_pays_is_answered_by_the_sentence_saying_so_in_a_later_article(laws_assistant):
    # 女职工劳动保护特别规定 第八条 (the allowance) is retrieved first; 社会保险法 第五十三条 says who pays
    answer = laws_assistant.ask("生育保险要从我工资里扣吗？个人要交不")["answer"].split("\n")[0]
    assert answer.startswith("不用：") and "职工不缴纳" in answer
