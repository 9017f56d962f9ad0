"""The HTTP routes with their role checks, and the CLI commands."""

from __future__ import annotations

import json

from cases_builders import payload, session_as
from fastapi.testclient import TestClient
from typer.testing import CliRunner


def _token(username: str, role: str) -> dict:
    from shebao.users.service import issue_token

    with session_as(username, role) as s:
        token = issue_token(s, username=username)
    return {"Authorization": f"Bearer {token}"}


def test_api_submit_read_review_and_stats_with_role_checks(registry, db):
    from shebao.api.app import create_app

    client = TestClient(create_app(db))
    clerk, reviewer, reviewer2, analyst = (_token("c1", "clerk"), _token("r1", "reviewer"), _token("r2", "reviewer"),
                                           _token("a1", "analyst"))
    person = registry.person()
    body = payload("pension", person, "api-1")
    assert client.post("/api/v1/applications", json=body).status_code == 401
    assert client.post("/api/v1/applications", json=body, headers=analyst).status_code == 403
    r = client.post("/api/v1/applications", json=body, headers=clerk)
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["status"] in ("approved", "review", "rejected")
    assert {"application_no", "decision", "risk"} <= data.keys()
    assert data["risk"]["factors"] is not None and "trace" in data["decision"]
    again = client.post("/api/v1/applications", json=body, headers=clerk)
    assert again.status_code == 200 and again.json()["application_no"] == data["application_no"]
    got = client.get(f"/api/v1/applications/{data['application_no']}", headers=clerk)
    assert got.status_code == 200 and [s["step"] for s in got.json()["steps"]][:3] == ["intake", "autofill", "rules"]
    assert client.get("/api/v1/applications/YL2099010100001", headers=clerk).status_code == 404
    bad = dict(body, idempotency_key="api-bad", kind="unemployment")
    assert client.post("/api/v1/applications", json=bad, headers=clerk).status_code == 422  # facts missing

    # a case for review: unemployment without a known amount
    other = registry.person(birth="1980-05-01", unemployment=True, detail=("2022-01", "2025-02"))
    no = client.post("/api/v1/applications", json=payload("unemployment", other, "api-2"), headers=clerk).json()
    assert no["status"] == "review"
    no = no["application_no"]
    assert client.post("/api/v1/reviews/claim", json={}, headers=clerk).status_code == 403
    queue = client.get("/api/v1/reviews", headers=reviewer).json()
    assert [q["application_no"] for q in queue] == [no]
    claimed = client.post("/api/v1/reviews/claim", json={"application_no": no}, headers=reviewer)
    assert claimed.status_code == 200 and claimed.json()["review"]["claimed_by"] == "r1"
    assert claimed.json()["person_history"]["applications"] == []
    assert client.post("/api/v1/reviews/claim", json={"application_no": no}, headers=reviewer2).status_code == 409
    for bad in ("NaN", "Infinity", "-Infinity", "1e400000"):
        refused = client.post(f"/api/v1/reviews/{no}/decision", json={"action": "approve", "monthly_amount": bad},
                              headers=reviewer)
        assert refused.status_code == 422 and "monthly_amount" in json.dumps(refused.json()["detail"]), refused.text
    from test_cases_queue import set_minimum_wage

    set_minimum_wage("2200")  # the amount is checked against the local minimum wage
    decision = {"action": "approve", "monthly_amount": "1700"}
    assert client.post(f"/api/v1/reviews/{no}/decision", json=decision, headers=clerk).status_code == 403
    assert client.post(f"/api/v1/reviews/{no}/decision", json=decision, headers=reviewer2).status_code == 409
    done = client.post(f"/api/v1/reviews/{no}/decision", json=decision, headers=reviewer)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    stats = client.get("/api/v1/stats", headers=analyst).json()
    for key in ("median_decision_ms", "p95_decision_ms", "straight_through_rate", "review_rate", "rejection_rate",
                "return_rate", "review_error_rate"):
        assert key in stats
    assert stats["applications"] == 2


def test_cli_apply_reviews_and_stats(registry, db, monkeypatch, tmp_path):
    from shebao.cli import _register, app

    _register()
    runner = CliRunner()
    with session_as("c1", "clerk"):
        pass
    with session_as("r1", "reviewer"):
        pass
    person = registry.person(birth="1980-05-01", unemployment=True, detail=("2022-01", "2025-02"))
    path = tmp_path / "app.json"
    path.write_text(json.dumps(payload("unemployment", person, "cli-1")), encoding="utf-8")
    r = runner.invoke(app, ["apply", str(path), "--json", "--as", "c1"])
    assert r.exit_code == 0, r.output
    view = json.loads(r.stdout)
    assert view["status"] == "review" and view["created"] is True
    r = runner.invoke(app, ["apply", "-", "--json", "--as", "c1"], input=path.read_text(encoding="utf-8"))
    assert json.loads(r.stdout)["application_no"] == view["application_no"]
    r = runner.invoke(app, ["apply", str(path), "--as", "r1"])
    assert r.exit_code == 1  # reviewers do not take in applications
    r = runner.invoke(app, ["reviews", "list", "--json", "--as", "r1"])
    assert [q["application_no"] for q in json.loads(r.stdout)] == [view["application_no"]]
    r = runner.invoke(app, ["reviews", "claim", "--json", "--as", "r1"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["reviews", "return", view["application_no"], "--comment", "请补充离职证明", "--json",
                            "--as", "r1"])
    assert r.exit_code == 0 and json.loads(r.stdout)["status"] == "returned"
    r = runner.invoke(app, ["stats", "--json", "--as", "r1"])
    figures = json.loads(r.stdout)
    assert figures["return_rate"] == 1.0 and figures["applications"] == 1


def test_cli_apply_many_reports_bad_records_and_keeps_the_good_ones(registry, db, tmp_path):
    """JSON Lines: each record validated alone; the good ones decided in shared transactions."""
    from sqlalchemy import func, select

    from shebao.cases.models import Application
    from shebao.cli import _register, app

    _register()
    runner = CliRunner()
    with session_as("c1", "clerk"):
        pass
    good = [payload("pension", registry.person(), f"many-{i}") for i in range(3)]
    missing = {k: v for k, v in payload("pension", registry.person(), "many-missing").items() if k != "bank_account"}
    unknown = dict(payload("pension", registry.person(), "many-unknown"), person_id="P999999999")
    lines = [json.dumps(good[0]), "{not json", json.dumps(good[1]), json.dumps(missing), json.dumps(unknown),
             json.dumps(good[2]), json.dumps(good[0])]  # the first again: same key, same application
    path = tmp_path / "apps.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(app, ["apply", str(path), "--json", "--as", "c1", "--batch-size", "2"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["records"] == 7 and out["invalid"] == 2
    assert [(i["record"], i["field"]) for i in out["invalid_records"]] == [(2, ""), (4, "bank_account")]
    assert out["refused"] == 1 and out["refused_records"][0]["record"] == 5
    assert "参保人不存在" in out["refused_records"][0]["reason"]
    assert out["approved"] == 3 and out["existing"] == 1
    with session_as("c1", "clerk") as s:
        assert s.execute(select(func.count()).select_from(Application)).scalar_one() == 3
