"""Issue 21's transfer plan: every figure to the fen against cases computed by hand (in the comments)."""

from __future__ import annotations

import pytest

from shebao.policy.common import InputError
from shebao.policy.transfer import LAW_ARTICLE_19, plan_from_input


def _c(region: str, year: int, months: int, base: str) -> dict:
    return {"region": region, "year": year, "months": months, "monthly_base": base}


def _input(**over) -> dict:
    base = {"from_region": "110101", "to_region": "370202", "date": "2025-06-02", "household_region": "370200",
            "birth_date": "1990-03-01", "sex": "F", "contributions": [], "account_balance": "0",
            "account_pre1998_own": "0"}
    base.update(over)
    return base


def _figures(out: dict) -> tuple:
    return (out["kind"], out["personal_account_transfer"], out["pooled_fund_transfer"], out["total_transfer"],
            out["years_combined"], out["temporary_account"], out["pension_place"])


def test_after_1998_part_year_pooled_12_percent_of_the_place_left_only():
    out = plan_from_input(_input(contributions=[
        _c("110101", 2015, 12, "5000.00"),   # 60000.00
        _c("110105", 2016, 7, "5500.55"),    # 38503.85 (another district of Beijing: the same province left)
        _c("370202", 2010, 12, "3000"),      # Shandong: not in the place being left
    ], account_balance="30000.00"))
    # pooled 12% × 98503.85 = 11820.462 → 11820.46; personal = the whole post-1998 account 30000.00
    # years (12 + 7 + 12) / 12 = 2.5833 → 2.58; relationship in Shandong = household province → 370200
    assert _figures(out) == ("cross_province", "30000.00", "11820.46", "41820.46", "2.58", False, "370200")
    assert set(out) == {"kind", "personal_account_transfer", "pooled_fund_transfer", "total_transfer",
                        "years_combined", "temporary_account", "pension_place", "trace"}
    pooled = next(t for t in out["trace"] if t["figure"] == "pooled_fund_transfer")
    assert [y["year"] for y in pooled["years"]] == [2015, 2016]
    assert pooled["inputs"]["wage_sum"] == "98503.85"
    assert pooled["source_level"] == "secondary" and pooled["verified"] is False
    assert "国办发〔2009〕66号" in pooled["reference"] and "第四条" in pooled["reference"]


def test_pooled_part_is_rounded_once_at_the_end_not_per_year():
    # 2019: 1 month × 1.04 = 1.04 → 12% = 0.1248; 2020 the same: per year 0.12 + 0.12 = 0.24,
    # once at the end 12% × 2.08 = 0.2496 → 0.25
    out = plan_from_input(_input(contributions=[_c("110101", 2019, 1, "1.04"), _c("110101", 2020, 1, "1.04")],
                                 account_balance="0.01"))
    assert out["pooled_fund_transfer"] == "0.25"
    assert out["total_transfer"] == "0.26"
    assert out["years_combined"] == "0.17"  # 2 / 12 = 0.1667


def test_before_1998_own_contributions_with_interest_and_no_pooled_part_before_1998():
    out = plan_from_input(_input(
        birth_date="1975-08-15", sex="M",
        contributions=[_c("110101", 1995, 12, "600.00"), _c("110101", 1996, 12, "700.00"),
                       _c("110101", 1997, 6, "800.00"),        # pre-1998: no pooled part
                       _c("110101", 1998, 12, "900.00"),       # 10800.00
                       _c("110101", 1999, 3, "1000.33")],      # 3000.99
        account_balance="50000.00", account_pre1998_total="8000.00", account_pre1998_own="5000.00"))
    # personal = 50000.00 − 8000.00 + 5000.00 = 47000.00 (the employer's pre-1998 part stays)
    # pooled 12% × (10800.00 + 3000.99) = 12% × 13800.99 = 1656.1188 → 1656.12
    # years (12+12+6+12+3) = 45 months = 3.75; age 49 → no temporary account (household Shandong, moving home)
    assert _figures(out) == ("cross_province", "47000.00", "1656.12", "48656.12", "3.75", False, "370200")
    personal = next(t for t in out["trace"] if t["figure"] == "personal_account_transfer")
    assert personal["inputs"] == {"account_balance": "50000.00", "account_pre1998_total": "8000.00",
                                  "account_pre1998_own": "5000.00"}


def test_without_pre1998_total_the_whole_balance_moves():
    out = plan_from_input(_input(contributions=[_c("110101", 1997, 12, "500")], account_balance="1234.56",
                                 account_pre1998_own="234.56"))
    assert (out["personal_account_transfer"], out["pooled_fund_transfer"]) == ("1234.56", "0.00")


def test_temporary_account_man_of_50_outside_household_province_moves_nothing():
    out = plan_from_input(_input(
        from_region="110105", to_region="440305", household_region="370502", birth_date="1975-06-02", sex="M",
        contributions=[_c("110105", 2010, 12, "8000")], account_balance="20000.00"))
    # 50 on 2025-06-02 exactly; Guangdong is not Shandong → temporary account, relationship stays in Beijing
    # Beijing has 1 year (< 10), no earlier place → household collects: 370502
    assert _figures(out) == ("cross_province", "0.00", "0.00", "0.00", "1.00", True, "370502")
    temp = next(t for t in out["trace"] if t["figure"] == "temporary_account")
    assert temp["inputs"]["age"] == 50 and temp["inputs"]["threshold"] == 50


def test_no_temporary_account_the_day_before_the_50th_birthday_or_when_moving_home():
    young = plan_from_input(_input(from_region="110105", to_region="440305", household_region="370502",
                                   birth_date="1975-06-03", sex="M", contributions=[], account_balance="1.00"))
    assert young["temporary_account"] is False and young["total_transfer"] == "1.00"
    home = plan_from_input(_input(from_region="110105", to_region="370502", household_region="370502",
                                  birth_date="1960-01-01", sex="M", contributions=[], account_balance="1.00"))
    assert home["temporary_account"] is False


def test_woman_of_40_opens_a_temporary_account():
    out = plan_from_input(_input(from_region="110105", to_region="440305", household_region="410102",
                                 birth_date="1985-06-02", sex="女", contributions=[], account_balance="9.99"))
    assert out["temporary_account"] is True and out["total_transfer"] == "0.00"


def test_pension_place_relationship_place_with_10_years():
    out = plan_from_input(_input(
        from_region="110105", to_region="440305", household_region="410102", birth_date="1990-01-01", sex="M",
        contributions=[_c("440305", y, 12, "5000") for y in range(2010, 2020)]      # 120 months in Guangdong
        + [_c("110105", 2020, 12, "6000")], account_balance="100.00"))
    assert out["pension_place"] == "440305"
    step = next(t for t in out["trace"] if t["figure"] == "pension_place")
    assert step["branch"] == "relationship_10_years"
    # pooled: only Beijing's 2020: 12% × 72000.00 = 8640.00
    assert out["pooled_fund_transfer"] == "8640.00"
    assert out["years_combined"] == "11.00"


def test_pension_place_the_most_recent_earlier_place_with_10_years():
    out = plan_from_input(_input(
        from_region="110105", to_region="310115", household_region="410102", birth_date="1980-01-01", sex="M",
        contributions=[_c("440305", y, 12, "3000") for y in range(2000, 2010)]     # Guangdong 10 years
        + [_c("320505", y, 12, "4000") for y in range(2010, 2020)]               # Jiangsu 10 years, later
        + [_c("110105", y, 12, "5000") for y in range(2020, 2025)], account_balance="0"))
    assert out["pension_place"] == "320505"
    step = next(t for t in out["trace"] if t["figure"] == "pension_place")
    assert step["branch"] == "earlier_10_years"
    # pooled: Beijing 2020–2024: 12% × 5 × 60000.00 = 36000.00; years 25
    assert (out["pooled_fund_transfer"], out["years_combined"]) == ("36000.00", "25.00")


def test_pension_place_household_collects_when_no_place_has_10_years():
    out = plan_from_input(_input(
        from_region="110105", to_region="310115", household_region="410102", birth_date="1980-01-01", sex="M",
        contributions=[_c("440305", y, 12, "3000") for y in range(2000, 2009)]     # 9 years
        + [_c("110105", 2009, 11, "5000")], account_balance="0"))                   # 119 months in all
    assert out["pension_place"] == "410102"
    assert next(t for t in out["trace"] if t["figure"] == "pension_place")["branch"] == "household_collects"
    assert out["years_combined"] == "9.92"  # 119 / 12 = 9.9167


def test_pension_place_household_when_the_relationship_is_there():
    out = plan_from_input(_input(
        from_region="110105", to_region="410105", household_region="410102", birth_date="1990-01-01", sex="M",
        contributions=[_c("110105", y, 12, "5000") for y in range(2010, 2022)], account_balance="0"))
    assert out["pension_place"] == "410102"
    assert next(t for t in out["trace"] if t["figure"] == "pension_place")["branch"] == "household"


def test_within_shandong_moves_the_record_only_and_says_so():
    out = plan_from_input(_input(from_region="370502", to_region="370202", household_region="370502",
                                 contributions=[_c("370502", 2020, 12, "5000")], account_balance="5000.00"))
    assert _figures(out) == ("within_province", "0.00", "0.00", "0.00", "1.00", False, "370502")
    kind = out["trace"][0]
    assert kind["figure"] == "kind" and "省级统筹" in kind["rule"]
    assert "山东" in kind["reference"] and kind["source_level"] == "secondary"


def test_law_article_19_text_is_the_corpus_text(corpus_dir):
    text = (corpus_dir / "社会保险法(2018-12-29).md").read_text(encoding="utf-8")
    assert "第十九条 " + LAW_ARTICLE_19 in text


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"household_region": None}, "household_region", "户籍所在地"),
    ({"to_region": "37020"}, "to_region", "6 位"),
    ({"to_region": "110101"}, "to_region", "相同"),
    ({"sex": "X"}, "sex", "性别"),
    ({"date": "2025-02-30"}, "date", "年-月-日"),
    ({"contributions": [_c("110101", 2015, 13, "1")]}, "contributions[0].months", "1 到 12"),
    ({"contributions": [_c("110101", 2015, 12, "1"), _c("370202", 2015, 1, "1")]}, "contributions[1].months", "超过 12"),
    ({"contributions": [_c("110101", 2015, 2, "abc")]}, "contributions[0].monthly_base", "月缴费基数"),
    ({"contributions": [_c("110101", 2030, 2, "1")]}, "contributions[0].year", "年度"),
    ({"contributions": [{"region": "x", "year": 2015, "months": 1, "monthly_base": 1}]}, "contributions[0].region", "地区"),
    ({"contributions": "none"}, "contributions", "列表"),
    ({"account_balance": "12.345"}, "account_balance", "个人账户储存额"),
    ({"account_pre1998_own": "10", "account_balance": "5"}, "account_pre1998_own", "不能大于"),
    ({"drawing_pension": True}, "drawing_pension", "不再转移"),
    ({"from_region": "410101", "to_region": "410102"}, "to_region", "未收录"),
])
def test_bad_input_names_the_field(change, field, words):
    with pytest.raises(InputError) as err:
        plan_from_input(_input(**change))
    assert err.value.field == field
    assert words in str(err.value)
