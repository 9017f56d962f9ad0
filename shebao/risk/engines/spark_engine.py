"""The scale-out engine: Apache Spark (local mode in tests and on one machine, a cluster beyond).

The catalogue's SQL runs unchanged; only :class:`SparkDialect` differs. Tables are cached after
loading since every rule reads them again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from shebao.risk.engines.base import (
    Dialect,
    Engine,
    EngineError,
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

    Tiny test data runs fastest with one shuffle partition; large data with a few per core.
    """
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("shebao-screening")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions or max(4, cores * 2)))
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


class SparkEngine(Engine):
    """Spark SQL over temporary views.

    Args:
        spark: an existing SparkSession (e.g. a cluster's, or the test run's); else a local one.
    """

    dialect = SparkDialect()

    def __init__(self, spark: Any = None):
        self.spark = spark or local_session()
        self._cached: list[str] = []

    def load_folder(self, folder: Path) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table, source in find_sources(Path(folder)).items():
            select = typed_select(source, self.dialect)
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
                df = df.cache()
                df.createOrReplaceTempView(table)
                self._cached.append(table)
                counts[table] = df.count()
            except Exception as exc:  # py4j / analysis errors: name the file
                raise EngineError(f"读取 {source.path} 失败：{exc}") from exc
        return counts

    def create_view(self, name: str, sql: str) -> None:
        # Shared views are read by several rules: cache them (lazily, on first use) so that Spark
        # does not redo their joins for every rule, as DuckDB's planner makes cheap on one machine.
        self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {sql}")
        self.spark.catalog.cacheTable(name)
        self._cached.append(name)

    def query(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        # The session is shared (a test run's, or a cluster's): drop only what this engine cached.
        for table in self._cached:
            try:
                self.spark.catalog.uncacheTable(table)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self._cached.clear()
