"""The embedded default engine: DuckDB, in memory, spilling to a temporary folder when needed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from shebao.engines.base import (
    EXCHANGE,
    Dialect,
    Engine,
    EngineError,
    TableSet,
    find_sources,
    typed_select,
)

if TYPE_CHECKING:
    import pyarrow as pa


class DuckDBDialect(Dialect):
    name = "duckdb"

    def month_of(self, expr: str) -> str:
        return f"strftime({expr}, '%Y-%m')"

    def days_between(self, start: str, end: str) -> str:
        return f"date_diff('day', {start}, {end})"

    def list_agg(self, expr: str) -> str:
        return f"list_sort(list_distinct(list({expr})))"

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'


class DuckDBEngine(Engine):
    """DuckDB in memory, ``threads`` workers, ``memory_limit`` before spilling to disk.

    Args:
        threads: worker threads (default: the machine's cores).
        memory_limit: e.g. ``"6GB"``; DuckDB spills to ``temp_directory`` beyond it.
    """

    dialect = DuckDBDialect()

    def __init__(self, threads: int | None = None, memory_limit: str = "6GB", temp_directory: str | None = None):
        import duckdb

        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")
        self._tmp = temp_directory or tempfile.mkdtemp(prefix="shebao-duckdb-")
        self.con.execute(f"SET temp_directory = '{self._tmp}'")

    def load_folder(self, folder: Path, tables: TableSet = EXCHANGE) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table, source in find_sources(Path(folder), tables).items():
            select = typed_select(source, self.dialect, tables)
            if source.path is None:
                sql = f"CREATE OR REPLACE TABLE {table} AS SELECT {select} WHERE false"
            elif source.is_parquet:
                sql = f"CREATE OR REPLACE TABLE {table} AS SELECT {select} FROM read_parquet('{source.path}')"
            else:
                reader = (f"read_csv('{source.path}', header = true, all_varchar = true, delim = ',', "
                          f"quote = '\"', escape = '\"', auto_detect = false, "
                          f"columns = {{{', '.join(repr(c) + ': ' + repr('VARCHAR') for c in source.columns)}}})")
                sql = f"CREATE OR REPLACE TABLE {table} AS SELECT {select} FROM {reader}"
            try:
                self.con.execute(sql)
            except Exception as exc:  # duckdb raises many error classes; name the file
                raise EngineError(f"读取 {source.path} 失败：{exc}") from exc
            counts[table] = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        return counts

    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table under ``name`` (used by feature extraction)."""
        self.con.register(name, table)

    def create_view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
        import shutil

        shutil.rmtree(self._tmp, ignore_errors=True)

