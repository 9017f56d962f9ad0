"""``shebao bills audit|load|flags|decide``: work-injury medical bills audited line by line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json
from shebao.cli.shared import acting, batch_progress, emit, print_page, split_ids
from shebao.core.roles import Role, has_role, role_of

bills_app = typer.Typer(help="工伤医疗费用明细审核（智审）：导入、逐行审核、疑点分拣。", no_args_is_help=True)
app.add_typer(bills_app, name="bills")
flags_app = typer.Typer(help="费用审核疑点：查看、同意核减、恢复支付（审核员）。", no_args_is_help=True)
bills_app.add_typer(flags_app, name="flags")


_STEPS = {"check": "检查交换文件", "load": "已读入数据", "totals": "汇总金额", "anomaly": "异常模型打分"}


@bills_app.command("audit")
def audit(
    folder: Path | None = typer.Argument(None, help="费用交换目录（hospitals/bills/bill_items/catalogue.csv）；省略时审核数据库中的费用单"),
    out: Path = typer.Option(Path("flags.csv"), "--out", help="疑点明细 CSV：bill_id,line_no,rule_id,amount_disallowed,reason"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb（默认，嵌入式）或 spark"),
    rules: str | None = typer.Option(None, "--rules", help="只运行这些规则，逗号分隔，如 M01,M03"),
    catalogue: Path | None = typer.Option(None, "--catalogue", help="审核规则目录 YAML（默认随包提供的目录）"),
    model: bool = typer.Option(True, "--model/--no-model", help="同时用异常模型给明细行和费用单打分（B 级提示，不核减）"),
    store: bool = typer.Option(True, "--store/--no-store", help="审核数据库时把疑点写入数据库供分拣"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON：按规则、按医疗机构、按费用单的申报、核减、应付金额"),
    as_user: str | None = AS_OPTION,
) -> None:
    """按审核规则目录逐行审核工伤医疗费用（M01–M10，《工伤保险条例》第三十条），写出疑点明细和核减汇总。

    同一行可能违反多条规则，flags.csv 逐条列出；每张费用单的核减合计中每行最多计一次。

    示例：shebao bills audit var/synth --out flags.csv --json

    审核数据库中的费用单并存入待分拣疑点：shebao bills audit --out flags.csv
    """
    from shebao.bills.audit import write_flags_csv
    from shebao.bills.rules import load_rules
    from shebao.engines.base import EngineError
    from shebao.engines.catalogue import CatalogueError

    try:
        cat = load_rules(catalogue)
        selected = split_ids(rules)
        n_rules = len(cat.select(selected))
    except (CatalogueError, OSError) as exc:
        fail(str(exc), code=2)
    with batch_progress(json_out) as bar:
        task = bar.add_task("检查交换文件", total=n_rules + 3)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=_STEPS.get(step, f"规则 {step}"))

        try:
            if folder is None:
                from shebao.bills.service import audit_database
                from shebao.cli.common import unit_of_work

                with unit_of_work(as_user) as session:
                    result = audit_database(session, engine=engine, rules=cat, rule_ids=selected, anomaly=model,
                                            progress=progress)
            else:
                persons = None
                if folder.is_dir() and not any((folder / f"persons.{ext}").exists() for ext in ("csv", "parquet")):
                    from shebao.bills.service import registry_persons
                    from shebao.cli.common import unit_of_work

                    with unit_of_work(as_user) as session:
                        persons = registry_persons(session)
                from shebao.bills.audit import audit_folder

                result = audit_folder(folder, engine=engine, rules=cat, rule_ids=selected, persons=persons,
                                      anomaly=model, progress=progress)
        except (CatalogueError, EngineError) as exc:
            fail(str(exc))
    summary: dict = {"engine": result.engine, "input_rows": result.row_counts}
    if result.check is not None:
        summary["rejected"] = result.check.rejected
        summary["rejects_file"] = result.rejects_file
        summary["warnings"] = result.check.warnings
    decided = None
    if folder is None and store:
        from shebao.bills.models import BillFlag
        from shebao.bills.service import store_flags
        from shebao.cli.common import unit_of_work

        with unit_of_work(as_user) as session:
            stored = store_flags(session, result.flags + result.anomalies, audit_date=date.today())
            from sqlalchemy import select

            decided = {(r, b, n): s for r, b, n, s in session.execute(
                select(BillFlag.rule_id, BillFlag.bill_id, BillFlag.line_no, BillFlag.status)
                .where(BillFlag.status != "new"))}
        summary["stored"] = stored.as_json()
    n = write_flags_csv(result.flags, out)
    summary.update({"flags": n, "out": str(out)})
    summary.update(result.summary(decided))
    summary["anomalies"] = {"hints": len(result.anomalies), "top": [
        {"bill_id": f.bill_id, "line_no": f.line_no, "rule_id": f.rule_id, "score": f.score, "reason": f.reason}
        for f in result.anomalies[:20]]}
    summary["seconds"] = round(sum(result.timings.values()), 2)
    if json_out:
        print_json(summary)
        return
    t = summary["totals"]
    console.print(f"[bold]审核完成[/bold]（引擎 {result.engine}，费用单 {t['bills']} 张，用时 {summary['seconds']} 秒）")
    console.print(f"申报 {t['claimed']} 元，核减 {t['disallowed']} 元，应付 {t['payable']} 元；疑点 {n} 条，已写入 {out}")
    if result.check is not None and any(result.check.rejected.values()):
        console.print(f"[yellow]拒收[/yellow]：{result.check.rejected}；见 {result.rejects_file}")
    for rule_id, row in summary["per_rule"].items():
        if row["flags"]:
            console.print(f"  {rule_id} {row['title']}：{row['flags']} 条，核减 {row['disallowed']} 元")
    if result.anomalies:
        console.print(f"异常模型提示（B 级，不核减）：{len(result.anomalies)} 条")
    if "stored" in summary:
        s = summary["stored"]
        console.print(f"数据库：新疑点 {s['new']}，仍待处理 {s['known']}，已处理过 {s['closed']}")


@bills_app.command("load")
def load(
    folder: Path = typer.Argument(..., help="费用交换目录（hospitals/bills/bill_items/catalogue.csv）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要"),
    as_user: str | None = AS_OPTION,
) -> None:
    """导入医疗机构、目录、费用单和明细（参保人须已在登记库中）；不合格的行写入拒收报告，其余照常导入。

    示例：shebao bills load var/synth
    """
    from shebao.bills.service import load_folder
    from shebao.cli.common import unit_of_work

    if not folder.is_dir():
        fail(f"目录不存在：{folder}")
    from contextlib import nullcontext

    with console.status("检查并导入费用文件…") if not json_out else nullcontext(), unit_of_work(as_user) as session:
        summary = load_folder(session, folder=folder)
    if json_out:
        print_json(summary.as_json())
        return
    console.print(f"[green]已导入[/green]：{summary.loaded}")
    if any(summary.rejected.values()):
        console.print(f"[yellow]拒收[/yellow]：{summary.rejected}；见 {summary.rejects_file}")


@bills_app.command("evaluate")
def evaluate(
    stays: int = typer.Option(2000, "--stays", min=20, max=1_000_000, help="合成住院次数（每次含 0–2 次门诊复诊）"),
    seed: int = typer.Option(11, "--seed", help="随机种子"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb 或 spark"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """用带标签的合成费用单检验审核规则和异常模型：各规则注入多少、发现多少，异常模型提示了多少虚增数量。

    示例：shebao bills evaluate --stays 500 --seed 11
    """
    from shebao.training.bills import evaluate_from_synth

    report = evaluate_from_synth(stays=stays, seed=seed, engine=engine)
    if json_out:
        print_json(report)
        return
    console.print(f"合成费用单 {report['bills']} 张、{report['lines']:,} 行，审核用时 {report['seconds']} 秒；"
                  f"疑点与注入标签{'完全一致' if report['exact'] else '不一致'}")
    for rule_id, row in report["rules"].items():
        console.print(f"  {rule_id} {row['title']}：注入 {row['planted']}，疑点 {row['flagged']}，命中 {row['found']}")
    m = report["model"]
    console.print(f"异常模型：虚增数量 {m['padded_quantities']} 处，提示到 {m['hinted']} 处；"
                  f"每千行提示 {m['hints_per_1000_lines']} 条（B 级，不核减）")


def _require_reviewer(session) -> None:
    role = role_of(session)
    if not has_role(role, Role.REVIEWER, Role.AUDITOR):
        fail(f"权限不足：审核费用需要复核员（reviewer）或稽核员（auditor）角色，当前为 {role}")


@flags_app.command("list")
def flags_list(
    status: str = typer.Option("new", "--status", help="new | confirmed | dismissed；all 表示全部"),
    level: str | None = typer.Option(None, "--level", help="A（规则，核减）或 B（异常提示）"),
    rule: str | None = typer.Option(None, "--rule", help="规则编号，如 M03"),
    bill: str | None = typer.Option(None, "--bill", help="费用单号"),
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    offset: int = typer.Option(0, "--offset", min=0),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出费用审核疑点（默认只列待处理的），A 级在前、核减金额从高到低。

    示例：shebao bills flags list --rule M10
    """
    from shebao.bills.service import BillError, flag_json, list_flags

    with acting(as_user, BillError, code=2) as session:
        rows, total = list_flags(session, status=None if status == "all" else status, level=level, rule_id=rule,
                                 bill_id=bill, limit=limit, offset=offset)
        items = [flag_json(f) for f in rows]
    print_page(json_out, total, items, title=f"费用审核疑点（共 {total} 条）",
               columns=("编号", "规则", "级别", "费用单", "行", "核减金额", "状态", "说明"),
               cells=lambda f: [str(f["id"]), f["rule_id"], f["level"], f["bill_id"],
                                "" if f["line_no"] is None else str(f["line_no"]), f["amount_disallowed"], f["status"],
                                f["reason"]])


def _decide(flag_id: int, decision: str, reason: str | None, json_out: bool, as_user: str | None) -> None:
    from shebao.bills.service import BillError, decide_flag, flag_json

    with acting(as_user, BillError) as session:
        _require_reviewer(session)
        data = flag_json(decide_flag(session, flag_id=flag_id, decision=decision, reason=reason))
    emit(data, json_out, f"[green]疑点 {flag_id} 已{'确认（同意核减）' if decision == 'confirm' else '排除（恢复支付）'}[/green]")


@flags_app.command("confirm")
def flags_confirm(
    flag_id: int = typer.Argument(..., help="疑点编号"),
    note: str | None = typer.Option(None, "--note", help="核实说明"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """确认疑点：同意核减（写入审计日志）。

    示例：shebao bills flags confirm 12 --note "已核对医嘱"
    """
    _decide(flag_id, "confirm", note, json_out, as_user)


@flags_app.command("dismiss")
def flags_dismiss(
    flag_id: int = typer.Argument(..., help="疑点编号"),
    reason: str = typer.Option(..., "--reason", help="恢复支付的理由（必填）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """排除疑点：恢复该行的支付并说明理由（写入审计日志）。

    示例：shebao bills flags dismiss 12 --reason "医嘱注明加量，已核实"
    """
    _decide(flag_id, "dismiss", reason, json_out, as_user)


# --- demo -----------------------------------------------------------------------------------------------

def demo_step(*, as_of: date, folder: Path, quiet: bool) -> dict:
    """``shebao demo``: synthetic bills for the demo population, loaded and audited, so that a reviewer has
    bills to review at /staff/bills."""
    from shebao.bills.service import audit_database, load_folder, store_flags
    from shebao.core.db import session_scope
    from shebao.synth.bills import generate_bills, read_persons

    persons = read_persons(folder)
    generated = generate_bills(folder, persons=persons, stays=max(20, len(persons) // 20), seed=1, as_of=as_of)
    with session_scope() as session:
        session.info.update(actor="admin", actor_role="admin", source="cli:demo")
        load_folder(session, folder=folder)
    with session_scope() as session:
        session.info.update(actor="admin", actor_role="admin", source="cli:demo")
        result = audit_database(session, engine="duckdb")
        stored = store_flags(session, result.flags + result.anomalies, audit_date=as_of)
    totals = result.summary()["totals"]
    if not quiet:
        console.print(f"工伤医疗费用审核：{generated.rows['bills']} 张费用单，{generated.rows['bill_items']} 行；"
                      f"疑点 {len(result.flags)} 条、异常提示 {len(result.anomalies)} 条，核减 {totals['disallowed']} 元")
    return {"bills": generated.rows["bills"], "bill_flags": len(result.flags), "bill_flags_new": stored.new}


def _register_demo() -> None:
    from shebao.cli.demo import DEMO_STEPS

    if demo_step not in DEMO_STEPS:
        DEMO_STEPS.append(demo_step)


_register_demo()
