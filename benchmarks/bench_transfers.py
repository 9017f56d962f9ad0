"""Transfers between regions (issue 21): how fast a plan is computed, and how fast records move.

    PYTHONPATH=. python benchmarks/bench_transfers.py [--plans 20000] [--months 360] [--database-url URL]

Prints: plans per second (a 30-year history in three provinces, pure computation), and the records
step on a database (one person's ``--months`` monthly records marked with their origin, in committed
chunks of 500) in records per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from decimal import Decimal


def _history(i: int) -> dict:
    years = [("440305", y) for y in range(1995, 2005)] + [("320505", y) for y in range(2005, 2015)] + \
        [("110105", y) for y in range(2015, 2025)]
    return {"from_region": "110105", "to_region": "370502", "date": "2025-06-02", "household_region": "410102",
            "birth_date": "1975-03-01", "sex": "M" if i % 2 else "F",
            "contributions": [{"region": r, "year": y, "months": 12, "monthly_base": f"{3000 + y + i % 97}.{i % 100:02d}"}
                              for r, y in years],
            "account_balance": "123456.78", "account_pre1998_total": "9000.00", "account_pre1998_own": "6000.00"}


def bench_plans(n: int) -> float:
    from shebao.policy.paramset import default_parameters
    from shebao.policy.transfer import plan_from_input

    params = default_parameters()
    inputs = [_history(i) for i in range(n)]
    plan_from_input(inputs[0], params)
    t0 = time.perf_counter()
    for x in inputs:
        plan_from_input(x, params)
    return n / (time.perf_counter() - t0)


def bench_records(url: str, months: int, transfers: int) -> tuple[float, int]:
    """``transfers`` people, each with ``months`` months (half in the registry, half in the statement)."""
    from shebao.core.db import get_engine
    from shebao.migrations import upgrade

    upgrade(url)
    engine = get_engine(url)
    total = seconds = 0.0
    for i in range(transfers):
        rate, n = _one(engine, months, i)
        total += n
        seconds += n / rate
    return total / seconds, int(total)


def _one(engine, months: int, i: int) -> tuple[float, int]:
    from shebao.benefits.transfers import parse_statement_rows
    from shebao.cases import transfers as tr
    from shebao.core.crypto import blind_index
    from shebao.core.db import session_scope
    from shebao.registry.models import Contribution, Employer, Person

    pid = f"PBENCH{i:04d}"
    start = dt.date(2025, 1, 1) - dt.timedelta(days=31 * months)
    with session_scope(engine) as s:
        s.info.update(actor="bench", actor_role="admin")
        s.add(Person(person_id=pid, id_number="110105197503011234", id_number_bidx=blind_index("bench"),
                     name="测试", sex="M", birth_date=dt.date(1975, 3, 1), region_code="110105",
                     original_retirement_age=60, deemed_months=0, row_hash="x"))
        if i == 0:
            s.add(Employer(employer_id="EB", uscc="x", name="x", region_code="110105", industry_code="C", row_hash="x"))
        s.flush()
        for k in range(months // 2):
            m = start.year * 12 + start.month - 1 + k
            s.add(Contribution(person_id=pid, employer_id="EB", period=f"{m // 12:04d}-{m % 12 + 1:02d}",
                               insurance="pension", base=Decimal("5000.00"), employee_amount=Decimal("400.00"),
                               employer_amount=Decimal("800.00"), row_hash="x"))
        t, _ = tr.apply(s, raw={"person_id": pid, "to_region": "370502", "household_region": "370502",
                                "account_pre1998_own": "0"}, idempotency_key=f"bench-{i}", on=dt.date(2025, 3, 3))
        tr.issue_certificate(s, transfer_no=t.transfer_no, on=dt.date(2025, 3, 4))
        tr.accept(s, transfer_no=t.transfer_no, on=dt.date(2025, 3, 5))
        tr.record_fund(s, transfer_no=t.transfer_no, personal=t.personal_planned, pooled=t.pooled_planned,
                       on=dt.date(2025, 3, 6))
        no = t.transfer_no
    # the other half arrive in the old place's statement (not in the registry yet)
    rows = []
    for k in range(months // 2, months):
        m = start.year * 12 + start.month - 1 + k
        rows.append({"period": f"{m // 12:04d}-{m % 12 + 1:02d}", "base": "5000.00", "employee_amount": "400.00",
                     "employer_amount": "800.00", "employer_id": "EOLD"})
    parsed = parse_statement_rows(rows)
    t0 = time.perf_counter()
    done = tr.move_records_step(engine, transfer_no=no, rows=parsed, on=dt.date(2025, 3, 9), actor="bench",
                                actor_role="admin", chunk_size=500)
    return done.records_moved / (time.perf_counter() - t0), done.records_moved


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=20000)
    ap.add_argument("--months", type=int, default=480, help="months per person (at most 600)")
    ap.add_argument("--transfers", type=int, default=20)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="bench-transfers-")
    os.environ.setdefault("SHEBAO_HOME", home)
    os.environ.setdefault("SHEBAO_SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijkl")
    os.environ.setdefault("SHEBAO_ENV", "development")
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    rates = [bench_plans(args.plans) for _ in range(3)]
    print(f"plans (30 years, 3 provinces, trace included): {statistics.median(rates):,.0f}/s median of 3 "
          f"({', '.join(f'{r:,.0f}' for r in rates)})")
    url = args.database_url or f"sqlite:///{home}/bench.db"
    rate, n = bench_records(url, min(args.months, 600), args.transfers)
    print(f"records step on {url.split(':')[0].split('+')[0]}: {args.transfers} transfers, {n:,} records (half marked, "
          f"half inserted from the statement) at {rate:,.0f} records/s")


if __name__ == "__main__":
    main()
