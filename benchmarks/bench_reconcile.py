"""Four-party reconciliation benchmark: one month of ``--rows`` transactions on DuckDB.

Target (issue 25): 10,000,000 transactions a month reconciled in ≤ 2 minutes on 2 cores. The
transactions are the rows of the four books: the agency's contributions and payments (Arrow tables,
as the service reads them from the database) and the tax, fund-account and bank statements (Parquet
files). Shares: 30% agency contributions, 30% tax collections, 20% agency payments, 20% bank lines
(plus the batch and transfer lines). ``--plant`` differences of each kind are planted and the run
checks that each is found with its class.

    .venv/bin/python benchmarks/bench_reconcile.py                  # 10,000,000 transactions
    .venv/bin/python benchmarks/bench_reconcile.py --rows 1000000   # a smaller run
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

PERIOD = "2026-06"


def _ids(prefix: str, values) -> list[str]:
    return [f"{prefix}{v:010d}" for v in values.tolist()]


def generate(folder: Path, rows: int, plant: int, seed: int = 1):
    """Write the three statements as Parquet and return the agency's Arrow tables and the planted set."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    money = pa.decimal128(18, 2)
    n_c, n_p = int(rows * 0.3), int(rows * 0.2)
    planted: set[tuple[str, str]] = set()

    # agency contributions and the tax rows (one per payer, person, period, insurance)
    cents = rng.integers(50_000, 300_000, n_c)
    persons = _ids("P", np.arange(n_c))
    payers = _ids("E", np.arange(n_c) % 50_000)
    days = rng.integers(1, 26, n_c)
    contributions = pa.table({"payer_id": payers, "person_id": persons, "period": [PERIOD] * n_c,
                              "insurance": ["pension"] * n_c,
                              "amount": pa.array([f"{c / 100:.2f}" for c in cents.tolist()]).cast(money)})
    tax_cents = cents.copy()
    keep = np.ones(n_c, dtype=bool)
    pick = rng.choice(n_c, 3 * plant, replace=False)
    drop, differs, dup = pick[:plant], pick[plant:2 * plant], pick[2 * plant:]
    keep[drop] = False
    tax_cents[differs] += 1234
    for i in drop:
        planted.add(("missing_at_tax", persons[i]))
    for i in differs:
        planted.add(("amount_differs", persons[i]))
    for i in dup:
        planted.add(("duplicated", persons[i]))
    idx = np.concatenate([np.flatnonzero(keep), dup])
    coll = _ids("C", np.arange(idx.size))
    for j in range(idx.size - dup.size, idx.size):
        coll[j] = coll[j] + "D"
    ghost = [f"CX{k:08d}" for k in range(plant)]
    for g in ghost:
        planted.add(("missing_at_agency", g))
    date_str = np.array([f"{PERIOD}-{d:02d}" for d in range(1, 32)])
    tax = pa.table({
        "collection_id": coll + ghost,
        "payer_type": ["employer"] * (idx.size + plant),
        "payer_id": [payers[i] for i in idx.tolist()] + [f"EX{k}" for k in range(plant)],
        "person_id": [persons[i] for i in idx.tolist()] + [f"PX{k}" for k in range(plant)],
        "period": [PERIOD] * (idx.size + plant),
        "insurance": ["pension"] * (idx.size + plant),
        "amount": [f"{c / 100:.2f}" for c in tax_cents[idx].tolist()] + [f"{900 + k / 100 + 0.01:.2f}" for k in range(plant)],
        "collected_date": date_str[days[idx] - 1].tolist() + [f"{PERIOD}-10"] * plant,
        "transfer_batch": [f"TB{d:02d}" for d in days[idx].tolist()] + ["TB10"] * plant,
    })
    pq.write_table(tax, folder / "tax_collections.parquet")
    # the fund's credits: one per daily batch (dated the same day)
    batch_sum: dict[str, int] = {}
    tax_amounts = np.round(np.array(tax["amount"].to_pylist(), dtype=float) * 100).astype(np.int64).tolist()
    for b, c in zip(tax["transfer_batch"].to_pylist(), tax_amounts, strict=True):
        batch_sum[b] = batch_sum.get(b, 0) + c
    fund_rows = [{"txn_id": f"F{i:06d}", "date": f"{PERIOD}-{b[2:]}", "direction": "in", "amount": f"{total / 100:.2f}",
                  "counterparty": "税务", "reference": b} for i, (b, total) in enumerate(sorted(batch_sum.items()))]
    # agency payments and the bank's debits
    p_cents = rng.integers(150_000, 600_000, n_p)
    pay_ids = _ids("Y", np.arange(n_p))
    p_days = rng.integers(5, 26, n_p)
    payments = pa.table({"payment_id": pay_ids, "person_id": _ids("Q", np.arange(n_p)), "period": [PERIOD] * n_p,
                         "paid_date": pa.array(date_str[p_days - 1]).cast(pa.date32()),
                         "amount": pa.array([f"{c / 100:.2f}" for c in p_cents.tolist()]).cast(money)})
    bank_cents = p_cents.copy()
    keep = np.ones(n_p, dtype=bool)
    pick = rng.choice(n_p, 4 * plant, replace=False)
    drop, differs, dup, lost = pick[:plant], pick[plant:2 * plant], pick[2 * plant:3 * plant], pick[3 * plant:]
    keep[drop] = False
    bank_cents[differs] += 55
    for i in drop:
        planted.add(("missing_at_bank", pay_ids[i]))
    for i in differs:
        planted.add(("amount_differs", pay_ids[i]))
    for i in dup:
        planted.add(("duplicated", pay_ids[i]))
    idx = np.concatenate([np.flatnonzero(keep), dup])
    refs = [pay_ids[i] for i in idx.tolist()]
    lost_set = set(lost.tolist())
    for j, i in enumerate(idx.tolist()[:idx.size - dup.size]):
        if i in lost_set:
            refs[j] = ""  # near miss: no reference, same amount and day
    bank = {"txn_id": _ids("K", np.arange(idx.size)), "date": date_str[p_days[idx] - 1].tolist(), "direction": ["out"] * idx.size,
            "amount": [f"{c / 100:.2f}" for c in bank_cents[idx].tolist()], "reference": refs, "status": ["success"] * idx.size}
    day_total: dict[int, int] = {}
    for d, c in zip(p_days.tolist(), p_cents.tolist(), strict=True):
        day_total[d] = day_total.get(d, 0) + c
    for d, c in sorted(day_total.items()):
        fund_rows.append({"txn_id": f"FO{d:02d}", "date": f"{PERIOD}-{d:02d}", "direction": "out", "amount": f"{c / 100:.2f}",
                          "counterparty": "支出户", "reference": f"BK{d:02d}"})
        for k, v in (("txn_id", f"KI{d:02d}"), ("date", f"{PERIOD}-{d:02d}"), ("direction", "in"), ("amount", f"{c / 100:.2f}"),
                     ("reference", f"BK{d:02d}"), ("status", "success")):
            bank[k].append(v)
    pq.write_table(pa.table(bank), folder / "bank_statement.parquet")
    pq.write_table(pa.Table.from_pylist(fund_rows), folder / "fund_account.parquet")
    total = contributions.num_rows + tax.num_rows + payments.num_rows + len(bank["txn_id"]) + len(fund_rows)
    return contributions, payments, planted, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="transactions in the month (all four books)")
    parser.add_argument("--plant", type=int, default=200, help="planted differences of each kind")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from shebao.engines.factory import make_engine
    from shebao.fund.reconcile import reconcile_folder

    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
        t0 = time.perf_counter()
        contributions, payments, planted, total = generate(Path(tmp), args.rows, args.plant)
        t_gen = time.perf_counter() - t0
        print(f"generated {total:,} transactions in {t_gen:.1f} s", file=sys.stderr)
        engine = make_engine("duckdb", threads=args.threads, memory_limit="8GB")
        t1 = time.perf_counter()
        result = reconcile_folder(Path(tmp), period=PERIOD, contributions=contributions, payments=payments, engine=engine)
        seconds = time.perf_counter() - t1
        engine.close()
    found = {(d["class"], d["reference"]) for d in result.differences}
    missed = planted - found
    extra = found - planted
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"transactions: {total:,}; engine: DuckDB, {args.threads} threads")
    print(f"reconciliation: {seconds:.1f} s ({total / seconds:,.0f} transactions/s); peak memory {peak:,.0f} MB")
    print(f"differences: {len(result.differences)} ({', '.join(f'{k} {v}' for k, v in sorted(result.counts.items()))}); "
          f"near misses matched: {sum(result.near_misses.values())}")
    print(f"planted {len(planted)}: found {len(planted) - len(missed)}, missed {len(missed)}, unplanted reported {len(extra)}")
    print(f"target (issue 25): 10,000,000 transactions ≤ 120 s — {'met' if seconds <= 120 * total / 10_000_000 else 'NOT met'}"
          f" (scaled to {total:,})")
    if missed or extra:
        sys.exit(1)


if __name__ == "__main__":
    main()
