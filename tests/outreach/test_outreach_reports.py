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


def _report(targets, campaign_id, **inputs_override):
    target = targets[campaign_id]
    inputs = report_inputs(load_catalogue().campaign(campaign_id), person_id=target.person_id, fields=target.fields,
                           facts=target.facts, as_of=AS_OF)
    inputs.update(inputs_override)
    return compute_report(inputs)


def _pixels(pdf: bytes) -> bytes:
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    return page.render(scale=1).to_pil().convert("L").tobytes()


def _with_font_added_per_document(report: dict, path: str) -> bytes:
    """The report drawn the ordinary fpdf2 way: add_font (a full parse) and fpdf2's own subsetting."""
    from shebao.outreach import reports as rep
    from shebao.outreach.fonts import ReportFont

    plain = ReportFont(path)
    plain.reusable = False
    original = rep.report_font_for
    rep.report_font_for = lambda text="": plain
    try:
        return rep.render_pdf(report)
    finally:
        rep.report_font_for = original


def test_the_shared_font_draws_every_report_as_fpdf2_alone_would(targets, shebao_home):
    """The font parsed once and lent to each PDF (a program assembled from its glyphs) renders, in
    PDFium, pixel for pixel what fpdf2's own add_font and subsetting render; documents drawn one after
    another keep their own glyphs; the same report gives the same bytes."""
    from shebao.outreach.fonts import report_font_for

    assert report_font_for("退休").reusable
    reports = {cid: _report(targets, cid) for cid in ["O01", "O02", "O03", "O04", "O05"]}
    first = {cid: render_pdf(r) for cid, r in reports.items()}
    for cid, report in reports.items():
        pdf = render_pdf(report)
        assert pdf == first[cid]  # same report, same bytes, whatever was drawn in between
        assert _pixels(pdf) == _pixels(_with_font_added_per_document(report, report_font("")))
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert report["title"] in text and "12333" in text
        assert all(other["title"] not in text for o, other in reports.items() if other["title"] != report["title"])
    assert sum(_pixels(first["O02"])) < 255 * len(_pixels(first["O02"])) * 0.97  # ink on the page


def test_a_name_outside_gb2312_is_drawn_with_the_full_font(targets, shebao_home):
    from shebao.outreach.fonts import report_font_for

    report = _report(targets, "O05", masked_name="龘*明")
    assert "report-" not in report_font_for("龘").path and report_font_for("龘").reusable
    pdf = render_pdf(report)
    assert "龘*明" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert _pixels(pdf) == _pixels(_with_font_added_per_document(report, report_font("龘")))


def test_wrapping_keeps_numbers_whole_and_punctuation_off_the_line_start():
    from shebao.outreach.reports import wrap

    text = "您还差 12 个月满最低缴费年限。按最低基数 4503.60 元补足需缴 10808.64 元，之后每月可领约 2563.15 元，约 137 个月收回。"
    for width in (20, 33, 47, 80):
        lines = wrap(text, width, len)  # every character one unit wide
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            assert line[0] not in "，。、；：）" and not line.startswith(" ")
            assert len(line) <= width or line[-1] in "，。、；："  # closing punctuation may hang
        for number in ("4503.60", "10808.64", "2563.15"):
            assert any(number in line for line in lines), (number, lines)
