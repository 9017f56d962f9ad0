"""Record linkage on a labelled hard Chinese set: shebao's Chinese-aware model against Splink with its
default comparisons, then time and peak memory at scale.

Run:
    PYTHONPATH=. .venv/bin/python benchmarks/bench_linkage.py                 # quality at 100,000 + scale 100,000
    PYTHONPATH=. .venv/bin/python benchmarks/bench_linkage.py --scale 1000000 # also 1,000,000 on DuckDB
    PYTHONPATH=. .venv/bin/python benchmarks/bench_linkage.py --spark         # also 100,000 on Spark

The set (``shebao.synth.linkage``): about a fifth of the people registered again with two or three
changes (homophones, traditional characters, minority-name dots, swapped names, 15-digit IDs, ID
typos, 一人多号, moved region, new phone, birth-date typos) and one in twenty with a namesake (a
different person: same common name, birth date and sex, mostly in the same city). Pairwise
precision, recall and F1 count the pairs of records put in one cluster against the labels.
Each scale run is a fresh process, so its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def pairwise(clusters: dict[str, str], labels: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the true entities."""
    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    tp = pairs(Counter((clusters[p], labels[p]) for p in labels))
    predicted = pairs(Counter(clusters[p] for p in labels))
    true = pairs(Counter(labels.values()))
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true_pairs": true, "predicted_pairs": predicted, "correct_pairs": tp}


def _entities_for(records: int) -> int:
    # 1 + 0.2 × (0.85 + 2 × 0.15) duplicates + 0.05 namesakes = 1.28 records per entity on average; a
    # little below it, so that a run asked for N records links at least N (not 0.8 % fewer)
    return math.ceil(records / 1.275)


def make_set(records: int, seed: int, folder: Path) -> dict[str, int]:
    from shebao.synth.linkage import generate_linkage_set

    return generate_linkage_set(_entities_for(records), seed, folder)


def run_ours(folder: Path, engine: str, threshold: float) -> tuple[dict[str, str], dict]:
    from shebao.linkage.service import link_folder

    t = time.perf_counter()
    result = link_folder(folder, engine=engine, threshold=threshold)
    seconds = time.perf_counter() - t
    clusters = {p: c for p, c, _ in result.clusters}
    return clusters, {"seconds": round(seconds, 1), "pairs_scored": result.pairs_scored,
                      "review_pairs": len(result.review), "timings": {k: round(v, 1) for k, v in result.timings.items()}}


def run_baseline(folder: Path, threshold: float) -> dict[str, str]:
    """Splink's default comparisons on the columns as written (names compared as Latin strings)."""
    from datetime import date

    import pyarrow as pa

    from shebao.engines.factory import make_engine
    from shebao.linkage import comparisons as cmp
    from shebao.linkage.link import train_and_predict

    accounts: dict[str, str] = {}
    with (folder / "benefits.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            accounts.setdefault(row["person_id"], row["bank_account"])
    cols: dict[str, list] = {c: [] for c in ("unique_id", "name", "id_number", "birth_date", "sex", "region_code",
                                             "phone", "account")}
    with (folder / "persons.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cols["unique_id"].append(row["person_id"])
            for c in ("name", "id_number", "sex", "region_code"):
                cols[c].append(row[c] or None)
            cols["phone"].append(row["phone"] or None)
            cols["birth_date"].append(date.fromisoformat(row["birth_date"]))
            cols["account"].append(accounts.get(row["person_id"]))
    table = pa.table(cols)
    with make_engine("duckdb") as eng:
        eng.register_arrow("baseline_input", table)
        deterministic, em = cmp.baseline_training()
        linker, predictions = train_and_predict(eng, "baseline_input", cmp.baseline_settings(),
                                                n_records=table.num_rows, deterministic=deterministic, em=em,
                                                review_threshold=threshold, timings={})
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold)
        out = eng.query(f"SELECT unique_id, cluster_id FROM {clusters.physical_name}")
        return dict(zip(out.column(0).to_pylist(), out.column(1).to_pylist(), strict=True))


def read_labels(folder: Path) -> dict[str, str]:
    with (folder / "labels.csv").open(encoding="utf-8") as fh:
        return {r["person_id"]: r["entity_id"] for r in csv.DictReader(fh)}


def quality(records: int, seed: int, thresholds: list[float]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-linkage-") as tmp:
        folder = Path(tmp)
        counts = make_set(records, seed, folder)
        labels = read_labels(folder)
        out: dict = {"set": counts, "ours": {}, "baseline": {}}
        for th in thresholds:
            clusters, info = run_ours(folder, "duckdb", th)
            out["ours"][str(th)] = {**pairwise(clusters, labels), "seconds": info["seconds"]}
            out["baseline"][str(th)] = pairwise(run_baseline(folder, th), labels)
        return out


def scale_child(records: int, engine: str, seed: int) -> dict:
    """One scale run in this process: generate, link, report time and peak memory."""
    with tempfile.TemporaryDirectory(prefix="bench-linkage-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        counts = make_set(records, seed, folder)
        gen_seconds = time.perf_counter() - t
        labels = read_labels(folder)
        use0 = resource.getrusage(resource.RUSAGE_SELF)
        load0 = os.getloadavg()[0]
        clusters, info = run_ours(folder, engine, 0.99)
        use1 = resource.getrusage(resource.RUSAGE_SELF)
        # CPU seconds of the linkage (all its threads): on a machine shared with other work, wall
        # time says more about the neighbours than about the code
        cpu = (use1.ru_utime - use0.ru_utime) + (use1.ru_stime - use0.ru_stime)
        peak_mb = use1.ru_maxrss / 1024
        return {"records": counts["records"], "engine": engine, "generate_seconds": round(gen_seconds, 1),
                "link_seconds": info["seconds"], "steps": info["timings"], "pairs_scored": info["pairs_scored"],
                "peak_rss_mb": round(peak_mb), "quality": pairwise(clusters, labels), "cpu_seconds": round(cpu, 1),
                "load_average": [round(load0, 1), round(os.getloadavg()[0], 1)]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000, help="records in the quality set")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--thresholds", default="0.8,0.9,0.95,0.99")
    ap.add_argument("--scale", default="100000", help="scale runs on DuckDB, comma-separated record counts")
    ap.add_argument("--spark", action="store_true", help="also 100,000 records on Spark (local, 2 cores)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("SHEBAO_HOME", tempfile.mkdtemp(prefix="bench-linkage-home-"))
    if args.child:
        records, engine = args.child.split(":")
        print(json.dumps(scale_child(int(records), engine, args.seed)))
        return
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.records:
        q = quality(args.records, args.seed, [float(x) for x in args.thresholds.split(",")])
        print(f"\nquality set: {q['set']}")
        print(f"{'threshold':>9}  {'model':<24} {'precision':>9} {'recall':>7} {'F1':>7}")
        for th in q["ours"]:
            for model, key in (("shebao (Chinese-aware)", "ours"), ("Splink default", "baseline")):
                r = q[key][th]
                print(f"{th:>9}  {model:<24} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['f1']:>7.4f}")
    runs = [(int(n), "duckdb") for n in args.scale.split(",") if n]
    if args.spark:
        runs.append((100_000, "spark"))
    for records, engine in runs:
        proc = subprocess.run([sys.executable, __file__, "--child", f"{records}:{engine}", "--seed", str(args.seed)],
                              capture_output=True, text=True, env=os.environ.copy())
        if proc.returncode != 0:
            print(f"\nscale {records:,} on {engine}: failed\n{proc.stderr[-2000:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"\nscale {r['records']:,} records on {engine}: link {r['link_seconds']} s wall, "
              f"{r['cpu_seconds']} CPU-s (steps {r['steps']}), peak RSS {r['peak_rss_mb']:,} MB, "
              f"pairs scored {r['pairs_scored']:,}, F1 {r['quality']['f1']} (set generated in "
              f"{r['generate_seconds']} s; load average {r['load_average'][0]} → {r['load_average'][1]})")


if __name__ == "__main__":
    main()
