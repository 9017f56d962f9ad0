"""Synthetic population benchmark: persons/s, rows per file, elapsed time and peak memory.

    .venv/bin/python benchmarks/bench_synth.py                       # 1,000,000 persons, CSV
    .venv/bin/python benchmarks/bench_synth.py --persons 200000 --format parquet
    .venv/bin/python benchmarks/bench_synth.py --keep /data/pop      # keep the output folder

Goal (issue 3): 1,000,000 persons with 36 months of detail in ≤ 3 minutes and ≤ 4 GB peak
memory on a 2-core machine. Peak memory is the process's maximum resident set size
(``resource.getrusage``), sampled alongside with psutil.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-11-25")
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    parser.add_argument("--detail-months", type=int, default=36)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args()

    import psutil

    from shebao.synth import generate

    proc = psutil.Process()
    peak_sampled = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak_sampled[0] = max(peak_sampled[0], proc.memory_info().rss)
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_synth_"))
    t0 = time.perf_counter()
    summary = generate(args.persons, seed=args.seed, out=out, as_of=dt.date.fromisoformat(args.as_of),
                       fmt=args.format, detail_months=args.detail_months, progress=False)
    elapsed = time.perf_counter() - t0
    stop.set()
    sampler.join()
    peak_rusage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    size = sum(p.stat().st_size for p in out.iterdir())

    print(f"machine: {platform.machine()} {platform.system()} {platform.release()}, "
          f"{os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB RAM, Python {platform.python_version()}")
    print(f"persons: {args.persons:,}  seed: {args.seed}  as-of: {args.as_of}  format: {args.format}  "
          f"detail months: {args.detail_months}")
    print(f"elapsed: {elapsed:.1f} s  (generate {summary.seconds['generate']:.1f} s, "
          f"write {summary.seconds['write']:.1f} s on the writer thread)")
    print(f"persons/s: {args.persons / elapsed:,.0f}")
    print(f"peak memory: {peak_rusage / 2**30:.2f} GiB (getrusage max RSS), {peak_sampled[0] / 2**30:.2f} GiB (psutil samples)")
    print(f"output: {size / 2**30:.2f} GiB in {out}")
    print("rows per file:")
    for name, n in summary.rows.items():
        print(f"  {name:<20} {n:>14,}")
    print("labels: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.labels.items())))
    print(f"pensions assessed: {summary.pensions_assessed}")
    goal_t, goal_m = elapsed <= 180, peak_rusage <= 4 * 2**30
    if args.persons == 1_000_000 and args.detail_months == 36:
        print(f"goal ≤ 180 s: {'met' if goal_t else 'MISSED'}; goal ≤ 4 GB: {'met' if goal_m else 'MISSED'}")
    if args.keep is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
