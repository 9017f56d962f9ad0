"""Work lists (issue 19): the queue and the alerts search by application number, person number and ID
number (through the blind index), filter and page with the total; the queue, the alerts and the audit
log export as CSV and Excel, masked, formula-neutralised and audited; times are local."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _id_numbers(folder) -> dict[str, str]:
    with (folder / "persons.csv").open(encoding="utf-8") as fh:
        return {row["person_id"]: row["id_number"] for row in csv.DictReader(fh)}


def _submit(page, applicant) -> str:
    page.goto("/staff/intake")
    page.select_option("select[name=kind]", "pension")
    page.fill("input[name=applicant]", applicant["person_id"])
    page.fill("input[name=bank_account]", applicant["bank_account"])
    with page.expect_navigation():
        page.click("form[data-testid=intake-form] button[type=submit]")
    return page.url.rsplit("/", 1)[-1]


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return open(info.value.path(), "rb").read()


def test_queue_searches_exports_and_audits(browser, server, web_env, staff_login, shoot):
    applicants = web_env["pension_applicants"]
    if len(applicants) < 3:
        pytest.fail("合成人口中可申请养老金的人太少")
    ctx = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1366, "height": 900},
                              accept_downloads=True)
    clerk = ctx.new_page()
    staff_login(clerk, "clerk")
    for applicant in applicants[1:6]:
        _submit(clerk, applicant)
    ctx.close()
    ctx = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1366, "height": 900},
                              accept_downloads=True)
    page = ctx.new_page()
    staff_login(page, "auditor")
    page.goto("/staff/queue")
    rows = page.locator("[data-testid=queue-table] tbody tr")
    total = int(re.search(r"共 (\d+) 件", page.locator("[data-testid=queue-total]").inner_text()).group(1))
    assert total >= 1 and rows.count() == min(total, 30)
    shoot(page, "worklist-queue")
    first = rows.first.locator("a").first.inner_text()
    person = rows.first.locator("td").nth(2).inner_text()
    person_id = person.split()[-1]
    assert "*" in person and person_id.startswith("P"), person  # masked name and ID, and the number
    # by application number, by person number, by ID number (blind index)
    for q in (first, person_id, _id_numbers(web_env["folder"])[person_id]):
        page.goto("/staff/queue")
        page.fill("[data-testid=queue-filters] input[name=q]", q)
        page.click("[data-testid=queue-filters] button[type=submit]")
        assert first in page.locator("[data-testid=queue-table]").inner_text(), q
        assert not ID_RE.search(page.url), page.url  # an ID number searched leaves the address bar
    page.goto("/staff/queue?q=NOSUCH")
    assert "共 0 件" in page.locator("[data-testid=queue-total]").inner_text()
    # exports
    page.goto("/staff/queue")
    body = _download(page, "[data-testid=export-csv]").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][:5] == ["申请编号", "事项", "参保人编号", "姓名", "公民身份号码"]
    assert len(table) - 1 == total
    assert not ID_RE.search(body), "the export must be masked"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_download(page, "[data-testid=export-xlsx]")))
    sheet = book.active
    assert sheet.max_row - 1 == total and sheet.cell(1, 1).value == "申请编号"
    # alerts and audit log export too; every export is in the audit log
    page.goto("/staff/alerts")
    alerts = _download(page, "[data-testid=export-csv]").decode("utf-8-sig")
    assert alerts.splitlines()[0].startswith("疑点编号") and not ID_RE.search(alerts)
    page.goto("/staff/audit?action=export.list")
    audit_rows = page.locator("[data-testid=audit-table] tbody tr")
    assert audit_rows.count() >= 3 and "导出清单" in audit_rows.first.inner_text()
    audit = _download(page, "[data-testid=export-csv]").decode("utf-8-sig")
    head = next(csv.reader(io.StringIO(audit)))
    assert head[1] == "时间（北京时间）" and head[2].startswith("时间（UTC")
    # every time on the page is local: the local time is the UTC one plus eight hours
    local = page.locator("[data-testid=audit-time]").first.inner_text().splitlines()[0]
    utc = page.locator("[data-testid=audit-utc]").first.inner_text()
    assert utc.endswith("UTC")
    delta = dt.datetime.fromisoformat(local) - dt.datetime.fromisoformat(utc.removesuffix(" UTC"))
    assert delta == dt.timedelta(hours=8), (local, utc)
    shoot(page, "worklist-audit")
    ctx.close()


def test_alerts_search_by_id_number(page, staff_login, web_env):
    staff_login(page, "auditor")
    page.goto("/staff/alerts?status=all")
    person = page.locator("[data-testid=alerts-table] tbody tr").first.locator("td").nth(3).inner_text()
    person_id = person.split()[-1]
    id_number = _id_numbers(web_env["folder"])[person_id]
    page.fill("[data-testid=alert-filters] input[name=q]", id_number)
    page.select_option("select[name=status]", "all")
    page.click("[data-testid=alert-filters] button[type=submit]")
    cells = page.locator("[data-testid=alerts-table] tbody tr td:nth-child(4)")
    expect(cells.first).to_contain_text(person_id)
    assert all(person_id in c for c in cells.all_inner_texts())
    assert id_number not in page.locator("body").inner_text()


def test_export_cells_are_masked_and_neutralised():
    from openpyxl import load_workbook

    from shebao.web.exports import to_bytes

    row = ['=HYPERLINK("http://x","点此")', "370502199001011234", "13812345678", "-12.50"]
    text = to_bytes(["a", "b", "c", "d"], [row], "csv", "t").decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(text)))[1]
    assert cells == ['\'=HYPERLINK("http://x","点此")', "370502********1234", "138****5678", "-12.50"]
    sheet = load_workbook(io.BytesIO(to_bytes(["a", "b", "c", "d"], [row], "xlsx", "t"))).active
    assert [c.value for c in sheet[2]] == cells and sheet.cell(2, 1).data_type == "s"


def _names(folder) -> dict[str, str]:
    with (folder / "persons.csv").open(encoding="utf-8") as fh:
        return {row["person_id"]: row["name"] for row in csv.DictReader(fh)}


def test_a_name_search_finds_the_person(page, staff_login, web_env):
    """Names are encrypted; the search matches the blind index of the full name."""
    names = _names(web_env["folder"])
    name = names["P000000003"]
    staff_login(page, "clerk")
    page.goto("/staff/persons")
    page.fill("input[name=query]", name)
    page.click("form[data-testid=person-search] button[type=submit]")
    page.wait_for_load_state()
    same = sorted(p for p, n in names.items() if n == name)
    if len(same) == 1:
        assert page.url.endswith("/staff/persons/P000000003")
    else:
        assert "P000000003" in page.locator("main").inner_text()
    assert name not in page.locator("main").inner_text() or len(name) == 1  # shown masked
    assert name not in page.url
    # a part of the name finds nobody (equality on the index only), and says how to search
    page.goto("/staff/persons")
    page.fill("input[name=query]", name[1:] if len(name) > 2 else name + "某")
    page.click("form[data-testid=person-search] button[type=submit]")
    assert "完整姓名" in page.locator("main").inner_text()
