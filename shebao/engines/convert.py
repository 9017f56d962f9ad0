"""Exchange folders to typed Parquet: the CSV parsed and typed once, read fast by either engine.

A folder of CSV files is parsed every time an engine loads it (for Spark, the largest part of a
screening's time). Converted once, each table is a Parquet file whose columns already have the
table's types (dates, DECIMAL(18, 2) money, integers), which both engines read without casting.
The conversion runs the engines' own loading (DuckDB's), so the Parquet holds exactly what an
engine reading the CSV would see: trimmed text, empty cells NULL, defaults filled.
"""

from __future__ import annotations

from pathlib import Path

from shebao.engines.base import EXCHANGE, EngineError, TableSet, find_sources
from shebao.engines.duckdb_engine import DuckDBEngine


def folder_to_parquet(source: str | Path, target: str | Path, tables: TableSet = EXCHANGE,
                      threads: int | None = None) -> dict[str, int]:
    """Write each table of ``tables`` present in ``source`` as ``target/<table>.parquet``; return the rows of each.

    Absent optional tables stay absent (an engine registers them empty). ``target`` may not be
    ``source``: the files there are the ones read.

    Examples:
        >>> folder_to_parquet("exchange/", "exchange-parquet/")  # doctest: +SKIP
        {'persons': 1005137, 'benefits': 1005137, 'payments': 11765288, ...}
    """
    source, target = Path(source), Path(target)
    if source.resolve() == target.resolve():
        raise EngineError(f"转换为 Parquet 的目标目录不能是源目录：{target}")
    present = [t for t, s in find_sources(source, tables).items() if s.path is not None]
    target.mkdir(parents=True, exist_ok=True)
    with DuckDBEngine(threads=threads) as engine:
        counts = engine.load_folder(source, tables)
        for table in present:
            out = target / f"{table}.parquet"
            try:
                engine.con.execute(f"COPY {table} TO '{out}' (FORMAT parquet)")
            except Exception as exc:  # duckdb's own error classes: name the file
                raise EngineError(f"写入 {out} 失败：{exc}") from exc
    return {t: counts[t] for t in present}
