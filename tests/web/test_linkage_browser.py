"""The linkage review workbench in Chromium: a reviewer sees a pair side by side (masked) with the
comparison levels, merges it, and undoes the merge; a clerk is refused the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def queued(web_env):
    """Link the server's registry and queue the review band (everything below certainty)."""
    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.linkage.service import link_database, store_review_pairs

    with pytest.MonkeyPatch.context() as mp:
        for key, value in web_env["env"].items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        try:
            with session_scope() as session:
                result = link_database(session, threshold=1.0, review_threshold=0.5)
                stored = store_review_pairs(session, result)
        finally:
            dispose_engines()
            get_settings.cache_clear()
    assert stored["new"] >= 1, "the synthetic registry's duplicate registrations should reach the review band"
    return stored


def test_reviewer_merges_a_pair_and_undoes_it(page, staff_login, shoot, queued):
    staff_login(page, "reviewer")
    page.click("nav.side-nav >> text=人员合并")
    rows = page.locator("[data-testid=pairs-table] tbody tr")
    expect(rows.first).to_contain_text("复核")
    shoot(page, "staff-linkage")
    rows.first.locator("a.btn").click()
    table = page.locator("[data-testid=compare-table]")
    # both records side by side, masked for every role: no full ID number or phone on the page
    for side in ("1", "2"):
        assert "*" in page.locator(f"[data-testid=id_number-{side}]").inner_text()
        assert "*" in page.locator(f"[data-testid=name-{side}]").inner_text()
    assert not re.search(r"\d{17}[\dX]", page.content())
    expect(page.locator("[data-testid=levels]")).to_contain_text("身份证号")
    expect(table.locator("input[name=take_phone]:checked")).to_have_count(1)
    shoot(page, "staff-linkage-pair")
    page.fill("textarea[name=note]", "电话与出生日期核实一致")
    page.click("[data-testid=accept]")
    notice = page.locator("[data-testid=linkage-notice]")
    expect(notice).to_contain_text("已合并为")
    merge_id = re.search(r"合并编号 (HB\d+)", notice.inner_text()).group(1)
    undo = page.locator(f"[data-testid=unmerge-{merge_id}]")
    page.locator(f"form:has([data-testid=unmerge-{merge_id}]) input[name=reason]").fill("测试撤销")
    undo.click()
    expect(page.locator("[data-testid=linkage-notice]")).to_contain_text(f"已撤销合并 {merge_id}")
    expect(page.locator("[data-testid=merges-table]")).to_contain_text("已撤销")
    assert not page.js_errors


def test_clerk_is_refused_the_linkage_page(page, staff_login):
    staff_login(page, "clerk")
    response = page.goto("/staff/linkage")
    assert response.status == 403
