"""``shebao intake FILE... --kind K [--person ID] [--save] --json``; ``shebao intake eval DIR``;
``shebao intake samples DIR``; ``shebao intake purge``.

One command whose first argument may name a sub-action (``eval``, ``samples``, ``purge``): the issue's
contract is ``shebao intake FILE...`` and ``shebao intake eval DIR`` side by side (a file literally named
``eval`` is given as ``./eval``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json, unit_of_work

ACTIONS = ("eval", "samples", "purge")


@app.command("intake")
def intake(
    files: list[str] = typer.Argument(..., help="材料文件（PNG、JPEG、TIFF、PDF），可多个；或 eval DIR、samples DIR、purge"),
    kind: str | None = typer.Option(None, "--kind", help="申领类型：pension | unemployment | survivor | injury"),
    person: str | None = typer.Option(None, "--person", help="人员编号（遗属待遇为死者的人员编号）"),
    save: bool = typer.Option(False, "--save", help="加密保存文件与识别结果，供经办人员在工作台 /staff/documents 核对"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON（标准输出只有 JSON）"),
    per_type: int = typer.Option(5, "--per-type", min=1, max=200, help="samples：每种材料生成几份"),
    seed: int = typer.Option(24, "--seed", help="samples：随机种子"),
    as_user: str | None = AS_OPTION,
) -> None:
    """材料预审：识别身份证、银行卡、死亡证明、解除劳动合同证明、诊断证明、工伤认定申请表，核对并列出缺少的材料。

    示例：shebao intake 身份证.jpg 死亡证明.pdf --kind survivor --person P000000001 --json
    示例：shebao intake eval tests/intake/data --json
    示例：shebao intake samples /tmp/docs --per-type 5
    """
    if files[0] in ACTIONS:
        action, rest = files[0], files[1:]
        if action == "eval":
            _eval(rest, json_out=json_out)
        elif action == "samples":
            _samples(rest, per_type=per_type, seed=seed, json_out=json_out)
        else:
            _purge(as_user, json_out=json_out)
        return
    if kind is None:
        fail("请用 --kind 指明申领类型：pension | unemployment | survivor | injury", code=2)
    _read(files, kind=kind, person=person, save=save, json_out=json_out, as_user=as_user)


def _read(files: list[str], *, kind: str, person: str | None, save: bool, json_out: bool, as_user: str | None) -> None:
    from shebao.intake.models import CLAIM_KINDS
    from shebao.intake.service import IntakeError, run_intake, store_intake

    if kind not in CLAIM_KINDS:
        fail(f"未知的申领类型：{kind}（可选：{' | '.join(CLAIM_KINDS)}）", code=2)
    items: list[tuple[str, bytes]] = []
    unreadable: list[tuple[str, str]] = []
    for name in files:
        path = Path(name)
        try:
            items.append((path.name, path.read_bytes()))
        except OSError as exc:  # a missing file is that file's problem; the others are still read
            unreadable.append((path.name, f"无法读取文件：{exc.strerror or type(exc).__name__}"))
    try:
        with _progress(len(items)) as advance, unit_of_work(as_user, source="cli:intake") as session:
            outcome = run_intake(session, files=items, kind=kind, person_id=person, progress=advance)
            for name, message in unreadable:
                outcome.result["documents"].append({"file": name, "type": "other", "fields": {}, "confidence": {},
                                                    "problems": [{"field": None, "code": "not_found",
                                                                  "message": message}], "raw_text": ""})
            if save:
                outcome.result["batch_id"] = store_intake(session, files=items, outcome=outcome, kind=kind,
                                                          person_id=person, actor=session.info["actor"],
                                                          channel="clerk")
    except IntakeError as exc:
        fail(str(exc))
    if json_out:
        print_json(outcome.result)
    else:
        _print(outcome.result)


def _progress(total: int):
    """A Rich progress bar on stderr, advanced once per page read."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    @contextmanager
    def bar():
        with Progress(TextColumn("识别材料"), BarColumn(), TextColumn("{task.completed} 页"), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("read", total=None)
            yield lambda _label: progress.advance(task)

    return bar()


def _print(result: dict) -> None:
    from shebao.core.crypto import mask
    from shebao.intake.doctypes import type_label

    for doc in result["documents"]:
        console.print(f"[bold]{doc['file']}[/bold]：{type_label(doc['type'])}")
        for key, value in doc["fields"].items():
            shown = mask(value, "id") if key == "id_number" else (
                mask(value, "card") if key == "card_number" else value)
            console.print(f"  {key} = {shown}（置信度 {doc['confidence'].get(key, 0):.2f}）")
        for p in doc["problems"]:
            console.print(f"  [yellow]· {p['message']}[/yellow]")
    for m in result["mismatches"]:
        console.print(f"[red]不一致[/red]：{m['file']} {m['message']}")
    for m in result["missing"]:
        console.print(f"[red]缺少材料[/red]：{m['label']}（{m['reference']}）")
    if not result["missing"] and not result["mismatches"]:
        console.print("[green]材料齐全，未发现不一致[/green]")


def _eval(rest: list[str], *, json_out: bool) -> None:
    from shebao.intake.evaluation import EvalError, evaluate

    if len(rest) != 1:
        fail("用法：shebao intake eval DIR [--json]（DIR 中有 truth.json）", code=2)
    directory = Path(rest[0])
    if not directory.is_dir():
        fail(f"目录不存在：{directory}", code=2)
    try:
        with _progress(0) as advance:
            report = evaluate(directory, progress=advance)
    except EvalError as exc:
        fail(str(exc))
    if json_out:
        print_json(report)
        return
    for kind, s in report["types"].items():
        console.print(f"{kind}: {s['exact']}/{s['fields']} = {s['accuracy']:.2%}；证件/卡号 正确 {s['identifiers_exact']}、"
                      f"拒识 {s['identifiers_flagged']}、错误 {s['identifiers_wrong']}")
    o = report["overall"]
    console.print(f"合计：{o['exact']}/{o['fields']} = {o['accuracy']:.2%}，每页 {o['seconds_per_page']} 秒")


def _samples(rest: list[str], *, per_type: int, seed: int, json_out: bool) -> None:
    from shebao.synth.documents import generate

    if len(rest) != 1:
        fail("用法：shebao intake samples DIR [--per-type N] [--seed S]", code=2)
    try:
        truth = generate(Path(rest[0]), per_type=per_type, seed=seed)
    except RuntimeError as exc:
        fail(str(exc))
    if json_out:
        print_json({"directory": rest[0], "documents": len(truth)})
    else:
        console.print(f"已生成 {len(truth)} 份测试材料及 truth.json：{rest[0]}")


def _purge(as_user: str | None, *, json_out: bool) -> None:
    from shebao.intake.service import purge_expired

    with unit_of_work(as_user, source="cli:intake") as session:
        count = purge_expired(session)
    if json_out:
        print_json({"purged_files": count})
    else:
        console.print(f"已删除超过保存期限的材料文件 {count} 个")
