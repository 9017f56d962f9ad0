"""General mechanisms for questions nobody tuned on (issue 18, items 4-5): typos of pinyin input,
everyday speech, the branch of insurance asked, field words in another sense.

None of these questions is taken from a question set.
"""

from __future__ import annotations

import numpy as np

from shebao.assistant.field import in_field
from shebao.assistant.lexicon import default_lexicon, standard_words
from shebao.assistant.spelling import correct_typos


def test_a_mistyped_domain_term_is_corrected_by_its_sound():
    assert correct_typos("失业近能领几个月") == "失业金能领几个月"  # 近 jìn / 金 jīn: tones aside
    assert correct_typos("社宝断了半年怎么办") == "社保断了半年怎么办"
    assert correct_typos("生育津铁怎么算") == "生育津贴怎么算"
    assert correct_typos("停工留新期多长") == "停工留薪期多长"
    assert correct_typos("公伤认定要多久") == "工伤认定要多久"  # 公伤: one of jieba's rarest words


def test_a_long_term_is_read_through_one_character_of_a_near_sound():
    # 检 jian / 险 xian: the same final, an initial of the same place, the rest of the term in place
    assert correct_typos("交了18年养老保检，能领多少") == "交了18年养老保险，能领多少"
    # 拿 na / 发 fa rhyme, but their initials are said apart: 工资照拿 stays
    assert correct_typos("在家养伤工资照拿吗") == "在家养伤工资照拿吗"


def test_a_word_a_character_inside_a_word_or_a_function_word_is_no_typo():
    for question in (
        "工商局在哪",  # 工商 is a word, not 工伤
        "工伤认定一般要多久才出结果",  # 结 of 结果 is not the 差 of 出差
        "女职工生孩子产假有多少天",  # 女 of 女职工 is not the 入 of 入职
        "工伤职工退休了伤残津贴还发吗",  # 还 stands alone but is a function word: not 复发
        "没有单位的个体户怎么交养老保险",  # 么 of 怎么 is not 没
    ):
        assert correct_typos(question) == question


def test_a_typo_does_not_hide_the_field():
    assert in_field("社宝断交了咋办")  # 社宝 is no term of the field, 社保 is
    assert in_field("生二胎的产价休几天")


def test_a_mistyped_term_is_searched_as_the_term(laws_kb):
    from shebao.assistant.retrieval import Retriever

    result = Retriever(laws_kb).search("停工留新期最长多久")
    assert "停工留薪期" in result.query
    assert result.hits[0].article.key == ("工伤保险条例", 33)


def test_a_pronoun_inside_an_everyday_phrase_does_not_break_it():
    lexicon = default_lexicon()
    assert "没给上" in lexicon.matches("单位没给俺上社保")
    assert "未参加" in lexicon.expand("公司一直没给我们上社保")


def test_a_branch_said_short_is_searched_by_its_name():
    assert "工伤保险" in default_lexicon().expand("工伤险是单位交还是个人交")
    assert "失业保险" in default_lexicon().expand("失业险断了半年")


def test_a_place_abroad_is_what_the_law_calls_abroad():
    assert "境外" in default_lexicon().expand("去日本出差时生病住院，医保管不管")
    assert "境外" not in default_lexicon().expand("在北京住院医保能报多少")


def test_dialect_words_are_read_as_standard_ones():
    assert "开什么证明" in default_lexicon().matches("离职了单位该给开啥证明")
    assert standard_words("俺咋办") == "我怎么办"


def test_an_article_of_another_branch_than_the_one_asked_gives_way(laws_kb):
    from shebao.assistant.retrieval import Retriever

    retriever = Retriever(laws_kb)
    laws = np.array([a.law for a in laws_kb.articles])
    medical_only = retriever._other_branch("住院的钱医保能先给报吗")
    assert medical_only[laws == "工伤保险条例"].all()
    assert not medical_only[laws == "医疗保障基金使用监督管理条例"].any()
    assert not medical_only[laws == "中华人民共和国劳动法"].any()  # a text of no branch is left alone
    assert not retriever._other_branch("工伤住院的钱医保能报吗")[laws == "工伤保险条例"].any()  # both named
    assert not retriever._other_branch("单位不签合同怎么办").any()  # no branch named
    hits = retriever.search("骑电瓶车摔了住院，肇事的找不到了，医保能先报吗").hits
    assert hits[0].article.law != "工伤保险条例"


def test_field_words_in_another_sense_or_as_the_scene_are_not_the_field():
    for question in (
        "商业养老保险哪家好",  # a commercial policy
        "合同诈骗罪判几年",  # a crime
        "退休了学什么乐器好",  # 退休了 sets the scene
        "失业后心情不好怎么调节",
        "单位附近哪里停车方便",  # a place
        "孩子发烧去哪个医院好",  # health care without money or rights
    ):
        assert not in_field(question), question
    for question in (
        "退休了还能补缴社保吗",
        "住院花的钱能报销多少",
        "定点医院违反协议会怎样",
        "下班后加班，加班费咋算",
        "公司楼下摔伤了算工伤吗",
    ):
        assert in_field(question), question


def test_a_person_of_a_country_abroad_is_a_foreigner():
    lexicon = default_lexicon()
    assert "外国人" in lexicon.expand("厂里来了个德国人当技术员，社保怎么交")
    assert "外国人" in lexicon.expand("外籍员工能不能参加医保")
    assert "外国人" not in lexicon.expand("香港人来内地上班要交社保吗")  # not a foreigner
    assert "外国人" not in lexicon.expand("去日本出差时生病住院，医保管不管")  # abroad, no foreigner


def test_a_childs_age_is_the_laws_age_limit(laws_kb):
    from shebao.assistant.retrieval import Retriever

    lexicon = default_lexicon()
    assert "未满十六周岁" in lexicon.expand("十四岁的孩子暑假能去饭店打工吗")
    assert "未成年工" in lexicon.expand("17岁的学徒能上夜班吗")
    assert "未满十六周岁" not in lexicon.expand("干了30岁了社保交几年")
    hits = Retriever(laws_kb).search("小孩才13岁，工地能雇他干活吗").hits
    assert hits[0].article.key == ("中华人民共和国劳动法", 15)


def test_who_has_to_prove_it_is_the_burden_of_proof(laws_kb):
    from shebao.assistant.retrieval import Retriever

    assert "举证责任" in default_lexicon().expand("单位说我不是在干活时受的伤，该谁出证据")
    hits = Retriever(laws_kb).search("摔伤了我说是工伤，老板说不算，该谁来证明").hits
    assert ("工伤保险条例", 19) in [h.article.key for h in hits[:3]]


def test_a_wrong_done_long_ago_asks_for_the_time_limit(laws_kb):
    from shebao.assistant.retrieval import Retriever

    assert "不再查处" in default_lexicon().expand("三年前少发的工资现在去举报还有用吗")
    assert "不再查处" not in default_lexicon().expand("去年交的社保能查到吗")
    hits = Retriever(laws_kb).search("老板好几年前欠的工资，现在去劳动监察投诉还给查吗").hits
    assert hits[0].article.key == ("劳动保障监察条例", 20)


def test_a_move_to_work_elsewhere_is_the_laws_cross_region_employment():
    assert "跨统筹地区就业" in default_lexicon().expand("在山东交了五年养老保险，去上海工作了怎么办")
    assert "跨统筹地区就业" in default_lexicon().expand("回老家上班了，外地交的社保咋弄")
    assert "跨统筹地区就业" not in default_lexicon().expand("去公司上班第一天就受伤了")


def test_a_city_names_its_province(laws_kb):
    from shebao.assistant.lexicon import provinces_named
    from shebao.assistant.retrieval import REGIONAL_FACTOR, Retriever

    assert provinces_named("在宁波上班受了工伤") == {"浙江"}
    assert provinces_named("在外地上班") == set()
    retriever = Retriever(laws_kb)
    laws = np.array([a.law for a in laws_kb.articles])
    zhejiang = laws == "浙江省工伤保险条例"
    assert (retriever._regional_weights("温州工伤伤残津贴怎么算")[zhejiang] == 1.0).all()
    assert (retriever._regional_weights("工伤伤残津贴怎么算")[zhejiang] == REGIONAL_FACTOR).all()


def test_health_and_diet_beside_a_weak_term_are_not_the_field():
    assert not in_field("公司体检说我血压高，吃什么能降")
    assert not in_field("单位发的奖金要交多少个人所得税")  # taxes
    assert not in_field("公司停车场的车被人划了找谁")  # cars
    assert in_field("高血压门诊费用医保能报吗")  # a strong term decides


def test_disagreeing_with_an_assessment_asks_for_a_second_assessment():
    assert "再次鉴定" in default_lexicon().expand("职业病致残等级定得太轻，我不服，找谁")
    assert "再次鉴定" not in default_lexicon().expand("工伤认定决定不服怎么办")  # a decision, not an assessment


def test_a_shared_function_word_is_no_evidence_of_a_typo():
    assert correct_typos("离退休还差两年，能先领养老金吗") == "离退休还差两年，能先领养老金吗"  # not 还查
