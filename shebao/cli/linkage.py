"""``shebao link [DIR]`` (record linkage), ``shebao link review|accept|reject|merge|unmerge|merges``."""

from __future__ import annotations

from pathlib import Path

import click
import typer
from typer.core import TyperGroup

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json
from shebao.core.roles import Role, has_role, role_of
from shebao.linkage.link import MATCH_THRESHOLD, REVIEW_THRESHOLD


class _LinkGroup(TyperGroup):
    """``shebao link DIR --out ...`` runs the linkage; ``shebao link unmerge ...`` a subcommand.

    A word that is not a subcommand (the folder, or an option) goes to the hidden ``run`` command.
    """

    def resolve_command(self, ctx: click.Context, args: list[str]):  # type: ignore[override]
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        return "run", self.commands["run"], args

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]  # the folder or options of the linkage itself
        return super().parse_args(ctx, args)


link_app = typer.Typer(
    cls=_LinkGroup,
    help=(f"记录关联（一人一档）：找出同一人的多条登记记录，复核后合并，可撤销。\n\n"
          f"shebao link [DIR] --out clusters.csv [--engine duckdb|spark] [--threshold P] "
          f"[--review-out pairs.csv] [--json]：关联 DIR 的 persons.csv（省略 DIR 时关联数据库中的登记库，"
          f"不修改登记库）。匹配概率 ≥ P（默认 {MATCH_THRESHOLD}，按基准测试选定）的记录对并为一组；"
          f"{REVIEW_THRESHOLD} 至 P 之间的进入复核。\n\n"
          f"示例：shebao link ./var/synth --out clusters.csv --review-out pairs.csv"),
    no_args_is_help=False,
)
app.add_typer(link_app, name="link")


def _require_linkage_role(session) -> None:
    role = role_of(session)
    if not has_role(role, Role.REVIEWER, Role.AUDITOR):
        fail(f"权限不足：复核与合并人员记录需要复核员（reviewer）或稽核员（auditor）角色，当前为 {role}")


@link_app.command("run", hidden=True)
def link_run(
    folder: Path | None = typer.Argument(None, help="交换格式目录（读取其中的 persons.csv）；省略时关联数据库中的登记库"),
    out: Path = typer.Option(..., "--out", help="聚类结果 CSV：person_id,cluster_id,match_probability"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb（默认，嵌入式）或 spark"),
    threshold: float = typer.Option(MATCH_THRESHOLD, "--threshold",
                                    help=f"匹配阈值：概率不低于此值的记录对并为一组（默认 {MATCH_THRESHOLD}，按基准测试选定）"),
    review_threshold: float = typer.Option(REVIEW_THRESHOLD, "--review-threshold",
                                           help=f"复核下限：概率在此值与匹配阈值之间的记录对进入复核（默认 {REVIEW_THRESHOLD}）"),
    review_out: Path | None = typer.Option(None, "--review-out", help="待复核记录对 CSV（含各项比对结果）"),
    store: bool = typer.Option(True, "--store/--no-store", help="关联数据库时把待复核记录对写入复核队列"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要（数量、阈值、用时）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """关联人员记录，输出聚类结果（每条记录一行，单独一条记录自成一组）。

    示例：shebao link ./var/synth --out clusters.csv --review-out pairs.csv --json
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from shebao.engines.base import EngineError
    from shebao.linkage.link import LinkageError, write_clusters_csv, write_review_csv
    from shebao.linkage.service import link_database, link_folder, store_review_pairs
    from shebao.linkage.sources import SourceError

    if engine not in ("duckdb", "spark"):
        fail(f"未知引擎：{engine}（可选 duckdb、spark）", code=2)
    stored = None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  disable=json_out, transient=True) as bar:
        task = bar.add_task("准备", total=None)

        def progress(step: str) -> None:
            bar.update(task, description=step)

        try:
            if folder is None:
                from shebao.cli.common import unit_of_work

                with unit_of_work(as_user) as session:
                    result = link_database(session, engine=engine, threshold=threshold,
                                           review_threshold=review_threshold, progress=progress)
                    if store:
                        stored = store_review_pairs(session, result)
            else:
                result = link_folder(folder, engine=engine, threshold=threshold, review_threshold=review_threshold,
                                     progress=progress)
        except (SourceError, LinkageError, EngineError) as exc:
            fail(str(exc))
    n = write_clusters_csv(result, out)
    if review_out is not None:
        write_review_csv(result.review, review_out)
    summary = {
        "records": result.records, "clusters": result.n_clusters, "linked_records": result.n_linked_records,
        "review_pairs": len(result.review), "pairs_scored": result.pairs_scored,
        "invalid_id_numbers": result.invalid_id, "missing_id_numbers": result.missing_id,
        "thresholds": {"match": result.threshold, "review": result.review_threshold},
        "engine": result.engine, "out": str(out), "review_out": str(review_out) if review_out else None,
        "rows_written": n, "seconds": {k: round(v, 2) for k, v in result.timings.items()},
    }
    if result.notes.get("bad_birth_date"):
        summary["bad_birth_date"] = len(result.notes["bad_birth_date"])
    if stored is not None:
        summary["review_queue"] = stored
    if result.notes.get("training_skipped"):
        summary["training_skipped"] = result.notes["training_skipped"]
    if json_out:
        print_json(summary)
        return
    console.print(f"[bold]关联完成[/bold]（引擎 {result.engine}，{result.records:,} 条记录，"
                  f"用时 {sum(result.timings.values()):.1f} 秒）")
    console.print(f"分为 {result.n_clusters:,} 组，其中 {result.n_linked_records:,} 条记录与他人并组；"
                  f"已写入 {out}")
    console.print(f"待复核记录对 {len(result.review):,} 个（概率 {result.review_threshold}–{result.threshold}）"
                  + (f"，已写入 {review_out}" if review_out else ""))
    if result.invalid_id:
        console.print(f"[yellow]{result.invalid_id} 条记录的身份证号校验不通过：仍按其他字段关联[/yellow]"
                      "（身份证号差一两位的记录按“差一位/差两位”比对）")
    if stored is not None:
        console.print(f"复核队列：新增 {stored['new']}，更新 {stored['updated']}")


@link_app.command("review")
def link_review(
    status: str = typer.Option("pending", "--status", help="pending | accepted | rejected | merged；all 表示全部"),
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    offset: int = typer.Option(0, "--offset", min=0),
    pair: int | None = typer.Option(None, "--pair", help="只看这一对：两条记录并排（已脱敏）及各项比对结果"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出待复核的疑似同一人记录对（概率从高到低），或并排查看一对。

    示例：shebao link review --limit 20；shebao link review --pair 12
    """
    from shebao.cli.common import unit_of_work
    from shebao.linkage.service import ReviewError, compare_pair, list_review, pair_json

    with unit_of_work(as_user) as session:
        _require_linkage_role(session)
        try:
            if pair is not None:
                data = compare_pair(session, pair_id=pair)
            else:
                rows, total = list_review(session, status=None if status == "all" else status, limit=limit,
                                          offset=offset)
                data = {"total": total, "items": [pair_json(r) for r in rows]}
        except ReviewError as exc:
            fail(str(exc), code=2)
    if json_out:
        print_json(data)
        return
    from rich.table import Table

    if pair is not None:
        table = Table(title=f"记录对 {pair}（匹配概率 {data['match_probability']:.3f}）")
        for col in ("字段", data["person_id_l"], data["person_id_r"], "合并时取自"):
            table.add_column(col)
        for f in data["fields"]:
            table.add_row(data["field_titles"][f], data["left"][f], data["right"][f], data["fields_by_rule"][f])
        console.print(table)
        for lv in data["levels"].values():
            console.print(f"  {lv['title']}：{lv['level']}")
        console.print(f"按规则保留记录：{data['survivor_by_rule']}")
        return
    table = Table(title=f"待复核记录对（共 {data['total']} 个）")
    for col in ("编号", "记录 1", "记录 2", "概率", "状态", "姓名", "身份证号", "出生日期"):
        table.add_column(col, overflow="fold")
    for p in data["items"]:
        lv = p["levels"]
        table.add_row(str(p["id"]), p["person_id_l"], p["person_id_r"], f"{p['match_probability']:.3f}", p["status"],
                      lv.get("name", {}).get("level", ""), lv.get("id", {}).get("level", ""),
                      lv.get("birth", {}).get("level", ""))
    console.print(table)


def _parse_take(take: list[str] | None) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in take or []:
        field, sep, pid = item.partition("=")
        if not sep or not field.strip() or not pid.strip():
            fail(f"--take 的格式应为 字段=person_id，如 phone=P0000123：{item}", code=2)
        overrides[field.strip()] = pid.strip()
    return overrides


TAKE_OPTION = typer.Option(None, "--take", help="改用规则之外的取值：字段=person_id（可多次），"
                                               "字段为 name、id_number、sex、birth_date、region_code、phone")


@link_app.command("accept")
def link_accept(
    pair_id: int = typer.Argument(..., help="复核记录对编号"),
    survivor: str | None = typer.Option(None, "--survivor", help="保留哪条记录的 person_id（默认按规则）"),
    take: list[str] | None = TAKE_OPTION,
    note: str | None = typer.Option(None, "--note", help="复核说明"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """确认一对是同一人并合并。

    示例：shebao link accept 12 --take phone=P0000456 --note 电话核实
    """
    _decide(pair_id, "accept", note, survivor, _parse_take(take), json_out, as_user)


@link_app.command("reject")
def link_reject(
    pair_id: int = typer.Argument(..., help="复核记录对编号"),
    note: str | None = typer.Option(None, "--note", help="复核说明（如：同名同生日的不同人）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """判定一对不是同一人。

    示例：shebao link reject 12 --note 同名同生日的不同人
    """
    _decide(pair_id, "reject", note, None, {}, json_out, as_user)


def _decide(pair_id: int, decision: str, note: str | None, survivor: str | None, overrides: dict[str, str],
            json_out: bool, as_user: str | None) -> None:
    from shebao.cli.common import unit_of_work
    from shebao.linkage.service import MergeError, ReviewError, decide_pair

    try:
        with unit_of_work(as_user) as session:
            _require_linkage_role(session)
            data = decide_pair(session, pair_id=pair_id, decision=decision, note=note, survivor_id=survivor,
                               overrides=overrides)
    except (ReviewError, MergeError) as exc:
        fail(str(exc), code=2)
    _after_merge(data.get("merge"), json_out, as_user, data)


def _after_merge(merge: dict | None, json_out: bool, as_user: str | None, data: dict) -> None:
    """After a merge: screen the survivor for two live benefits of the same kind (rule R05)."""
    if merge is not None:
        data["screening"] = _screen_survivor(merge["survivor_id"], as_user)
    if json_out:
        print_json(data)
        return
    if merge is None:
        console.print(f"记录对 {data['pair']['id']}：已判定不是同一人")
        return
    s = merge["summary"]
    console.print(f"[bold]已合并[/bold] {merge['merge_id']}：保留 {merge['survivor_id']}，并入 "
                  f"{'、'.join(merge['merged_ids'])}")
    console.print("转入：" + "，".join(f"{k} {v}" for k, v in s["reattached"].items() if v) or "转入：无")
    if s.get("conflicts"):
        console.print("[yellow]与保留记录重复、留在原记录待核对：[/yellow]" + "，".join(
            f"{k} {v}" for k, v in s["conflicts"].items()))
    for r in s.get("recalculated", []):
        if "skipped" in r:
            console.print(f"[yellow]待遇 {r['benefit_id']}：{r['skipped']}[/yellow]")
        else:
            console.print(f"养老金 {r['benefit_id']} 按合并后的缴费记录重算：{r['from']} → {r['to']} 元/月，"
                          f"补发 {r['backpay']} 元")
    sc = data["screening"]
    if sc.get("alerts"):
        console.print(f"[red]筛查：同一人有 {sc['alerts']} 项同类在发待遇（规则 R05），已生成疑点[/red]")
    console.print(f"撤销：shebao link unmerge {merge['merge_id']}")


def _screen_survivor(person_id: str, as_user: str | None) -> dict:
    """Screen the golden record for two live benefits of the same kind (rule R05); store the alert."""
    from datetime import date

    from shebao.cli.common import unit_of_work
    from shebao.risk.alerts import screen_persons

    with unit_of_work(as_user) as session:
        return screen_persons(session, person_ids=[person_id], rules=["R05"], as_of=date.today())


@link_app.command("merge")
def link_merge(
    person_ids: list[str] = typer.Argument(..., help="要合并的 person_id（两个或更多）"),
    survivor: str | None = typer.Option(None, "--survivor", help="保留哪条记录的 person_id（默认按规则）"),
    take: list[str] | None = TAKE_OPTION,
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """直接合并几条人员记录（已核实为同一人）。

    示例：shebao link merge P0000123 P0000456 --survivor P0000123
    """
    from shebao.cli.common import unit_of_work
    from shebao.linkage.service import MergeError, merge_json, merge_persons

    try:
        with unit_of_work(as_user) as session:
            _require_linkage_role(session)
            data = {"merge": merge_json(merge_persons(session, person_ids=person_ids, survivor_id=survivor,
                                                      overrides=_parse_take(take)))}
    except MergeError as exc:
        fail(str(exc), code=2)
    _after_merge(data["merge"], json_out, as_user, data)


@link_app.command("unmerge")
def link_unmerge(
    merge_id: str = typer.Argument(..., help="合并编号（如 HB20261207093000000001）"),
    reason: str | None = typer.Option(None, "--reason", help="撤销原因"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """撤销一次合并：恢复合并前的全部记录，删除合并产生的记录。

    示例：shebao link unmerge HB20261207093000000001 --reason 复核发现不是同一人
    """
    from shebao.cli.common import unit_of_work
    from shebao.linkage.service import MergeError, merge_json, unmerge

    try:
        with unit_of_work(as_user) as session:
            _require_linkage_role(session)
            data = merge_json(unmerge(session, merge_id=merge_id, reason=reason))
    except MergeError as exc:
        fail(str(exc), code=2)
    if json_out:
        print_json(data)
        return
    console.print(f"已撤销合并 {merge_id}：{data['survivor_id']} 与 {'、'.join(data['merged_ids'])} 恢复为各自独立的记录")


@link_app.command("merges")
def link_merges(
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出合并记录（最近的在前）。

    示例：shebao link merges --limit 20
    """
    from sqlalchemy import select

    from shebao.cli.common import unit_of_work
    from shebao.linkage.models import Merge
    from shebao.linkage.service import merge_json

    with unit_of_work(as_user) as session:
        _require_linkage_role(session)
        items = [merge_json(m) for m in session.scalars(
            select(Merge).order_by(Merge.created_at.desc()).limit(limit))]
    if json_out:
        print_json({"items": items})
        return
    from rich.table import Table

    table = Table(title="合并记录")
    for col in ("合并编号", "保留", "并入", "状态", "操作人", "时间"):
        table.add_column(col, overflow="fold")
    for m in items:
        table.add_row(m["merge_id"], m["survivor_id"], "、".join(m["merged_ids"]),
                      "已合并" if m["status"] == "merged" else "已撤销", m["created_by"], m["created_at"] or "")
    console.print(table)
