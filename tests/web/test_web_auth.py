"""Staff sessions, CSRF, lock-out, role checks, masking and security headers (both databases)."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import pytest

PASSWORD = "correct-horse-battery"


@pytest.fixture
def client(db):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.core.db import session_scope
    from shebao.registry.models import Person
    from shebao.users.service import add_user

    with session_scope() as session:
        for username, role in (("clerk", "clerk"), ("analyst", "analyst"), ("auditor", "auditor"), ("admin1", "admin")):
            add_user(session, username=username, role=role, password=PASSWORD)
        session.add(Person(person_id="P000000001", id_number="370102195001011233", id_number_bidx=_bidx("370102195001011233"),
                           name="张三明", sex="M", birth_date=date(1950, 1, 1), region_code="370100",
                           phone="13812345678", original_retirement_age=60, deemed_months=0, row_hash="x"))
    with TestClient(create_app()) as c:
        yield c


def _bidx(value: str) -> str:
    from shebao.core.crypto import blind_index

    return blind_index(value)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client, username: str, password: str = PASSWORD, next_url: str = "/staff/"):
    token = _csrf(client.get("/staff/login").text)
    return client.post("/staff/login", data={"csrf_token": token, "username": username, "password": password,
                                             "next": next_url}, follow_redirects=False)


def _audit_actions(entity_id: str) -> list[str]:
    from sqlalchemy import select

    from shebao.audit.models import AuditEntry
    from shebao.core.db import session_scope

    with session_scope() as session:
        return list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == entity_id)))


def test_pages_need_login_and_the_login_needs_the_csrf_token(client):
    response = client.get("/staff/alerts", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    refused = client.post("/staff/login", data={"username": "clerk", "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403 and "校验码" in refused.text
    ok = _login(client, "clerk")
    assert ok.status_code == 303 and ok.headers["location"] == "/staff/"
    assert "user.login" in _audit_actions("clerk")


def test_session_cookie_is_http_only_strict_and_holds_no_personal_data(client):
    response = _login(client, "clerk")
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    value = client.cookies.get("shebao_session")
    payload = json.loads(base64.b64decode(value.split(".")[0] + "=="))
    assert set(payload) == {"uid", "sid", "login_at", "seen", "csrf"}


def test_five_wrong_passwords_lock_the_account(client):
    for _ in range(5):
        response = _login(client, "analyst", "wrong-password")
        assert response.status_code == 401 and "用户名或密码错误" in response.text
    locked = _login(client, "analyst")
    # the right password is refused now, with the same words as a wrong one (no hint who exists or is locked)
    assert locked.status_code == 401 and "用户名或密码错误；连续 5 次错误账户将锁定 15 分钟" in locked.text
    assert "user.locked" in _audit_actions("analyst")


def test_login_never_redirects_to_another_site(client):
    response = _login(client, "clerk", next_url="//evil.example/staff/")
    assert response.headers["location"] == "/staff/"


def test_roles_are_checked_on_every_page(client):
    _login(client, "clerk")
    for path in ("/staff/params", "/staff/params/pension.base", "/staff/audit", "/staff/alerts"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "您的角色（经办员）无权使用此功能；需要：" in response.text, path  # who is refused, and who may
    token = _csrf(client.get("/staff/persons").text)
    refused = client.post("/staff/params/pension.base", data={"csrf_token": token, "effective_from": "2026-01-01",
                                                             "value": "9000", "reference": "x"})
    assert refused.status_code == 403


def test_the_session_cookie_drives_the_api_only_with_the_csrf_header(client):
    _login(client, "auditor")
    assert client.get("/api/v1/me").json()["role"] == "auditor"
    token = _csrf(client.get("/staff/").text)
    without = client.post("/api/v1/params", json={"name": "pension.base", "effective_from": "2026-01-01",
                                                  "value": "1", "reference": "x"})
    assert without.status_code == 401  # the cookie alone does not authenticate a state change
    with_header = client.post("/api/v1/params", headers={"X-CSRF-Token": token},
                              json={"name": "pension.base", "effective_from": "2026-01-01", "value": "1",
                                    "reference": "x"})
    assert with_header.status_code == 403  # authenticated now; an auditor may not change parameters


def test_full_personal_data_is_logged_and_masked_for_others(client):
    _login(client, "clerk")
    page = client.get("/staff/persons/P000000001")
    # masked by default, for every role (issue 19); the full value is an explicit, audited request
    assert "370102195001011233" not in page.text and "张三明" not in page.text
    assert "370102********1233" in page.text and "张*明" in page.text
    before = _audit_actions("P000000001").count("personal_data.read_full")
    refused = client.post("/staff/reveal", data={"csrf_token": _csrf(page.text), "entity": "person",
                                                  "entity_id": "P000000001", "field": "id_number", "reason": ""})
    assert refused.status_code == 422 and refused.json()["detail"] == "请填写查看理由（如办理的业务）"
    shown = client.post("/staff/reveal", data={"csrf_token": _csrf(page.text), "entity": "person",
                                                "entity_id": "P000000001", "field": "id_number",
                                                "reason": "核对申请人身份"})
    assert shown.status_code == 200 and shown.json() == {"value": "370102195001011233"}
    assert _audit_actions("P000000001").count("personal_data.read_full") == before + 1
    client.post("/staff/logout", data={"csrf_token": _csrf(page.text)})
    _login(client, "analyst")
    page = client.get("/staff/persons/P000000001")
    assert "370102195001011233" not in page.text and "张三明" not in page.text
    assert "370102********1233" in page.text and "张*明" in page.text
    refused = client.post("/staff/reveal", data={"csrf_token": _csrf(page.text), "entity": "person",
                                                  "entity_id": "P000000001", "field": "id_number",
                                                  "reason": "想看看"})
    assert refused.status_code == 403
    assert _audit_actions("P000000001").count("personal_data.read_full") == before + 1


def test_person_search_keeps_the_id_number_out_of_the_url(client):
    _login(client, "clerk")
    token = _csrf(client.get("/staff/persons").text)
    response = client.post("/staff/persons", data={"csrf_token": token, "query": "370102195001011233"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/persons/P000000001"


def test_logout_ends_the_session(client):
    _login(client, "clerk")
    token = _csrf(client.get("/staff/").text)
    client.post("/staff/logout", data={"csrf_token": token})
    assert client.get("/staff/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_logout_revokes_the_session_on_the_server_so_a_copied_cookie_stops_working(client):
    _login(client, "clerk")
    copied = client.cookies.get("shebao_session")
    token = _csrf(client.get("/staff/").text)
    client.post("/staff/logout", data={"csrf_token": token})
    client.cookies.set("shebao_session", copied)  # the cookie as it was before logging out (still signed, unexpired)
    assert client.get("/staff/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_and_existing_users_see_the_same_refusal(client):
    known = _login(client, "clerk", "wrong-password")
    unknown = _login(client, "nobody-here", "wrong-password")
    assert known.status_code == unknown.status_code == 401

    def message(html: str) -> str:
        return re.search(r'data-testid="login-error">([^<]+)<', html).group(1)

    assert message(known.text) == message(unknown.text)


def test_login_rate_limit_answers_429(client, monkeypatch):
    from shebao.core.settings import get_settings

    monkeypatch.setenv("SHEBAO_LOGIN_RATE_PER_USER", "2")
    get_settings.cache_clear()
    for _ in range(2):
        assert _login(client, "auditor", "wrong-password").status_code == 401
    refused = _login(client, "auditor", "wrong-password")
    assert refused.status_code == 429 and "该账户登录尝试过于频繁，请一分钟后再试" in refused.text


def test_portal_forms_need_the_csrf_token_and_pages_carry_security_headers(client):
    page = client.get("/pension")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text  # no inline script anywhere (CSP)
    refused = client.post("/pension", data={"birth_date": "1975-06", "category": "male_60"})
    assert refused.status_code == 403
    ok = client.post("/pension", data={"csrf_token": _csrf(page.text), "birth_date": "1975-06", "category": "male_60",
                                       "contribution_months": "180", "avg_contribution_index": "0.8"})
    assert ok.status_code == 200 and "tier-table" in ok.text


def test_calculator_refusals_say_what_is_allowed(client):
    token = _csrf(client.get("/backpay").text)
    response = client.post("/backpay", data={
        "csrf_token": token, "category": "female_55", "birth_date": "1966-03", "contribution_months": "200",
        "avg_contribution_index": "70%", "backpay_months": "36", "backpay_base": "5000"})
    errors = response.text.split('data-testid="form-errors"', 1)[1].split("</div>", 1)[0]
    assert response.status_code == 422 and "无需补缴" in errors and "contribution_months" not in errors
    ok = client.post("/pension", data={"csrf_token": token, "birth_date": "1975-06", "category": "male_60",
                                       "contribution_months": "180", "avg_contribution_index": "80%"})
    assert ok.status_code == 200 and "tier-table" in ok.text


def test_pages_answer_errors_in_chinese_and_the_api_in_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.text and "site-header" in page.text
    api = client.get("/api/v1/no-such")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    bad = client.get("/staff/alerts?page=abc")
    assert bad.status_code == 422 and "参数有误" in bad.text


def test_calculator_form_errors_are_in_chinese(client):
    token = _csrf(client.get("/retirement").text)
    response = client.post("/retirement", data={"csrf_token": token, "category": "nobody", "birth_date": ""})
    assert response.status_code == 422
    assert "请选择人员类别" in response.text and "请填写出生年月" in response.text


def test_admin_adds_a_parameter_value_through_the_page(client):
    _login(client, "admin1")
    page = client.get("/staff/params/pension.base")
    response = client.post("/staff/params/pension.base", data={
        "csrf_token": _csrf(page.text), "region": "370000", "effective_from": "2026-01-01", "value": "8010",
        "reference": "山东省2026年计发基数通知（测试）", "confirmed": "on"}, follow_redirects=False)
    assert response.status_code == 303
    assert "param.set" in _audit_actions("pension.base")
    history = client.get("/staff/params/pension.base").text
    assert "8010" in history and "山东省2026年计发基数通知（测试）" in history
    bad = client.post("/staff/params/pension.base", data={"csrf_token": _csrf(page.text), "region": "370000",
                                                          "effective_from": "2026-13-01", "value": "", "reference": ""})
    assert bad.status_code == 422 and "生效日期应为 YYYY-MM-DD" in bad.text
    # a rate typed with a percent sign is read as a fraction; the refusal names no code or option
    rate = client.post("/staff/params/pension.flexible.contribution_rate", data={
        "csrf_token": _csrf(page.text), "region": "370000", "effective_from": "2027-01-01", "value": "16%",
        "reference": "测试用通知", "confirmed": "on"}, follow_redirects=False)
    assert rate.status_code == 303
    assert "16%" in client.get("/staff/params/pension.flexible.contribution_rate").text
    unsourced = client.post("/staff/params/pension.base", data={
        "csrf_token": _csrf(page.text), "region": "370000", "effective_from": "2027-01-01", "value": "8100",
        "reference": "  "})
    assert unsourced.status_code == 422 and "请填写出处" in unsourced.text and "pension.base@" not in unsourced.text


def test_a_wrong_id_number_is_explained(client):
    _login(client, "clerk")
    token = _csrf(client.get("/staff/persons").text)
    response = client.post("/staff/persons", data={"csrf_token": token, "query": "370102195001011235"})
    assert response.status_code == 422 and "公民身份号码有误" in response.text


def test_notices_are_for_the_roles_that_handle_benefits(client):
    _login(client, "analyst")
    assert client.get("/staff/notices/1").status_code == 403
    client.post("/staff/logout", data={"csrf_token": _csrf(client.get("/staff/").text)})
    _login(client, "clerk")
    missing = client.get("/staff/notices/999999")
    assert missing.status_code == 404 and "通知书不存在" in missing.text


def test_an_idle_session_expires(client, monkeypatch):
    import time

    from shebao.web import auth

    _login(client, "clerk")
    assert client.get("/staff/", follow_redirects=False).status_code == 200
    later = time.time() + auth.IDLE_TIMEOUT + 60
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert client.get("/staff/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401
