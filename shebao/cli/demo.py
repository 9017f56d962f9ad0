"""``shebao demo``: an embedded instance with a synthetic population, served on 127.0.0.1:8000."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import console, print_json

# Later issues add their steps (applications, payroll, screening) with their summary keys.
DEMO_STEPS: list = []
# Steps that change the synthetic files before they are loaded (``step(folder=, seed=, as_of=)``),
# e.g. the movers of the transfer demo; each returns a dict merged into the summary.
DEMO_BEFORE_LOAD: list = []


@app.command("demo")
def demo(
    persons: int = typer.Option(5000, "--persons", help="合成人口规模"),
    seed: int = typer.Option(2025, "--seed", help="随机种子（相同种子得到相同数据）"),
    as_of: str | None = typer.Option(None, "--as-of", help="数据截止日 YYYY-MM-DD（默认今天）"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="完成后启动 Web 服务"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要（脚本使用）"),
    region: str | None = typer.Option(None, "--region", help="演示机构所在的市（行政区划代码；默认 SHEBAO_REGION，即东营 370500）"),
) -> None:
    """演示：在 SHEBAO_HOME 下建立嵌入式数据库，生成并导入合成人口，然后启动服务。

    示例：shebao demo --persons 5000 --no-serve --json
    """
    if region is not None:
        from shebao.cli.common import fail
        from shebao.synth.reference import prefecture_of

        try:
            prefecture_of(region)
        except ValueError as exc:
            fail(f"--region：{exc}", code=2)
    summary = run_demo(persons=persons, seed=seed, as_of=date.fromisoformat(as_of) if as_of else date.today(),
                       quiet=json_out, region=region)
    if json_out:
        print_json(summary)
    else:
        console.print(f"[green]演示数据已就绪[/green]：{summary}")
    if serve:
        from shebao.cli.serve import run_server

        console.print(f"服务地址：http://{host}:{port}/  （接口文档 /docs；Ctrl+C 结束）")
        run_server(host, port)


def run_demo(*, persons: int, seed: int, as_of: date, quiet: bool = False, region: str | None = None) -> dict:
    """Create the schema, generate the population (living in ``region``, default SHEBAO_REGION), load
    it, adopt the region's shipped values as its agency, and run the later issues' steps."""
    from shebao.core.db import session_scope
    from shebao.core.settings import get_settings
    from shebao.migrations import upgrade
    from shebao.registry.loader import load_folder
    from shebao.synth import generate
    from shebao.users.service import ensure_demo_admin

    settings = get_settings()
    settings.ensure_home()
    upgrade()
    with session_scope() as session:
        session.info["actor"] = "admin"
        ensure_demo_admin(session)
    region = region or settings.region
    # The synthetic files hold (made-up) personal data in plain text: they live in a private
    # temporary folder only until the steps have run, and are deleted even when a step fails.
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="demo-synth-", dir=settings.home))
    try:
        if not quiet:
            console.print(f"生成合成人口：{persons} 人（{region}；导入后删除明文文件）")
        generate(persons=persons, seed=seed, out=folder, as_of=as_of, progress=not quiet, region=region)
        before: dict = {}
        for step in DEMO_BEFORE_LOAD:
            before.update(step(folder=folder, seed=seed, as_of=as_of, persons=persons))
        loaded = load_folder(folder, actor="admin", source="cli:demo", progress=not quiet)
        summary: dict = {
            "persons": loaded.loaded.get("persons", 0),
            "loaded": loaded.loaded,
            "load_rejected": sum(loaded.rejected.values()),
            "region": region,
            "adopted_parameters": adopt_demo_values(region, as_of),
            **before,
        }
        for step in DEMO_STEPS:
            summary.update(step(as_of=as_of, folder=folder, quiet=quiet))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary["synthetic_files_removed"] = not folder.exists()
    from shebao.cli.demo_access import prepare_demo_access

    summary.update(prepare_demo_access(quiet=quiet))
    return summary


def adopt_demo_values(region: str, as_of: date) -> int:
    """The demo plays the region's agency: it adopts the shipped values of its region (audited, as
    ``admin``), listing each once on stderr with its source; returns how many it adopted now."""
    from shebao.core.db import session_scope
    from shebao.policy.store import adopt_region_values

    note = f"演示：{region} 经办机构采用随附的本地参数值（正式使用前请核对发文机关原文）"
    with session_scope() as session:
        session.info.update(actor="admin", actor_role="admin", source="cli:demo")
        adopted = adopt_region_values(session, region=region, on=as_of, note=note, by="admin")
    if adopted:
        console.print(f"演示机构（{region}）采用随附参数值 {len(adopted)} 项（已记审计日志；此后按 agency 级别参与自动决定）：",
                      soft_wrap=True)
        groups: dict[tuple, list[str]] = {}
        for v in adopted:  # one line per value and date; the counties sharing it are listed together
            key = (v["name"], v["effective_from"], v["source"], v["confirmed"], v["reference"])
            groups.setdefault(key, []).append(v["region"])
        for (name, day, source, confirmed, ref), regions in groups.items():
            console.print(f"  {name} @{','.join(regions)} 自 {day}（{source}{'，出处未核实' if not confirmed else ''}）：{ref}",
                          highlight=False, soft_wrap=True)
    return len(adopted)
