"""Alert triage: stored once per finding, confirmed or dismissed with the audit log, CLI and API."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from risk_builders import AS_OF, ExchangeBuilder, months
from sqlalchemy import func, select
from typer.testing import CliRunner

from shebao.risk.screening import Finding, screen_folder


def _user(session, username: str, role: str) -> None:
    """Get or create (a test may ask for the same user twice)."""
    from shebao.users.service import add_user, get_user

    if get_user(session, username) is None:
        add_user(session, username=username, role=role)


def _finding(person="p1", rule="R01", level="red", amount="3000.00", key=("2026-05-10",)) -> Finding:
    return Finding(person, "b1", rule, level, Decimal(amount), f"证据 {amount}", key)


def test_same_finding_not_raised_again(db):
    from shebao.core.db import session_scope
    from shebao.risk.alerts import list_alerts, store_findings

    with session_scope() as s:
        summary, new = store_findings(s, [_finding(), _finding("p2", "Y02", "yellow", "0.00", ("acct",))], as_of=AS_OF)
        assert summary.new == 2 and len(new) == 2
    with session_scope() as s:
        summary, new = store_findings(s, [_finding(amount="6000.00"), _finding("p3")], as_of=AS_OF)
        assert (summary.new, summary.known, new.__len__()) == (1, 1, 1)
        rows, total = list_alerts(s, person_id="p1")
        assert total == 1 and rows[0].amount_at_risk == Decimal("6000.00") and rows[0].times_seen == 2
    with session_scope() as s:
        # the same person and rule, but another finding (another death date): a new alert
        summary, _ = store_findings(s, [_finding(key=("2026-07-01",))], as_of=AS_OF)
        assert summary.new == 1


def test_confirm_and_dismiss_are_audited_and_final(db, monkeypatch):
    from shebao.audit import verify
    from shebao.audit.models import AuditEntry
    from shebao.core.db import session_scope
    from shebao.risk.alerts import AlertError, confirm, dismiss, list_alerts, store_findings

    with session_scope() as s:
        baseline = s.scalar(select(func.max(AuditEntry.seq))) or 0
    with session_scope() as s:
        store_findings(s, [_finding(), _finding("p2", "Y01", "yellow", "0.00", ("2025-01-01",))], as_of=AS_OF)
    with session_scope() as s:
        s.info["actor"] = "auditor1"
        (red,), _ = list_alerts(s, level="red")
        (yellow,), _ = list_alerts(s, level="yellow")
        with pytest.raises(AlertError, match="^排除疑点必须说明理由$"):
            dismiss(s, alert_id=yellow.id, reason="  ")
        done = confirm(s, alert_id=red.id, note="已核实")
        assert done.status == "confirmed" and done.decided_by == "auditor1" and "未暂停" in done.handoff  # b1 is not in this database
        dismiss(s, alert_id=yellow.id, reason="已补做认证")
    with session_scope() as s:
        with pytest.raises(AlertError, match=rf"^疑点 {yellow.id} 已处理（dismissed），不能再改为 confirmed$"):
            confirm(s, alert_id=yellow.id)
        with pytest.raises(AlertError, match="^疑点 999999 不存在$"):
            confirm(s, alert_id=999999)
        actions = [e.action for e in s.scalars(
            select(AuditEntry).where(AuditEntry.seq > baseline).order_by(AuditEntry.seq))]
        assert actions.count("risk.screen") == 1
        assert "risk.alert.confirm" in actions and "risk.alert.dismiss" in actions
        assert verify(s).ok
    with session_scope() as s:  # a dismissed finding found again stays dismissed
        summary, new = store_findings(s, [_finding("p2", "Y01", "yellow", "0.00", ("2025-01-01",))], as_of=AS_OF)
        assert (summary.new, summary.closed, new) == (0, 1, [])


def test_confirmed_red_is_handed_to_benefits(db, monkeypatch):
    import shebao.risk.alerts
    from shebao.core.db import session_scope
    from shebao.risk.alerts import confirm, list_alerts, store_findings

    calls = []

    def suspend_and_recover(session, **kwargs):
        calls.append(kwargs)
        return {"suspended": kwargs["benefit_id"], "overpayment": "15000.00"}

    # the hand-off's own effects are tested in tests/benefits; here: who is handed over, with what
    monkeypatch.setattr(shebao.risk.alerts, "suspend_and_recover", suspend_and_recover)
    with session_scope() as s:
        store_findings(s, [_finding(), _finding("p2", "Y02", "yellow", "0.00", ("a",))], as_of=AS_OF)
    with session_scope() as s:
        (red,), _ = list_alerts(s, level="red")
        (yellow,), _ = list_alerts(s, level="yellow")
        assert "15000.00" in confirm(s, alert_id=red.id).handoff
        assert confirm(s, alert_id=yellow.id).handoff is None  # only red alerts suspend
    assert [c["benefit_id"] for c in calls] == ["b1"] and calls[0]["rule_id"] == "R01"


def _folder(tmp_path):
    b = ExchangeBuilder()
    idn = b.person("p1")
    b.benefit("b1", "p1")
    b.pay("b1", "p1", months("2025-11", "2026-10"))
    b.death(idn, "2026-06-02")
    for pid in ("p2", "p3"):
        b.person(pid)
        b.benefit("b" + pid, pid, account="6222020000004444")
        b.pay("b" + pid, pid, "2026-09", account="6222020000004444")
    return b.write(tmp_path / "x")


def test_cli_screen_store_and_triage(db, tmp_path, monkeypatch):
    from shebao.cli import _register, app
    from shebao.core.db import session_scope

    _register()
    with session_scope() as s:
        _user(s, "auditor1", "auditor")
        _user(s, "clerk1", "clerk")
    folder, out = _folder(tmp_path), tmp_path / "alerts.csv"
    runner = CliRunner()
    args = ["screen", str(folder), "--as-of", "2026-10-31", "--out", str(out), "--json", "--as", "auditor1"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["stored"]["new"] == 3 and summary["by_rule"] == {"R01": 1, "Y02": 2}
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "person_id,benefit_id,rule_id,level,amount_at_risk,evidence"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    second = runner.invoke(app, args + ["--new-only"])
    assert json.loads(second.stdout)["stored"] == {"new": 0, "known": 3, "closed": 0}
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1  # nothing new: header only

    listed = json.loads(runner.invoke(app, ["alerts", "list", "--json", "--as", "auditor1"]).stdout)
    assert listed["total"] == 3 and listed["items"][0]["rule_id"] == "R01"
    red_id = listed["items"][0]["id"]
    denied = runner.invoke(app, ["alerts", "confirm", str(red_id), "--as", "clerk1"])
    assert denied.exit_code == 1
    ok = runner.invoke(app, ["alerts", "confirm", str(red_id), "--json", "--as", "auditor1"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["status"] == "confirmed"
    yellow_id = listed["items"][1]["id"]
    no_reason = runner.invoke(app, ["alerts", "dismiss", str(yellow_id), "--reason", " ", "--as", "auditor1"])
    assert no_reason.exit_code == 1
    ok = runner.invoke(app, ["alerts", "dismiss", str(yellow_id), "--reason", "家属代领，已核实", "--as", "auditor1"])
    assert ok.exit_code == 0
    left = json.loads(runner.invoke(app, ["alerts", "list", "--json", "--as", "auditor1"]).stdout)
    assert left["total"] == 1


def test_api_alerts_for_auditors_only(db, tmp_path):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.core.db import session_scope
    from shebao.risk.alerts import store_findings
    from shebao.users.service import issue_token

    findings = screen_folder(_folder(tmp_path), as_of=AS_OF).findings
    with session_scope() as s:
        store_findings(s, findings, as_of=AS_OF)
        _user(s, "auditor1", "auditor")
        _user(s, "clerk1", "clerk")
        auditor = issue_token(s, username="auditor1")
        clerk = issue_token(s, username="clerk1")
    client = TestClient(create_app(db))
    h = {"Authorization": f"Bearer {auditor}"}
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {clerk}"}).status_code == 403
    page = client.get("/api/v1/alerts", params={"status": "new"}, headers=h).json()
    assert page["total"] == 3 and page["items"][0]["level"] == "red"
    assert "********" in page["items"][0]["evidence"]
    red = page["items"][0]["id"]
    r = client.post(f"/api/v1/alerts/{red}/confirm", json={"note": "已核实"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert client.post(f"/api/v1/alerts/{red}/confirm", json={}, headers=h).status_code == 409
    other = page["items"][1]["id"]
    assert client.post(f"/api/v1/alerts/{other}/dismiss", json={"reason": ""}, headers=h).status_code == 422
    r = client.post(f"/api/v1/alerts/{other}/dismiss", json={"reason": "夫妻共用账户"}, headers=h)
    assert r.json()["reason"] == "夫妻共用账户"
    assert client.get("/api/v1/alerts/999999", headers=h).status_code == 404
    assert client.get("/api/v1/alerts", params={"status": "confirmed"}, headers=h).json()["total"] == 1


def test_screen_database_matches_screening_the_folder(db, tmp_path):
    synth = pytest.importorskip("shebao.synth")
    from shebao.core.db import session_scope
    from shebao.registry.loader import load_folder
    from shebao.risk.screening import screen_database

    folder = tmp_path / "pop"
    synth.generate(250, seed=41, out=folder, as_of=AS_OF, detail_months=1, progress=False,
                   rates=synth.PatternRates(paid_after_death=0.01, paid_while_imprisoned=0.005, shared_account=0.005,
                                            split_transfer=0.005, duplicate_benefit=0.005))
    (folder / "labels.csv").unlink()
    summary = load_folder(folder, reports_dir=tmp_path / "rejects")
    assert not any(summary.rejected.values()), summary.as_json()
    from_folder = {tuple(f.row().values()) for f in screen_folder(folder, as_of=AS_OF).findings}
    with session_scope() as s:
        from_db = {tuple(f.row().values()) for f in screen_database(s, as_of=AS_OF).findings}
    assert {r[2] for r in from_folder} >= {"R01", "R02", "R03", "Y02"}
    assert from_db == from_folder  # each backend's database is fresh (a PostgreSQL clone per test): exactly equal
