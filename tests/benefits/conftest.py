"""Fixtures for benefits tests (builders live in ``benefits_builders``)."""

from __future__ import annotations

import pytest
from benefits_builders import make_person


@pytest.fixture
def person(session):
    p = make_person(session)
    session.commit()
    return p


