"""``shebao validate``, ``shebao load``, ``shebao export``."""

from __future__ import annotations

from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json


@app.command("validate")
def validate(
    kind: str = typer.Argument(..., help="id | uscc | bank-card | phone"),
    value: str = typer.Argument(..., help="要校验的值"),
) -> None:
    """校验身份证号码、统一社会信用代码、银行卡号或手机号码：有效时退出码 0，无效时 1 并说明原因。

    示例：shebao validate id 11010519491231002X
    """
    from shebao.core.crypto import mask_text
    from shebao.core.validators import VALIDATORS, InvalidValue

    validator = VALIDATORS.get(kind)
    if validator is None:
        fail(f"未知类型 {kind!r}，可选：{'、'.join(VALIDATORS)}", code=2)
    try:
        normalised = validator(value)
    except InvalidValue as exc:
        console.print(f"[red]无效[/red]：{exc.reason}")
        raise typer.Exit(1) from None
    shown = normalised if kind in ("uscc",) else mask_text(normalised) if kind != "phone" else normalised
    typer.echo(f"有效：{shown}" + ("（15 位号码已升级为 18 位）" if kind == "id" and len(value.strip()) == 15 else ""))


@app.command("load")
def load(
    folder: Path = typer.Argument(..., help="交换格式目录（persons.csv 等，或同名 .parquet）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要"),
    as_user: str | None = AS_OPTION,
) -> None:
    """导入交换格式目录：逐行校验，合格行按自然键写入（重复导入不改变数据），不合格行写入拒绝报告。

    每个文件一个事务：中途崩溃时数据库保持在该文件之前的状态。

    示例：shebao load ./var/synth --json
    """
    from shebao.cli.common import unit_of_work
    from shebao.registry.loader import LoadError, load_folder

    with unit_of_work(as_user) as session:
        actor = session.info["actor"]
    failed: LoadError | None = None
    try:
        summary = load_folder(folder, actor=actor, source="cli", progress=not json_out)
    except FileNotFoundError as exc:
        fail(str(exc))
    except LoadError as exc:
        failed, summary = exc, exc.summary
    if json_out:
        print_json(summary.as_json())
    else:
        _print_summary(summary)
    if failed is not None:
        fail(str(failed))


def _print_summary(summary) -> None:
    from rich.table import Table

    table = Table(title="导入结果")
    table.add_column("文件")
    table.add_column("导入", justify="right")
    table.add_column("拒绝", justify="right")
    table.add_column("重复支付", justify="right")
    for name in summary.loaded.keys() | summary.rejected.keys():
        table.add_row(name, str(summary.loaded.get(name, 0)), str(summary.rejected.get(name, 0)),
                      str(summary.duplicates.get(name, "")))
    console.print(table)
    for warning in summary.warnings:
        console.print(f"[yellow]注意[/yellow]：{warning}")
    for error in summary.errors:
        console.print(f"[red]未导入[/red]：{error['file']}：{error['error']}")
    if summary.duplicates:
        console.print(f"同一待遇、期间、类型的第二笔支付已按 duplicate 导入（共 {sum(summary.duplicates.values())} 笔），"
                      "风险筛查规则 R04 会列出")
    if summary.rejects_file:
        console.print(f"拒绝报告：{summary.rejects_file}")
    console.print(f"导入摘要：{summary.summary_file}")


@app.command("export")
def export(
    folder: Path = typer.Argument(..., help="输出目录（仅所有者可读）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """把登记数据导出为交换格式（含完整个人信息：文件权限仅所有者可读，且记入审计日志）。

    示例：shebao export ./var/export
    """
    from shebao.cli.common import unit_of_work
    from shebao.registry.exporter import export_folder

    with unit_of_work(as_user) as session:
        counts = export_folder(session, folder)
    for name, n in counts.items():
        console.print(f"{name}.csv：{n} 行")
