"""Fixtures for benefits tests (builders live in ``benefits_builders``)."""

from __future__ import annotations

import pytest
from benefits_builders import make_person


@pytest.fixture
def session(db):
    """A session on the test database acting as the admin (the caller owns commits)."""
    from shebao.core.db import get_sessionmaker

    s = get_sessionmaker()()
    s.info.update(actor="tester", actor_role="admin", source="test")
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def person(session):
    p = make_person(session)
    session.commit()
    return p


