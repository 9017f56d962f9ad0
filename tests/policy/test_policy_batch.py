"""Single case == batch, row by row (property test), and both == an independent Decimal reference."""

from __future__ import annotations

import datetime as dt
import importlib.util
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.policy.batch import REASONS, pension_batch
from shebao.policy.columns import pension_table
from shebao.policy.common import InputError, fen_str, ym_str
from shebao.policy.pension import calc_pension

C = Decimal("0.01")
# the compiled engine is a declared dependency; without it the NumPy path is the engine (and is tested)
ENGINES = ("numpy", "numba") if importlib.util.find_spec("numba") else ("numpy",)


def decimal_reference(base: Decimal, index: Decimal, months: int, pre: int, balance: Decimal, divisor: Decimal,
                      rate: Decimal = Decimal("0.01"), t_rate: Decimal = Decimal("0.013")) -> Decimal:
    """The pension written the way the assessment form reads, in Decimal (independent of the fen code)."""
    indexed = (base * index).quantize(C, ROUND_HALF_UP)
    years = (Decimal(months) / 12).quantize(C, ROUND_HALF_UP)
    pre_years = (Decimal(pre) / 12).quantize(C, ROUND_HALF_UP)
    basic = ((base + indexed) / 2 * years * rate).quantize(C, ROUND_HALF_UP)
    account = (balance / divisor).quantize(C, ROUND_HALF_UP)
    transitional = (indexed * pre_years * t_rate).quantize(C, ROUND_HALF_UP)
    return basic + account + transitional


row = st.fixed_dictionaries(
    {
        "birth": st.integers(1950 * 12, 1990 * 12),
        "orig": st.sampled_from([60, 55, 50]),
        "offset": st.integers(-48, 48),
        "index_micro": st.integers(0, 3_500_000),
        "months": st.integers(0, 600),
        "pre_share": st.floats(0, 1),
        "balance_fen": st.integers(0, 80_000_000),
        "base_fen": st.one_of(st.just(-1), st.integers(100_000, 1_500_000)),
        "divisor_tenths": st.one_of(st.just(0), st.integers(500, 2400)),
        "region": st.sampled_from(["370000", "370500", "110000"]),
    }
)


def _single(r: dict, assessed_on: dt.date) -> dict:
    inputs = {
        "region": r["region"],
        "retirement_date": ym_str(r["birth"] + r["orig"] * 12 + r["offset"]),
        "birth_date": ym_str(r["birth"]),
        "original_retirement_age": r["orig"],
        "avg_contribution_index": str(Decimal(r["index_micro"]) / 1_000_000),
        "contribution_months": r["months"],
        "pre_account_months": r["pre"],
        "account_balance": fen_str(r["balance_fen"]),
        "assessed_on": assessed_on.isoformat(),
    }
    if r["base_fen"] >= 0:
        inputs["pension_base"] = fen_str(r["base_fen"])
    if r["divisor_tenths"]:
        inputs["annuity_months"] = str(Decimal(r["divisor_tenths"]) / 10)
    return calc_pension(inputs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=25), assessed=st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)))
def test_single_equals_batch(rows: list[dict], assessed: dt.date) -> None:
    for r in rows:
        r["pre"] = int(r["months"] * r["pre_share"])
    for region in {r["region"] for r in rows}:
        part = [r for r in rows if r["region"] == region]
        cols = {
            "retirement_month": np.array([r["birth"] + r["orig"] * 12 + r["offset"] for r in part]),
            "birth_month": np.array([r["birth"] for r in part]),
            "original_retirement_age": np.array([r["orig"] for r in part]),
            "avg_contribution_index_micro": np.array([r["index_micro"] for r in part]),
            "contribution_months": np.array([r["months"] for r in part]),
            "pre_account_months": np.array([r["pre"] for r in part]),
            "account_balance_fen": np.array([r["balance_fen"] for r in part]),
            "pension_base_fen": np.array([r["base_fen"] for r in part]),
            "annuity_months_tenths": np.array([r["divisor_tenths"] for r in part]),
        }
        for engine in ENGINES:
            _compare(part, pension_batch(cols, region=region, assessed_on=assessed, threads=1, engine=engine), assessed)


def _compare(part, out, assessed) -> None:
    for i, r in enumerate(part):
        single = _single(r, assessed)
        total = None if out["total_fen"][i] < 0 else fen_str(out["total_fen"][i])
        assert total == single["total"], (r, single["reasons"])
        if total is not None:
            assert fen_str(out["basic_pension_fen"][i]) == single["basic_pension"]
            assert fen_str(out["account_pension_fen"][i]) == single["account_pension"]
            assert fen_str(out["transitional_pension_fen"][i]) == single["transitional_pension"]
            assert fen_str(out["pension_base_fen"][i]) == single["pension_base"]
        assert bool(out["eligible"][i]) == single["eligible"]
        assert bool(out["provisional"][i]) == single["provisional"]
        blocking = [x["code"] for x in single["reasons"] if x["code"] in REASONS]
        assert REASONS[out["reason"][i]] == (blocking[0] if blocking else None)


@settings(max_examples=200, deadline=None)
@given(
    base=st.integers(100_000, 1_500_000),
    index=st.integers(0, 3_500_000),
    months=st.integers(0, 600),
    pre=st.integers(0, 600),
    balance=st.integers(0, 90_000_000),
    divisor=st.integers(500, 2400),
)
def test_fixed_point_equals_decimal_reference(base, index, months, pre, balance, divisor) -> None:
    pre = min(pre, months)
    out = pension_batch(
        {
            "retirement_month": np.array([2025 * 12 + 5]),
            "avg_contribution_index_micro": np.array([index]),
            "contribution_months": np.array([months]),
            "pre_account_months": np.array([pre]),
            "account_balance_fen": np.array([balance]),
            "pension_base_fen": np.array([base]),
            "annuity_months_tenths": np.array([divisor]),
        },
        assessed_on=dt.date(2025, 12, 31),
        threads=1,
        engine="numpy",
    )
    expected = decimal_reference(Decimal(base) / 100, Decimal(index) / 1_000_000, months, pre,
                                 Decimal(balance) / 100, Decimal(divisor) / 10)
    assert Decimal(int(out["total_fen"][0])) / 100 == expected


def test_large_batch_uses_threads_and_matches_reference() -> None:
    rng = np.random.default_rng(7)
    n = 300_000
    birth = rng.integers(1960 * 12, 1975 * 12, n)
    orig = rng.choice([60, 55, 50], n)
    cols = {
        "retirement_month": birth + orig * 12,
        "birth_month": birth,
        "original_retirement_age": orig,
        "avg_contribution_index_micro": rng.integers(600_000, 3_000_000, n),
        "contribution_months": rng.integers(180, 540, n),
        "pre_account_months": rng.integers(0, 100, n),
        "account_balance_fen": rng.integers(0, 50_000_000, n),
    }
    one = pension_batch(cols, assessed_on=dt.date(2025, 12, 31), threads=1, engine="numpy")
    for engine in ENGINES:
        two = pension_batch(cols, assessed_on=dt.date(2025, 12, 31), threads=2, engine=engine)
        for k in one:
            assert np.array_equal(one[k], two[k]), (engine, k)
        # a repeated run fills the arrays of the previous one
        for v in two.values():
            v[:] = 0
        again = pension_batch(cols, assessed_on=dt.date(2025, 12, 31), threads=2, engine=engine, out=two)
        assert again is two and all(np.array_equal(one[k], two[k]) for k in one)
    for i in rng.choice(n, 200, replace=False):
        r = {"birth": int(birth[i]), "orig": int(orig[i]), "offset": 0, "index_micro": int(cols["avg_contribution_index_micro"][i]),
             "months": int(cols["contribution_months"][i]), "pre": int(cols["pre_account_months"][i]),
             "balance_fen": int(cols["account_balance_fen"][i]), "base_fen": -1, "divisor_tenths": 0, "region": "370000"}
        total = None if one["total_fen"][i] < 0 else fen_str(one["total_fen"][i])
        assert total == _single(r, dt.date(2025, 12, 31))["total"]
    assert (one["total_fen"] >= 0).sum() > n // 3  # rows retiring from 2023 on have a known base


def test_parquet_columns_round_trip(tmp_path) -> None:
    table = pa.table(
        {
            "retirement_date": ["2025-02", "2025-02", "2024-06", "2025-02"],
            "birth_date": ["1965-01", "1975-01", "1964-06", None],
            "original_retirement_age": [60, 50, 60, None],
            "pension_base": pa.array([Decimal("7831.00"), Decimal("7831.00"), None, Decimal("7831.00")], pa.decimal128(10, 2)),
            "avg_contribution_index": ["1.0", "0.8", "1.5", "1.0"],
            "contribution_months": [420, 300, 480, 420],
            "pre_account_months": [0, 0, 150, 0],
            "account_balance": [138400.0, 97300.0, 139000.0, 138400.0],
            "annuity_months": [None, None, None, "138.4"],
            "assessed_on": ["2025-12-31", "2025-12-31", "2025-01-10", "2025-12-31"],
        }
    )
    from shebao.policy import load_parameters

    out = pension_table(table, params=load_parameters())
    path = tmp_path / "out.parquet"
    pq.write_table(out, path)
    back = pq.read_table(path).to_pylist()
    assert [str(r["total"]) for r in back] == ["3740.85", "2261.98", "6710.51", "3740.85"]
    assert [str(r["annuity_months"]) for r in back] == ["138.4", "194.6", "139.0", "138.4"]
    assert back[2]["pension_base"] == Decimal("7678.00") and back[2]["provisional"] is False
    assert all(r["eligible"] for r in back) and all(r["reasons"] == [] for r in back)


def test_parquet_refuses_inexact_values() -> None:
    from shebao.policy import load_parameters

    table = pa.table({"retirement_date": ["2025-02"], "annuity_months": ["138.4"], "avg_contribution_index": ["1.0"],
                      "contribution_months": [300], "account_balance": ["100.005"]})
    with pytest.raises(InputError, match="account_balance"):
        pension_table(table, params=load_parameters())
    bad = pa.table({"retirement_date": ["2025-02"], "annuity_months": ["138.4"], "avg_contribution_index": [1.0000001],
                    "contribution_months": [300]})
    with pytest.raises(InputError, match="avg_contribution_index"):
        pension_table(bad, params=load_parameters())


def test_compiled_engine_is_installed_and_default() -> None:
    pytest.importorskip("numba", reason="numba is declared in pyproject.toml; the NumPy path is used without it")
    from shebao.policy.batch import _numba_kernel

    assert _numba_kernel() is not None


def test_certification_rules() -> None:
    from shebao.policy import certification_rules

    rules = certification_rules(dt.date(2025, 6, 1), "370000")
    assert rules["cycle_days"] == 365 and rules["grace_days"] == 90 and rules["confirmed"] is False


@pytest.mark.parametrize("engine", ENGINES)
def test_implausible_amounts_are_refused_not_wrapped(engine) -> None:
    cols = {
        "retirement_month": np.array([2025 * 12 + 1, 2025 * 12 + 1]),
        "avg_contribution_index_micro": np.array([1_000_000, 1_000_000]),
        "contribution_months": np.array([420, 420]),
        "account_balance_fen": np.array([10_000, 10**13]),  # 100 billion yuan in the account
        "pension_base_fen": np.array([783_100, 783_100]),
        "annuity_months_tenths": np.array([1384, 1384]),
    }
    with pytest.raises(InputError, match="21,474,836.47"):
        pension_batch(cols, assessed_on=dt.date(2025, 12, 31), engine=engine, threads=1)


@pytest.mark.parametrize("engine", ENGINES)
def test_out_of_range_inputs_are_refused(engine) -> None:
    cols = {
        "retirement_month": np.array([2025 * 12 + 1]),
        "avg_contribution_index_micro": np.array([1_000_000]),
        "contribution_months": np.array([420]),
        "account_balance_fen": np.array([2**62]),
        "pension_base_fen": np.array([783_100]),
        "annuity_months_tenths": np.array([1384]),
    }
    # checked before the loop (numpy) or by the kernel, which names the row
    with pytest.raises(InputError, match=r"^(输入超出合理范围（|第 0 行输入无效（负数、超出合理范围)"):
        pension_batch(cols, assessed_on=dt.date(2025, 12, 31), engine=engine, threads=1)
