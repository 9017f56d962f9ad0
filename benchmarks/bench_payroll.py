"""Payroll throughput: N active pensions paid for one period, then the same period run again.

Prints payments/s for the first run (with the pre-payroll sync of deaths, sentences,
certifications and published bases) and the time of the rerun (which must create nothing).

    .venv/bin/python benchmarks/bench_payroll.py --benefits 50000
    .venv/bin/python benchmarks/bench_payroll.py --benefits 50000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benefits", type=int, default=50_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (a scratch database is created)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-payroll-"))
    os.environ["SHEBAO_HOME"] = str(home)
    os.environ.setdefault("SHEBAO_SECRET_KEY", "bench-secret-key-0123456789abcdefghijklmnop")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if args.database_url:
        admin = create_engine(make_url(args.database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS shebao_bench_payroll WITH (FORCE)"))
            c.execute(text("CREATE DATABASE shebao_bench_payroll"))
        url = make_url(args.database_url).set(database="shebao_bench_payroll").render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{home / 'shebao.db'}"
    os.environ["SHEBAO_DATABASE_URL"] = url

    from shebao.benefits.payroll import run_payroll
    from shebao.migrations import upgrade

    sys.path.insert(0, str(REPO / "tests" / "benefits"))
    from benefits_builders import bulk_population  # the tests' bulk builder: one pension per person

    upgrade(url)
    t = time.perf_counter()
    bulk_population(url, args.benefits)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"database: {url.split(':')[0]}; populate {args.benefits} pensions: {time.perf_counter() - t:.1f} s")
    as_of = date(2026, 6, 30)
    t = time.perf_counter()
    first = run_payroll("2026-06", sync=True, as_of=as_of, today=as_of)
    d = time.perf_counter() - t
    print(f"payroll 2026-06: {d:.1f} s = {args.benefits / d:,.0f} payments/s; created {first.created}, total {first.total}")
    t = time.perf_counter()
    again = run_payroll("2026-06", sync=True, as_of=as_of, today=as_of)
    print(f"rerun: {time.perf_counter() - t:.1f} s; created {again.created}, existing {again.existing}")


if __name__ == "__main__":
    main()
