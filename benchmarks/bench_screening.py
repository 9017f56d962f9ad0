"""Batch screening benchmark: 1,000,000 recipients, 12 months of payments and the registries.

Target (issue 7): all rules on DuckDB in ≤ 60 s and ≤ 8 GB on a 2-core machine; (issue 17) Spark
``local[2]`` within 4× of DuckDB with identical alerts. Prints rows/s and peak memory, Spark's time
for the same data side by side, their ratio, and a digest of each engine's alerts (rows and keys).

    .venv/bin/python benchmarks/bench_screening.py                 # 1M recipients, DuckDB + Spark
    .venv/bin/python benchmarks/bench_screening.py --persons 100000 --no-spark
    .venv/bin/python benchmarks/bench_screening.py --format csv    # both engines parse the CSV

Data: the synthetic generator (``shebao synth``) when ``--source synth``; by default a fast
vectorised generator in this file (the synthetic population builds full careers and is much
slower at this size), cached in ``--data``. By default the CSV folder is converted once (not
timed, like the generation) to typed Parquet (``shebao.engines.convert``) and both engines read
that: an agency screening monthly keeps its exchange in Parquet, and Spark's CSV parsing would
otherwise dominate its time. ``--format csv`` reads the CSV instead. Each engine runs in its own
process, so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 10, 31)
PERIODS = [f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, k) for k in range(1, 11)]]


def generate(folder: Path, n: int, seed: int = 1) -> dict[str, int]:
    """Write an exchange folder with ``n`` recipients and injected anomalies of every rule."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}

    def write(name: str, table: pa.Table) -> None:
        pacsv.write_csv(table, folder / f"{name}.csv")
        counts[name] = table.num_rows

    def s(prefix: str, values) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")

    idx = np.arange(n)
    birth_day = np.datetime64("1940-01-01") + (idx // 1000 % 9000).astype("timedelta64[D]")
    birth = np.datetime_as_string(birth_day, unit="D")
    births8 = np.char.replace(birth, "-", "")
    id_number = np.char.add(np.char.add("370502", births8), np.char.add(np.char.zfill((idx % 1000).astype(str), 3), "7"))
    region = np.where(rng.random(n) < 0.5, "370502", "370202")
    person_id = s("p", idx)
    # 0.5 % of recipients are registered twice (same ID number, another region, another benefit).
    dup = np.flatnonzero(rng.random(n) < 0.005)
    deemed = rng.integers(110, 300, n)  # with five summary years: ~5 % fall short of 180 months
    persons = pa.table({
        "person_id": pa.concat_arrays([person_id, s("q", dup)]),
        "id_number": np.concatenate([id_number, id_number[dup]]),
        "name": pa.array(["张三明"] * (n + len(dup))),
        "sex": np.where(idx % 2 == 0, "M", "F").tolist() + ["M"] * len(dup),
        "birth_date": np.concatenate([birth, birth[dup]]),
        "region_code": np.concatenate([region, np.where(region[dup] == "370502", "440305", "370502")]),
        "phone": pa.array(["13812345678"] * (n + len(dup))),
        "original_retirement_age": np.concatenate([np.where(idx % 2 == 0, 60, 55), np.full(len(dup), 60)]),
        "deemed_months": np.concatenate([deemed, np.zeros(len(dup), dtype=int)]),
    })
    write("persons", persons)

    account = s("62220200", idx + 10_000_000)
    acct_np = np.array(account.to_pylist(), dtype=object)
    shared = np.flatnonzero(rng.random(n) < 0.01)  # 1 %: paid into the next person's account
    acct_np[shared] = acct_np[(shared + 1) % n]
    start_year = rng.integers(2005, 2027, n)
    start_month = np.where(start_year == 2026, rng.integers(1, 10, n), rng.integers(1, 13, n))
    start = np.char.add(np.char.add(start_year.astype(str), "-"), np.char.add(np.char.zfill(start_month.astype(str), 2), "-01"))
    kind = np.where(rng.random(n) < 0.9, "pension", "unemployment")
    amount = (rng.integers(150000, 600000, n) / 100).round(2)
    ben_region = region.copy()
    other = rng.random(n) < 0.01
    ben_region[other] = "440305"
    benefits = pa.table({
        "benefit_id": pa.concat_arrays([s("b", idx), s("c", dup)]),
        "person_id": pa.concat_arrays([person_id, s("q", dup)]),
        "kind": np.concatenate([kind, kind[dup]]),
        "region_code": np.concatenate([ben_region, np.where(region[dup] == "370502", "440305", "370502")]),
        "start_date": np.concatenate([start, np.full(len(dup), "2026-03-01")]),
        "end_date": pa.array([None] * (n + len(dup)), pa.string()),
        "monthly_amount": np.concatenate([amount, amount[dup]]),
        "status": np.concatenate([np.where(rng.random(n) < 0.97, "active", "suspended"), np.full(len(dup), "active")]),
        "bank_account": np.concatenate([acct_np.astype(str), acct_np[dup].astype(str)]),
    })
    write("benefits", benefits)

    # Payments: 12 months for every recipient (from the benefit's start), duplicates paid from 2026-03.
    first_period = np.char.add(np.char.add(start_year.astype(str), "-"), np.char.zfill(start_month.astype(str), 2))
    cols: dict[str, list] = {k: [] for k in ("benefit_id", "person_id", "period", "paid_date", "amount", "bank_account")}
    bid = np.array(s("b", idx).to_pylist(), dtype=object)
    pid = np.array(person_id.to_pylist(), dtype=object)
    for period in PERIODS:
        on = first_period <= period
        cols["benefit_id"].append(bid[on])
        cols["person_id"].append(pid[on])
        cols["period"].append(np.full(on.sum(), period))
        cols["paid_date"].append(np.full(on.sum(), f"{period}-15"))
        cols["amount"].append(amount[on])
        cols["bank_account"].append(acct_np[on])
        if period >= "2026-03":
            cols["benefit_id"].append(np.array(s("c", dup).to_pylist(), dtype=object))
            cols["person_id"].append(np.array(s("q", dup).to_pylist(), dtype=object))
            cols["period"].append(np.full(len(dup), period))
            cols["paid_date"].append(np.full(len(dup), f"{period}-16"))
            cols["amount"].append(amount[dup])
            cols["bank_account"].append(acct_np[dup])
    # Split transfers: 300 accounts receive two back-payments of 30,000 on one day.
    split = rng.choice(n, 300, replace=False)
    for _ in range(2):
        cols["benefit_id"].append(bid[split])
        cols["person_id"].append(pid[split])
        cols["period"].append(np.full(300, "2026-06"))
        cols["paid_date"].append(np.full(300, "2026-06-20"))
        cols["amount"].append(np.full(300, 30000.0))
        cols["bank_account"].append(acct_np[split])
    m = sum(len(a) for a in cols["period"])
    payments = pa.table({
        "payment_id": s("P", np.arange(m)),
        **{k: np.concatenate(v).astype(str) if k != "amount" else pa.array(np.concatenate(v).round(2))
           for k, v in cols.items()},
    })
    payments = payments.append_column("kind", pa.array(["regular"] * m)).append_column("status", pa.array(["paid"] * m))
    write("payments", payments)

    dead = rng.choice(n, n // 200, replace=False)  # 0.5 %: died within the last two years, still paid
    death_day = np.datetime64("2024-11-01") + rng.integers(0, 730, len(dead)).astype("timedelta64[D]")
    write("deaths", pa.table({"id_number": id_number[dead], "name": pa.array(["张三明"] * len(dead)),
                              "death_date": np.datetime_as_string(death_day, unit="D"),
                              "source": pa.array(["civil_affairs"] * len(dead))}))
    jailed = rng.choice(n, n // 500, replace=False)
    jail_day = np.datetime64("2025-06-01") + rng.integers(0, 500, len(jailed)).astype("timedelta64[D]")
    write("incarcerations", pa.table({"id_number": id_number[jailed],
                                      "start_date": np.datetime_as_string(jail_day, unit="D"),
                                      "end_date": pa.array([None] * len(jailed), pa.string()),
                                      "source": pa.array(["justice"] * len(jailed))}))
    cert_day = np.datetime64("2026-10-31") - rng.integers(0, 365 + 130, n).astype("timedelta64[D]")
    write("certifications", pa.table({"person_id": person_id, "certified_date": np.datetime_as_string(cert_day, unit="D"),
                                      "method": pa.array(["silent"] * n)}))
    # Yearly contribution summaries: five years per person (plus the deemed months).
    years = 5
    cy_pid = np.repeat(np.array(person_id.to_pylist(), dtype=object), years)
    base_year = np.repeat(birth_day.astype("datetime64[Y]").astype(int) + 1970 + 25, years) + np.tile(np.arange(years), n)
    write("contribution_years", pa.table({
        "person_id": cy_pid.astype(str), "year": base_year, "insurance": pa.array(["pension"] * (n * years)),
        "months": np.full(n * years, 12), "avg_base": np.full(n * years, 4000.0), "avg_index": np.full(n * years, 1.0)}))
    write("contributions", pa.table({c: pa.array([], pa.string()) for c in (
        "person_id", "employer_id", "period", "insurance", "base", "employee_amount", "employer_amount", "paid_date")}))
    return counts


def run_engine(engine: str, folder: Path) -> dict:
    """Screen ``folder`` on one engine in this process; report time, rows/s and peak memory."""
    from shebao.risk.screening import screen_folder

    kwargs = {}
    if engine == "spark":
        from shebao.engines.spark_engine import SparkEngine, local_session

        session = local_session(cores=os.cpu_count() or 2, memory="8g")
        session.sparkContext.setLogLevel("ERROR")
        kwargs["engine"] = SparkEngine(session)
    else:
        kwargs["engine"] = "duckdb"
    import psutil

    def cpu() -> float:  # this process and its children (Spark's JVM)
        me = psutil.Process()
        return sum(sum(p.cpu_times()[:2]) for p in [me, *me.children(recursive=True)])

    c0, t0 = cpu(), time.perf_counter()
    result = screen_folder(folder, as_of=AS_OF, **kwargs)
    seconds = time.perf_counter() - t0
    cpu_seconds = cpu() - c0
    import hashlib

    digest = hashlib.sha256()
    for f in result.findings:  # sorted by the screening; the key values say which same finding
        digest.update(repr((tuple(f.row().values()), f.key_values)).encode())
    return {"engine": engine, "seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 1),
            "input_rows": result.input_rows,
            "alerts_sha256": digest.hexdigest()[:16],
            "rows_per_s": round(result.input_rows / seconds), "alerts": len(result.findings),
            "by_rule": result.by_rule(), "timings": {k: round(v, 2) for k, v in result.timings.items()}}


def run_measured(cmd: list[str]) -> tuple[int, str, str, int]:
    """Run ``cmd``, sampling the resident memory of it and its children (Spark's JVM) every 0.2 s."""
    import psutil

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import threading

    peak = [0]

    def sample() -> None:
        try:
            parent = psutil.Process(proc.pid)
            while proc.poll() is None:
                total = 0
                for p in [parent, *parent.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total)
                time.sleep(0.2)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    sampler.join(timeout=1)
    return proc.returncode, stdout, stderr, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=None, help="data folder (cached; default /tmp/shebao-bench-N)")
    parser.add_argument("--source", choices=("fast", "synth"), default="fast")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                        help="what the engines read: typed Parquet converted once from the CSV (default), or the CSV")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--run", choices=("duckdb", "spark"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.data or Path(f"/tmp/shebao-bench-{args.source}-{args.persons}")
    if args.run:
        print(json.dumps(run_engine(args.run, folder)))
        return
    import psutil

    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB RAM, "
          f"Python {platform.python_version()}")
    if not (folder / "payments.csv").exists():
        t = time.perf_counter()
        if args.source == "synth":
            subprocess.run([str(Path(sys.executable).with_name("shebao")), "synth", "--persons", str(args.persons), "--seed", "1",
                            "--out", str(folder)], check=True)
        else:
            generate(folder, args.persons)
        print(f"generated {folder} in {time.perf_counter() - t:.1f} s")
    sizes = {p.name: p.stat().st_size for p in folder.glob("*.csv")}
    print(f"data: {folder} ({sum(sizes.values()) / 2**30:.2f} GB of CSV)")
    read = folder
    if args.format == "parquet":
        read = folder / "parquet"
        if not (read / "payments.parquet").exists():
            from shebao.engines.convert import folder_to_parquet

            t = time.perf_counter()
            folder_to_parquet(folder, read)
            print(f"converted to typed Parquet in {time.perf_counter() - t:.1f} s (once; not part of the engines' times)")
        size = sum(p.stat().st_size for p in read.glob("*.parquet"))
        print(f"engines read: {read} ({size / 2**30:.2f} GB of Parquet)")
    results = []
    for engine in ("duckdb",) + (() if args.no_spark else ("spark",)):
        code, stdout, stderr, tree_peak = run_measured([sys.executable, __file__, "--run", engine, "--data", str(read)])
        if code != 0:
            print(f"{engine} failed:\n{stderr[-3000:]}")
            continue
        result = json.loads(stdout.strip().splitlines()[-1])
        result["tree_peak_gb"] = round(tree_peak / 2**30, 2)
        results.append(result)
        print(f"{engine} done: {result['seconds']} s, {result['cpu_seconds']} CPU s, {result['alerts']:,} alerts, "
              f"sha256 {result['alerts_sha256']}, load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"load average after the runs: {os.getloadavg()[0]:.1f} (other work on the machine slows both engines)")
    print(f"\n{'engine':8} {'seconds':>8} {'CPU s':>8} {'input rows':>12} {'rows/s':>12} {'peak memory':>12} {'alerts':>8}")
    for r in results:
        print(f"{r['engine']:8} {r['seconds']:8.1f} {r['cpu_seconds']:8.1f} {r['input_rows']:12,} {r['rows_per_s']:12,} "
              f"{r['tree_peak_gb']:10.2f}GB {r['alerts']:8,}")
    for r in results:
        print(f"{r['engine']} per step (s): {r['timings']}")
        print(f"{r['engine']} alerts by rule: {r['by_rule']}")
    duck = next((r for r in results if r["engine"] == "duckdb"), None)
    spark = next((r for r in results if r["engine"] == "spark"), None)
    if duck and spark:
        same = duck["alerts_sha256"] == spark["alerts_sha256"]
        print(f"\nSpark / DuckDB: {spark['seconds'] / duck['seconds']:.1f}× wall clock (target ≤ 4×), "
              f"{spark['cpu_seconds'] / duck['cpu_seconds']:.1f}× CPU; alerts "
              + ("identical" if same else "DIFFER") + f" (sha256 {duck['alerts_sha256']} / {spark['alerts_sha256']})")
    if duck:
        ok = duck["seconds"] <= 60 and duck["tree_peak_gb"] <= 8
        print(f"\nDuckDB target ≤ 60 s and ≤ 8 GB: {'met' if ok else 'NOT met'}"
              + ("" if args.persons == 1_000_000 else f" (at {args.persons:,} recipients)"))
        print("peak memory: resident set of the engine's process tree sampled every 0.2 s (Spark: driver + JVM)")


if __name__ == "__main__":
    main()
