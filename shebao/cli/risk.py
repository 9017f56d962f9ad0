"""``shebao screen``, ``shebao alerts list|confirm|dismiss``, ``shebao model train screening``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json
from shebao.cli.shared import acting, batch_progress, emit, print_page, split_ids
from shebao.core.roles import Role, has_role, role_of

alerts_app = typer.Typer(help="疑点分拣：查看、确认、排除（稽核员）。", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
model_app = typer.Typer(help="模型：训练与重建。", no_args_is_help=True)
app.add_typer(model_app, name="model")
train_app = typer.Typer(help="训练模型。", no_args_is_help=True)
model_app.add_typer(train_app, name="train")


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"日期格式应为 YYYY-MM-DD：{value}", code=2)
        raise  # unreachable: fail exits


@app.command("screen")
def screen(
    folder: Path | None = typer.Argument(None, help="交换格式目录；省略时筛查数据库中的数据"),
    as_of: str = typer.Option(..., "--as-of", help="筛查基准日 YYYY-MM-DD（回溯期为截至该月的 12 个月）"),
    out: Path = typer.Option(Path("alerts.csv"), "--out", help="疑点清单 CSV"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb（默认，嵌入式）或 spark"),
    rules: str | None = typer.Option(None, "--rules", help="只运行这些规则，逗号分隔，如 R01,R02"),
    catalogue: Path | None = typer.Option(None, "--catalogue", help="规则目录 YAML（默认随包提供的目录）"),
    store: bool = typer.Option(True, "--store/--no-store", help="把疑点写入数据库供分拣（同一疑点不重复提示）"),
    new_only: bool = typer.Option(False, "--new-only", help="CSV 只列出本次新出现的疑点（需 --store）"),
    labels: Path | None = typer.Option(None, "--labels", help="合成数据的 labels.csv：报告各规则的查准率和红色查全率"),
    scores: Path | None = typer.Option(None, "--scores", help="另按异常模型给每个领取人打分，写入此 CSV（前 1% 标记）"),
    scores_method: str = typer.Option("lgbm", "--scores-method", help="lgbm（有标签训练的模型）或 iforest（无标签）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要"),
    as_user: str | None = AS_OPTION,
) -> None:
    """按规则目录批量筛查基金风险（红/黄/蓝），输出疑点清单。

    列：person_id, benefit_id, rule_id, level, amount_at_risk, evidence（个人信息已脱敏）。

    示例：shebao screen ./var/synth --as-of 2026-10-31 --out alerts.csv
    """
    from shebao.engines.base import EngineError
    from shebao.risk.catalogue import CatalogueError, load_catalogue
    from shebao.risk.screening import screen_database, screen_folder, write_alerts_csv

    day = _parse_date(as_of)
    try:
        cat = load_catalogue(catalogue)
    except (CatalogueError, OSError) as exc:
        fail(str(exc))
    selected = split_ids(rules)
    try:
        n_rules = len(cat.select(selected))
    except CatalogueError as exc:
        fail(str(exc), code=2)
    with batch_progress(json_out) as bar:
        task = bar.add_task("读取数据", total=n_rules + 1)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"规则 {step}" if step != "load" else "已读取数据")

        try:
            if folder is None:
                from shebao.cli.common import unit_of_work

                with unit_of_work(as_user) as session:
                    result = screen_database(session, as_of=day, engine=engine, catalogue=cat, rules=selected,
                                             progress=progress)
            else:
                result = screen_folder(folder, as_of=day, engine=engine, catalogue=cat, rules=selected,
                                       progress=progress)
        except (CatalogueError, EngineError) as exc:
            fail(str(exc))
    findings = result.findings
    summary: dict = {}
    if store:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        from shebao.cli.common import unit_of_work
        from shebao.risk.alerts import finding_key, store_findings

        try:
            with unit_of_work(as_user) as session:
                stored, new_keys = store_findings(session, findings, as_of=day)
        except (OperationalError, ProgrammingError) as exc:
            fail(f"无法写入疑点表（请先运行 shebao db upgrade，或使用 --no-store）：{exc.orig}")
        summary["stored"] = stored.as_json()
        if new_only:
            fresh = set(new_keys)
            findings = [f for f in findings if finding_key(f) in fresh]
    elif new_only:
        fail("--new-only 需要 --store", code=2)
    n = write_alerts_csv(findings, out)
    by_level = {lv: sum(1 for f in result.findings if f.level == lv) for lv in ("red", "yellow", "blue")}
    summary.update({"alerts": len(result.findings), "written": n, "out": str(out), "by_rule": result.by_rule(),
                    "by_level": by_level, "input_rows": result.input_rows, "engine": result.engine,
                    "seconds": round(sum(result.timings.values()), 2)})
    if scores is not None:
        if folder is None:
            fail("--scores 需要指定交换格式目录", code=2)
        from shebao.risk.anomaly import score_folder, write_scores_csv

        ranked = score_folder(folder, as_of=day, engine=engine, method=scores_method)
        write_scores_csv(ranked, scores)
        summary["scores"] = {"file": str(scores), "recipients": len(ranked),
                             "flagged": sum(1 for r in ranked if r["flagged"]), "method": scores_method}
    label_file = labels or (folder / "labels.csv" if folder is not None and (folder / "labels.csv").exists() else None)
    if label_file is not None and folder is not None:
        from shebao.risk.evaluation import evaluate_rules

        summary["evaluation"] = evaluate_rules(result.findings, folder, label_file)
    if json_out:
        print_json(summary)
        return
    console.print(f"[bold]筛查完成[/bold]（基准日 {day}，引擎 {result.engine}，读入 {result.input_rows:,} 行，"
                  f"用时 {summary['seconds']} 秒）")
    console.print(f"疑点 {len(result.findings)} 条：红色 {by_level['red']}，黄色 {by_level['yellow']}，"
                  f"蓝色 {by_level['blue']}；已写入 {out}（{n} 条）")
    if "stored" in summary:
        s = summary["stored"]
        console.print(f"数据库：新疑点 {s['new']}，已提示过仍待处理 {s['known']}，已处理过 {s['closed']}")
    for rule_id, count in result.by_rule().items():
        console.print(f"  {rule_id}  {cat.rule(rule_id).title}：{count}")
    if "scores" in summary:
        sc = summary["scores"]
        console.print(f"异常模型（{sc['method']}）：{sc['recipients']} 名领取人已打分，前 1% 共 {sc['flagged']} 人，见 {sc['file']}")
    if "evaluation" in summary:
        _print_evaluation(summary["evaluation"])


def _print_evaluation(ev: dict) -> None:
    from rich.table import Table

    table = Table(title="对照合成标签：各规则查准率")
    for col in ("规则", "对应模式", "疑点", "命中", "查准率"):
        table.add_column(col)
    for rule_id, row in ev["rules"].items():
        precision = "—（无注入模式）" if row["precision"] is None else f"{row['precision']:.1%}"
        table.add_row(rule_id, row["pattern"] or "", str(row["alerts"]), str(row["true"]), precision)
    console.print(table)
    for pattern, row in ev["recall"].items():
        kind = "红色模式" if row["red"] else "模式"
        console.print(f"  {kind} {pattern}：注入 {row['injected']}，发现 {row['found']}（查全率 {row['recall']:.1%}）")


@alerts_app.command("list")
def alerts_list(
    status: str | None = typer.Option("new", "--status", help="new | confirmed | dismissed；all 表示全部"),
    level: str | None = typer.Option(None, "--level", help="red | yellow | blue"),
    rule: str | None = typer.Option(None, "--rule", help="规则编号，如 R01"),
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    offset: int = typer.Option(0, "--offset", min=0),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出疑点（默认只列待处理的），红色优先、风险金额从高到低。

    示例：shebao alerts list --level red --limit 20
    """
    from shebao.risk.alerts import AlertError, alert_json, list_alerts

    with acting(as_user, AlertError, code=2) as session:
        rows, total = list_alerts(session, status=None if status == "all" else status, level=level,
                                  rule_id=rule, limit=limit, offset=offset)
        items = [alert_json(a) for a in rows]
    print_page(json_out, total, items, title=f"疑点（共 {total} 条）",
               columns=("编号", "规则", "级别", "人员", "待遇", "风险金额", "状态", "证据"),
               cells=lambda a: [str(a["id"]), a["rule_id"], a["level"], a["person_id"], a["benefit_id"] or "",
                                a["amount_at_risk"], a["status"], a["evidence"]])


@alerts_app.command("confirm")
def alerts_confirm(
    alert_id: int = typer.Argument(..., help="疑点编号"),
    note: str | None = typer.Option(None, "--note", help="核实说明"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """确认疑点（写入审计日志）；红色疑点转待遇暂停与追回（社会保险经办条例 第四十六条）。

    示例：shebao alerts confirm 12 --note "已电话核实死亡"
    """
    from shebao.risk.alerts import AlertError, alert_json, confirm

    with acting(as_user, AlertError) as session:
        _require_auditor(session)
        data = alert_json(confirm(session, alert_id=alert_id, note=note))
    emit(data, json_out, f"[green]疑点 {alert_id} 已确认[/green]" + (f"；{data['handoff']}" if data["handoff"] else ""))


@alerts_app.command("dismiss")
def alerts_dismiss(
    alert_id: int = typer.Argument(..., help="疑点编号"),
    reason: str = typer.Option(..., "--reason", help="排除理由（必填）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """排除疑点并说明理由（写入审计日志；同一疑点下次筛查不再提示）。

    示例：shebao alerts dismiss 12 --reason "夫妻共用账户，已核实"
    """
    from shebao.risk.alerts import AlertError, alert_json, dismiss

    with acting(as_user, AlertError) as session:
        _require_auditor(session)
        data = alert_json(dismiss(session, alert_id=alert_id, reason=reason))
    emit(data, json_out, f"[green]疑点 {alert_id} 已排除[/green]：{reason}")


def _require_auditor(session) -> None:
    role = role_of(session)
    if not has_role(role, Role.AUDITOR):
        fail(f"权限不足：分拣疑点需要稽核员（auditor）角色，当前为 {role}")


@train_app.command("screening")
def train_screening(
    persons: int = typer.Option(20000, "--persons", help="每个合成人群的人数"),
    seed: int = typer.Option(11, "--seed", help="训练人群的随机种子"),
    holdout_seed: int = typer.Option(12, "--holdout-seed", help="评估用（留出）人群的随机种子"),
    as_of: str = typer.Option("2026-10-31", "--as-of", help="特征计算基准日"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 评估结果"),
) -> None:
    """用合成人群的标签重建筛查异常模型（LightGBM；部分模式不参与训练），报告留出种子上的 AUC 和前 1% 查准率。

    模型按版本保存在 $SHEBAO_HOME/models/screening/ 下。

    示例：shebao model train screening --persons 20000 --seed 11 --holdout-seed 12
    """
    from shebao.training.screening import train_from_synth

    try:
        report = train_from_synth(persons=persons, seed=seed, holdout_seed=holdout_seed, as_of=_parse_date(as_of),
                                  progress=None if json_out else console.print)
    except ImportError as exc:
        fail(f"需要合成数据模块（shebao.synth）：{exc}")
    if json_out:
        print_json(report)
        return
    console.print(f"[green]模型已保存[/green]：{report['model_path']}")
    console.print(f"留出种子 {holdout_seed}：AUC {report['holdout']['auc']:.3f}，前 1% 查准率 "
                  f"{report['holdout']['precision_at_1pct']:.1%}")


# --- demo -----------------------------------------------------------------------------------------------

def demo_step(*, as_of: date, folder: Path, quiet: bool) -> dict:
    """``shebao demo``: screen the loaded registry and store the alerts, so that an auditor has a worklist."""
    from shebao.core.db import session_scope
    from shebao.risk.alerts import store_findings
    from shebao.risk.screening import screen_database

    with session_scope() as session:
        session.info.update(actor="admin", actor_role="admin", source="cli:demo")
        result = screen_database(session, as_of=as_of)
        stored, _ = store_findings(session, result.findings, as_of=as_of)
    by_level = {lv: sum(1 for f in result.findings if f.level == lv) for lv in ("red", "yellow", "blue")}
    if not quiet:
        console.print(f"疑点筛查：{len(result.findings)} 条（红 {by_level['red']}，黄 {by_level['yellow']}，"
                      f"蓝 {by_level['blue']}；新增 {stored.new}）")
    return {"alerts": len(result.findings), "alerts_new": stored.new, "alerts_by_level": by_level}


def _register_demo() -> None:
    from shebao.cli.demo import DEMO_STEPS

    if demo_step not in DEMO_STEPS:
        DEMO_STEPS.append(demo_step)


_register_demo()
