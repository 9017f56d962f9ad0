"""Issue 21 through the API and the CLI: the plan's exact fields, the steps, role checks, errors naming the field."""

from __future__ import annotations

import json

from test_transfers_case import STATEMENT_ROWS, _mover

PLAN_FIELDS = ["kind", "personal_account_transfer", "pooled_fund_transfer", "total_transfer", "years_combined",
               "temporary_account", "pension_place", "trace"]
HISTORY = {"from_region": "110105", "to_region": "370502", "date": "2025-06-02", "household_region": "370502",
           "birth_date": "1985-01-01", "sex": "M",
           "contributions": [{"region": "110105", "year": 2024, "months": 12, "monthly_base": "6000"},
                             {"region": "110105", "year": 2025, "months": 5, "monthly_base": "6200.13"}],
           "account_balance": "5760.00", "account_pre1998_own": "0"}
# pooled 12% × (72000.00 + 31000.65) = 12% × 103000.65 = 12360.078 → 12360.08; total 18120.08; 17 months = 1.42


def _users(session):
    from shebao.users.service import add_user, get_user, issue_token

    tokens = {}
    for name, role in (("clerk1", "clerk"), ("reviewer1", "reviewer"), ("analyst1", "analyst")):
        if get_user(session, name) is None:
            add_user(session, username=name, role=role)
        tokens[role] = {"Authorization": f"Bearer {issue_token(session, username=name)}"}
    session.commit()
    return tokens


def test_api_plan_and_steps(db, session):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app

    p = _mover(session)
    session.commit()
    h = _users(session)
    client = TestClient(create_app(db))
    r = client.post("/api/v1/transfers/plan", json=HISTORY)
    assert r.status_code == 200 and list(r.json()) == PLAN_FIELDS
    assert [r.json()[k] for k in PLAN_FIELDS[:7]] == ["cross_province", "5760.00", "12360.08", "18120.08", "1.42",
                                                      False, "370502"]
    bad = dict(HISTORY, contributions=[{"region": "110105", "year": 2024, "months": 0, "monthly_base": "1"}])
    r = client.post("/api/v1/transfers/plan", json=bad)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "contributions", "0", "months"]
    assert "缴费月数" in r.json()["detail"][0]["msg"]
    by_person = {"person_id": p.person_id, "to_region": "370502", "date": "2025-03-03", "household_region": "370502"}
    assert client.post("/api/v1/transfers/plan", json=by_person).status_code == 401
    r = client.post("/api/v1/transfers/plan", json=by_person, headers=h["clerk"])
    assert r.json()["total_transfer"] == "33320.36"

    body = {"idempotency_key": "api-1", "person_id": p.person_id, "to_region": "370502", "household_region": "370502",
            "date": "2025-03-03"}
    assert client.post("/api/v1/transfers", json=body, headers=h["analyst"]).status_code == 403
    r = client.post("/api/v1/transfers", json=body, headers=h["clerk"])
    assert r.status_code == 200 and r.json()["created"] is True
    no = r.json()["transfer_no"]
    assert client.post(f"/api/v1/transfers/{no}/accept", json={"date": "2025-03-04"},
                       headers=h["clerk"]).status_code == 409  # the certificate comes first
    assert client.post(f"/api/v1/transfers/{no}/certificate", json={"date": "2025-03-04"},
                       headers=h["clerk"]).status_code == 200
    assert client.post(f"/api/v1/transfers/{no}/accept", json={"date": "2025-03-05"},
                       headers=h["clerk"]).json()["status"] == "accepted"
    r = client.post(f"/api/v1/transfers/{no}/fund", json={"date": "2025-03-06", "personal": "20000", "pooled": "13320.00"},
                    headers=h["clerk"])
    assert r.json()["status"] == "mismatch" and r.json()["differences"][0]["difference"] == "-0.36"
    accept = {"date": "2025-03-07", "personal": "20000", "pooled": "13320.00", "accept_difference": True,
              "comment": "转出地按其系统舍入，差额已确认"}
    assert client.post(f"/api/v1/transfers/{no}/fund", json=accept, headers=h["clerk"]).status_code == 403
    r = client.post(f"/api/v1/transfers/{no}/fund", json=accept, headers=h["reviewer"])
    assert r.json()["status"] == "funded" and r.json()["reconciled"] is False
    r = client.post(f"/api/v1/transfers/{no}/records", json={"date": "2025-03-10", "records": STATEMENT_ROWS},
                    headers=h["clerk"])
    assert r.status_code == 200 and (r.json()["status"], r.json()["records_moved"]) == ("done", 20)
    assert client.get("/api/v1/transfers/ZY0", headers=h["clerk"]).status_code == 404
    listed = client.get("/api/v1/transfers", headers=h["analyst"])
    assert listed.status_code == 403
    assert [v["transfer_no"] for v in client.get("/api/v1/transfers", headers=h["reviewer"]).json()] == [no]


def test_cli_plan_json_is_exactly_the_fields_and_errors_name_the_field(shebao_home):
    from typer.testing import CliRunner

    from shebao.cli import _register, app

    _register()
    runner = CliRunner()
    r = runner.invoke(app, ["transfer", "plan", "-", "--json"], input=json.dumps(HISTORY))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert list(out) == PLAN_FIELDS and out["pooled_fund_transfer"] == "12360.08"
    bad = dict(HISTORY, sex="X")
    r = runner.invoke(app, ["transfer", "plan", "-", "--json"], input=json.dumps(bad))
    assert r.exit_code == 1 and r.stdout == "" and "性别（sex）" in r.stderr


def test_cli_steps(db, session):
    from typer.testing import CliRunner

    from shebao.cli import _register, app

    p = _mover(session)
    session.commit()
    _register()
    runner = CliRunner()
    r = runner.invoke(app, ["transfer", "apply", "-", "--key", "cli-1", "--date", "2025-03-03", "--json"],
                      input=json.dumps({"person_id": p.person_id, "to_region": "370502", "household_region": "370502"}))
    assert r.exit_code == 0, r.output
    no = json.loads(r.stdout)["transfer_no"]
    for args in (["certificate", no, "--date", "2025-03-04"], ["accept", no, "--date", "2025-03-05"],
                 ["fund", no, "--personal", "20000.00", "--pooled", "13320.36", "--date", "2025-03-06"]):
        r = runner.invoke(app, ["transfer", *args, "--json"])
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["transfer", "records", no, "--date", "2025-03-07", "--chunk-size", "4", "--json"])
    assert r.exit_code == 0, r.output
    view = json.loads(r.stdout)
    assert (view["status"], view["records_moved"]) == ("done", 18)
    assert [s["step"] for s in view["steps"]] == ["apply", "certificate", "accept", "fund", "records"]
    r = runner.invoke(app, ["transfer", "fund", no, "--personal", "x", "--pooled", "1"])
    assert r.exit_code == 1 and "不能办理" in r.stderr


def test_the_demo_shows_transfers_at_different_steps(shebao_home):
    from sqlalchemy import text
    from typer.testing import CliRunner

    from shebao.cli import _register, app
    from shebao.core.db import session_scope

    _register()
    r = CliRunner().invoke(app, ["demo", "--no-serve", "--persons", "300", "--as-of", "2026-12-07", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["movers"]["cross_province"] >= 2 and out["transfers"] >= 4 and out["transfers_skipped"] == 0
    with session_scope() as s:
        statuses = {st for (st,) in s.execute(text("SELECT status FROM pension_transfers"))}
        kinds = {k for (k,) in s.execute(text("SELECT kind FROM pension_transfers"))}
    assert {"applied", "certified", "accepted"} <= statuses and "done" not in statuses
    assert kinds == {"cross_province", "within_province"}
