"""The scale-out engine: Apache Spark (local mode in tests and on one machine, a cluster beyond).

The catalogue's SQL runs unchanged; only :class:`SparkDialect` differs. All the work stays in the
JVM: Spark reads the CSV or Parquet files itself, casts them with SQL (no Python UDFs) and each
rule's result (one row per person flagged, a few thousand) comes back once, as Arrow.

Spark inlines every common table expression at each place it is used, so a CTE that joins or
aggregates and is read twice is computed twice (rule Y03's self-join ten times). DuckDB's planner
avoids this; here the engine splits a rule's ``WITH`` list into temporary views and caches those
that are read more than once and do real work (a join, an aggregate, ``DISTINCT``), and those that
keep only some groups (``HAVING``), so that the join reading them broadcasts them. Shared views
are cached the same way. A loaded CSV table is cached as it is loaded (parsed once); a Parquet
table is cached at its second read (directly, or through a view that is not cached), so that a
table only one shared view reads (the payments) is never held in memory twice. Typed Parquet
(:func:`shebao.engines.convert.folder_to_parquet`) is read without casting.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


class SparkDialect(Dialect):
    name = "spark"

    def month_of(self, expr: str) -> str:
        return f"date_format({expr}, 'yyyy-MM')"

    def days_between(self, start: str, end: str) -> str:
        return f"datediff({end}, {start})"

    def list_agg(self, expr: str) -> str:
        return f"array_sort(collect_set({expr}))"

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"


def local_session(cores: int = 2, memory: str = "4g", shuffle_partitions: int | None = None) -> Any:
    """A local-mode SparkSession tuned for one machine (few shuffle partitions, no UI).

    One machine gains nothing from Spark's default of 200 shuffle partitions: each is a task to
    schedule. Two per core keeps both cores busy (adaptive execution merges small ones); tiny test
    data runs fastest with one. The in-memory cache is kept uncompressed: it saves the CPU of
    encoding the tables (the scarce resource on two cores) for memory the cache has room for.
    Joins with a table of up to 256 MB (the persons and benefits of a million recipients) hash it
    in memory instead of shuffling and sorting the payments on both sides; the throughput garbage
    collector suits a batch job.

    The rules' large aggregations group by keys that are nearly all distinct (an account and a day,
    a benefit and a period): a partial aggregation before the shuffle reduces nothing and only costs
    a hash table, so it is skipped (R04 took a third less CPU at 200,000 recipients).
    """
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("shebao-screening")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions or max(2, cores * 2)))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.sql.inMemoryColumnarStorage.compressed", "false")
        .config("spark.sql.execution.bypassPartialAggregation", "true")
        .config("spark.sql.autoBroadcastJoinThreshold", str(256 * 2**20))
        .config("spark.driver.extraJavaOptions", "-XX:+UseParallelGC")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


# A CTE or view "does work" worth caching when it joins, aggregates or removes duplicates;
# a plain filter or projection of a cached table is cheaper to recompute than to cache.
_WORK = re.compile(r"\b(JOIN|GROUP\s+BY|DISTINCT)\b", re.IGNORECASE)
# A CTE that keeps only some groups (GROUP BY ... HAVING) is usually small and read by a join or
# an IN with a large input: cached first, its size is known when that query is planned, and the
# join broadcasts it instead of shuffling the large side by the key (Y02 shuffled the 12M
# payments by account; cached, its accounts shared by two persons are a few thousand rows).
_FEW_GROUPS = re.compile(r"\bHAVING\b", re.IGNORECASE)


def _strip_literals(sql: str) -> str:
    """``sql`` with string literals and comments blanked (so parentheses in them do not count)."""
    return re.sub(r"'(?:[^']|'')*'|--[^\n]*", lambda m: " " * len(m.group(0)), sql)


def split_ctes(sql: str) -> tuple[list[tuple[str, str]], str] | None:
    """Split ``WITH a AS (...), b AS (...) SELECT ...`` into ``[(a, body), (b, body)]`` and the SELECT.

    Returns None when the statement does not start with a plain WITH list (it then runs as is).

    Examples:
        >>> split_ctes("WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b")
        ([('a', 'SELECT 1 AS x'), ('b', 'SELECT x FROM a')], 'SELECT * FROM b')
        >>> split_ctes("SELECT 1") is None
        True
    """
    masked = _strip_literals(sql)
    head = re.match(r"\s*WITH\s+", masked, re.IGNORECASE)
    if not head or re.match(r"\s*WITH\s+RECURSIVE\b", masked, re.IGNORECASE):
        return None
    ctes: list[tuple[str, str]] = []
    pos = head.end()
    while True:
        m = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(", re.IGNORECASE).match(masked, pos)
        if not m:
            return None
        depth, i = 1, m.end()
        while depth and i < len(masked):
            depth += {"(": 1, ")": -1}.get(masked[i], 0)
            i += 1
        if depth:
            return None
        ctes.append((m.group(1), sql[m.end():i - 1].strip()))
        rest = re.compile(r"\s*,\s*").match(masked, i)
        if rest:
            pos = rest.end()
            continue
        return ctes, sql[i:].strip()


def _references(name: str, sql: str) -> int:
    return len(re.findall(rf"\b{re.escape(name)}\b", _strip_literals(sql), re.IGNORECASE))


def _spark_schema(schema: Any) -> Any:
    """A Spark schema for an empty Arrow table (Spark cannot infer types from no rows)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


class SparkEngine(Engine):
    """Spark SQL over temporary views, with the tables and the shared intermediate results cached.

    Args:
        spark: an existing SparkSession (e.g. a cluster's, or the test run's); else a local one.
    """

    dialect = SparkDialect()

    def __init__(self, spark: Any = None):
        self.spark = spark or local_session()
        self._cached: list[Any] = []
        self._names: set[str] = set()
        # Loaded tables not cached yet, by name: cached when a second statement reads them.
        self._lazy: dict[str, Any] = {}
        self._read_once: set[str] = set()
        # Views that are not cached, and the lazily loaded tables each reads (a read of the view reads them).
        self._view_reads: dict[str, dict[str, int]] = {}

    def _cache(self, df: Any) -> int:
        """Cache ``df`` now (one pass) and return its row count."""
        df = df.cache()
        self._cached.append(df)
        return df.count()

    def load_folder(self, folder: Path, tables: TableSet = EXCHANGE) -> dict[str, int]:
        """Register the tables as views over their files; each is cached once a second statement reads it.

        A table read by one statement only (the payments, read once by the shared view that the
        rules then share) is never held in memory twice; a Parquet file's row count is in its footer.
        """
        counts: dict[str, int] = {}
        for table, source in find_sources(Path(folder), tables).items():
            select = typed_select(source, self.dialect, tables)
            try:
                if source.path is None:
                    df = self.spark.sql(f"SELECT {select} WHERE false")
                else:
                    reader = self.spark.read
                    raw = (reader.parquet(str(source.path)) if source.is_parquet else
                           reader.option("header", True).option("inferSchema", False)
                           .option("encoding", "UTF-8").option("escape", '"').csv(str(source.path)))
                    raw.createOrReplaceTempView(f"_raw_{table}")
                    df = self.spark.sql(f"SELECT {select} FROM _raw_{table}")
                df.createOrReplaceTempView(table)
                self._names.add(table)
                self._read_once.discard(table)
                if source.is_parquet:
                    import pyarrow.parquet as pq

                    counts[table] = pq.read_metadata(source.path).num_rows
                    self._lazy[table] = df
                elif source.path is None:
                    counts[table] = 0
                else:
                    counts[table] = self._cache(df)  # a CSV is parsed once, here
            except Exception as exc:  # py4j / analysis errors: name the file
                raise EngineError(f"读取 {source.path} 失败：{exc}") from exc
        return counts

    def _reads(self, sql: str) -> None:
        """Count the reads ``sql`` makes of lazily loaded tables (directly, or through views that are
        not cached); cache a table at its second read, so that its file is read at most twice."""
        masked = _strip_literals(sql)
        for table, n in self._lazy_reads(masked).items():
            if n > 1 or table in self._read_once:
                self._cache(self._lazy.pop(table))
            else:
                self._read_once.add(table)

    def _lazy_reads(self, masked: str) -> dict[str, int]:
        reads = {t: _references(t, masked) for t in self._lazy}
        for view, tables in self._view_reads.items():
            if _references(view, masked):
                for t in tables:
                    if t in reads:
                        reads[t] += _references(view, masked) * tables[t]
        return {t: n for t, n in reads.items() if n}

    def register_arrow(self, name: str, table: pa.Table) -> None:
        # Spark 4 takes an Arrow table as it is (no pandas); an empty one needs its schema spelt out
        df = (self.spark.createDataFrame(table) if table.num_rows
              else self.spark.createDataFrame([], schema=_spark_schema(table.schema)))
        df.createOrReplaceTempView(name)
        self._names.add(name)
        self._cache(df)

    def create_view(self, name: str, sql: str) -> None:
        # A shared view is read by several rules: cache it, unless it is a mere filter of a cached one.
        masked = _strip_literals(sql)
        self._view_reads.pop(name, None)
        if _WORK.search(masked):
            self._reads(sql)
        else:
            self._view_reads[name] = self._lazy_reads(masked)
        df = self.spark.sql(sql)
        df.createOrReplaceTempView(name)
        self._names.add(name)
        if _WORK.search(masked):
            self._cache(df)

    def query(self, sql: str) -> pa.Table:
        self._reads(sql)
        split = split_ctes(sql)
        if split is None or any(name.lower() in {n.lower() for n in self._names} for name, _ in split[0]):
            return self.spark.sql(sql).toArrow()
        ctes, select = split
        views: list[str] = []
        cached: list[Any] = []
        # CTEs whose result is not cached but costs work to recompute (their own or an input's).
        costly: set[str] = set()
        try:
            for i, (name, body) in enumerate(ctes):
                df = self.spark.sql(body)
                later = " ".join(b for _, b in ctes[i + 1:]) + " " + select
                masked = _strip_literals(body)
                works = bool(_WORK.search(masked)) or any(_references(c, body) for c in costly)
                once = _references(name, later) <= 1
                if works and once:
                    costly.add(name)  # a CTE reading it works too (it filters or joins a large input by it)
                if works and (not once or _FEW_GROUPS.search(masked)):
                    df = df.cache()
                    df.count()
                    cached.append(df)
                df.createOrReplaceTempView(name)
                views.append(name)
            return self.spark.sql(select).toArrow()
        finally:
            for df in cached:
                df.unpersist()
            for name in views:
                self.spark.catalog.dropTempView(name)

    def close(self) -> None:
        # The session is shared (a test run's, or a cluster's): drop only what this engine cached.
        for df in self._cached:
            try:
                df.unpersist()
            except Exception:  # noqa: BLE001 - session already stopped
                pass
        self._cached.clear()
        self._lazy.clear()
        self._read_once.clear()
        self._view_reads.clear()
