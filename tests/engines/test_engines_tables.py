"""Any domain's tables load the same on DuckDB and on Spark: typed, defaults filled, absent ones empty."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from shebao.engines.base import DATE, MONEY, STRING, EngineError, TableSet

LINES = TableSet(
    tables={
        "lines": {"line_id": STRING, "service_date": DATE, "amount": MONEY, "category": STRING},
        "notes": {"line_id": STRING, "note": STRING},
    },
    required=("lines",),
    defaults={("lines", "category"): "other"},
)


def test_a_domain_table_set_loads_typed_with_defaults(batch_engine, tmp_path):
    (tmp_path / "lines.csv").write_text(
        "line_id,service_date,amount,category\nL1,2025-03-01,12.30,drug\nL2,2025-03-02,0.07,\n", encoding="utf-8")
    counts = batch_engine.load_folder(tmp_path, LINES)
    assert counts == {"lines": 2, "notes": 0}
    rows = batch_engine.query("SELECT line_id, category, amount, "
                              + batch_engine.dialect.month_of("service_date") + " AS m FROM lines ORDER BY line_id")
    got = rows.to_pylist()
    assert [(r["line_id"], r["category"], r["amount"], r["m"]) for r in got] == [
        ("L1", "drug", Decimal("12.30"), "2025-03"), ("L2", "other", Decimal("0.07"), "2025-03")]


def test_a_required_table_missing_is_named(batch_engine, tmp_path):
    with pytest.raises(EngineError, match="lines.csv"):
        batch_engine.load_folder(tmp_path, LINES)


def test_rows_from_elsewhere_join_loaded_tables(batch_engine, tmp_path):
    (tmp_path / "lines.csv").write_text("line_id,service_date,amount\nL1,2025-03-01,5.00\n", encoding="utf-8")
    batch_engine.load_folder(tmp_path, LINES)
    batch_engine.register_arrow("flags", pa.table({"line_id": ["L1", "L9"], "rule": ["M01", "M02"]}))
    batch_engine.register_arrow("empty", pa.table({"line_id": pa.array([], pa.string())}))
    out = batch_engine.query("SELECT f.rule, l.amount FROM flags f JOIN lines l ON l.line_id = f.line_id")
    assert out.to_pylist() == [{"rule": "M01", "amount": Decimal("5.00")}]
    assert batch_engine.query("SELECT count(*) AS n FROM empty").to_pylist() == [{"n": 0}]
