"""Knowing the field when its terms only set the scene (round 8).

The questions are written for these tests, none taken from a question set or a probe file.
"""

from __future__ import annotations

import pytest

from shebao.assistant.field import FieldWords, bundled_field_words, evidence, in_field, joined_terms


@pytest.mark.parametrize(
    "question",
    [
        "社保中心对面那家面馆几点关门",  # a strong term naming a place: the noodle shop is asked about
        "人社局楼下的停车场怎么收费",
        "医保局旁边的公园几点开门",
        "工伤认定那天顺路买了件外套，这个牌子质量怎么样",  # the strong term is the time, not the question
        "老板刚提的新车是电动的，冬天续航能跑多远",  # the boss owns what is asked about
    ],
)
def test_a_strong_term_that_only_sets_the_scene_does_not_decide(question):
    assert not in_field(question)


@pytest.mark.parametrize(
    "question",
    [
        "一周要上七天班，一天干十一个小时，合法吗",  # 上…班 said apart
        "交了八年钱中途断过，还能补上吗",  # 交…钱 said apart
        "在江苏交了六年养老保险，回安徽以后那六年还算吗",  # a place name beside a strong term
        "工伤认定材料交上去了，要等几天出结果",  # the asked part follows up the strong term
        "网店后台被人攻破，员工的手机号和身份证号全泄露了，单位该不该告诉员工本人",  # 手机 is not asked about
        "退休以后一个月大概能领多少钱",  # a right asked of the time of life
        "没单位的个体户自己交养老，一年最少交多少",  # lacking a workplace is not owning by one
    ],
)
def test_a_question_of_the_field_told_around_its_terms_stays_in_it(question):
    assert in_field(question)


def test_a_term_said_apart_is_the_term():
    assert joined_terms("一周要上七天班") == "一周要上班"
    assert joined_terms("交了八年钱") == "交钱"
    assert joined_terms("公司不让走") == "公司不让走"  # nothing inserted, nothing changed


def test_a_strong_term_and_another_fields_subject_weigh_double():
    words = bundled_field_words()
    assert evidence("工伤认定", words) == [2]  # a term of the domain dictionary, untagged by jieba
    assert evidence("股票", words) == [-2]
    assert evidence("合法", words) == [1]


def test_the_scene_rule_follows_the_texts_indexed():
    """The asked part beside a strong term is judged by the knowledge base's own words: texts about
    noodle shops make the shop the field's."""
    question = "社保中心对面那家面馆几点关门"
    assert not in_field(question, bundled_field_words())
    noodles = FieldWords.of_texts([["面馆", "关门", "营业"]] * 3)
    assert in_field("工伤认定那天顺路去了面馆，面馆几点关门", noodles)
    assert not in_field("工伤认定那天顺路去了面馆，面馆几点关门", bundled_field_words())


def test_the_verb_a_modal_puts_in_focus_is_what_is_asked():
    """能不能 + an everyday verb the laws never use asks leave for a thing of everyday life; a verb of a
    result (领到, 拿到) tells how the field's matter ends."""
    assert not in_field("产假期间在家能不能染头发")
    assert in_field("工伤以后能不能领到一次性补助")
    assert in_field("加班费能不能拿到")


def test_a_verb_named_again_by_its_first_character_refers_back():
    assert in_field("想辞退我，公司说提前三天通知就能辞，对吗")
    assert in_field("合同快到期了，单位不想续，要怎么续")
