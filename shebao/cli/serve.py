"""``shebao serve``."""

from __future__ import annotations

import socket

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

    from shebao.core.db import get_engine

    get_engine()  # the schema check of the CLI: SQLite upgraded here, once, before any worker starts
    log_config = masked_log_config()
    if workers > 1 and hasattr(socket, "SO_REUSEPORT"):
        run_reuseport_workers(host, port, workers, log_config)
    elif workers > 1:
        uvicorn.run("shebao.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", log_config=log_config)
    else:
        from shebao.api.app import create_app

        uvicorn.run(create_app(), host=host, port=port, log_level="info", log_config=log_config)


# --- several worker processes, each with its own listening socket -----------------------------------
#
# uvicorn's --workers share one listening socket, and whichever process happens to accept a
# connection serves every request on it: with keep-alive clients (a portal's connection pool, a
# load generator) one process can end up with twice the connections of another and queue while
# the other idles. With SO_REUSEPORT (Linux, the BSDs) each process listens on a socket of its
# own and the kernel spreads new connections over them evenly, as nginx's ``reuseport`` does.
# uvicorn serves on given sockets but has no option to open them this way; this is that part.

def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _serve_worker(host: str, port: int, log_config: dict) -> None:
    import uvicorn

    sock = _listening_socket(host, port)
    config = uvicorn.Config("shebao.api.app:create_app", factory=True, log_level="warning", log_config=log_config,
                            timeout_keep_alive=30)
    uvicorn.Server(config).run(sockets=[sock])


def run_reuseport_workers(host: str, port: int, workers: int, log_config: dict) -> None:
    """Start ``workers`` processes, each serving on its own SO_REUSEPORT socket; stop them all together."""
    import multiprocessing as mp
    import signal

    probe = _listening_socket(host, port)  # fail here, once, if the port is taken
    probe.close()
    context = mp.get_context("spawn")
    procs = [context.Process(target=_serve_worker, args=(host, port, log_config), name=f"shebao-api-{i + 1}")
             for i in range(workers)]
    for proc in procs:
        proc.start()

    def stop(*_args) -> None:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(proc.is_alive() for proc in procs):
            procs[0].join(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in procs:
            proc.join(timeout=30)
    failed = [proc for proc in procs if proc.exitcode not in (0, -signal.SIGTERM, None)]
    if failed:
        raise SystemExit(f"工作进程异常退出：{', '.join(f'{p.name}={p.exitcode}' for p in failed)}")
