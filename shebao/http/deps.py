"""Typed dependencies shared by every router and page: the database session, the current user, role checks.

    @router.get("/things")
    def things(session: SessionDep, user: CurrentUser): ...

    @router.post("/params", dependencies=[require_roles(Role.ADMIN)])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from shebao.core.db import session_scope
from shebao.core.roles import Role, has_role
from shebao.users.models import User
from shebao.users.service import user_for_token

_bearer = HTTPBearer(auto_error=False, description="API 令牌：shebao users token NAME")


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    with session_scope(request.app.state.engine) as session:
        client = request.client.host if request.client else "unknown"
        session.info["source"] = f"api:{client}"
        yield session


# "function" scope: the commit happens before the response is sent, so that a client reading
# right after a write sees it, and a failed commit is answered with an error, not a 201.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def authenticate(request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None) -> User | None:
    """The user of the bearer token, or the staff session cookie's user, or None; the session acts as them."""
    user: User | None = None
    if credentials is not None:
        user = user_for_token(session, credentials.credentials)
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "令牌无效或已停用",
                                headers={"WWW-Authenticate": "Bearer"})
    else:
        resolver = getattr(request.app.state, "session_user_resolver", None)
        if resolver is not None:
            user = resolver(request, session)
    if user is not None:
        session.info["actor"] = user.username
        session.info["actor_role"] = user.role
    return user


def get_optional_user(request: Request, session: SessionDep, credentials: BearerCredentials) -> User | None:
    """The user of the bearer token, or the staff session cookie's user, or None."""
    return authenticate(request, session, credentials)


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser) -> User:
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "需要登录或 API 令牌", headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def check_roles(user: User | None, roles: tuple[Role | str, ...]) -> User:
    """401 without a user, 403 unless the user has one of ``roles`` (administrators always pass)."""
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "需要登录或 API 令牌", headers={"WWW-Authenticate": "Bearer"})
    allowed = {Role(r) for r in roles} | {Role.ADMIN}
    if not has_role(user.role, *roles):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"权限不足：需要角色 {'、'.join(sorted(r.value for r in allowed))}")
    return user


def require_roles(*roles: Role | str):
    """A dependency that lets only the given roles through (administrators always pass)."""

    def check(user: CurrentUser) -> User:
        return check_roles(user, roles)

    return Depends(check)
