"""Pensions of synthetic retirees (engine vs stated approximation) and the ``shebao synth`` command."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from shebao.synth import pension as P
from shebao.synth import reference as ref

AS_OF = dt.date(2026, 11, 25)


def _retirees(n: int, year: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    age = np.where(rng.random(n) < 0.5, 60, 50)
    birth = (year - age - 1970) * 12 + rng.integers(0, 12, n)
    months = rng.integers(180, 480, n)
    return {
        "retire_year": np.full(n, year), "retire_age_years": age, "retirement_month": birth + age * 12,
        "birth_month": birth, "original_age": age, "contribution_months": months,
        "deemed_months": np.minimum(months, rng.integers(0, 200, n)),
        "avg_index": rng.uniform(0.6, 2.5, n), "account_balance_fen": rng.integers(0, 30_000_000, n),
    }


def test_approximation_agrees_with_the_policy_engine_where_both_apply():
    pytest.importorskip("shebao.policy.batch")
    cols = _retirees(3000, 2024)
    approx = P.approximate_pensions(**{k: cols[k] for k in (
        "retire_year", "retire_age_years", "contribution_months", "deemed_months", "avg_index", "account_balance_fen")})
    engine = P.engine_pensions(**{k: cols[k] for k in (
        "retirement_month", "birth_month", "original_age", "contribution_months", "deemed_months", "avg_index",
        "account_balance_fen")}, as_of=AS_OF)
    assert engine is not None and (engine > 0).all()
    assert np.abs(approx - engine).max() <= 2  # fen: rounding of the index only


def test_recent_retirees_go_to_the_engine_older_ones_to_the_approximation():
    pytest.importorskip("shebao.policy.batch")
    recent, old = _retirees(50, 2024, 1), _retirees(50, 2001, 2)
    cols = {k: np.concatenate([recent[k], old[k]]) for k in recent}
    counts: dict[str, int] = {}
    at, now = P.assess_pensions(**cols, as_of_year=2026, as_of=AS_OF, counts=counts)
    assert counts == {"engine": 50, "approximation": 50}
    # the yearly adjustments since the retirement year are applied on top
    factor_2001 = ref.adjustment_factor(2026) / ref.adjustment_factor(2001)
    assert np.allclose(now[50:], at[50:] * factor_2001, atol=1)
    assert (now[:50] > at[:50]).all()


def test_assessment_parts_by_hand():
    # base 7678 (2024), index 1.0, 35 years of which 10 deemed, balance 139,000 at 60
    at = P.approximate_pensions(retire_year=np.array([2024]), retire_age_years=np.array([60]),
                                contribution_months=np.array([420]), deemed_months=np.array([120]),
                                avg_index=np.array([1.0]), account_balance_fen=np.array([13_900_000]))
    basic = 7678 * 35 * 0.01  # (base + base×1.0)/2 × 35 × 1%
    account = 139_000 / 139
    transitional = 7678 * 10 * 0.013
    assert at[0] == round((basic + account + transitional) * 100)


def test_cli_writes_the_folder_and_prints_a_summary(tmp_path):
    from shebao.cli import _register, app

    _register()
    result = CliRunner().invoke(app, ["synth", "--persons", "600", "--seed", "4", "--out", str(tmp_path / "o"),
                                      "--as-of", "2026-06-30", "--json", "--rate-duplicate-record", "0.02"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["rows"]["persons"] > 600 and summary["labels"]["duplicate_record"] >= 12
    assert (tmp_path / "o" / "labels.csv").exists() and (tmp_path / "o" / "payments.csv").exists()
    bad = CliRunner().invoke(app, ["synth", "--persons", "10", "--seed", "1", "--out", str(tmp_path / "x"),
                                   "--as-of", "2026-13-01"])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output


def test_series_take_the_engines_parameters_where_it_has_them():
    policy = pytest.importorskip("shebao.policy")
    params = policy.load_parameters()
    s = ref.series()
    assert 2024 in s.from_engine["avg_wage"] and 2024 in s.from_engine["account_interest"]
    for y in s.from_engine["avg_wage"]:
        assert ref.avg_wage(y) == float(params.get("wages.average_annual", dt.date(y, 7, 1), "370000").value)
    for y in s.from_engine["pension_base"]:
        assert ref.pension_base(y) == float(params.get("pension.base", dt.date(y, 7, 1), "370000").value)
    # where the engine has nothing, the stated assumptions: a rising series, interest from 1996 only
    assert ref.avg_wage(1995) < ref.avg_wage(2005) < ref.avg_wage(2015) < ref.avg_wage(2024)
    assert ref.account_interest(1990) == 0.0 and ref.account_interest(2010) > 0
