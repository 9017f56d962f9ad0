"""The same catalogue on DuckDB and on Spark gives the same alerts, from CSV, text Parquet and typed Parquet."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from risk_builders import AS_OF, ExchangeBuilder, months

from shebao.engines.convert import folder_to_parquet
from shebao.engines.factory import make_engine
from shebao.risk.catalogue import load_catalogue
from shebao.risk.screening import screen_folder


def mixed_population(seed: int = 7, n: int = 240) -> ExchangeBuilder:
    """A small random population where every rule has hits and near misses."""
    rnd = random.Random(seed)
    b = ExchangeBuilder()
    ids: list[str] = []
    accounts = [f"62220200{i:08d}" for i in range(n)]
    for i in range(n):
        pid = f"p{i:04d}"
        birth = f"{rnd.randint(1940, 1972)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        dup = ids and rnd.random() < 0.05
        cert = AS_OF - timedelta(days=rnd.choice([30, 300, 365 + 60, 365 + 90, 365 + 91, 365 + 120, 365 + 121, 900]))
        idn = b.person(pid, id_number=rnd.choice(ids) if dup else None, birth=birth,
                       region=rnd.choice(["370502", "370202"]), certified=cert.isoformat() if rnd.random() < 0.9 else None,
                       contrib_years=rnd.choice([None, 10, 30]), deemed=rnd.choice([0, 0, 60]),
                       retirement_age=rnd.choice([60, 55, 50]))
        ids.append(idn)
        kind = rnd.choice(["pension", "pension", "unemployment", "injury_allowance"])
        start = f"{rnd.randint(2015, 2026)}-{rnd.randint(1, 10):02d}-01"
        account = rnd.choice(accounts[:20]) if rnd.random() < 0.1 else accounts[i]
        region = rnd.choice(["370502", "370202", "440305"])
        b.benefit(f"b{i:04d}", pid, kind=kind, start=start, region=region, account=account,
                  status=rnd.choice(["active", "active", "active", "suspended", "terminated"]))
        first = max(start[:7], "2025-06")
        b.pay(f"b{i:04d}", pid, months(first, "2026-10"), account=account, amount=f"{rnd.randint(1000, 4000)}.50")
        if i % 40 == 3:  # the last period paid twice (R04); no draw, so the other rules see the same data
            b.pay(f"b{i:04d}", pid, "2026-10", account=account, amount="1000.50")
        if i % 40 == 11:  # a second live benefit of the same kind, as a merge of two records leaves (R05); no draw
            b.benefit(f"b{i:04d}x", pid, kind="pension", start="2024-01-01", region=region, account=account)
            b.benefit(f"b{i:04d}y", pid, kind="pension", start="2025-01-01", region=region, account=account)
            b.pay(f"b{i:04d}y", pid, months("2026-08", "2026-10"), account=account, amount="1500.00")
        if rnd.random() < 0.05:
            b.pay(f"b{i:04d}", pid, "2026-06", amount=rnd.choice(["25000.00", "24999.99"]), account=accounts[0],
                  paid_date="2026-06-18", kind="backpay")
        if rnd.random() < 0.08:
            b.death(idn, (date(2025, 9, 1) + timedelta(days=rnd.randint(0, 450))).isoformat(),
                    source=rnd.choice(["civil_affairs", "funeral"]))
        if rnd.random() < 0.05:
            s = date(2025, 9, 1) + timedelta(days=rnd.randint(0, 400))
            b.prison(idn, s.isoformat(), rnd.choice(["", (s + timedelta(days=120)).isoformat()]))
        if rnd.random() < 0.2:
            for p in months(f"{int(birth[:4]) + 15}-01", f"{int(birth[:4]) + 15 + rnd.randint(1, 20)}-12"):
                b.contribution(pid, p)
    return b


def rows(findings):
    return sorted(tuple(f.row().values()) for f in findings)


@pytest.mark.timeout(1800)  # Spark screens a whole catalogue: minutes on a loaded 2-core machine
def test_each_engine_reads_parquet_and_agrees_with_duckdb_on_csv(tmp_path, batch_engine):
    """Each engine, reading the exchange folder as Parquet, gives the alerts, keys and row counts
    DuckDB gives from the CSV, on a random population with hits and near misses of every rule (each
    rule's own tests run on both engines from CSV). DuckDB reads text and typed Parquet; Spark, the
    slow one to test, typed Parquet (what ``folder_to_parquet`` writes and the benchmark reads)."""
    folder = mixed_population().write(tmp_path / "csv")
    text_folder, typed_folder = tmp_path / "parquet", tmp_path / "typed"
    text_folder.mkdir()
    for f in folder.glob("*.csv"):
        table = pacsv.read_csv(f, convert_options=pacsv.ConvertOptions(
            column_types={c: "string" for c in f.read_text(encoding="utf-8").splitlines()[0].split(",")}))
        pq.write_table(table, text_folder / f"{f.stem}.parquet")
    folder_to_parquet(folder, typed_folder)
    with make_engine("duckdb", threads=1, memory_limit="1GB") as duck:
        want = screen_folder(folder, as_of=AS_OF, engine=duck)
    assert len(want.findings) > 50
    assert {f.rule_id for f in want.findings} == {r.id for r in load_catalogue().rules}  # every rule fires
    for source in (text_folder, typed_folder) if batch_engine.dialect.name == "duckdb" else (typed_folder,):
        got = screen_folder(source, as_of=AS_OF, engine=batch_engine)
        assert rows(got.findings) == rows(want.findings), source.name
        assert [f.key_values for f in got.findings] == [f.key_values for f in want.findings], source.name
        assert got.row_counts == want.row_counts, source.name


def test_spark_engine_splits_a_with_list_without_spark():
    """The Spark engine runs each CTE as a view; literals and nested parentheses do not confuse it."""
    from shebao.engines.spark_engine import split_ctes

    sql = ("WITH a AS (SELECT count(*) AS n FROM t WHERE x IN ('(', ')') GROUP BY y),\n"
           "  b AS (SELECT n FROM a JOIN (SELECT 1 AS k) z ON true)\nSELECT * FROM b, a")
    ctes, select = split_ctes(sql)
    assert [name for name, _ in ctes] == ["a", "b"]
    assert ctes[0][1] == "SELECT count(*) AS n FROM t WHERE x IN ('(', ')') GROUP BY y"
    assert ctes[1][1] == "SELECT n FROM a JOIN (SELECT 1 AS k) z ON true"
    assert select == "SELECT * FROM b, a"
    assert split_ctes("SELECT 1") is None
    assert split_ctes("WITH a AS (SELECT 1") is None  # unbalanced: run as written, Spark reports it
    # Every rule of the shipped catalogue is split (else Spark would recompute its shared CTEs).
    from shebao.engines.spark_engine import SparkDialect
    from shebao.risk.catalogue import render, rule_parameters, runtime_parameters

    cat = load_catalogue()
    runtime = runtime_parameters(AS_OF, 12)
    for rule in cat.rules:
        assert split_ctes(render(rule.sql, SparkDialect(), rule_parameters(cat, rule, runtime))), rule.id
