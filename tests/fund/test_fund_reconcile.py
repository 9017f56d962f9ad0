"""Four-party reconciliation: every planted difference found and classified exactly, near misses matched."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from shebao.fund.reconcile import COLUMNS, agency_tables, reconcile_folder

PERSONS, SEED, AS_OF = 300, 5, dt.date(2025, 12, 31)


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def synth_folder(tmp_path_factory):
    from shebao.synth import PatternRates, generate
    from shebao.synth.fund import write_statements

    folder = tmp_path_factory.mktemp("fundsynth")
    generate(PERSONS, seed=SEED, out=folder, as_of=AS_OF, rates=PatternRates(), progress=False)
    write_statements(folder, seed=SEED)
    return folder


def _labels(folder: Path, period: str) -> tuple[set, set]:
    with (folder / "fund_labels.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["period"] == period]
    planted = {(r["flow"], r["class"], r["reference"], Decimal(r["amount"])) for r in rows if r["class"] != "near_miss"}
    near = {(r["flow"], r["reference"]) for r in rows if r["class"] == "near_miss"}
    return planted, near


def test_synth_statements_are_reproducible(synth_folder, tmp_path):
    import shutil

    from shebao.synth.fund import write_statements

    copy = tmp_path / "copy"
    shutil.copytree(synth_folder, copy)
    write_statements(copy, seed=SEED)
    for name in ("tax_collections.csv", "fund_account.csv", "bank_statement.csv", "fund_labels.csv"):
        assert (copy / name).read_bytes() == (synth_folder / name).read_bytes(), name


def test_every_planted_difference_found_and_classified(db, synth_folder, tmp_path):
    from shebao.cli.common import unit_of_work
    from shebao.fund import service
    from shebao.registry.loader import load_folder

    summary = load_folder(synth_folder, actor="admin", reports_dir=tmp_path / "rejects")
    assert not summary.rejected.get("contributions") and not summary.rejected.get("payments")
    periods = ["2025-06", "2025-07"]
    for period in periods:
        planted, near = _labels(synth_folder, period)
        assert {c for _f, c, _r, _a in planted} == {"missing_at_agency", "missing_at_tax", "missing_at_bank",
                                                     "missing_in_fund_account", "amount_differs", "duplicated", "timing"}
        assert len(near) >= 3
        with unit_of_work("admin") as session:
            result = service.run_reconciliation(session, folder=synth_folder, period=period)
        found = {(d["flow"], d["class"], d["reference"], d["amount"]) for d in result.differences}
        assert found == planted, (sorted(found - planted), sorted(planted - found))
        refs = {(d["flow"], d["reference"]) for d in result.differences}
        assert not (near & refs)
        assert sum(result.near_misses.values()) >= 2  # the lost references were matched by amount and date
        for table in ("fund_account", "bank_statement"):
            assert result.balances[table]["balanced"] is True
    # the timing items of June are cleared by July's statements
    with unit_of_work("admin") as session:
        june = service.list_differences(session, period="2025-06", klass="timing")
        assert june and all(d.status == "cleared" and d.cleared_period == "2025-07" for d in june)
        assert json.loads(service.get_reconciliation(session, period="2025-07").summary)["carried"]["cleared"] == len(june)


def test_sign_off_and_reopen_are_audited(db, synth_folder, tmp_path):
    from sqlalchemy import select

    from shebao.audit.models import AuditEntry
    from shebao.cli.common import unit_of_work
    from shebao.fund import service
    from shebao.fund.service import FundError
    from shebao.registry.loader import load_folder

    load_folder(synth_folder, actor="admin", reports_dir=tmp_path / "rejects")
    with unit_of_work("admin") as session:
        service.run_reconciliation(session, folder=synth_folder, period="2025-05")
    with unit_of_work("admin") as session:
        first = service.list_differences(session, period="2025-05")[0]
        service.resolve_difference(session, difference_id=first.id, note="已与银行核实")
        worked = (first.klass, first.reference)
    with unit_of_work("admin") as session:
        rec = service.sign_off(session, period="2025-05", note="已核对")
        assert rec.signed_off_by == "admin" and rec.signed_off_at is not None
    with unit_of_work("admin") as session, pytest.raises(FundError, match="已由 admin 签认"):
        service.run_reconciliation(session, folder=synth_folder, period="2025-05")
    with unit_of_work("admin") as session, pytest.raises(FundError, match="说明原因"):
        service.reopen(session, period="2025-05", reason="  ")
    with unit_of_work("admin") as session:
        service.reopen(session, period="2025-05", reason="银行补来回单")
    with unit_of_work("admin") as session:
        service.run_reconciliation(session, folder=synth_folder, period="2025-05")
    with unit_of_work("admin") as session:
        resolved = service.list_differences(session, period="2025-05", status="resolved")
        assert [(d.klass, d.reference, d.note) for d in resolved] == [(*worked, "已与银行核实")]  # kept by the rerun
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()]
    assert actions.count("fund.reconcile") == 2
    assert "fund.reconcile.sign_off" in actions and "fund.reconcile.reopen" in actions


def _hand_folder(folder: Path) -> None:
    folder.mkdir()
    _write(folder / "tax_collections.csv", [
        {"collection_id": "C1", "payer_type": "employer", "payer_id": "E1", "person_id": "P1", "period": "2025-03",
         "insurance": "pension", "amount": "1200.00", "collected_date": "2025-03-10", "transfer_batch": "B1"},
    ])
    _write(folder / "fund_account.csv", [
        {"txn_id": "F1", "date": "2025-03-11", "direction": "in", "amount": "1200.00", "counterparty": "税务", "reference": "B1"},
    ])
    _write(folder / "bank_statement.csv", [
        # paid on the 30th, the bank debits on 2 April: timing
        {"txn_id": "K1", "date": "2025-04-02", "direction": "out", "amount": "1900.00", "reference": "Y1", "status": "ok"},
        # paid on the 30th, debited on 10 April: beyond the tolerance, missing at the bank
        {"txn_id": "K2", "date": "2025-04-10", "direction": "out", "amount": "1800.00", "reference": "Y2", "status": "success"},
        # a line of April matching nothing: next period's, not reported
        {"txn_id": "K3", "date": "2025-04-01", "direction": "out", "amount": "55.00", "reference": "Y9", "status": "success"},
        # the same amount a day apart, no reference: a near miss, matched
        {"txn_id": "K4", "date": "2025-03-16", "direction": "out", "amount": "1500.00", "reference": "", "status": "success"},
        {"txn_id": "K5", "date": "2025-03-16", "direction": "out", "amount": "1500.00", "reference": "Y4", "status": "bogus"},
    ])


def test_tolerance_timing_and_next_period_lines(tmp_path, batch_engine):
    """The same rules on DuckDB and on Spark."""
    folder = tmp_path / "hand"
    _hand_folder(folder)
    c, p = agency_tables([("E1", "P1", "2025-03", "pension", Decimal("1200.00"))], [
        ("Y1", "P1", "2025-03", dt.date(2025, 3, 30), Decimal("1900.00")),
        ("Y2", "P1", "2025-03", dt.date(2025, 3, 30), Decimal("1800.00")),
        ("Y3", "P2", "2025-03", dt.date(2025, 3, 15), Decimal("1500.00")),
    ])
    result = reconcile_folder(folder, period="2025-03", contributions=c, payments=p, engine=batch_engine)
    found = {(d["class"], d["reference"]) for d in result.differences}
    assert found == {("timing", "Y1"), ("missing_at_bank", "Y2")}
    assert result.near_misses["payments"] == 1
    # the bad status is reported with its record and field, the line left out
    assert result.rejected[0]["record"] == "K5" and result.rejected[0]["field"] == "status"
    assert "K5" in result.rejected[0]["reason"]
    # a tolerance of 2 days: the 2 April debit is no longer timing
    narrow = reconcile_folder(folder, period="2025-03", contributions=c, payments=p, tolerance_days=2,
                              engine=batch_engine)
    assert {(d["class"], d["reference"]) for d in narrow.differences} == {("missing_at_bank", "Y1"), ("missing_at_bank", "Y2")}


def test_cli_reconcile_writes_the_contract_csv(db, synth_folder, tmp_path):
    from typer.testing import CliRunner

    from shebao.cli import _register, app
    from shebao.registry.loader import load_folder

    _register()
    load_folder(synth_folder, actor="admin", reports_dir=tmp_path / "rejects")
    out = tmp_path / "differences.csv"
    res = CliRunner().invoke(app, ["reconcile", str(synth_folder), "--period", "2025-06", "--out", str(out),
                                   "--json", "--as", "admin"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    with out.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows = list(reader)
    planted, _near = _labels(synth_folder, "2025-06")
    assert len(rows) == len(planted) == payload["differences"]
    assert {r["class"] for r in rows} <= set(payload["by_class"])
    bad = CliRunner().invoke(app, ["reconcile", str(synth_folder), "--period", "2025/06", "--out", str(out)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output and "Traceback" not in bad.output


def test_api_reports_sign_off_and_roles(db, synth_folder, tmp_path):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.cli.common import unit_of_work
    from shebao.core.db import session_scope
    from shebao.fund import service
    from shebao.registry.loader import load_folder
    from shebao.users.service import add_user, get_user, issue_token

    load_folder(synth_folder, actor="admin", reports_dir=tmp_path / "rejects")
    with unit_of_work("admin") as session:
        service.run_reconciliation(session, folder=synth_folder, period="2025-06")
    tokens = {}
    with session_scope() as s:
        for name, role in (("auditor1", "auditor"), ("analyst1", "analyst"), ("clerk1", "clerk")):
            if get_user(s, name) is None:
                add_user(s, username=name, role=role)
            tokens[name] = {"Authorization": f"Bearer {issue_token(s, username=name)}"}
    client = TestClient(create_app(db))
    assert client.get("/api/v1/fund/reconciliations", headers=tokens["clerk1"]).status_code == 403
    got = client.get("/api/v1/fund/reconciliations/2025-06", headers=tokens["analyst1"])
    assert got.status_code == 200
    planted, _near = _labels(synth_folder, "2025-06")
    assert len(got.json()["differences"]) == len(planted)
    assert client.post("/api/v1/fund/reconciliations/2025-06/sign-off", json={"note": ""},
                       headers=tokens["analyst1"]).status_code == 403
    signed = client.post("/api/v1/fund/reconciliations/2025-06/sign-off", json={"note": "核实"}, headers=tokens["auditor1"])
    assert signed.status_code == 200 and signed.json()["signed_off_by"] == "auditor1"
    assert client.post("/api/v1/fund/reconciliations/2025-06/reopen", json={"reason": ""},
                       headers=tokens["auditor1"]).status_code == 422
    assert client.get("/api/v1/fund/reconciliations/2030-01", headers=tokens["auditor1"]).status_code == 404
    proj = client.post("/api/v1/fund/projection", json={"to_year": 2030, "compare_fixed_ages": True},
                       headers=tokens["analyst1"])
    assert proj.status_code == 200 and proj.json()["comparison"]["difference"][0]["year"] == 2026
    bad = client.post("/api/v1/fund/projection", json={"scenario": {"start_year": 2026}}, headers=tokens["analyst1"])
    assert bad.status_code == 422 and "opening_balance" in bad.json()["detail"]


def test_synth_flag_adds_the_statements_and_leaves_the_rest_alone(tmp_path):
    from typer.testing import CliRunner

    from shebao.cli import _register, app

    _register()
    args = ["synth", "--persons", "60", "--seed", "3", "--as-of", "2025-12-31", "--no-progress", "--json"]
    plain = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
    flagged = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b"), "--fund-statements"])
    assert plain.exit_code == 0 and flagged.exit_code == 0, flagged.output
    a, b = sorted(p.name for p in (tmp_path / "a").iterdir()), sorted(p.name for p in (tmp_path / "b").iterdir())
    extra = {"tax_collections.csv", "fund_account.csv", "bank_statement.csv", "fund_labels.csv"}
    assert set(b) - set(a) == extra and not extra & set(a)
    for name in a:  # the registry files are byte-identical with and without the flag
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert json.loads(flagged.stdout)["rows"]["fund_labels"] > 0
