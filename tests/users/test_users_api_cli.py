"""Users and roles, API tokens and role checks, the CLI acting as a named user."""

import re

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from shebao.audit.models import AuditEntry
from shebao.core.db import session_scope
from shebao.core.roles import Role
from shebao.users.service import UserError, add_user, authenticate_password, issue_token


@pytest.fixture
def cli():
    from shebao.cli import _register, app

    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_password_hash_is_argon2_and_lockout(db) -> None:
    with session_scope() as s:
        user = add_user(s, username="wang", role="reviewer", password="correct-horse")
        assert user.password_hash.startswith("$argon2id$")
    for _ in range(5):
        with session_scope() as s, pytest.raises(UserError, match="用户名或密码错误"):
            authenticate_password(s, username="wang", password="wrong-password")
    # locked: the right password is refused too, in the same words as a wrong one (which say so)
    with session_scope() as s, pytest.raises(UserError, match="连续 5 次错误账户将锁定 15 分钟"):
        authenticate_password(s, username="wang", password="correct-horse")


def test_unknown_role_refused(db) -> None:
    with session_scope() as s, pytest.raises(ValueError, match="未知角色"):
        add_user(s, username="x", role="boss")


def test_cli_users_and_audit_who(db, cli) -> None:
    assert cli("users", "add", "li", "--role", "clerk", "--name", "李经办").exit_code == 0
    assert cli("users", "set-role", "li", "auditor").exit_code == 0
    listing = cli("users", "list")
    # li's own row shows the new role (not just "li" and "auditor" somewhere in the table)
    assert re.search(r"│ li +│ 李经办 +│ auditor（稽核员） +│ 正常 +│", listing.output), listing.output
    # a non-admin may not manage users
    refused = cli("users", "add", "zhao", "--role", "clerk", "--as", "li")
    assert refused.exit_code == 1
    assert cli("users", "disable", "li").exit_code == 0
    assert cli("users", "add", "zhao", "--role", "clerk", "--as", "li").exit_code == 1  # disabled user
    with session_scope() as s:
        actions = [(e.actor, e.action) for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()]
    assert ("admin", "user.add") in actions and ("admin", "user.set_role") in actions
    assert ("admin", "user.disable") in actions


def test_validate_command(cli) -> None:
    ok = cli("validate", "id", "11010519491231002X")
    assert ok.exit_code == 0 and "11010519491231002X" not in ok.output
    bad = cli("validate", "id", "110105194912310021")
    assert bad.exit_code == 1 and "校验码" in bad.output
    assert cli("validate", "uscc", "91110000802100433B").exit_code == 0
    assert cli("validate", "bank-card", "6222021234567890121").exit_code == 1
    assert cli("validate", "phone", "13812345678").exit_code == 0
    assert cli("validate", "passport", "x").exit_code == 2


def test_audit_verify_command_exit_codes(db, cli) -> None:
    from sqlalchemy import text

    from shebao.core.db import get_engine

    cli("users", "add", "a1", "--role", "clerk")
    cli("users", "add", "a2", "--role", "clerk")
    assert cli("audit", "verify").exit_code == 0
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    result = cli("audit", "verify")
    assert result.exit_code == 1 and "第 2 条" in result.output


def _app_with_probe():
    from shebao.api.app import create_app
    from shebao.http.deps import CurrentUser, require_roles

    app = create_app()
    probe = APIRouter()

    @probe.get("/api/v1/_probe/reviewers", dependencies=[require_roles(Role.REVIEWER)])
    def reviewers_only(user: CurrentUser) -> dict:
        return {"user": user.username}

    app.include_router(probe)
    return app


def test_api_health_docs_landing_and_tokens(db) -> None:
    with session_scope() as s:
        add_user(s, username="rev", role="reviewer")
        add_user(s, username="clk", role="clerk")
        add_user(s, username="gone", role="reviewer")
        rev_token = issue_token(s, username="rev")
        clk_token = issue_token(s, username="clk")
        gone_token = issue_token(s, username="gone")
    from shebao.users.service import disable_user

    with session_scope() as s:
        disable_user(s, username="gone")
    client = TestClient(_app_with_probe())
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert health.headers["x-content-type-options"] == "nosniff"
    assert client.get("/openapi.json").json()["info"]["title"].startswith("shebao")
    assert client.get("/docs").status_code == 200
    landing = client.get("/")
    assert landing.status_code == 200 and "zh-CN" in landing.text and "/docs" in landing.text
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {rev_token}"}).json()
    assert me == {"username": "rev", "role": "reviewer", "role_label": "复核员"}
    assert client.get("/api/v1/_probe/reviewers", headers={"Authorization": f"Bearer {rev_token}"}).status_code == 200
    forbidden = client.get("/api/v1/_probe/reviewers", headers={"Authorization": f"Bearer {clk_token}"})
    assert forbidden.status_code == 403 and "权限不足" in forbidden.json()["detail"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {gone_token}"}).status_code == 401
