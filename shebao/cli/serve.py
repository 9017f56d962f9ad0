"""``shebao serve``."""

from __future__ import annotations

import typer

from shebao.cli import app


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="端口"),
    workers: int = typer.Option(1, "--workers", help="工作进程数"),
) -> None:
    """启动 Web 服务与 API（OpenAPI 文档在 /docs）。

    示例：shebao serve --host 127.0.0.1 --port 8000
    """
    run_server(host, port, workers)


def masked_log_config() -> dict:
    """uvicorn's logging configuration with the personal-data masking filter on every handler."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_personal_data"] = {"()": "shebao.core.crypto.MaskingFilter"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("mask_personal_data")
    return config


def run_server(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from shebao.migrations import upgrade

    upgrade()
    log_config = masked_log_config()
    if workers > 1:
        uvicorn.run("shebao.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", log_config=log_config)
    else:
        from shebao.api.app import create_app

        uvicorn.run(create_app(), host=host, port=port, log_level="info", log_config=log_config)
