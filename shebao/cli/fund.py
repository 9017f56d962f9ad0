"""``shebao reconcile`` (四方对账) and ``shebao fund ...`` (sign-off, reopen, differences, monitor, project)."""

from __future__ import annotations

from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json
from shebao.cli.shared import acting, emit

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
    from shebao.fund.service import FundError, report_dict, sign_off

    with acting(as_user, FundError) as session:
        data = report_dict(sign_off(session, period=period, note=note))
    emit(data, json_out, f"{period} 对账报告已由 {data['signed_off_by']} 签认")


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
    from shebao.fund.service import FundError, reopen, report_dict

    with acting(as_user, FundError) as session:
        data = report_dict(reopen(session, period=period, reason=reason))
    emit(data, json_out, f"{period} 对账报告已重开（原因：{reason}）")


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


@fund_app.command("monitor")
def monitor_cmd(
    start: str = typer.Option(..., "--from", help="起始月份 YYYY-MM"),
    end: str = typer.Option(..., "--to", help="截止月份 YYYY-MM"),
    region: str | None = typer.Option(None, "--region", help="只看一个行政区划（如 370502）"),
    out: Path | None = typer.Option(None, "--out", help="另存为 CSV 或 Excel（按扩展名 .csv / .xlsx）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """基金运行监测：逐月、分地区、分险种的应缴与实缴、待遇支出、结余、人数、抚养比和均值及同比。

    示例：shebao fund monitor --from 2023-01 --to 2025-12 --json
    """
    from shebao.cli.common import unit_of_work
    from shebao.fund.monitor import MonitorError, monitor

    try:
        with console.status("统计中……") if not json_out else _quiet(), unit_of_work(as_user) as session:
            data = monitor(session, start=start, end=end, region=region)
    except MonitorError as exc:
        fail(str(exc))
    if out is not None:
        _export_monitor(data, out)
    if json_out:
        print_json(data)
        return
    from rich.table import Table

    table = Table(title=f"基金运行监测 {data['from']} 至 {data['to']}" + (f"（{region}）" if region else ""))
    for col in ("月份", "应缴", "实缴", "支出", "净额", "养老缴费人数", "领取人数", "抚养比（领取/缴费）", "平均基数", "平均养老金"):
        table.add_column(col, justify="right")
    for m in data["months"]:
        table.add_row(m["period"], m["contributions_due"], m["contributions_received"], m["benefits_paid"], m["net"],
                      str(m["pension_contributors"]), str(m["pension_recipients"]),
                      str(m["dependency_ratio_contributors"] or "—"), m["avg_base"] or "—", m["avg_pension"] or "—")
    console.print(table)


def _quiet():
    from contextlib import nullcontext

    return nullcontext()


def _export_monitor(data: dict, out: Path) -> None:
    import os

    from shebao.core.safefiles import safe_writer, safe_xlsx
    from shebao.fund.monitor import TOTAL_COLUMNS

    rows = [[m.get(c) if m.get(c) is not None else "" for c in TOTAL_COLUMNS] for m in data["months"]]
    if out.exists():
        out.unlink()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    if out.suffix.lower() == ".xlsx":
        with os.fdopen(fd, "wb") as fh:
            fh.write(safe_xlsx(list(TOTAL_COLUMNS), rows, sheet="基金监测"))
        return
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
        writer = safe_writer(fh)
        writer.writerow(list(TOTAL_COLUMNS))
        writer.writerows(rows)


@fund_app.command("project")
def project_cmd(
    to_year: int = typer.Option(2050, "--to", help="预测截止年份"),
    scenario: Path | None = typer.Option(None, "--scenario", help="情景 YAML（默认随包的“演示假设”）"),
    from_registry: bool = typer.Option(False, "--from-registry", help="起始人口取自数据库（参保、缴费、退休人员及其基数、养老金、账户）"),
    as_of: str | None = typer.Option(None, "--as-of", help="从数据库取起始人口的基准日 YYYY-MM-DD（默认起始年份前一年的 12 月 31 日）"),
    compare_fixed: bool = typer.Option(False, "--compare-fixed-ages", help="另按原法定退休年龄（不实施延迟退休）预测并给出差额"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """精算预测：企业职工基本养老保险分性别、分单岁的队列要素模型，逐年收支与结余。

    无来源的假设必须在情景中给出；默认情景“演示假设”仅作演示，不可用于决策。

    示例：shebao fund project --to 2050 --json

    与不延迟退休相比：shebao fund project --to 2050 --compare-fixed-ages
    """
    import copy
    import datetime as dt

    from shebao.fund.projection import ScenarioError, compare, load_scenario, run

    try:
        sc = load_scenario(scenario)
        registry = None
        if from_registry:
            from shebao.cli.common import unit_of_work
            from shebao.fund.service import registry_population

            day = dt.date(sc.start_year - 1, 12, 31)
            if as_of:
                try:
                    day = dt.date.fromisoformat(as_of)
                except ValueError:
                    fail(f"--as-of 应为 YYYY-MM-DD：{as_of}")
            sc.population = {"source": "registry", "as_of": day.isoformat()}
            with unit_of_work(as_user) as session:
                registry = registry_population(session, as_of=day)
            if registry.group.size == 0:
                fail("数据库中没有养老保险参保人员，无法从登记数据预测")
        result = run(sc, to_year=to_year, registry=registry)
        data = result.to_json()
        if compare_fixed:
            fixed = copy.deepcopy(sc)
            fixed.assumptions["retirement_rule"] = {"value": "fixed", "note": "对比：原法定退休年龄（不实施延迟退休）"}
            other = run(fixed, to_year=to_year, registry=registry)
            oj = other.to_json()
            data["comparison"] = {"scenario": f"{sc.name}（原法定退休年龄）", "years": oj["years"],
                                  "turns_negative": oj["turns_negative"], "exhausted": oj["exhausted"],
                                  "difference": compare(other, result)}
    except ScenarioError as exc:
        fail(str(exc))
    except (TypeError, KeyError, AttributeError, ValueError) as exc:  # a scenario file of another shape
        fail(f"情景文件格式有误（应与 shebao/fund/scenarios/demo.yaml 同结构）：{exc}")
    if json_out:
        print_json(data)
        return
    from rich.table import Table

    table = Table(title=f"精算预测：{sc.label or sc.name}（{sc.start_year}–{to_year}）")
    for col in ("年份", "缴费（万人）", "退休（万人）", "收入（亿元）", "支出（亿元）", "当期结余（亿元）", "累计结余（亿元）", "抚养比"):
        table.add_column(col, justify="right")

    def yi(text: str) -> str:
        from decimal import Decimal

        return f"{Decimal(text) / Decimal(100_000_000):,.2f}"

    for y in data["years"]:
        table.add_row(str(y["year"]), f"{y['contributors'] / 10000:,.1f}", f"{y['retirees'] / 10000:,.1f}", yi(y["income"]),
                      yi(y["expenditure"]), yi(y["current_balance"]), yi(y["accumulated_balance"]),
                      f"{y['dependency_ratio_contributors']:.3f}")
    console.print(table)
    console.print(f"当期结余首次为负：{data['turns_negative'] or '预测期内没有'}；累计结余耗尽：{data['exhausted'] or '预测期内没有'}")
    if "comparison" in data:
        c = data["comparison"]
        console.print(f"不实施延迟退休：当期结余首次为负 {c['turns_negative'] or '无'}，累计结余耗尽 {c['exhausted'] or '无'}")
