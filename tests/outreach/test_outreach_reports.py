"""Personal reports: the same stored inputs give the same report; one page; masked; each kind computes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from shebao.outreach.catalogue import load_catalogue
from shebao.outreach.fonts import report_characters, report_font
from shebao.outreach.reports import compute_report, render_html, render_pdf, report_inputs
from shebao.outreach.selection import select_folder
from tests.outreach.outreach_builders import AS_OF, build


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    folder = build().write(tmp_path_factory.mktemp("reg") / "reg")
    return {t.campaign_id: t for t in select_folder(folder, as_of=AS_OF).targets}


@pytest.mark.parametrize("campaign_id", ["O01", "O02", "O03", "O04", "O05"])
def test_each_report_is_reproducible_masked_and_one_page(targets, campaign_id, shebao_home):
    target = targets[campaign_id]
    campaign = load_catalogue().campaign(campaign_id)
    inputs = report_inputs(campaign, person_id=target.person_id, fields=target.fields, facts=target.facts, as_of=AS_OF)
    assert inputs["masked_name"] == "张*明" and "张三明" not in str(inputs)
    report = compute_report(inputs)
    assert report == compute_report(inputs)  # from the stored inputs alone, the same figures
    assert report["headline"] and report["notes"] and all("无法测算" not in n["text"] for n in report["notes"])
    assert any(n["reference"] for n in report["notes"])  # every report cites its articles
    html = render_html(report)
    assert report["headline"] in html and "张三明" not in html
    pdf = PdfReader(io.BytesIO(render_pdf(report)))
    assert len(pdf.pages) == 1
    assert report["title"] in pdf.pages[0].extract_text()


def test_the_plan_and_back_payment_figures_are_the_calculators(targets, shebao_home):
    from shebao.policy.service import calculate

    target = targets["O02"]
    inputs = report_inputs(load_catalogue().campaign("O02"), person_id=target.person_id, fields=target.fields,
                           facts=target.facts, as_of=AS_OF)
    report = compute_report(inputs)
    plan = calculate("plan", {"birth_date": inputs["person"]["birth_date"][:7], "sex": "男", "original_retirement_age": 60,
                              "contribution_months": inputs["fields"]["months"], "avg_contribution_index": "0.8000",
                              "account_balance": "0", "region": inputs["person"]["region"],
                              "as_of": AS_OF.isoformat(), "tiers": ["0.6", "0.8", "1.0", "1.5", "2.0", "3.0"]})
    assert report["chart"]["values"] == [t["pension_at_retirement"] for t in plan["tiers"]]


def test_the_small_font_covers_reports_and_rare_characters_fall_back(shebao_home):
    assert ord("退") in report_characters() and ord("龘") not in report_characters()
    assert report_font("退休测算").endswith(".ttf") and "report-" in report_font("退休测算")
    assert "report-" not in report_font("龘*")
