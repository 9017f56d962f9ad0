"""Staff roles and what each may do. Role checks in the API and CLI use these names."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"          # 经办员: takes in applications, answers citizens
    REVIEWER = "reviewer"    # 复核员: decides cases in the review queue
    AUDITOR = "auditor"      # 稽核员: triages alerts, reads and verifies the audit log
    ANALYST = "analyst"      # 数据分析员: statistics and projections, masked data only
    ADMIN = "admin"          # 系统管理员: users, parameters


ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: "经办员",
    Role.REVIEWER: "复核员",
    Role.AUDITOR: "稽核员",
    Role.ANALYST: "数据分析员",
    Role.ADMIN: "系统管理员",
}

# Roles that need personal data in full for their work; every such view is audit-logged.
ROLES_SEEING_FULL_PERSONAL_DATA: frozenset[Role] = frozenset({Role.CLERK, Role.REVIEWER, Role.AUDITOR})


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        choices = "、".join(r.value for r in Role)
        raise ValueError(f"未知角色 {value!r}，可选：{choices}") from exc


def has_role(role: Role | str | None, *allowed: Role | str, admin_passes: bool = True) -> bool:
    """The one role check: whether ``role`` is one of ``allowed``.

    Administrators pass every check unless ``admin_passes`` is false (a decision that needs the
    role itself, e.g. reviewing a case: four eyes, not an administrator's override). An unknown or
    missing role never passes. The API's ``require_roles``, the pages' guards, the CLI's checks and
    the domains' own checks (``session.info["actor_role"]``) all call this.
    """
    try:
        actual = Role(role) if role else None
    except ValueError:
        return False
    if actual is None:
        return False
    if admin_passes and actual is Role.ADMIN:
        return True
    return actual in {Role(r) for r in allowed}


def role_of(session) -> str | None:
    """The acting role of a unit of work (set with the actor when the session starts)."""
    return session.info.get("actor_role")
