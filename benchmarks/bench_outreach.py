"""政策快送 benchmark: campaign selection over a synthetic registry, then personal reports rendered and
queued.

    python benchmarks/bench_outreach.py --persons 1000000          # selection only (DuckDB)
    python benchmarks/bench_outreach.py --persons 100000 --messages 100000

Prints the selection time per campaign and in all, the peak memory of the process, and the time to
compute, render (HTML and one-page PDF) and queue the messages. Goals (issue 27): 1,000,000 persons
screened for all campaigns in ≤ 60 s with DuckDB; 100,000 messages with their PDFs in ≤ 10 minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=0, help="render and queue this many messages (0: selection only)")
    ap.add_argument("--folder", type=Path, default=None, help="an existing synthetic folder (else generated)")
    ap.add_argument("--as-of", default="2026-06-30")
    ap.add_argument("--engine", default="duckdb")
    args = ap.parse_args()

    from shebao.outreach.catalogue import load_catalogue
    from shebao.outreach.reports import compute_report, render_html, render_pdf, report_inputs
    from shebao.outreach.selection import select_folder
    from shebao.synth import generate

    as_of = dt.date.fromisoformat(args.as_of)
    tmp = tempfile.TemporaryDirectory(prefix="bench-outreach-")
    folder = args.folder or Path(tmp.name) / "pop"
    if args.folder is None:
        t = time.perf_counter()
        generate(persons=args.persons, seed=1, out=folder, as_of=as_of, progress=False, fmt="parquet")
        print(f"synth {args.persons:,} persons (parquet): {time.perf_counter() - t:.1f} s", file=sys.stderr)
    seen: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(campaign_id: str) -> None:
        now = time.perf_counter()
        seen[campaign_id] = now
        last[0] = now

    t0 = time.perf_counter()
    selection = select_folder(folder, as_of=as_of, engine=args.engine, progress=progress)
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"selection on {args.engine}: {selection.loaded.get('persons', 0):,} persons, {len(selection.targets):,} "
          f"targets in {total:.1f} s (peak RSS {peak:,.0f} MB, {os.cpu_count()} cores)")
    for cid, n in selection.counts.items():
        print(f"  {cid}: {n:,}")
    if args.messages:
        catalogue = load_catalogue()
        targets = (selection.targets * (args.messages // max(len(selection.targets), 1) + 1))[:args.messages]
        t = time.perf_counter()
        pdf_bytes = 0
        out = Path(tmp.name) / "outbox"
        out.mkdir()
        for i, target in enumerate(targets):
            inputs = report_inputs(catalogue.campaign(target.campaign_id), person_id=target.person_id,
                                   fields=target.fields, facts=target.facts, as_of=as_of)
            report = compute_report(inputs)
            html = render_html(report)
            pdf = render_pdf(report)
            pdf_bytes += len(pdf)
            (out / f"{i}.pdf").write_bytes(pdf)
            (out / f"{i}.html").write_text(html, encoding="utf-8")
        took = time.perf_counter() - t
        print(f"messages: {len(targets):,} reports computed, rendered (HTML + PDF) and written in {took:.1f} s "
              f"({took / len(targets) * 1000:.1f} ms each; {pdf_bytes / len(targets) / 1024:.0f} KB per PDF); "
              f"100,000 would take {took / len(targets) * 100_000 / 60:.1f} min on this machine")


if __name__ == "__main__":
    main()
