"""User administration, password checks with lock-out, and API tokens.

Passwords are hashed with Argon2id (argon2-cffi). Services flush, never commit: the caller owns
the transaction, and each change is appended to the audit log within it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.roles import Role, parse_role
from shebao.core.settings import get_settings
from shebao.users.models import ApiToken, User

DEMO_ADMIN = "admin"
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user operation that cannot be done; the message is Chinese, for the operator."""


def get_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _require(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise UserError(f"用户不存在：{username}")
    return user


def add_user(session: Session, *, username: str, role: str, password: str | None = None,
             display_name: str = "") -> User:
    """Create a user with a role (and optionally a password)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError("用户名不能为空，且不超过 64 个字符")
    if get_user(session, username) is not None:
        raise UserError(f"用户已存在：{username}")
    parsed = parse_role(role)
    if password is not None and len(password) < 8:
        raise UserError("密码至少 8 个字符")
    user = User(username=username, role=parsed.value, display_name=display_name,
                password_hash=_hasher.hash(password) if password else None)
    session.add(user)
    session.flush()
    append(session, action="user.add", entity="users", entity_id=username, detail={"role": parsed.value})
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def set_role(session: Session, *, username: str, role: str) -> User:
    user = _require(session, username)
    old, user.role = user.role, parse_role(role).value
    append(session, action="user.set_role", entity="users", entity_id=username, detail={"from": old, "to": user.role})
    return user


def disable_user(session: Session, *, username: str) -> User:
    user = _require(session, username)
    user.disabled = True
    session.execute(
        ApiToken.__table__.update().where(ApiToken.user_id == user.id).values(revoked=True)
    )
    append(session, action="user.disable", entity="users", entity_id=username)
    return user


def set_password(session: Session, *, username: str, password: str) -> None:
    if len(password) < 8:
        raise UserError("密码至少 8 个字符")
    user = _require(session, username)
    user.password_hash = _hasher.hash(password)
    user.failed_logins, user.locked_until = 0, None
    append(session, action="user.set_password", entity="users", entity_id=username)


def authenticate_password(session: Session, *, username: str, password: str) -> User:
    """Check a password; lock the account for 15 minutes after 5 failures in a row."""
    user = get_user(session, username)
    now = datetime.now(UTC)
    if user is None or user.disabled or not user.password_hash:
        raise UserError("用户名或密码错误")
    locked_until = user.locked_until
    if locked_until is not None and locked_until.tzinfo is None:
        locked_until = locked_until.replace(tzinfo=UTC)
    if locked_until is not None and locked_until > now:
        raise UserError("登录失败次数过多，账户已临时锁定，请 15 分钟后再试")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            append(session, action="user.locked", entity="users", entity_id=username, actor=username)
        raise UserError("用户名或密码错误") from exc
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, *, username: str, label: str = "") -> str:
    """Create a bearer token for ``username``; the token is shown once and stored hashed."""
    user = _require(session, username)
    if user.disabled:
        raise UserError(f"用户已停用：{username}")
    token = "sb_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label))
    append(session, action="user.token_issued", entity="users", entity_id=username, detail={"label": label})
    return token


# built once: every API request runs it
_USER_FOR_TOKEN = select(User).join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("digest"), ApiToken.revoked.is_(False), User.disabled.is_(False))


def user_for_token(session: Session, token: str) -> User | None:
    """The enabled user holding this unrevoked token, else None."""
    return session.execute(_USER_FOR_TOKEN, {"digest": _token_digest(token)}).scalar_one_or_none()


def ensure_demo_admin(session: Session) -> User:
    """In development, the demo administrator exists by default (no password: CLI only)."""
    user = get_user(session, DEMO_ADMIN)
    if user is None:
        user = add_user(session, username=DEMO_ADMIN, role=Role.ADMIN.value, display_name="演示管理员")
    return user


def resolve_acting_user(session: Session, name: str | None) -> User:
    """The user the CLI acts as: ``--as``, else ``SHEBAO_USER``, else the demo admin (development)."""
    settings = get_settings()
    name = name or settings.user
    if name is None:
        if settings.env != "development":
            raise UserError("生产环境必须用 --as 或 SHEBAO_USER 指定操作用户")
        session.info.setdefault("actor", DEMO_ADMIN)
        return ensure_demo_admin(session)
    user = get_user(session, name)
    if user is None and settings.env == "development" and name == DEMO_ADMIN:
        session.info.setdefault("actor", DEMO_ADMIN)
        return ensure_demo_admin(session)
    if user is None:
        raise UserError(f"用户不存在：{name}")
    if user.disabled:
        raise UserError(f"用户已停用：{name}")
    return user
