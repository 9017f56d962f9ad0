"""``shebao audit verify|checkpoint|tail``."""

from __future__ import annotations

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, print_json

audit_app = typer.Typer(help="审计日志：校验哈希链、签署检查点、查看最近记录。", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(json_out: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    """校验审计日志哈希链与签名检查点：完好时退出码 0；发现修改、删除或调换顺序时退出码 1 并指出第一条问题记录。

    示例：shebao audit verify
    """
    from shebao.audit import verify as run_verify
    from shebao.core.db import session_scope

    with session_scope() as session:
        result = run_verify(session)
    if json_out:
        print_json({"ok": result.ok, "entries": result.entries, "checkpoints": result.checkpoints,
                    "first_bad_seq": result.first_bad_seq, "reason": result.reason})
    elif result.ok:
        console.print(f"[green]审计日志完好[/green]：{result.entries} 条记录，{result.checkpoints} 个签名检查点")
    else:
        console.print(f"[red]审计日志被篡改[/red]：第 {result.first_bad_seq} 条 —— {result.reason}")
    raise typer.Exit(0 if result.ok else 1)


@audit_app.command("checkpoint")
def checkpoint(as_user: str | None = AS_OPTION) -> None:
    """在当前链头签署一个检查点（实例密钥 Ed25519 签名）。

    示例：shebao audit checkpoint
    """
    from shebao.audit import checkpoint_now
    from shebao.cli.common import unit_of_work

    with unit_of_work(as_user) as session:
        seq = checkpoint_now(session)
    console.print(f"检查点：第 {seq} 条" if seq else "审计日志为空，无需检查点")


@audit_app.command("tail")
def tail(n: int = typer.Option(20, "-n", help="显示最近多少条")) -> None:
    """显示最近的审计记录（谁、何时、做了什么、从哪里）。

    示例：shebao audit tail -n 5
    """
    from rich.table import Table
    from sqlalchemy import select

    from shebao.audit.models import AuditEntry
    from shebao.core.db import session_scope

    with session_scope() as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(n)).scalars().all()
    table = Table(title="审计日志")
    for col in ("序号", "时间", "用户", "操作", "对象", "来源", "详情"):
        table.add_column(col)
    for e in reversed(rows):
        table.add_row(str(e.seq), e.ts[:19], e.actor, e.action, f"{e.entity} {e.entity_id}", e.source, e.detail[:60])
    console.print(table)
