"""``shebao synth``: write a synthetic Shandong-like registry in the exchange format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import console, fail, print_json

_RATE_HELP = "（占人数的比例；0 表示不注入）"


def _nothing():
    from contextlib import nullcontext

    return nullcontext()


@app.command("synth")
def synth(
    persons: int = typer.Option(..., "--persons", min=1, help="人数（重复登记另计为额外记录）"),
    seed: int = typer.Option(..., "--seed", help="随机种子：种子与基准日相同则文件逐字节相同"),
    out: Path = typer.Option(..., "--out", help="输出目录（交换格式；文件仅属主可读）"),
    as_of: str = typer.Option(None, "--as-of", help="基准日 YYYY-MM-DD（默认今天）"),
    fmt: str = typer.Option("csv", "--format", help="csv 或 parquet（列相同）"),
    detail_months: int = typer.Option(36, "--detail-months", min=1, max=600, help="逐月缴费明细的月数（向前补齐到首月所在年的 1 月；更早年份为年度汇总）"),
    paid_after_death: float = typer.Option(0.0002, "--rate-paid-after-death", min=0, max=0.05, help="死亡后仍发放" + _RATE_HELP),
    paid_while_imprisoned: float = typer.Option(0.00005, "--rate-paid-while-imprisoned", min=0, max=0.05, help="服刑期间仍发放" + _RATE_HELP),
    shared_account: float = typer.Option(0.0001, "--rate-shared-account", min=0, max=0.05, help="多人共用一个账户" + _RATE_HELP),
    split_transfer: float = typer.Option(0.0001, "--rate-split-transfer", min=0, max=0.05, help="拆分大额转账" + _RATE_HELP),
    duplicate_benefit: float = typer.Option(0.0001, "--rate-duplicate-benefit", min=0, max=0.05, help="异地重复领取" + _RATE_HELP),
    fake_backpayment: float = typer.Option(0.0001, "--rate-fake-backpayment", min=0, max=0.05, help="退休前虚假补缴" + _RATE_HELP),
    duplicate_record: float = typer.Option(0.005, "--rate-duplicate-record", min=0, max=0.2, help="重复登记" + _RATE_HELP),
    movers: int = typer.Option(0, "--movers", min=0, help="跨省和省内流动人员的人数（养老保险关系转移演示；0 表示不加，输出与不加此项时逐字节相同）"),
    bills: bool = typer.Option(False, "--bills", help="另生成工伤医疗费用单（医疗机构、合成目录、费用单和明细，含带标签的注入错误）"),
    bill_stays: int = typer.Option(None, "--bill-stays", min=1, help="住院次数（每名工伤职工一次，另有门诊复诊；默认人数的 5%，至少 20）"),
    bill_error_rate: float = typer.Option(0.3, "--bill-error-rate", min=0, max=1, help="注入一处规则错误的住院比例（M01–M10 轮流）"),
    fund_statements: bool = typer.Option(False, "--fund-statements", help="另写税务征收、财政专户和银行对账单（含带标签的对账差异 fund_labels.csv），供四方对账"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="显示进度条"),
    json_out: bool = typer.Option(False, "--json", help="以 JSON 输出摘要"),
) -> None:
    """生成合成参保人口（山东省样貌，含带标签的欺诈模式与重复登记），写为交换格式目录。

    示例：shebao synth --persons 5000 --seed 7 --out var/synth --as-of 2026-06-30

    大规模：shebao synth --persons 1000000 --seed 1 --out /data/pop --format parquet

    工伤医疗费用单：shebao synth --persons 5000 --seed 7 --out var/synth --bills
    四方对账：shebao synth --persons 2000 --seed 7 --out var/synth --as-of 2025-12-31 --fund-statements
    """
    from shebao.synth import PatternRates, generate

    if fmt not in ("csv", "parquet"):
        fail("--format 只能是 csv 或 parquet")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        fail(f"--as-of 应为 YYYY-MM-DD：{as_of}")
    rates = PatternRates(
        paid_after_death=paid_after_death, paid_while_imprisoned=paid_while_imprisoned,
        shared_account=shared_account, split_transfer=split_transfer,
        duplicate_benefit=duplicate_benefit, fake_backpayment=fake_backpayment,
        duplicate_record=duplicate_record,
    )
    summary = generate(persons, seed=seed, out=out, as_of=day, fmt=fmt, detail_months=detail_months,
                       rates=rates, progress=progress and not json_out)
    moved = None
    if movers:
        from shebao.synth.movers import add_movers

        moved = add_movers(out, count=movers, seed=seed, as_of=day, fmt=fmt)
    bills_summary = None
    if bills:
        from shebao.synth.bills import generate_bills, read_persons

        bills_summary = generate_bills(out, persons=read_persons(out), stays=bill_stays or max(20, persons // 20),
                                       seed=seed, as_of=day, error_rate=bill_error_rate)
    if fund_statements:
        from shebao.synth.fund import write_statements

        with console.status("写入四方对账文件……") if progress and not json_out else _nothing():
            summary.rows.update(write_statements(out, seed=seed))
    if json_out:
        data = summary.to_dict()
        if moved is not None:
            data["movers"] = moved
        if bills_summary is not None:
            data["bills"] = bills_summary.to_dict()
        print_json(data)
        return
    from rich.table import Table

    table = Table(title=f"合成人口已写入 {out}（基准日 {day.isoformat()}，种子 {seed}）")
    table.add_column("文件")
    table.add_column("行数", justify="right")
    ext = "csv" if fmt == "csv" else "parquet"
    for name, rows in summary.rows.items():
        table.add_row(f"{name}.{ext}", f"{rows:,}")
    console.print(table)
    labels = "，".join(f"{k} {v}" for k, v in sorted(summary.labels.items())) or "无"
    console.print(f"注入的模式（标签数）：{labels}")
    if moved is not None:
        console.print(f"流动人员：跨省 {moved['cross_province']} 人、省内 {moved['within_province']} 人"
                      f"（改写缴费记录 {moved['contributions']} 条；待办转移见 movers.csv）")
    if bills_summary is not None:
        rows = "，".join(f"{k} {v:,}" for k, v in bills_summary.rows.items())
        planted = "，".join(f"{k} {v}" for k, v in sorted(bills_summary.labels.items())) or "无"
        console.print(f"工伤医疗费用（合成目录，仅供演示和测试）：{rows}；注入的错误（bill_labels.csv）：{planted}")
    console.print(f"用时 {summary.seconds['total']:.1f} 秒")
