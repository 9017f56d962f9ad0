"""Survivor entitlements as pure functions (issue 17 item 1): the inheritable personal account
balance (社会保险法 第十四条) and the items the family is due (第十七条; 工伤保险条例 第三十九条)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shebao.policy.death import (
    AccountAtDeath,
    enterprise_survivor_items,
    injury_survivor_items,
    remaining_account_balance,
)


def test_inheritable_account_balance_of_a_pensioner_is_the_balance_less_the_account_pension_paid() -> None:
    balance, basis = remaining_account_balance(AccountAtDeath(
        pensioner=True, balance_at_retirement=Decimal("80000.00"), account_pension=Decimal("575.54"), paid_months=24))
    assert balance == Decimal("66187.04")
    assert "× 已发 24 个月" in basis


def test_inheritable_account_balance_is_never_negative() -> None:
    balance, _ = remaining_account_balance(AccountAtDeath(
        pensioner=True, balance_at_retirement=Decimal("1000.00"), account_pension=Decimal("500.00"), paid_months=3))
    assert balance == Decimal("0.00")


def test_inheritable_account_balance_of_a_contributor_is_the_latest_statement() -> None:
    balance, basis = remaining_account_balance(AccountAtDeath(latest_balance=Decimal("12345.67"),
                                                              latest_as_of=dt.date(2025, 12, 31)))
    assert balance == Decimal("12345.67") and basis.startswith("2025-12-31")


def test_inheritable_account_balance_of_a_pensioner_without_assessment_is_left_to_a_person() -> None:
    balance, why = remaining_account_balance(AccountAtDeath(pensioner=True, latest_balance=Decimal("1.00"),
                                                            latest_as_of=dt.date(2025, 1, 1)))
    assert balance is None and "人工核定" in why


def test_enterprise_survivor_items_are_funeral_grant_survivor_grant_and_account() -> None:
    items = enterprise_survivor_items(region="370000", death_date=dt.date(2025, 3, 1), contribution_months=240,
                                      pension_months=None, account=AccountAtDeath(latest_balance=Decimal("5000.00"),
                                                                                   latest_as_of=dt.date(2024, 12, 31)))
    assert [it["kind"] for it in items] == ["funeral_grant", "survivor_grant", "account_inheritance"]
    assert {it["scheme"] for it in items} == {"enterprise"}
    assert items[2]["amount"] == "5000.00" and items[2]["reference"] == "《中华人民共和国社会保险法》第十四条"
    for it in items[:2]:  # an amount, or the missing parameter named
        assert it["amount"] is not None or it["missing"]


def test_work_injury_death_items_per_article_39() -> None:
    result = {"funeral_grant": "30000.00", "survivor_pensions": ["2400.00", "1800.00"], "death_grant": None,
              "reasons": [{"code": "parameter_missing", "text": "全国城镇居民人均可支配收入未收录"}]}
    items = injury_survivor_items(result, [{"relation": "spouse"}, {"relation": "other"}])
    assert [it["kind"] for it in items] == ["funeral_grant", "injury_survivor_pension", "injury_survivor_pension",
                                            "death_grant"]
    assert items[1]["monthly"] and "spouse" in items[1]["label"]
    assert items[3]["missing"] == "全国城镇居民人均可支配收入未收录"
    assert "missing" not in items[0]
