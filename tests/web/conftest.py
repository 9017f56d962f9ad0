"""Fixtures of the web tests: a real server on a free port over a synthetic registry, and Chromium.

The server is uvicorn in a subprocess (the application exactly as ``shebao serve`` runs it) over a
SQLite database migrated, filled by the synthetic generator and the loader, screened for alerts,
with one staff user per role and a knowledge base built from the shipped corpus. The browser is
Debian's Chromium driven by Playwright; the test tool never downloads one. Without Chromium the
browser tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SCREENSHOTS = REPO / "tests" / "screenshots"
CHROMIUM = Path(os.environ.get("SHEBAO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AS_OF = date(2026, 10, 31)
PASSWORD = "correct-horse-battery"
STAFF = {"clerk": "clerk", "reviewer": "reviewer", "reviewer2": "reviewer", "auditor": "auditor",
         "analyst": "analyst", "administrator": "admin"}
SECRET = "web-tests-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(home: Path, url: str) -> dict:
    """Migrate, load a synthetic registry, screen it, add the staff, build the knowledge base."""
    from shebao.assistant import kb
    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.migrations import upgrade
    from shebao.registry.loader import load_folder
    from shebao.risk.alerts import store_findings
    from shebao.risk.screening import screen_database
    from shebao.synth import generate
    from shebao.users.service import add_user

    get_settings.cache_clear()
    dispose_engines()
    upgrade(url)
    folder = home / "synth"
    generate(persons=400, seed=1, out=folder, as_of=AS_OF, progress=False)
    load_folder(folder)
    with session_scope() as session:
        result = screen_database(session, as_of=AS_OF)
        summary, _ = store_findings(session, result.findings, as_of=AS_OF)
        for username, role in STAFF.items():
            add_user(session, username=username, role=role, password=PASSWORD, display_name=f"测试{username}")
        applicants = _pension_applicants(session)
    corpus = SHARED / "corpus" / "laws"
    if corpus.is_dir():
        kb.build(corpus, embedder=None)  # lexical index: seconds instead of minutes, same citations
    dispose_engines()
    return {"alerts": summary.new, "folder": folder, "pension_applicants": applicants}


def _pension_applicants(session) -> list[dict]:
    """Persons of the registry who reached retirement age without a pension (they may apply)."""
    try:
        from shebao.cases.demo import candidates
    except ImportError:  # processing not installed: no application tests
        return []
    from shebao.registry.models import Person

    out = []
    for cand in candidates(session, AS_OF):
        if cand["kind"] == "pension":
            person = session.get(Person, cand["person_id"])
            out.append({"person_id": cand["person_id"], "bank_account": cand["bank_account"],
                        "id_number": person.id_number})
    return out


@pytest.fixture(scope="session")
def web_env(tmp_path_factory):
    """Environment of the server (a private SHEBAO_HOME and database), prepared once per run.

    The environment is changed only while preparing: the server gets it explicitly, and the other
    test modules of the run see theirs unchanged.
    """
    from shebao.core.db import dispose_engines
    from shebao.core.settings import get_settings

    home = tmp_path_factory.mktemp("webhome")
    url = f"sqlite:///{home / 'shebao.db'}"
    env = {"SHEBAO_HOME": str(home), "SHEBAO_SECRET_KEY": SECRET, "SHEBAO_ENV": "development",
           "SHEBAO_DATABASE_URL": url}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("SHEBAO_USER", raising=False)
        try:
            info = _prepare(home, url)
        finally:
            dispose_engines()
            get_settings.cache_clear()
    # A pristine copy for the fuzzer's server, taken before any test writes.
    seed = home.parent / f"{home.name}-fuzzseed"
    shutil.copytree(home, seed, ignore=shutil.ignore_patterns("synth", "server.log"))
    return {"home": home, "url": url, "env": env, "fuzz_seed": seed, **info}


def _start_server(env: dict[str, str], home: Path):
    """Start uvicorn on a free port over ``env``; return (process, base URL, log file)."""
    port = _free_port()
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "shebao.api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        # the login rate limits have tests of their own; a suite that logs in as many roles stays clear of them
        cwd=REPO, env={"SHEBAO_LOGIN_RATE_PER_IP": "1000", "SHEBAO_LOGIN_RATE_PER_USER": "1000", **os.environ, **env,
                       "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return proc, base, log
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail("服务未能启动：\n" + (home / "server.log").read_text(encoding="utf-8")[-3000:])
        time.sleep(0.2)


def _stop_server(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def server(web_env):
    """Base URL of a running server (uvicorn subprocess), stopped at the end of the run."""
    proc, base, log = _start_server(web_env["env"], web_env["home"])
    yield base
    _stop_server(proc, log)


@pytest.fixture(scope="session")
def fuzz_server(web_env):
    """A second server over its own copy of the prepared database, for the fuzzer to write into."""
    home = web_env["home"].parent / "fuzzhome"
    shutil.copytree(web_env["fuzz_seed"], home)
    env = {**web_env["env"], "SHEBAO_HOME": str(home), "SHEBAO_DATABASE_URL": f"sqlite:///{home / 'shebao.db'}"}
    proc, base, log = _start_server(env, home)
    yield {"base": base, "env": env, "home": home}
    _stop_server(proc, log)


@pytest.fixture(scope="session")
def far_server(web_env):
    """A server in Pacific/Kiritimati (UTC+14) over its own copy of the prepared database: a time printed
    as stored (UTC) is fourteen hours off there."""
    home = web_env["home"].parent / "farhome"
    shutil.copytree(web_env["fuzz_seed"], home)
    env = {**web_env["env"], "SHEBAO_HOME": str(home), "SHEBAO_DATABASE_URL": f"sqlite:///{home / 'shebao.db'}",
           "SHEBAO_TIMEZONE": "Pacific/Kiritimati"}
    proc, base, log = _start_server(env, home)
    yield {"base": base, "db": home / "shebao.db", "zone": env["SHEBAO_TIMEZONE"]}
    _stop_server(proc, log)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from the system (never downloaded by the test tool)."""
    if not CHROMIUM.exists():
        message = f"找不到 Chromium：{CHROMIUM}（apt-get install -y chromium）"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context (its own cookies) with the server as base URL."""
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.js_errors = errors
    outside: list[str] = []
    context.on("request", lambda req: outside.append(req.url)
               if not req.url.startswith((server, "data:", "blob:", "about:")) else None)
    yield pg
    context.close()
    assert not outside, f"pages must not load anything from another site (no CDN): {outside[:5]}"


@pytest.fixture
def staff_login():
    """Log a page in as one of the staff users (see ``STAFF``)."""

    def do(page, username: str) -> None:
        page.goto("/staff/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[data-testid=login-form] button[type=submit]")
        page.wait_for_selector("[data-testid=whoami]")

    return do


@pytest.fixture
def shoot():
    """Save a full-page screenshot for people to look at (tests/screenshots/, not committed)."""

    def do(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return do
