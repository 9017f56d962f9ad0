"""What the audit log's guards cost: the keyed hash per entry, a checkpoint, and ``audit verify``.

Prints, per entry, the keyed hash (HMAC-SHA256) against the unkeyed sha256 it replaced and the
keyed head written once per transaction; per checkpoint, the Ed25519 signature and the witness
file append (fsync); the time to append N entries (transactions of ``--batch`` entries, with the
default checkpoint policy) and the time of ``verify`` over them.

    .venv/bin/python benchmarks/bench_audit.py --entries 100000
    .venv/bin/python benchmarks/bench_audit.py --entries 100000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import timeit
from pathlib import Path


def _per_call_us(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10, help="entries per transaction")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (a scratch database is created)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    os.environ["SHEBAO_HOME"] = str(home)
    os.environ.setdefault("SHEBAO_SECRET_KEY", "bench-secret-key-0123456789abcdefghijklmnop")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if args.database_url:
        admin = create_engine(make_url(args.database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS shebao_bench_audit WITH (FORCE)"))
            c.execute(text("CREATE DATABASE shebao_bench_audit"))
        url = make_url(args.database_url).set(database="shebao_bench_audit").render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{home / 'bench.db'}"
    os.environ["SHEBAO_DATABASE_URL"] = url

    from shebao.audit import append, checkpoint_pending, verify, witness
    from shebao.audit import log as audit_log
    from shebao.core.crypto import get_keyring
    from shebao.core.db import session_scope
    from shebao.migrations import upgrade

    upgrade(url)
    key = get_keyring().audit_key
    fields = {"seq": 123456, "ts": "2026-12-07T05:00:00.000000+00:00", "actor": "clerk1", "actor_role": "clerk",
              "action": "application.decide", "entity": "application", "entity_id": "SQ2026120700001",
              "detail": '{"amount":"3125.40","decision":"approved","reason":"规则 R01 通过"}', "source": "api:10.0.0.8"}
    prev = "ab" * 32
    import hashlib
    import hmac

    message = prev.encode() + audit_log._content(fields)
    raw_sha = _per_call_us(lambda: hashlib.sha256(message).hexdigest(), 50_000)
    raw_hmac = _per_call_us(lambda: hmac.digest(key, message, "sha256").hex(), 50_000)
    sha = _per_call_us(lambda: audit_log.legacy_entry_hash(prev, fields), 20_000)
    keyed = _per_call_us(lambda: audit_log.entry_hash(prev, fields, key), 20_000)
    head = _per_call_us(lambda: audit_log.head_mac(123456, prev, 123000, "2026-12-07T05:00:00+00:00", key), 20_000)
    sign = _per_call_us(lambda: audit_log.sign_checkpoint(123456, prev), 2_000)
    cp = audit_log.sign_checkpoint(1, prev)
    wfile = home / "bench-witness.jsonl"
    fsync = _per_call_us(lambda: witness.append_file(cp, wfile), 50)

    t0 = time.perf_counter()
    n = 0
    while n < args.entries:
        with session_scope() as s:
            for _ in range(min(args.batch, args.entries - n)):
                append(s, action="bench.change", entity="persons", entity_id=f"P{n:09d}", detail={"i": n})
                n += 1
    checkpoint_pending()
    append_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with session_scope() as s:
        result = verify(s)
        checkpoints = result.checkpoints
    verify_s = time.perf_counter() - t0
    assert result.ok, result

    print(f"{platform.machine()} {os.cpu_count()} cores, {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(f"entry hash primitive: sha256 {raw_sha:.2f} µs, HMAC-SHA256 {raw_hmac:.2f} µs "
          f"(+{raw_hmac - raw_sha:.2f} µs per entry)")
    print(f"entry hash with its canonical JSON and masking: unkeyed {sha:.1f} µs, keyed {keyed:.1f} µs")
    print(f"keyed head: {head:.2f} µs per transaction")
    print(f"checkpoint: Ed25519 signature {sign:.1f} µs, witness file append with fsync {fsync:.0f} µs")
    print(f"append {args.entries:,} entries in transactions of {args.batch}: {append_s:.1f} s "
          f"({args.entries / append_s:,.0f} entries/s), {checkpoints} checkpoints")
    print(f"audit verify of {result.entries:,} entries: {verify_s:.2f} s ({result.entries / verify_s:,.0f} entries/s)")


if __name__ == "__main__":
    main()
