"""System routes: health, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from shebao import __version__
from shebao.http.deps import CurrentUser
from shebao.users.schemas import UserRead as Me

router = APIRouter(prefix="/api/v1", tags=["系统"])


class Health(BaseModel):
    status: str
    version: str
    database: str


@router.get("/health", response_model=Health, summary="健康检查")
def health(request: Request) -> Health:
    from shebao.api.app import check_database

    try:
        check_database(request.app)
        db = "ok"
    except Exception:  # the health check reports the database state instead of failing
        db = "unavailable"
    return Health(status="ok" if db == "ok" else "degraded", version=__version__, database=db)


@router.get("/me", response_model=Me, summary="当前用户")
def me(user: CurrentUser) -> Me:
    return Me.of(user)
