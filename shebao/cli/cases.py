"""``shebao apply``, ``shebao reviews list|claim|approve|reject|return``, ``shebao stats``,
``shebao model train applications``; and the demo step that runs applications through the pipeline."""

from __future__ import annotations

import json

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, json_error, print_json, read_text_input, unit_of_work
from shebao.cli.demo import DEMO_STEPS
from shebao.cli.risk import train_app
from shebao.core.roles import Role, has_role

reviews_app = typer.Typer(help="复核队列：查看、认领、核准、驳回、退回（复核员）。", no_args_is_help=True)
app.add_typer(reviews_app, name="reviews")

STATUS_LABELS = {"approved": "[green]已核准[/green]", "review": "[yellow]转人工复核[/yellow]",
                 "rejected": "[red]不予核准[/red]", "returned": "[yellow]退回补正[/yellow]"}


def _print_application(view: dict) -> None:
    d = view["decision"]
    console.print(f"受理号 {view['application_no']}：{STATUS_LABELS.get(view['status'], view['status'])}"
                  f"（用时 {view['decision_ms']} 毫秒，期限 {view['deadline']}）")
    if d.get("monthly_amount"):
        console.print(f"  月金额 {d['monthly_amount']} 元，自 {d['start_date']} 起" + ("（暂核）" if d["provisional"] else ""))
    for r in d.get("reasons") or []:
        console.print(f"  · {r.get('text')}" + (f"（{r['reference']}）" if r.get("reference") else ""))
    risk = view["risk"]
    console.print(f"  风险：{risk['level']}（{risk['score']}）"
                  + "；".join(f" {f['label']}={f['value']}" for f in risk.get("factors") or []))


@app.command("apply")
def apply(
    file: str = typer.Argument(..., help="申请 JSON 文件（一个申请；或数组、每行一个的 JSON Lines 批量提交），- 表示标准输入"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    batch_size: int = typer.Option(100, "--batch-size", min=1, help="批量提交时每个事务的申请数"),
    as_user: str | None = AS_OPTION,
) -> None:
    """提交待遇申领（养老金或失业保险金），即时自动决定；文件中有多个申请时批量提交。

    示例：echo '{"kind":"pension","person_id":"P000000001","idempotency_key":"k1","bank_account":"6222021234567890128","facts":{}}' | shebao apply - --json
    """
    from pydantic import ValidationError

    from shebao.cases.pipeline import IntakeError, application_view, submit_application
    from shebao.cases.schemas import ApplicationCreate

    data = _read_applications(file)
    if isinstance(data, list):
        _apply_batch(data, json_out=json_out, batch_size=batch_size, as_user=as_user)
        return
    try:
        payload = ApplicationCreate.model_validate(data)
    except ValidationError as exc:
        fail("申请数据有误：" + "；".join(f"{_field(e)}: {e['msg']}" for e in exc.errors()),
             code=2)
    try:
        with unit_of_work(as_user, source="cli:apply") as session:
            _require_clerk(session.info.get("actor_role"))
            application, created = submit_application(session, payload)
            view = application_view(application, full=json_out)
            view["created"] = created
    except IntakeError as exc:
        fail(str(exc))
    if json_out:
        print_json(view)
    else:
        _print_application(view)


def _read_applications(path: str):
    """One JSON document (an application, or an array of them), or JSON Lines (one application a line;
    a line that is not JSON stays in the list as its error message, so that its number is reported)."""
    text = read_text_input(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as first:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            fail(json_error(first))
        records: list = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                records.append(_BadLine(json_error(exc)))
        return records


class _BadLine(str):
    """A JSON Lines record that is not JSON (its error message)."""


def _field(error: dict) -> str:
    return ".".join(str(x) for x in error["loc"])


def _require_clerk(role: str | None) -> None:
    if not has_role(role, Role.CLERK):
        fail(f"权限不足：提交申请需要经办员（clerk）角色，当前为 {role}")


def _apply_batch(records: list, *, json_out: bool, batch_size: int, as_user: str | None) -> None:
    """Many applications: each record validated (bad ones reported by record and field, the rest go on),
    then the pipeline in transactions of ``batch_size``, with a progress bar."""
    from pydantic import ValidationError
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shebao.cases.pipeline import submit_batch
    from shebao.cases.schemas import ApplicationCreate

    with unit_of_work(as_user, source="cli:apply") as session:
        actor, role = session.info.get("actor"), session.info.get("actor_role")
    _require_clerk(role)
    invalid: list[dict] = []
    payloads: list[ApplicationCreate] = []
    numbers: list[int] = []
    for number, record in enumerate(records, start=1):
        if isinstance(record, _BadLine):
            invalid.append({"record": number, "field": "", "reason": str(record)})
            continue
        try:
            payloads.append(ApplicationCreate.model_validate(record))
            numbers.append(number)
        except ValidationError as exc:
            invalid += [{"record": number, "field": _field(e), "reason": e["msg"]}
                        for e in exc.errors()]
    refused: list[tuple[int, str]] = []
    with Progress(TextColumn("申请"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True, disable=json_out) as bar:
        task = bar.add_task("apply", total=len(payloads))
        counts = submit_batch(payloads, actor=actor, actor_role=role, source="cli:apply", batch_size=batch_size,
                              progress=lambda n: bar.advance(task, n), refused=refused)
    out = {"records": len(records), "invalid": len({i["record"] for i in invalid}), **counts,
           "invalid_records": invalid,
           "refused_records": [{"record": numbers[i], "reason": reason} for i, reason in refused]}
    if json_out:
        print_json(out)
        return
    console.print("；".join(f"{k} {v}" for k, v in out.items() if isinstance(v, int)))
    for item in out["invalid_records"] + out["refused_records"]:
        console.print(f"第 {item['record']} 条：{item.get('field') or ''} {item['reason']}".replace("  ", " "))


VISIBILITY_OPTION = typer.Option(None, "--visibility",
                                 help="意见范围：internal（仅内部可见）或 applicant（告知申请人）；填写意见时必选")


def _review_action(action: str, application_no: str, comment: str, amount: str | None, as_user: str | None,
                   json_out: bool, visibility: str | None = None, start_date: str | None = None) -> None:
    from shebao.cases.pipeline import application_view
    from shebao.cases.queue import ReviewError, decide

    try:
        with unit_of_work(as_user, source="cli:reviews") as session:
            application = decide(session, application_no=application_no, action=action, comment=comment,
                                 monthly_amount=amount, start_date=start_date, comment_visibility=visibility)
            view = application_view(application)
    except (ReviewError, PermissionError, ValueError) as exc:
        fail(str(exc))
    if json_out:
        print_json(view)
    else:
        _print_application(view)


@reviews_app.command("list")
def reviews_list(
    mine: bool = typer.Option(False, "--mine", help="只看我认领的"),
    limit: int = typer.Option(50, "--limit"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """复核队列（临近法定期限的排在前面）。

    示例：shebao reviews list --as reviewer1 --json
    """
    from rich.table import Table

    from shebao.cases.queue import list_queue

    with unit_of_work(as_user, source="cli:reviews") as session:
        rows = list_queue(session, mine=session.info["actor"] if mine else None, limit=limit)
    if json_out:
        print_json(rows)
        return
    table = Table("受理号", "种类", "期限", "剩余工作日", "风险", "阶段", "认领人", "原因")
    for r in rows:
        table.add_row(r["application_no"], r["kind"], r["deadline"],
                      f"[red]{r['working_days_left']}[/red]" if r["urgent"] else str(r["working_days_left"]),
                      r["risk_level"] or "", r["stage"] or "", r["claimed_by"] or "", "、".join(r["reasons"]))
    console.print(table)


@reviews_app.command("claim")
def reviews_claim(
    application_no: str | None = typer.Argument(None, help="受理号（默认认领队首）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """认领一件待复核申请（默认队首；两名复核员不会认领同一件）。

    示例：shebao reviews claim --as reviewer1
    """
    from shebao.cases.queue import ReviewError, claim, review_view

    try:
        with unit_of_work(as_user, source="cli:reviews") as session:
            view = review_view(session, claim(session, application_no=application_no))
    except (ReviewError, PermissionError) as exc:
        fail(str(exc))
    if json_out:
        print_json(view)
    else:
        _print_application(view)
        for step in view.get("steps") or []:
            console.print(f"  步骤 {step['step']}：{step['outcome']}（{step['duration_ms']} 毫秒）")


@reviews_app.command("approve")
def reviews_approve(
    application_no: str = typer.Argument(...),
    comment: str = typer.Option("", "--comment"),
    amount: str | None = typer.Option(None, "--amount", help="核定的月金额（元；默认为规则计算结果）"),
    start_date: str | None = typer.Option(None, "--start-date", help="待遇起始日期 YYYY-MM-DD（默认为规则结果）"),
    visibility: str | None = VISIBILITY_OPTION,
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """核准已认领的申请：第一复核员提出金额、起始日期和事项；需四眼时由第二名复核员原样确认。

    示例：shebao reviews approve YL2025093000123 --as reviewer1
    """
    _review_action("approve", application_no, comment, amount, as_user, json_out, visibility, start_date)


@reviews_app.command("reject")
def reviews_reject(
    application_no: str = typer.Argument(...),
    comment: str = typer.Option(..., "--comment", help="驳回理由（必填）"),
    visibility: str = typer.Option("applicant", "--visibility", help="applicant（写入通知，默认）或 internal"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """驳回已认领的申请（通知中附理由和复议、诉讼权利）。

    示例：shebao reviews reject YL2025093000123 --comment "离职原因为本人辞职" --as reviewer1
    """
    _review_action("reject", application_no, comment, None, as_user, json_out, visibility)


@reviews_app.command("return")
def reviews_return(
    application_no: str = typer.Argument(...),
    comment: str = typer.Option(..., "--comment", help="需要补正的内容（必填）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """退回补正：申请人补正后可重新提交（意见写入给申请人的通知）。

    示例：shebao reviews return YL2025093000123 --comment "请提供解除劳动合同证明" --as reviewer1
    """
    _review_action("return", application_no, comment, None, as_user, json_out, "applicant")


@reviews_app.command("return-to-first")
def reviews_return_to_first(
    application_no: str = typer.Argument(...),
    comment: str = typer.Option(..., "--comment", help="退回理由（必填，仅内部可见）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """第二次复核：不确认第一复核员的核准意见，退回其重新提出（理由仅内部可见）。

    示例：shebao reviews return-to-first YL2025093000123 --comment "起始日期应为离职次月" --as reviewer2
    """
    _review_action("return_to_first", application_no, comment, None, as_user, json_out, "internal")


@app.command("stats")
def stats_cmd(
    kind: str | None = typer.Option(None, "--kind", help="pension 或 unemployment"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """速办统计：决定用时中位数与 P95、直通率、复核率、驳回率、退回率、复核差错率。

    示例：shebao stats --json
    """
    from shebao.cases.metrics import stats

    with unit_of_work(as_user, source="cli:stats") as session:
        data = stats(session, kind=kind)
    if json_out:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"{key}: {value}")


@train_app.command("applications")
def train_applications(
    persons: int = typer.Option(20000, "--persons", help="每个合成人群的人数"),
    seed: int = typer.Option(21, "--seed", help="训练人群的随机种子"),
    holdout_seed: int = typer.Option(22, "--holdout-seed", help="评估用（留出）人群的随机种子"),
    as_of: str = typer.Option("2026-10-31", "--as-of", help="合成数据截止日"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 评估结果"),
) -> None:
    """用合成人群重建申领风险模型（LightGBM；部分模式不参与训练），报告留出种子上的 AUC 和复核预算内的查准率。

    模型按版本保存在 $SHEBAO_HOME/models/applications/ 下（评分时优先使用最新版本）。

    示例：shebao model train applications --persons 20000 --seed 21 --holdout-seed 22
    """
    from datetime import date

    from shebao.training.applications import train_from_synth

    report = train_from_synth(persons=persons, seed=seed, holdout_seed=holdout_seed,
                              as_of=date.fromisoformat(as_of), progress=None if json_out else console.print)
    if json_out:
        print_json(report)
        return
    h = report["holdout"]
    console.print(f"[green]模型已保存[/green]：{report['model_path']}")
    console.print(f"留出种子 {holdout_seed}：AUC {h['auc']}，复核预算 {h['review_budget']:.0%} 内查准率 "
                  f"{h['precision_at_budget']:.1%}、召回率 {h['recall_at_budget']:.1%}")


def demo_applications(*, as_of, folder, quiet: bool = False) -> dict:
    """Demo step: apply for everyone who reached retirement age or lost a job, through the pipeline."""
    from shebao.cases.demo import run_demo_applications

    return run_demo_applications(as_of=as_of, folder=folder, say=None if quiet else console.print)


DEMO_STEPS.append(demo_applications)
