"""Document intake in the browser: a person uploads photos on the portal and sees what was read
(masked) and what is missing; a clerk checks each field against its crop and corrects one (audited)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "intake" / "data"
TRUTH = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))


# reading photos takes seconds a page (more on a loaded machine): the upload waits longer than a click
UPLOAD_TIMEOUT = 240_000


def test_a_person_uploads_photos_and_sees_what_is_read_and_missing(page, shoot):
    page.set_default_timeout(UPLOAD_TIMEOUT)
    page.goto("/documents")
    page.select_option("select[name=kind]", "survivor")
    page.set_input_files("input[name=files]", [str(DATA / "bank_card_01.jpg"), str(DATA / "death_certificate_01.jpg")])
    with page.expect_navigation(timeout=UPLOAD_TIMEOUT):
        page.click("form[data-testid=upload-form] button[type=submit]")
    result = page.locator("[data-testid=upload-result]")
    result.wait_for()
    text = result.inner_text()
    card = TRUTH["bank_card_01.jpg"]["fields"]["card_number"]
    assert card[-4:] in text and card not in text                     # masked on the page
    dead = TRUTH["death_certificate_01.jpg"]["fields"]
    assert dead["id_number"] not in text and dead["death_date"] in text
    assert "居民身份证" in page.locator("[data-testid=missing]").inner_text()
    assert page.locator("[data-testid=batch-id]").inner_text().strip()
    assert not page.js_errors
    shoot(page, "intake_portal")


def test_a_clerk_checks_fields_against_their_crops_and_corrects_one(page, staff_login, shoot):
    staff_login(page, "clerk")
    page.set_default_timeout(UPLOAD_TIMEOUT)
    page.click("nav.side-nav >> text=材料预审")
    page.select_option("form[data-testid=staff-upload-form] select[name=kind]", "pension")
    page.set_input_files("form[data-testid=staff-upload-form] input[name=files]", [str(DATA / "id_card_02.jpg")])
    with page.expect_navigation(timeout=UPLOAD_TIMEOUT):
        page.click("form[data-testid=staff-upload-form] button[type=submit]")
    table = page.locator("[data-testid=fields-id_card]")
    table.wait_for()
    truth = TRUTH["id_card_02.jpg"]["fields"]
    assert page.locator("[data-testid=row-name] img.crop").count() == 1
    assert page.locator("[data-testid=row-id_number] img.crop").count() == 1
    shown = page.locator("[data-testid=value-id_number]").inner_text()
    assert truth["id_number"] not in shown and truth["id_number"][-4:] in shown
    doc_id = page.locator("[data-testid=document]").first.get_attribute("id").removeprefix("doc-")
    # a wrong ID number is refused with its reason; nothing is saved
    page.fill(f"[data-testid=edit-{doc_id}-id_number]", truth["id_number"][:-1] + ("0" if truth["id_number"][-1] != "0" else "1"))
    with page.expect_navigation():
        page.click(f"[data-testid=save-{doc_id}-id_number]")
    assert "校验" in page.locator("[data-testid=correct-error]").inner_text()
    page.fill(f"[data-testid=edit-{doc_id}-name]", truth["name"] + "明")
    with page.expect_navigation():
        page.click(f"[data-testid=save-{doc_id}-name]")
    assert page.locator("[data-testid=saved]").count() == 1
    assert "更正记录" in page.locator(f"#doc-{doc_id}").inner_text()
    assert page.locator(f"[data-testid=edit-{doc_id}-name]").input_value() == truth["name"] + "明"
    assert not page.js_errors
    shoot(page, "intake_workbench")
