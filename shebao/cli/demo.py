"""``shebao demo``: an embedded instance with a synthetic population, served on 127.0.0.1:8000."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import console, print_json

# Later issues add their steps (applications, payroll, screening) with their summary keys.
DEMO_STEPS: list = []


@app.command("demo")
def demo(
    persons: int = typer.Option(5000, "--persons", help="合成人口规模"),
    seed: int = typer.Option(2025, "--seed", help="随机种子（相同种子得到相同数据）"),
    as_of: str | None = typer.Option(None, "--as-of", help="数据截止日 YYYY-MM-DD（默认今天）"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="完成后启动 Web 服务"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要（脚本使用）"),
) -> None:
    """演示：在 SHEBAO_HOME 下建立嵌入式数据库，生成并导入合成人口，然后启动服务。

    示例：shebao demo --persons 5000 --no-serve --json
    """
    summary = run_demo(persons=persons, seed=seed, as_of=date.fromisoformat(as_of) if as_of else date.today(),
                       quiet=json_out)
    if json_out:
        print_json(summary)
    else:
        console.print(f"[green]演示数据已就绪[/green]：{summary}")
    if serve:
        from shebao.cli.serve import run_server

        console.print(f"服务地址：http://{host}:{port}/  （接口文档 /docs；Ctrl+C 结束）")
        run_server(host, port)


def run_demo(*, persons: int, seed: int, as_of: date, quiet: bool = False) -> dict:
    """Create the schema, generate the population, load it, and run the later issues' steps."""
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
    # The synthetic files hold (made-up) personal data in plain text: they live in a private
    # temporary folder only until the steps have run, and are deleted even when a step fails.
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="demo-synth-", dir=settings.home))
    try:
        if not quiet:
            console.print(f"生成合成人口：{persons} 人（导入后删除明文文件）")
        generate(persons=persons, seed=seed, out=folder, as_of=as_of, progress=not quiet)
        loaded = load_folder(folder, actor="admin", source="cli:demo", progress=not quiet)
        summary: dict = {
            "persons": loaded.loaded.get("persons", 0),
            "loaded": loaded.loaded,
            "load_rejected": sum(loaded.rejected.values()),
        }
        for step in DEMO_STEPS:
            summary.update(step(as_of=as_of, folder=folder, quiet=quiet))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary["synthetic_files_removed"] = not folder.exists()
    from shebao.cli.demo_access import prepare_demo_access

    summary.update(prepare_demo_access(quiet=quiet))
    return summary
