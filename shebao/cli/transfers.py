"""``shebao transfer plan|apply|certificate|accept|fund|records|refuse|show|list``: moving a person's
pension insurance between regions (养老保险关系转移接续, issue 21)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json, read_json_input, unit_of_work
from shebao.cli.demo import DEMO_BEFORE_LOAD, DEMO_STEPS
from shebao.core.roles import Role, has_role

transfer_app = typer.Typer(help="养老保险关系转移接续：测算转移资金、受理、出具凭证、联系函、基金核对、接续记录。",
                           no_args_is_help=True)
app.add_typer(transfer_app, name="transfer")

PLAN_FIELDS = ("kind", "personal_account_transfer", "pooled_fund_transfer", "total_transfer", "years_combined",
               "temporary_account", "pension_place", "trace")
KIND_LABELS = {"cross_province": "跨省转移", "within_province": "省内转移（省级统筹，只转关系和记录）"}
DATE_OPTION = typer.Option(None, "--date", help="办理日期 YYYY-MM-DD（默认今天）")
JSON_OPTION = typer.Option(False, "--json", help="输出 JSON")


def _errors() -> tuple[type[Exception], ...]:
    from shebao.benefits.transfers import TransferError
    from shebao.policy.common import InputError
    from shebao.policy.tree import ParameterMissing

    return (TransferError, InputError, ParameterMissing)


def _field_message(exc: Exception) -> str:
    field = getattr(exc, "field", None)
    text = str(exc)
    return text if not field or field in text else f"{text}（字段 {field}）"


def _date(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--date 应为 YYYY-MM-DD，收到的是 {value}", code=2)
        raise  # unreachable: fail exits


def _require(role: str | None, needed: Role, what: str) -> None:
    if not has_role(role, needed):
        fail(f"权限不足：{what}需要{'经办员（clerk）' if needed == Role.CLERK else '复核员（reviewer）'}角色，当前为 {role}")


def _print_plan(out: dict[str, Any]) -> None:
    console.print(f"[bold]{KIND_LABELS[out['kind']]}[/bold]")
    console.print(f"  个人账户转移额 {out['personal_account_transfer']} 元；统筹基金转移额 {out['pooled_fund_transfer']} 元；"
                  f"合计 [bold]{out['total_transfer']}[/bold] 元")
    console.print(f"  累计缴费年限 {out['years_combined']} 年；临时缴费账户：{'是' if out['temporary_account'] else '否'}；"
                  f"待遇领取地 {out['pension_place']}")
    from rich.markup import escape

    for step in out["trace"]:
        mark = "" if step.get("verified") else f"（依据未核实，来源级别 {step.get('source_level')}）"
        console.print(escape(f"  · {step['figure']} = {step['result']}：{step['rule']}  〔{step['reference']}〕{mark}"))


@transfer_app.command("plan")
def plan_command(
    file: str = typer.Argument(..., help="输入 JSON 文件，- 表示标准输入：缴费历史，或 {person_id, to_region, date, household_region}"),
    json_out: bool = JSON_OPTION,
) -> None:
    """测算一次转移：类型、个人账户和统筹基金转移额（到分）、累计年限、是否建临时缴费账户、待遇领取地及计算过程。

    示例：echo '{"from_region":"110105","to_region":"370502","date":"2025-06-02","household_region":"370502","birth_date":"1985-01-01","sex":"M","contributions":[{"region":"110105","year":2024,"months":12,"monthly_base":"6000"}],"account_balance":"5760.00","account_pre1998_own":"0"}' | shebao transfer plan - --json
    """
    from shebao.cases.transfers import plan_transfer

    raw = read_json_input(file)
    try:
        if isinstance(raw, dict) and raw.get("person_id") and "contributions" not in raw:
            with unit_of_work(None, source="cli:transfer.plan") as session:
                out = plan_transfer(session, raw)
        else:
            out = plan_transfer(None, raw)
    except _errors() as exc:
        fail(_field_message(exc))
    if json_out:
        print_json({k: out[k] for k in PLAN_FIELDS})
    else:
        _print_plan(out)


def _show(view: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(view)
        return
    console.print(f"转移业务 [bold]{view['transfer_no']}[/bold]：{view['status_label']}"
                  f"（{view['from_region']} → {view['to_region']}，{KIND_LABELS[view['kind']]}）")
    console.print(f"  应转 {view['total_transfer']} 元（个人账户 {view['personal_account_transfer']}，统筹基金 "
                  f"{view['pooled_fund_transfer']}）" + ("；建临时缴费账户" if view["temporary_account"] else ""))
    if view.get("next_step"):
        console.print(f"  下一步：{view['next_step_label']}，期限 {view['deadline']}")
    for s in view.get("steps") or []:
        late = "[red]超期[/red]" if s["overdue"] else "按期"
        console.print(f"  · {s['label']}：{s['done_on']}（期限 {s['deadline']}，用 {s['working_days']} 个工作日，{late}）")


def _step(as_user: str | None, source: str, role: Role, what: str, fn, json_out: bool) -> None:
    from shebao.cases.transfers import view

    try:
        with unit_of_work(as_user, source=source) as session:
            _require(session.info.get("actor_role"), role, what)
            t = fn(session)
            out = view(session, t)
    except _errors() as exc:
        fail(_field_message(exc))
    _show(out, json_out)


@transfer_app.command("apply")
def apply_command(
    file: str = typer.Argument(..., help="申请 JSON：{person_id, to_region, household_region[, account_pre1998_own]}，- 表示标准输入"),
    key: str = typer.Option(..., "--key", help="幂等键：同一键重复提交得到同一笔业务"),
    date: str | None = DATE_OPTION, json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION,
) -> None:
    """转入地受理转移申请（计算并保存转移测算）。

    示例：echo '{"person_id":"P000000001","to_region":"370502","household_region":"370502"}' | shebao transfer apply - --key zy-1 --date 2025-03-03
    """
    from shebao.cases import transfers as tr

    raw = read_json_input(file)
    if not isinstance(raw, dict):
        fail("申请应为一个 JSON 对象", code=2)
    on = _date(date)
    _step(as_user, "cli:transfer.apply", Role.CLERK, "受理转移",
          lambda s: tr.apply(s, raw=raw, idempotency_key=key, on=on)[0], json_out)


@transfer_app.command("certificate")
def certificate_command(transfer_no: str = typer.Argument(..., help="转移业务号 ZY…"), date: str | None = DATE_OPTION,
                        json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION) -> None:
    """转出地从登记库出具参保缴费凭证。

    示例：shebao transfer certificate ZY20250303000001 --date 2025-03-10
    """
    from shebao.cases import transfers as tr

    on = _date(date)
    _step(as_user, "cli:transfer.certificate", Role.CLERK, "出具凭证",
          lambda s: tr.issue_certificate(s, transfer_no=transfer_no, on=on), json_out)


@transfer_app.command("accept")
def accept_command(transfer_no: str = typer.Argument(..., help="转移业务号 ZY…"), date: str | None = DATE_OPTION,
                   json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION) -> None:
    """转入地发出联系函，同意接收（需建临时缴费账户的，业务在此办结）。

    示例：shebao transfer accept ZY20250303000001 --date 2025-03-20
    """
    from shebao.cases import transfers as tr

    on = _date(date)
    _step(as_user, "cli:transfer.accept", Role.CLERK, "发联系函",
          lambda s: tr.accept(s, transfer_no=transfer_no, on=on), json_out)


@transfer_app.command("fund")
def fund_command(
    transfer_no: str = typer.Argument(..., help="转移业务号 ZY…"),
    personal: str = typer.Option(..., "--personal", help="转出地结算单：个人账户金额（元）"),
    pooled: str = typer.Option(..., "--pooled", help="转出地结算单：统筹基金金额（元）"),
    statement_no: str = typer.Option("", "--statement-no", help="结算单号"),
    accept_difference: bool = typer.Option(False, "--accept-difference", help="复核员：接受与测算的差额（须 --comment）"),
    comment: str = typer.Option("", "--comment", help="接受差额的理由"),
    date: str | None = DATE_OPTION, json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION,
) -> None:
    """记录转出地转来的基金，按结算单逐分核对；不符则挂起，待更正的结算单或复核员接受差额。

    示例：shebao transfer fund ZY20250303000001 --personal 20000.00 --pooled 13320.36 --statement-no BJ-1 --date 2025-04-01
    """
    from shebao.cases import transfers as tr

    on = _date(date)
    role = Role.REVIEWER if accept_difference else Role.CLERK
    _step(as_user, "cli:transfer.fund", role, "接受基金差额" if accept_difference else "记录基金",
          lambda s: tr.record_fund(s, transfer_no=transfer_no, personal=personal, pooled=pooled,
                                   statement_no=statement_no, on=on, accept_difference=accept_difference,
                                   comment=comment)[0], json_out)


@transfer_app.command("refuse")
def refuse_command(transfer_no: str = typer.Argument(..., help="转移业务号 ZY…"),
                   reason: str = typer.Option(..., "--reason", help="不予受理的理由（告知本人）"),
                   date: str | None = DATE_OPTION, json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION) -> None:
    """不予受理（在发出联系函之前）。

    示例：shebao transfer refuse ZY20250303000001 --reason "已领取基本养老金，不再转移"
    """
    from shebao.cases import transfers as tr

    on = _date(date)
    _step(as_user, "cli:transfer.refuse", Role.CLERK, "不予受理",
          lambda s: tr.refuse(s, transfer_no=transfer_no, reason=reason, on=on), json_out)


@transfer_app.command("records")
def records_command(
    transfer_no: str = typer.Argument(..., help="转移业务号 ZY…"),
    statement: str | None = typer.Option(None, "--statement", help="转出地缴费明细 JSON（登记库外的月份：[{period, base, employee_amount, employer_amount, employer_id}]），- 表示标准输入"),
    chunk_size: int = typer.Option(500, "--chunk-size", min=1, help="每个事务接续的记录数"),
    date: str | None = DATE_OPTION, json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION,
) -> None:
    """接续缴费记录并标明来源地，办结业务；中断后重跑只接续剩下的记录（不重复、不遗漏）。

    示例：shebao transfer records ZY20250303000001 --date 2025-04-10
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shebao.benefits.transfers import parse_statement_rows
    from shebao.cases import transfers as tr
    from shebao.core.db import get_engine

    on = _date(date)
    raw_rows = read_json_input(statement) if statement else []
    if isinstance(raw_rows, dict):
        raw_rows = raw_rows.get("records", [])
    if not isinstance(raw_rows, list):
        fail("缴费明细应为 JSON 数组，或 {\"records\": [...]}", code=2)
    try:
        rows = parse_statement_rows(raw_rows)
        with unit_of_work(as_user, source="cli:transfer.records") as session:
            _require(session.info.get("actor_role"), Role.CLERK, "接续记录")
            actor, role = session.info["actor"], session.info["actor_role"]
        with Progress(TextColumn("接续记录"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("records", total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            tr.move_records_step(get_engine(), transfer_no=transfer_no, rows=rows, on=on, actor=actor,
                                 actor_role=role, source="cli:transfer.records", chunk_size=chunk_size,
                                 on_chunk=report)
        with unit_of_work(as_user, source="cli:transfer.records") as session:
            out = tr.view(session, tr.get(session, transfer_no))
    except _errors() as exc:
        fail(_field_message(exc))
    _show(out, json_out)


@transfer_app.command("show")
def show_command(transfer_no: str = typer.Argument(..., help="转移业务号 ZY…"), json_out: bool = JSON_OPTION,
                 as_user: str | None = AS_OPTION) -> None:
    """查看一笔转移业务：测算、凭证、结算单和每一步的期限。

    示例：shebao transfer show ZY20250303000001 --json
    """
    from shebao.cases import transfers as tr

    try:
        with unit_of_work(as_user, source="cli:transfer.show") as session:
            out = tr.view(session, tr.get(session, transfer_no))
    except _errors() as exc:
        fail(_field_message(exc))
    _show(out, json_out)


@transfer_app.command("place")
def place_command(person_id: str = typer.Argument(..., help="参保人编号"),
                  household: str | None = typer.Option(None, "--household", help="户籍所在地（默认取最近一次转移登记的户籍地）"),
                  date: str | None = DATE_OPTION, json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION) -> None:
    """待遇领取地：按全部缴费记录（含转入的记录）和户籍地判断，退休时由哪里核算和支付。

    示例：shebao transfer place P000000001 --household 370502
    """
    from shebao.benefits.transfers import retirement_place

    on = _date(date)
    try:
        with unit_of_work(as_user, source="cli:transfer.place") as session:
            out = retirement_place(session, person_id=person_id, on=on, household_region=household)
    except _errors() as exc:
        fail(_field_message(exc))
    if out is None:
        fail(f"参保人 {person_id} 没有转移登记：请用 --household 给出户籍所在地")
    if json_out:
        print_json(out)
        return
    console.print(f"待遇领取地 [bold]{out['pension_place']}[/bold]（{out['step']['rule']}）；累计缴费 {out['months']} 个月"
                  + ("；有临时缴费账户，须先归集" if out["temporary_account"] else ""))


@transfer_app.command("list")
def list_command(status: str | None = typer.Option(None, "--status", help="open（未办结）或某一状态"),
                 json_out: bool = JSON_OPTION, as_user: str | None = AS_OPTION) -> None:
    """列出转移业务（最近 200 笔）。

    示例：shebao transfer list --status open
    """
    from shebao.cases import transfers as tr

    with unit_of_work(as_user, source="cli:transfer.list") as session:
        rows = [tr.view(session, t, full=False) for t in tr.list_transfers(session, status=status)]
    if json_out:
        print_json(rows)
        return
    for v in rows:
        console.print(f"{v['transfer_no']}  {v['person_id']}  {v['from_region']}→{v['to_region']}  {v['status_label']}"
                      f"  应转 {v['total_transfer']}" + (f"  期限 {v['deadline']}" if v["deadline"] else ""))
    if not rows:
        console.print("没有转移业务")


# --- the demo: a few movers, their transfers at different steps ----------------------------------------

DEMO_MOVERS_PER = 500  # one mover per this many persons (at least 4)


def demo_movers(*, folder, seed: int, as_of, persons: int) -> dict:
    """Before the demo loads its population: turn a few persons into movers (``synth --movers``)."""
    from shebao.synth.movers import add_movers

    return {"movers": add_movers(folder, count=max(4, persons // DEMO_MOVERS_PER), seed=seed, as_of=as_of)}


def demo_transfers(*, as_of, folder, quiet: bool = False) -> dict:
    """After loading: open a transfer for each mover, taken to a different step each (none closed, so
    that loading the same population again leaves the registry as it is)."""
    import csv

    from shebao.cases import transfers as tr
    from shebao.core.db import session_scope

    path = folder / "movers.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        movers = list(csv.DictReader(fh))
    opened = skipped = 0
    for i, m in enumerate(movers):
        try:
            with session_scope() as session:
                session.info.update(actor="admin", actor_role="admin", source="cli:demo")
                # synthetic persons have no pre-1998 split of their account: the demo takes it as 0
                raw = {k: m[k] for k in ("person_id", "to_region", "household_region")} | {"account_pre1998_own": "0"}
                t, created = tr.apply(session, raw=raw, idempotency_key=f"demo-transfer-{m['person_id']}", on=as_of)
                if created:
                    opened += 1
                    if i % 4 >= 1:
                        tr.issue_certificate(session, transfer_no=t.transfer_no, on=as_of)
                    if i % 4 >= 2:
                        tr.accept(session, transfer_no=t.transfer_no, on=as_of)
                    if i % 4 == 3 and t.kind == "cross_province" and not t.temporary_account:
                        tr.record_fund(session, transfer_no=t.transfer_no, personal=t.personal_planned,
                                       pooled=t.pooled_planned, statement_no=f"DEMO-{i}", on=as_of)
        except _errors() as exc:
            skipped += 1
            if not quiet:
                console.print(f"演示转移跳过 {m['person_id']}：{exc}")
    if not quiet:
        console.print(f"关系转移演示：{opened} 笔（/staff/transfers）")
    return {"transfers": opened, "transfers_skipped": skipped}


DEMO_BEFORE_LOAD.append(demo_movers)
DEMO_STEPS.append(demo_transfers)
