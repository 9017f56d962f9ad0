"""Build a batch engine by name (kept apart from ``base`` so that the interface imports no implementation)."""

from __future__ import annotations

from shebao.engines.base import Engine, EngineError

ENGINES = ("duckdb", "spark")


def make_engine(name: str = "duckdb", **options: object) -> Engine:
    """Build an engine by name: ``duckdb`` (default, embedded) or ``spark``.

    The implementations import their libraries when built, so that choosing DuckDB never loads
    PySpark (and a machine without Java can still run everything on DuckDB).
    """
    if name == "duckdb":
        from shebao.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)  # type: ignore[arg-type]
    if name == "spark":
        from shebao.engines.spark_engine import SparkEngine

        return SparkEngine(**options)  # type: ignore[arg-type]
    raise EngineError(f"未知引擎：{name}（可选 {'、'.join(ENGINES)}）")
