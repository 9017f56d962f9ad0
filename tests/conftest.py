"""Shared fixtures: a private SHEBAO_HOME, and a migrated database on each backend.

``db`` is parametrised over SQLite and PostgreSQL. PostgreSQL comes from ``TEST_DATABASE_URL``
(e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``): each test gets a fresh database
cloned from a migrated template, so tests may commit real transactions on separate connections.
Without ``TEST_DATABASE_URL`` the PostgreSQL cases are skipped locally; in CI (``CI=true``) a
missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
TEST_SECRET = "tests-only-secret-key-0123456789abcdefghijklmnop"


def _pg_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI 需要 PostgreSQL：请设置 TEST_DATABASE_URL", pytrace=False)
        return None
    return url


@pytest.fixture
def shebao_home(tmp_path, monkeypatch):
    """A private SHEBAO_HOME with a fixed secret; settings and engines rebuilt around the test."""
    from shebao.core.db import dispose_engines
    from shebao.core.settings import get_settings

    home = tmp_path / "home"
    monkeypatch.setenv("SHEBAO_HOME", str(home))
    monkeypatch.setenv("SHEBAO_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SHEBAO_ENV", "development")
    monkeypatch.delenv("SHEBAO_USER", raising=False)
    monkeypatch.delenv("SHEBAO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    dispose_engines()
    from shebao.users.service import reset_login_limits

    reset_login_limits()  # the login rate limits count per process: each test starts afresh
    yield home
    dispose_engines()
    get_settings.cache_clear()


_TEMPLATE: dict[str, str] = {}


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _pg_template(url: str) -> str:
    """Create (once per run) a migrated template database; return its name."""
    if "name" in _TEMPLATE:
        return _TEMPLATE["name"]
    from shebao.core.db import dispose_engines
    from shebao.migrations import upgrade

    name = f"shebao_tmpl_{os.getpid()}"
    admin = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    upgrade(make_url(url).set(database=name).render_as_string(hide_password=False))
    dispose_engines()
    _TEMPLATE["name"] = name
    return name


@contextlib.contextmanager
def _database(backend: str, tmp_path, monkeypatch, *, migrated: bool):
    """A new database on ``backend`` (a SQLite file, or a PostgreSQL database: a clone of the migrated
    template, or empty), with settings pointing at it; dropped afterwards."""
    from shebao.core.db import dispose_engines
    from shebao.core.settings import get_settings
    from shebao.migrations import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'shebao.db'}"
        monkeypatch.setenv("SHEBAO_DATABASE_URL", url)
        get_settings.cache_clear()
        if migrated:
            upgrade(url)
        yield url
        return
    base = _pg_url()
    if base is None:
        pytest.skip("未设置 TEST_DATABASE_URL：跳过 PostgreSQL")
    template = f' TEMPLATE "{_pg_template(base)}"' if migrated else ""
    name = f"shebao_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("SHEBAO_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, shebao_home, tmp_path, monkeypatch):
    """A freshly migrated database (SQLite file, or a PostgreSQL clone); settings point at it."""
    with _database(request.param, tmp_path, monkeypatch, migrated=True) as url:
        yield url


def open_session(role: str = "admin"):
    """A session on the test database acting as ``role`` (the caller owns commits and closes it)."""
    from shebao.core.db import get_sessionmaker

    s = get_sessionmaker()()
    s.info.update(actor="tester", actor_role=role, source="test")
    return s


@pytest.fixture
def session(db):
    """A session on the test database acting as the admin (the caller owns commits)."""
    s = open_session()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, shebao_home, tmp_path, monkeypatch):
    """An empty database on each backend, for migration tests that start from an older revision
    (``upgrade(url, "<revision>")``); settings point at it."""
    with _database(request.param, tmp_path, monkeypatch, migrated=False) as url:
        yield url


def pytest_sessionfinish(session, exitstatus):
    name = _TEMPLATE.get("name")
    base = os.environ.get("TEST_DATABASE_URL")
    if name and base:
        admin = create_engine(_admin_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def corpus_dir() -> Path:
    """The national laws shipped beside the repository (CI lays shared/ beside the checkout)."""
    path = SHARED / "corpus" / "laws"
    if not path.is_dir():
        pytest.fail(f"法规语料不存在：{path}")
    return path


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test run (started on first use), for every domain's
    batch rules: tests parametrised over engines take ``batch_engine`` (below), built on it."""
    pytest.importorskip("pyspark")
    from shebao.engines.spark_engine import local_session

    session = local_session(cores=2, memory="2g", shuffle_partitions=1)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(params=["duckdb", "spark"])
def batch_engine(request):
    """A batch engine of each kind (DuckDB in memory; Spark on the shared local session)."""
    from shebao.engines.factory import make_engine

    if request.param == "spark":
        engine = make_engine("spark", spark=request.getfixturevalue("spark"))
    else:
        engine = make_engine("duckdb", threads=1, memory_limit="1GB")
    yield engine
    engine.close()
