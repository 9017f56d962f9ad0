"""``shebao users add|list|set-role|disable|password|token``."""

from __future__ import annotations

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail
from shebao.core.roles import Role, has_role, role_of

users_app = typer.Typer(help="用户与角色：经办员 clerk、复核员 reviewer、稽核员 auditor、分析员 analyst、管理员 admin。",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")


def _admin_session(as_user: str | None):
    from shebao.cli.common import unit_of_work

    return unit_of_work(as_user)


PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="从标准输入读取密码（第一行），不出现在命令行与进程列表中")
PASSWORD_ON_COMMAND_LINE = typer.Option(None, "--password", hidden=True,
                                        help="已不推荐：命令行上的密码会出现在进程列表和 shell 历史中")


def _read_password(from_stdin: bool, on_command_line: str | None, *, required: bool) -> str | None:
    """The password from standard input, a hidden prompt, or (discouraged) the command line.

    Without ``--password-stdin`` a terminal is asked twice with the input hidden; a script that
    pipes nothing in gets no password (``required=False``: the user works with API tokens only).
    """
    import sys

    if on_command_line is not None:
        console.print("[yellow]警告[/yellow]：--password 会让密码出现在进程列表和 shell 历史中；"
                      "请改用 --password-stdin 或交互输入", soft_wrap=True)
        return on_command_line
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail("标准输入中没有密码（--password-stdin 读取第一行）", code=2)
        return line
    if sys.stdin.isatty():
        prompt = "登录密码（至少 8 位）" if required else "登录密码（至少 8 位；直接回车则只能用 API 令牌）"
        value = typer.prompt(prompt, hide_input=True, confirmation_prompt="再输入一次",
                             default="" if not required else None, show_default=False, err=True)
        return value or None
    if required:
        fail("请交互输入密码，或用 --password-stdin 从标准输入提供", code=2)
    return None


def _require_admin(session) -> None:
    if not has_role(role_of(session), Role.ADMIN):
        fail("只有系统管理员（admin）可以管理用户")


@users_app.command("add")
def add(
    username: str,
    role: str = typer.Option(..., "--role", help="clerk | reviewer | auditor | analyst | admin"),
    display_name: str = typer.Option("", "--name", help="显示名称"),
    password_stdin: bool = PASSWORD_STDIN,
    password: str | None = PASSWORD_ON_COMMAND_LINE,
    as_user: str | None = AS_OPTION,
) -> None:
    """新增用户。密码在终端里交互输入（不回显），或用 --password-stdin 从标准输入读取；都没有时只能用 API 令牌。

    示例：echo 'S3cure-pass' | shebao users add wang --role reviewer --name 王复核 --password-stdin
    """
    from shebao.users.service import UserError, add_user

    password = _read_password(password_stdin, password, required=False)
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
def password(username: str, password_stdin: bool = PASSWORD_STDIN,
             on_command_line: str | None = PASSWORD_ON_COMMAND_LINE, as_user: str | None = AS_OPTION) -> None:
    """设置用户密码（Argon2id 哈希保存）：终端里交互输入（不回显），或用 --password-stdin 从标准输入读取。

    示例：echo 'S3cure-pass' | shebao users password wang --password-stdin
    """
    from shebao.users.service import UserError, set_password

    new_password = _read_password(password_stdin, on_command_line, required=True)
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
