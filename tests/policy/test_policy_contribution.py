"""Contribution bases, indices and the personal account, checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.policy import (
    ParameterMissing,
    account_credit_fen,
    base_bounds_fen,
    bounded_base_fen,
    contribution_index_micro,
    yearly_interest_fen,
)


def test_bounds_and_index_use_the_previous_year_average() -> None:
    # 2024 average 90072 / 12 = 7506.00 bounds 2025: 4503.60 – 22518.00
    assert base_bounds_fen(2025) == (450_360, 2_251_800)
    assert bounded_base_fen(300_000, 2025) == 450_360
    assert bounded_base_fen(3_000_000, 2025) == 2_251_800
    assert bounded_base_fen(800_000, 2025) == 800_000
    assert contribution_index_micro(750_600, 2025) == 1_000_000
    assert contribution_index_micro(450_360, 2025) == 600_000
    # 2023 average 88313 / 12 = 7359.42 (rounded to the fen)
    assert contribution_index_micro(735_942, 2024) == 1_000_000
    with pytest.raises(ParameterMissing):
        base_bounds_fen(2026)  # 2025's average is not shipped: said, not replaced by 2024's


def test_account_credit_and_interest() -> None:
    assert account_credit_fen(750_600, dt.date(2025, 3, 1)) == 60_048
    assert account_credit_fen(100_000, dt.date(2005, 12, 1)) == 11_000
    assert yearly_interest_fen(10_000_000, 2024) == 262_000
    assert yearly_interest_fen(10_000_000, 2016) == 831_000
    with pytest.raises(ParameterMissing):
        yearly_interest_fen(10_000_000, 2015)
    with pytest.raises(ParameterMissing):
        yearly_interest_fen(10_000_000, 2025)
