"""A citizen in Chromium: computes a pension, compares tiers on the chart, asks the assistant."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_citizen_computes_a_pension_and_sees_the_tier_chart(page, shoot):
    page.goto("/")
    assert page.title().startswith("首页")
    shoot(page, "portal-home")
    page.click("text=养老金测算")
    page.select_option("select[name=category]", "male_60")
    page.fill("input[name=birth_date]", "1975-06")
    page.fill("input[name=contribution_months]", "180")
    page.fill("input[name=avg_contribution_index]", "0.8")
    page.fill("input[name=account_balance]", "30000")
    page.click("form[data-testid=pension-form] button[type=submit]")
    result = page.locator("[data-testid=pension-result]")
    result.wait_for()
    # One row per contribution tier, each with a pension in yuan.
    rows = page.locator("[data-testid=tier-table] tbody tr")
    assert rows.count() == 6
    # the key column (the pension) comes right after the tier, so that it is on screen on a phone
    pensions = [float(rows.nth(i).locator("td").nth(1).locator("strong").inner_text()) for i in range(6)]
    assert all(p > 0 for p in pensions) and pensions == sorted(pensions), pensions
    # The chart is drawn from /api/v1/calc/plan by the page's own script.
    page.wait_for_selector("#tier-chart[data-rendered='1'] canvas")
    assert re.fullmatch(r"\d{4}-\d{2}", result.locator(".kpi strong").first.inner_text())
    assert not page.js_errors, page.js_errors
    shoot(page, "portal-pension")


def test_form_errors_are_explained_in_chinese(page):
    page.goto("/backpay")
    page.fill("input[name=birth_date]", "1966-03")
    page.fill("input[name=backpay_months]", "36")
    page.fill("input[name=backpay_base]", "不是数字")
    page.click("form[data-testid=backpay-form] button[type=submit]")
    errors = page.locator("[data-testid=form-errors]")
    errors.wait_for()
    # the field by its Chinese name, what it should be, and what was typed; not the English identifier
    assert "补缴基数应为数字，您填写的是“不是数字”" in errors.inner_text(), errors.inner_text()
    assert "backpay_base" not in errors.inner_text()


def test_retirement_and_backpay_calculators(page, shoot):
    page.goto("/retirement")
    page.select_option("select[name=category]", "male_60")
    page.fill("input[name=birth_date]", "1970-05")
    page.click("form[data-testid=retirement-form] button[type=submit]")
    result = page.locator("[data-testid=retirement-result]")
    result.wait_for()
    assert "2031-10" in result.inner_text()  # 1970-05 men: 60 years + 17 months' delay
    shoot(page, "portal-retirement")
    page.goto("/backpay")
    page.select_option("select[name=category]", "female_55")
    page.fill("input[name=birth_date]", "1966-03")
    page.fill("input[name=contribution_months]", "150")
    page.fill("input[name=avg_contribution_index]", "0.7")
    page.fill("input[name=account_balance]", "20000")
    page.fill("input[name=backpay_months]", "36")
    page.fill("input[name=backpay_base]", "5000")
    page.click("form[data-testid=backpay-form] button[type=submit]")
    result = page.locator("[data-testid=backpay-result]")
    result.wait_for()
    assert "36000.00" in result.inner_text()
    shoot(page, "portal-backpay")


def test_citizen_asks_a_question_and_sees_the_article(page, shoot):
    page.goto("/ask")
    page.fill("input[name=question]", "失业金能领几个月")
    page.click("form[data-testid=ask-form] button[type=submit]")
    answer = page.locator("[data-testid=answer]").last
    answer.locator("[data-testid=citations]").wait_for()
    text = answer.inner_text()
    assert "失业保险条例" in text and "第 17 条" in text, text
    assert "24个月" in text
    # The answer came in place (htmx): the page did not reload and the input is cleared for the next one.
    assert page.input_value("input[name=question]") == ""
    # It asked for the years paid; the reply alone is enough: the conversation keeps the question.
    assert "累计缴费多少年" in text
    conversation = page.input_value("[data-testid=conversation-id]")
    assert re.fullmatch(r"[0-9a-f]{32}", conversation)
    page.fill("input[name=question]", "交了7年")
    page.click("form[data-testid=ask-form] button[type=submit]")
    page.locator("[data-testid=answer]").nth(1).wait_for()
    follow = page.locator("[data-testid=answer]").last.inner_text()
    assert follow.startswith("累计缴费7年") and "18个月" in follow.split("。")[0], follow
    assert page.input_value("[data-testid=conversation-id]") == conversation
    # the new answer is shown from its start: its question is at the top of the chat log
    box = page.locator("#chat-log").bounding_box()
    top = page.locator("[data-testid=question]").last.bounding_box()
    assert abs(top["y"] - box["y"]) < 40, (top, box)
    page.click("button[data-example='上下班路上被车撞了算工伤吗']")
    # a locator wait, not wait_for_function: the page's CSP (script-src 'self') forbids evaluating strings
    page.locator("[data-testid=answer]").nth(2).wait_for()
    second = page.locator("[data-testid=answer]").last.inner_text()
    # the yes and its condition first (from 《工伤保险条例》第十四条), then the article quoted
    assert second.startswith("算：") and "上下班途中" in second.split("\n")[0], second
    assert "《工伤保险条例》" in second, second
    assert not page.js_errors, page.js_errors
    shoot(page, "portal-ask")


def test_large_text_mode_and_phone_layout(browser, server, shoot):
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto("/pension")
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("[data-testid=text-size]")
    page.wait_for_load_state()
    large = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert large >= normal * 1.2
    # Nothing wider than the phone's screen: no sideways scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.fill("input[name=birth_date]", "1975-06")
    page.fill("input[name=contribution_months]", "180")
    page.fill("input[name=avg_contribution_index]", "0.8")
    with page.expect_navigation():
        page.click("form[data-testid=pension-form] button[type=submit]")
    page.wait_for_selector("#tier-chart[data-rendered='1'] canvas")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shoot(page, "portal-phone-large-text")
    page.goto("/")
    assert page.evaluate("document.documentElement.classList.contains('large-text')")  # remembered
    context.close()


def test_status_lookup_keeps_personal_data_out_of_the_url(page):
    page.goto("/status")
    page.fill("input[name=application_no]", "YL2026010100001")
    page.fill("input[name=id_number]", "11010519491231002X")
    page.click("form[data-testid=status-form] button[type=submit]")
    page.wait_for_load_state()
    assert "11010519491231002X" not in page.url and "YL2026" not in page.url
    assert page.locator("[data-testid=form-errors]").is_visible()


def test_api_docs_load_swagger_ui_from_this_server(page):
    page.goto("/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/calc/pension" in p for p in paths) and any("/api/v1/ask" in p for p in paths)


def test_citizen_computes_unemployment_benefit(page, shoot):
    page.goto("/")
    page.click("text=失业保险金测算")
    page.select_option("select[name=category]", "male_60")
    page.fill("input[name=birth_date]", "1970-05")
    page.fill("input[name=region]", "370502")
    page.fill("input[name=date]", "2024-03-01")
    page.fill("input[name=contribution_months]", "84")
    page.fill("input[name=previous_unclaimed_months]", "0")
    page.click("form[data-testid=unemployment-form] button[type=submit]")
    result = page.locator("[data-testid=unemployment-result]")
    result.wait_for()
    assert page.locator("[data-testid=unemployment-amount]").inner_text() == "1980.00 元"
    assert "18 个月" in page.locator("[data-testid=unemployment-months]").inner_text()
    assert "2025-08-31" in result.inner_text()
    assert "鲁政字〔2023〕172号" in result.inner_text() and "第十八条" in result.inner_text()
    assert not page.js_errors, page.js_errors
    shoot(page, "portal-unemployment")
