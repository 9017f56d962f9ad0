"""A fresh machine never shows a traceback (issue 14 item 5; issue 16 item 8, lost connection).

Every command's ``--help`` example runs as a user would type it, in a real process, on an empty
SHEBAO_HOME: no traceback, a failure is one line ``错误：…`` on stderr (exit 1, 2 for usage), and
with ``--json`` stdout holds only JSON. The embedded database gets its schema on first use; a
PostgreSQL one without it stops with one line naming ``shebao db upgrade``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED, TEST_SECRET

SHEBAO = str(Path(sys.executable).with_name("shebao"))
EXAMPLE_PREFIXES = ("示例：", "例：")


def _commands():
    import typer

    from shebao.cli import _register, app

    _register()

    def walk(cmd, path):
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, cmd

    return list(walk(typer.main.get_command(app), []))


def _examples() -> list[tuple[str, str]]:
    found = []
    for path, cmd in _commands():
        for line in (cmd.help or "").splitlines():
            line = line.strip()
            for prefix in EXAMPLE_PREFIXES:
                if line.startswith(prefix):
                    found.append((" ".join(path), line[len(prefix):].strip()))
    return found


EXAMPLES = _examples()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEBAO_")}
    env.update(SHEBAO_HOME=str(home), SHEBAO_SECRET_KEY=TEST_SECRET, PYTHONPATH=str(REPO), COLUMNS="100")
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runnable(example: str) -> str:
    """The example as a shell line for this machine: small sizes, the shared corpus, this shebao."""
    line = re.sub(r"--persons \d+", "--persons 200", example)
    line = line.replace("../shared/", f"{SHARED}/")
    return re.sub(r"(^|\| )shebao ", lambda m: f"{m.group(1)}{shlex.quote(SHEBAO)} ", line)


def _assert_clean(example: str, code: int, stdout: str, stderr: str) -> None:
    shown = f"{example}\nexit {code}\n--- stdout\n{stdout[-2000:]}\n--- stderr\n{stderr[-2000:]}"
    assert "Traceback" not in stdout + stderr, shown
    assert code in (0, 1, 2), shown
    if code == 1:
        last = [line for line in stderr.splitlines() if line.strip()][-1]
        assert last.startswith("错误：") or last.startswith("无效"), shown
    if "--json" in example.split() or "--batch" in example.split():
        for line in stdout.splitlines():
            if line.strip():
                json.loads(line)  # stdout carries only JSON


def test_every_command_has_a_help_example() -> None:
    missing = [" ".join(path) for path, cmd in _commands()
               if not any(p in (cmd.help or "") for p in EXAMPLE_PREFIXES)]
    assert not missing, f"命令帮助缺少示例：{missing}"


# Commands that may run for minutes on real data (an index over the whole legal corpus with
# embeddings, model training): they run until this many seconds, then are stopped; what they printed
# until then must hold no traceback either.
SHORT_TIMEOUT = {"kb build": 15, "kb eval": 15, "ask": 15, "model train screening": 60,
                 "model train applications": 60, "audit witness-serve": 10}
SERVERS = ("serve",)


@pytest.mark.parametrize(("command", "example"), EXAMPLES, ids=[f"{c}#{i}" for i, (c, _) in enumerate(EXAMPLES)])
def test_help_example_on_an_empty_home_shows_no_traceback(command, example, tmp_path) -> None:
    home = tmp_path / "home"  # not created: a fresh machine
    if command in SERVERS or (command == "demo" and "--no-serve" not in example):
        _run_server_example(example, tmp_path, home)
        return
    code, stdout, stderr = _run_with_timeout(_runnable(example), tmp_path, home, SHORT_TIMEOUT.get(command, 300))
    if code is None:  # stopped at its timeout: only the absence of a traceback is checked
        assert "Traceback" not in stdout + stderr, f"{example}\n{stderr[-3000:]}"
        return
    _assert_clean(example, code, stdout, stderr)


def _run_with_timeout(line: str, cwd: Path, home: Path, timeout: float) -> tuple[int | None, str, str]:
    proc = subprocess.Popen(line, shell=True, cwd=cwd, env=_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        return None, out, err


def _run_server_example(example: str, cwd: Path, home: Path) -> None:
    port = _free_port()
    line = re.sub(r"--port \d+", f"--port {port}", _runnable(example))
    proc = subprocess.Popen(line, shell=True, cwd=cwd, env=_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, proc.communicate()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert "Traceback" not in out + err, err[-3000:]


# --- the schema on first use -------------------------------------------------------------------------

def _shebao(args: list[str], home: Path, cwd: Path, stdin: str | None = None, **env: str):
    return subprocess.run([SHEBAO, *args], cwd=cwd, env=_env(home, **env), capture_output=True, text=True,
                          input=stdin, timeout=600)


def test_load_and_screen_work_on_a_fresh_home_without_db_upgrade(tmp_path) -> None:
    home = tmp_path / "home"
    synth = _shebao(["synth", "--persons", "120", "--seed", "3", "--out", str(tmp_path / "data"),
                     "--as-of", "2026-06-30"], home, tmp_path)
    assert synth.returncode == 0, synth.stderr
    assert not (home / "shebao.db").exists()  # generating data needs no database

    load = _shebao(["load", str(tmp_path / "data"), "--json"], home, tmp_path)
    assert load.returncode == 0, load.stderr
    summary = json.loads(load.stdout)  # stdout is the JSON object, nothing else
    assert summary["loaded"]["persons"] > 0
    notices = [line for line in load.stderr.splitlines() if "数据库结构" in line]
    assert len(notices) == 1 and str(home / "shebao.db") in notices[0], load.stderr

    screen = _shebao(["screen", "--as-of", "2026-06-30", "--out", str(tmp_path / "alerts.csv"), "--json"],
                     home, tmp_path)
    assert screen.returncode == 0, screen.stderr
    assert json.loads(screen.stdout)["input_rows"] > 0
    assert "数据库结构" not in screen.stderr  # upgraded once, not again


def test_fresh_database_named_by_url_is_upgraded_and_screen_works_first(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'agency.db'}"
    (tmp_path / "elsewhere").mkdir()
    screen = _shebao(["screen", "--as-of", "2026-06-30", "--out", str(tmp_path / "a.csv"), "--json"],
                     tmp_path / "home", tmp_path, SHEBAO_DATABASE_URL=url)
    assert screen.returncode == 0, screen.stderr
    assert json.loads(screen.stdout)["alerts"] == 0
    assert f"{tmp_path / 'elsewhere' / 'agency.db'}" in screen.stderr
    stats = _shebao(["stats", "--json"], tmp_path / "home", tmp_path, SHEBAO_DATABASE_URL=url)
    assert stats.returncode == 0 and "数据库结构" not in stats.stderr, stats.stderr
    json.loads(stats.stdout)


def test_a_database_migrated_by_a_newer_version_is_left_alone(tmp_path) -> None:
    import sqlite3

    home = tmp_path / "home"
    assert _shebao(["db", "upgrade"], home, tmp_path).returncode == 0
    with sqlite3.connect(home / "shebao.db") as conn:
        conn.execute("INSERT INTO alembic_version VALUES ('zz_from_the_future_0001')")
    listed = _shebao(["users", "list"], home, tmp_path)
    assert listed.returncode == 0 and "数据库结构" not in listed.stderr, listed.stderr


def test_postgresql_without_schema_stops_with_one_line(tmp_path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("未设置 TEST_DATABASE_URL：跳过 PostgreSQL")
    name = f"shebao_fresh_{os.getpid()}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        listed = _shebao(["users", "list"], tmp_path / "home", tmp_path, SHEBAO_DATABASE_URL=url)
        assert listed.returncode == 1
        lines = [line for line in listed.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("错误：") and "shebao db upgrade" in lines[0], listed.stderr
        upgraded = _shebao(["db", "upgrade"], tmp_path / "home", tmp_path, SHEBAO_DATABASE_URL=url)
        assert upgraded.returncode == 0, upgraded.stderr
        listed = _shebao(["users", "list"], tmp_path / "home", tmp_path, SHEBAO_DATABASE_URL=url)
        assert listed.returncode == 0 and "admin" in listed.stdout + listed.stderr, listed.stderr
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- a user's mistakes: one line, the traceback only on request ----------------------------------------

@pytest.mark.parametrize(("args", "stdin", "code", "words"), [
    (["benefits", "show", "B000000001", "--json"], None, 1, "待遇不存在"),           # nothing there yet
    (["load", "no-such-folder"], None, 1, "no-such-folder"),                         # a bad folder
    (["screen", "--as-of", "2026-13-40"], None, 2, "YYYY-MM-DD"),                   # a bad date
    (["params", "show", "pension.base", "--on", "2025-02-30"], None, 1, "日期无效"),  # a date that does not exist
    (["calc", "pension", "-"], "{not json", 1, "JSON"),                              # a bad file
    (["calc", "pension", "-"], "{}", 1, ""),                                         # missing parameters
    (["reviews", "claim", "--as", "admin"], None, 1, "复核员"),                      # the wrong role
    (["users", "list", "--as", "nobody"], None, 1, "nobody"),                        # an unknown user
], ids=["missing-record", "bad-folder", "bad-date", "no-such-day", "bad-json", "missing-fields", "wrong-role", "unknown-user"])
def test_user_mistakes_are_one_line(args, stdin, code, words, tmp_path) -> None:
    result = _shebao(args, tmp_path / "home", tmp_path, stdin=stdin)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == code, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(errors) == 1 and words in errors[0], result.stderr


def test_usage_error_exits_2_without_traceback(tmp_path) -> None:
    result = _shebao(["load"], tmp_path / "home", tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_debug_flag_and_setting_show_the_traceback(tmp_path) -> None:
    args = ["benefits", "show", "B000000001"]
    plain = _shebao(args, tmp_path / "home", tmp_path)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    flagged = _shebao([*args, "--debug"], tmp_path / "home", tmp_path)
    assert flagged.returncode == 1 and "Traceback" in flagged.stderr and "BenefitError" in flagged.stderr
    assert flagged.stderr.rstrip().splitlines()[-1].startswith("错误：")
    by_setting = _shebao(args, tmp_path / "home", tmp_path, SHEBAO_DEBUG="1")
    assert by_setting.returncode == 1 and "Traceback" in by_setting.stderr


def test_bad_settings_are_one_line(tmp_path) -> None:
    bad_env = _shebao(["users", "list"], tmp_path / "home", tmp_path, SHEBAO_ENV="staging")
    assert bad_env.returncode == 1 and bad_env.stderr.startswith("错误：配置无效：SHEBAO_ENV"), bad_env.stderr
    bad_url = _shebao(["users", "list"], tmp_path / "home", tmp_path, SHEBAO_DATABASE_URL="nosuchdb://x")
    assert bad_url.returncode == 1 and "SHEBAO_DATABASE_URL" in bad_url.stderr, bad_url.stderr
    production = _shebao(["users", "list"], tmp_path / "home", tmp_path, SHEBAO_ENV="production",
                         SHEBAO_SECRET_KEY="")
    assert production.returncode == 1 and "Traceback" not in production.stderr, production.stderr


# --- a lost database connection ------------------------------------------------------------------------

def _closing_server() -> tuple[int, threading.Event]:
    """A TCP server that accepts every connection and drops it at once (a database that went away)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.close()
        sock.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1], stop


def test_a_database_that_drops_the_connection_is_one_line(tmp_path) -> None:
    port, stop = _closing_server()
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/shebao?connect_timeout=5"
        result = _shebao(["users", "list"], tmp_path / "home", tmp_path, SHEBAO_DATABASE_URL=url)
    finally:
        stop.set()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "连接" in lines[0] and "SHEBAO_DATABASE_URL" in lines[0], result.stderr


def test_a_connection_lost_in_the_middle_is_described(tmp_path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from shebao.cli.common import describe_error

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("未设置 TEST_DATABASE_URL：跳过 PostgreSQL")
    engine = create_engine(base)
    killer = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with killer.connect() as k:
                k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as caught:
                conn.execute(text("SELECT 1"))
        message, code = describe_error(caught.value)
    finally:
        engine.dispose()
        killer.dispose()
    assert code == 1 and "连接" in message and "\n" not in message, message


def test_with_json_stdout_holds_only_the_json_whoever_prints(tmp_path) -> None:
    """Libraries that print to stdout themselves (from Python or C) end up on stderr under --json."""
    program = (
        "import os, sys, typer\n"
        "from shebao.cli import app, main\n"
        "from shebao.cli.common import print_json\n"
        "@app.command('noisy')\n"
        "def noisy(json_out: bool = typer.Option(False, '--json')) -> None:\n"
        "    print('a stray print')\n"
        "    os.write(1, b'[LightGBM] [Warning] from C\\n')\n"
        "    print_json({'ok': True})\n"
        "    print_json({'ok': 2})\n"
        "sys.argv = ['shebao', 'noisy', '--json']\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", program], env=_env(tmp_path / "home"), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"ok": True}, {"ok": 2}]
    assert "a stray print" in result.stderr and "from C" in result.stderr


def test_commands_started_together_on_a_fresh_home_both_work(tmp_path) -> None:
    home = tmp_path / "home"
    # (audit verify only reads: the race under test is the migration's, not the demo administrator's creation)
    procs = [subprocess.Popen([SHEBAO, "audit", "verify"], cwd=tmp_path, env=_env(home), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert code == 0 and "Traceback" not in err, err
    assert sum("已建立数据库结构" in err for _, _, err in results) == 1


def test_error_lines_mask_identifiers_but_keep_record_codes(tmp_path) -> None:
    from shebao.cli.common import mask_keeping_codes

    line = mask_keeping_codes("申请不存在：YL2025093000123；身份证 11010519491231002X；卡 6222021234567890128")
    assert "YL2025093000123" in line and "11010519491231002X" not in line and "6222021234567890128" not in line
    shown = _shebao(["users", "list", "--as", "11010519491231002X"], tmp_path / "home", tmp_path)
    assert shown.returncode == 1 and "11010519491231002X" not in shown.stderr and "110105" in shown.stderr


def test_driver_errors_not_wrapped_by_sqlalchemy_are_described_too() -> None:
    import sqlite3

    import psycopg

    from shebao.cli.common import describe_error

    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect(":memory:").execute("SELECT * FROM persons")
    assert "shebao db upgrade" in describe_error(missing.value)[0]
    port, stop = _closing_server()
    try:
        with pytest.raises(psycopg.OperationalError) as refused:
            psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/x", connect_timeout=5)
    finally:
        stop.set()
    message, code = describe_error(refused.value)
    assert code == 1 and "连接" in message and "SHEBAO_DATABASE_URL" in message
