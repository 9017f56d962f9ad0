"""Fast-track processing benchmark: the HTTP API on PostgreSQL, and the in-process pipeline.

Builds a registry of clean applicants (careers of yearly summaries plus monthly detail, retiring at
a whole statutory age so that no unconfirmed parameter is involved), then

1. HTTP: starts uvicorn on 127.0.0.1 against PostgreSQL and drives ``POST /api/v1/applications``
   with C concurrent httpx clients (asyncio, one connection each), printing applications decided
   per second and p50/p99 submission-to-decision latency (the request's round trip: the decision
   is made within it);
2. in-process: runs the pipeline (one transaction per application, as the API does) over fresh
   applicants, printing applications per second and the time 100,000 would take at that rate;
3. batch: the same pipeline through ``submit_batch`` (100 applications per transaction).

Usage:
    .venv/bin/python benchmarks/bench_cases.py --http 3000 --clients 50 --inproc 3000
    .venv/bin/python benchmarks/bench_cases.py --database sqlite --inproc 2000 --http 0
    .venv/bin/python benchmarks/bench_cases.py --http 0 --inproc 1000 --batch 5000 --batch-size 100
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
ON = dt.date(2025, 3, 10)


def card(seq: int) -> str:
    from shebao.core.validators import luhn_check_digit

    body = f"62220299{seq:010d}"
    return body + luhn_check_digit(body)


def id_for(seq: int, birth: dt.date) -> str:
    from shebao.core.validators import id_check_char

    body = f"370602{birth:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_char(body)


def build_registry(url: str, n: int, start: int = 0) -> list[str]:
    """Insert ``n`` clean applicants (persons, 26 yearly summaries, 33 months of detail, an account)."""
    from sqlalchemy import insert

    from shebao.core.crypto import blind_index, encrypt
    from shebao.core.db import get_engine
    from shebao.registry.models import Contribution, ContributionYear, PensionAccount, Person

    engine = get_engine(url)
    periods = [f"{y:04d}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)][:33]
    ids = []
    batch = 500
    for first in range(start, start + n, batch):
        persons, years, contribs, accounts = [], [], [], []
        for seq in range(first, min(first + batch, start + n)):
            birth = dt.date(1964, 1 + seq % 9, 1 + seq % 28)  # statutory retirement at 60 in 2024
            pid = f"B{seq:09d}"
            idn = id_for(seq, birth)
            ids.append(pid)
            persons.append({"person_id": pid, "id_number": encrypt(idn), "id_number_bidx": blind_index(idn),
                            "name": encrypt("李建华"), "sex": "M", "birth_date": birth, "region_code": "370600",
                            "phone": None, "original_retirement_age": 60, "deemed_months": 24, "row_hash": ""})
            base = Decimal(5000 + seq % 3000)
            years += [{"person_id": pid, "year": y, "insurance": "pension", "months": 12, "avg_base": Decimal("3000"),
                       "avg_index": Decimal("0.9500") + Decimal(seq % 20) / 100, "row_hash": ""}
                      for y in range(1996, 2022)]
            contribs += [{"person_id": pid, "employer_id": "E1", "period": p, "insurance": "pension", "base": base,
                          "employee_amount": base * Decimal("0.08"), "employer_amount": base * Decimal("0.16"),
                          "paid_date": dt.date(int(p[:4]), int(p[5:]), 1) + dt.timedelta(days=40), "row_hash": ""}
                         for p in periods]
            accounts.append({"person_id": pid, "as_of": dt.date(2024, 12, 31),
                             "balance": Decimal(80000 + seq % 90000), "row_hash": ""})
        with engine.begin() as conn:
            conn.execute(insert(Person), persons)
            conn.execute(insert(ContributionYear), years)
            conn.execute(insert(Contribution), contribs)
            conn.execute(insert(PensionAccount), accounts)
    return ids


def body(pid: str, seq: int, tag: str) -> dict:
    return {"kind": "pension", "person_id": pid, "idempotency_key": f"{tag}-{pid}", "bank_account": card(seq),
            "channel": "portal", "facts": {}}


def prepare_database(kind: str, home: Path) -> str:
    from sqlalchemy import create_engine, text

    from shebao.migrations import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{home / 'bench.db'}"
    else:
        name = "shebao_bench_cases"
        admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = f"{PG}/{name}"
    os.environ["SHEBAO_DATABASE_URL"] = url
    from shebao.core.settings import get_settings

    get_settings.cache_clear()
    upgrade(url)
    return url


def run_http(url: str, n: int, clients: int, ids: list[str], offset: int, workers: int = 2) -> dict:
    import httpx

    from shebao.core.db import session_scope
    from shebao.users.service import add_user, issue_token

    with session_scope() as s:
        s.info["actor"] = "bench"
        add_user(s, username="portal-bench", role="clerk")
        token = issue_token(s, username="portal-bench")
    port = 8765
    env = dict(os.environ)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "shebao.api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"], env=env)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}"}
        # warm up (model load, parameter cache) with a few applications not counted
        warm = 20
        for i in range(warm):
            httpx.post(f"http://127.0.0.1:{port}/api/v1/applications", json=body(ids[i], offset + i, "warm"),
                       headers=headers, timeout=30)
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        queue: asyncio.Queue = asyncio.Queue()
        for i in range(warm, warm + n):
            queue.put_nowait(i)

        async def worker(client: httpx.AsyncClient) -> None:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t = time.perf_counter()
                r = await client.post("/api/v1/applications", json=body(ids[i], offset + i, "http"))
                latencies.append((time.perf_counter() - t) * 1000)
                key = r.json().get("status") if r.status_code in (200, 201) else f"http_{r.status_code}"
                statuses[key] = statuses.get(key, 0) + 1

        async def main() -> float:
            limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits,
                                         timeout=60) as client:
                t0 = time.perf_counter()
                await asyncio.gather(*(worker(client) for _ in range(clients)))
                return time.perf_counter() - t0

        elapsed = asyncio.run(main())
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    return {
        "applications": n, "clients": clients, "workers": workers, "seconds": round(elapsed, 2),
        "decided_per_second": round(n / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2], 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "statuses": statuses,
    }


def run_inproc(n: int, ids: list[str], offset: int) -> dict:
    from shebao.cases.pipeline import submit_application
    from shebao.cases.schemas import ApplicationCreate
    from shebao.core.db import session_scope

    statuses: dict[str, int] = {}
    times = []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for i in range(n):
        t = time.perf_counter()
        with session_scope() as s:
            s.info.update(actor="portal-bench", actor_role="clerk", source="bench")
            app, _ = submit_application(s, ApplicationCreate.model_validate(body(ids[i], offset + i, "inproc")), on=ON)
            statuses[app.status] = statuses.get(app.status, 0) + 1
        times.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    times.sort()
    rate = n / elapsed
    return {"applications": n, "seconds": round(elapsed, 2), "per_second": round(rate, 1),
            "python_cpu_ms_per_application": round(cpu / n * 1000, 2),
            "p50_ms": round(times[len(times) // 2], 2), "p99_ms": round(times[int(len(times) * 0.99)], 2),
            "extrapolated_100k_minutes": round(100_000 / rate / 60, 1), "statuses": statuses}


def _batch_worker(args: tuple) -> tuple[dict, float]:
    ids, offset, batch_size = args
    from shebao.cases.pipeline import submit_batch
    from shebao.cases.schemas import ApplicationCreate
    from shebao.core.db import dispose_engines

    dispose_engines()  # never share a parent's connections
    payloads = [ApplicationCreate.model_validate(body(pid, offset + i, "batch")) for i, pid in enumerate(ids)]
    cpu0 = time.process_time()
    counts = submit_batch(payloads, on=ON, actor="portal-bench", batch_size=batch_size)
    return counts, time.process_time() - cpu0


def run_batch(n: int, ids: list[str], offset: int, batch_size: int, procs: int = 1) -> dict:
    """``submit_batch`` over ``n`` applicants, split over ``procs`` processes (one core each)."""
    import multiprocessing as mp

    share = -(-n // procs)
    parts = [(ids[i:min(i + share, n)], offset + i, batch_size) for i in range(0, n, share)]
    t0 = time.perf_counter()
    if procs == 1:
        results = [_batch_worker(parts[0])]
    else:
        with mp.get_context("spawn").Pool(procs) as pool:
            results = pool.map(_batch_worker, parts)
    elapsed = time.perf_counter() - t0
    counts: dict[str, int] = {}
    for c, _cpu in results:
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v
    rate = n / elapsed
    return {"applications": n, "batch_size": batch_size, "processes": procs, "seconds": round(elapsed, 2),
            "per_second": round(rate, 1),
            "python_cpu_ms_per_application": round(sum(cpu for _c, cpu in results) / n * 1000, 2),
            "extrapolated_100k_minutes": round(100_000 / rate / 60, 1), "statuses": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--http", type=int, default=3000, help="applications over HTTP (0: skip)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--batch", type=int, default=0, help="applications through submit_batch (0: skip)")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--procs", type=int, default=1, help="processes for the batch run (2 did not help here)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--inproc", type=int, default=3000, help="applications in process (0: skip)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="shebao-bench-cases-"))
    os.environ["SHEBAO_HOME"] = str(home)
    os.environ.setdefault("SHEBAO_SECRET_KEY", "benchmark-only-secret-0123456789abcdefghij")
    url = prepare_database(args.database, home)
    total = args.http + 20 + args.inproc + args.batch
    t = time.perf_counter()
    ids = build_registry(url, total)
    print(f"registry: {total} clean applicants in {time.perf_counter() - t:.1f} s", flush=True)
    import psutil

    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
               "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "database": args.database,
               "machine": platform.machine()}
    out: dict = {"machine": machine}
    if args.http:
        if args.database != "postgresql":
            print("HTTP benchmark runs on PostgreSQL only (SQLite serialises writers)", file=sys.stderr)
        else:
            out["http"] = run_http(url, args.http, args.clients, ids, 0, args.workers)
            print("http:", json.dumps(out["http"], ensure_ascii=False), flush=True)
    if args.inproc:
        from shebao.core.db import dispose_engines

        dispose_engines()
        start = args.http + 20 if args.http else 0
        out["inproc"] = run_inproc(args.inproc, ids[start:], start)
        print("in-process:", json.dumps(out["inproc"], ensure_ascii=False), flush=True)
    if args.batch:
        start = (args.http + 20 if args.http else 0) + args.inproc
        out["batch"] = run_batch(args.batch, ids[start:], start, args.batch_size, args.procs)
        print("batch:", json.dumps(out["batch"], ensure_ascii=False), flush=True)
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
