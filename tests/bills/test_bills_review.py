"""Bills in the database: load with rejects, audit, store the flags once, agree or restore with the
audit log, and the CLI (``shebao bills audit|load|flags``) with JSON on stdout only."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest
from bills_builders import BillsFolder
from sqlalchemy import select
from typer.testing import CliRunner

AS_OF = date(2026, 10, 31)


def _labels(folder) -> set[tuple[str, str, str]]:
    with (folder / "bill_labels.csv").open(encoding="utf-8") as fh:
        return {(r["bill_id"], r["line_no"], r["rule_id"]) for r in csv.DictReader(fh) if r["rule_id"].startswith("M")}


def _user(session, username: str, role: str) -> None:
    from shebao.users.service import add_user, get_user

    if get_user(session, username) is None:
        add_user(session, username=username, role=role)


@pytest.fixture(scope="module")
def synth_folder(tmp_path_factory):
    """A synthetic population of 300 with bills (every rule planted)."""
    from shebao.synth import generate
    from shebao.synth.bills import generate_bills, read_persons

    folder = tmp_path_factory.mktemp("synth") / "pop"
    generate(300, seed=5, out=folder, as_of=AS_OF, progress=False)
    summary = generate_bills(folder, persons=read_persons(folder), stays=60, seed=5, as_of=AS_OF, error_rate=0.5)
    assert set(summary.labels) >= {f"M{i:02d}" for i in range(1, 11)}
    return folder


def test_rejects_name_file_line_field_and_keep_the_good_rows(tmp_path):
    from shebao.bills.audit import audit_folder

    b = BillsFolder()
    b.bill("B1").line("B1", 1).line("B1", 2, amount="10.01")            # amount is not quantity × price
    b.line("B1", 1, price="11.00")                                       # the same line twice
    b.line("B9", 1)                                                      # no such bill
    b.line("B1", 3, date="2026-02-30")                                   # no such day
    b.bill("B2", diagnosis="骨折").bill("B3", hospital="H404").bill("B4", person="P404")
    b.line("B1", 4, quantity="0.5", price="0.99")                        # 0.495 → 0.50: kept
    folder = b.write(tmp_path / "f")
    result = audit_folder(folder, engine="duckdb", anomaly=False, reports_dir=tmp_path / "reports")
    rejects = {(r.file, r.line, r.field) for r in result.check.rejects}
    assert rejects == {
        ("bill_items.csv", 3, "amount"), ("bill_items.csv", 4, "bill_id,line_no"), ("bill_items.csv", 5, "bill_id"),
        ("bill_items.csv", 6, "service_date"), ("bills.csv", 3, "diagnosis_code"), ("bills.csv", 4, "hospital_id"),
        ("bills.csv", 5, "person_id"),
    }
    assert all(r.reason for r in result.check.rejects)
    assert result.check.counts["bill_items"] == 2 and result.check.counts["bills"] == 1
    assert result.summary()["per_bill"]["B1"]["claimed"] == "10.50"
    report = (tmp_path / "reports").glob("rejects-*.csv").__next__().read_text(encoding="utf-8")
    assert report.splitlines()[0] == "file,line,field,value,reason" and "不等于 数量 × 单价" in report


def test_synthetic_bills_flag_exactly_the_planted_errors(synth_folder, tmp_path):
    from shebao.bills.audit import audit_folder

    result = audit_folder(synth_folder, engine="duckdb", reports_dir=tmp_path / "r")
    got = {(f.bill_id, "" if f.line_no is None else str(f.line_no), f.rule_id) for f in result.flags}
    assert got == _labels(synth_folder)
    assert not any(result.check.rejected.values())
    assert all(f.level == "B" and f.amount_disallowed == 0 for f in result.anomalies)
    with (synth_folder / "bill_labels.csv").open(encoding="utf-8") as fh:
        padded = {(r["bill_id"], int(r["line_no"])) for r in csv.DictReader(fh) if r["rule_id"] == "B01"}
    assert padded <= {(f.bill_id, f.line_no) for f in result.anomalies}


def test_synth_without_bills_is_unchanged(tmp_path):
    from shebao.cli import _register, app

    _register()
    runner = CliRunner()
    base = ["synth", "--persons", "120", "--seed", "9", "--as-of", "2026-10-31", "--no-progress", "--json"]
    plain = runner.invoke(app, [*base, "--out", str(tmp_path / "a")])
    with_bills = runner.invoke(app, [*base, "--out", str(tmp_path / "b"), "--bills", "--bill-stays", "30"])
    assert plain.exit_code == 0 and with_bills.exit_code == 0, with_bills.output
    assert "bills" not in json.loads(plain.stdout) and json.loads(with_bills.stdout)["bills"]["rows"]["bills"] >= 30

    def digest(folder):
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert set(b) - set(a) == {"hospitals.csv", "catalogue.csv", "bills.csv", "bill_items.csv", "bill_labels.csv"}
    assert all(b[name] == a[name] for name in a)
    assert "（合成）" in (tmp_path / "b" / "catalogue.csv").read_text(encoding="utf-8")


def test_models_match_the_migration(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from shebao.core.db import Base
    from shebao.migrations import import_all_models

    import_all_models()
    engine = create_engine(db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    mine = [d for d in diff if "bills_" in repr(d)]
    assert mine == []


def test_load_audit_store_and_review(db, synth_folder, tmp_path):
    from shebao.audit.models import AuditEntry
    from shebao.bills import service
    from shebao.bills.models import BillFlag
    from shebao.core.db import session_scope
    from shebao.registry.loader import load_folder as load_registry

    load_registry(synth_folder, reports_dir=tmp_path / "reports")
    with session_scope() as s:
        loaded = service.load_folder(s, folder=synth_folder, reports_dir=tmp_path / "reports")
        assert loaded.rejected["bill_items"] == 0 and loaded.loaded["bill_items"] > 500
    with session_scope() as s:
        result = service.audit_database(s, engine="duckdb", reports_dir=tmp_path / "reports")
        got = {(f.bill_id, "" if f.line_no is None else str(f.line_no), f.rule_id) for f in result.flags}
        assert got == _labels(synth_folder)
        stored = service.store_flags(s, result.flags + result.anomalies, audit_date=AS_OF)
        assert stored.new == len(result.flags) + len(result.anomalies)
    with session_scope() as s:  # a second audit raises nothing again
        again = service.audit_database(s, engine="duckdb", anomaly=False, reports_dir=tmp_path / "reports")
        assert service.store_flags(s, again.flags, audit_date=AS_OF).new == 0
    with session_scope() as s:
        s.info["actor"] = "reviewer1"
        flag = s.scalars(select(BillFlag).where(BillFlag.rule_id == "M02")).first()
        review = service.bill_review(s, bill_id=flag.bill_id)
        before = review["totals"]
        assert before["disallowed"] >= flag.amount_disallowed
        with pytest.raises(service.BillError, match="理由"):
            service.decide_line(s, bill_id=flag.bill_id, line_no=flag.line_no, decision="restore", reason=" ")
        service.decide_line(s, bill_id=flag.bill_id, line_no=flag.line_no, decision="restore",
                            reason="医院按新版限价收费，经核实可支付")
    with session_scope() as s:
        after = service.bill_review(s, bill_id=flag.bill_id)["totals"]
        assert after["disallowed"] == before["disallowed"] - flag.amount_disallowed
        assert after["payable"] == after["claimed"] - after["disallowed"]
        with pytest.raises(service.BillError, match="没有待处理"):
            service.decide_line(s, bill_id=flag.bill_id, line_no=flag.line_no, decision="agree", reason="再次")
        whole = s.scalars(select(BillFlag).where(BillFlag.rule_id == "M10")).first()
        service.decide_line(s, bill_id=whole.bill_id, line_no=None, decision="agree", reason="非协议机构，非急诊")
        t = service.bill_review(s, bill_id=whole.bill_id)["totals"]
        assert t["payable"] == Decimal("0.00") and t["whole_bill"]
    with session_scope() as s:  # audit entries are written when the unit of work commits
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert {"bills.load", "bills.audit", "bills.line.restore", "bills.line.agree"} <= set(actions)
        rows, total = service.list_bills(s)
        assert total >= 1 and all(Decimal(r["payable"]) == Decimal(r["claimed"]) - Decimal(r["disallowed"])
                                  for r in rows)


def test_cli_audit_json_and_triage(db, synth_folder, tmp_path):
    from shebao.cli import _register, app
    from shebao.core.db import session_scope
    from shebao.registry.loader import load_folder as load_registry

    _register()
    with session_scope() as s:
        _user(s, "reviewer1", "reviewer")
        _user(s, "clerk1", "clerk")
    runner = CliRunner()
    out = tmp_path / "flags.csv"
    first = runner.invoke(app, ["bills", "audit", str(synth_folder), "--out", str(out), "--json", "--no-model"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert set(summary) >= {"totals", "per_rule", "per_hospital", "per_bill"}
    assert summary["flags"] == len(_labels(synth_folder))
    assert out.read_text(encoding="utf-8").splitlines()[0] == "bill_id,line_no,rule_id,amount_disallowed,reason"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    for row in summary["per_bill"].values():
        assert Decimal(row["claimed"]) - Decimal(row["disallowed"]) == Decimal(row["payable"])
    missing = runner.invoke(app, ["bills", "audit", str(tmp_path / "nowhere"), "--out", str(out)])
    assert missing.exit_code != 0 and "Traceback" not in missing.output

    load_registry(synth_folder, reports_dir=tmp_path / "reports")
    loaded = runner.invoke(app, ["bills", "load", str(synth_folder), "--json", "--as", "reviewer1"])
    assert loaded.exit_code == 0, loaded.output
    stored = runner.invoke(app, ["bills", "audit", "--out", str(out), "--json", "--as", "reviewer1"])
    assert stored.exit_code == 0, stored.output
    data = json.loads(stored.stdout)
    assert data["stored"]["new"] >= summary["flags"] and data["totals"] == summary["totals"]
    listed = json.loads(runner.invoke(app, ["bills", "flags", "list", "--rule", "M01", "--json"]).stdout)
    flag_id = listed["items"][0]["id"]
    denied = runner.invoke(app, ["bills", "flags", "dismiss", str(flag_id), "--reason", "x", "--as", "clerk1"])
    assert denied.exit_code == 1
    ok = runner.invoke(app, ["bills", "flags", "dismiss", str(flag_id), "--reason", "自费协议已签", "--json",
                             "--as", "reviewer1"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["status"] == "dismissed"
    again = json.loads(runner.invoke(app, ["bills", "audit", "--out", str(out), "--json", "--no-model",
                                           "--as", "reviewer1"]).stdout)
    restored = Decimal(listed["items"][0]["amount_disallowed"])
    assert Decimal(again["totals"]["disallowed"]) == Decimal(summary["totals"]["disallowed"]) - restored


def test_api_bills_for_reviewers(db, synth_folder, tmp_path):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.bills import service
    from shebao.core.db import session_scope
    from shebao.registry.loader import load_folder as load_registry
    from shebao.users.service import issue_token

    load_registry(synth_folder, reports_dir=tmp_path / "reports")
    with session_scope() as s:
        service.load_folder(s, folder=synth_folder, reports_dir=tmp_path / "reports")
    with session_scope() as s:
        result = service.audit_database(s, anomaly=False, reports_dir=tmp_path / "reports")
        service.store_flags(s, result.flags, audit_date=AS_OF)
        _user(s, "reviewer1", "reviewer")
        _user(s, "clerk1", "clerk")
        reviewer = issue_token(s, username="reviewer1")
        clerk = issue_token(s, username="clerk1")
    client = TestClient(create_app(db))
    h = {"Authorization": f"Bearer {reviewer}"}
    assert client.get("/api/v1/bills").status_code == 401
    assert client.get("/api/v1/bills", headers={"Authorization": f"Bearer {clerk}"}).status_code == 403
    page = client.get("/api/v1/bills", headers=h).json()
    assert page["total"] == len({f.bill_id for f in result.flags})
    m03 = next(f for f in result.flags if f.rule_id == "M03")
    bill = client.get(f"/api/v1/bills/{m03.bill_id}", headers=h).json()
    line = next(x for x in bill["lines"] if x["line_no"] == m03.line_no)
    assert [f["rule_id"] for f in line["flags"]] == ["M03"] and line["disallowed"] == f"{m03.amount_disallowed:.2f}"
    assert Decimal(bill["claimed"]) - Decimal(bill["disallowed"]) == Decimal(bill["payable"])
    body = {"decision": "restore", "reason": "医嘱加量，已核实", "line_no": m03.line_no}
    after = client.post(f"/api/v1/bills/{m03.bill_id}/decide", json=body, headers=h)
    assert after.status_code == 200, after.text
    assert Decimal(after.json()["payable"]) == Decimal(bill["payable"]) + m03.amount_disallowed
    assert client.post(f"/api/v1/bills/{m03.bill_id}/decide", json=body, headers=h).status_code == 409
    assert client.post(f"/api/v1/bills/{m03.bill_id}/decide", json={**body, "reason": ""}, headers=h).status_code == 422
    assert client.get("/api/v1/bills/NOPE", headers=h).status_code == 404
    flags = client.get("/api/v1/bills/flags", params={"rule_id": "M01", "status": "new"}, headers=h).json()
    flag_id = flags["items"][0]["id"]
    ok = client.post(f"/api/v1/bills/flags/{flag_id}/confirm", json={"reason": "目录外自费药"}, headers=h)
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"


def test_gbk_files_are_read_and_a_line_in_another_encoding_is_rejected(tmp_path):
    from shebao.bills.audit import audit_folder

    b = BillsFolder()
    b.bill("B1").line("B1", 1).line("B1", 2).line("B1", 3)
    folder = b.write(tmp_path / "f")
    hospitals = folder / "hospitals.csv"
    hospitals.write_bytes(hospitals.read_text(encoding="utf-8").encode("gb18030"))  # a GBK file: read as such
    items = folder / "bill_items.csv"
    lines = items.read_text(encoding="utf-8").splitlines(keepends=True)
    items.write_bytes(b"".join([*(x.encode("utf-8") for x in lines[:2]), lines[2].encode("gb18030"),
                                lines[3].encode("utf-8")]))  # line 3 in GBK inside a UTF-8 file
    result = audit_folder(folder, anomaly=False, reports_dir=tmp_path / "r")
    assert [(r.file, r.line) for r in result.check.rejects] == [("bill_items.csv", 3)]
    assert "GBK" in result.check.rejects[0].reason
    assert result.check.counts["bill_items"] == 2 and result.check.counts["hospitals"] == 1
    assert any("GBK" in w for w in result.check.warnings)
