"""`shebao load` throughput: a contributions file of N rows (after its persons), rows per second.

Writes a folder with ``--persons`` persons and one employer, and a contributions.csv of ``--rows``
monthly rows for them (about 100 bytes a row: 50 MB is about 500,000 rows), with ``--bad`` rows
made invalid in assorted ways (they must come out as rejects). Loads it into a fresh database and
prints rows/s for the contributions file, then loads it again (nothing changes: rows/s of a reload).

    .venv/bin/python benchmarks/bench_load.py --rows 500000
    .venv/bin/python benchmarks/bench_load.py --rows 500000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write_folder(folder: Path, persons: int, rows: int, bad: int, seed: int = 7) -> None:
    sys.path.insert(0, str(REPO))
    from shebao.core.validators import id_check_char, uscc_check_char
    from shebao.registry.exchange import SPEC_BY_NAME

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "persons.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SPEC_BY_NAME["persons"].columns)
        for i in range(persons):
            year = 1960 + i % 30
            body = f"370502{year}0101{i % 1000:03d}"
            sex = "M" if int(body[16]) % 2 else "F"
            w.writerow([f"P{i:07d}", body + id_check_char(body), "张三", sex, f"{year}-01-01", "370502",
                        "", "60" if sex == "M" else "50", "0"])
    body = "91370500MA3C00001"
    with open(folder / "employers.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SPEC_BY_NAME["employers"].columns)
        w.writerow(["E1", body + uscc_check_char(body), "东营示例机械有限公司", "370502", "C"])
    bad_lines = set(rng.sample(range(rows), bad)) if bad else set()
    with open(folder / "contributions.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SPEC_BY_NAME["contributions"].columns)
        months = max(1, -(-rows // persons))
        n = 0
        for p in range(persons):
            for m in range(months):
                if n >= rows:
                    break
                year, month = 2000 + m // 12, m % 12 + 1
                base = 3000 + (p * 37 + m * 11) % 9000
                row = [f"P{p:07d}", "E1" if p % 5 else "", f"{year}-{month:02d}", "pension", f"{base}.00",
                       f"{base * 8 // 100}.{base * 8 % 100:02d}", f"{base * 16 // 100}.{base * 16 % 100:02d}",
                       f"{year}-{month:02d}-15" if p % 3 else ""]
                if n in bad_lines:
                    kind = rng.randrange(6)
                    if kind == 0:
                        row[2] = f"{year}-13"
                    elif kind == 1:
                        row[4] = "1.005"
                    elif kind == 2:
                        row[0] = "PX0000000"  # no such person
                    elif kind == 3:
                        row[5] = "12\x0034.00"
                    elif kind == 4:
                        row[7] = f"{year}-02-30"
                    else:
                        row[3] = "medical"
                w.writerow(row)
                n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--bad", type=int, default=100, help="invalid rows among them")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (a scratch database is created)")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the first load")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-load-"))
    os.environ["SHEBAO_HOME"] = str(home)
    os.environ.setdefault("SHEBAO_SECRET_KEY", "bench-secret-key-0123456789abcdefghijklmnop")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if args.database_url:
        admin = create_engine(make_url(args.database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS shebao_bench_load WITH (FORCE)"))
            c.execute(text("CREATE DATABASE shebao_bench_load"))
        url = make_url(args.database_url).set(database="shebao_bench_load").render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{home / 'shebao.db'}"
    os.environ["SHEBAO_DATABASE_URL"] = url

    from shebao.migrations import upgrade
    from shebao.registry.loader import load_folder

    upgrade(url)
    data = home / "in"
    t = time.perf_counter()
    write_folder(data, args.persons, args.rows, args.bad)
    size = (data / "contributions.csv").stat().st_size
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"database: {url.split(':')[0]}; contributions.csv {args.rows} rows, {size / 1e6:.1f} MB "
          f"(written in {time.perf_counter() - t:.1f} s)")
    persons_only = home / "persons"
    persons_only.mkdir()
    for name in ("persons.csv", "employers.csv"):
        (persons_only / name).symlink_to(data / name)
    t = time.perf_counter()
    load_folder(persons_only)
    print(f"persons + employer: {args.persons} rows in {time.perf_counter() - t:.1f} s")

    contributions = home / "contributions"
    contributions.mkdir()
    (contributions / "contributions.csv").symlink_to(data / "contributions.csv")
    for label in ("first load", "reload (unchanged)"):
        t, cpu = time.perf_counter(), time.process_time()
        if args.profile and label == "first load":
            import cProfile
            import pstats

            prof = cProfile.Profile()
            summary = prof.runcall(load_folder, contributions)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        else:
            summary = load_folder(contributions)
        d, cpu = time.perf_counter() - t, time.process_time() - cpu
        loaded, rejected = summary.loaded["contributions"], summary.rejected["contributions"]
        n = loaded + rejected
        print(f"{label}: {loaded} loaded, {rejected} rejected in {d:.2f} s = {n / d:,.0f} rows/s "
              f"(loader process CPU {cpu:.2f} s = {n / cpu:,.0f} rows per CPU-second; load average "
              f"{os.getloadavg()[0]:.1f})")
        from shebao.registry import bulk

        print("  phases (wall s): " + ", ".join(f"{k} {v:.2f}" for k, v in bulk.last_timings.items()))
        if rejected != args.bad:
            raise SystemExit(f"expected {args.bad} rejects, got {rejected}")


if __name__ == "__main__":
    main()
