"""The API routes with their role checks, the CLI commands, and printable notices (HTML and PDF)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from benefits_builders import grant
from sqlalchemy import select


def _users(session):
    from shebao.users.service import add_user, get_user, issue_token

    tokens = {}
    for name, role in (("clerk1", "clerk"), ("reviewer1", "reviewer"), ("analyst1", "analyst")):
        if get_user(session, name) is None:
            add_user(session, username=name, role=role)
        tokens[role] = {"Authorization": f"Bearer {issue_token(session, username=name)}"}
    session.commit()
    return tokens


def test_api_events_with_role_checks(db, session, person):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app

    b = grant(session, person, start=date(2026, 1, 1))
    h = _users(session)
    client = TestClient(create_app(db))
    assert client.post("/api/v1/payroll/runs", json={"period": "2026-02", "sync": False}).status_code == 401
    assert client.post("/api/v1/payroll/runs", json={"period": "2026-02"}, headers=h["analyst"]).status_code == 403
    assert client.post("/api/v1/payroll/runs", json={"period": "2026-13"}, headers=h["clerk"]).status_code == 422
    r = client.post("/api/v1/payroll/runs", json={"period": "2026-02", "sync": False}, headers=h["clerk"])
    assert r.status_code == 422 and "未开放" in r.json()["detail"]  # neither the current nor the previous month
    from shebao.benefits.payroll import open_period

    open_period(session, period="2026-02", reason="补发历史期间（测试）")
    session.commit()
    r = client.post("/api/v1/payroll/runs", json={"period": "2026-02", "sync": False}, headers=h["clerk"])
    assert r.status_code == 200 and (r.json()["created"], r.json()["total"]) == (1, "3000.00")
    r = client.post("/api/v1/payroll/runs", json={"period": "2026-02", "sync": False}, headers=h["clerk"])
    assert (r.json()["created"], r.json()["existing"]) == (0, 1)
    from shebao.benefits.service import payment_id_for

    pid = payment_id_for(b.benefit_id, "2026-02", "regular")
    csv = f"payment_id,result,paid_date,amount,reason\n{pid},paid,2026-02-15,3000.00,\n"
    r = client.post("/api/v1/payroll/returns", json={"csv": csv}, headers=h["clerk"])
    assert r.json()["paid"] == 1
    assert client.get("/api/v1/payroll/2026-02/totals", headers=h["analyst"]).json()["total"] == "3000.00"
    # suspension: clerks may, reviewers may not
    body = {"from_period": "2026-03", "reason": "待核实"}
    assert client.post(f"/api/v1/benefits/{b.benefit_id}/suspend", json=body, headers=h["reviewer"]).status_code == 403
    r = client.post(f"/api/v1/benefits/{b.benefit_id}/suspend", json=body, headers=h["clerk"])
    assert r.status_code == 200 and r.json()["from_period"] == "2026-03"
    assert client.get(f"/api/v1/benefits/{b.benefit_id}", headers=h["clerk"]).json()["status"] == "suspended"
    r = client.post(f"/api/v1/benefits/{b.benefit_id}/resume", json={"from_period": "2026-04", "reason": "已核实"},
                    headers=h["clerk"])
    assert r.json()["status"] == "active"
    assert client.get("/api/v1/benefits/NOPE", headers=h["clerk"]).status_code == 404
    # overpayment and its recovery
    r = client.post(f"/api/v1/benefits/{b.benefit_id}/overpayment", json={"periods": ["2026-02"], "reason": "错发"},
                    headers=h["clerk"])
    assert r.json()["overpayment"] == "3000.00"
    debts = client.get("/api/v1/benefits/debts", headers=h["reviewer"]).json()
    assert len(debts) == 1 and debts[0]["outstanding"] == "3000.00"
    debt_id = debts[0]["id"]
    assert client.post(f"/api/v1/benefits/debts/{debt_id}/demand", headers=h["clerk"]).status_code == 403
    assert client.post(f"/api/v1/benefits/debts/{debt_id}/demand", headers=h["reviewer"]).json()["status"] == "demanded"
    r = client.post(f"/api/v1/benefits/debts/{debt_id}/repay", json={"amount": "3000.00", "receipt": "R9"},
                    headers=h["clerk"])
    assert r.json()["status"] == "recovered"
    # adjustment needs a reviewer; the shipped tree has no amounts: nothing adjusted, the missing names given
    assert client.post("/api/v1/benefits/adjustments", json={"year": 2027}, headers=h["clerk"]).status_code == 403
    r = client.post("/api/v1/benefits/adjustments", json={"year": 2027, "on": "2027-03-01"}, headers=h["reviewer"])
    assert r.json()["adjusted"] == 0 and r.json()["missing"]
    # death at the counter
    r = client.post("/api/v1/benefits/deaths", json={"person_id": person.person_id, "death_date": "2026-04-02"},
                    headers=h["clerk"])
    assert r.status_code == 200 and r.json()["stopped"] == [b.benefit_id]
    notices = client.get("/api/v1/benefits/notices", params={"benefit_id": b.benefit_id}, headers=h["clerk"]).json()
    kinds = {n["kind"] for n in notices}
    assert {"grant", "assessment", "suspension", "resumption", "overpayment", "demand", "termination"} <= kinds
    nid = next(n["id"] for n in notices if n["kind"] == "termination")
    page = client.get(f"/api/v1/benefits/notices/{nid}.html", headers=h["clerk"])
    assert page.status_code == 200 and "第八十三条" in page.text and "2026-04" in page.text
    assert client.get(f"/api/v1/benefits/notices/{nid}.html", headers=h["analyst"]).status_code == 403
    # the recipient's own copy: name in full, as official forms do; printing it is audited
    assessment = next(n["id"] for n in notices if n["kind"] == "assessment")
    masked = client.get(f"/api/v1/benefits/notices/{assessment}.html", headers=h["clerk"]).text
    own = client.get(f"/api/v1/benefits/notices/{assessment}.html", params={"recipient": "true"}, headers=h["clerk"])
    assert person.id_number not in masked and person.id_number in own.text and person.name in own.text
    from shebao.audit.models import AuditEntry

    session.expire_all()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "benefit_notices")
                            .order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.entity_id == str(assessment) and entry.actor == "clerk1"


def test_cli_commands(db, session, person, tmp_path):
    from typer.testing import CliRunner

    from shebao.cli import _register, app

    _register()
    b = grant(session, person, start=date(2026, 1, 1))
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    run("payroll", "open", "--period", "2026-01", "--reason", "补发历史期间（测试）")
    out = json.loads(run("payroll", "run", "--period", "2026-01", "--json", "--no-sync"))
    assert list(out)[:3] == ["created", "existing", "total"] and out["created"] == 1
    run("benefits", "suspend", b.benefit_id, "--from", "2026-02", "--reason", "待核实")
    assert json.loads(run("benefits", "show", b.benefit_id, "--json"))["status"] == "suspended"
    out = json.loads(run("benefits", "resume", b.benefit_id, "--from", "2026-03", "--reason", "核实", "--json"))
    assert out["backpay"] == "0.00"
    out = json.loads(run("benefits", "certify", person.person_id, "--date", "2026-03-05", "--json"))
    assert out["method"] == "face"
    bad = runner.invoke(app, ["payroll", "run", "--period", "2026-1"])
    assert bad.exit_code == 1 and "YYYY-MM" in bad.output
    notices = json.loads(run("benefits", "notices", "--benefit", b.benefit_id, "--json"))
    form = next(n["id"] for n in notices if n["kind"] == "assessment")
    html = tmp_path / "form.html"
    run("benefits", "notice", str(form), "--format", "html", "--out", str(html))
    assert "基本养老金核定表" in html.read_text(encoding="utf-8")
    out = json.loads(run("benefits", "death", person.person_id, "--date", "2026-03-20", "--json"))
    assert out["stopped"] == [b.benefit_id]
    debts = json.loads(run("benefits", "debts", "--json"))
    assert debts == []  # nothing was paid after March
    for cmd in (["payroll", "run"], ["payroll", "returns"], ["benefits", "death"], ["benefits", "recalc"],
                ["benefits", "adjust"], ["benefits", "recover"], ["benefits", "notice"], ["benefits", "suspend"]):
        assert "示例" in runner.invoke(app, [*cmd, "--help"]).output


@pytest.mark.parametrize("kind", ["assessment", "recalculation"])
def test_notices_render_html_and_pdf(session, person, kind):
    from pypdf import PdfReader

    from shebao.benefits.models import Notice
    from shebao.benefits.notices import issue_recalculation_notices
    from shebao.benefits.render import render_html, render_pdf

    result = {"retirement_date": "2026-02", "pension_start": "2026-03", "pension_base": "7831.00",
              "indexed_wage": "9397.20", "contribution_years": "35.00", "annuity_months": "139.0",
              "basic_pension": "3015.29", "account_pension": "863.31", "transitional_pension": "563.83",
              "total": "4442.43", "assessed_on": "2026-03-05"}
    b = grant(session, person, start=date(2026, 3, 1), amount="4442.43", provisional=True,
              assessment={"inputs": {"avg_contribution_index": "1.2", "contribution_months": 420,
                                     "account_balance": 120000}, "result": result})
    if kind == "recalculation":
        final = dict(result, pension_base="8000.00", total="4520.00")
        issue_recalculation_notices(session, b, {"inputs": {}}, {
            "provisional_total": "4442.43", "final_total": "4520.00", "monthly_difference": "77.57",
            "final": final}, months=["2026-03", "2026-04"], backpay=Decimal("155.14"), on=date(2026, 12, 1))
        session.commit()
    n = session.scalar(select(Notice).where(Notice.kind == kind))
    html = render_html(n, person_name="王小明")
    assert "王*明" in html and "王小明" not in html
    if kind == "assessment":  # the form carries the person's particulars, masked
        form = render_html(n, person=person)
        assert "张*" in form and person.id_number not in form and person.id_number[-4:] in form
        assert "视同缴费月数" in form
    assert "第八十三条" in html
    expected = ("基础养老金（元/月）", "3015.29", "个人账户养老金", "863.31", "过渡性养老金", "563.83", "4442.43") \
        if kind == "assessment" else ("4520.00", "155.14", "2026-03 至 2026-04")
    for text in expected:
        assert text in html
    pdf = render_pdf(n, person_name="王小明")
    assert pdf.startswith(b"%PDF")
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for snippet in ("第八十三条", expected[1]):
        assert snippet in text
