"""Fixtures of the fast-track tests (builders in :mod:`cases_builders`)."""

from __future__ import annotations

import pytest
from cases_builders import Registry


@pytest.fixture
def registry(db) -> Registry:
    """Builds applicants in the test database (SQLite and PostgreSQL)."""
    return Registry()
