"""Fixtures of the risk tests: the exchange builder, (the Spark session is the root conftest's)."""

from __future__ import annotations

import pytest
from risk_builders import ExchangeBuilder


@pytest.fixture
def build() -> ExchangeBuilder:
    return ExchangeBuilder()
