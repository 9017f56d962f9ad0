"""On a synthetic population every injected red pattern is found; precision per rule is reported."""

from __future__ import annotations

from datetime import date

import pytest

from shebao.risk.evaluation import RED_PATTERNS, evaluate_rules
from shebao.risk.screening import screen_folder

AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    synth = pytest.importorskip("shebao.synth")
    folder = tmp_path_factory.mktemp("synth")
    rates = synth.PatternRates(paid_after_death=0.004, paid_while_imprisoned=0.003, shared_account=0.002,
                               split_transfer=0.003, duplicate_benefit=0.002, fake_backpayment=0.002,
                               duplicate_record=0.005)
    synth.generate(4000, seed=21, out=folder, as_of=AS_OF, rates=rates, progress=False)
    return folder


def test_every_injected_red_pattern_is_found(population):
    result = screen_folder(population, as_of=AS_OF)
    report = evaluate_rules(result.findings, population, population / "labels.csv")
    for pattern in RED_PATTERNS:
        row = report["recall"][pattern]
        assert row["injected"] >= 5, pattern  # the population really holds the pattern
        assert row["recall"] == 1.0, (pattern, row["missed"])
    # precision is stated for every rule matched with a pattern, and the red rules are not noisy
    for rule_id in ("R01", "R02", "R03"):
        assert report["rules"][rule_id]["precision"] is not None
        assert report["rules"][rule_id]["precision"] >= 0.9, report["rules"][rule_id]
    assert report["rules"].get("Y01", {}).get("precision") is None


def test_cli_prints_precision_when_labels_are_present(population, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from shebao.cli import _register, app

    monkeypatch.setenv("SHEBAO_HOME", str(tmp_path / "home"))
    _register()
    out = tmp_path / "alerts.csv"
    res = CliRunner().invoke(app, ["screen", str(population), "--as-of", "2026-10-31", "--out", str(out),
                                   "--no-store", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["evaluation"]["recall"]["paid_after_death"]["recall"] == 1.0
    assert summary["written"] == summary["alerts"] > 0
