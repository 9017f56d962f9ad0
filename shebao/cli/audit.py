"""``shebao audit verify|checkpoint|tail|witness-serve``."""

from __future__ import annotations

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, print_json

audit_app = typer.Typer(help="审计日志：校验哈希链、签署检查点、查看最近记录。", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(json_out: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    """校验审计日志：带密钥的哈希链、链头、签名检查点，以及库外见证（见证文件、HTTP 见证）。

    完好时退出码 0；发现记录被修改、删除、插入、调换顺序，链尾被截断，链被重写，检查点被删除或改动，
    或日志被清空时，退出码 1 并指出第一处问题。

    示例：shebao audit verify --json
    """
    from shebao.audit import verify as run_verify
    from shebao.core.db import session_scope

    with session_scope() as session:
        result = run_verify(session)
    if json_out:
        print_json(result.as_json())
    elif result.ok:
        console.print(f"[green]审计日志完好[/green]：{result.entries} 条记录，{result.checkpoints} 个签名检查点；"
                      f"已见证至第 {result.witnessed_seq or 0} 条，其后 {result.unwitnessed} 条由带密钥的链头确认")
    else:
        where = f"第 {result.first_bad_seq} 条 —— " if result.first_bad_seq else ""
        console.print(f"[red]审计日志未通过校验[/red]：{where}{result.reason}")
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
    from shebao.core.settings import timezone_label, to_local

    table = Table(title="审计日志")
    # local time for people; the chain's stored UTC value beside it, labelled (it is what the hash covers)
    for col in ("序号", f"时间（{timezone_label()}）", "时间（UTC，存储值）", "用户", "操作", "对象", "来源", "详情"):
        table.add_column(col)
    for e in reversed(rows):
        table.add_row(str(e.seq), f"{to_local(e.ts):%Y-%m-%d %H:%M:%S}", e.ts[:19].replace("T", " "), e.actor,
                      e.action, f"{e.entity} {e.entity_id}", e.source, e.detail[:60])
    console.print(table)


@audit_app.command("witness-serve")
def witness_serve(
    file: str = typer.Option(..., "--file", help="见证自己的追加写文件（放在另一台机器或另一权限下）"),
    public_key: str = typer.Option(..., "--public-key", help="只接受此公钥签名的检查点（shebao audit public-key）"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8790, "--port"),
) -> None:
    """运行一个参考 HTTP 见证：保存实例签名的检查点，拒绝签名无效或与已见证内容矛盾的检查点。

    示例：shebao audit witness-serve --file /srv/witness/shebao.jsonl --public-key 3b6a… --port 8790
    （实例端设置 SHEBAO_AUDIT_WITNESS_URL=http://见证主机:8790/）
    """
    from pathlib import Path

    from shebao.audit.witness import WitnessServer

    server = WitnessServer((host, port), Path(file), public_key)
    console.print(f"审计见证服务：http://{host}:{port}/ （文件 {file}）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@audit_app.command("public-key")
def public_key() -> None:
    """显示本实例签署检查点的 Ed25519 公钥（十六进制），供 HTTP 见证核对签名。

    示例：shebao audit public-key
    """
    from shebao.audit.log import public_key_hex

    print(public_key_hex())
