"""Impossible inputs are refused before any calculator runs, in plain Chinese that says what is allowed.

One check (:func:`shebao.policy.service.calculate`) serves the API (422 naming the field), the CLI
(one Chinese line, exit 1) and the portal; no message shows an input's key.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from typer.testing import CliRunner

from shebao.policy import InputError
from shebao.policy.service import calculate as run_calculator

AS_OF = "2025-06-01"
PERSON = {"birth_date": "1975-06", "sex": "male", "original_retirement_age": 60, "contribution_months": 120,
          "avg_contribution_index": "0.8", "account_balance": "30000", "as_of": AS_OF}
BACKPAY = {"birth_date": "1966-03", "sex": "female", "original_retirement_age": 55, "contribution_months": 150,
           "avg_contribution_index": "0.7", "account_balance": "20000", "as_of": AS_OF, "backpay_months": 36,
           "backpay_base": "5000"}
PENSION = {"retirement_date": "2025-02", "birth_date": "1965-01", "original_retirement_age": 60,
           "assessed_on": AS_OF, "avg_contribution_index": "1.2", "contribution_months": 420,
           "pre_account_months": 100, "account_balance": "100000"}
KEY = re.compile(r"[a-z]+_[a-z_]+")  # an input's key (snake_case) must never reach a person


def refused(kind: str, inputs: dict, field: str, *words: str) -> str:
    with pytest.raises(InputError) as info:
        run_calculator(kind, inputs)
    message = str(info.value)
    assert info.value.field == field, (info.value.field, message)
    assert not KEY.search(message), message
    for word in words:
        assert word in message, message
    return message


def test_valid_inputs_still_compute() -> None:
    assert run_calculator("plan", {**PERSON, "tiers": ["0.6"]})["tiers"][0]["monthly_base"] == "4503.60"
    assert run_calculator("backpay", BACKPAY)["cost"] == "36000.00"
    assert run_calculator("pension", PENSION)["eligible"] is True
    assert run_calculator("retirement", {"birth_date": "1970-05", "original_retirement_age": 60})[
        "retirement_date"] == "2031-10"


def test_percent_is_read_as_a_fraction() -> None:
    as_percent = run_calculator("plan", {**PERSON, "avg_contribution_index": "80%", "tiers": ["60%"]})
    as_fraction = run_calculator("plan", {**PERSON, "avg_contribution_index": "0.8", "tiers": ["0.6"]})
    assert as_percent["tiers"] == as_fraction["tiers"]
    assert run_calculator("pension", {**PENSION, "avg_contribution_index": "120％"})["total"] == run_calculator(
        "pension", PENSION)["total"]


def test_backpay_base_outside_the_published_floor_and_ceiling() -> None:
    # 2024 average wage 90072 → 7506.00 a month; floor 60 % = 4503.60, ceiling 300 % = 22518.00
    refused("backpay", {**BACKPAY, "backpay_base": "1000"}, "backpay_base", "4503.60", "22518.00", "1000.00")
    refused("backpay", {**BACKPAY, "backpay_base": "30000"}, "backpay_base", "22518.00")
    assert run_calculator("backpay", {**BACKPAY, "backpay_base": "4503.60"})["backpay_base"] == "4503.60"


def test_no_backpayment_for_someone_who_has_the_minimum() -> None:
    refused("backpay", {**BACKPAY, "contribution_months": 200}, "contribution_months", "200", "180", "无需补缴")


def test_future_birth_month_is_refused_by_every_calculator() -> None:
    future = (dt.date.today() + dt.timedelta(days=400)).strftime("%Y-%m")
    refused("retirement", {"birth_date": future, "original_retirement_age": 60}, "birth_date", "出生年月", future)
    refused("plan", {**PERSON, "birth_date": "2030-01", "as_of": None}, "birth_date", "不能晚于")
    refused("backpay", {**BACKPAY, "birth_date": "2030-01", "as_of": None}, "birth_date", "不能晚于")
    refused("pension", {**PENSION, "birth_date": "2030-01", "assessed_on": None}, "birth_date", "不能晚于")
    refused("retirement", {"birth_date": "1800-01", "original_retirement_age": 60}, "birth_date", "以后")


@pytest.mark.parametrize("kind", ["pension", "plan", "backpay"])
@pytest.mark.parametrize("index", ["5", "0.3", "500%"])
def test_index_outside_0_6_to_3_0(kind: str, index: str) -> None:
    inputs = {"pension": PENSION, "plan": PERSON, "backpay": BACKPAY}[kind]
    refused(kind, {**inputs, "avg_contribution_index": index}, "avg_contribution_index", "0.6", "3.0", index)


def test_index_required_once_months_are_given_and_other_impossibilities() -> None:
    no_index = {k: v for k, v in PERSON.items() if k != "avg_contribution_index"}
    refused("plan", no_index, "avg_contribution_index", "平均缴费指数")
    assert run_calculator("plan", {**no_index, "contribution_months": 0, "tiers": ["1.0"]})["tiers"]
    refused("plan", {**PERSON, "contribution_months": 600}, "contribution_months", "16 周岁")
    refused("pension", {**PENSION, "pre_account_months": 500}, "pre_account_months", "视同缴费月数")
    refused("plan", {**PERSON, "avg_contribution_index": "abc"}, "avg_contribution_index", "80%", "“abc”")
    refused("plan", {**PERSON, "tiers": ["5"]}, "tiers", "60%", "300%")
    refused("retirement", {"birth_date": "1970-13", "original_retirement_age": 60}, "birth_date", "年-月")
    refused("retirement", {"birth_date": "1970-05", "original_retirement_age": 58}, "original_retirement_age",
            "60、55 或 50")


def test_api_answers_422_naming_the_field(db) -> None:
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app

    client = TestClient(create_app(db))
    r = client.post("/api/v1/calc/backpay", json={**BACKPAY, "backpay_base": "1000"})
    assert r.status_code == 422
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body", "backpay_base"] and "4503.60" in problem["msg"]
    r = client.post("/api/v1/calc/pension", json={**PENSION, "avg_contribution_index": "5"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "avg_contribution_index"]
    assert client.post("/api/v1/calc/plan", json={**PERSON, "avg_contribution_index": "80%"}).status_code == 200


def test_cli_prints_one_chinese_line_and_exits_1() -> None:
    import shebao.cli.calc  # noqa: F401 - registers the commands
    from shebao.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["calc", "backpay", "--shipped", "-"],
                      input=json.dumps({**BACKPAY, "contribution_months": 200}))
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "无需补缴" in lines[0] and not KEY.search(lines[0]), r.output
    r = runner.invoke(app, ["calc", "pension", "--shipped", "-"],
                      input=json.dumps({**PENSION, "avg_contribution_index": "80%"}))
    assert r.exit_code == 0, r.output


def test_every_parsed_input_has_a_chinese_name() -> None:
    """Each key a calculator parses has its Chinese name, so that no message shows the key."""
    from pathlib import Path

    from shebao.policy.common import FIELD_LABELS

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(run_calculator.__code__.co_filename).parent.glob("*.py"))
    keys = set(re.findall(r"parse_[a-z]+\([^,\n]+, \"([a-z_]+)\"", source))
    assert {"avg_contribution_index", "backpay_base", "contribution_months"} <= keys
    assert not sorted(keys - set(FIELD_LABELS))
