"""Helpers shared by the CLI modules: the acting user, sessions, JSON output, errors."""

from __future__ import annotations

import json
import re
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


_JSON_STDOUT: dict[str, Any] = {"stream": None}


def reserve_stdout_for_json() -> None:
    """Keep the real stdout for :func:`print_json` only; everything else written to it goes to stderr.

    With ``--json`` stdout must carry only JSON. Moving file descriptor 1 onto stderr also catches
    what libraries print themselves, from Python or from C (LightGBM, Spark, a stray print).
    """
    import os

    if _JSON_STDOUT["stream"] is not None:
        return
    sys.stdout.flush()
    kept = os.dup(1)
    os.dup2(2, 1)
    _JSON_STDOUT["stream"] = os.fdopen(kept, "w", encoding="utf-8", closefd=True)


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (UTF-8, not ASCII-escaped)."""
    stream = _JSON_STDOUT["stream"] or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False, default=json_default) + "\n")
    stream.flush()


def mask_keeping_codes(message: str) -> str:
    """Mask ID and card numbers in an error line, but keep record codes such as ``YL2025093000123``.

    The user needs the code to find the record; a code starts with letters, an identifier does not.
    """
    from shebao.core.crypto import mask_text

    parts = re.split(r"([A-Za-z]+\d+)", message)
    return "".join(part if i % 2 else mask_text(part) for i, part in enumerate(parts))


DEBUG = {"on": False}  # --debug / SHEBAO_DEBUG=1, set by shebao.cli.main


def fail(message: str, code: int = 1) -> None:
    """Print a clear error in red on stderr, on one line (never wrapped), and exit.

    With ``--debug`` the exception being handled, if any, is printed first.
    """
    from rich.markup import escape

    if DEBUG["on"] and sys.exc_info()[1] is not None:
        import traceback

        traceback.print_exc(file=sys.stderr)
    console.print(f"[red]错误：[/red]{escape(mask_keeping_codes(message))}", soft_wrap=True)
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


# --- errors: one line in Chinese, no traceback ------------------------------------------------------
#
# ``shebao.cli.main`` catches whatever a command lets escape and prints one line naming what is wrong
# and what to do; ``--debug`` (or SHEBAO_DEBUG=1) shows the traceback as well. The domains raise
# errors whose messages are already written for the user (ValueError subclasses in Chinese); the
# rest (database, files, encodings) are translated here.

def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else ""


def _database_error(exc: Exception) -> str | None:
    from sqlalchemy import exc as sa_exc

    raw_driver_error = type(exc).__module__.split(".")[0] in ("psycopg", "psycopg2", "sqlite3")  # not wrapped
    if not (raw_driver_error or isinstance(exc, sa_exc.DBAPIError | sa_exc.ArgumentError | sa_exc.NoSuchModuleError)):
        return None
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return f"数据库地址无效（SHEBAO_DATABASE_URL）：{_first_line(exc)}"
    orig = getattr(exc, "orig", None) or exc
    detail = _first_line(orig)
    lowered = detail.lower()
    missing = re.search(r'no such table: (\S+)|relation "([^"]+)" does not exist', detail)
    if missing:
        table = missing.group(1) or missing.group(2)
        return f"数据库缺少表 {table}（结构未建立或不是最新）：请运行 shebao db upgrade"
    if "no such column" in lowered or ("column" in lowered and "does not exist" in lowered):
        return f"数据库结构不是最新（{detail}）：请运行 shebao db upgrade"
    if "unable to open database file" in lowered:
        return "无法打开 SQLite 数据库文件：请检查 SHEBAO_HOME / SHEBAO_DATABASE_URL 指向的目录是否存在且可写"
    if "database is locked" in lowered:
        return "SQLite 数据库被另一个进程锁住：请稍后重试，或等待正在运行的命令结束"
    if "readonly database" in lowered or "read-only" in lowered:
        return "数据库只读：请检查数据库文件的权限"
    if "password authentication failed" in lowered or ("database" in lowered and "does not exist" in lowered):
        return f"无法登录数据库（{detail}）：请检查 SHEBAO_DATABASE_URL 中的用户、密码和库名"
    if getattr(exc, "connection_invalidated", False) or isinstance(exc, sa_exc.InterfaceError) or any(
        marker in lowered for marker in (
            "connection refused", "could not connect", "connection failed", "server closed the connection",
            "terminating connection", "connection is closed", "the connection is lost", "timeout expired",
            "could not translate host name", "name or service not known", "no route to host",
            "ssl connection has been closed", "consuming input failed", "connection to server",
        )
    ):
        return f"与数据库的连接失败或中断（{detail}）：请检查数据库服务是否运行、SHEBAO_DATABASE_URL 是否正确，然后重试"
    if isinstance(exc, sa_exc.IntegrityError) or type(orig).__name__ in ("IntegrityError", "UniqueViolation"):
        return f"数据与已有记录冲突（{detail}）：请检查输入是否重复"
    return f"数据库错误（{detail}）：请检查数据库，或加 --debug 查看详细信息"


_DATE_ERRORS = re.compile(r"out of range for month|must be in \d+\.\.\d+|Invalid isoformat string|"
                          r"does not match format|unconverted data remains|year \d+ is out of range")


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The one-line Chinese message and exit code for an error a command let escape."""
    import errno

    from shebao.core.db import SchemaNotReady
    from shebao.core.settings import ConfigurationError

    if isinstance(exc, KeyboardInterrupt):
        return "已中断", 130
    if isinstance(exc, SchemaNotReady | ConfigurationError):
        return str(exc), 1
    if isinstance(exc, Exception):
        db_message = _database_error(exc)
        if db_message is not None:
            return db_message, 1
    try:
        from pydantic import ValidationError
    except ImportError:  # pragma: no cover - pydantic is a dependency
        ValidationError = ()  # type: ignore[assignment,misc]
    if isinstance(exc, ValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())) or "输入"
        if exc.title == "Settings":
            return f"配置无效：SHEBAO_{where.upper()}：{first.get('msg', '')}", 1
        return f"输入无效：字段 {where}：{first.get('msg', '')}", 1
    if isinstance(exc, UnicodeDecodeError):
        return f"文件编码无法识别（{exc.encoding}，第 {exc.start} 字节）：请另存为 UTF-8 后重试", 1
    if isinstance(exc, FileNotFoundError):
        return f"文件或目录不存在：{exc.filename or _first_line(exc)}", 1
    if isinstance(exc, IsADirectoryError):
        return f"需要文件，却给了目录：{exc.filename}", 1
    if isinstance(exc, NotADirectoryError):
        return f"需要目录，却给了文件：{exc.filename}", 1
    if isinstance(exc, PermissionError) and exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有权限访问：{exc.filename or _first_line(exc)}", 1
    if isinstance(exc, PermissionError):  # the domains' role checks
        return f"权限不足：{_first_line(exc)}", 1
    if isinstance(exc, OSError):
        return f"系统错误（{exc.strerror or _first_line(exc)}）：{exc.filename or ''}".rstrip("："), 1
    if isinstance(exc, ValueError | LookupError) and type(exc).__module__.startswith("shebao"):
        return _first_line(exc) or type(exc).__name__, 1  # the domains' errors speak Chinese already
    if isinstance(exc, ValueError) and _DATE_ERRORS.search(str(exc)):
        return f"日期无效（{_first_line(exc)}）：请填写真实存在的日期，格式 YYYY-MM-DD（月份 YYYY-MM）", 1
    if isinstance(exc, ValueError):
        return f"输入无效：{_first_line(exc)}", 1
    if isinstance(exc, ImportError):
        return f"缺少可选组件 {exc.name or ''}：{_first_line(exc)}（请安装对应的附加依赖）", 1
    if isinstance(exc, MemoryError):
        return "内存不足：请减小规模后重试", 1
    return f"内部错误 {type(exc).__name__}：{_first_line(exc)}（加 --debug 或设 SHEBAO_DEBUG=1 查看详细信息）", 1


def debug_requested(argv: list[str]) -> tuple[bool, list[str]]:
    """Whether ``--debug`` is among the arguments (before any ``--``) or SHEBAO_DEBUG is set; argv without it."""
    import os

    flag = os.environ.get("SHEBAO_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")
    cut = argv.index("--") if "--" in argv else len(argv)
    head = [a for a in argv[:cut] if a != "--debug"]
    return flag or len(head) != cut, head + argv[cut:]


AS_OPTION = typer.Option(None, "--as", help="以哪个用户身份执行（默认 SHEBAO_USER；开发环境为演示管理员 admin）")
