"""``shebao users add|list|set-role|disable|password|token``."""

from __future__ import annotations

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail

users_app = typer.Typer(help="用户与角色：经办员 clerk、复核员 reviewer、稽核员 auditor、分析员 analyst、管理员 admin。",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")


def _admin_session(as_user: str | None):
    from shebao.cli.common import unit_of_work

    return unit_of_work(as_user)


def _require_admin(session) -> None:
    if session.info.get("actor_role") != "admin":
        fail("只有系统管理员（admin）可以管理用户")


@users_app.command("add")
def add(
    username: str,
    role: str = typer.Option(..., "--role", help="clerk | reviewer | auditor | analyst | admin"),
    display_name: str = typer.Option("", "--name", help="显示名称"),
    password: str | None = typer.Option(None, "--password", help="登录密码（至少 8 位；省略则只能用 API 令牌）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """新增用户。

    示例：shebao users add wang --role reviewer --name 王复核 --password 'S3cure-pass'
    """
    from shebao.users.service import UserError, add_user

    try:
        with _admin_session(as_user) as session:
            _require_admin(session)
            add_user(session, username=username, role=role, password=password, display_name=display_name)
    except (UserError, ValueError) as exc:
        fail(str(exc))
    console.print(f"[green]已新增用户[/green] {username}（{role}）")


@users_app.command("list")
def list_(as_user: str | None = AS_OPTION) -> None:
    """列出用户。

    示例：shebao users list
    """
    from rich.table import Table

    from shebao.core.roles import ROLE_LABELS, Role
    from shebao.users.service import list_users

    with _admin_session(as_user) as session:
        users = list_users(session)
        table = Table(title="用户")
        for col in ("用户名", "名称", "角色", "状态"):
            table.add_column(col)
        for u in users:
            table.add_row(u.username, u.display_name, f"{u.role}（{ROLE_LABELS[Role(u.role)]}）",
                          "停用" if u.disabled else "正常")
    console.print(table)


@users_app.command("set-role")
def set_role_(username: str, role: str, as_user: str | None = AS_OPTION) -> None:
    """修改用户角色。

    示例：shebao users set-role wang auditor
    """
    from shebao.users.service import UserError, set_role

    try:
        with _admin_session(as_user) as session:
            _require_admin(session)
            set_role(session, username=username, role=role)
    except (UserError, ValueError) as exc:
        fail(str(exc))
    console.print(f"[green]{username} 的角色已改为 {role}[/green]")


@users_app.command("disable")
def disable(username: str, as_user: str | None = AS_OPTION) -> None:
    """停用用户（并吊销其 API 令牌）。

    示例：shebao users disable wang
    """
    from shebao.users.service import UserError, disable_user

    try:
        with _admin_session(as_user) as session:
            _require_admin(session)
            disable_user(session, username=username)
    except UserError as exc:
        fail(str(exc))
    console.print(f"[green]已停用[/green] {username}")


@users_app.command("password")
def password(username: str, new_password: str = typer.Option(..., "--password", prompt=True, hide_input=True),
             as_user: str | None = AS_OPTION) -> None:
    """设置用户密码（Argon2id 哈希保存）。

    示例：shebao users password wang --password 'S3cure-pass'
    """
    from shebao.users.service import UserError, set_password

    try:
        with _admin_session(as_user) as session:
            _require_admin(session)
            set_password(session, username=username, password=new_password)
    except UserError as exc:
        fail(str(exc))
    console.print("[green]密码已更新[/green]")


@users_app.command("token")
def token(username: str, label: str = typer.Option("", "--label", help="令牌用途说明"),
          as_user: str | None = AS_OPTION) -> None:
    """为 API 客户端签发令牌（只显示这一次；库中只存其哈希）。

    示例：shebao users token wang --label 批量接口
    """
    from shebao.users.service import UserError, issue_token

    try:
        with _admin_session(as_user) as session:
            _require_admin(session)
            value = issue_token(session, username=username, label=label)
    except UserError as exc:
        fail(str(exc))
    typer.echo(value)
