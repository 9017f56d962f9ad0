"""The fund pages in a real browser: monitoring charts, scenarios side by side, the reconciliation
workbench (differences, sign-off, reopen with a reason), exports."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PERIOD = "2026-06"


@pytest.fixture(scope="module")
def reconciled(web_env):
    """The synthetic statements written beside the server's registry, and one period reconciled."""
    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.fund.service import run_reconciliation
    from shebao.synth.fund import write_statements

    folder = web_env["folder"] / "statements"
    folder.mkdir(exist_ok=True)
    for name in ("contributions.csv", "payments.csv"):
        (folder / name).write_bytes((web_env["folder"] / name).read_bytes())
    write_statements(folder, seed=1)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in web_env["env"].items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        dispose_engines()
        try:
            with session_scope() as session:
                session.info.update(actor="auditor", actor_role="auditor", source="test")
                result = run_reconciliation(session, folder=folder, period=PERIOD)
        finally:
            dispose_engines()
            get_settings.cache_clear()
    with (folder / "fund_labels.csv").open(encoding="utf-8") as fh:
        planted = [r for r in csv.DictReader(fh) if r["period"] == PERIOD and r["class"] != "near_miss"]
    assert len(result.differences) == len(planted)
    return len(planted)


def test_monitor_and_projection_pages_draw_their_charts(page, staff_login, shoot):
    staff_login(page, "analyst")
    page.goto("/staff/fund?from=2025-01&to=2026-10")
    expect(page.locator("[data-testid=monitor-table] tbody tr")).to_have_count(22)
    for kind in ("trend", "ratio", "month"):
        expect(page.locator(f"[data-fund-chart={kind}]")).to_have_attribute("data-rendered", "1")
    assert page.locator("[data-fund-chart=trend]").get_attribute("data-empty") is None
    shoot(page, "fund-monitor")
    page.goto("/staff/fund?from=2026-13&to=2026-10")
    expect(page.locator("[data-testid=monitor-error]")).to_contain_text("YYYY-MM")
    page.js_errors.clear()  # the console notes the 422 of that page
    page.goto("/staff/fund/projection?to=2040")
    expect(page.locator("[data-testid=demo-label]")).to_contain_text("演示假设")
    expect(page.locator("[data-testid=scenarios-table] tbody tr")).to_have_count(15)
    for kind in ("balance", "pratio"):
        expect(page.locator(f"[data-fund-chart={kind}]")).to_have_attribute("data-rendered", "1")
    expect(page.locator("[data-testid=inputs-table]")).to_contain_text("国办发〔2019〕13号")
    page.fill("input[name=wage_growth]", "0.07")
    with page.expect_navigation():
        page.click("form[data-testid=scenario-form] button[type=submit]")
    expect(page.locator("[data-testid=inputs-table]")).to_contain_text("0.07")
    page.select_option("[data-testid=source]", "registry")
    with page.expect_navigation():
        page.click("form[data-testid=scenario-form] button[type=submit]")
    expect(page.locator("[data-testid=inputs-table]")).to_contain_text("数据库登记数据")  # the starting population named in words
    expect(page.locator("[data-fund-chart=balance]")).to_have_attribute("data-rendered", "1")
    shoot(page, "fund-projection")
    assert not page.js_errors, page.js_errors


def test_reconciliation_workbench_sign_off_and_reopen(browser, server, reconciled, staff_login, shoot):
    ctx = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1366, "height": 900},
                              accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    staff_login(page, "auditor")
    page.goto("/staff/fund/reconciliation")
    page.click(f"a[href='/staff/fund/reconciliation/{PERIOD}']")
    expect(page.locator("[data-testid=differences-table] tbody tr")).to_have_count(reconciled)
    for klass in ("missing_at_agency", "missing_at_tax", "missing_at_bank", "missing_in_fund_account",
                  "amount_differs", "duplicated", "timing"):
        expect(page.locator(f"[data-testid=differences-table] tr[data-class={klass}]").first).to_be_visible()
    with page.expect_download() as info:
        page.click("[data-testid=export-csv]")
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == reconciled and list(rows[0])[:6] == ["class", "amount", "reference", "agency_ref",
                                                             "counterpart_ref", "detail"]
    # work one difference, then sign off
    first = page.locator("[data-testid=differences-table] tbody tr").first
    first.locator("input[name=note]").fill("已与税务核实")
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=differences-table]")).to_contain_text("已处理")
    with page.expect_navigation():
        page.click("[data-testid=signoff]")
    expect(page.locator("[data-testid=report-status]")).to_have_text("已签认")
    shoot(page, "fund-reconciliation-signed")
    # reopening needs a reason (the browser's required field, and the server's check)
    page.evaluate("document.querySelector('[data-testid=reopen-form] textarea').removeAttribute('required')")
    with page.expect_navigation():
        page.click("[data-testid=reopen-form] button[type=submit]")
    expect(page.locator("[data-testid=period-error]")).to_contain_text("原因")
    page.fill("[data-testid=reopen-form] textarea", "银行补来退票回单")
    with page.expect_navigation():
        page.click("[data-testid=reopen-form] button[type=submit]")
    expect(page.locator("[data-testid=report-status]")).to_have_text("未签认")
    assert not errors, errors
    ctx.close()
    # an analyst may look but not sign off
    ctx = browser.new_context(base_url=server, locale="zh-CN")
    page = ctx.new_page()
    staff_login(page, "analyst")
    page.goto(f"/staff/fund/reconciliation/{PERIOD}")
    with page.expect_navigation():
        page.click("[data-testid=signoff]")
    expect(page.locator("[data-testid=period-error]")).to_contain_text("角色")
    ctx.close()
