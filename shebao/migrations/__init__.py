"""Alembic migrations (named by date) and the programmatic upgrade used by ``shebao db upgrade``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from sqlalchemy import Engine

from shebao.core.db import SchemaNotReady, migration_lock

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
    # the second wave
    "shebao.linkage.models",
    "shebao.injury.models",
    "shebao.bills.models",
    "shebao.intake.models",
    "shebao.fund.models",
    "shebao.outreach.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        if _exists(name):
            importlib.import_module(name)


def _exists(module: str) -> bool:
    """Whether ``module`` exists (False, not an error, when its package does not exist yet either)."""
    package = module.rpartition(".")[0]
    return importlib.util.find_spec(package) is not None and importlib.util.find_spec(module) is not None


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


def pending_migrations(engine: Engine) -> tuple[list[str], bool]:
    """The migrations the database at ``engine`` has not applied yet (oldest first), and whether it is empty.

    A database whose recorded revision this version does not know (a newer shebao wrote it) has
    nothing pending as far as this version can tell.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util.exc import CommandError

    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    try:
        applied = {rev.revision for rev in script.iterate_revisions(current, "base")} if current else set()
    except (CommandError, RevisionError):  # a revision unknown to this version (a newer shebao migrated this database)
        return [], False
    pending = [rev.revision for rev in reversed(list(script.walk_revisions())) if rev.revision not in applied]
    return pending, not current


def ensure_schema(engine: Engine) -> None:
    """Bring an SQLite database to the newest schema (one line on stderr); refuse a stale PostgreSQL one."""
    pending, empty = pending_migrations(engine)
    if not pending:
        return
    if engine.dialect.name != "sqlite":
        shown = engine.url.render_as_string(hide_password=True)
        raise SchemaNotReady(
            f"数据库 {shown} 尚未建立最新结构（缺少迁移 {'、'.join(pending)}）：请先运行 shebao db upgrade"
        )
    with migration_lock(engine):  # two commands started together on a fresh file: one migrates
        pending, empty = pending_migrations(engine)
        if not pending:
            return
        upgrade(engine.url.render_as_string(hide_password=False))
    verb = "已建立数据库结构" if empty else "已把数据库升级到最新结构"
    sys.stderr.write(f"{verb}：{engine.url.database}（{len(pending)} 个迁移；SQLite 首次使用时自动完成）\n")
    sys.stderr.flush()
