"""Policy engine benchmark: one pension in-process and 10,000,000 pensions in batch, exact to the fen,
side by side with OpenFisca on the same pension formula when its environment exists.

    .venv/bin/python benchmarks/bench_policy.py                 # 10M rows, Decimal check of every row
    .venv/bin/python benchmarks/bench_policy.py --rows 1000000 --check-sample 100000
    bash benchmarks/setup_openfisca_venv.sh                     # once: builds benchmarks/.venv-openfisca

Goals (issue 4): one case ≤ 0.1 ms median and ≥ 15× faster than OpenFisca per case; 10M persons
≤ 1 s on 2 cores and ≥ 3× faster than OpenFisca; every row equal to a Decimal reference.

The OpenFisca side runs this same file under benchmarks/.venv-openfisca (``--openfisca-worker``),
so this module imports nothing from shebao at the top.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OPENFISCA_PYTHON = HERE / ".venv-openfisca" / "bin" / "python"
PERIOD = "2025-12"

# ---------------------------------------------------------------------------------------------
# the OpenFisca side: a tax-benefit system with the same pension formula (国发〔2005〕38号 五)


def openfisca_system():
    from openfisca_core.entities import build_entity
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import DateUnit
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    person = build_entity(key="person", plural="persons", label="参保人", is_person=True)

    def inp(name: str, label: str) -> type:
        return type(name, (Variable,), {"value_type": float, "entity": person,
                                        "definition_period": DateUnit.MONTH, "label": label})

    class indexed_wage(Variable):
        value_type, entity, definition_period = float, person, DateUnit.MONTH
        label = "指数化月平均缴费工资"

        def formula(persons, period, parameters):
            return np.round(persons("pension_base", period) * persons("avg_contribution_index", period), 2)

    class contribution_years(Variable):
        value_type, entity, definition_period = float, person, DateUnit.MONTH
        label = "缴费年限"

        def formula(persons, period, parameters):
            return np.round(persons("contribution_months", period) / 12, 2)

    class pre_account_years(Variable):
        value_type, entity, definition_period = float, person, DateUnit.MONTH
        label = "实行个人账户前缴费年限"

        def formula(persons, period, parameters):
            return np.round(persons("pre_account_months", period) / 12, 2)

    class basic_pension(Variable):
        value_type, entity, definition_period = float, person, DateUnit.MONTH
        label = "基础养老金"

        def formula(persons, period, parameters):
            rate = parameters(period).pension.basic_rate
            base = persons("pension_base", period)
            return np.round((base + persons("indexed_wage", period)) / 2 * persons("contribution_years", period) * rate, 2)

    class account_pension(Variable):
        value_type, entity, definition_period = float, person, DateUnit.MONTH
        label = "个人账户养老金"

        def formula(persons, period, parameters):
            return np.round(persons("account_balance", period) / persons("annuity_months", period), 2)

    class transitional_pension(Variable):
        value_type, entity, definition_period = float, person, DateUnit.MONTH
        label = "过渡性养老金"

        def formula(persons, period, parameters):
            rate = parameters(period).pension.transitional_rate
            return np.round(persons("indexed_wage", period) * persons("pre_account_years", period) * rate, 2)

    class total_pension(Variable):
        value_type, entity, definition_period = float, person, DateUnit.MONTH
        label = "基本养老金"

        def formula(persons, period, parameters):
            return (persons("basic_pension", period) + persons("account_pension", period)
                    + persons("transitional_pension", period))

    class System(TaxBenefitSystem):
        def __init__(self):
            super().__init__([person])
            for name, label in (("pension_base", "计发基数"), ("avg_contribution_index", "平均缴费指数"),
                                ("contribution_months", "缴费月数"), ("pre_account_months", "视同缴费月数"),
                                ("account_balance", "个人账户储存额"), ("annuity_months", "计发月数")):
                self.add_variable(inp(name, label))
            for v in (indexed_wage, contribution_years, pre_account_years, basic_pension, account_pension,
                      transitional_pension, total_pension):
                self.add_variable(v)
            self.parameters = ParameterNode("", data={
                "pension": {
                    "basic_rate": {"values": {"2006-01-01": 0.01}},
                    "transitional_rate": {"values": {"2006-01-01": 0.013}},
                }
            })

    return System()


def openfisca_worker(npz: str, out: str, per_case_runs: int) -> None:
    from openfisca_core.simulations import SimulationBuilder

    tbs = openfisca_system()
    data = np.load(npz)
    inputs = {
        "pension_base": data["base_fen"] / 100,
        "avg_contribution_index": data["index_micro"] / 1e6,
        "contribution_months": data["months"].astype(float),
        "pre_account_months": data["pre"].astype(float),
        "account_balance": data["balance_fen"] / 100,
        "annuity_months": data["divisor_tenths"] / 10,
    }
    # one case: build a simulation for one person and compute the pension (what a calculator does)
    times = []
    for i in range(per_case_runs):
        j = i % len(inputs["pension_base"])
        t0 = time.perf_counter()
        sim = SimulationBuilder().build_from_entities(
            tbs, {"persons": {"p": {k: {PERIOD: float(v[j])} for k, v in inputs.items()}}}
        )
        sim.calculate("total_pension", PERIOD)
        times.append(time.perf_counter() - t0)
    # batch: the whole population in one simulation
    n = len(inputs["pension_base"])
    t0, c0 = time.perf_counter(), time.process_time()
    sim = SimulationBuilder().build_default_simulation(tbs, count=n)
    for k, v in inputs.items():
        sim.set_input(k, PERIOD, v)
    total = sim.calculate("total_pension", PERIOD)
    batch_s, batch_cpu = time.perf_counter() - t0, time.process_time() - c0
    np.save(out, total)
    print(json.dumps({"per_case_median_ms": statistics.median(times) * 1e3, "batch_s": batch_s,
                      "batch_cpu_s": batch_cpu, "dtype": str(total.dtype)}))


# ---------------------------------------------------------------------------------------------
# shebao's side


def population(n: int, seed: int = 20261125) -> dict[str, np.ndarray]:
    """Retirees of 2023–2025 at their statutory month (all three original ages, ages with months)."""
    rng = np.random.default_rng(seed)
    orig = rng.choice(np.array([60, 55, 50]), n)
    target = rng.integers(2023 * 12, 2025 * 12 + 12, n)  # retirement month
    birth = target - orig * 12  # approximately; the engine fixes the statutory month below
    return {
        "birth_month": birth,
        "original_retirement_age": orig,
        "avg_contribution_index_micro": rng.integers(600_000, 3_000_000, n),
        "contribution_months": rng.integers(180, 540, n),
        "pre_account_months": rng.integers(0, 180, n),
        "account_balance_fen": rng.integers(0, 60_000_000, n),
    }


def with_statutory_month(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from shebao.policy import load_parameters
    from shebao.policy.common import ym_date
    from shebao.policy.retirement import GROUPS, statutory_retirement

    ps = load_parameters()
    birth, orig = cols["birth_month"], cols["original_retirement_age"]
    lo, hi = int(birth.min()), int(birth.max())
    ret = np.empty_like(birth)
    for age in GROUPS:
        lut = np.array([statutory_retirement(ym_date(b), age, ps).age_months for b in range(lo, hi + 1)])
        m = orig == age
        ret[m] = birth[m] + lut[birth[m] - lo]
    cols = dict(cols)
    cols["pre_account_months"] = np.minimum(cols["pre_account_months"], cols["contribution_months"])
    cols["retirement_month"] = ret
    return cols


def _decimal_chunk(args) -> tuple[int, int, list]:
    """Check rows [a, b) against a Decimal implementation of the assessment form (independent code)."""
    from decimal import ROUND_HALF_UP, Decimal

    a, b = args
    g = _GLOBAL
    c, t = Decimal("0.01"), Decimal("0.1")
    rate, t_rate = Decimal("0.01"), Decimal("0.013")
    table = {k: Decimal(v) for k, v in g["table"].items()}
    bases = {y: Decimal(v) for y, v in g["bases"].items()}
    bad, first = 0, []
    ret, birth, idx = g["retirement_month"], g["birth_month"], g["avg_contribution_index_micro"]
    months, pre, bal, total = g["contribution_months"], g["pre_account_months"], g["account_balance_fen"], g["total_fen"]
    million, hundred = Decimal(1_000_000), Decimal(100)
    for i in range(a, b):
        r = int(ret[i])
        base = bases[r // 12]
        age = r - int(birth[i])
        yy, mm = divmod(age, 12)
        divisor = table[yy] if mm == 0 else (table[yy] - (table[yy] - table[yy + 1]) * mm / 12).quantize(t, ROUND_HALF_UP)
        indexed = (base * Decimal(int(idx[i])) / million).quantize(c, ROUND_HALF_UP)
        years = (Decimal(int(months[i])) / 12).quantize(c, ROUND_HALF_UP)
        pre_years = (Decimal(int(pre[i])) / 12).quantize(c, ROUND_HALF_UP)
        basic = ((base + indexed) / 2 * years * rate).quantize(c, ROUND_HALF_UP)
        account = (Decimal(int(bal[i])) / hundred / divisor).quantize(c, ROUND_HALF_UP)
        trans = (indexed * pre_years * t_rate).quantize(c, ROUND_HALF_UP)
        expected = basic + account + trans
        if expected * 100 != int(total[i]):
            bad += 1
            if len(first) < 3:
                first.append((i, str(expected), int(total[i])))
    return a, bad, first


_GLOBAL: dict = {}


def decimal_check(cols, out, rows: np.ndarray | None, workers: int = 2) -> tuple[int, int, list]:
    import multiprocessing as mp

    from shebao.policy import load_parameters
    from shebao.policy.common import ym_date

    ps = load_parameters()
    ret = cols["retirement_month"]
    years = sorted({int(y) for y in np.unique(ret // 12)})
    _GLOBAL.clear()
    _GLOBAL["table"] = {k: int(v) for k, v in ps.get("pension.annuity_divisor", ym_date(int(ret.min()))).value.items()}
    _GLOBAL["bases"] = {y: str(ps.get("pension.base", ym_date(y * 12), "370000").value) for y in years}
    source = {**cols, "total_fen": out["total_fen"]}
    for k in ("retirement_month", "birth_month", "avg_contribution_index_micro", "contribution_months",
              "pre_account_months", "account_balance_fen", "total_fen"):
        _GLOBAL[k] = source[k] if rows is None else source[k][rows]
    n = len(_GLOBAL["total_fen"])
    step = max(1, n // (workers * 8))
    chunks = [(a, min(a + step, n)) for a in range(0, n, step)]
    with mp.get_context("fork").Pool(workers) as pool:
        results = pool.map(_decimal_chunk, chunks)
    bad = sum(r[1] for r in results)
    first = [x for r in results for x in r[2]][:3]
    return n, bad, first


def bench_single(runs: int) -> dict[str, float]:
    from shebao.policy import load_parameters
    from shebao.policy.pension import (
        account_pension_fen,
        basic_pension_fen,
        calc_pension,
        contribution_years_centi,
        indexed_wage_fen,
        transitional_pension_fen,
    )

    params = load_parameters()
    case = {"region": "370000", "retirement_date": "2025-02", "birth_date": "1965-01", "original_retirement_age": 60,
            "assessed_on": "2025-12-31", "avg_contribution_index": "1.2345", "contribution_months": 420,
            "pre_account_months": 120, "account_balance": "123456.78"}
    calc_pension(case, params)  # warm the parameter cache, as a running service has it
    full = []
    for _ in range(runs):
        t0 = time.perf_counter()
        calc_pension(case, params)
        full.append(time.perf_counter() - t0)
    core = []
    for _ in range(runs):
        t0 = time.perf_counter()
        idx = indexed_wage_fen(783100, 1_234_500)
        yrs = contribution_years_centi(420)
        (basic_pension_fen(783100, idx, yrs, 1, 100) + account_pension_fen(12_345_678, 1384)
         + transitional_pension_fen(idx, contribution_years_centi(120), 13, 1000))
        core.append(time.perf_counter() - t0)
    return {"calc_pension_ms": statistics.median(full) * 1e3, "formula_only_ms": statistics.median(core) * 1e3}


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; NumPy {np.__version__}; "
            f"load average {load:.2f} at start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5, help="batch runs (the median is reported)")
    ap.add_argument("--single-runs", type=int, default=20_000)
    ap.add_argument("--check-sample", type=int, default=0, help="Decimal-check only this many random rows (0 = every row)")
    ap.add_argument("--no-openfisca", action="store_true")
    ap.add_argument("--openfisca-worker", nargs=2, metavar=("IN_NPZ", "OUT_NPY"), help=argparse.SUPPRESS)
    ap.add_argument("--openfisca-per-case-runs", type=int, default=300, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.openfisca_worker:
        openfisca_worker(*args.openfisca_worker, args.openfisca_per_case_runs)
        return

    sys.path.insert(0, str(HERE.parent))
    import datetime as dt

    from shebao.policy.batch import pension_batch

    print(f"machine: {machine()}")
    single = bench_single(args.single_runs)
    print(f"one case, shebao calc_pension (dict in → JSON-ready dict with trace), median of {args.single_runs}: "
          f"{single['calc_pension_ms']:.4f} ms")
    print(f"one case, shebao formulas only (fixed-point fen), median: {single['formula_only_ms'] * 1e3:.2f} µs")

    cols = with_statutory_month(population(args.rows))
    assessed = dt.date(2025, 12, 31)
    fresh, fresh_cpu = [], []
    out = None
    for _ in range(args.repeat):  # new output arrays each run: includes faulting in ~0.5 GB
        t0, c0 = time.perf_counter(), time.process_time()
        out = pension_batch(cols, region="370000", assessed_on=assessed, threads=args.threads)
        fresh.append(time.perf_counter() - t0)
        fresh_cpu.append(time.process_time() - c0)
    assert out is not None
    times, cpus = [], []
    for _ in range(args.repeat):  # a repeated run (a payroll) refilling its arrays
        t0, c0 = time.perf_counter(), time.process_time()
        pension_batch(cols, region="370000", assessed_on=assessed, threads=args.threads, out=out)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    batch_s = statistics.median(fresh)
    print(f"batch, shebao pension_batch, {args.rows:,} persons, {args.threads} threads, new output arrays: "
          f"median {batch_s:.3f} s wall, {statistics.median(fresh_cpu):.3f} s CPU "
          f"(wall runs: {', '.join(f'{t:.3f}' for t in fresh)})")
    print(f"batch, same, reusing the output arrays: median {statistics.median(times):.3f} s wall, "
          f"{statistics.median(cpus):.3f} s CPU (wall runs: {', '.join(f'{t:.3f}' for t in times)}); "
          f"{int(out['eligible'].sum()):,} eligible")

    rows = None
    if args.check_sample and args.check_sample < args.rows:
        rows = np.random.default_rng(1).choice(args.rows, args.check_sample, replace=False)
    t0 = time.perf_counter()
    checked, bad, first = decimal_check(cols, out, rows)
    what = "every row" if rows is None else f"a random sample of {checked:,} rows"
    print(f"exactness: {what} against a Decimal reference: {bad} differ ({time.perf_counter() - t0:.0f} s)"
          + (f"; first: {first}" if bad else ""))

    if args.no_openfisca or not OPENFISCA_PYTHON.exists():
        print("OpenFisca: benchmarks/.venv-openfisca not found (bash benchmarks/setup_openfisca_venv.sh) — skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        npz, npy = Path(tmp) / "in.npz", Path(tmp) / "out.npy"
        np.savez(npz, base_fen=out["pension_base_fen"], index_micro=cols["avg_contribution_index_micro"],
                 months=cols["contribution_months"], pre=cols["pre_account_months"],
                 balance_fen=cols["account_balance_fen"], divisor_tenths=out["annuity_months_tenths"])
        proc = subprocess.run([str(OPENFISCA_PYTHON), __file__, "--openfisca-worker", str(npz), str(npy)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"OpenFisca worker failed:\n{proc.stderr[-3000:]}")
            return
        of = json.loads(proc.stdout.strip().splitlines()[-1])
        of_total = np.load(npy)
    of_fen = np.round(of_total.astype(np.float64) * 100).astype(np.int64)
    off = int((of_fen != out["total_fen"]).sum())
    print(f"one case, OpenFisca (build simulation + calculate), median: {of['per_case_median_ms']:.3f} ms")
    print(f"batch, OpenFisca, {args.rows:,} persons (annuity months given as input): {of['batch_s']:.3f} s wall, "
          f"{of['batch_cpu_s']:.3f} s CPU, money as {of['dtype']}")
    print(f"OpenFisca rows not equal to the exact fen: {off:,} of {args.rows:,}")
    print(f"ratio per case: OpenFisca / shebao calc_pension = {of['per_case_median_ms'] / single['calc_pension_ms']:.1f}×")
    print(f"ratio batch (new arrays): OpenFisca / shebao = {of['batch_s'] / batch_s:.1f}× wall, "
          f"{of['batch_cpu_s'] / statistics.median(fresh_cpu):.1f}× CPU; "
          f"(reused arrays): {of['batch_s'] / statistics.median(times):.1f}× wall")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on these 2 cores slows every figure)")


if __name__ == "__main__":
    main()
