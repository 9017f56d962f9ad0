"""``shebao outreach run|deliver|stats|report|optout``: 政策快送."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json

outreach_app = typer.Typer(help="政策快送：选择政策涉及的人、发送个人测算、统计效果。", no_args_is_help=True)
app.add_typer(outreach_app, name="outreach")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"日期格式应为 YYYY-MM-DD：{value}", code=2)
        raise


@outreach_app.command("run")
def run(
    folder: Path | None = typer.Argument(None, help="交换格式目录（只选择，不写发件箱）；省略时按数据库中的登记选择并写入发件箱"),
    as_of: str = typer.Option(..., "--as-of", help="基准日 YYYY-MM-DD"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb（默认）或 spark"),
    campaigns: str | None = typer.Option(None, "--campaigns", help="只运行这些活动，逗号分隔，如 O01,O05"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON：targets、suppressed 等"),
    as_user: str | None = AS_OPTION,
) -> None:
    """选择各活动的对象（每个“活动-人”一行），写入发件箱；退订、再次联系间隔和频次上限计入 suppressed。

    示例：shebao outreach run --as-of 2026-06-30 --json
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shebao.engines.base import EngineError
    from shebao.outreach.catalogue import CampaignError
    from shebao.outreach.service import run_campaigns, select_targets
    from shebao.policy.tree import ParameterMissing

    day = _day(as_of)
    chosen = [c.strip() for c in campaigns.split(",") if c.strip()] if campaigns else None
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                  disable=json_out, transient=True) as bar:
        task = bar.add_task("读取登记数据", total=None)

        def progress(campaign_id: str) -> None:
            bar.update(task, description=f"活动 {campaign_id}")

        try:
            if folder is not None:
                selection = select_targets(None, as_of=day, folder=folder, engine=engine, campaigns=chosen,
                                           progress=progress)
                outbox = None
            else:
                from shebao.cli.common import unit_of_work

                with unit_of_work(as_user) as session:
                    selection, outbox = run_campaigns(session, as_of=day, engine=engine, campaigns=chosen,
                                                      actor=session.info["actor"], progress=progress)
        except (CampaignError, EngineError) as exc:
            fail(str(exc))
        except ParameterMissing as exc:
            fail(f"基准日 {day.isoformat()} 缺少活动所需的政策参数：{exc}")
    result = {"as_of": day.isoformat(), "counts": selection.counts,
              "targets": [t.as_json() for t in selection.targets],
              "suppressed": outbox.suppressed if outbox else [],
              "queued": dict(outbox.queued) if outbox else {},
              "already_in_outbox": outbox.already if outbox else 0,
              "skipped": selection.skipped, "seconds": round(selection.seconds, 2)}
    if json_out:
        print_json(result)
        return
    from shebao.outreach.catalogue import load_catalogue

    cat = load_catalogue()
    console.print(f"[bold]政策快送[/bold]（基准日 {day}，用时 {result['seconds']} 秒）")
    for cid, n in selection.counts.items():
        console.print(f"  {cid} {cat.campaign(cid).title}：{n} 人")
    if outbox is not None:
        console.print(f"写入发件箱：{sum(outbox.queued.values())} 条；暂不发送 {len(outbox.suppressed)} 条；"
                      f"此前已写入 {outbox.already} 条")
    else:
        console.print("（按目录选择：未写入发件箱）")


@outreach_app.command("deliver")
def deliver_cmd(
    limit: int | None = typer.Option(None, "--limit", min=1, help="最多发送多少条"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要"),
) -> None:
    """发送发件箱中到期的消息（门户消息箱；配置后经网关发短信、App 推送或发布到消息队列）。可中断后重跑：不重发、不漏发。

    示例：shebao outreach deliver --json
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from shebao.core.db import session_scope
    from shebao.outreach.service import deliver_pending

    with Progress(SpinnerColumn(), TextColumn("已处理 {task.completed} 条"), console=console, disable=json_out,
                  transient=True) as bar:
        task = bar.add_task("deliver", total=None)
        summary = deliver_pending(session_scope, limit=limit, on_message=lambda: bar.advance(task))
    if json_out:
        print_json(summary.as_json())
        return
    console.print(f"已发送：{dict(summary.sent) or 0}；重发（同一幂等键）{summary.retried}；失败 {summary.failed}；"
                  f"免打扰顺延 {summary.deferred}；退订未发 {len(summary.suppressed)}")


@outreach_app.command("stats")
def stats(json_out: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    """各活动的对象数、送达、打开（门户）和 60 天内办理的人数。

    示例：shebao outreach stats --json
    """
    from shebao.cli.common import unit_of_work
    from shebao.outreach.service import campaign_stats

    with unit_of_work() as session:
        rows = campaign_stats(session)
    if json_out:
        print_json({"campaigns": rows})
        return
    for r in rows:
        console.print(f"{r['campaign_id']} {r['title']}：对象 {r['targeted']}，暂不发送 {r['suppressed']}，送达 {r['delivered']}，"
                      f"打开 {r['opened']}，60天内{r['action']} {r['acted']}")


@outreach_app.command("report")
def report(
    message_id: int = typer.Argument(..., help="发件箱消息编号"),
    out: Path = typer.Option(..., "--out", help="输出文件：.pdf 或 .html"),
) -> None:
    """按保存的输入重新生成某条消息的个人测算报告（PDF 或 HTML）。

    示例：shebao outreach report 1 --out report.pdf
    """
    from shebao.cli.common import unit_of_work
    from shebao.outreach.service import report_html, report_pdf

    if out.suffix.lower() not in (".pdf", ".html"):
        fail("--out 应以 .pdf 或 .html 结尾", code=2)
    with unit_of_work() as session:
        data = (report_pdf(session, message_id=message_id) if out.suffix.lower() == ".pdf"
                else report_html(session, message_id=message_id).encode("utf-8"))
    out.write_bytes(data)
    console.print(f"已写入 {out}")


@outreach_app.command("optout")
def optout(
    person_id: str = typer.Argument(..., help="参保人编号"),
    channel: str = typer.Option("all", "--channel", help="all（全部）、portal、sms、app 或 broker"),
    as_user: str | None = AS_OPTION,
) -> None:
    """登记本人退订（立即生效：尚未发送的消息不再发送）。

    示例：shebao outreach optout P000000046 --channel sms
    """
    from shebao.cli.common import unit_of_work
    from shebao.outreach.service import opt_out

    if channel not in ("all", "portal", "sms", "app", "broker"):
        fail("--channel 应为 all、portal、sms、app 或 broker", code=2)
    with unit_of_work(as_user) as session:
        opt_out(session, person_id=person_id, channel=channel, source="clerk")
    console.print(f"已登记 {person_id} 退订（{channel}）")
