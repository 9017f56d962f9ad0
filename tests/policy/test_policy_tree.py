"""The parameter tree: every value referenced, typed and dated; the loader refuses malformed trees."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shebao.policy import Override, ParameterError, ParameterMissing, load_parameters
from shebao.policy.paramset import ParameterSet
from shebao.policy.tree import PARAMETERS_DIR, UNITS, iter_entries, load_tree, region_chain


def test_every_value_has_reference_unit_and_effective_date() -> None:
    tree = load_tree()
    assert len(tree) >= 50
    files = list(PARAMETERS_DIR.rglob("*.yaml"))
    assert files
    seen = 0
    for name, param in tree.items():
        assert param.unit in UNITS, name
        assert param.description, name
        for region, entry in iter_entries(param):
            seen += 1
            assert isinstance(entry.effective, dt.date), (name, region)
            assert entry.reference, (name, region, entry.effective)
            for ref in entry.reference:
                assert ref["title"].strip(), (name, region)
                assert ref.get("article") or ref.get("document"), (name, region, entry.effective)
            if entry.value is None:
                assert entry.note or param.note, f"{name}: a missing value says why"
    assert seen >= 80


def test_issue_facts_are_encoded() -> None:
    ps = load_parameters()
    d = dt.date
    assert ps.get("pension.base", d(2023, 6, 1), "370000").value == 7468
    assert ps.get("pension.base", d(2024, 6, 1), "370000").value == 7678
    assert ps.get("pension.base", d(2025, 6, 1), "370000").value == 7831
    assert [ps.get("wages.average_annual", d(y, 1, 1), "370000").value for y in (2022, 2023, 2024)] == [84831, 88313, 90072]
    rates = [str(ps.get("pension.account.interest_rate", d(y, 1, 1)).value) for y in range(2016, 2025)]
    assert rates == ["0.0831", "0.0712", "0.0829", "0.0761", "0.0604", "0.0669", "0.0612", "0.0397", "0.0262"]
    with pytest.raises(ParameterMissing):
        ps.get("pension.account.interest_rate", d(2015, 1, 1))
    table = ps.get("pension.annuity_divisor", d(2025, 1, 1))
    assert table.value[40] == 233 and table.value[60] == 139 and table.value[70] == 56 and len(table.value) == 31
    assert table.value[47] == 208 and table.unconfirmed_keys == (47,)
    assert ps.get("pension.account.contribution_rate", d(2005, 12, 31)).value == ps.get("pension.account.contribution_rate", d(1998, 1, 1)).value
    assert str(ps.get("pension.account.contribution_rate", d(2006, 1, 1)).value) == "0.08"
    assert [ps.get("pension.min_contribution_months", d(y, 6, 1)).value for y in (2029, 2030, 2035, 2039, 2045)] == [180, 186, 216, 240, 240]
    assert ps.get("injury.disability_grant_months", d(2025, 1, 1)).value == {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}
    assert ps.get("certification.cycle_days", d(2025, 1, 1)).value == 365
    assert ps.get("wages.national_urban_disposable_income", d(2024, 1, 1)).value == 54188


def test_region_chain_and_fallback() -> None:
    assert region_chain("370502") == ("370502", "370500", "370000", "000000")
    assert region_chain("370000") == ("370000", "000000")
    assert region_chain(None) == ("000000",)
    with pytest.raises(ParameterError):
        region_chain("37")
    ps = load_parameters()
    on = dt.date(2025, 6, 1)
    assert ps.get("pension.base", on, "370502").region == "370000"
    with pytest.raises(ParameterMissing):
        ps.get("pension.base", on, "110000")
    # a city value overrides the province; the province still holds for its other cities
    city = load_parameters([Override("pension.transitional.rate", "370500", dt.date(2006, 1, 1), "0.012", "测试")])
    assert str(city.get("pension.transitional.rate", on, "370502").value) == "0.012"
    assert str(city.get("pension.transitional.rate", on, "370100").value) == "0.013"


def test_publication_date_and_same_period() -> None:
    ps = load_parameters()
    on = dt.date(2025, 3, 1)
    assert ps.get("pension.base", on, "370000", known_on=dt.date(2025, 11, 30)).value == 7678
    assert ps.get("pension.base", on, "370000", known_on=dt.date(2025, 12, 1)).value == 7831
    with pytest.raises(ParameterMissing, match="2025"):
        ps.get("wages.national_urban_disposable_income", dt.date(2025, 1, 1), same_period=True)
    assert ps.get("wages.national_urban_disposable_income", dt.date(2025, 1, 1)).value == 54188


def test_missing_is_said_not_guessed() -> None:
    ps = load_parameters()
    with pytest.raises(ParameterMissing) as exc:
        ps.get("unemployment.benefit_amount", dt.date(2025, 1, 1), "370000")
    assert "unemployment.benefit_amount" in str(exc.value) and "未收录" in str(exc.value)


def _tree(tmp_path: Path, text: str) -> Path:
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD = """
description: 测试
values:
  2020-01-01: {value: 1, reference: {title: 某条例, article: 第一条}}
metadata: {unit: months}
"""


def test_loader_accepts_good_tree(tmp_path: Path) -> None:
    tree = load_tree(_tree(tmp_path, GOOD))
    assert tree["x"].regions["000000"][0].value == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("metadata:", "  2020-01-01: {value: 2, reference: {title: 某条例, article: 第一条}}\nmetadata:"), "重复"),
        (GOOD.replace("description: 测试", "description: 测试\ncolour: red"), "未知键"),
        (GOOD.replace(", reference: {title: 某条例, article: 第一条}", ""), "reference"),
        (GOOD.replace("article: 第一条", "href: x"), "article"),
        (GOOD.replace("unit: months", "unit: furlongs"), "单位"),
        (GOOD.replace("value: 1", "value: 1.5"), "整数"),
        (GOOD.replace("value: 1", "value: -1"), "负数"),
        (GOOD.replace("metadata: {unit: months}", ""), "unit"),
        (GOOD.replace("value: 1,", "value: 1, colour: red,"), "未知键"),
        (GOOD.replace("2020-01-01", "2020-13-01"), "日期"),
    ],
)
def test_loader_refuses(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        load_tree(_tree(tmp_path, text))


def test_duplicate_dates_in_yaml_are_refused(tmp_path: Path) -> None:
    # YAML itself would keep the last of two equal keys; the loader sees them as one date string twice
    text = GOOD.replace(
        "  2020-01-01: {value: 1, reference: {title: 某条例, article: 第一条}}",
        "  2020-01-01: {value: 1, reference: {title: 某条例, article: 第一条}}\n  '2020-01-01': {value: 2, reference: {title: 某条例, article: 第一条}}",
    )
    with pytest.raises(ParameterError, match="生效日期重复 2020-01-01"):
        load_tree(_tree(tmp_path, text))


def test_override_validation() -> None:
    ps = load_parameters()
    on = dt.date(2026, 1, 1)
    with pytest.raises(ParameterError, match="单位不符：参数 pension.base 的单位是 yuan/month，不是 yuan/year"):
        ps.with_overrides([Override("pension.base", "370000", on, "7990", "鲁人社字", unit="yuan/year")])
    with pytest.raises(ParameterError, match="不是数值：'abc'"):
        ps.with_overrides([Override("pension.base", "370000", on, "abc", "鲁人社字")])
    with pytest.raises(ParameterError, match=r"缺少出处（--reference）"):
        ps.with_overrides([Override("pension.base", "370000", on, "7990", " ")])
    with pytest.raises(ParameterError, match="没有这个参数"):
        ps.with_overrides([Override("pension.nonexistent", "370000", on, "1", "x")])
    with pytest.raises(ParameterError, match="比率应写成小数（如 0.08），不是百分数："):
        ps.with_overrides([Override("pension.basic.rate", "370000", on, "15", "x")])
    new = ps.with_overrides([Override("pension.base", "370000", on, "7990", "鲁人社字〔2026〕1号")])
    assert isinstance(new, ParameterSet)
    assert new.get("pension.base", dt.date(2026, 6, 1), "370000").value == 7990
    # old cases keep their own date's rules; the shipped set is unchanged
    assert new.get("pension.base", dt.date(2025, 6, 1), "370000").value == 7831
    with pytest.raises(ParameterMissing):
        ps.get("pension.base", dt.date(2026, 6, 1), "370000", same_period=True)
