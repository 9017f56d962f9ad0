"""一次性工伤医疗补助金 and 伤残就业补助金 (Shandong, sourced; grades 8–9 就业补助金 not shipped)."""

from __future__ import annotations

import datetime as dt

import pytest

ON = dt.date(2024, 5, 1)


@pytest.mark.parametrize(("grade", "months"), [(5, 22), (6, 18), (7, 13), (8, 10), (9, 7), (10, 4)])
def test_medical_subsidy_months(grade, months):
    from shebao.policy.injury import medical_subsidy_fen

    assert medical_subsidy_fen(grade, 700000, on=ON, region="370502") == 700000 * months
    assert medical_subsidy_fen(grade, 700000, on=ON, region="370502", occupational_disease=True) == 700000 * months * 3 // 2


def test_employment_subsidy_and_the_age_rule():
    from shebao.policy.injury import employment_subsidy_fen
    from shebao.policy.tree import ParameterMissing

    full = employment_subsidy_fen(5, 700000, on=ON, region="370502")
    assert full == 700000 * 36
    assert employment_subsidy_fen(5, 700000, on=ON, region="370502", years_to_retirement=6) == full
    assert employment_subsidy_fen(5, 700000, on=ON, region="370502", years_to_retirement=4.5) == full * 8 // 10
    assert employment_subsidy_fen(5, 700000, on=ON, region="370502", years_to_retirement=0.5) == full // 10
    assert employment_subsidy_fen(5, 700000, on=ON, region="370502", years_to_retirement=0) == 0
    for grade in (8, 9):  # one unverified source only: not shipped
        with pytest.raises(ParameterMissing):
            employment_subsidy_fen(grade, 700000, on=ON, region="370502")
    with pytest.raises(ParameterMissing):  # outside Shandong nothing is sourced
        employment_subsidy_fen(5, 700000, on=ON, region="110000")


def test_calculator_says_what_is_missing():
    from shebao.policy.service import calculate

    r = calculate("injury", {"region": "110000", "injury_date": "2024-05-01", "avg_monthly_wage": "6000",
                             "grade": 9, "regional_avg_monthly_wage": "8000"})
    items = {i["item"]: i for i in r["items"]}
    assert items["medical_subsidy"]["amount"] is None and items["employment_subsidy"]["amount"] is None
    assert any("medical_subsidy_months" in x["text"] for x in r["reasons"])
