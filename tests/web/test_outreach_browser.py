"""政策快送 in the browser: the staff page's results and chart, and the citizen's message with the
personal report, its PDF and the opt-out (issue 27)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def delivered(web_env):
    """Run the campaigns on the server's registry (as of its synthetic date) and deliver to the inbox."""
    from sqlalchemy import select

    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.outreach.models import OutreachMessage
    from shebao.outreach.service import deliver_pending, run_campaigns
    from tests.web.conftest import AS_OF

    with pytest.MonkeyPatch.context() as mp:
        for key, value in web_env["env"].items():
            mp.setenv(key, value)
        mp.delenv("SHEBAO_OUTREACH_CHANNELS", raising=False)
        get_settings.cache_clear()
        dispose_engines()
        try:
            with session_scope() as session:
                selection, _ = run_campaigns(session, as_of=AS_OF)
            deliver_pending(session_scope)
            with session_scope() as session:
                tokens = {m.campaign_id: m.token for m in session.scalars(
                    select(OutreachMessage).where(OutreachMessage.status == "sent").order_by(OutreachMessage.id))}
        finally:
            dispose_engines()
            get_settings.cache_clear()
    return {"counts": selection.counts, "tokens": tokens}


def test_staff_see_each_campaign_with_its_results(browser, server, delivered, staff_login, shoot):
    page = browser.new_context(base_url=server, locale="zh-CN").new_page()
    staff_login(page, "analyst")
    page.click("nav.side-nav >> text=政策快送")
    table = page.locator("[data-testid=outreach-stats]")
    for campaign_id, count in delivered["counts"].items():
        expect(table.locator("tr", has_text=campaign_id).locator("td").nth(2)).to_have_text(str(count))
    expect(page.locator("[data-chart=bars]")).to_have_attribute("data-rendered", "1")
    expect(page.locator("[data-testid=outreach-messages] tbody tr").first).to_contain_text("已送达")
    shoot(page, "outreach-staff")
    page.context.close()


def test_a_citizen_opens_the_message_reads_the_report_and_opts_out(browser, server, delivered, staff_login, shoot):
    campaign_id, token = next(iter(delivered["tokens"].items()))
    citizen = browser.new_context(base_url=server, locale="zh-CN").new_page()
    citizen.goto(f"/outreach/m/{token}")
    expect(citizen.locator("[data-testid=headline]")).not_to_be_empty()
    expect(citizen.locator("[data-testid=outreach-body]")).to_contain_text("您好")
    body = citizen.locator("[data-testid=outreach-body]").inner_text()
    assert "*" in body  # the name is masked, even to the person's own link
    response = citizen.request.get(f"/outreach/m/{token}/report.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf" and response.body()[:4] == b"%PDF"
    shoot(citizen, "outreach-citizen")
    citizen.click("[data-testid=outreach-optout]")
    expect(citizen.locator("[data-testid=outreach-optout-done]")).to_be_visible()
    staff = browser.new_context(base_url=server, locale="zh-CN").new_page()
    staff_login(staff, "analyst")
    staff.goto("/staff/outreach")
    opened = staff.locator("[data-testid=outreach-stats] tr", has_text=campaign_id).locator("td").nth(5)
    expect(opened).not_to_have_text("0")
    assert citizen.goto("/outreach/m/not-a-token").status == 404
    citizen.context.close()
    staff.context.close()
