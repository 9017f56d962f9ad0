"""Which source levels may decide a case without a person (SHEBAO_AUTO_DECIDE_SOURCES), and adoption."""

from __future__ import annotations

import datetime as dt

from cases_builders import payload, session_as

from shebao.cases.pipeline import application_view, submit_application
from shebao.cases.schemas import ApplicationCreate

ON = dt.date(2025, 11, 3)  # Dongying: minimum wage 2400 since 2025-10-01 → 2160 a month


def submit(body: dict):
    with session_as() as s:
        app, _ = submit_application(s, ApplicationCreate.model_validate(body), on=ON)
        return application_view(app, full=True)


def _claimant(registry, n: int) -> dict:
    return registry.person(birth=f"19{80 + n}-05-01", unemployment=True, detail=("2019-01", "2025-09"),
                           yearly=None, region="370500")


def test_secondary_values_go_to_review_until_adopted_per_date(registry):
    from shebao.policy.store import adopt_parameter

    view = submit(payload("unemployment", _claimant(registry, 1), "k-src-1",
                          facts={"separation_date": "2025-09-30", "separation_reason": "contract_expired"}))
    assert view["status"] == "review"
    why = next(r for r in view["decision"]["reasons"] if r["code"] == "parameter_source")
    assert why["reference"] == "unemployment.benefit_rate、wages.minimum_monthly"
    assert "二手来源" in why["text"] and "自动决定的范围" in why["text"]  # the level, in words staff read
    assert view["decision"]["monthly_amount"] == "2160.00"  # computed, but a person decides

    with session_as("admin", "admin") as s:
        # the 2023 standard is adopted: it does not vouch for the 2025 one
        adopt_parameter(s, name="wages.minimum_monthly", region="370500", effective_from=dt.date(2023, 10, 1),
                        note="核对")
        adopt_parameter(s, name="unemployment.benefit_rate", region="370000", effective_from=dt.date(2020, 2, 1),
                        note="核对")
    view = submit(payload("unemployment", _claimant(registry, 2), "k-src-2",
                          facts={"separation_date": "2025-09-30", "separation_reason": "contract_expired"}))
    assert view["status"] == "review"
    why = next(r for r in view["decision"]["reasons"] if r["code"] == "parameter_source")
    assert why["reference"] == "wages.minimum_monthly"
    with session_as("admin", "admin") as s:
        adopt_parameter(s, name="wages.minimum_monthly", region="370500", effective_from=dt.date(2025, 10, 1),
                        note="核对")
    view = submit(payload("unemployment", _claimant(registry, 3), "k-src-3",
                          facts={"separation_date": "2025-09-30", "separation_reason": "contract_expired"}))
    assert view["status"] == "approved" and view["decision"]["monthly_amount"] == "2160.00"
    levels = {p["name"]: p.get("decides_as", p["source"]) for p in view["decision"]["trace"]["parameters"]}
    assert levels["wages.minimum_monthly"] == "agency" and levels["unemployment.benefit_rate"] == "agency"


def test_the_setting_decides_which_levels_may_decide(registry, monkeypatch):
    from shebao.core.settings import get_settings

    monkeypatch.setenv("SHEBAO_AUTO_DECIDE_SOURCES", "official,agency,secondary")
    get_settings.cache_clear()
    try:
        view = submit(payload("unemployment", _claimant(registry, 4), "k-src-4",
                              facts={"separation_date": "2025-09-30", "separation_reason": "contract_expired"}))
        assert view["status"] == "approved" and view["decision"]["monthly_amount"] == "2160.00"
        # a refusal never waits on a value that only sets the amount
        monkeypatch.setenv("SHEBAO_AUTO_DECIDE_SOURCES", "official")
        get_settings.cache_clear()
        view = submit(payload("unemployment", _claimant(registry, 5), "k-src-5",
                              facts={"separation_date": "2025-09-30", "separation_reason": "resigned"}))
        assert view["status"] == "rejected"
        assert [r["reference"] for r in view["decision"]["reasons"]] == ["失业保险条例 第十四条；社会保险法 第四十五条"]
        monkeypatch.setenv("SHEBAO_AUTO_DECIDE_SOURCES", "official,rumour")
        get_settings.cache_clear()
        import pytest

        from shebao.core.settings import ConfigurationError

        with pytest.raises(ConfigurationError):
            get_settings().auto_decide_levels  # noqa: B018
    finally:
        get_settings.cache_clear()


def test_demo_plays_the_dongying_agency(shebao_home):
    """`shebao demo` on a fresh home: a Dongying population, the shipped values adopted (audited), the
    applications decided; the JSON carries the issue's keys."""
    import json

    from sqlalchemy import text
    from typer.testing import CliRunner

    import shebao.cli.cases  # noqa: F401 - registers the demo's application step
    import shebao.cli.demo  # noqa: F401
    from shebao.cli import app
    from shebao.core.db import session_scope

    r = CliRunner().invoke(app, ["demo", "--no-serve", "--persons", "300", "--as-of", "2026-12-07", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["region"] == "370500" and out["adopted_parameters"] > 0
    assert out["applications"] == out["auto_approved"] + out["auto_rejected"] + out["review"]
    assert set(out) >= {"applications", "auto_approved", "auto_rejected", "review", "review_reasons"}
    assert not any(k.startswith("parameter_") for k in out["review_reasons"]), out["review_reasons"]
    with session_scope() as s:
        regions = {r for (r,) in s.execute(text("SELECT DISTINCT region_code FROM persons"))}
        adopted = s.execute(text("SELECT count(*) FROM audit_log WHERE action = 'param.adopt'")).scalar()
    assert "370500" in regions and adopted == out["adopted_parameters"]
    assert "鲁政字〔2025〕140号" in r.stderr  # the adoptions are listed once, with their sources
    again = CliRunner().invoke(app, ["demo", "--no-serve", "--persons", "300", "--as-of", "2026-12-07", "--json"])
    assert json.loads(again.stdout)["adopted_parameters"] == 0  # adopted once
