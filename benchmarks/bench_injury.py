"""Benchmark the work-injury suggestions: time per text after the first call, and the accuracy figures.

Prints the machine, the first-call time (word lists, segmenter and clauses loading), then for each
labelled set the per-text latency (mean, p50, p95, max over ``--repeat`` passes, single thread) and
the accuracy as ``shebao injury eval`` reports it. The goal is ≤ 50 ms per text on 2 cores.

Usage:
    PYTHONPATH=. .venv/bin/python benchmarks/bench_injury.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "injury" / "data"


def _latencies(fn, rows, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        for row in rows:
            start = time.perf_counter()
            fn(row)
            out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over each set")
    args = parser.parse_args()
    print(f"machine: {platform.node()} · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} cpus · load {os.getloadavg()[0]:.2f} · python {platform.python_version()}")
    start = time.perf_counter()
    from shebao.injury.determination import suggest, warm_up
    from shebao.injury.evaluation import evaluate, load_rows
    from shebao.injury.grading import suggest_grade

    warm_up()
    suggest("上班时在车间被机器压伤了手。")
    suggest_grade("右小腿截肢术后")
    print(f"first call (imports, word list, segmenter, 530 clauses): {(time.perf_counter() - start) * 1000:.0f} ms")
    for name, fn in (("determination_eval", lambda r: suggest(r["text"], r.get("facts"))),
                     ("determination_heldout", lambda r: suggest(r["text"], r.get("facts"))),
                     ("determination_fresh", lambda r: suggest(r["text"], r.get("facts"))),
                     ("grade_eval", lambda r: suggest_grade(r["text"])),
                     ("grade_fresh", lambda r: suggest_grade(r["text"])),
                     ("grade_heldout", lambda r: suggest_grade(r["text"]))):
        rows = load_rows(DATA / f"{name}.jsonl")
        ms = sorted(_latencies(fn, rows, args.repeat))
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        print(f"{name:<22} {len(rows):>3} texts × {args.repeat}: mean {statistics.mean(ms):6.2f} ms · "
              f"p50 {statistics.median(ms):6.2f} · p95 {p95:6.2f} · max {ms[-1]:6.2f} ms per text")
    result = evaluate(DATA)
    for key, part in result.items():
        if not isinstance(part, dict):
            continue
        line = f"{key:<22} exact {part['exact']}/{part['n']} ({part['accuracy']:.1%})"
        if "within_one_rate" in part:
            line += f" · within one grade {part['within_one_rate']:.1%}"
        if "excluded_stated_but_injury" in part:
            line += f" · exclusion stated but 'injury': {part['excluded_stated_but_injury']}"
        print(line)


if __name__ == "__main__":
    main()
