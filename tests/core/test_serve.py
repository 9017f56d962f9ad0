"""``shebao serve --workers N``: N processes, each on its own SO_REUSEPORT socket, stopped together."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="SO_REUSEPORT is Linux/BSD only")
def test_serve_with_two_workers_answers_and_stops_cleanly(shebao_home):
    import psutil

    port = _free_port()
    shebao = str(Path(sys.executable).with_name("shebao"))
    server = subprocess.Popen([shebao, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                              env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        answers = 0
        while time.monotonic() < deadline and answers < 20:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # a new connection each time
                conn.request("GET", "/api/v1/health")
                assert conn.getresponse().status == 200
                answers += 1
                conn.close()
            except (ConnectionRefusedError, ConnectionResetError):
                time.sleep(0.2)
        assert answers == 20, server.stdout.read1().decode(errors="replace") if server.poll() is not None else ""
        workers = [p for p in psutil.Process(server.pid).children() if "python" in p.name().lower()
                   or "shebao" in " ".join(p.cmdline())]
        listening = [p for p in workers if any(c.laddr.port == port for c in p.net_connections("tcp")
                                               if c.status == psutil.CONN_LISTEN)]
        assert len(listening) == 2, "each worker listens on a socket of its own"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
