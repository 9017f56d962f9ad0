"""Document intake speed: model load once, then seconds per page on the fixed degraded set.

Prints wall-clock seconds per page and the process's CPU seconds per page (all threads). The OCR runs
on two threads (``intra_op_num_threads=2``); on a machine shared with other work the wall-clock figure
grows with the load average, the CPU figure much less: CPU / 2 is what an idle 2-core machine would take.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_intake.py [DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "intake" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    folder = Path(args.directory)
    names = sorted(json.loads((folder / "truth.json").read_text(encoding="utf-8")))

    from shebao.intake import ocr
    from shebao.intake.files import pages_of
    from shebao.intake.reader import read_one_page

    started = time.perf_counter()
    ocr.get_engine()
    load = time.perf_counter() - started
    pages = [p for name in names for p in pages_of(name, (folder / name).read_bytes())]
    walls, cpus = [], []
    for _ in range(args.repeat):
        for page in pages:
            w0, c0 = time.perf_counter(), time.process_time()
            read_one_page(page)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
    walls.sort()
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load_avg:.1f} at the end")
    print(f"model load (once per process): {load:.2f} s; loads: {ocr.loads()}")
    print(f"pages: {len(walls)}  wall s/page: mean {sum(walls) / len(walls):.2f}, median {walls[len(walls) // 2]:.2f}, "
          f"p95 {walls[int(len(walls) * 0.95) - 1]:.2f}")
    print(f"CPU s/page (both OCR threads): mean {sum(cpus) / len(cpus):.2f}  -> idle 2-core estimate "
          f"{sum(cpus) / len(cpus) / 2:.2f} s/page")


if __name__ == "__main__":
    main()
