"""The demo lets staff in: one account per role, passwords printed once and kept in a 0600 file,
the login page (development) says where; the demo step also builds the knowledge base."""

from __future__ import annotations

import re
import stat

from shebao.core.roles import Role


def _accounts(path):
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {name: password for name, _label, password in rows}


def test_demo_creates_one_account_per_role_and_the_login_page_says_where(db, shebao_home, capsys):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.cli.demo_access import prepare_demo_access
    from shebao.core.db import session_scope
    from shebao.users.demo_staff import staff_file
    from shebao.users.models import User
    from shebao.users.service import authenticate_password, ensure_demo_admin

    with session_scope() as session:  # the demo administrator exists first, without a password
        ensure_demo_admin(session)
    summary = prepare_demo_access(quiet=True)
    printed = capsys.readouterr()
    path = staff_file(shebao_home)
    assert summary["staff_accounts_file"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    accounts = _accounts(path)
    with session_scope() as session:
        roles = {u.username: u.role for u in session.query(User)}
        for username, password in accounts.items():
            assert password in printed.err and password not in printed.out  # --json: stdout stays JSON
            assert authenticate_password(session, username=username, password=password).username == username
    assert {roles[u] for u in accounts} == {r.value for r in Role}  # every role can log in
    assert "admin" in accounts
    assert summary["knowledge_base"]["laws"] == 15 and summary["knowledge_base"]["articles"] > 600

    again = prepare_demo_access(quiet=False)  # a second demo run: passwords not shown again, file kept
    shown = capsys.readouterr()
    assert not any(p in shown.out + shown.err for p in accounts.values())
    assert _accounts(path) == accounts and again["knowledge_base"]["built_seconds"] is None

    with TestClient(create_app()) as client:
        page = client.get("/staff/login").text
        assert str(path) in page and "shebao demo" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post("/staff/login", data={"csrf_token": token, "username": "reviewer",
                                                     "password": accounts["reviewer"], "next": "/staff/"},
                               follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/staff/"


def test_production_login_page_does_not_point_at_demo_accounts(db, monkeypatch):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.core.settings import get_settings

    monkeypatch.setenv("SHEBAO_ENV", "production")
    monkeypatch.setenv("SHEBAO_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        page = client.get("/staff/login").text
    assert "demo-staff" not in page and "演示账号" not in page
