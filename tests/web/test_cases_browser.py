"""A clerk takes in a pension claim, a reviewer (and for large amounts a second one) approves it from
the queue, and the citizen sees the outcome on the portal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _submit(page, applicant: dict) -> tuple[str, str]:
    page.click("nav.side-nav >> text=受理申请")
    page.select_option("select[name=kind]", "pension")
    page.fill("input[name=applicant]", applicant["person_id"])
    page.fill("input[name=bank_account]", applicant["bank_account"])
    with page.expect_navigation():
        page.click("form[data-testid=intake-form] button[type=submit]")
    errors = page.locator("[data-testid=form-errors]")
    if errors.count():
        return "", errors.inner_text()
    status = page.locator("[data-testid=case-status]")
    number = page.url.rsplit("/", 1)[-1]
    return number, status.inner_text()


def _approve_from_queue(page, number: str) -> None:
    page.click("nav.side-nav >> text=复核队列")
    page.click(f"[data-testid=queue-table] >> text={number}")
    page.click("button[name=action][value=claim]")
    form = page.locator("[data-testid=decide-form]")
    form.wait_for()
    page.fill("textarea[name=comment]", "材料齐全，计算过程与参数已核对")
    page.check("input[name=comment_visibility][value=internal]")
    assert "须由另一名复核员原样确认" in page.locator("[data-testid=proposal]").inner_text()
    with page.expect_navigation():
        page.click("button[name=action][value=approve]")
    # a grant asks once more, saying what will happen
    panel = page.locator("[data-testid=confirm-panel]")
    assert "建立待遇" in panel.inner_text() and "申请人将收到" in panel.inner_text()
    with page.expect_navigation():
        page.click("[data-testid=confirm-button]")


def test_clerk_and_reviewer_take_a_case_to_approval(browser, server, web_env, staff_login, shoot):
    applicants = web_env["pension_applicants"]
    if not applicants:
        pytest.fail("合成人口中没有达到退休年龄的申请人（或待遇速办模块未安装）")
    clerk = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1366, "height": 900}).new_page()
    staff_login(clerk, "clerk")
    chosen = None
    outcomes = []
    for applicant in applicants[:8]:
        number, status = _submit(clerk, applicant)
        outcomes.append(status)
        if status == "人工复核中" and clerk.locator("input[name=monthly_amount]").count() == 0:
            chosen = applicant
            break
    assert chosen is not None, f"none of the claims went to review with an amount: {outcomes}"
    # The clerk sees the decision and its reasons, but cannot decide.
    assert clerk.locator("[data-testid=review-actions] button").count() == 0
    assert clerk.locator("[data-testid=case-trace] .trace-step").count() >= 3

    reviewer = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1366, "height": 900}).new_page()
    staff_login(reviewer, "reviewer")
    reviewer.click("nav.side-nav >> text=复核队列")
    expect(reviewer.locator("[data-testid=queue-table]")).to_contain_text(number)
    shoot(reviewer, "staff-queue")
    reviewer.click(f"[data-testid=queue-table] >> text={number}")
    reviewer.click("button[name=action][value=claim]")
    reviewer.locator("[data-testid=decide-form]").wait_for()
    # Everything on one screen: trace with articles, risk factors, history, deadline.
    assert "国发〔2005〕38号" in reviewer.locator("[data-testid=case-trace]").inner_text()
    assert reviewer.locator("[data-testid=case-risk] tbody tr").count() >= 1
    assert "reviewer 认领（第一次复核）" in reviewer.locator("[data-testid=case-history]").inner_text()
    assert "剩余工作日" in reviewer.locator("main").inner_text()
    reviewer.wait_for_selector("[data-chart=history][data-rendered='1'] canvas")
    shoot(reviewer, "staff-case")
    reviewer.fill("textarea[name=comment]", "材料齐全，计算过程与参数已核对")
    with reviewer.expect_navigation():
        reviewer.click("button[name=action][value=approve]")
    # a comment says who may read it: chosen explicitly
    expect(reviewer.locator("[data-testid=case-error]")).to_contain_text("范围")
    reviewer.check("input[name=comment_visibility][value=internal]")
    with reviewer.expect_navigation():
        reviewer.click("button[name=action][value=approve]")
    # what confirming will do, with the amount: a grant now, or a proposal for a second reviewer (four eyes)
    panel = reviewer.locator("[data-testid=confirm-panel]").inner_text()
    assert re.search(r"(核准并建立待遇|提出核准意见)：月金额 \d+\.\d{2} 元，自 \d{4}-\d\d-\d\d 起", panel), panel
    shoot(reviewer, "staff-case-confirm")
    with reviewer.expect_navigation():
        reviewer.click("[data-testid=confirm-button]")
    status = reviewer.locator("[data-testid=case-status]").inner_text()
    if status == "人工复核中":
        # Four eyes: the same reviewer may not confirm their own approval ...
        assert "四眼原则" in reviewer.locator("[data-testid=review-actions]").inner_text()
        assert reviewer.locator("button[name=action][value=claim]").count() == 1
        reviewer.click("button[name=action][value=claim]")
        expect(reviewer.locator("[data-testid=case-error]")).to_contain_text("另一名复核员")
        # ... a second reviewer does.
        second = browser.new_context(base_url=server, locale="zh-CN").new_page()
        staff_login(second, "reviewer2")
        _approve_from_queue(second, number)
        reviewer = second
    expect(reviewer.locator("[data-testid=case-status]")).to_have_text("已核准")
    history = reviewer.locator("[data-testid=case-history]").inner_text()
    assert "reviewer 核准（第一次复核）：材料齐全，计算过程与参数已核对" in history, history
    assert "（内部意见）" in history, history
    # the internal comment never reaches the applicant
    assert "计算过程与参数已核对" not in reviewer.locator("[data-testid=case-notices]").inner_text()

    # The grant created the benefit with its notices: the clerk prints the grant notice.
    clerk.goto(f"/staff/cases/{number}")
    benefit_link = clerk.locator("a[href^='/staff/persons/']").first
    benefit_id = benefit_link.inner_text()
    with clerk.expect_navigation():
        benefit_link.click()
    expect(clerk.locator("[data-testid=benefits-table]")).to_contain_text(benefit_id)
    notices = clerk.locator("[data-testid=notices] a")
    assert notices.count() >= 1
    shoot(clerk, "staff-person-benefits")
    clerk.goto(notices.last.get_attribute("href"))
    notice = clerk.locator("[data-testid=notice]").inner_text()
    assert "社会保险法" in notice and "权利告知" in notice and chosen["id_number"] not in notice
    shoot(clerk, "staff-notice")

    # The dashboard says why cases went to a person (each claim above that went to review counts).
    clerk.goto("/staff/")
    reasons = clerk.locator("[data-testid=review-reasons] tbody tr")
    assert reasons.count() >= 1
    assert int(reasons.first.locator("td.num").inner_text()) >= 1

    # The citizen checks the outcome on the portal: number and ID number in a POST form.
    citizen = browser.new_context(base_url=server, locale="zh-CN").new_page()
    citizen.goto("/status")
    citizen.fill("input[name=application_no]", number)
    citizen.fill("input[name=id_number]", chosen["id_number"])
    citizen.click("form[data-testid=status-form] button[type=submit]")
    result = citizen.locator("[data-testid=status-result]")
    result.wait_for()
    assert "已核准" in result.inner_text()
    assert chosen["id_number"] not in citizen.url
    shoot(citizen, "portal-status")
    for p in (clerk, reviewer, citizen):
        p.context.close()


def test_reviewer_must_give_a_reason_to_return(browser, server, web_env, staff_login):
    applicants = web_env["pension_applicants"][::-1]  # from the end: the first test takes the first ones
    clerk = browser.new_context(base_url=server, locale="zh-CN").new_page()
    staff_login(clerk, "clerk")
    number = None
    for applicant in applicants:
        number, status = _submit(clerk, applicant)
        if status == "人工复核中":
            break
    else:
        pytest.fail("no claim went to review")
    page = browser.new_context(base_url=server, locale="zh-CN").new_page()
    staff_login(page, "reviewer")
    page.goto(f"/staff/cases/{number}")
    page.click("button[name=action][value=claim]")
    page.locator("[data-testid=decide-form]").wait_for()
    page.click("button[name=action][value=return]")
    expect(page.locator("[data-testid=case-error]")).to_contain_text("理由")
    # The refused action left nothing behind: the case is still held, then given back to the queue.
    with page.expect_navigation():
        page.click("button[name=action][value=release]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("人工复核中")
    assert "退回补正" not in page.locator("[data-testid=case-history]").inner_text()
    assert page.locator("button[name=action][value=claim]").count() == 1
    clerk.context.close()
    page.context.close()
