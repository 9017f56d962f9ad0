"""Sourced local values (issue 14): source levels, Shandong/Dongying minimum wage and unemployment
benefit against the source sheet, the unemployment calculator, and adoption by the agency."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from shebao.policy import ParameterError, ParameterMissing, load_parameters
from shebao.policy.tree import parse_entry

DONGYING = ("370500", "370502", "370503", "370505", "370522", "370523")
# (date, monthly minimum wage, unemployment benefit = 90%) from local-parameters.md rows 1b–1d, 2a–2f
SHEET = ((dt.date(2021, 10, 1), "2100", "1890.00"), (dt.date(2023, 9, 30), "2100", "1890.00"),
         (dt.date(2023, 10, 1), "2200", "1980.00"), (dt.date(2025, 9, 30), "2200", "1980.00"),
         (dt.date(2025, 10, 1), "2400", "2160.00"), (dt.date(2026, 12, 7), "2400", "2160.00"))
EXAMPLE = {"region": "370502", "date": "2024-03-01", "contribution_months": 84, "previous_unclaimed_months": 0,
           "birth_date": "1970-05-01", "sex": "M"}


@pytest.fixture
def cli():
    import shebao.cli.calc  # noqa: F401 - registers the commands
    import shebao.cli.policy  # noqa: F401
    from shebao.cli import app

    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)


@pytest.mark.parametrize("region", DONGYING)
def test_dongying_minimum_wage_and_unemployment_benefit_follow_the_sheet(region) -> None:
    from shebao.policy import calc_unemployment

    ps = load_parameters()
    for day, wage, benefit in SHEET:
        pv = ps.get("wages.minimum_monthly", day, region)
        assert str(pv.value) == wage and pv.region == region and pv.source == "secondary"
        out = calc_unemployment({"region": region, "date": day.isoformat(), "contribution_months": 30}, ps)
        assert out["monthly_amount"] == benefit, (region, day)
        assert out["source_level"] == "secondary"  # the lowest level among the values it rests on
    with pytest.raises(ParameterMissing):  # before the first sourced standard: missing, never guessed
        ps.get("wages.minimum_monthly", dt.date(2021, 9, 30), region)


def test_other_regions_stay_missing_and_province_tiers_are_shipped() -> None:
    from shebao.policy import calc_unemployment

    ps = load_parameters()
    out = calc_unemployment({"region": "370600", "date": "2024-03-01", "contribution_months": 30}, ps)
    assert out["monthly_amount"] is None and out["eligible"] is True
    assert [r["reference"] for r in out["reasons"]] == ["wages.minimum_monthly"]
    tiers = {d: ps.get("wages.minimum_monthly_tiers", dt.date.fromisoformat(d), "370000").value
             for d in ("2021-10-01", "2023-10-01", "2025-10-01")}
    assert {d: [int(v) for v in t.values()] for d, t in tiers.items()} == {
        "2021-10-01": [2100, 1900, 1700], "2023-10-01": [2200, 2010, 1820], "2025-10-01": [2400, 2210, 2020]}
    assert ps.get("unemployment.benefit_rate", dt.date(2020, 2, 1), "370502").value == Decimal("0.9")
    with pytest.raises(ParameterMissing):
        ps.get("unemployment.benefit_rate", dt.date(2020, 1, 31), "370502")


def test_source_levels_are_validated() -> None:
    ref = {"title": "t", "document": "d"}
    assert parse_entry("2025-01-01", {"value": 1, "reference": ref}, "months", None, "x").source == "official"
    assert parse_entry("2025-01-01", {"value": 1, "reference": ref, "confirmed": False}, "months", None,
                       "x").source == "secondary"
    for bad in ({"source": "agency"}, {"source": "rumour"}, {"source": "official", "confirmed": False}):
        with pytest.raises(ParameterError):
            parse_entry("2025-01-01", {"value": 1, "reference": ref, **bad}, "months", None, "x")


def test_unemployment_calculator_example() -> None:
    from shebao.policy import calc_unemployment

    out = calc_unemployment(EXAMPLE)
    assert (out["monthly_amount"], out["duration_months"], out["end_date"]) == ("1980.00", 18, "2025-08-31")
    assert out["total"] == "35640.00" and out["paid_until_retirement"] is False
    step = next(s for s in out["trace"]["steps"] if s["step"] == "unemployment_amount")
    assert "鲁政字〔2023〕172号" in step["reference"] and "失业保险条例 第十八条" in step["reference"]
    later = calc_unemployment({**EXAMPLE, "date": "2025-11-01"})
    assert later["monthly_amount"] == "2160.00" and later["duration_months"] == 18
    assert "鲁政字〔2025〕140号" in json.dumps(later["trace"], ensure_ascii=False)


def test_unemployment_paid_until_retirement_age_from_2025() -> None:
    """延迟退休办法 第七条: less than a year from the statutory age at a month of receipt → paid until that age."""
    from shebao.policy import calc_unemployment
    from shebao.policy.common import ym, ym_str
    from shebao.policy.retirement import statutory_retirement

    ps = load_parameters()
    birth = dt.date(1967, 6, 1)
    ret_ym = statutory_retirement(birth, 60, ps).retirement_ym
    start = dt.date(2026, 6, 1)
    assert ret_ym - 12 < ym(start) + 17 < ret_ym  # the 18th month of receipt is within the last year
    out = calc_unemployment({**EXAMPLE, "date": start.isoformat(), "birth_date": birth.isoformat()}, ps)
    assert out["paid_until_retirement"] is True and out["pension_contributions_paid_by_fund"] is True
    assert out["end_date"][:7] == ym_str(ret_ym) and out["duration_months"] == ret_ym - ym(start) + 1 > 18
    assert "第七条" in json.dumps(out["trace"], ensure_ascii=False)
    # before 2025 the rule did not exist: the same distance in 2024 gives the plain 18 months
    early = calc_unemployment({**EXAMPLE, "date": "2023-01-01", "birth_date": "1964-09-01"}, ps)
    assert early["duration_months"] == 18 and early["paid_until_retirement"] is False


def test_calc_unemployment_cli_and_api(db, cli) -> None:
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app

    r = cli("calc", "unemployment", "-", input=json.dumps(EXAMPLE))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["monthly_amount"], out["duration_months"], out["end_date"]) == ("1980.00", 18, "2025-08-31")
    client = TestClient(create_app(db))
    r = client.post("/api/v1/calc/unemployment", json={**EXAMPLE, "date": "2025-11-01"})
    assert r.status_code == 200 and r.json()["monthly_amount"] == "2160.00"
    assert any("鲁政字〔2025〕140号" in p["reference"] for p in r.json()["trace"]["parameters"])
    bad = client.post("/api/v1/calc/unemployment", json={**EXAMPLE, "date": "2024-13-01"})
    assert bad.status_code == 422 and "date" in bad.text


def test_adoption_is_audited_and_per_value_and_date(db, cli) -> None:
    from shebao.core.db import session_scope
    from shebao.policy.store import parameters_for

    def audited() -> int:
        with session_scope() as s:
            return s.execute(text("SELECT count(*) FROM audit_log WHERE action = 'param.adopt'")).scalar()

    before = audited()
    r = cli("params", "adopt", "wages.minimum_monthly", "--region", "370500", "--from", "2023-10-01",
            "--note", "经核对鲁政字〔2023〕172号", "--by", "李科长")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["source"] == "secondary" and json.loads(r.stdout)["decides_as"] == "agency"
    assert audited() == before + 1
    with session_scope() as s:
        ps = parameters_for(s)
        adopted = ps.get("wages.minimum_monthly", dt.date(2024, 3, 1), "370500")
        assert adopted.decides_as == "agency" and adopted.source == "secondary"
        assert dict(adopted.adopted)["by"] == "李科长" and dict(adopted.adopted)["at"]
        # next standard, or the same standard stored at a county: not adopted by this
        assert ps.get("wages.minimum_monthly", dt.date(2025, 11, 1), "370500").decides_as == "secondary"
        assert ps.get("wages.minimum_monthly", dt.date(2024, 3, 1), "370502").decides_as == "secondary"
        history = {(h["region"], h["effective_date"]): h for h in ps.history("wages.minimum_monthly")}
        assert history[("370500", "2023-10-01")]["adopted"]["note"] == "经核对鲁政字〔2023〕172号"
    shown = json.loads(cli("params", "history", "wages.minimum_monthly").stdout)
    assert [c["kind"] for c in shown["changes"]] == ["adopt"] and shown["changes"][0]["created_by"] == "李科长"

    # errors: no note, no shipped value at that date, a value not shipped (null), a clerk
    assert cli("params", "adopt", "wages.minimum_monthly", "--region", "370500", "--from", "2024-01-01",
               "--note", "x").exit_code == 1
    r = cli("params", "adopt", "unemployment.benefit_amount", "--from", "1999-01-22", "--note", "x")
    assert r.exit_code == 1 and "null" in r.output
    r = cli("params", "adopt", "wages.minimum_monthly", "--region", "370500", "--from", "2025-10-01", "--note", " ")
    assert r.exit_code == 1 and "--note" in r.output
    from shebao.users.service import add_user

    clerk = f"adopt_clerk_{uuid.uuid4().hex[:8]}"
    with session_scope() as s:
        add_user(s, username=clerk, role="clerk")
    r = cli("params", "adopt", "wages.minimum_monthly", "--region", "370500", "--from", "2025-10-01",
            "--note", "x", "--as", clerk)
    assert r.exit_code != 0 and "管理员" in r.output
    assert audited() == before + 1


def test_adopt_api_is_admin_only(db) -> None:
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.core.db import session_scope
    from shebao.users.service import add_user, issue_token

    suffix = uuid.uuid4().hex[:8]
    with session_scope() as s:
        add_user(s, username=f"a_{suffix}", role="admin")
        add_user(s, username=f"c_{suffix}", role="clerk")
        admin = {"Authorization": f"Bearer {issue_token(s, username=f'a_{suffix}')}"}
        clerk = {"Authorization": f"Bearer {issue_token(s, username=f'c_{suffix}')}"}
    client = TestClient(create_app(db))
    body = {"name": "unemployment.benefit_rate", "region": "370000", "effective_from": "2020-02-01", "note": "核对"}
    assert client.post("/api/v1/params/adopt", json=body, headers=clerk).status_code == 403
    r = client.post("/api/v1/params/adopt", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["by"] == f"a_{suffix}"
    changes = client.get("/api/v1/params/unemployment.benefit_rate", headers=clerk).json()["changes"]
    assert changes[-1]["kind"] == "adopt"


@pytest.mark.parametrize("inputs, funeral, months, grant", [
    # 2022 Shandong income 49050 a year (sheet row 4c) → 4087.50 a month; funeral grant = 2 months (第四条)
    ({"contribution_months": 50}, "8175.00", "3", "12262.50"),            # < 5 years: 3 months
    ({"contribution_months": 60}, "8175.00", "6", "24525.00"),            # 5–<10: 6
    ({"contribution_months": 180}, "8175.00", "9", "36787.50"),           # 10–15 inclusive: 9
    ({"contribution_months": 246}, "8175.00", "14.5", "59268.75"),        # 20 y 6 m: 9 + 5.5 (to the month)
    ({"contribution_months": 500}, "8175.00", "24", "98100.00"),          # years above 30 ignored: at most 24
    ({"contribution_months": 400, "retired": True, "pension_months": 66}, "8175.00", "18.5", "75618.75"),
    ({"contribution_months": 200, "retired": True, "pension_months": 200}, "8175.00", "9", "36787.50"),  # min 9
])
def test_survivor_grants_follow_the_2021_rules(inputs, funeral, months, grant) -> None:
    from shebao.policy import calc_survivor

    out = calc_survivor({"region": "370502", "death_date": "2023-05-01", **inputs})
    assert (out["funeral_grant"], out["survivor_months"], out["survivor_grant"]) == (funeral, months, grant)
    assert "人社部发〔2021〕18号 第五条" in json.dumps(out["trace"], ensure_ascii=False)


def test_survivor_grants_without_a_sourced_income_are_missing() -> None:
    from shebao.policy import calc_survivor

    out = calc_survivor({"region": "370502", "death_date": "2025-05-01", "contribution_months": 246})
    assert out["funeral_grant"] is None and out["survivor_grant"] is None and out["survivor_months"] == "14.5"
    assert [r["reference"] for r in out["reasons"]] == ["wages.provincial_urban_disposable_income"]


def test_to_the_month_annuity_divisor_matches_the_sheet_examples() -> None:
    """local-parameters.md row 5b: 60 y 1 m = 138.4, 60 y 2 m = 137.8, 60 y 3 m = 137.3, 50 y 1 m = 194.6."""
    from shebao.policy import annuity_divisor_tenths

    ps = load_parameters()
    on = dt.date(2025, 6, 1)
    table = ps.get("pension.annuity_divisor", on).value
    interp = ps.get("pension.annuity_interpolation", on)
    assert interp.value is True and interp.source == "secondary" and interp.confirmed is False
    got = {(y, m): annuity_divisor_tenths(table, y * 12 + m, interp.value) for y, m in ((60, 1), (60, 2), (60, 3), (50, 1))}
    assert got == {(60, 1): 1384, (60, 2): 1378, (60, 3): 1373, (50, 1): 1946}
    assert ps.get("pension.annuity_interpolation", dt.date(2024, 12, 31)).value is False
