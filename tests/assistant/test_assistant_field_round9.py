"""Knowing the field, ninth round: a question without any weak term, and everyday words the laws use.

The questions here are h3's own, written for these tests: none is in the shipped question sets or in
the probe files (tests/assistant/data/field_probes*.yaml), which are checked as a whole below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shebao.assistant.field import bundled_field_words, in_field

PROBES = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    "question",
    [
        "我五十八了，还能按月拿到钱吗",  # money due asked, no weak term at all
        "老爷子没了，他账上那些钱能退回来吗",
        "被裁了以后，国家每月能给点钱不",
        "干了一年多，包工头到现在不给钱，去哪要",  # a role of work said in everyday words
    ],
)
def test_money_due_or_a_role_of_work_makes_the_question_the_fields(question):
    assert in_field(question, bundled_field_words())


@pytest.mark.xfail(strict=True, reason="a right asked of an everyday noun (站点) reads as asked of a thing")
def test_a_right_asked_of_a_workplace_named_in_everyday_words():
    assert in_field("做骑手的路上摔了一跤，站点管不管", bundled_field_words())


@pytest.mark.parametrize(
    "question",
    [
        "小区门口被电动车撞了，谁负责",  # blame asked with no word of the field: any law's
        "楼上漏水把我家天花板泡坏了，这算不算违法",
        "饭店里吃出了头发，合法吗",
    ],
)
def test_lawfulness_or_blame_asked_without_a_word_of_the_field_stays_out(question):
    assert not in_field(question, bundled_field_words())


@pytest.mark.parametrize(
    "question",
    [
        "单位体检的时候顺便想做个美甲，哪种不伤指甲",  # a dictionary noun the laws never name (美甲)
        "住院这段时间想学下围棋，先看哪本书",  # a phase of a term is the scene
        "怀孕三个月了还能泡温泉吗",  # after a modal a noun is a verb-object word
    ],
)
def test_an_everyday_matter_beside_a_field_word_stays_out(question):
    assert not in_field(question, bundled_field_words())


@pytest.mark.xfail(
    strict=True, reason="a strong term as the scene and an asked part saying nothing is accepted"
)
def test_a_strong_term_as_the_scene_of_a_question_that_says_nothing():
    assert not in_field("医保局那边办完事想去看电影，附近哪家好", bundled_field_words())


def test_the_third_probe_set():
    """h3's probes (20 off-field with words of the field, 20 colloquial in-field without obvious
    terms), written before round 9 changed field.py: it accepted 8 off-field and refused 18 in-field
    ones; after it, 6 and 6. Round 9 read these probes, so their figures after are optimistic."""
    words = bundled_field_words()
    probes = yaml.safe_load((PROBES / "field_probes3.yaml").read_text(encoding="utf-8"))
    off = [q for q in probes["off_field"] if in_field(q, words)]
    refused = [q for q in probes["in_field"] if not in_field(q, words)]
    assert len(off) <= 6, off
    assert len(refused) <= 6, refused


def test_personal_information_holding_another_fields_word_is_the_fields():
    """手机号 holds 手机 (a phone, another field's subject) but is personal information; the phone
    itself stays another field's."""
    words = bundled_field_words()
    assert in_field("单位把我们的手机号发到外面的群里，合法吗", words)
    assert not in_field("新换的手机怎么导入通讯录", words)
