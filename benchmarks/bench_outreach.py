"""政策快送 benchmark: campaign selection over a synthetic registry, then personal reports rendered and
queued.

    python benchmarks/bench_outreach.py --persons 1000000                       # selection only (DuckDB)
    python benchmarks/bench_outreach.py --persons 100000 --messages 100000      # + reports and outbox
    python benchmarks/bench_outreach.py --persons 20000 --messages 2000 --database postgresql

Selection: the time per campaign and in all, and the peak memory of the process. Messages: worker
processes (``--workers``, default the machine's cores), each with its own database connection, take
equal shares of the targets; per batch of ``--batch`` targets a worker writes the outbox rows through
:func:`shebao.outreach.delivery.write_outbox` (the code ``outreach run`` uses: keys, opt-outs,
re-contact waits, frequency caps, one transaction) and, for each target, computes the personal report
from its inputs and renders it as HTML and as a one-page PDF with the CJK font embedded (what the
portal serves when the citizen opens the message; the PDFs are kept only with ``--out``). When the
selection yields fewer targets than ``--messages``, targets are reused under new person ids
(``P…-2``), so that every message is a new outbox row.

Printed: wall time, CPU seconds of all processes, CPU milliseconds per message (the figure that
says what a quiet machine does: 100,000 messages in 10 minutes on 2 cores need ≤ 12 ms each), the
load average (``os.getloadavg``) before and after, and a baseline in this process: the same reports
with the font added to each document the ordinary fpdf2 way (``add_font`` per PDF), which is what
the renderer did before it kept one parsed font per process. Goals (issue 27): 1,000,000 persons
screened for all campaigns in ≤ 60 s with DuckDB; 100,000 messages with their PDFs rendered and
queued in ≤ 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGETS: list = []  # inherited by the forked workers


def prepare_database(kind: str, folder: Path) -> str:
    """A fresh migrated database (SQLite in ``folder``, or PostgreSQL ``bench_outreach``) set as the default."""
    from bench_cases import prepare_database as fresh_database  # the same step as the cases benchmark

    return fresh_database(kind, folder, "bench_outreach")


def work(job: tuple[int, int, int, str, str | None]) -> dict:
    """One worker's share: targets [start, stop), in batches: outbox rows written, reports rendered."""
    start, stop, batch, as_of_iso, out = job
    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.outreach.catalogue import load_catalogue
    from shebao.outreach.delivery import write_outbox
    from shebao.outreach.reports import compute_report, render_html, render_pdf, report_inputs
    from shebao.outreach.selection import Selection
    from shebao.outreach.settings import OutreachSettings
    from shebao.policy.store import parameters_for

    dispose_engines()  # never a parent's connection
    get_settings.cache_clear()
    cpu0 = time.process_time()
    as_of = dt.date.fromisoformat(as_of_iso)
    catalogue, settings = load_catalogue(), OutreachSettings()
    queued = suppressed = pdf_bytes = html_bytes = 0
    render_cpu = queue_cpu = 0.0
    with session_scope() as session:
        params = parameters_for(session)
    for first in range(start, stop, batch):
        part = TARGETS[first:min(first + batch, stop)]
        t = time.process_time()
        with session_scope() as session:
            session.info["actor"] = "bench"
            summary = write_outbox(session, Selection(as_of=as_of, targets=part), catalogue, settings=settings)
        queued += sum(summary.queued.values())
        suppressed += len(summary.suppressed)
        t2 = time.process_time()
        queue_cpu += t2 - t
        for i, target in enumerate(part, start=first):
            inputs = report_inputs(catalogue.campaign(target.campaign_id), person_id=target.person_id,
                                   fields=target.fields, facts=target.facts, as_of=as_of)
            report = compute_report(inputs, params)
            html = render_html(report)
            pdf = render_pdf(report)
            html_bytes += len(html)
            pdf_bytes += len(pdf)
            if out:
                (Path(out) / f"{i}.pdf").write_bytes(pdf)
        render_cpu += time.process_time() - t2
    dispose_engines()
    return {"messages": stop - start, "queued": queued, "suppressed": suppressed, "pdf_bytes": pdf_bytes,
            "html_bytes": html_bytes, "cpu": time.process_time() - cpu0, "render_cpu": render_cpu,
            "queue_cpu": queue_cpu, "pid": os.getpid()}


def baseline(reports: list[dict]) -> tuple[float, float]:
    """CPU ms per PDF for ``reports`` with the font shared (now) and added per document (before)."""
    from shebao.outreach import reports as rep
    from shebao.outreach.fonts import ReportFont, report_font

    shared = rep.report_font_for("")
    shared.output(shared.document())  # parsed before the clock starts, as in a worker
    t = time.process_time()
    for r in reports:
        rep.render_pdf(r)
    now = (time.process_time() - t) / len(reports) * 1000
    per_document = ReportFont(report_font(""))
    per_document.reusable = False  # fpdf2's ordinary path: add_font (parse) and full subsetting per PDF
    original = rep.report_font_for
    rep.report_font_for = lambda text="": per_document
    try:
        t = time.process_time()
        for r in reports:
            rep.render_pdf(r)
        before = (time.process_time() - t) / len(reports) * 1000
    finally:
        rep.report_font_for = original
    return now, before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=0, help="render and queue this many messages (0: selection only)")
    ap.add_argument("--folder", type=Path, default=None, help="an existing synthetic folder (else generated)")
    ap.add_argument("--as-of", default="2026-06-30")
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--batch", type=int, default=500, help="targets per outbox transaction")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--baseline", type=int, default=10, help="PDFs rendered both ways for the baseline (0: none)")
    ap.add_argument("--out", type=Path, default=None, help="keep the PDFs in this folder")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-outreach-")
    os.environ.setdefault("SHEBAO_HOME", str(Path(tmp.name) / "home"))
    from shebao.outreach.selection import select_folder
    from shebao.synth import generate

    as_of = dt.date.fromisoformat(args.as_of)
    folder = args.folder or Path(tmp.name) / "pop"
    if args.folder is None:
        t = time.perf_counter()
        generate(persons=args.persons, seed=1, out=folder, as_of=as_of, progress=False, fmt="parquet")
        print(f"synth {args.persons:,} persons (parquet): {time.perf_counter() - t:.1f} s", file=sys.stderr)

    load0 = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    selection = select_folder(folder, as_of=as_of, engine=args.engine)
    total, select_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"selection on {args.engine}: {selection.loaded.get('persons', 0):,} persons, {len(selection.targets):,} "
          f"targets in {total:.1f} s ({select_cpu:.1f} s CPU; peak RSS {peak:,.0f} MB, {os.cpu_count()} cores, "
          f"load average {load0[0]:.1f})")
    for cid, n in selection.counts.items():
        print(f"  {cid}: {n:,}")
    if not args.messages or not selection.targets:
        return

    n = args.messages
    base = selection.targets
    TARGETS[:] = [t if i < len(base) else dataclasses.replace(t, person_id=f"{t.person_id}-{i // len(base) + 1}")
                  for i, t in ((i, base[i % len(base)]) for i in range(n))]
    if len(base) < n:
        print(f"  ({len(base):,} targets reused under new person ids for {n:,} messages)")
    url = prepare_database(args.database, Path(tmp.name))
    from shebao.outreach.fonts import report_font

    t = time.perf_counter()
    report_font("")  # the GB 2312 cut of the font, made once per SHEBAO_HOME (each worker parses it once)
    print(f"font cut ready: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)

    import multiprocessing as mp

    workers = max(1, min(args.workers, n))
    bounds = [n * k // workers for k in range(workers + 1)]
    jobs = [(bounds[k], bounds[k + 1], args.batch, as_of.isoformat(), str(args.out) if args.out else None)
            for k in range(workers)]
    load1 = os.getloadavg()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with mp.get_context("fork").Pool(workers) as pool:
        results = pool.map(work, jobs)
    wall = time.perf_counter() - t
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children.ru_utime - children0.ru_utime) + (children.ru_stime - children0.ru_stime)
    load2 = os.getloadavg()
    queued = sum(r["queued"] for r in results)
    render = sum(r["render_cpu"] for r in results)
    queue = sum(r["queue_cpu"] for r in results)
    per = cpu / n * 1000
    print(f"messages on {args.database} ({url.split('@')[-1].split('///')[-1]}): {n:,} with {workers} workers in "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU (user+sys, all workers): {per:.2f} ms CPU per message "
          f"(reports {render / n * 1000:.2f} ms, outbox {queue / n * 1000:.2f} ms; selection adds "
          f"{select_cpu / n * 1000:.2f} ms). {queued:,} queued, {sum(r['suppressed'] for r in results):,} suppressed; "
          f"{sum(r['pdf_bytes'] for r in results) / n / 1024:.1f} KB per PDF, "
          f"{sum(r['html_bytes'] for r in results) / n / 1024:.1f} KB per HTML")
    print(f"load average {load1[0]:.1f} before, {load2[0]:.1f} after (1 min; {os.cpu_count()} cores). "
          f"At {per + select_cpu / n * 1000:.2f} ms CPU per message, 100,000 messages need "
          f"{(per + select_cpu / n * 1000) * 100:.0f} s of CPU: {(per + select_cpu / n * 1000) * 100 / 2 / 60:.1f} min "
          f"on 2 otherwise idle cores")
    if args.baseline:
        from shebao.outreach.catalogue import load_catalogue
        from shebao.outreach.reports import compute_report, report_inputs

        catalogue = load_catalogue()
        sample = [compute_report(report_inputs(catalogue.campaign(x.campaign_id), person_id=x.person_id,
                                               fields=x.fields, facts=x.facts, as_of=as_of))
                  for x in TARGETS[:: max(1, n // args.baseline)][:args.baseline]]
        now, before = baseline(sample)
        print(f"baseline, same {len(sample)} reports in this process: {now:.1f} ms CPU per PDF with the font parsed "
              f"once per process, {before:.0f} ms with add_font per document ({before / now:.0f}x)")


if __name__ == "__main__":
    main()
