"""User administration, password checks with lock-out, and API tokens.

Passwords are hashed with Argon2id (argon2-cffi). Services flush, never commit: the caller owns
the transaction, and each change is appended to the audit log within it. The one exception is a
login attempt: it is counted in its own committed statement, before the password is checked, so
that parallel guesses cannot outrun the lock-out (:func:`authenticate_password`).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.roles import Role, parse_role
from shebao.core.settings import get_settings
from shebao.users.models import ApiToken, User, UserSession

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
    session.execute(UserSession.__table__.update().where(UserSession.user_id == user.id,
                                                         UserSession.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC)))
    append(session, action="user.disable", entity="users", entity_id=username)
    return user


def set_password(session: Session, *, username: str, password: str) -> None:
    if len(password) < 8:
        raise UserError("密码至少 8 个字符")
    user = _require(session, username)
    user.password_hash = _hasher.hash(password)
    user.failed_logins, user.locked_until = 0, None
    # a new password ends every web session opened with the old one
    session.execute(UserSession.__table__.update().where(UserSession.user_id == user.id,
                                                         UserSession.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC)))
    append(session, action="user.set_password", entity="users", entity_id=username)


LOGIN_FAILED = "用户名或密码错误；连续 5 次错误账户将锁定 15 分钟（已锁定的账户在锁定期内无法登录）"


class LoginThrottled(UserError):
    """Too many login attempts from this address or for this name, or no hashing slot free: HTTP 429."""

    status_code = 429


class _Window:
    """Attempts per key in a sliding minute (in this process), thread-safe."""

    def __init__(self) -> None:
        self.hits: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str, limit: int, now: float, window: float = 60.0) -> bool:
        with self.lock:
            q = self.hits.setdefault(key, deque())
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= limit:
                return False
            q.append(now)
            if len(self.hits) > 100_000:  # forget keys idle for a window rather than grow without bound
                for k in [k for k, v in self.hits.items() if not v or v[-1] <= now - window]:
                    del self.hits[k]
            return True


_BY_IP, _BY_USER = _Window(), _Window()
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_DUMMY: list[str] = []


def reset_login_limits() -> None:
    """Forget the attempts counted in this process (tests; a restart does the same)."""
    for window in (_BY_IP, _BY_USER):
        with window.lock:
            window.hits.clear()
    _SLOTS.clear()


def _slots() -> threading.BoundedSemaphore:
    workers = get_settings().login_hash_workers
    sem = _SLOTS.get(workers)
    if sem is None:
        sem = _SLOTS.setdefault(workers, threading.BoundedSemaphore(workers))
    return sem


def _verify(password_hash: str, password: str) -> bool:
    """Check a password in the bounded hashing pool (Argon2id takes 64 MiB: a burst of logins must
    not take the server's memory); wait up to ``login_hash_wait`` seconds for a slot, else 429."""
    sem = _slots()
    if not sem.acquire(timeout=get_settings().login_hash_wait):
        raise LoginThrottled("登录请求过多，请稍后再试")
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    finally:
        sem.release()


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher.hash(secrets.token_urlsafe(24)))
    return _DUMMY[0]


def check_login_rate(*, client: str | None, username: str) -> None:
    """Per-address and per-name limits on login attempts (a minute's window), before any work."""
    settings = get_settings()
    now = time.monotonic()
    if client and not _BY_IP.allow(client, settings.login_rate_per_ip, now):
        raise LoginThrottled("本地址登录尝试过于频繁，请一分钟后再试")
    if not _BY_USER.allow(username.casefold(), settings.login_rate_per_user, now):
        raise LoginThrottled("该账户登录尝试过于频繁，请一分钟后再试")


def _reserve_attempt(session: Session, username: str, now: datetime):
    """Take one attempt for ``username`` in the database, atomically and committed at once.

    One conditional UPDATE counts the attempt before the password is checked: it matches only an
    enabled, unlocked account, and the attempt that reaches the limit sets the lock in the same
    statement. So however many requests arrive together, at most ``MAX_FAILED_LOGINS`` of them get
    a password checked; the rest find the account locked. A correct password then clears the count.
    Returns ``(id, password_hash, locked_now)`` or None (unknown, disabled, no password, locked).
    """
    from sqlalchemy import and_, case, literal, or_, update

    table = User.__table__
    expired = and_(table.c.locked_until.is_not(None), table.c.locked_until <= now)
    count = case((expired, literal(1)), else_=table.c.failed_logins + 1)
    stmt = (update(table)
            .where(table.c.username == username, table.c.disabled.is_(False), table.c.password_hash.is_not(None),
                   or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
            .values(failed_logins=count,
                    locked_until=case((count >= MAX_FAILED_LOGINS, literal(now + LOCKOUT)), else_=None))
            .returning(table.c.id, table.c.password_hash, table.c.locked_until))
    with session.get_bind().engine.begin() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return row[0], row[1], row[2] is not None


def authenticate_password(session: Session, *, username: str, password: str, client: str | None = None) -> User:
    """Check a password, with lock-out that holds under parallel guessing.

    Order: rate limits (per address, per name) → the attempt counted in the database (conditional
    UPDATE, the lock decided there) → the password checked in a bounded hashing pool. Unknown,
    disabled and locked accounts are checked against a dummy hash, so that every refusal takes the
    same time and says the same thing.

    Raises:
        LoginThrottled: too many attempts, or the hashing pool stayed full (HTTP 429).
        UserError: any refusal, always :data:`LOGIN_FAILED`.
    """
    check_login_rate(client=client, username=username)
    now = datetime.now(UTC)
    taken = _reserve_attempt(session, username, now)
    if taken is None:
        _verify(_dummy_hash(), password)
        raise UserError(LOGIN_FAILED)
    user_id, password_hash, locked_now = taken
    if not _verify(password_hash, password):
        if locked_now:
            append(session, action="user.locked", entity="users", entity_id=username, actor=username)
        raise UserError(LOGIN_FAILED)
    from sqlalchemy import update

    with session.get_bind().engine.begin() as conn:
        conn.execute(update(User.__table__).where(User.__table__.c.id == user_id)
                     .values(failed_logins=0, locked_until=None))
    user = session.get(User, user_id)
    session.refresh(user)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


# --- server-side web sessions -----------------------------------------------------------------

def start_session(session: Session, *, user: User, max_age: int) -> str:
    """Open a server-side session for ``user``; return its id (for the cookie; stored hashed)."""
    from sqlalchemy import delete

    sid = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    # the user's ended sessions a day past their end are no longer needed
    session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                              UserSession.expires_at < now - timedelta(days=1)))
    session.add(UserSession(sid_hash=_token_digest(sid), user_id=user.id, created_at=now,
                            expires_at=now + timedelta(seconds=max_age)))
    session.flush()
    return sid


def session_is_live(session: Session, *, sid: str, user_id: int) -> bool:
    """Whether the session ``sid`` of ``user_id`` exists, is unrevoked and unexpired."""
    row = session.execute(select(UserSession.expires_at).where(
        UserSession.sid_hash == _token_digest(sid), UserSession.user_id == user_id,
        UserSession.revoked_at.is_(None))).first()
    if row is None:
        return False
    expires = row[0] if row[0].tzinfo else row[0].replace(tzinfo=UTC)
    return expires > datetime.now(UTC)


def end_session(session: Session, *, sid: str) -> None:
    """Revoke the session ``sid`` (logout): the cookie no longer works, wherever a copy of it is."""
    from sqlalchemy import update

    session.execute(update(UserSession).where(UserSession.sid_hash == _token_digest(sid),
                                              UserSession.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC)))


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
