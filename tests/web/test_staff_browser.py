"""Staff in Chromium: an auditor confirms an alert, a clerk is refused the parameters page, and more."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_auditor_confirms_an_alert(page, staff_login, shoot, web_env):
    assert web_env["alerts"] > 0, "the synthetic registry should raise alerts"
    staff_login(page, "auditor")
    shoot(page, "staff-dashboard")
    page.wait_for_selector("[data-chart=levels][data-rendered='1'] canvas")
    page.click("nav.side-nav >> text=疑点核查")
    page.select_option("select[name=level]", "red")
    page.click("form[data-testid=alert-filters] button[type=submit]")
    rows = page.locator("[data-testid=alerts-table] tbody tr")
    assert rows.count() >= 1 and "红色" in rows.first.inner_text()
    shoot(page, "staff-alerts")
    rows.first.locator("text=核查").click()
    # Masked by default; the auditor asks for the ID number in full with a reason, and that view is audit-logged.
    card = page.locator("[data-testid=person-card]")
    assert "*" in card.locator("[data-testid=pii-id_number]").inner_text()
    card.locator("dd").first.locator("summary").click()
    card.locator("dd").first.locator("input[name=reason]").fill("核对疑点涉及人员身份")
    card.locator("dd").first.locator("button[type=submit]").click()
    expect(card.locator("[data-testid=pii-id_number][data-revealed='1']")).to_have_count(1)
    assert "*" not in card.locator("[data-testid=pii-id_number]").inner_text()
    page.fill("textarea[name=reason]", "已核对银行流水与待遇发放记录，情况属实")
    shoot(page, "staff-alert")
    page.click("button[name=decision][value=confirm]")
    # Confirming asks once more, saying what will happen; nothing is decided yet.
    panel = page.locator("[data-testid=confirm-panel]")
    expect(panel).to_contain_text("暂停发放")
    expect(page.locator("[data-testid=alert-status]")).not_to_have_text("已确认")
    shoot(page, "staff-alert-confirm")
    page.click("[data-testid=confirm-button]")
    expect(page.locator("[data-testid=alert-status]")).to_have_text("已确认")
    # A confirmed red alert is handed to the benefits domain (suspension and recovery).
    handoff = page.locator("[data-testid=handoff]").inner_text()
    assert any(word in handoff for word in ("暂停", "停止", "追回")), handoff
    shoot(page, "staff-alert-confirmed")
    # The decision and the full view are in the audit log, and the chain verifies.
    page.click("nav.side-nav >> text=审计日志")
    page.wait_for_url("**/staff/audit")
    table = page.locator("[data-testid=audit-table]").inner_text()
    assert "确认疑点" in table and "查看完整个人信息" in table  # the actions in Chinese, not their codes
    assert "risk.alert.confirm" not in table
    shoot(page, "staff-audit")
    page.click("[data-testid=verify]")
    page.locator("[data-testid=verify-result]").wait_for()
    assert "审计链完整" in page.locator("[data-testid=verify-result]").inner_text()
    assert not page.js_errors, page.js_errors


def test_dismissing_needs_a_reason(page, staff_login):
    staff_login(page, "auditor")
    page.goto("/staff/alerts?status=new")
    page.locator("[data-testid=alerts-table] tbody tr").last.locator("text=核查").click()
    page.click("button[name=decision][value=dismiss]")
    expect(page.locator("[data-testid=decide-error]")).to_contain_text("理由")
    assert page.locator("[data-testid=alert-status]").inner_text() == "待处理"


def test_clerk_is_refused_the_parameters_page(page, staff_login, shoot):
    staff_login(page, "clerk")
    assert page.locator("nav.side-nav >> text=政策参数").count() == 0
    response = page.goto("/staff/params")
    assert response.status == 403
    assert "您的角色（经办员）无权使用此功能；需要：" in page.locator("main").inner_text()
    shoot(page, "staff-refused")
    assert page.goto("/staff/audit").status == 403
    assert page.goto("/staff/alerts").status == 403


def test_administrator_adds_a_dated_parameter_value(page, staff_login, shoot):
    staff_login(page, "administrator")
    page.click("nav.side-nav >> text=政策参数")
    shoot(page, "staff-params")
    page.click("a[href='/staff/params/pension.base']")
    before = page.locator("[data-testid=param-history] tbody tr").count()
    page.fill("input[name=effective_from]", "2026-01-01")
    page.fill("input[name=region]", "370000")
    page.fill("input[name=value]", "8010")
    page.fill("input[name=reference]", "山东省2026年企业职工基本养老金计发基数通知（测试）")
    page.click("form[data-testid=param-form] button[type=submit]")
    expect(page.locator("main")).to_contain_text("已新增参数值")
    assert page.locator("[data-testid=param-history] tbody tr").count() == before + 1
    shoot(page, "staff-param")


def test_parameters_page_shows_source_levels(page, staff_login):
    staff_login(page, "administrator")
    page.goto("/staff/params?prefix=wages.")
    expect(page.locator("[data-testid=params-table]")).to_contain_text("wages.minimum_monthly")
    page.goto("/staff/params/wages.minimum_monthly")
    sources = page.locator("[data-testid=param-source]")
    assert sources.count() >= 18  # three standards at Dongying and each of its five counties, plus the null
    assert "secondary" in sources.first.inner_text() or "official" in sources.first.inner_text()
    assert "鲁政字〔2025〕140号" in page.locator("[data-testid=param-history]").inner_text()


def test_analyst_sees_masked_personal_data(page, staff_login, web_env):
    staff_login(page, "analyst")
    page.click("nav.side-nav >> text=待遇查询")
    page.fill("input[name=query]", "P000000003")
    page.click("form[data-testid=person-search] button[type=submit]")
    card = page.locator("[data-testid=person-card]")
    card.wait_for()
    assert "默认脱敏" in card.inner_text() and card.locator("details.reveal").count() == 0
    assert "********" in card.locator("dd").first.inner_text()


def test_clerk_sees_a_persons_benefits(page, staff_login, shoot):
    staff_login(page, "clerk")
    page.click("nav.side-nav >> text=待遇查询")
    page.fill("input[name=query]", "P000000003")
    page.click("form[data-testid=person-search] button[type=submit]")
    page.wait_for_url("**/staff/persons/P000000003")
    assert page.locator("[data-testid=benefits-table] tbody tr").count() >= 1
    assert page.locator("[data-testid=payments-table] tbody tr").count() >= 1
    shoot(page, "staff-person")
