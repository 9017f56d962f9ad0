"""Batch pensions on each batch engine: the inputs the engine derives from an exchange folder are
those one application's auto-fill gives (``summarise_history``), and so are the pensions."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from shebao.benefits.batch_pensions import assess_folder, pension_inputs
from shebao.engines.base import EngineError
from shebao.policy import load_parameters
from shebao.policy.columns import pension_table
from shebao.risk.application_features import ApplicantHistory, summarise_history

ASSESSED = dt.date(2025, 12, 31)
PEOPLE = [
    # person, region, birth, original age, deemed months, pension start, detail months, yearly (year, months, index)
    ("p1", "370502", "1964-06-10", 60, 60, "2024-06-01", ("2023-01", "2024-06"),
     [(y, 12, 1.2 if y % 2 else 0.8) for y in range(1995, 2011)]),
    ("p2", "370202", "1969-11-02", 55, 0, "2024-11-01", ("2022-07", "2025-03"),
     [(y, 12, 1.0) for y in range(1996, 2010)] + [(2010, 6, None)]),
    ("p3", "370502", "1965-01-20", 60, 120, "2025-05-01", ("2024-01", "2025-12"),
     [(y, 12, 0.6) for y in range(2000, 2005)]),  # detail after the start: not counted
    ("p4", "370502", "1964-08-01", 60, 0, "2024-10-01", None, []),  # nothing known: index 0, refused
]
BASES = {"p1": 600000, "p2": 450000, "p3": 900000}
BALANCES = {"p1": [("2024-01-01", "81234.56"), ("2024-07-01", "99999.99")], "p2": [("2025-01-01", "45000.00")]}


def months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def write(folder: Path, name: str, header: list[str], rows: list[list]) -> None:
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture
def exchange(tmp_path) -> Path:
    folder = tmp_path / "exchange"
    folder.mkdir()
    write(folder, "persons", ["person_id", "id_number", "name", "sex", "birth_date", "region_code", "phone",
                              "original_retirement_age", "deemed_months"],
          [[p, f"37050219640310{i:03d}7", "张三", "M", birth, region, "", age, deemed]
           for i, (p, region, birth, age, deemed, *_rest) in enumerate(PEOPLE)])
    write(folder, "benefits", ["benefit_id", "person_id", "kind", "region_code", "start_date", "end_date",
                               "monthly_amount", "status", "bank_account"],
          [[f"b{p}", p, "pension", region, start, "", "0.00", "active", ""] for p, region, _b, _a, _d, start, *_ in PEOPLE]
          + [["u1", "p1", "unemployment", "370502", "2020-01-01", "2020-12-31", "0.00", "terminated", ""]])
    contributions = []
    for p, *_rest, detail, _years in PEOPLE:
        if detail:
            for period in months(*detail):
                contributions.append([p, "E1", period, "pension", f"{BASES[p] / 100:.2f}", "0", "0", ""])
                contributions.append([p, "E1", period, "unemployment", "9999.00", "0", "0", ""])  # other insurance
        if p == "p2":  # two employers in one month: one month, bases added
            contributions.append([p, "E2", "2024-02", "pension", "1000.00", "0", "0", ""])
    write(folder, "contributions", ["person_id", "employer_id", "period", "insurance", "base", "employee_amount",
                                    "employer_amount", "paid_date"], contributions)
    write(folder, "contribution_years", ["person_id", "year", "insurance", "months", "avg_base", "avg_index"],
          [[p, y, "pension", n, "", "" if idx is None else idx] for p, *_r, years in PEOPLE for y, n, idx in years])
    write(folder, "pension_accounts", ["person_id", "as_of", "balance"],
          [[p, day, bal] for p, rows in BALANCES.items() for day, bal in rows])
    return folder


def application_inputs() -> pa.Table:
    """The same pensions' inputs as one application each would get them (auto-fill's summary)."""
    rows = []
    for p, region, birth, age, deemed, start, detail, years in PEOPLE:
        on = dt.date.fromisoformat(start)
        contributions = [(period, "pension", "E1", BASES[p], None) for period in months(*detail)] if detail else []
        if p == "p2":
            contributions.append(("2024-02", "pension", "E2", 100000, None))
        h = ApplicantHistory(birth_date=dt.date.fromisoformat(birth), deemed_months=deemed,
                             contributions=contributions, years=[(y, "pension", n, idx) for y, n, idx in years])
        s = summarise_history(h, "pension", on, region=region)
        balance = max((b for b in BALANCES.get(p, []) if b[0] <= start), default=(None, "0.00"))[1]
        rows.append({"benefit_id": f"b{p}", "person_id": p, "retirement_date": start[:7], "birth_date": birth[:7],
                     "original_retirement_age": age, "contribution_months": s["contribution_months"],
                     "pre_account_months": deemed, "account_balance": Decimal(balance),
                     "avg_contribution_index": s["avg_index"] or 0.0})
    return pa.Table.from_pylist(rows)


def test_engine_derives_the_inputs_one_application_gets(batch_engine, exchange):
    got = pension_inputs(batch_engine, exchange).to_pylist()
    want = application_inputs().to_pylist()
    assert [r["benefit_id"] for r in got] == ["bp1", "bp2", "bp3", "bp4"]  # pensions only, ordered
    for g, w in zip(got, want, strict=True):
        assert {k: g[k] for k in w} == w
    # hand-checked: p2 counts 2022-07 … 2024-11 (29 months, 2024-02 once) and 14 years and 6 months
    assert got[1]["contribution_months"] == 29 + 14 * 12 + 6
    assert got[3]["contribution_months"] == 0 and got[3]["avg_contribution_index"] == 0.0


def test_batch_pensions_equal_the_formula_on_application_inputs(batch_engine, exchange):
    params = load_parameters()
    batch = assess_folder(exchange, params=params, assessed_on=ASSESSED, engine=batch_engine, threads=1)
    single = pension_table(application_inputs(), params=params, assessed_on=ASSESSED, threads=1)
    for column in ("total", "basic_pension", "account_pension", "transitional_pension", "eligible", "reasons"):
        assert batch[column].to_pylist() == single[column].to_pylist(), column
    assert batch["eligible"].to_pylist()[:3] == [True, True, True], batch["reasons"].to_pylist() and batch["total"][0].as_py() > Decimal("1000")
    assert batch["eligible"][3].as_py() is False and batch["reasons"][3].as_py()  # no months: refused, with its reason


def test_a_folder_without_benefits_is_named(batch_engine, tmp_path):
    (tmp_path / "persons.csv").write_text("person_id\np1\n", encoding="utf-8")
    with pytest.raises(EngineError, match=r"中缺少 benefits\.csv（或 \.parquet）$"):
        pension_inputs(batch_engine, tmp_path)


def test_cli_assesses_an_exchange_folder_and_names_a_bad_engine(exchange, tmp_path, shebao_home):
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    import shebao.cli.calc  # noqa: F401 - registers the commands
    from shebao.cli import app

    out = tmp_path / "pensions.parquet"
    runner = CliRunner()
    r = runner.invoke(app, ["calc", "pension", "--shipped", "--exchange", str(exchange), "--out", str(out),
                            "--assessed-on", ASSESSED.isoformat()])
    assert r.exit_code == 0, r.output
    table = pq.read_table(out)
    single = pension_table(application_inputs(), params=load_parameters(), assessed_on=ASSESSED, threads=1)
    assert table["benefit_id"].to_pylist() == ["bp1", "bp2", "bp3", "bp4"]
    assert table["total"].to_pylist() == single["total"].to_pylist()
    r = runner.invoke(app, ["calc", "pension", "--shipped", "--exchange", str(exchange), "--out", str(out),
                            "--engine", "oracle"])
    assert r.exit_code == 1
    assert [line for line in r.output.splitlines() if line.strip()] == ["错误：未知引擎：oracle（可选 duckdb、spark）"]
