"""The actuarial projection: reproducible, cohorts add up, registry and aggregates agree, inputs named."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import numpy as np
import pytest

from shebao.fund.projection import (
    AGE_MIN,
    Registry,
    ScenarioError,
    load_scenario,
    money,
    project,
    run,
    scenario_from_dict,
)

BANDS = [
    # sex, band, insured, contributors, retirees, base, months, pre, balance, pension (per single age: /5)
    ("M", "25-29", 1000, 800, 0, 6000, 60, 0, 30000, 0),
    ("M", "55-59", 500, 400, 0, 7000, 400, 60, 150000, 0),
    ("F", "45-49", 600, 500, 0, 5000, 300, 20, 90000, 0),
    ("F", "50-54", 400, 300, 200, 5500, 340, 40, 100000, 3000),
    ("M", "70-74", 0, 0, 800, 0, 0, 0, 0, 3600),
    ("F", "80-84", 0, 0, 300, 0, 0, 0, 0, 2900),
]


def _aggregates() -> dict:
    demo = load_scenario()
    data = {"name": "测试", "start_year": 2026, "region": "370000",
            "population": {"source": "aggregates", "bands": [
                {"sex": s, "band": b, "insured": i, "contributors": c, "retirees": r, "avg_base": base,
                 "avg_months": m, "avg_pre_months": pre, "avg_balance": bal, "avg_pension": p}
                for s, b, i, c, r, base, m, pre, bal, p in BANDS]},
            "assumptions": {k: v for k, v in demo.assumptions.items() if k in demo.given}}
    data["assumptions"]["female_55_share"] = {"value": 0.5, "note": "测试"}
    return data


def _registry() -> Registry:
    """Person records whose aggregates are exactly :data:`BANDS` (women split 55/50 half and half)."""
    rows = []
    for sex, band, insured, contributors, retirees, base, months, pre, bal, pension in BANDS:
        lo, hi = (int(x) for x in band.split("-"))
        for age in range(lo, hi + 1):
            groups = [0] if sex == "M" else [1, 2]
            for g in groups:
                k = len(groups) * (hi - lo + 1)
                for i in range(insured // k):
                    status = 1 if i < contributors // k else 0
                    rows.append((g, 2026 - age, status, base if status == 1 else 0, months, pre, bal, 0))
                for _ in range(retirees // k):
                    rows.append((g, 2026 - age, 2, 0, 0, 0, 0, pension))
    a = np.array(rows, dtype=np.float64)
    return Registry(group=a[:, 0].astype(np.int8), birth_year=a[:, 1].astype(np.int32), status=a[:, 2].astype(np.int8),
                    base=a[:, 3], months=a[:, 4], pre_months=a[:, 5], balance=a[:, 6], pension=a[:, 7])


def test_same_scenario_twice_gives_the_same_figures():
    first = run(load_scenario(), to_year=2050).to_json()
    second = run(load_scenario(), to_year=2050).to_json()
    assert json.dumps(first, ensure_ascii=False) == json.dumps(second, ensure_ascii=False)
    assert first["scenario"] == "演示假设" and len(first["years"]) == 25
    year = first["years"][0]
    assert set(year) == {"year", "contributors", "retirees", "income", "expenditure", "current_balance",
                         "accumulated_balance", "dependency_ratio_contributors", "dependency_ratio_insured"}
    assert isinstance(year["income"], str) and Decimal(year["income"]) > 0
    assert set(first) == {"scenario", "inputs", "years", "turns_negative", "exhausted"}


def test_the_sum_of_cohorts_equals_the_aggregates_every_year():
    result = run(load_scenario(), to_year=2045)
    for year, cohorts in zip(result.years, result.cohorts, strict=True):
        for key, total in (("contributors", "contributors"), ("retirees", "retirees"), ("insured", "insured"),
                           ("contributions", "contributions"), ("expenditure", "expenditure")):
            assert cohorts[key].sum() == pytest.approx(year[total], rel=1e-12), (year["year"], key)
        # the yuan figures: the cohorts' rounded amounts add up to the year's within the rounding
        parts = sum(Decimal(money(v)) for v in cohorts["expenditure"].ravel())
        assert abs(parts - Decimal(money(year["expenditure"]))) <= Decimal("0.005") * cohorts["expenditure"].size
    # the balance equation holds year on year
    prev = float(load_scenario().value("opening_balance"))
    for y in result.years:
        assert y["income"] == pytest.approx(y["contributions"] + y["subsidy"] + y["interest"])
        assert y["accumulated_balance"] == pytest.approx(prev + y["income"] - y["expenditure"])
        prev = y["accumulated_balance"]


def test_aggregates_and_registry_with_the_same_aggregates_give_the_same_first_year():
    agg = scenario_from_dict(_aggregates())
    reg = scenario_from_dict({**_aggregates(), "population": {"source": "registry"}})
    a = run(agg, to_year=2030)
    b = run(reg, to_year=2030, registry=_registry())
    ya, yb = a.to_json()["years"][0], b.to_json()["years"][0]
    assert ya["contributors"] == yb["contributors"] and ya["retirees"] == yb["retirees"]
    for key in ("income", "expenditure", "current_balance", "accumulated_balance"):
        assert abs(Decimal(ya[key]) - Decimal(yb[key])) <= Decimal("0.01"), key
    assert ya["dependency_ratio_contributors"] == yb["dependency_ratio_contributors"]
    assert a.years[0]["new_retirees"] > 0  # the 55-59 men and 50-54 women retire: the pension formula ran


def test_delayed_retirement_keeps_more_contributors_than_the_old_fixed_ages():
    sc = load_scenario()
    fixed = copy.deepcopy(sc)
    fixed.assumptions["retirement_rule"] = {"value": "fixed"}
    reform, old = run(sc, to_year=2040), run(fixed, to_year=2040)
    assert reform.years[0]["new_retirees"] < old.years[0]["new_retirees"]
    assert reform.years[-1]["contributors"] > old.years[-1]["contributors"]
    assert reform.years[-1]["retirees"] < old.years[-1]["retirees"]


def test_inputs_without_a_source_must_be_given():
    data = _aggregates()
    del data["assumptions"]["wage_growth"]
    with pytest.raises(ScenarioError, match="wage_growth"):
        scenario_from_dict(data)
    sc = scenario_from_dict(_aggregates())
    inputs = sc.inputs()
    assert inputs["wage_growth"]["given"] is True
    assert inputs["employer_rate"]["given"] is False and "国办发〔2019〕13号" in inputs["employer_rate"]["source"]
    assert "生命表" in inputs["mortality"]["source"]
    with pytest.raises(ScenarioError, match="截止年份"):
        project(sc, None, to_year=2000)  # type: ignore[arg-type]


def test_registry_population_from_the_database(db, tmp_path):
    import datetime as dt

    from shebao.cli.common import unit_of_work
    from shebao.fund.service import registry_population
    from shebao.registry.loader import load_folder
    from shebao.synth import PatternRates, generate

    folder = tmp_path / "pop"
    generate(200, seed=9, out=folder, as_of=dt.date(2025, 12, 31), rates=PatternRates(), progress=False)
    load_folder(folder, actor="admin", reports_dir=tmp_path / "rejects")
    with unit_of_work("admin") as session:
        reg = registry_population(session, as_of=dt.date(2025, 12, 31))
    assert reg.group.size > 100
    assert (reg.status == 2).sum() > 0 and (reg.status == 1).sum() > 0
    assert (reg.pension[reg.status == 2] > 0).all() and (reg.base[reg.status == 1] > 0).all()
    data = {**_aggregates(), "population": {"source": "registry"}}
    data["assumptions"]["new_entrants"] = {"value": {"total": 0, "ages": {20: 1}}, "note": "测试：无新参保"}
    sc = scenario_from_dict(data)
    result = run(sc, to_year=2035, registry=reg).to_json()
    first = result["years"][0]
    assert first["retirees"] >= int((reg.status == 2).sum() * 0.99)
    assert first["contributors"] == round(float(((reg.status == 1) & (2026 - reg.birth_year >= AGE_MIN)).sum()))


def test_cli_project_json(shebao_home):
    from typer.testing import CliRunner

    from shebao.cli import _register, app

    _register()
    res = CliRunner().invoke(app, ["fund", "project", "--to", "2035", "--json", "--compare-fixed-ages"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["years"][-1]["year"] == 2035 and "difference" in data["comparison"]
    bad = CliRunner().invoke(app, ["fund", "project", "--scenario", "/nonexistent.yaml"])
    assert bad.exit_code != 0 and "情景文件不存在" in bad.output and "Traceback" not in bad.output
