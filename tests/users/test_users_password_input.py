"""``users add`` / ``users password`` take the password from a hidden prompt or standard input (issue 16 item 8)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shebao.core.db import session_scope
from shebao.users.service import UserError, authenticate_password

SHEBAO = str(Path(sys.executable).with_name("shebao"))
REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([SHEBAO, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


def _can_log_in(username: str, password: str) -> bool:
    try:
        with session_scope() as s:
            authenticate_password(s, username=username, password=password)
        return True
    except UserError:
        return False


def test_password_from_standard_input(db) -> None:
    added = _run(["users", "add", "wang", "--role", "reviewer", "--password-stdin"], stdin="S3cure-pass-1\n")
    assert added.returncode == 0, added.stderr
    assert _can_log_in("wang", "S3cure-pass-1")
    changed = _run(["users", "password", "wang", "--password-stdin"], stdin="An0ther-pass\n")
    assert changed.returncode == 0, changed.stderr
    assert _can_log_in("wang", "An0ther-pass") and not _can_log_in("wang", "S3cure-pass-1")


def test_empty_standard_input_is_a_usage_error(db) -> None:
    result = _run(["users", "add", "li", "--role", "clerk", "--password-stdin"], stdin="")
    assert result.returncode == 2 and "标准输入" in result.stderr and "Traceback" not in result.stderr


def test_password_on_the_command_line_still_works_with_a_warning(db) -> None:
    result = _run(["users", "add", "zhao", "--role", "clerk", "--password", "S3cure-pass-2"])
    assert result.returncode == 0, result.stderr
    assert "进程列表" in result.stderr and "--password-stdin" in result.stderr
    assert _can_log_in("zhao", "S3cure-pass-2")


def test_no_password_in_a_script_means_tokens_only(db) -> None:
    result = _run(["users", "add", "api", "--role", "clerk"], stdin="")
    assert result.returncode == 0, result.stderr
    assert not _can_log_in("api", "")
    missing = _run(["users", "password", "api"], stdin="")
    assert missing.returncode == 2 and "--password-stdin" in missing.stderr


def _talk(args: list[str], answers: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run shebao on a pseudo-terminal, typing each answer when the next prompt appears."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.environ["PYTHONPATH"] = str(REPO)
        os.execv(SHEBAO, [SHEBAO, *args])
    seen = b""
    deadline = time.monotonic() + timeout
    pending = list(answers)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if pending and seen.rstrip().endswith(b":"):
                time.sleep(1.0)  # getpass switches echo off (and flushes the input) after the prompt shows
                os.write(fd, (pending.pop(0) + "\n").encode())
                seen += b"\n"
    else:
        os.kill(pid, 15)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_password_from_a_hidden_prompt(db) -> None:
    code, screen = _talk(["users", "add", "qian", "--role", "auditor"], ["Pr0mpted-pass", "Pr0mpted-pass"])
    assert code == 0, screen
    assert "Pr0mpted-pass" not in screen  # not echoed
    assert _can_log_in("qian", "Pr0mpted-pass")


@pytest.mark.parametrize("flag", ["--password-stdin"])
def test_the_password_is_not_in_the_process_list(db, flag) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([SHEBAO, "users", "add", "sun", "--role", "clerk", flag], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes() if Path("/proc").is_dir() else b""
        assert b"S3cure" not in cmdline
        proc.communicate(b"S3cure-pass-3\n", timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and _can_log_in("sun", "S3cure-pass-3")
