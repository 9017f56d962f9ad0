"""Fixtures of the intake tests: the fixed degraded set (drawing helpers in :mod:`intake_builders`)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
