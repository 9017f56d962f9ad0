"""Demo staff accounts: one user per role, so that a newcomer can log in to the workbench.

``shebao demo`` creates them once (development only), with random passwords that are printed once
and written to ``$SHEBAO_HOME/demo-staff.txt`` (mode 0600). Running the demo again leaves the
accounts and the file alone.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from shebao.core.roles import ROLE_LABELS, Role
from shebao.users.service import add_user, get_user, set_password

STAFF_FILE_NAME = "demo-staff.txt"
# username → role; two reviewers, so that a case can be reviewed by two people.
DEMO_STAFF: dict[str, Role] = {
    "admin": Role.ADMIN,
    "clerk": Role.CLERK,
    "reviewer": Role.REVIEWER,
    "reviewer2": Role.REVIEWER,
    "auditor": Role.AUDITOR,
    "analyst": Role.ANALYST,
}


@dataclass
class DemoAccount:
    username: str
    role: Role
    password: str


def staff_file(home: Path) -> Path:
    return Path(home) / STAFF_FILE_NAME


def create_demo_staff(session: Session, home: Path) -> list[DemoAccount]:
    """Give every demo role a user with a password; return the accounts created now (else [])."""
    created: list[DemoAccount] = []
    for username, role in DEMO_STAFF.items():
        user = get_user(session, username)
        if user is not None and user.password_hash:
            continue
        password = secrets.token_urlsafe(12)
        if user is None:
            add_user(session, username=username, role=role.value, password=password,
                     display_name=f"演示{ROLE_LABELS[role]}")
        else:  # the demo administrator exists without a password (CLI only) until now
            set_password(session, username=username, password=password)
        created.append(DemoAccount(username, role, password))
    if created:
        _write_file(staff_file(home), created)
    return created


def _write_file(path: Path, accounts: list[DemoAccount]) -> None:
    lines = ["# shebao 演示环境工作人员账号（仅供演示；生产环境请用 shebao users add 建立账号）",
             "# 用户名\t角色\t密码"]
    if path.exists():  # keep the accounts written before (their passwords are not shown again)
        lines = path.read_text(encoding="utf-8").rstrip("\n").splitlines()
    lines += [f"{a.username}\t{ROLE_LABELS[a.role]}\t{a.password}" for a in accounts]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def accounts_text(accounts: list[DemoAccount], path: Path) -> str:
    """What the demo prints once: the accounts and where they are kept."""
    rows = "\n".join(f"  {a.username:<10} {ROLE_LABELS[a.role]:　<5} {a.password}" for a in accounts)
    return (f"工作人员登录 /staff/login（演示账号，密码只显示这一次，已保存到 {path}，仅本人可读）：\n{rows}")
