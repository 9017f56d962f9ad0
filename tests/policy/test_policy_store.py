"""Policy changes without code: the overlay store, `shebao params`, `shebao calc` and the API."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

PENSION = {
    "retirement_date": "2026-02",
    "birth_date": "1965-09",
    "original_retirement_age": 60,
    "assessed_on": "2026-12-31",
    "avg_contribution_index": "1.0",
    "contribution_months": 420,
    "account_balance": "0",
}


@pytest.fixture
def cli():
    import shebao.cli.calc  # noqa: F401 - registers the commands
    import shebao.cli.policy  # noqa: F401
    from shebao.cli import app

    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)


def test_set_writes_overlay_and_audit_and_calc_uses_it(db, cli) -> None:
    from shebao.audit import verify
    from shebao.core.db import session_scope

    with session_scope() as s:
        audited_before = s.execute(text("SELECT count(*) FROM audit_log WHERE action = 'param.set'")).scalar()
    # before: 2026's base is not published, so a 2026 retiree is assessed provisionally on 2025's
    before = cli("calc", "pension", "-", input=json.dumps(PENSION))
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout)["pension_base"] == "7831.00"
    assert json.loads(before.stdout)["provisional"] is True

    r = cli("params", "set", "pension.base", "--region", "370000", "--from", "2026-01-01", "--value", "7990",
            "--published", "2026-12-01", "--reference", "鲁人社字〔2026〕1号（测试用假设值）", "--by", "张处长")
    assert r.exit_code == 0, r.output
    detail = json.loads(r.stdout)
    assert detail["previous_value"] == "7831" and detail["value"] == "7990" and detail["by"] == "张处长"

    after = json.loads(cli("calc", "pension", "-", input=json.dumps(PENSION)).stdout)
    assert after["pension_base"] == "7990.00" and after["provisional"] is False
    base_param = next(p for p in after["trace"]["parameters"] if p["name"] == "pension.base")
    assert base_param["origin"] == "overlay:张处长" and base_param["effective_date"] == "2026-01-01"
    assert base_param["source"] == "agency"  # a value the agency set decides as agency
    # old cases keep their own date's rules
    old = json.loads(cli("calc", "pension", "-", input=json.dumps({**PENSION, "retirement_date": "2025-08",
                                                                     "birth_date": "1965-07"})).stdout)
    assert old["pension_base"] == "7831.00"
    # the shipped tree is still the reviewed default
    shipped = json.loads(cli("calc", "pension", "--shipped", "-", input=json.dumps(PENSION)).stdout)
    assert shipped["pension_base"] == "7831.00"

    hist = json.loads(cli("params", "history", "pension.base").stdout)
    assert [v["value"] for v in hist["values"]] == ["7468", "7678", "7831", "7990"]
    assert hist["changes"][0]["created_by"] == "张处长"

    with session_scope() as s:
        rows = s.execute(text("SELECT entity, entity_id, detail FROM audit_log WHERE action = 'param.set' ORDER BY seq")).all()
        assert len(rows) == audited_before + 1
        entity, entity_id, detail = rows[-1]
        assert (entity, entity_id) == ("parameter", "pension.base") and "7990" in detail and "张处长" in detail
        assert verify(s).ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pension.base", "--from", "2026-01-01", "--value", "abc", "--reference", "x"], "不是数值"),
        (["pension.base", "--from", "2026-13-01", "--value", "7990", "--reference", "x"], "日期"),
        (["pension.base", "--from", "2026-01-01", "--value", "7990", "--reference", " "], "出处"),
        (["pension.nothing", "--from", "2026-01-01", "--value", "1", "--reference", "x"], "没有这个参数"),
        (["pension.base", "--region", "37", "--from", "2026-01-01", "--value", "1", "--reference", "x"], "6位"),
        (["pension.annuity_divisor", "--from", "2026-01-01", "--value", "139", "--reference", "x"], "映射"),
    ],
)
def test_set_validates(db, cli, args, message) -> None:
    r = cli("params", "set", *args)
    assert r.exit_code != 0
    assert message in r.output
    from shebao.core.db import session_scope

    with session_scope() as s:
        assert s.execute(text("SELECT count(*) FROM policy_parameter_overrides")).scalar() == 0


def test_set_needs_admin(db, cli) -> None:
    from shebao.core.db import session_scope
    from shebao.users.service import add_user

    clerk = f"policy_clerk_{uuid.uuid4().hex[:8]}"
    with session_scope() as s:
        add_user(s, username=clerk, role="clerk")
    r = cli("params", "set", "pension.base", "--from", "2026-01-01", "--value", "1", "--reference", "x", "--as", clerk)
    assert r.exit_code != 0 and "管理员" in r.output


def test_table_value_and_show(db, cli) -> None:
    table = json.dumps({str(a): 100 for a in range(40, 71)})
    r = cli("params", "set", "pension.annuity_divisor", "--region", "370000", "--from", "2030-01-01",
            "--value", table, "--reference", "测试用假设值", "--unconfirmed")
    assert r.exit_code == 0, r.output
    shown = json.loads(cli("params", "show", "pension.annuity_divisor", "--on", "2030-06-01").stdout)
    assert shown["value"]["60"] == 100 and shown["confirmed"] is False
    missing = cli("params", "show", "unemployment.benefit_amount", "--on", "2025-06-01")
    assert missing.exit_code == 1 and json.loads(missing.stdout)["value"] is None
    listed = json.loads(cli("params", "list", "injury", "--json").stdout)
    assert {p["name"] for p in listed} >= {"injury.disability_grant_months", "injury.wage_cap_rate"}


def test_calc_commands(db, cli, tmp_path) -> None:
    r = cli("calc", "retirement", "-", input='{"birth_date": "1970-05", "original_retirement_age": 60}')
    assert json.loads(r.stdout)["retirement_date"] == "2031-10"
    bad = cli("calc", "pension", "-", input='{"retirement_date": "2025-13"}')
    assert bad.exit_code == 1 and "退休时间应为" in bad.output and "retirement_date" not in bad.output
    import pyarrow as pa
    import pyarrow.parquet as pq

    src, dst = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.table({"retirement_date": ["2025-02"] * 3, "birth_date": ["1965-01"] * 3,
                             "original_retirement_age": [60] * 3, "avg_contribution_index": ["1.0"] * 3,
                             "contribution_months": [420, 100, 420], "account_balance": ["138400", "0", "0"],
                             "pension_base": ["7831", "7831", "7831"]}), src)
    r = cli("calc", "pension", "--batch", str(src), "--out", str(dst))
    assert r.exit_code == 0, r.output
    rows = pq.read_table(dst).to_pylist()
    assert [str(x["total"]) for x in rows] == ["3740.85", "652.32", "2740.85"]
    assert [x["eligible"] for x in rows] == [True, False, True]
    assert rows[1]["reasons"] == ["min_contribution_not_met"]


def test_api(db) -> None:
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.core.db import session_scope
    from shebao.users.service import add_user, issue_token

    suffix = uuid.uuid4().hex[:8]
    with session_scope() as s:
        add_user(s, username=f"policy_admin_{suffix}", role="admin")
        add_user(s, username=f"policy_clerk_{suffix}", role="clerk")
        admin = {"Authorization": f"Bearer {issue_token(s, username=f'policy_admin_{suffix}')}"}
        clerk = {"Authorization": f"Bearer {issue_token(s, username=f'policy_clerk_{suffix}')}"}
    client = TestClient(create_app(db))
    # calculators: open to everyone
    r = client.post("/api/v1/calc/pension", json={**PENSION, "pension_base": "7831", "account_balance": "138400",
                                                  "retirement_date": "2025-02", "birth_date": "1965-01"})
    assert r.status_code == 200 and r.json()["total"] == "3740.85"
    assert client.post("/api/v1/calc/retirement", json={"birth_date": "1976-09", "original_retirement_age": 60}).json()[
        "retirement_date"] == "2039-09"
    assert client.post("/api/v1/calc/pension", json={"retirement_date": "x"}).status_code == 422
    assert client.post("/api/v1/calc/plan", json={"birth_date": "1980-03", "sex": "female", "original_retirement_age": 55,
                                                  "contribution_months": 60, "avg_contribution_index": "0.6",
                                                  "account_balance": "12000", "as_of": "2025-06-01"}).status_code == 200
    assert client.post("/api/v1/calc/backpay", json={"birth_date": "1966-03", "sex": "female", "original_retirement_age": 55,
                                                     "contribution_months": 150, "avg_contribution_index": "0.7",
                                                     "account_balance": "20000", "backpay_months": 36,
                                                     "backpay_base": "5000", "as_of": "2025-06-01"}).json()["cost"] == "36000.00"
    # parameters: staff read, admin writes
    assert client.get("/api/v1/params").status_code == 401
    assert any(p["name"] == "pension.base" for p in client.get("/api/v1/params", headers=clerk).json())
    assert client.get("/api/v1/params/pension.base", headers=clerk).json()["values"][0]["value"] == "7468"
    assert client.get("/api/v1/params/nothing", headers=clerk).status_code == 404
    body = {"name": "pension.base", "region": "370000", "effective_from": "2026-01-01", "value": 7990,
            "reference": "鲁人社字〔2026〕1号（测试用假设值）"}
    assert client.post("/api/v1/params", json=body, headers=clerk).status_code == 403
    assert client.post("/api/v1/params", json={**body, "value": "x"}, headers=admin).status_code == 422
    r = client.post("/api/v1/params", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["by"] == f"policy_admin_{suffix}"
    r = client.post("/api/v1/calc/pension", json=PENSION)
    assert r.json()["pension_base"] == "7990.00"
    assert dt.date.fromisoformat(r.json()["assessed_on"]) == dt.date(2026, 12, 31)


def test_calc_without_any_database(tmp_path, monkeypatch, cli) -> None:
    """A citizen's calculator needs no database: the shipped tree is used, and no database is created."""
    from shebao.core.db import dispose_engines
    from shebao.core.settings import get_settings

    home = tmp_path / "empty-home"
    monkeypatch.setenv("SHEBAO_HOME", str(home))
    monkeypatch.delenv("SHEBAO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    dispose_engines()
    try:
        r = cli("calc", "pension", "-", input=json.dumps({**PENSION, "retirement_date": "2025-02", "birth_date": "1965-01"}))
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["pension_base"] == "7831.00"
        assert not (home / "shebao.db").exists()
    finally:
        get_settings.cache_clear()
