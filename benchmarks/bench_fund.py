"""Actuarial projection benchmark: a registry of ``--persons`` people projected ``--years`` years.

Target (issue 26): a 1,000,000-person registry projected 30 years in ≤ 30 s on 2 cores. The registry
is person records in memory (what :func:`shebao.fund.service.registry_population` reads from the
database): contributors, other insured and retirees with their bases, months, balances and
pensions. Timed: the cohorts built from the records, then the projection (the policy engine's
retirement dates and pension formulas for every retiring birth month, every year). The same run is
repeated to show the figures do not change.

    .venv/bin/python benchmarks/bench_fund.py                    # 1,000,000 persons, 30 years
    .venv/bin/python benchmarks/bench_fund.py --persons 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time


def registry(n: int, seed: int = 1):
    import numpy as np

    from shebao.fund.projection import Registry

    rng = np.random.default_rng(seed)
    age = np.clip(rng.normal(45, 17, n), 18, 100).astype(np.int32)
    group = rng.choice(3, n, p=[0.55, 0.15, 0.30]).astype(np.int8)
    retire_at = np.array([60, 55, 50])[group]
    retired = age >= retire_at
    status = np.where(retired, 2, np.where(rng.random(n) < 0.82, 1, 0)).astype(np.int8)
    working_years = np.clip(age - 20, 0, 40)
    return Registry(
        group=group, birth_year=(2026 - age).astype(np.int32), status=status,
        base=np.where(status == 1, rng.lognormal(np.log(7000), 0.35, n), 0.0),
        months=np.where(status < 2, working_years * 12 * 0.85, 0.0),
        pre_months=np.where(status < 2, np.clip(age - 50, 0, 10) * 12, 0.0),
        balance=np.where(status < 2, working_years * 12 * 0.08 * 6500, 0.0),
        pension=np.where(status == 2, rng.lognormal(np.log(3200), 0.3, n), 0.0),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=30)
    args = parser.parse_args()

    from shebao.fund.projection import load_scenario, run

    reg = registry(args.persons)
    sc = load_scenario()
    sc.population = {"source": "registry"}
    # the demo's entrants are for its own (province-sized) population: scale them to this registry
    sc.assumptions["new_entrants"]["value"] = {**sc.value("new_entrants"), "total": args.persons * 0.025}
    times, outputs = [], []
    for _ in range(2):
        t0 = time.perf_counter()
        result = run(sc, to_year=sc.start_year + args.years - 1, registry=reg)
        times.append(time.perf_counter() - t0)
        outputs.append(json.dumps(result.to_json(), ensure_ascii=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data = json.loads(outputs[0])
    last = data["years"][-1]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"registry: {args.persons:,} persons; projected {args.years} years ({sc.start_year}–{last['year']})")
    print(f"projection: {times[0]:.2f} s first run, {times[1]:.2f} s second run; peak memory {peak:,.0f} MB")
    print(f"same figures both runs: {outputs[0] == outputs[1]}")
    print(f"{last['year']}: contributors {last['contributors']:,}, retirees {last['retirees']:,}, "
          f"accumulated balance {last['accumulated_balance']} yuan; turns negative {data['turns_negative']}, "
          f"exhausted {data['exhausted']}")
    print(f"target (issue 26): 1,000,000 persons, 30 years ≤ 30 s — {'met' if max(times) <= 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
