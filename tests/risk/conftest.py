"""Fixtures of the risk tests: the exchange builder, and the Spark session shared by the test run."""

from __future__ import annotations

import pytest
from risk_builders import ExchangeBuilder


@pytest.fixture
def build() -> ExchangeBuilder:
    return ExchangeBuilder()


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test run (started on first use)."""
    pytest.importorskip("pyspark")
    from shebao.risk.engines.spark_engine import local_session

    session = local_session(cores=2, memory="2g", shuffle_partitions=1)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
