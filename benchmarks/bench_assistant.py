"""Benchmark the policy assistant (智导): build time, load time, answer latency, quality.

Prints the machine it ran on, then: cold and incremental build times of the knowledge base,
load time, per-question latency of a full answer (p50/p95/max) once loaded, peak memory, and
hit@1 / hit@3 / MRR of each retrieval configuration (baseline → + segmentation → + lexicon →
+ reranker) on the frozen question set.

Usage:
    .venv/bin/python benchmarks/bench_assistant.py [--corpus ../shared/corpus/laws]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "laws")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the question set for latency")
    args = parser.parse_args()

    from shebao.assistant.answer import Assistant
    from shebao.assistant.evaluation import load_question_set, run_ablations
    from shebao.assistant.kb import build, load

    print(f"machine: {platform.node()} · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} CPUs · {psutil.virtual_memory().total / 2**30:.0f} GiB · Python {platform.python_version()}")
    questions, out_of_scope = load_question_set()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "kb"
        t = time.perf_counter()
        report = build(args.corpus, index_dir=index_dir, make_current=False)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        build(args.corpus, index_dir=index_dir, make_current=False)
        warm = time.perf_counter() - t
        print(f"corpus: {report.files} files, {report.articles} articles; embedder: {report.embedder}")
        print(f"build: cold {cold:.1f} s, incremental (nothing changed) {warm * 1000:.0f} ms")

        t = time.perf_counter()
        kb = load(index_dir)
        assistant = Assistant(kb)
        assistant.ask(questions[0].text)  # first question pays the lazy loads (jieba, model)
        print(f"load + first answer: {time.perf_counter() - t:.2f} s")

        latencies = []
        texts = [q.text for q in questions] + out_of_scope
        for _ in range(args.repeat):
            for text in texts:
                t = time.perf_counter()
                assistant.ask(text)
                latencies.append((time.perf_counter() - t) * 1000)
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"answer latency over {len(latencies)} questions: p50 {statistics.median(latencies):.1f} ms, "
              f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms (goal: p95 ≤ 200 ms)")
        print(f"peak RSS: {psutil.Process().memory_info().rss / 2**20:.0f} MiB")

        print(f"\nquality on the frozen set ({len(questions)} questions):")
        print(f"{'configuration':46s} {'hit@1':>7s} {'hit@3':>7s} {'MRR':>6s} {'p95 ms':>7s}")
        for rep in run_ablations(kb, questions):
            s = rep.summary()
            print(f"{rep.name:46s} {s['hit@1']:7.1%} {s['hit@3']:7.1%} {s['mrr']:6.3f} {s['latency_p95_ms']:7.1f}")


if __name__ == "__main__":
    main()
