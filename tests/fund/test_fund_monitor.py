"""Monthly monitoring from the registry: the figures are the registry's own sums; CLI and exports."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

import pytest


@pytest.fixture
def loaded(db, tmp_path):
    from shebao.registry.loader import load_folder
    from shebao.synth import PatternRates, generate

    folder = tmp_path / "pop"
    generate(150, seed=4, out=folder, as_of=dt.date(2025, 12, 31), rates=PatternRates(), progress=False)
    load_folder(folder, actor="admin", reports_dir=tmp_path / "rejects")
    return folder


def _csv(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_monitor_figures_are_the_registry_sums(loaded):
    from shebao.cli.common import unit_of_work
    from shebao.fund.monitor import MonitorError, monitor

    due, received, paid = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
    contributors = defaultdict(set)
    for r in _csv(loaded / "contributions.csv"):
        amount = Decimal(r["employee_amount"]) + Decimal(r["employer_amount"])
        due[r["period"]] += amount
        if r["paid_date"]:
            received[r["paid_date"][:7]] += amount
        if r["insurance"] == "pension":
            contributors[r["period"]].add(r["person_id"])
    recipients = defaultdict(set)
    benefit_kind = {r["benefit_id"]: r["kind"] for r in _csv(loaded / "benefits.csv")}
    for r in _csv(loaded / "payments.csv"):
        paid[r["period"]] += Decimal(r["amount"])
        if benefit_kind[r["benefit_id"]] == "pension" and r.get("kind", "regular") == "regular":
            recipients[r["period"]].add(r["person_id"])
    with unit_of_work("admin") as session:
        data = monitor(session, start="2025-01", end="2025-12")
        with pytest.raises(MonitorError, match="晚于"):
            monitor(session, start="2025-12", end="2025-01")
    assert [m["period"] for m in data["months"]] == [f"2025-{i:02d}" for i in range(1, 13)]
    for m in data["months"]:
        p = m["period"]
        assert Decimal(m["contributions_due"]) == due[p]
        assert Decimal(m["contributions_received"]) == received[p]
        assert Decimal(m["benefits_paid"]) == paid[p]
        assert m["pension_contributors"] == len(contributors[p])
        assert m["pension_recipients"] == len(recipients[p])
        if recipients[p] and contributors[p]:
            assert m["dependency_ratio_contributors"] == round(len(recipients[p]) / len(contributors[p]), 4)
    # the rows by region and insurance add up to the month
    for m in data["months"]:
        rows = [r for r in data["rows"] if r["period"] == m["period"]]
        assert sum(Decimal(r["contributions_due"]) for r in rows) == Decimal(m["contributions_due"])
        assert sum(Decimal(r["benefits_paid_total"]) for r in rows) == Decimal(m["benefits_paid"])
    assert data["months"][-2]["avg_base_yoy"] is not None  # December has no contributions yet


def test_cli_monitor_json_and_exports(loaded, tmp_path):
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from shebao.cli import _register, app

    _register()
    res = CliRunner().invoke(app, ["fund", "monitor", "--from", "2025-01", "--to", "2025-06", "--json",
                                   "--out", str(tmp_path / "m.xlsx")])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["months"]) == 6
    sheet = load_workbook(tmp_path / "m.xlsx").active
    assert sheet.max_row == 7 and sheet.cell(1, 1).value == "period"
    res = CliRunner().invoke(app, ["fund", "monitor", "--from", "2025-1", "--to", "2025-06"])
    assert res.exit_code != 0 and "YYYY-MM" in res.output
