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
    parser.add_argument("--latency-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latency_only is not None:
        latency_child(args.latency_only, args.repeat)
        return

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

        # Latency is measured in a fresh process that only answers (as `shebao ask` and the API
        # do): the embedding engine then runs one thread per query (see shebao.assistant.embedding).
        import json
        import subprocess
        import sys

        child = subprocess.run(
            [sys.executable, __file__, "--latency-only", str(index_dir), "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"load + first answer: {figures['load_s']:.2f} s")
        print(f"answer latency over {figures['n']} questions: p50 {figures['p50']:.1f} ms, "
              f"p95 {figures['p95']:.1f} ms, max {figures['max']:.1f} ms (goal: p95 ≤ 200 ms); "
              f"load average {figures['loadavg']}")
        print(f"RSS of the answering process: {figures['rss_mib']:.0f} MiB")
        kb = load(index_dir)

        print(f"\nquality on the frozen set ({len(questions)} questions):")
        print(f"{'configuration':46s} {'hit@1':>7s} {'hit@3':>7s} {'MRR':>6s}   (latency: see above)")
        for rep in run_ablations(kb, questions):
            s = rep.summary()
            print(f"{rep.name:46s} {s['hit@1']:7.1%} {s['hit@3']:7.1%} {s['mrr']:6.3f}")
        from shebao.assistant.answer import Assistant
        from shebao.assistant.evaluation import evaluate_answers

        a = evaluate_answers(Assistant(kb), questions, out_of_scope).summary()
        print(f"\nanswers through the whole assistant: hit@1 {a['hit@1']:.1%}, hit@3 {a['hit@3']:.1%} of the citations "
              f"shown; key fact in the first sentence {a['answer_correct']:.1%} of {a['with_fact']}; "
              f"off-field {a['off_field']} questions, {a['off_field_with_citations']} with a citation")


def latency_child(index_dir: Path, repeat: int) -> None:
    import json

    from shebao.assistant.answer import Assistant
    from shebao.assistant.evaluation import load_question_set
    from shebao.assistant.kb import load

    questions, out_of_scope = load_question_set()
    t = time.perf_counter()
    assistant = Assistant(load(index_dir))
    assistant.ask(questions[0].text)  # the first question pays the lazy loads (jieba, model)
    load_s = time.perf_counter() - t
    latencies = []
    for _ in range(repeat):
        for text in [q.text for q in questions] + out_of_scope:
            t = time.perf_counter()
            assistant.ask(text)
            latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    print(json.dumps({
        "n": len(latencies), "load_s": load_s, "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))], "max": latencies[-1],
        "rss_mib": psutil.Process().memory_info().rss / 2**20,
        "loadavg": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }))


if __name__ == "__main__":
    main()
