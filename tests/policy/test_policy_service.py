"""The one calculator dispatch (:func:`shebao.policy.service.calculate`): typed inputs, one error.

A field of the wrong shape (a list where a number belongs, text where a flag belongs) is refused
with the field and its Chinese label, by the service, the API (422) and the CLI (exit 1): never a 500.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shebao.policy import InputError
from shebao.policy.schemas import INPUTS, PlanInputs
from shebao.policy.service import KINDS, calculate

PERSON = {"birth_date": "1975-06", "sex": "male", "original_retirement_age": 60, "contribution_months": 120,
          "avg_contribution_index": "0.8", "account_balance": "30000", "as_of": "2025-06-01"}


def test_every_kind_has_a_typed_model_and_runs() -> None:
    assert set(KINDS) == {"pension", "retirement", "plan", "backpay", "unemployment", "injury", "survivor"}
    assert calculate("injury", {"region": "370000", "injury_date": "2024-05-01", "avg_monthly_wage": "6000",
                                "grade": 7})["injury_wage"]
    survivor = calculate("survivor", {"region": "370000", "death_date": "2024-05-01", "contribution_months": 180})
    assert "funeral_grant" in survivor
    assert calculate("unemployment", {"region": "370502", "date": "2024-03-01",
                                      "contribution_months": 84})["duration_months"] == 18  # 5–10 years: 18 months


def test_typed_model_and_dict_give_the_same_result() -> None:
    assert calculate("plan", PlanInputs(**PERSON, tiers=["0.6"])) == calculate("plan", {**PERSON, "tiers": ["0.6"]})


@pytest.mark.parametrize(("kind", "inputs", "field", "label"), [
    ("plan", {**PERSON, "contribution_months": [1, 2]}, "contribution_months", "已缴费月数"),
    ("plan", {**PERSON, "tiers": "0.6"}, "tiers", "缴费档次"),
    ("survivor", {"death_date": {"y": 2024}, "contribution_months": 10}, "death_date", "死亡日期"),
    ("injury", {"injury_date": "2024-05-01", "avg_monthly_wage": "6000", "dependants": [3]}, "dependants",
     "供养亲属"),
    ("unemployment", {"date": "2024-03-01", "contribution_months": 84, "involuntary": [True]}, "involuntary",
     "非本人意愿"),
])
def test_wrong_shape_is_refused_with_the_field(kind: str, inputs: dict, field: str, label: str) -> None:
    with pytest.raises(InputError) as info:
        calculate(kind, inputs)
    assert info.value.field == field
    assert label in str(info.value) and field not in str(info.value)


def test_unknown_kind_and_non_object() -> None:
    with pytest.raises(InputError, match="未知的测算"):
        calculate("lottery", {})
    with pytest.raises(InputError, match="输入应为一个对象"):
        calculate("plan", ["1975-06"])
    assert set(INPUTS) == set(KINDS)


def test_odd_values_are_answers_or_refusals_never_crashes() -> None:
    import random

    values = [None, "", "abc", "-1", "0", "1e400", "2024-02-30", "9" * 20, "1,200", "80%", True, -5, 7, 3.5,
              "2024-05-01", "1970-05", [], [1], {}, [{"relation": "spouse"}], "NaN", "inf"]
    rng = random.Random(1)
    for kind, model in INPUTS.items():
        fields = list(model.model_fields)
        for _ in range(150):
            inputs = {f: rng.choice(values) for f in rng.sample(fields, k=rng.randint(1, len(fields)))}
            try:
                calculate(kind, inputs)
            except InputError as exc:
                assert str(exc), (kind, inputs)


def test_api_and_cli_refuse_the_wrong_shape_alike(db) -> None:
    from fastapi.testclient import TestClient

    import shebao.cli.calc  # noqa: F401 - registers the commands
    from shebao.api.app import create_app
    from shebao.cli import app

    client = TestClient(create_app(db), raise_server_exceptions=False)
    for body in ({**PERSON, "contribution_months": {"a": 1}}, [1, 2], "1975"):
        r = client.post("/api/v1/calc/plan", json=body)
        assert r.status_code == 422, (body, r.text)
    r = client.post("/api/v1/calc/plan", json={**PERSON, "contribution_months": {"a": 1}})
    assert r.json()["detail"][0]["loc"] == ["body", "contribution_months"]
    r = client.post("/api/v1/calc/injury", json={"injury_date": "2024-05-01", "avg_monthly_wage": "abc", "grade": 7})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "avg_monthly_wage"]
    assert client.post("/api/v1/calc/survivor", json={"death_date": "2024-05-01",
                                                      "contribution_months": 180}).status_code == 200
    r = CliRunner().invoke(app, ["calc", "plan", "--shipped", "-"],
                           input=json.dumps({**PERSON, "contribution_months": [1]}))
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "已缴费月数" in lines[0], r.output
