"""A clerk moves a person's pension insurance from Shandong to Beijing in Chromium, step by step,
prints the certificate, and sees each step's deadline; a wrong input is refused with its field named."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _mover(web_env) -> tuple[str, str]:
    """A person of the synthetic registry with no benefit and no pending application (id, region)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(web_env["url"])
    busy = {a["person_id"] for a in web_env["pension_applicants"]}
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT person_id, region_code FROM persons WHERE person_id NOT IN (SELECT person_id FROM benefits) "
            "AND birth_date > '1980-01-01' AND person_id IN (SELECT person_id FROM contributions) "
            "ORDER BY person_id DESC LIMIT 20")).all()
    engine.dispose()
    for pid, region in rows:
        if pid not in busy:
            return pid, region
    pytest.fail("合成登记库中没有可转移的参保人")


def test_clerk_moves_a_person_to_beijing(page, staff_login, shoot, web_env):
    person_id, region = _mover(web_env)
    staff_login(page, "clerk")
    page.click("nav.side-nav >> text=关系转移")
    page.wait_for_url("**/staff/transfers")
    form = page.locator("form[data-testid=transfer-apply]")
    # the same place twice: refused, the field named, what was typed kept
    form.locator("input[name=person_id]").fill(person_id)
    form.locator("input[name=to_region]").fill(region)
    form.locator("input[name=household_region]").fill("110105")
    form.locator("input[name=date]").fill("2026-11-02")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=transfer-error]")).to_contain_text("转入地（to_region）")
    assert page.locator("input[name=person_id]").input_value() == person_id
    page.js_errors.clear()  # the refused form answered 422 on purpose
    page.locator("input[name=to_region]").fill("110105")
    page.locator("input[name=date]").fill("2026-11-02")
    page.locator("form[data-testid=transfer-apply] button[type=submit]").click()
    expect(page.locator("[data-testid=transfer-status]")).to_have_text("已受理")
    total = page.locator("[data-testid=total-transfer]").inner_text().replace(" 元", "")
    trace = page.locator("[data-testid=trace]").inner_text()
    assert "国办发〔2009〕66号" in trace and "未核实" in trace and "社会保险法 第十九条" in trace
    shoot(page, "staff-transfer-applied")
    dates = iter(["2026-11-03", "2026-11-04"])
    for label in ("已出具凭证", "已发联系函"):
        page.locator("[data-testid=step-form] input[name=date]").fill(next(dates))
        page.click("[data-testid=step-submit]")
        expect(page.locator("[data-testid=transfer-status]")).to_have_text(label)
    # the fund: a statement one fen short is held, the exact one is reconciled
    kpi = page.locator(".kpi-accent small").inner_text()  # 个人账户 X · 统筹基金 Y
    personal = kpi.split("个人账户 ")[1].split(" ·")[0]
    pooled = kpi.split("统筹基金 ")[1].strip()
    assert f"{float(personal) + float(pooled):.2f}" == total
    step = page.locator("[data-testid=step-form]")
    step.locator("input[name=date]").fill("2026-11-05")
    step.locator("input[name=personal]").fill(personal)
    step.locator("input[name=pooled]").fill(f"{float(pooled) - 0.01:.2f}" if float(pooled) > 0 else "0.01")
    page.click("[data-testid=step-submit]")
    expect(page.locator("[data-testid=transfer-status]")).to_have_text("基金与结算单不符")
    expect(page.locator("[data-testid=differences]")).to_contain_text("统筹基金")
    step = page.locator("[data-testid=step-form]")
    step.locator("input[name=date]").fill("2026-11-06")
    step.locator("input[name=personal]").fill(personal)
    step.locator("input[name=pooled]").fill(pooled)
    page.click("[data-testid=step-submit]")
    expect(page.locator("[data-testid=transfer-status]")).to_have_text("基金已到账核对")
    page.locator("[data-testid=step-form] input[name=date]").fill("2026-11-09")
    page.click("[data-testid=step-submit]")
    expect(page.locator("[data-testid=transfer-status]")).to_have_text("已办结")
    steps = page.locator("[data-testid=steps]").inner_text()
    for text in ("转入地受理申请", "转出地出具参保缴费凭证", "转入地发出联系函", "转出地转移基金", "转入地接续缴费记录"):
        assert text in steps
    assert "2026-11-23" in steps  # 15 working days after 2 November 2026 (a Monday)
    shoot(page, "staff-transfer-done")
    page.click("text=基本养老保险参保缴费凭证")
    card = page.locator("[data-testid=transfer-form]")
    expect(card).to_contain_text("参保缴费凭证")
    assert "*" in card.inner_text()  # the ID number and the name masked on the printed form
    expect(card).to_contain_text(personal)
    shoot(page, "staff-transfer-certificate")
    assert not page.js_errors, page.js_errors


def test_reviewer_sees_the_list_and_an_auditor_is_refused(page, staff_login):
    staff_login(page, "auditor")
    page.goto("/staff/transfers")
    expect(page.locator("h1")).to_contain_text("无权访问")
