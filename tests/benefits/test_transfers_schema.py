"""The transfer tables and the contributions' origin columns as the migration builds them match the models."""

from __future__ import annotations


def test_models_match_the_migration(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from shebao.core.db import Base
    from shebao.migrations import import_all_models

    import_all_models()
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    mine = [d for d in diff if any(word in str(d) for word in ("pension_transfer", "origin_region", "transfer_no"))]
    assert not mine, mine
