"""Fixtures for linkage tests (builders live in ``linkage_builders``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def session(db):
    """A session on the test database acting as a reviewer (the caller owns commits)."""
    from shebao.core.db import get_sessionmaker

    s = get_sessionmaker()()
    s.info.update(actor="tester", actor_role="reviewer", source="test")
    try:
        yield s
    finally:
        s.rollback()
        s.close()
