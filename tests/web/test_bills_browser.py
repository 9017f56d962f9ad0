"""The reviewer's bill page (issue 23) in a real browser: the bills with open flags, one bill with its
lines and the flags on each (rules and the anomaly model's reasons), agree or restore a line with a
reason (audited), the payable total following, and the printable 审核结算单."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
AS_OF = date(2026, 10, 31)


def _plain(page) -> list[str]:
    """Words a person should not have to read (the plain-Chinese walk's own check)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("plain_chinese", Path(__file__).with_name(
        "test_plain_chinese_browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.problems(module.visible_text(page, staff=True))


@pytest.fixture(scope="module")
def bills_loaded(web_env):
    """Synthetic bills of the web population, loaded, audited and stored in the server's database."""
    from shebao.bills import service
    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.synth.bills import generate_bills, read_persons

    folder = web_env["folder"]
    with pytest.MonkeyPatch.context() as mp:
        for key, value in web_env["env"].items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        dispose_engines()
        try:
            generate_bills(folder, persons=read_persons(folder), stays=40, seed=3, as_of=AS_OF, error_rate=0.6)
            with session_scope() as s:
                s.info.update(actor="admin", actor_role="admin", source="test")
                service.load_folder(s, folder=folder, reports_dir=web_env["home"] / "reports")
            with session_scope() as s:
                s.info.update(actor="admin", actor_role="admin", source="test")
                result = service.audit_database(s, reports_dir=web_env["home"] / "reports")
                service.store_flags(s, result.flags + result.anomalies, audit_date=AS_OF)
                m02 = next(f for f in result.flags if f.rule_id == "M02")
                m10 = next(f for f in result.flags if f.rule_id == "M10")
        finally:
            dispose_engines()
            get_settings.cache_clear()
    return {"m02": m02, "m10": m10}


def _money(text: str) -> Decimal:
    return Decimal(text.replace("元", "").strip())


def test_reviewer_restores_and_agrees_and_prints(page, staff_login, bills_loaded, shoot, web_env):
    m02, m10 = bills_loaded["m02"], bills_loaded["m10"]
    staff_login(page, "reviewer")
    page.goto("/staff/")
    page.click("nav.side-nav >> text=医疗费用审核")
    expect(page.locator("[data-testid=bills-table] tbody tr").first).to_be_visible()
    page.fill("input[name=q]", m02.bill_id)
    page.click("form[data-testid=bill-filters] button[type=submit]")
    page.click("[data-testid=bills-table] >> text=审核")
    expect(page.locator("h1")).to_contain_text(m02.bill_id)
    line = page.locator(f"[data-testid=line-{m02.line_no}]")
    expect(line.locator("[data-testid=flag-M02]")).to_contain_text("单价超过目录限价")
    expect(line.locator("[data-testid=flag-M02]")).to_contain_text("第三十条")
    assert _plain(page) == []
    claimed = _money(page.locator("[data-testid=claimed]").inner_text())
    before = _money(page.locator("[data-testid=payable]").inner_text())
    shoot(page, "bills-review")
    # no reason: refused, nothing changes
    line.locator("button[value=restore]").click()
    expect(page.locator("[data-testid=decide-error]")).to_contain_text("理由")
    page.js_errors.clear()  # the refusal is answered 422 on purpose; the browser logs that status
    line = page.locator(f"[data-testid=line-{m02.line_no}]")
    line.locator("input[name=reason]").fill("医院执行新版限价，经电话核实")
    line.locator("button[value=restore]").click()
    line = page.locator(f"[data-testid=line-{m02.line_no}]")
    expect(line.locator("[data-testid=flag-M02] [data-testid=flag-status]")).to_have_text("已恢复支付")
    after = _money(page.locator("[data-testid=payable]").inner_text())
    assert after == before + m02.amount_disallowed
    assert _money(page.locator("[data-testid=disallowed]").inner_text()) == claimed - after

    page.goto(f"/staff/bills/{m10.bill_id}")
    flags = page.locator("[data-testid=bill-flags]")
    expect(flags.locator("[data-testid=flag-M10]")).to_contain_text("非协议机构")
    flags.locator("input[name=reason]").fill("非协议机构，非急诊，不予支付")
    flags.locator("button[value=agree]").click()
    expect(page.locator("[data-testid=bill-flags] [data-testid=flag-status]").first).to_have_text("已同意核减")
    assert _money(page.locator("[data-testid=payable]").inner_text()) == Decimal("0.00")
    page.click("[data-testid=statement-link]")
    statement = page.locator("[data-testid=statement]")
    expect(statement).to_contain_text("工伤医疗费用审核结算单")
    expect(statement).to_contain_text("第三十条")
    assert _money(page.locator("[data-testid=statement-payable]").inner_text()) == Decimal("0.00")
    assert _plain(page) == []
    shoot(page, "bills-statement")
    assert not page.js_errors

    from sqlalchemy import create_engine, select

    from shebao.audit.models import AuditEntry

    engine = create_engine(web_env["url"])
    with engine.connect() as conn:
        entries = conn.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.entity_id)
                               .where(AuditEntry.action.like("bills.%"))).all()
    engine.dispose()
    assert ("bills.line.restore", "reviewer", m02.bill_id) in entries
    assert ("bills.line.agree", "reviewer", m10.bill_id) in entries


def test_clerk_cannot_open_the_bills(page, staff_login, bills_loaded):
    staff_login(page, "clerk")
    response = page.goto("/staff/bills")
    assert response.status == 403
