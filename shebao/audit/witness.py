"""Witnesses of the audit checkpoints, kept outside the database.

Every signed checkpoint is also appended to ``$SHEBAO_HOME/audit-witness.jsonl`` (one JSON object
per line, opened ``O_APPEND``, mode 0600, fsync'd) and, when ``SHEBAO_AUDIT_WITNESS_URL`` is set,
POSTed to an HTTP witness the agency runs. Someone who can write the database but not these
cannot cut, empty or rewrite what a checkpoint has covered: ``shebao audit verify`` compares
the latest witnessed checkpoint with the database.

HTTP witness protocol (``WitnessServer`` below is a reference implementation,
``shebao audit witness-serve``):

- ``POST <url>`` with a checkpoint ``{"seq", "entry_hash", "signed_at", "public_key", "signature"}``:
  2xx when stored; 409 when it contradicts one already held (same seq, another hash) or its
  signature does not verify.
- ``GET <url>``: ``{"latest": <checkpoint with the highest seq> | null, "count": n}``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shebao.core.settings import get_settings

log = logging.getLogger(__name__)

WITNESS_FILE = "audit-witness.jsonl"
CHECKPOINT_FIELDS = ("seq", "entry_hash", "signed_at", "public_key", "signature")


class WitnessError(RuntimeError):
    """A witness cannot be read or does not hold what it should."""


def checkpoint_message(seq: int, entry_hash: str, signed_at: str) -> bytes:
    return f"shebao-audit-checkpoint|{seq}|{entry_hash}|{signed_at}".encode()


def signature_ok(cp: dict[str, Any], public_key_hex: str | None = None) -> bool:
    """Whether ``cp`` is signed by ``public_key_hex`` (default: the key it names)."""
    try:
        key = public_key_hex or cp["public_key"]
        if public_key_hex and cp["public_key"] != public_key_hex:
            return False
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key)).verify(
            bytes.fromhex(cp["signature"]), checkpoint_message(int(cp["seq"]), cp["entry_hash"], cp["signed_at"]))
        return True
    except Exception:  # malformed or not verifying: both are "not a valid signature"
        return False


def witness_path() -> Path:
    return get_settings().home / WITNESS_FILE


def append_file(cp: dict[str, Any], path: Path | None = None) -> None:
    """Append one checkpoint line (one ``write`` on an ``O_APPEND`` descriptor, then fsync)."""
    path = path or witness_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps({k: cp[k] for k in CHECKPOINT_FIELDS}, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_file(path: Path | None = None) -> list[dict[str, Any]]:
    """Every checkpoint in the witness file (empty when there is none); a bad line is an error."""
    path = path or witness_path()
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cp = json.loads(line)
            out.append({k: cp[k] for k in CHECKPOINT_FIELDS})
        except (ValueError, KeyError, TypeError):
            raise WitnessError(f"见证文件 {path} 第 {n} 行格式错误") from None
    return out


def post_http(url: str, cp: dict[str, Any], timeout: float = 3.0) -> None:
    import httpx

    response = httpx.post(url, json={k: cp[k] for k in CHECKPOINT_FIELDS}, timeout=timeout)
    if response.status_code >= 300:
        raise WitnessError(f"HTTP 见证拒绝了第 {cp['seq']} 条的检查点：{response.status_code} {response.text[:200]}")


def latest_http(url: str, timeout: float = 5.0) -> dict[str, Any] | None:
    import httpx

    try:
        response = httpx.get(url, timeout=timeout)
        response.raise_for_status()
        latest = response.json().get("latest")
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise WitnessError(f"HTTP 见证 {url} 无法读取：{exc}") from None
    return None if latest is None else {k: latest[k] for k in CHECKPOINT_FIELDS}


def publish(cp: dict[str, Any]) -> None:
    """Give a committed checkpoint to every witness; a witness that fails is logged, never raised."""
    try:
        append_file(cp)
    except OSError as exc:
        log.error("审计检查点（第 %s 条）未能写入见证文件：%s", cp["seq"], exc)
    url = get_settings().audit_witness_url
    if url:
        try:
            post_http(url, cp)
        except Exception as exc:  # noqa: BLE001 - a witness outage must not fail committed work
            log.error("审计检查点（第 %s 条）未能送达 HTTP 见证：%s", cp["seq"], exc)


# --- a reference HTTP witness ------------------------------------------------------------------------

class WitnessServer(ThreadingHTTPServer):
    """A minimal HTTP witness: keeps checkpoints signed by one public key in an append-only file.

    It refuses a checkpoint whose signature does not verify, or that names a hash other than the
    one it already holds for the same seq (a rewritten log).
    """

    daemon_threads = True

    def __init__(self, address: tuple[str, int], path: Path, public_key_hex: str) -> None:
        self.path = Path(path)
        self.public_key_hex = public_key_hex
        self.lock = threading.Lock()
        self.held = {int(cp["seq"]): cp for cp in read_file(self.path)}
        super().__init__(address, _WitnessHandler)

    def latest(self) -> dict[str, Any] | None:
        return self.held[max(self.held)] if self.held else None


class _WitnessHandler(BaseHTTPRequestHandler):
    server: WitnessServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("witness: " + format, *args)

    def _reply(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        with self.server.lock:
            self._reply(200, {"latest": self.server.latest(), "count": len(self.server.held)})

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        length = int(self.headers.get("Content-Length") or 0)
        if length > 4096:
            self._reply(413, {"detail": "too large"})
            return
        try:
            cp = json.loads(self.rfile.read(length))
            cp = {k: cp[k] for k in CHECKPOINT_FIELDS}
            cp["seq"] = int(cp["seq"])
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"detail": "not a checkpoint"})
            return
        if not signature_ok(cp, self.server.public_key_hex):
            self._reply(409, {"detail": "signature does not verify"})
            return
        with self.server.lock:
            held = self.server.held.get(cp["seq"])
            if held is not None:
                code = 200 if held["entry_hash"] == cp["entry_hash"] else 409
                self._reply(code, {"detail": "held" if code == 200 else "contradicts a held checkpoint"})
                return
            append_file(cp, self.server.path)
            self.server.held[cp["seq"]] = cp
        self._reply(201, {"detail": "stored"})
