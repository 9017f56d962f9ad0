"""``shebao db upgrade``."""

from __future__ import annotations

import typer

from shebao.cli import app
from shebao.cli.common import console

db_app = typer.Typer(help="数据库：迁移到最新结构。", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade() -> None:
    """把数据库升级到最新结构（Alembic 迁移；SQLite 与 PostgreSQL 结构相同）。

    示例：shebao db upgrade
    """
    from shebao.core.db import enable_schema_check
    from shebao.core.settings import get_settings
    from shebao.migrations import current_heads
    from shebao.migrations import upgrade as run_upgrade

    enable_schema_check(None)  # this command is the upgrade
    settings = get_settings()
    run_upgrade()
    url = settings.database_url or ""
    shown = url.split("@")[-1] if "@" in url else url
    console.print(f"[green]数据库已是最新结构[/green]（{shown}；版本 {', '.join(sorted(current_heads()))}）")
