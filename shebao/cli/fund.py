"""``shebao reconcile`` (四方对账) and ``shebao fund ...`` (sign-off, reopen, differences, monitor, project)."""

from __future__ import annotations

from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json

fund_app = typer.Typer(help="基金：对账签认、基金监测、精算预测。", no_args_is_help=True)
app.add_typer(fund_app, name="fund")


@app.command("reconcile")
def reconcile(
    folder: Path = typer.Argument(..., help="对账文件目录：tax_collections.csv、fund_account.csv、bank_statement.csv"),
    period: str = typer.Option(..., "--period", help="对账期间 YYYY-MM"),
    out: Path = typer.Option(Path("differences.csv"), "--out", help="差异清单 CSV"),
    tolerance_days: int = typer.Option(3, "--tolerance-days", min=0, max=31, help="按金额和日期匹配的容差天数"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb（默认）或 spark"),
    store: bool = typer.Option(True, "--store/--no-store", help="把对账报告和差异写入数据库（供工作台处理和签认）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要"),
    as_user: str | None = AS_OPTION,
) -> None:
    """四方对账：经办机构账与税务征收、财政专户、银行支出户对账，逐笔分类差异。

    差异类别：missing_at_agency、missing_at_tax、missing_at_bank、missing_in_fund_account、
    amount_differs、duplicated、timing（期后在容差内入账，结转下期）。

    示例：shebao reconcile var/synth --period 2025-06 --out differences.csv --json
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shebao.cli.common import unit_of_work
    from shebao.fund.reconcile import CLASS_LABELS, FLOW_LABELS, ReconcileError, write_differences_csv
    from shebao.fund.service import FundError, run_reconciliation

    if not folder.is_dir():
        fail(f"目录不存在：{folder}")
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("读取对账文件", total=4)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=FLOW_LABELS.get(step, "完成"))

        try:
            with unit_of_work(as_user) as session:
                result = run_reconciliation(session, folder=folder, period=period, tolerance_days=tolerance_days,
                                            engine=engine, store=store, progress=progress)
        except (ReconcileError, FundError) as exc:
            fail(str(exc))
    n = write_differences_csv(result.differences, out)
    summary = result.summary()
    summary["out"] = str(out)
    if json_out:
        print_json(summary)
        return
    from rich.table import Table

    table = Table(title=f"{result.period} 四方对账：差异 {n} 条（容差 {tolerance_days} 天），已写入 {out}")
    table.add_column("类别")
    table.add_column("条数", justify="right")
    table.add_column("金额（元）", justify="right")
    for klass, count in summary["by_class"].items():
        table.add_row(f"{CLASS_LABELS[klass]}（{klass}）", str(count), summary["amount_by_class"][klass])
    console.print(table)
    for name, eq in summary["balances"].items():
        if eq:
            state = "平衡" if eq["balanced"] else f"[red]不平衡，差 {eq['gap']}[/red]"
            console.print(f"{name}：期初 {eq['opening']} + 收入 {eq['in']} − 支出 {eq['out']} = {eq['computed_closing']}，"
                          f"期末 {eq['closing']}，{state}")
    if result.rejected:
        console.print(f"[yellow]{len(result.rejected)} 行数据有误，未参与对账（见 JSON 的 rejected_rows）[/yellow]")
        for row in result.rejected[:5]:
            console.print("  " + row["reason"])


@fund_app.command("signoff")
def signoff(
    period: str = typer.Option(..., "--period", help="对账期间 YYYY-MM"),
    note: str = typer.Option("", "--note", help="签认说明"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """签认一个期间的对账报告（记录签认人和时间，写入审计日志；稽核员）。

    示例：shebao fund signoff --period 2025-06 --note 差异已逐笔核实
    """
    from shebao.cli.common import unit_of_work
    from shebao.fund.service import FundError, report_dict, sign_off

    try:
        with unit_of_work(as_user) as session:
            data = report_dict(sign_off(session, period=period, note=note))
    except FundError as exc:
        fail(str(exc))
    if json_out:
        print_json(data)
    else:
        console.print(f"{period} 对账报告已由 {data['signed_off_by']} 签认")


@fund_app.command("reopen")
def reopen_cmd(
    period: str = typer.Option(..., "--period", help="对账期间 YYYY-MM"),
    reason: str = typer.Option(..., "--reason", help="重开原因（必填，写入审计日志）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """重开已签认的对账报告（必须说明原因；稽核员）。

    示例：shebao fund reopen --period 2025-06 --reason 银行补来退票回单
    """
    from shebao.cli.common import unit_of_work
    from shebao.fund.service import FundError, reopen, report_dict

    try:
        with unit_of_work(as_user) as session:
            data = report_dict(reopen(session, period=period, reason=reason))
    except FundError as exc:
        fail(str(exc))
    if json_out:
        print_json(data)
    else:
        console.print(f"{period} 对账报告已重开（原因：{reason}）")


@fund_app.command("differences")
def differences(
    period: str = typer.Option(..., "--period", help="对账期间 YYYY-MM"),
    klass: str | None = typer.Option(None, "--class", help="只看某一类差异"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出一个期间的对账报告和差异（含签认状态）。

    示例：shebao fund differences --period 2025-06 --class timing
    """
    from shebao.cli.common import unit_of_work
    from shebao.fund.service import difference_dict, get_reconciliation, list_differences, report_dict

    with unit_of_work(as_user) as session:
        rec = get_reconciliation(session, period=period)
        if rec is None:
            fail(f"{period} 尚未对账")
        data = {"report": report_dict(rec),
                "differences": [difference_dict(d) for d in list_differences(session, period=period, klass=klass)]}
    if json_out:
        print_json(data)
        return
    from rich.table import Table

    rep = data["report"]
    state = f"已签认（{rep['signed_off_by']}）" if rep["status"] == "signed_off" else "未签认"
    table = Table(title=f"{period} 对账差异（{state}）")
    for col in ("类别", "金额", "引用号", "经办方", "对方", "状态", "说明"):
        table.add_column(col)
    for d in data["differences"]:
        table.add_row(d["class"], d["amount"], d["reference"], d["agency_ref"], d["counterpart_ref"], d["status"],
                      d["detail"])
    console.print(table)
