"""Limits on input: a body over ``SHEBAO_MAX_BODY_BYTES`` is refused before anything reads it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time

import pytest


def _app(monkeypatch, limit: int | None = None):
    from shebao.api.app import create_app
    from shebao.core.settings import get_settings

    if limit is not None:
        monkeypatch.setenv("SHEBAO_MAX_BODY_BYTES", str(limit))
        get_settings.cache_clear()
    return create_app()


def _call(app, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]):
    """Drive the ASGI app directly; return (status, chunks the app read)."""
    read = {"n": 0}
    out: dict = {}

    async def receive():
        if read["n"] < len(chunks):
            read["n"] += 1
            return {"type": "http.request", "body": chunks[read["n"] - 1], "more_body": read["n"] < len(chunks)}
        await asyncio.sleep(3600)  # a client that never finishes sending
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("203.0.113.7", 5555),
             "server": ("testserver", 80)}
    # a thread of its own: a browser test earlier in the run may leave an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, asyncio.wait_for(app(scope, receive, send), 30)).result()
    return out.get("status"), read["n"]


def test_a_200_mb_declared_body_is_refused_without_reading_a_byte(shebao_home, monkeypatch):
    app = _app(monkeypatch)
    for path in ("/api/v1/applications", "/staff/login", "/api/v1/calc/pension"):
        status, read = _call(app, "POST", path, [(b"content-type", b"application/json"),
                                                 (b"content-length", str(200 * 1024 * 1024).encode())], [b"{"])
        assert status == 413 and read == 0, (path, status, read)


def test_a_streamed_body_is_counted_and_cut_at_the_limit(shebao_home, monkeypatch):
    app = _app(monkeypatch, limit=64 * 1024)
    chunk = b"x" * 16 * 1024
    status, read = _call(app, "POST", "/staff/login", [(b"content-type", b"application/x-www-form-urlencoded"),
                                                       (b"transfer-encoding", b"chunked")], [chunk] * 64)
    assert status == 413 and read <= 5, read  # 4 chunks fit; the fifth passes the limit: nothing more is read


def test_bodies_within_the_limit_pass(shebao_home, monkeypatch):
    from shebao.migrations import upgrade

    upgrade()
    app = _app(monkeypatch)
    status, _ = _call(app, "POST", "/api/v1/calc/retirement",
                      [(b"content-type", b"application/json"), (b"content-length", b"2")], [b"{}"])
    assert status == 422  # parsed and validated as usual (fields missing)


def test_a_real_server_answers_413_to_a_200_mb_post_at_once(shebao_home, monkeypatch):
    import uvicorn

    from shebao.migrations import upgrade

    upgrade()
    app = _app(monkeypatch)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            started = time.perf_counter()
            conn.sendall(b"POST /api/v1/applications HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 209715200\r\n\r\n" + b"{" * 1024)
            answer = conn.recv(4096)
            elapsed = time.perf_counter() - started
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert "请求体过大".encode() in answer
        assert elapsed < 2.0, elapsed  # answered on the headers: 200 MB were never sent, let alone read
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("raw", [b'{"action": "approve", "monthly_amount": NaN}',
                                 b'{"action": "approve", "monthly_amount": Infinity}',
                                 b'{"action": "approve", "monthly_amount": "-Infinity"}'])
def test_non_finite_amounts_are_422_naming_the_field(db, monkeypatch, raw):
    from fastapi.testclient import TestClient

    from shebao.core.db import session_scope
    from shebao.users.service import add_user, issue_token

    with session_scope() as s:
        add_user(s, username="r1", role="reviewer")
        token = issue_token(s, username="r1")
    client = TestClient(_app(monkeypatch))
    response = client.post("/api/v1/reviews/YL2025031000001/decision", content=raw,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == "monthly_amount"
