"""Eligibility of claims as pure functions (issue 17 item 1): the early-filing window, 非因本人意愿中断就业,
re-employment after separation, the working-day deadlines and the limit of deductions, all read from the
parameter tree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.policy import Override, load_parameters
from shebao.policy.claims import (
    PensionClaim,
    UnemploymentClaim,
    early_filing_months,
    pension_claim_decision,
    separation_involuntary,
    unemployment_claim_decision,
)
from shebao.policy.deadlines import claim_deadline, reference_text

ALL = ("official", "agency", "secondary", "derived")


def pension(filed_on: dt.date, **kw) -> PensionClaim:
    # a man born 1964-06 (60 before the reform) retires in 2024-06
    base = dict(region="370000", birth_date=dt.date(1964, 6, 15), original_retirement_age=60, filed_on=filed_on,
                contribution_months=360, deemed_months=60, avg_index=Decimal("1.0000"), account_balance="80000.00")
    return PensionClaim(**{**base, **kw})


def unemployment(reason: str, **kw) -> UnemploymentClaim:
    base = dict(region="370502", birth_date=dt.date(1981, 5, 1), original_retirement_age=60,
                filed_on=dt.date(2025, 3, 10), contribution_months=74, separation_date=dt.date(2025, 2, 28),
                separation_reason=reason)
    return UnemploymentClaim(**{**base, **kw})


def override(name: str, value, on: str = "2024-01-01") -> Override:
    return Override(name=name, region="000000", effective=dt.date.fromisoformat(on), value=value,
                    reference="测试用值")


def test_pension_claim_within_the_early_filing_window_is_granted() -> None:
    decision = pension_claim_decision(pension(dt.date(2024, 3, 20)), auto_decide=ALL)  # three months ahead
    assert decision["eligible"] and decision["decidable"]
    assert decision["monthly_amount"] > 0
    assert decision["start_date"] == dt.date(2024, 7, 1)
    assert "not_yet_retirement" not in [r["code"] for r in decision["reasons"]]


def test_pension_claim_filed_before_the_early_filing_window_is_refused() -> None:
    decision = pension_claim_decision(pension(dt.date(2024, 2, 20)), auto_decide=ALL)  # four months ahead
    assert not decision["eligible"] and decision["decidable"]
    refusal = next(r for r in decision["reasons"] if r["code"] == "not_yet_retirement")
    assert "最早可在退休前 3 个月申领" in refusal["text"]


def test_early_filing_months_is_a_parameter_the_agency_can_set() -> None:
    assert early_filing_months(dt.date(2024, 2, 20)) == 3
    six = load_parameters().with_overrides([override("pension.early_filing_months", 6)])
    assert early_filing_months(dt.date(2024, 2, 20), params=six) == 6
    assert pension_claim_decision(pension(dt.date(2024, 2, 20)), six, auto_decide=ALL)["eligible"]


def test_pension_claim_below_minimum_contribution_is_refused_by_the_retirement_rules() -> None:
    decision = pension_claim_decision(pension(dt.date(2024, 5, 20), contribution_months=120), auto_decide=ALL)
    assert not decision["eligible"]
    assert decision["reasons"]


def test_claim_resting_on_a_secondary_source_goes_to_a_reviewer() -> None:
    # 山东 90% of the minimum wage is a secondary source: it decides alone only when allowed to
    held = unemployment_claim_decision(unemployment("dismissed"), auto_decide=("official", "agency"))
    assert "unemployment.benefit_rate" in next(r for r in held["review_reasons"] if r["code"] == "parameter_source")["reference"]
    assert not unemployment_claim_decision(unemployment("dismissed"), auto_decide=ALL)["review_reasons"]


@pytest.mark.parametrize(("reason", "involuntary"), [
    ("dismissed", True), ("contract_expired", True), ("mutual", True), ("resigned", False), ("other", None)])
def test_separation_reason_involuntary_per_unemployment_regulation_article_14(reason, involuntary) -> None:
    assert separation_involuntary(reason, dt.date(2025, 3, 1)) is involuntary


def test_voluntary_resignation_is_not_entitled_to_unemployment_benefit() -> None:
    decision = unemployment_claim_decision(unemployment("resigned"), auto_decide=ALL)
    assert decision["decidable"] and not decision["eligible"]
    assert decision["inputs"]["involuntary"] is False


def test_involuntary_separation_is_entitled_with_duration_by_contribution_years() -> None:
    decision = unemployment_claim_decision(unemployment("contract_expired"), auto_decide=ALL)
    assert decision["eligible"] and decision["decidable"]
    assert decision["duration_months"] == 18  # 满5年不足10年：最长18个月（失业保险条例 第十七条）
    assert decision["monthly_amount"] == Decimal("1980.00")  # 东营 2200 × 90%


def test_unlisted_separation_reason_goes_to_a_reviewer() -> None:
    decision = unemployment_claim_decision(unemployment("other"), auto_decide=ALL)
    assert "separation_reason_unclear" in [r["code"] for r in decision["review_reasons"]]


def test_separation_reason_follows_the_agency_parameter() -> None:
    strict = load_parameters().with_overrides([override("unemployment.separation.involuntary.mutual", False)])
    assert unemployment_claim_decision(unemployment("mutual"), auto_decide=ALL)["eligible"]
    assert not unemployment_claim_decision(unemployment("mutual"), strict, auto_decide=ALL)["eligible"]


def test_separation_after_the_claim_date_is_refused() -> None:
    decision = unemployment_claim_decision(unemployment("dismissed", separation_date=dt.date(2025, 4, 1)))
    assert [r["code"] for r in decision["reasons"]] == ["separation_in_future"]


def test_contributions_after_separation_suggest_reemployment() -> None:
    claim = unemployment("dismissed", unemployment_periods_after_separation=("2025-03",))
    decision = unemployment_claim_decision(claim, auto_decide=ALL)
    reemployed = next(r for r in decision["review_reasons"] if r["code"] == "contributions_after_separation")
    assert reemployed["reference"] == "失业保险条例 第十五条"


@pytest.mark.parametrize(("kind", "days", "article"), [("pension", 20, "第十八条"), ("unemployment", 10, "第二十四条")])
def test_claim_deadline_in_working_days_per_handling_regulation(kind, days, article) -> None:
    value = claim_deadline(kind, dt.date(2025, 3, 10))
    assert value.value == days and value.unit == "working_days"
    assert reference_text(value) == f"社会保险经办条例 {article}"


def test_maximum_deduction_rate_is_a_parameter_marked_unconfirmed() -> None:
    value = load_parameters().get("recovery.max_deduction_rate", dt.date(2025, 1, 1))
    assert value.value == Decimal("0.5") and not value.confirmed


def test_claim_deadline_counts_the_parameter_in_working_days_over_the_holiday_calendar() -> None:
    from shebao.cases import calendar

    # received Friday 2025-09-26: 10 working days skip the National Day week and count the 调休 Sunday 09-28
    assert calendar.deadline_for("unemployment", dt.date(2025, 9, 26)) == dt.date(2025, 10, 16)
    five = load_parameters().with_overrides([override("deadlines.unemployment_claim", 5, on="2025-01-01")])
    assert calendar.deadline_for("unemployment", dt.date(2025, 9, 26), five) == dt.date(2025, 10, 10)
    assert calendar.deadline_reference("pension", dt.date(2025, 9, 26)) == "社会保险经办条例 第十八条"
