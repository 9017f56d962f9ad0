"""Knowing the field, and the type and polarity of the plain answer (no knowledge base needed)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shebao.assistant.evaluation import fact_correct, first_sentence
from shebao.assistant.field import in_field
from shebao.assistant.lead import answer_type, lead_sentence, yes_no_words
from tests.assistant.articles import law_text


@pytest.mark.parametrize("question", [
    "上下班路上被车撞了算工伤吗", "公司克扣工资合法吗", "生孩子产假有多少天", "每天工作几个小时",
    "医保卡借给亲戚用会被怎么处罚", "出差旅游途中受伤算工伤吗", "社保基金能拿去炒股吗",
])
def test_in_the_field(question):
    assert in_field(question)


@pytest.mark.parametrize("question", [
    "明天股市会涨吗", "失业了想去云南旅游散散心", "工伤住院无聊，有什么好玩的手机游戏", "车险买哪家保险公司划算",
    "退休了想去海南旅游，有什么推荐", "养老院哪家服务好", "红烧肉怎么做好吃", "",
])
def test_outside_the_field(question):
    assert not in_field(question)


@pytest.mark.parametrize(("question", "kind"), [
    ("生孩子产假有多少天", "period"), ("加班费按工资的多少给", "amount"), ("有人骗医保去哪儿举报", "where"),
    ("劳务派遣工受了工伤由谁承担", "who"), ("申请工伤认定要准备啥材料", "procedure"),
    ("喝醉酒上班受伤算工伤吗", "yesno"), ("领失业金要满足什么条件", "general"),
])
def test_answer_type(question, kind):
    assert answer_type(question) == kind


def test_yes_no_polarity_comes_from_the_rule():
    article = law_text("第十六条 职工符合本条例第十四条、第十五条的规定，但是有下列情形之一的，不得认定为工伤或者视同工伤：\n"
                       "（一）故意犯罪的；\n（二）醉酒或者吸毒的；\n（三）自残或者自杀的。")
    lead = lead_sentence("喝醉酒上班受伤算工伤吗", [article], ["醉酒", "工伤"])
    assert lead.sentence.startswith("不算：醉酒或者吸毒的") and "[1]" in lead.sentence
    positive = law_text("第十四条 职工有下列情形之一的，应当认定为工伤：\n（一）在工作时间和工作场所内，因工作原因受到事故伤害的；")
    assert lead_sentence("在车间干活被机器砸伤算工伤吗", [positive], ["工作场所", "事故伤害"]).sentence.startswith("算：")


def test_the_clause_whose_negation_agrees_with_the_question():
    leave = law_text("第七条 女职工生育享受98天产假。女职工怀孕未满4个月流产的，享受15天产假；怀孕满4个月流产的，享受42天产假。")
    assert "42天" in lead_sentence("怀孕四个月以上流产产假多少天", [leave], ["怀孕", "流产", "产假"]).sentence
    assert "15天" in lead_sentence("怀孕不到四个月流产产假多少天", [leave], ["怀孕", "流产", "产假"]).sentence
    pay = law_text("第八条 女职工产假期间的生育津贴，对已经参加生育保险的，由生育保险基金支付；"
                   "对未参加生育保险的，按照女职工产假前工资的标准由用人单位支付。")
    assert "用人单位支付" in lead_sentence("没参加生育保险的，产假工资谁发", [pay], ["生育保险", "产假", "工资"]).sentence


def test_a_definition_question_gets_the_definition():
    article = law_text("第五十八条 国家对女职工和未成年工实行特殊劳动保护。未成年工是指年满十六周岁未满十八周岁的劳动者。")
    assert "十六周岁" in lead_sentence("未成年工是指多大的", [article], ["未成年工"]).sentence


def test_a_condition_on_years_paid_is_checked_against_the_question():
    article = law_text("第十四条 具备下列条件的失业人员，可以领取失业保险金：\n"
                       "（一）按照规定参加失业保险，所在单位和本人已按照规定履行缴费义务满1年的；\n（二）非因本人意愿中断就业的；")
    words = ["失业", "保险", "缴费"]
    assert lead_sentence("失业保险交了半年就失业了，能领失业金不？", [article], words).sentence.startswith("不能：")
    assert lead_sentence("交了3年能领失业金吗", [article], words).sentence.startswith("能：")


def test_a_penalty_question_gets_the_fine_and_a_sanction_means_no():
    article = law_text("第三十条 有下列行为之一的，由劳动保障行政部门责令改正；对有第(一)项规定的行为的，处2000元以上2万元以下的罚款：\n"
                       "（一）无理抗拒、阻挠劳动保障行政部门依照本条例的规定实施劳动保障监察的；")
    assert answer_type("拒不配合劳动监察会怎么处罚") == "penalty"
    assert "2000元" in lead_sentence("拒不配合劳动监察会怎么处罚", [article], ["劳动", "监察", "阻挠"]).sentence
    misuse = law_text("第四十四条 违反本条例规定，侵占、挪用医疗保障基金的，由医疗保障等行政部门责令追回。")
    assert lead_sentence("医保基金能挪用吗", [misuse], ["医保", "基金", "挪用"]).sentence.startswith("不能：")


def test_the_law_s_wording_of_a_colloquial_word_counts_in_full():
    article = law_text("第九条 用人单位不得延长劳动时间。用人单位应当为女职工安排哺乳时间。")
    # 加班 is not in the first sentence, which says it in the law's words (延长劳动时间): full weight
    lead = lead_sentence("哺乳期单位能让我加班吗", [article], ["单位", "哺乳", "加班"],
                         {"单位": 1.0, "哺乳": 4.5}, ["延长劳动时间"])
    assert lead.sentence.startswith("不能：用人单位不得延长劳动时间")
    assert not lead_sentence("医保能直接结算吗", [article], ["单位"]).sentence.startswith(("算", "不算"))  # 结算 is no 算


def test_fact_in_the_first_sentence():
    assert first_sentence("算：在上下班途中……[1]。\n根据《工伤保险条例》") == "算：在上下班途中……[1]"
    assert fact_correct("24个月", "期限最长为二十四个月[1]。")  # the same number either way
    assert fact_correct("^不算", "不算：醉酒的[1]。") and not fact_correct("^算", "不算：醉酒的[1]。")
    assert not fact_correct("98天", "女职工生育享受产假。98天在下一句。")
    assert fact_correct("百分之一百一十", "按该单位上月缴费额的110%确定[1]。")  # a percentage either way
    assert not fact_correct("百分之一百一十", "按该单位上月缴费额的100%确定[1]。")


def test_lexicon_has_no_duplicate_phrases():
    """YAML keeps the last of two equal keys silently: a phrase is listed once."""
    from collections import Counter
    from importlib import resources

    text = resources.files("shebao.assistant").joinpath("data/lexicon.yaml").read_text(encoding="utf-8")
    keys = [line.split(":")[0].strip() for line in text.splitlines()
            if line.startswith("  ") and not line.strip().startswith("#")]
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_a_negation_that_only_describes_does_not_push_its_sentence_down():
    nursing = law_text("第九条 对哺乳未满1周岁婴儿的女职工，用人单位不得延长劳动时间或者安排夜班劳动。\n"
                       "用人单位应当在每天的劳动时间内为哺乳期女职工安排1小时哺乳时间。")
    lead = lead_sentence("哺乳期单位能让我加班吗", [nursing], ["哺乳", "哺乳期", "单位", "加班"],
                         {"哺乳": 4.7, "哺乳期": 5.1, "单位": 0.9}, ["延长劳动时间"])
    assert lead.sentence.startswith("不能：对哺乳未满1周岁婴儿的女职工")


def test_the_lead_holds_both_parts_of_a_two_part_question():
    article = law_text("第十二条 用人单位应当按照国家规定的本单位职工工资总额的比例缴纳基本养老保险费，记入基本养老保险统筹基金。\n"
                       "职工应当按照国家规定的本人工资的比例缴纳基本养老保险费，记入个人账户。")
    sentence = lead_sentence("养老保险单位交多少个人交多少", [article], ["养老保险", "单位", "个人"]).sentence
    assert first_sentence(sentence) == sentence.rstrip("。") and "工资总额的比例" in sentence and "本人工资的比例" in sentence


def test_the_yes_no_of_a_rule_with_an_exception_or_a_condition():
    article = law_text("第十四条 具备下列条件的失业人员，可以领取失业保险金：\n（一）非因本人意愿中断就业的；")
    assert lead_sentence("我自己辞职的能领失业金吗", [article], ["辞职", "失业金"], None,
                         ["本人意愿"]).sentence.startswith("不能：")
    enforce = law_text("第十三条 缴费单位逾期拒不缴纳社会保险费、滞纳金的，由劳动保障行政部门申请人民法院依法强制征缴。")
    assert lead_sentence("公司一直不交社保，会被法院强制执行吗", [enforce], ["社会保险费", "法院", "强制"]).sentence.startswith("会：")
    stop = law_text("第四十条 工伤职工达到退休年龄并办理退休手续后，停发伤残津贴，按照国家有关规定享受基本养老保险待遇。")
    assert lead_sentence("工伤职工退休了伤残津贴还发吗", [stop], ["伤残津贴", "退休"]).sentence.startswith("不发了：")
    fined = law_text("第八十五条 用人单位拒不出具终止或者解除劳动关系证明的，依照《中华人民共和国劳动合同法》的规定处理。")
    assert lead_sentence("单位拒绝开离职证明被罚吗", [fined], ["单位", "证明"]).sentence.startswith("会：")


def test_a_law_the_question_names_is_read_first_and_a_period_is_taken_where_stated():
    @dataclass
    class _Cited:
        law: str
        text: str

    regulation = _Cited("女职工劳动保护特别规定", "第七条 女职工生育享受98天产假，其中产前可以休假15天。")
    law = _Cited("中华人民共和国劳动法", "第六十二条 女职工生育享受不少于九十天的产假。")
    assert "九十天" in lead_sentence("劳动法规定产假最少多少天", [regulation, law], ["产假", "劳动法"]).sentence
    wages = _Cited("中华人民共和国劳动法", "第五十一条 劳动者在法定休假日和婚丧假期间以及依法参加社会活动期间，用人单位应当依法支付工资。")
    overtime = _Cited("中华人民共和国劳动法", "第四十四条 有下列情形之一的，用人单位应当按照下列标准支付高于劳动者正常工作时间工资的工资报酬：\n"
                      "（三）法定休假日安排劳动者工作的，支付不低于工资的百分之三百的工资报酬。")
    assert "百分之三百" in lead_sentence("法定节假日上班工资怎么算", [wages, overtime], ["法定", "休假日", "工资"]).sentence


def test_the_yes_no_of_the_clause_about_what_was_asked():
    account = law_text("第十四条 个人账户不得提前支取，记账利率不得低于银行定期存款利率，免征利息税。")
    assert lead_sentence("个人账户的钱会给利息吗", [account], ["个人账户", "利息"]).sentence.startswith("会：")
    assert lead_sentence("个人账户的钱能提前取出来吗", [account], ["个人账户", "提前"]).sentence.startswith("不能：")
    consent = law_text("第三十一条 个人信息处理者处理不满十四周岁未成年人个人信息的，应当取得未成年人的父母或者其他监护人的同意。")
    assert lead_sentence("不满十四岁孩子的个人信息能随便收集吗", [consent],
                         ["个人信息", "十四"]).sentence.startswith("不能：")


def test_a_penalty_lead_holds_the_fine_of_its_sentence():
    fraud = law_text("第二十八条 不符合享受失业保险待遇条件，骗取失业保险金和其他失业保险待遇的，由社会保险经办机构责令退还；"
                     "情节严重的，由劳动保障行政部门处骗取金额1倍以上3倍以下的罚款。")
    sentence = lead_sentence("骗领失业金会受到什么处罚？", [fraud], ["骗取", "失业保险金"]).sentence
    assert "责令退还" in first_sentence(sentence) and "1倍以上3倍以下的罚款" in first_sentence(sentence)


def test_a_list_question_gets_every_item_under_its_heading():
    article = law_text("第十八条 提出工伤认定申请应当提交下列材料：\n（一）工伤认定申请表；\n"
                       "（二）与用人单位存在劳动关系(包括事实劳动关系)的证明材料；\n（三）医疗诊断证明或者职业病诊断证明书。")
    sentence = first_sentence(lead_sentence("申请工伤认定要准备哪些材料？", [article], ["工伤认定", "材料"]).sentence)
    assert sentence.startswith("提出工伤认定申请应当提交下列材料：工伤认定申请表；")
    assert "劳动关系" in sentence and "职业病诊断证明书" in sentence


def test_a_quantity_the_question_states_picks_the_range_that_holds_it():
    leave = law_text("第七条 女职工怀孕未满4个月流产的，享受15天产假；怀孕满4个月流产的，享受42天产假。")
    words = ["怀孕", "流产", "产假"]
    assert "15天" in first_sentence(lead_sentence("怀孕三个月流产了有产假没", [leave], words).sentence)
    assert "42天" in first_sentence(lead_sentence("怀孕五个月流产了有产假没", [leave], words).sentence)
    months = law_text("第十七条 失业人员失业前所在单位和本人按照规定累计缴费时间满1年不足5年的，领取失业保险金的期限最长为12个月；"
                      "累计缴费时间满5年不足10年的，领取失业保险金的期限最长为18个月；"
                      "累计缴费时间10年以上的，领取失业保险金的期限最长为24个月。")
    words = ["缴费", "失业保险金", "期限"]
    assert "18个月" in first_sentence(lead_sentence("交了6年失业保险，失业保险金期限多长", [months], words).sentence)
    assert "24个月" in first_sentence(lead_sentence("交了12年失业保险，失业保险金期限多长", [months], words).sentence)
    assert "18个月" in first_sentence(lead_sentence("1975年出生，交了6年失业保险，失业保险金期限多长", [months],
                                                    words).sentence)


def test_a_period_question_takes_the_period_of_the_first_article_or_the_term_it_names():
    @dataclass
    class _Cited:
        law: str
        text: str

    period = _Cited("劳动保障监察条例", "第十七条 劳动保障行政部门对违反劳动保障法律的行为的调查，应当自立案之日起60个工作日内完成。")
    jurisdiction = _Cited("劳动保障监察条例", "第十三条 对用人单位的劳动保障监察，由县级劳动保障行政部门管辖。"
                          "上级劳动保障行政部门可以调查处理下级劳动保障行政部门管辖的案件。")
    words = ["劳动", "监察", "案件", "劳动保障监察"]
    assert "60个工作日" in lead_sentence("劳动监察案件多久办完", [period, jurisdiction], words).sentence
    term = _Cited("个人信息保护法", "第十九条 除法律、行政法规另有规定外，个人信息的保存期限应当为实现处理目的所必要的最短时间。")
    report = _Cited("个人信息保护法", "第五十六条 个人信息保护影响评估报告和处理情况记录应当至少保存三年。")
    words = ["个人", "信息", "个人信息", "保存"]
    assert "最短时间" in lead_sentence("个人信息能保存多久", [term, report], words).sentence


def test_a_ban_on_some_grounds_only_is_answered_with_the_ban():
    article = law_text("第二十九条 劳动者有下列情形之一的，用人单位不得依据本法第二十六条、第二十七条的规定解除劳动合同：\n"
                       "（一）患职业病或者因工负伤并被确认丧失或者部分丧失劳动能力的；\n（二）患病或者负伤，在规定的医疗期内的；")
    sentence = lead_sentence("员工得工伤了公司能辞退他吗", [article], ["工伤", "因工负伤", "解除劳动合同"]).sentence
    assert sentence.startswith("不得依据本法第二十六条、第二十七条的规定解除劳动合同：患职业病")
    plain = law_text("第五条 用人单位不得因女职工怀孕、生育、哺乳降低其工资、予以辞退、与其解除劳动合同。")
    assert lead_sentence("公司能因为我怀孕降我工资吗", [plain], ["怀孕", "工资"]).sentence.startswith("不能：")


def test_a_question_about_disclosure_is_answered_by_the_duty_of_secrecy():
    article = law_text("第九条 任何组织或者个人对违反劳动保障法律的行为，有权向劳动保障行政部门举报。"
                       "劳动保障行政部门应当为举报人保密；对举报属实的举报人，给予奖励。")
    words = ["举报", "单位", "名字", "劳动保障行政部门"]
    sentence = lead_sentence("我举报了单位，劳动局会不会把我名字说出去", [article], words).sentence
    assert sentence.startswith("不会：") and "保密" in first_sentence(sentence)


def test_a_maximum_asked_takes_the_larger_limit_of_the_same_sentence():
    article = law_text("第四十一条 用人单位经与工会和劳动者协商后可以延长工作时间，一般每日不得超过一小时；"
                       "因特殊原因需要延长工作时间的，延长工作时间每日不得超过三小时，但是每月不得超过三十六小时。")
    words = ["每日", "延长工作时间"]
    assert "三小时" in first_sentence(lead_sentence("每天最多能加几个小时班", [article], words).sentence)
    assert "三小时" not in first_sentence(lead_sentence("每天一般能加几个小时班", [article], words).sentence)


def test_a_list_item_that_holds_nothing_of_the_question_does_not_answer_it():
    excluded = law_text("第十六条 职工符合本条例第十四条、第十五条的规定，但是有下列情形之一的，不得认定为工伤或者视同工伤：\n"
                        "（一）故意犯罪的；\n（二）醉酒或者吸毒的；")
    included = law_text("第十四条 职工有下列情形之一的，应当认定为工伤：\n（一）在工作时间和工作场所内，因工作原因受到事故伤害的；\n"
                        "（四）患职业病的；")
    words = ["职业病", "工伤", "认定为工伤", "视同工伤"]
    weights = {"职业病": 6.0, "工伤": 1.5, "认定为工伤": 3.0, "视同工伤": 3.0}  # as the index's IDF
    assert lead_sentence("得了职业病算工伤吗", [excluded, included], words, weights).sentence.startswith("算：患职业病的")


def test_a_yes_no_about_an_act_is_decided_by_the_sentence_that_rules_on_it():
    card = law_text("第七条 社会保障卡是个人参加社会保险和享受社会保险待遇的凭证。")
    rule = law_text("第十七条 参保人员应当持本人医疗保障凭证就医、购药，并主动出示接受查验。")
    weights = {"社会保障卡": 5.0, "医疗保障凭证": 5.0, "就医": 4.0}
    lead = lead_sentence("看病必须带医保卡吗", [card, rule], ["看病", "医保卡"], weights,
                         ["医疗保障凭证", "社会保障卡", "就医"])
    assert lead.sentence.startswith("要：参保人员应当持本人医疗保障凭证就医")


def test_a_question_about_what_a_thing_is_for_gets_the_uses_not_a_ban():
    ban = law_text("第十一条 失业保险基金必须存入财政专户。失业保险基金专款专用，不得挪作他用，不得用于平衡财政收支。")
    uses = law_text("第十条 失业保险基金用于下列支出：\n（一）失业保险金；\n（二）领取失业保险金期间的医疗补助金。")
    weights = {"失业保险基金": 5.0, "用于": 4.0}
    sentence = first_sentence(lead_sentence("失业保险基金能拿来干啥", [ban, uses], ["失业保险基金"], weights,
                                            ["用于"]).sentence)
    assert sentence.startswith("失业保险基金用于下列支出：失业保险金；")
    card = law_text("第七条 社会保障卡加载金融功能，有条件的地方可以扩大社会保障卡的应用范围。"
                    "社会保障卡是个人享受各项社会保险待遇的凭证。")
    assert "凭证" in first_sentence(lead_sentence("社保卡有啥用", [card], ["社保卡"], {"社会保障卡": 5.0},
                                                  ["社会保障卡"]).sentence)


def test_a_substitute_for_a_required_form_is_a_no():
    wages = law_text("第五十条 工资应当以货币形式按月支付给劳动者本人。不得克扣或者无故拖欠劳动者的工资。")
    lead = lead_sentence("工资能用购物卡代替吗", [wages], ["工资", "购物", "代替"], None, ["货币形式"])
    assert lead.sentence.startswith("不能：工资应当以货币形式")
    assert lead_sentence("工资能按月发吗", [wages], ["工资", "按月"]).sentence.startswith("能：")


def test_a_liability_asked_takes_the_damages_of_the_same_sentence():
    leak = law_text("第九十二条 社会保险经办机构及其工作人员泄露用人单位和个人信息的，对直接负责的主管人员和其他直接责任人员依法给予处分；"
                    "给用人单位或者个人造成损失的，应当承担赔偿责任。")
    sentence = first_sentence(lead_sentence("社保经办机构泄露我信息要负责吗", [leak], ["经办", "机构", "泄露", "信息"]).sentence)
    assert sentence.startswith("要：") and "处分" in sentence and "赔偿责任" in sentence


def test_a_colloquial_phrase_reaching_into_what_was_asked_counts_as_asked():
    # "还能查吗": the lexicon's 还能查 (→ 查处) overlaps the asked predicate 查, so the rule that
    # says 不再查处 decides, and it is a no
    routine = law_text("第十三条 除用人单位存在违法行为外，对同一用人单位的日常检查每年一般不超过两次。")
    limitation = law_text("第二十条 违反劳动保障法律的行为在2年内未被劳动保障行政部门发现的，劳动保障行政部门不再查处。")
    weights = {"单位": 1.5, "违法": 2.0, "查处": 3.0}
    sentence = lead_sentence("单位违法的事过了两年还能查吗", [routine, limitation], ["单位", "违法"], weights,
                             ["查处"]).sentence
    assert sentence.startswith("不能：") and "不再查处" in first_sentence(sentence)


@pytest.mark.parametrize(("question", "words"), [
    ("骑电动车上班路上摔了，算工伤不？", ("算", "不算")),        # V…不: the question's verb, not 能
    ("退休了还能领失业金，中不中", ("中", "不中")),               # A-not-A in a regional word
    ("单位给俺交过生育保险没？", ("有", "没有")),                 # …没: whether it happened
    ("有没有一次性的补助", ("有", "没有")),
    ("灵活就业的是不是得自己全交", ("是", "不是")),
    ("退休以后医保费要接着交不", ("要", "不用")),                 # 要 is answered 不用, not 不要
    ("用不用去社保局报到", ("用", "不用")),
    ("工伤医疗费可以先垫付吗", ("可以", "不可以")),
    ("失业了能领医疗补助金不", ("能", "不能")),
    ("在外地做手术能算异地就医不", ("算", "不算")),              # the judgement before the modal carrying it
    ("公司搬到外地了，我的社保关系会跟着转吗", ("会", "不会")),   # the clause that asks, not 社会
    ("需不需要单位盖章", ("需要", "不需要")),
    ("试用期单位给交社保不", ("给", "不给")),                   # 给 before the verb it gives; 试用期 is no 用
    ("退休了还用交医保不", ("用", "不用")),
    ("退休金每年都会涨吗", ("会", "不会")),                    # 都会 is 会
    ("申请仲裁有时间限制吗", ("有", "没有")),                  # 有时间 is no 有时
    ("最低缴费年限是不是要涨到20年", ("是", "不是")),          # 是不是 + 要: the doubled verb alone
    ("厂里招童工合法不", ("不合法", "合法")),
    ("生育津贴多少钱", None),
])
def test_a_yes_no_question_is_answered_in_its_own_verb(question, words):
    assert yes_no_words(question) == words


def test_the_answer_word_of_a_colloquial_yes_no_is_the_question_s_verb():
    article = law_text("第十四条 职工有下列情形之一的，应当认定为工伤：\n（一）在工作时间和工作场所内，因工作原因受到事故伤害的；")
    lead = lead_sentence("在车间干活被机器砸伤，算工伤不？", [article], ["工作场所", "事故伤害"])
    assert lead.sentence.startswith("算：")
    ban = law_text("第十条 用人单位应当按时缴纳工伤保险费。职工个人不缴纳工伤保险费。")
    assert lead_sentence("工伤保险个人要掏钱交不", [ban], ["工伤保险费", "个人", "缴纳"]).sentence.startswith("不用：")


_OVERTIME = law_text(
    "第四十四条 有下列情形之一的，用人单位应当按照下列标准支付高于劳动者正常工作时间工资的工资报酬：\n"
    "（一）安排劳动者延长工作时间的，支付不低于工资的百分之一百五十的工资报酬；\n"
    "（二）休息日安排劳动者工作又不能安排补休的，支付不低于工资的百分之二百的工资报酬；\n"
    "（三）法定休假日安排劳动者工作的，支付不低于工资的百分之三百的工资报酬。")


def test_the_case_the_question_states_picks_its_item_of_a_graded_list():
    # the items each state their own case: the one the question's condition words hold answers, alone
    rest_day = lead_sentence("礼拜天加班，工资按多少给", [_OVERTIME], ["加班", "工资"], None, ["休息日", "延长工作时间"])
    assert rest_day.sentence.startswith("休息日安排劳动者工作") and "百分之一百五十" not in rest_day.sentence
    holiday = lead_sentence("法定休假日上班工资最少按多少给", [_OVERTIME], ["法定休假日", "上班", "工资"])
    assert holiday.sentence.startswith("法定休假日安排劳动者工作") and "百分之三百" in holiday.sentence
    # a question about two of the cases gets both
    both = lead_sentence("平常加班工资咋算？礼拜天加班呢？", [_OVERTIME], ["加班", "工资"], None, ["休息日", "延长工作时间"])
    assert "百分之一百五十" in both.sentence and "百分之二百" in both.sentence


@pytest.mark.parametrize(("question", "kind"), [
    ("失业金咋算", "amount"), ("工伤了咋整", "procedure"), ("监察一年来检查几回", "amount"),
    ("有没有啥补贴", "yesno"),
])
def test_colloquial_question_words_are_read_as_the_standard_ones(question, kind):
    assert answer_type(question) == kind


def test_a_quantity_outside_the_rule_s_case_turns_its_answer():
    # 天 against 小时: two days and a half are more than 48 hours, twenty hours are not
    sudden = law_text("第十五条 职工有下列情形之一的，视同工伤：\n（一）在工作时间和工作岗位，突发疾病死亡或者在48小时之内经抢救无效死亡的；")
    words = ["工作岗位", "突发疾病", "抢救", "死亡", "工伤"]
    assert lead_sentence("在工作岗位突发疾病，抢救了两天半还是死亡了，算工伤吗", [sudden], words).sentence.startswith("不算")
    assert lead_sentence("在工作岗位突发疾病，抢救了20个小时死亡了，算工伤吗", [sudden], words).sentence.startswith("算")


def test_a_decision_the_court_upholds_gives_the_answer_its_polarity():
    court = law_text("第五条 职工因工外出期间从事与工作无关的个人活动受到伤害，社会保险行政部门不认定为工伤的，人民法院应予支持。")
    lead = lead_sentence("出差期间自己去景点玩受了伤，算工伤吗", [court], ["因工外出", "个人活动", "受到伤害", "工伤"])
    assert lead.sentence.startswith("不算")


def test_a_rule_that_requires_a_legal_basis_answers_freely_with_no():
    basis = law_text("第十条 社会保险经办机构要求其提供身份证件以外的其他证明材料的，应当有法律、法规和国务院决定依据。")
    lead = lead_sentence("经办机构可以随意要求开各种证明吗", [basis], ["经办机构", "证明"])
    assert lead.sentence.startswith("不可以")


def test_a_share_asked_of_one_party_takes_that_party_s_sentence():
    shares = law_text("第六条 城镇企业事业单位按照本单位工资总额的2%缴纳失业保险费。城镇企业事业单位职工按照本人工资的1%缴纳失业保险费。")
    words = ["失业保险费", "工资", "缴纳"]
    assert "1%" in lead_sentence("失业保险我自己每月交工资的百分之几", [shares], words).sentence
    assert "2%" in lead_sentence("失业保险公司按工资的百分之几交", [shares], words).sentence


def test_refusing_what_a_rule_forbids_is_a_yes():
    nursing = law_text("第六十三条 不得安排女职工在哺乳未满一周岁的婴儿期间从事国家规定的第三级体力劳动强度的劳动，"
                       "不得安排其延长工作时间和夜班劳动。")
    words = ["哺乳", "夜班"]
    assert lead_sentence("孩子才半岁还在喂奶，单位让我上夜班，我可以拒绝吗", [nursing], words).sentence.startswith("可以：")
    assert lead_sentence("孩子才半岁，单位能安排我上夜班吗", [nursing], words).sentence.startswith("不能：")


def test_paying_with_goods_instead_of_the_required_form_is_a_no():
    wages = law_text("第五十条 工资应当以货币形式按月支付给劳动者本人。不得克扣或者无故拖欠劳动者的工资。")
    lead = lead_sentence("厂里想拿米面油抵一部分工资，可以吗", [wages], ["工资", "米面油"], None, ["货币形式"])
    assert lead.sentence.startswith("不可以：工资应当以货币形式")


_DEATH = law_text(
    "第三十九条 职工因工死亡，其近亲属按照下列规定从工伤保险基金领取丧葬补助金、供养亲属抚恤金和一次性工亡补助金：\n\n"
    "(一)丧葬补助金为6个月的统筹地区上年度职工月平均工资；\n\n"
    "(二)供养亲属抚恤金按照职工本人工资的一定比例发给由因工死亡职工生前提供主要生活来源、无劳动能力的亲属。"
    "标准为：配偶每月40%，其他亲属每人每月30%。核定的各供养亲属的抚恤金之和不应高于因工死亡职工生前的工资。"
    "供养亲属的具体范围由国务院社会保险行政部门规定；\n\n"
    "(三)一次性工亡补助金标准为上一年度全国城镇居民人均可支配收入的20倍。\n\n"
    "伤残职工在停工留薪期内因工伤导致死亡的，其近亲属享受本条第一款规定的待遇。")


def test_the_item_that_names_what_was_asked_answers_not_one_its_heading_names():
    words = ["一次性工亡补助金", "一次性", "补助金", "多少"]
    assert "20倍" in first_sentence(lead_sentence("老公因工去世，家里能拿多少一次性工亡补助金", [_DEATH], words).sentence)
    assert "6个月" in first_sentence(lead_sentence("因工去世了丧葬补助金给多少", [_DEATH], ["丧葬补助金", "多少"]).sentence)


def test_the_later_sentences_of_an_item_belong_to_its_list():
    from shebao.assistant.lead import _units

    heads = dict(_units(_DEATH.text))
    assert heads["核定的各供养亲属的抚恤金之和不应高于因工死亡职工生前的工资。"].startswith("职工因工死亡")
    assert heads["(三)一次性工亡补助金标准为上一年度全国城镇居民人均可支配收入的20倍。"].startswith("职工因工死亡")
    assert heads["伤残职工在停工留薪期内因工伤导致死亡的，其近亲属享受本条第一款规定的待遇。"] == ""


def test_a_period_asked_is_the_one_that_closes_the_paragraph_about_what_was_asked():
    transfer = law_text("第十三条 参保人员跨统筹地区就业需要转移医疗保险关系的，应当提交身份证明和转出地出具的参保凭证。"
                        "经办机构应当自收到材料之日起15个工作日内办结。\n"
                        "用人单位申请注销社会保险登记的，应当提交注销证明。经办机构应当在30日内办结。")
    lead = lead_sentence("换城市工作了，医保关系转移要等多久", [transfer], ["医保", "转移", "关系", "多久"], None, ["医疗保险"])
    assert "15个工作日" in first_sentence(lead.sentence)


def test_a_fee_question_is_answered_by_the_sentence_that_says_whether_it_costs():
    records = law_text("第七十四条 社会保险经办机构应当及时为用人单位建立档案，完整、准确地记录缴费数据。\n"
                       "用人单位和个人可以免费向社会保险经办机构查询、核对其缴费和享受社会保险待遇记录。")
    rights = law_text("第四条 用人单位和个人依法缴纳社会保险费，有权查询缴费记录、个人权益记录，要求社会保险经办机构提供咨询服务。")
    lead = lead_sentence("想到窗口查一下单位给我交的缴费记录，要钱吗", [records, rights], ["查", "缴费", "记录", "个人权益", "单位"])
    assert lead.sentence.startswith("不收费：用人单位和个人可以免费")


def test_whether_the_person_pays_is_answered_by_what_the_person_pays():
    maternity = law_text("第五十三条 职工应当参加生育保险，由用人单位按照国家规定缴纳生育保险费，职工不缴纳生育保险费。")
    injury = law_text("第十条 用人单位应当按时缴纳工伤保险费。职工个人不缴纳工伤保险费。\n"
                      "用人单位缴纳工伤保险费的数额为本单位职工工资总额乘以单位缴费费率之积。")
    assert lead_sentence("生育保险要不要我自己掏钱", [maternity], ["生育保险"]).sentence.startswith("不用：")
    lead = lead_sentence("工伤保险俺自己要交一部分吗", [injury], ["工伤保险", "一部分"], None, ["工伤保险费"])
    assert lead.sentence.startswith("不用：职工个人不缴纳工伤保险费")


def test_the_no_of_still_and_of_a_need():
    stop = law_text("第十五条 失业人员在领取失业保险金期间有下列情形之一的，停止领取失业保险金：\n（一）重新就业的；\n（二）应征服兵役的；")
    assert lead_sentence("领失业金的时候去当兵了，失业金还发不", [stop], ["失业保险金", "当兵", "服兵役"]).sentence.startswith("不发了：")
    assert yes_no_words("医保卡里的钱要不要交个税") == ("要", "不用")


_APPLICATION = law_text(
    "第十七条 职工发生事故伤害，所在单位应当自事故伤害发生之日起30日内，向统筹地区社会保险行政部门提出工伤认定申请。\n"
    "用人单位未按前款规定提出工伤认定申请的，工伤职工或者其近亲属在事故伤害发生之日起1年内，可以直接向社会保险行政部门提出工伤认定申请。")


def test_a_period_asked_of_whoever_acts_in_the_asking_clause():
    words = ["工伤", "认定", "申请", "多久"]
    assert "1年" in first_sentence(lead_sentence("厂里出了事故没给报，我们自己去提工伤认定申请，最多能隔多久", [_APPLICATION], words).sentence)
    assert "30日" in first_sentence(lead_sentence("出了事故，公司提工伤认定申请最多能隔多久", [_APPLICATION], words).sentence)


def test_the_party_named_as_an_object_is_not_who_acts():
    from shebao.assistant.lead import _asking_party

    assert _asking_party("单位不给办，我自己能去申请吗") == "person"
    assert _asking_party("社保局会不会把我的病历给别人看") is None


def test_the_sentence_whose_single_condition_the_question_meets_answers():
    contract = law_text("第二十条 劳动合同的期限分为有固定期限、无固定期限和以完成一定的工作为期限。\n"
                        "劳动者在同一用人单位连续工作满十年以上，当事人双方同意续延劳动合同的，如果劳动者提出订立无固定期限的劳动合同，"
                        "应当订立无固定期限的劳动合同。")
    question = "同一家公司干了12年，续合同时能签无固定期限劳动合同吗"
    assert answer_type(question) == "yesno"  # 无固定期限 names a kind of contract, not a period asked
    lead = lead_sentence(question, [contract], ["公司", "劳动合同", "无固定期限"])
    assert lead.sentence.startswith("能：劳动者在同一用人单位连续工作满十年以上")


def test_an_order_defied_is_answered_by_what_follows_the_defiance():
    wages = law_text("第二十六条 用人单位有下列行为之一的，由劳动保障行政部门分别责令限期支付劳动者的工资报酬、劳动者工资低于当地最低工资标准的差额"
                     "或者解除劳动合同的经济补偿；逾期不支付的，责令用人单位按照应付金额50%以上1倍以下的标准计算，向劳动者加付赔偿金：\n"
                     "(一)克扣或者无故拖欠劳动者工资报酬的；\n(二)支付劳动者的工资低于当地最低工资标准的。")
    lead = lead_sentence("监察大队责令老板把克扣的工资还我，老板拒不支付怎么办", [wages], ["责令", "克扣", "工资", "支付"])
    assert first_sentence(lead.sentence).startswith("逾期不支付的，责令用人单位按照应付金额50%以上1倍以下")
