"""Times on the staff pages in ``SHEBAO_TIMEZONE`` (issue 19), in a real browser: a server of its own runs in
Pacific/Kiritimati (UTC+14), so any time printed as stored (UTC) is fourteen hours off. An auditor dismisses an
alert; its page shows the decision time, and the audit page each entry's time, both as the stored UTC values
converted here independently; the audit page shows the stored UTC value beside it, labelled."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.browser

ZONE = "Pacific/Kiritimati"


def _local(stored: str, fmt: str) -> str:
    value = dt.datetime.fromisoformat(stored)
    if value.tzinfo is None:  # the database keeps naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(ZONE)).strftime(fmt)


def _utc(stored: str) -> str:
    return dt.datetime.fromisoformat(stored).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _query(path, sql: str, *args):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


def test_staff_pages_show_local_time_and_label_the_stored_utc(browser, far_server, staff_login, shoot):
    assert far_server["zone"] == ZONE
    context = browser.new_context(base_url=far_server["base"], locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    staff_login(page, "auditor")

    page.goto("/staff/alerts?status=new")
    page.locator("[data-testid=alerts-table] tbody tr").first.locator("text=核查").click()
    alert_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    page.fill("textarea[name=reason]", "已核对，系误报")
    page.click("button[name=decision][value=dismiss]")
    page.goto(f"/staff/alerts/{alert_id}")
    [(decided_by, decided_at)] = _query(far_server["db"], "SELECT decided_by, decided_at FROM risk_alerts WHERE id = ?",
                                        alert_id)
    assert decided_by == "auditor" and decided_at, (decided_by, decided_at)
    main = page.locator("main").inner_text()
    assert f"auditor · {_local(decided_at, '%Y-%m-%d %H:%M')}" in main, main
    assert dt.datetime.fromisoformat(decided_at).strftime("%Y-%m-%d %H:%M") not in main  # not the stored UTC
    shoot(page, "local-time-alert")

    page.goto("/staff/audit")
    assert f"（{ZONE}；链中存 UTC）" in page.locator("thead").inner_text()
    stored = dict(_query(far_server["db"], "SELECT seq, ts FROM audit_log"))
    rows = page.locator("tbody tr")
    assert rows.count() >= 3, "the audit page shows no entries"
    for i in range(min(rows.count(), 20)):
        row = rows.nth(i)
        seq = int(row.locator("td").first.inner_text())
        assert row.locator("[data-testid=audit-time]").inner_text().split("\n")[0] == \
            _local(stored[seq], "%Y-%m-%d %H:%M:%S"), seq
        assert row.locator("[data-testid=audit-utc]").inner_text() == _utc(stored[seq]), seq
    shoot(page, "local-time-audit")
    context.close()
