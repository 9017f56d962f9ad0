"""Outputs of the users domain: a staff user as the API shows it (no password, no token)."""

from __future__ import annotations

from pydantic import BaseModel

from shebao.core.roles import ROLE_LABELS, Role
from shebao.users.models import User


class UserRead(BaseModel):
    username: str
    role: str
    role_label: str

    @classmethod
    def of(cls, user: User) -> UserRead:
        return cls(username=user.username, role=user.role, role_label=ROLE_LABELS[Role(user.role)])
