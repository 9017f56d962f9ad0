"""Alembic migrations (named by date) and the programmatic upgrade used by ``shebao db upgrade``."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

# Every package that defines tables. A package listed here that does not exist yet is skipped;
# an error inside one that does exist is raised.
MODEL_MODULES = (
    "shebao.registry.models",
    "shebao.audit.models",
    "shebao.users.models",
    "shebao.policy.models",
    "shebao.cases.models",
    "shebao.benefits.models",
    "shebao.risk.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Bring the database at ``url`` (default: the settings') to the newest schema."""
    from alembic import command

    from shebao.core.db import get_engine

    engine = get_engine(url)
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    # a migration may sign an audit checkpoint: the witnesses get it once the upgrade is committed
    from sqlalchemy import inspect

    if inspect(engine).has_table("audit_checkpoints"):
        from shebao.audit.log import publish_unwitnessed

        publish_unwitnessed(engine)


def current_heads(url: str | None = None) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    from shebao.core.db import get_engine

    with get_engine(url).connect() as connection:
        return list(MigrationContext.configure(connection).get_current_heads())
