"""Helpers shared by the CLI modules: the acting user, sessions, JSON output, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import typer
from rich.console import Console

console = Console(stderr=True)
out = Console()


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent == -2 else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (UTF-8, not ASCII-escaped)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=json_default) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1) -> None:
    """Print a clear error in red on stderr and exit."""
    console.print(f"[red]错误：[/red]{message}", soft_wrap=True)  # one line, whatever the terminal width
    raise typer.Exit(code)


def read_text_input(path: str) -> str:
    """The text of a file path, or of ``-`` (stdin)."""
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        fail(f"文件不存在：{path}")


def json_error(exc: json.JSONDecodeError) -> str:
    return f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}"


def read_json_input(path: str) -> Any:
    """Read one JSON document from a file path or ``-`` (stdin)."""
    text = read_text_input(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(json_error(exc))


@contextmanager
def unit_of_work(as_user: str | None = None, source: str = "cli") -> Iterator[Any]:
    """Open a session as the acting user; commit on success, roll back on error.

    The CLI owns the transaction (services never commit). The acting user is ``--as``, else
    ``SHEBAO_USER``, else the demo administrator in development.
    """
    from shebao.core.db import session_scope
    from shebao.users.service import resolve_acting_user

    with session_scope() as session:
        user = resolve_acting_user(session, as_user)
        session.info["actor"] = user.username
        session.info["actor_role"] = user.role
        session.info["source"] = source
        yield session


AS_OPTION = typer.Option(None, "--as", help="以哪个用户身份执行（默认 SHEBAO_USER；开发环境为演示管理员 admin）")
