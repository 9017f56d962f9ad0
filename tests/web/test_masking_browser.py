"""Every staff page masks personal data by default (issue 19): no ID, card or phone number of the demo
registry appears in any page's HTML, whatever the role; a full view is an explicit, audited action."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
CARD_RE = re.compile(r"(?<![0-9A-Za-z])\d{12,19}(?![0-9A-Za-z])")


def _registry_values(folder) -> set[str]:
    """Every ID number, phone and bank account of the demo registry, as the generator wrote them."""
    values: set[str] = set()
    for name, columns in (("persons.csv", ("id_number", "phone")), ("benefits.csv", ("bank_account",)),
                          ("payments.csv", ("bank_account",))):
        path = folder / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for col in columns:
                    value = (row.get(col) or "").strip()
                    if len(value) >= 7:
                        values.add(value)
    return values


def _pages(page, web_env) -> list[str]:
    """The staff pages to check: lists, a detail of each kind, found by following the lists."""
    urls = ["/staff/", "/staff/alerts", "/staff/persons", "/staff/queue", "/staff/audit", "/staff/params"]
    page.goto("/staff/alerts?status=all")
    link = page.locator("[data-testid=alerts-table] a[href^='/staff/alerts/']")
    if link.count():
        urls.append(link.first.get_attribute("href"))
    for applicant in web_env["pension_applicants"][:1]:
        urls.append(f"/staff/persons/{applicant['person_id']}")
    urls.append("/staff/persons/P000000003")
    page.goto("/staff/queue")
    link = page.locator("[data-testid=queue-table] a[href^='/staff/cases/']")
    if link.count():
        urls.append(link.first.get_attribute("href"))
    return urls


def _submit_case(page, applicant) -> None:
    page.goto("/staff/intake")
    page.select_option("select[name=kind]", "pension")
    page.fill("input[name=applicant]", applicant["person_id"])
    page.fill("input[name=bank_account]", applicant["bank_account"])
    with page.expect_navigation():
        page.click("form[data-testid=intake-form] button[type=submit]")


@pytest.mark.parametrize("username", ["clerk", "reviewer", "auditor", "analyst", "administrator"])
def test_no_staff_page_shows_an_unmasked_id_card_or_phone(page, staff_login, shoot, web_env, username):
    known = _registry_values(web_env["folder"])
    assert len(known) > 400, "the demo registry should have ID numbers, phones and accounts to look for"
    if username == "clerk" and web_env["pension_applicants"]:
        staff_login(page, "clerk")
        _submit_case(page, web_env["pension_applicants"][-1])  # a case with an applicant's bank account
        urls = [page.url.replace(page.url.split("/staff/")[0], "")]
        urls += ["/staff/", "/staff/persons", f"/staff/persons/{web_env['pension_applicants'][-1]['person_id']}"]
    else:
        staff_login(page, username)
        urls = _pages(page, web_env)
    checked = 0
    for url in urls:
        response = page.goto(url)
        if response.status == 403:
            continue
        assert response.status == 200, (url, response.status)
        html = page.content()
        text = page.locator("body").inner_text()
        leaked = sorted(v for v in known if v in html)
        assert not leaked, f"{username} {url}: unmasked registry values in the page: {leaked[:5]}"
        for kind, pattern in (("ID", ID_RE), ("phone", PHONE_RE), ("card", CARD_RE)):
            found = pattern.findall(text)
            assert not found, f"{username} {url}: unmasked {kind} number shown: {found[:5]}"
        checked += 1
        shoot(page, f"masked-{username}-{url.strip('/').replace('/', '-') or 'home'}")
    assert checked >= 3, f"{username}: too few pages checked ({checked})"


def test_a_full_view_needs_a_reason_and_is_audited(page, staff_login, shoot):
    staff_login(page, "auditor")
    page.goto("/staff/alerts?status=all")
    page.locator("[data-testid=alerts-table] a[href^='/staff/alerts/']").first.click()
    card = page.locator("[data-testid=person-card]")
    masked = card.locator("[data-testid=pii-id_number]").inner_text()
    assert "*" in masked and not ID_RE.search(masked)
    box = card.locator("dd").first
    box.locator("summary").click()
    box.locator("input[name=reason]").fill("核对死亡数据比对疑点的身份")
    box.locator("button[type=submit]").click()
    value = box.locator("[data-testid=pii-id_number][data-revealed='1']")
    expect(value).to_have_count(1)
    full = value.inner_text()
    assert ID_RE.fullmatch(full), full
    assert full[:6] == masked[:6] and full[-4:] == masked[-4:]
    shoot(page, "staff-alert-revealed")
    # who, what and why are in the audit log
    page.goto("/staff/audit?action=personal_data.read_full")
    row = page.locator("[data-testid=audit-table] tbody tr").first.inner_text()
    assert "核对死亡数据比对疑点的身份" in row and "auditor" in row, row


def test_a_role_without_full_access_cannot_reveal(page, staff_login):
    staff_login(page, "analyst")
    page.goto("/staff/persons/P000000003")
    card = page.locator("[data-testid=person-card]")
    assert card.locator("details.reveal").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post("/staff/reveal", form={"csrf_token": token, "entity": "person",
                                                        "entity_id": "P000000003", "field": "id_number",
                                                        "reason": "试图查看"})
    assert response.status == 403
    assert not ID_RE.search(response.text())
