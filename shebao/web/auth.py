"""Staff login for the workbench: signed session cookies, CSRF tokens, role checks.

The session cookie (Starlette's ``SessionMiddleware``, signed with a key derived from the instance
secret) holds only the user's id, a random session id, the login and last-seen times and the CSRF
token: never personal data. The session id is also kept (hashed) in ``user_sessions``: logging out
revokes it there, so a copied cookie stops working at once. The user is re-read from the database on every request, so that disabling an account or
changing its role takes effect at once. Passwords are checked by
:func:`shebao.users.service.authenticate_password` (Argon2id, lock-out after repeated failures).

The same cookie authenticates calls to ``/api/v1/`` from the workbench's own pages (through
``app.state.session_user_resolver``); a state-changing call must then carry the session's CSRF token
in the ``X-CSRF-Token`` header, so that another site cannot make a logged-in browser act.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware

from shebao.core.roles import ROLE_LABELS, ROLES_SEEING_FULL_PERSONAL_DATA, Role, has_role
from shebao.users.models import User

SESSION_COOKIE = "shebao_session"
SESSION_MAX_AGE = 8 * 3600          # a working day: log in again the next morning
IDLE_TIMEOUT = 30 * 60              # 30 minutes without a request ends the session
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Which roles may open which part of the workbench (administrators pass everywhere).
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "dashboard": frozenset(Role),
    "queue": frozenset({Role.REVIEWER, Role.AUDITOR, Role.ADMIN}),
    "cases": frozenset({Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.ADMIN}),
    "intake": frozenset({Role.CLERK, Role.ADMIN}),
    "decide": frozenset({Role.REVIEWER}),
    "persons": frozenset({Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.ANALYST, Role.ADMIN}),
    "notices": frozenset({Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.ADMIN}),
    "alerts": frozenset({Role.AUDITOR, Role.ADMIN}),
    "params": frozenset({Role.ANALYST, Role.AUDITOR, Role.ADMIN}),
    "params_edit": frozenset({Role.ADMIN}),
    "audit": frozenset({Role.AUDITOR, Role.ADMIN}),
    # the second wave's pages (each shown once its module exists: web/common.SECOND_WAVE_NAV)
    "linkage": frozenset({Role.REVIEWER, Role.AUDITOR, Role.ADMIN}),
    "transfers": frozenset({Role.CLERK, Role.REVIEWER, Role.ADMIN}),
    "injury": frozenset({Role.CLERK, Role.REVIEWER, Role.ADMIN}),
    "bills": frozenset({Role.REVIEWER, Role.AUDITOR, Role.ADMIN}),
    "documents": frozenset({Role.CLERK, Role.REVIEWER, Role.ADMIN}),
    "fund": frozenset({Role.ANALYST, Role.AUDITOR, Role.ADMIN}),
    "outreach": frozenset({Role.CLERK, Role.ANALYST, Role.ADMIN}),
}


class LoginRequired(Exception):
    """The page needs a logged-in staff member: the handler redirects to the login page."""

    def __init__(self, next_url: str = "/staff/"):
        self.next_url = next_url


class Forbidden(Exception):
    """The user's role may not open this page or do this action."""

    def __init__(self, message: str):
        self.message = message


class CsrfError(Exception):
    """A form arrived without the session's CSRF token (expired page, or another site posting)."""


def session_secret() -> str:
    """The cookie-signing key: derived from the instance secret, distinct from the other keys."""
    from shebao.core.settings import get_settings

    secret = get_settings().resolve_secret()
    return hmac.new(secret, b"shebao-web-session-v1", hashlib.sha256).hexdigest()


def install(app: FastAPI) -> None:
    """Add the session middleware and let the API accept the staff session cookie."""
    from shebao.core.settings import get_settings

    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="strict",
        # Secure cookies in production (behind TLS); local development runs on plain http.
        https_only=get_settings().env == "production",
    )
    app.state.session_user_resolver = resolve_session_user


def _cookie_session(request: Request) -> dict[str, Any] | None:
    return request.scope.get("session") if "session" in request.scope else None


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use); forms carry it in a hidden field."""
    sess = _cookie_session(request)
    if sess is None:
        return ""
    token = sess.get("csrf")
    if not token:
        token = sess["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise :class:`CsrfError` unless ``submitted`` (or the header) matches the session's token."""
    sess = _cookie_session(request) or {}
    expected = sess.get("csrf")
    candidate = submitted or request.headers.get(CSRF_HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), str(candidate)):
        raise CsrfError()


def _session_user(request: Request, db: Session, *, touch: bool) -> User | None:
    sess = _cookie_session(request)
    if not sess or "uid" not in sess:
        return None
    now = int(time.time())
    if now - int(sess.get("login_at", 0)) > SESSION_MAX_AGE or now - int(sess.get("seen", 0)) > IDLE_TIMEOUT:
        sess.pop("uid", None)
        return None
    from shebao.users.service import session_is_live

    if not sess.get("sid") or not session_is_live(db, sid=str(sess["sid"]), user_id=int(sess["uid"])):
        sess.pop("uid", None)  # logged out (revoked on the server), expired, or from before sessions were kept
        return None
    user = db.get(User, sess["uid"])
    if user is None or user.disabled:
        sess.pop("uid", None)
        return None
    if touch:
        sess["seen"] = now
    return user


def resolve_session_user(request: Request, db: Session) -> User | None:
    """``app.state.session_user_resolver``: the API's user from the staff session cookie.

    A state-changing API call authenticated by the cookie must carry the CSRF header; without it
    the cookie is ignored (the call then needs a bearer token).
    """
    if request.method not in SAFE_METHODS:
        sess = _cookie_session(request) or {}
        header = request.headers.get(CSRF_HEADER) or ""
        if not sess.get("csrf") or not hmac.compare_digest(str(sess["csrf"]), header):
            return None
    return _session_user(request, db, touch=True)


def current_staff(request: Request, db: Session) -> User | None:
    """The logged-in staff member of a page request, or None."""
    user = _session_user(request, db, touch=True)
    if user is not None:
        db.info["actor"] = user.username
        db.info["actor_role"] = user.role
    return user


def login(request: Request, user: User, db: Session) -> None:
    """Start a fresh session for ``user`` (a new CSRF token: nothing carries over from before),
    recorded on the server so that logging out ends it for every copy of the cookie."""
    from shebao.users.service import start_session

    sess = _cookie_session(request)
    assert sess is not None, "SessionMiddleware 未安装"
    sess.clear()
    now = int(time.time())
    sid = start_session(db, user=user, max_age=SESSION_MAX_AGE)
    sess.update(uid=user.id, sid=sid, login_at=now, seen=now, csrf=secrets.token_urlsafe(32))


def logout(request: Request, db: Session | None = None) -> None:
    """End the session: revoked on the server (the cookie stops working everywhere), then cleared."""
    sess = _cookie_session(request)
    if sess is not None:
        if db is not None and sess.get("sid"):
            from shebao.users.service import end_session

            end_session(db, sid=str(sess["sid"]))
        sess.clear()


def allowed(user: User, area: str) -> bool:
    return has_role(user.role, *PAGE_ROLES[area])


def require(request: Request, db: Session, area: str) -> User:
    """The logged-in user, if their role may open ``area``; else redirect to login or refuse."""
    user = current_staff(request, db)
    if user is None:
        raise LoginRequired(request.url.path)
    if not allowed(user, area):
        roles = "、".join(ROLE_LABELS[r] for r in sorted(PAGE_ROLES[area] | {Role.ADMIN}, key=list(Role).index))
        raise Forbidden(f"您的角色（{ROLE_LABELS[Role(user.role)]}）无权使用此功能；需要：{roles}。")
    return user


def sees_full_personal_data(user: User) -> bool:
    return Role(user.role) in ROLES_SEEING_FULL_PERSONAL_DATA
