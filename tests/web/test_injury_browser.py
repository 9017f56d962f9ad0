"""Work injury in Chromium: a clerk registers a claim, a reviewer decides, records the appraisal and
grants the benefits; a citizen computes the work-injury benefits on the portal."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

# the plain-Chinese checks of the page walk (not importable by name: tests/ is not a package)
_spec = importlib.util.spec_from_file_location("plain_helpers", Path(__file__).with_name("test_plain_chinese_browser.py"))
_plain = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_plain)


def _plain_chinese(page, staff: bool) -> None:
    bad = _plain.problems(_plain.visible_text(page, staff))
    assert not bad, f"{page.url}: {bad}"


def _a_person(web_env) -> str:
    path = web_env["url"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT person_id FROM persons ORDER BY person_id LIMIT 1 OFFSET 7").fetchone()[0]


def test_case_from_claim_to_benefits(page, staff_login, shoot, web_env):
    person_id = _a_person(web_env)
    staff_login(page, "clerk")
    page.click("nav >> text=工伤认定")
    page.wait_for_url("**/staff/injury")
    form = page.locator("form[data-testid=injury-report-form]")
    form.locator("input[name=person_id]").fill(person_id)
    form.locator("select[name=applicant]").select_option("employee")
    form.locator("input[name=incident_date]").fill("2026-10-20")
    form.locator("textarea[name=incident_text]").fill("下班骑电动车回家，在路口被一辆闯红灯的小轿车撞倒，交警认定对方全责，我右腿骨折。")
    form.locator("textarea[name=diagnosis_text]").fill("右胫骨骨折切开复位钢板内固定术后。")
    for name in ("application_form", "labour_relation", "medical_certificate"):
        form.locator(f"input[name={name}]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/staff/injury/GS*")
    suggestion = page.locator("[data-testid=suggested-determination]")
    assert "建议认定为工伤" in suggestion.inner_text() and "第十四条第（六）项" in suggestion.inner_text()
    assert "对方全责" in page.locator("[data-testid=read-facts]").inner_text()
    assert "9级" in page.locator("[data-testid=suggested-grade]").inner_text()
    assert "2027-10-20" in page.locator("[data-testid=application-deadline]").inner_text()  # one year (第十七条)
    shoot(page, "staff-injury-case")
    page.locator("form[data-testid=accept-form] input[name=clear_case]").check()
    page.locator("form[data-testid=accept-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-status]:has-text('已受理')")
    assert "15日" in page.locator("[data-testid=decision-deadline]").inner_text()
    assert page.locator("form[data-testid=decide-form]").count() == 0  # clerks do not decide
    case_url = page.url

    page.click("form[action='/staff/logout'] button")
    page.wait_for_url("**/staff/login**")
    staff_login(page, "reviewer")
    page.goto(case_url)
    decide = page.locator("form[data-testid=decide-form]")
    decide.locator("select[name=determination]").select_option("not_injury")
    decide.locator("input[name=article]").fill("")
    decide.locator("input[name=item]").fill("")
    decide.locator("button[type=submit]").click()
    assert "理由" in page.locator("[data-testid=form-errors]").inner_text()  # overriding needs a reason
    page.js_errors.clear()  # the refused form answered 422, as it should
    decide = page.locator("form[data-testid=decide-form]")
    decide.locator("select[name=determination]").select_option("injury")
    decide.locator("input[name=article]").fill("14")
    decide.locator("input[name=item]").fill("6")
    decide.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-status]:has-text('已认定')")
    assert "与建议一致" in page.locator("[data-testid=decision]").inner_text()
    page.locator("form[data-testid=appraise-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-status]:has-text('已鉴定')")
    grant = page.locator("form[data-testid=grant-form]")
    grant.locator("input[name=avg_monthly_wage]").fill("6000")
    grant.locator("input[name=regional_avg_monthly_wage]").fill("7500")
    grant.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-status]:has-text('已核定待遇')")
    items = page.locator("[data-testid=benefit-items]").inner_text()
    assert "54000.00" in items and "工伤保险条例 第三十七条第（一）项" in items  # 9 months × 6000
    assert "52500.00" in items  # 一次性工伤医疗补助金, Shandong grade 9: 7 × 7500
    assert not page.js_errors, page.js_errors
    _plain_chinese(page, True)
    shoot(page, "staff-injury-granted")
    page.goto("/staff/injury?status=granted")
    _plain_chinese(page, True)


def test_try_the_suggestions(page, staff_login):
    staff_login(page, "clerk")
    page.goto("/staff/injury/try")
    page.fill("textarea[name=incident_text]", "上班路上骑车被车撞了，责任还没认定。")
    page.fill("textarea[name=diagnosis_text]", "左眼矫正视力0.2，右眼矫正视力1.0。")
    page.click("form[data-testid=injury-try-form] button[type=submit]")
    assert "交通事故责任认定" in page.locator("[data-testid=missing]").inner_text()
    assert "8级" in page.locator("[data-testid=try-grade]").inner_text()
    _plain_chinese(page, True)


def test_citizen_computes_work_injury_benefits(page, shoot):
    page.goto("/")
    page.click("text=工伤保险待遇测算")
    page.select_option("select[name=grade]", "7")
    page.fill("input[name=avg_monthly_wage]", "6000")
    page.fill("input[name=region]", "370502")
    page.fill("input[name=injury_date]", "2024-05-01")
    page.click("form[data-testid=injury-form] button[type=submit]")
    table = page.locator("[data-testid=injury-items]")
    table.wait_for()
    text = table.inner_text()
    assert "78000.00" in text and "一次性工伤医疗补助金" in text and "用人单位" in text
    page.click("details summary")
    _plain_chinese(page, False)
    shoot(page, "portal-injury")
    page.select_option("select[name=grade]", "3")  # a grade with a monthly allowance: its step reads as an amount
    page.click("form[data-testid=injury-form] button[type=submit]")
    page.locator("[data-testid=injury-items]").wait_for()
    assert "伤残津贴" in page.locator("[data-testid=injury-items]").inner_text()
    page.click("details summary")
    _plain_chinese(page, False)
    page.fill("input[name=avg_monthly_wage]", "六千")
    page.click("form[data-testid=injury-form] button[type=submit]")
    assert "本人月平均工资" in page.locator("[data-testid=form-errors]").inner_text()
