"""`generate`: the synthetic registry written as a folder in the exchange format.

Chunks of persons are generated one after another on the calling thread while a writer thread
streams the previous chunk's tables to disk (Arrow's CSV and Parquet writers release the GIL),
so generation and writing overlap on two cores and memory stays at about two chunks.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shebao.synth.population import Context, PatternRates, build_chunk, make_employers
from shebao.synth.reference import series
from shebao.synth.schema import FILES, SCHEMAS

CHUNK_SIZE = 100_000


@dataclass
class SynthSummary:
    """What a run wrote: rows per file, labels per pattern, timings."""

    out: Path
    persons: int
    seed: int
    as_of: dt.date
    format: str
    detail_months: int
    detail_periods: tuple[str, str] = ("", "")  # first and last period with monthly detail
    rows: dict[str, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    pensions_assessed: dict[str, int] = field(default_factory=dict)
    parameters_from_engine: dict[str, list[int]] = field(default_factory=dict)  # series → years
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "out": str(self.out), "persons": self.persons, "seed": self.seed,
            "as_of": self.as_of.isoformat(), "format": self.format, "detail_months": self.detail_months,
            "detail_periods": list(self.detail_periods),
            "rows": self.rows, "labels": self.labels, "pensions_assessed": self.pensions_assessed,
            "parameters_from_engine": self.parameters_from_engine,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


class _Writer:
    """One output file, written a table at a time with the exchange-format columns."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str):
        self.schema = schema
        self.fmt = fmt
        self.rows = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
        self.sink = os.fdopen(fd, "wb")
        if fmt == "csv":
            self.sink.write((",".join(schema.names) + "\n").encode())
            self.writer = pacsv.CSVWriter(self.sink, schema, write_options=pacsv.WriteOptions(
                include_header=False, quoting_style="none", batch_size=65_536))
        else:
            self.writer = pq.ParquetWriter(self.sink, schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        table = table.select(self.schema.names)
        if self.fmt == "csv":
            # The CSV writer turns dictionaries into text itself; cast the rest to the contract.
            target = pa.schema([
                pa.field(n, c.type if pa.types.is_dictionary(c.type) else t)
                for n, t, c in zip(self.schema.names, self.schema.types, table.columns, strict=True)])
            self.writer.write_table(table.cast(target))
        else:
            self.writer.write_table(table.cast(self.schema))
        self.rows += table.num_rows

    def close(self) -> None:
        self.writer.close()
        self.sink.close()


def generate(
    persons: int,
    seed: int,
    out: Path | str,
    as_of: dt.date | None = None,
    fmt: str = "csv",
    detail_months: int = 36,
    rates: PatternRates | None = None,
    progress: bool = True,
    chunk_size: int = CHUNK_SIZE,
    region: str | None = None,
) -> SynthSummary:
    """Write a synthetic Shandong-like registry to ``out`` in the exchange format.

    The same ``(persons, seed, as_of, detail_months, rates)`` give byte-identical files.

    Args:
        persons: number of real persons (duplicate registrations come on top, as extra records).
        seed: the random seed.
        out: folder to write (created; files inside are readable by their owner only).
        as_of: the date the registry is seen at (default today).
        fmt: ``csv`` or ``parquet`` (same columns).
        detail_months: months of monthly contribution detail before the as-of month; the detail
            reaches back to the January of the first of them, since yearly summaries cover
            only years without monthly detail.
        rates: how often each fraud pattern and duplicate is injected.
        progress: show a Rich progress bar on stderr.
        chunk_size: persons per chunk (part of what the output depends on; keep the default).
        region: a Shandong prefecture (or county) code: everyone lives in that city (default: all
            cities, by their 2020 census population).

    Examples:
        >>> from shebao.synth import generate
        >>> summary = generate(5000, seed=7, out="/tmp/pop", as_of=dt.date(2026, 6, 30))  # doctest: +SKIP
        >>> summary.rows["persons"]  # doctest: +SKIP
        5025
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError("fmt must be csv or parquet")
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if not 1 <= detail_months <= 600:
        raise ValueError("detail_months must be between 1 and 600")
    as_of = as_of or dt.date.today()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    t_start = time.perf_counter()
    ctx = Context(seed=seed, as_of=as_of, persons=persons, detail_months=detail_months,
                  rates=rates or PatternRates(), chunk_size=chunk_size, region=region)
    ext = "csv" if fmt == "csv" else "parquet"
    writers = {name: _Writer(out / f"{name}.{ext}", SCHEMAS[name], fmt) for name in FILES if name != "labels"}
    summary = SynthSummary(out=out, persons=persons, seed=seed, as_of=as_of, format=fmt, detail_months=detail_months)
    summary.detail_periods = tuple(f"{m // 12 + 1970:04d}-{m % 12 + 1:02d}" for m in (ctx.w0, ctx.last_c))
    writers["employers"].write(make_employers(ctx))

    # The writer thread takes tables from a one-slot queue: at most three chunks in memory
    # (being written, waiting, being generated).
    q: queue.Queue = queue.Queue(maxsize=1)
    errors: list[BaseException] = []
    write_time = [0.0]

    def drain() -> None:
        while True:
            item = q.get()
            if item is None:
                return
            if errors:
                continue
            t0 = time.perf_counter()
            try:
                while item:  # release each table once written, not when the next chunk arrives
                    name, table = item.popitem()
                    writers[name].write(table)
                    del table
            except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread
                errors.append(exc)
            del item
            write_time[0] += time.perf_counter() - t0

    thread = threading.Thread(target=drain, name="synth-writer", daemon=True)
    thread.start()
    labels: list[tuple] = []
    gen_time = 0.0
    bar = _progress(progress, persons)
    try:
        first = 1
        chunk = 0
        while first <= persons:
            n = min(chunk_size, persons - first + 1)
            t0 = time.perf_counter()
            tables, chunk_labels = build_chunk(ctx, chunk, first, n)
            gen_time += time.perf_counter() - t0
            labels.extend(chunk_labels)
            while True:
                try:
                    q.put(tables, timeout=0.5)
                    break
                except queue.Full:
                    if errors:
                        break
            del tables
            if errors:
                break
            first += n
            chunk += 1
            if bar is not None:
                bar[0].update(bar[1], advance=n)
    finally:
        q.put(None)
        thread.join()
        if bar is not None:
            bar[0].stop()
        for w in writers.values():
            w.close()
    if errors:
        raise errors[0]
    label_writer = _Writer(out / f"labels.{ext}", SCHEMAS["labels"], fmt)
    label_writer.write(pa.table({
        "subject_type": [x[0] for x in labels], "subject_id": [x[1] for x in labels],
        "label": [x[2] for x in labels], "cluster_id": [x[3] for x in labels],
    }, schema=SCHEMAS["labels"]))
    label_writer.close()
    summary.rows = {name: w.rows for name, w in writers.items()} | {"labels": label_writer.rows}
    for x in labels:
        summary.labels[x[2]] = summary.labels.get(x[2], 0) + 1
    summary.pensions_assessed = dict(ctx.pension_counts)
    summary.parameters_from_engine = series().from_engine
    summary.seconds = {"generate": gen_time, "write": write_time[0], "total": time.perf_counter() - t_start}
    return summary


def _progress(enabled: bool, total: int):
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("生成人员"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True))
    bar.start()
    return bar, bar.add_task("persons", total=total)
