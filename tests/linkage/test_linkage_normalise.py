"""Chinese-aware normalisation and the keyed comparison features."""

from __future__ import annotations

from datetime import date

import pytest

from shebao.linkage import normalise as nz
from shebao.linkage.features import FeatureStats, PersonInput, Tokeniser


@pytest.mark.parametrize("written", ["阿卜杜拉·买买提", "阿卜杜拉•买买提", "阿卜杜拉・买买提", "阿卜杜拉买买提",
                                     "阿卜杜拉 买买提", "阿卜杜拉．買買提"])
def test_every_middle_dot_variant_folds_to_one_name(written):
    assert nz.fold_name(written) == "阿卜杜拉买买提"


def test_traditional_folds_to_simplified_and_spaces_go():
    assert nz.fold_name("張 偉") == nz.fold_name("张伟") == "张伟"
    assert nz.fold_name("歐陽婧") == "欧阳婧"


def test_surname_split_compound_and_dotted_and_swapped():
    assert nz.split_surname("欧阳婧") == ("欧阳", "婧")
    assert nz.split_surname("王伟") == ("王", "伟")
    assert nz.split_surname("阿卜杜拉·买买提") == ("阿卜杜拉", "买买提")
    assert nz.swapped_name("阿卜杜拉·买买提") == "买买提阿卜杜拉"
    assert nz.swapped_name("王伟") == "伟王"


def test_polyphonic_characters_give_every_reading():
    readings = nz.pinyin_readings("单丽")
    assert {"danli", "shanli"} <= set(readings)
    assert "zengli" in nz.pinyin_readings("曾丽") and "cengli" in nz.pinyin_readings("曾丽")


def test_near_homophones_meet_after_dialect_mergers():
    # zh/z, n/l and -ng/-n mergers: 张/臧 are not homophones but near ones; 宁/林 likewise
    assert not set(nz.pinyin_readings("张宁")) & set(nz.pinyin_readings("臧林"))
    assert set(nz.fuzzy_readings("张宁")) & set(nz.fuzzy_readings("臧林"))


def test_id_upgrade_validity_and_what_it_encodes():
    old = "370102650120131"
    new = nz.upgrade_id(old)
    assert new is not None and len(new) == 18 and new.startswith("37010219650120131")
    assert nz.id_is_valid(new)
    assert nz.id_birth(new) == date(1965, 1, 20) and nz.id_sex(new) == "M"
    typo = new[:10] + ("2" if new[10] != "2" else "3") + new[11:]
    assert nz.upgrade_id(typo) == typo and not nz.id_is_valid(typo)
    assert nz.upgrade_id("12345") is None and nz.upgrade_id("37010219650120131A") is None


def test_features_hold_tokens_not_data_and_agree_across_spellings():
    tok = Tokeniser(b"k" * 32)
    stats = FeatureStats()
    a = tok.features(PersonInput("A", "張偉", "370102650120131", None, None, "370102", "138 1234 5678"), stats)
    b = tok.features(PersonInput("B", "张伟", "37010219650120131X", "M", date(1965, 1, 20), "370202",
                                 "+86 13812345678"), stats)
    assert a["name_tok"] == b["name_tok"] and a["phone_tok"] == b["phone_tok"]
    assert a["birth_date"] == date(1965, 1, 20) and a["sex"] == "M"  # from the ID number
    # same ID body: all 17 body positions agree, the check character of B is wrong (typed X)
    assert len(set(a["id_pos"]) & set(b["id_pos"])) == 17 and a["id_valid"] and not b["id_valid"]
    assert stats.invalid_id == 1 and stats.invalid_ids == ["B"]
    values = [v for row in (a, b) for v in row.values()]
    assert not any(isinstance(v, str) and ("张" in v or "138" in v or "370102196" in v) for v in values)
    # another key gives other tokens: nothing is comparable across instances
    assert Tokeniser(b"x" * 32).features(PersonInput("A", "張偉", None, None, None, None, None),
                                         FeatureStats())["name_tok"] != a["name_tok"]
