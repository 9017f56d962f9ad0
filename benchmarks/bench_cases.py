"""Fast-track processing benchmark: the HTTP API on PostgreSQL, and the in-process pipeline.

Builds a registry of clean applicants (careers of yearly summaries plus monthly detail, retiring at
a whole statutory age so that no unconfirmed parameter is involved; each application uses a fresh
applicant, so the runs below take consecutive slices of the registry), then

1. HTTP: starts ``shebao serve --workers N`` (uvicorn on uvloop and httptools) on 127.0.0.1
   against PostgreSQL and drives ``POST /api/v1/applications`` with an aiohttp client (one event loop
   on uvloop, keep-alive connections, request bodies encoded before timing, so that the load
   generator takes as little of the shared cores as possible). After a warm-up (max(20, 2C)
   applications, C at a time, not counted):

   a. closed loop: C clients, each sending its next application as soon as the previous one is
      answered; prints applications decided per second (capacity) and p50/p99 latency (the round
      trip: the decision is made within it). With C clients mean latency is C / throughput
      (Little's law), so this run says nothing about latency at a given load;
   b. open loop (``--rate R``, on N further applicants): application k is due at k/R seconds from
      the start (uniform arrivals) whatever happened before, with at most C in flight. A due
      application that finds all C busy waits, and its latency is counted from its due time, not
      from when it was sent — correcting coordinated omission. Prints the offered and achieved
      rates, p50/p90/p99/max latency from the due time, and how many applications started more than
      10 ms late (the client could not keep up, or C were in flight).

   Each run also prints the CPU seconds used meanwhile by the uvicorn processes, by all processes
   named ``postgres`` (every database on the cluster, and backends that exit during the run are
   missed), by the load generator itself and by the whole machine (the rest as ``other_s``: other
   programs, kernel), against the cores × seconds available;
2. in-process: runs the pipeline (one transaction per application, as the API does) over fresh
   applicants, printing applications per second and the time 100,000 would take at that rate;
3. batch: the same pipeline through ``submit_batch`` (100 applications per transaction).

Usage:
    .venv/bin/python benchmarks/bench_cases.py --http 3000 --clients 50 --inproc 3000
    .venv/bin/python benchmarks/bench_cases.py --http 3000 --clients 50 --rate 200 --inproc 0
    .venv/bin/python benchmarks/bench_cases.py --database sqlite --inproc 2000 --http 0
    .venv/bin/python benchmarks/bench_cases.py --http 0 --inproc 1000 --batch 5000 --batch-size 100
    .venv/bin/python benchmarks/bench_cases.py --http 0 --inproc 0 --batch 100000 --procs 2   # the 100k goal

Two checkouts side by side (this script, the older code through PYTHONPATH, one database each):
    PYTHONPATH=/path/to/old .venv/bin/python benchmarks/bench_cases.py --http 0 --inproc 2000 --db-name bench_old
    PYTHONPATH=. .venv/bin/python benchmarks/bench_cases.py --http 0 --inproc 2000 --db-name bench_new
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
ON = dt.date(2025, 3, 10)


def card(seq: int) -> str:
    from shebao.core.validators import luhn_check_digit

    body = f"62220299{seq:010d}"
    return body + luhn_check_digit(body)


ID_AREAS = ("370602", "370611", "370612", "370613", "370614")  # Yantai's districts


def birth_for(seq: int) -> dt.date:
    """A birth date in 1964 (statutory retirement at 60 in 2024: a whole age, before the gradual delay)."""
    return dt.date(1964, 1, 1) + dt.timedelta(days=(seq // 1000) % 366)


def id_for(seq: int, birth: dt.date) -> str:
    """A valid ID number, unique for ``seq`` below 1,830,000 (area × birth day × sequence code): a
    repeated ID number would be a second registration, which the risk rules rightly send to review."""
    from shebao.core.validators import id_check_char

    body = f"{ID_AREAS[(seq // 366_000) % len(ID_AREAS)]}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_char(body)


def build_registry(url: str, n: int, start: int = 0) -> list[str]:
    """Insert ``n`` clean applicants (persons, 26 yearly summaries, 33 months of detail, an account)."""
    from sqlalchemy import insert

    from shebao.core.crypto import blind_index
    from shebao.core.db import get_engine
    from shebao.registry.models import Contribution, ContributionYear, PensionAccount, Person

    engine = get_engine(url)
    periods = [f"{y:04d}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)][:33]
    ids = []
    batch = 500
    for first in range(start, start + n, batch):
        persons, years, contribs, accounts = [], [], [], []
        for seq in range(first, min(first + batch, start + n)):
            birth = birth_for(seq)
            pid = f"B{seq:09d}"
            idn = id_for(seq, birth)
            ids.append(pid)
            # plain values: the columns' type (EncryptedString) encrypts them, also in a Core insert
            persons.append({"person_id": pid, "id_number": idn, "id_number_bidx": blind_index(idn),
                            "name": "李建华", "sex": "M", "birth_date": birth, "region_code": "370600",
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


def prepare_database(kind: str, home: Path, name: str = "shebao_bench_cases") -> str:
    from sqlalchemy import create_engine, text

    from shebao.migrations import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{home / 'bench.db'}"
    else:
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    """``shebao serve`` (uvicorn on uvloop and httptools; with several workers, one SO_REUSEPORT socket
    each, so that the kernel spreads the client's keep-alive connections evenly over them)."""
    cmd = [str(Path(sys.executable).with_name("shebao")), "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    server = subprocess.Popen(cmd, env=dict(os.environ))
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("uvicorn did not become healthy in 30 s")


def cpu_of(procs) -> dict[int, float]:
    """User+system CPU seconds per pid (processes that vanish are skipped)."""
    import psutil

    times = {}
    for proc in procs:
        try:
            t = proc.cpu_times()
            times[proc.pid] = t.user + t.system
        except psutil.Error:
            pass
    return times


def cpu_snapshot(server_pid: int) -> dict:
    """CPU seconds so far of the uvicorn tree, of all ``postgres`` processes, of this process, of the machine."""
    import psutil

    parent = psutil.Process(server_pid)
    postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    machine = psutil.cpu_times()
    return {"server": cpu_of([parent, *parent.children(recursive=True)]), "postgres": cpu_of(postgres),
            "client": time.process_time(), "machine": sum(machine) - machine.idle - getattr(machine, "iowait", 0)}


def cpu_used(before: dict, after: dict, elapsed: float) -> dict:
    """CPU seconds spent between two snapshots; a process started in between counts from zero.

    ``other_s`` is what the rest of the machine used (other programs, the kernel's softirq work)."""
    def spent(group: str) -> float:
        return sum(t - before[group].get(pid, 0.0) for pid, t in after[group].items())

    server, postgres = spent("server"), spent("postgres")
    client, busy = after["client"] - before["client"], after["machine"] - before["machine"]
    return {"server_s": round(server, 2), "postgres_s": round(postgres, 2),
            "client_s": round(client, 2), "machine_busy_s": round(busy, 2),
            "other_s": round(busy - server - postgres - client, 2),
            "machine_available_s": round(elapsed * (os.cpu_count() or 1), 2)}


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return round(ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))], 1)


async def post(session, data: bytes) -> str:
    """One application; its decision status, ``http_<code>`` or ``error_<client exception>``."""
    import aiohttp

    try:
        async with session.post("/api/v1/applications", data=data) as r:
            raw = await r.read()
            return str(json.loads(raw).get("status")) if r.status in (200, 201) else f"http_{r.status}"
    except (TimeoutError, aiohttp.ClientError) as exc:
        return f"error_{type(exc).__name__}"


def decided(statuses: dict[str, int]) -> int:
    """Applications answered with a decision (HTTP 200/201)."""
    return sum(v for k, v in statuses.items() if not k.startswith(("http_", "error_")))


async def closed_loop(session, bodies: list[bytes], clients: int) -> tuple[list[float], dict[str, int], float]:
    """``clients`` workers, each sending its next application as soon as the previous one is answered."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    pending = iter(bodies)

    async def worker() -> None:
        for data in pending:
            t = time.perf_counter()
            key = await post(session, data)
            latencies.append((time.perf_counter() - t) * 1000)
            statuses[key] = statuses.get(key, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, statuses, time.perf_counter() - t0


async def open_loop(session, bodies: list[bytes], rate: float, clients: int) -> tuple[list[float], dict, float, list]:
    """Application k is due at t0 + k/rate, whatever happened before; at most ``clients`` in flight.

    A due application that finds every client busy waits for one, and its latency still runs from
    its due time (no coordinated omission). Returns latencies, statuses, elapsed and start delays.
    """
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    delays: list[float] = []
    slots = asyncio.Semaphore(clients)

    async def one(data: bytes, due: float) -> None:
        try:
            key = await post(session, data)
        finally:
            slots.release()
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[key] = statuses.get(key, 0) + 1

    tasks = []
    t0 = time.perf_counter()
    for k, data in enumerate(bodies):
        due = t0 + k / rate
        while (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        await slots.acquire()
        delays.append((time.perf_counter() - due) * 1000)
        tasks.append(asyncio.create_task(one(data, due)))
    await asyncio.gather(*tasks)
    return latencies, statuses, time.perf_counter() - t0, delays


async def drive(port: int, token: str, server_pid: int, bodies: dict[str, list[bytes]], clients: int,
                rate: float | None) -> dict:
    import aiohttp

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=clients, keepalive_timeout=60)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector, headers=headers,
                                     cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=120)) as session:
        await closed_loop(session, bodies["warm"], clients)  # not counted
        before = cpu_snapshot(server_pid)
        latencies, statuses, elapsed = await closed_loop(session, bodies["closed"], clients)
        cpu = cpu_used(before, cpu_snapshot(server_pid), elapsed)
        latencies.sort()
        out = {"closed": {
            "mode": "closed loop", "applications": len(bodies["closed"]), "clients": clients,
            "seconds": round(elapsed, 2), "decided_per_second": round(decided(statuses) / elapsed, 1),
            "p50_ms": percentile(latencies, 0.50), "p99_ms": percentile(latencies, 0.99),
            "statuses": statuses, "cpu": cpu}}
        if rate:
            before = cpu_snapshot(server_pid)
            latencies, statuses, elapsed, delays = await open_loop(session, bodies["open"], rate, clients)
            cpu = cpu_used(before, cpu_snapshot(server_pid), elapsed)
            latencies.sort()
            out["open"] = {
                "mode": "open loop, uniform arrivals, latency from due time", "applications": len(bodies["open"]),
                "max_in_flight": clients, "offered_per_second": rate, "seconds": round(elapsed, 2),
                "achieved_per_second": round(decided(statuses) / elapsed, 1),
                "p50_ms": percentile(latencies, 0.50), "p90_ms": percentile(latencies, 0.90),
                "p99_ms": percentile(latencies, 0.99), "max_ms": round(latencies[-1], 1),
                "started_late_over_10ms": sum(d > 10 for d in delays), "max_start_delay_ms": round(max(delays), 1),
                "statuses": statuses, "cpu": cpu}
    return out


def warm_count(clients: int) -> int:
    """Applications sent before timing, ``clients`` at a time: model load, parameter cache, and the
    server's threads and database connections opened at the concurrency of the measured runs."""
    return max(20, 2 * clients)


def http_span(n: int, clients: int, rate: float | None) -> int:
    """Applicants the HTTP runs use: the warm-up, the closed-loop run and (with a rate) the open-loop run."""
    return warm_count(clients) + n * (2 if rate else 1) if n else 0


def run_http(n: int, clients: int, ids: list[str], offset: int, workers: int = 2,
             rate: float | None = None) -> dict:
    """Warm-up on the first ``warm_count(clients)`` ids, closed loop on the next ``n``, open loop (with
    ``rate``) on the ``n`` after; ``ids[i]`` is applicant ``offset + i``."""
    from shebao.core.db import session_scope
    from shebao.users.service import add_user, issue_token

    with session_scope() as s:
        s.info["actor"] = "bench"
        add_user(s, username="portal-bench", role="clerk")
        token = issue_token(s, username="portal-bench")

    def encoded(first: int, count: int, tag: str) -> list[bytes]:
        return [json.dumps(body(ids[i], offset + i, tag)).encode() for i in range(first, first + count)]

    warm = warm_count(clients)
    bodies = {"warm": encoded(0, warm, "warm"), "closed": encoded(warm, n, "http"),
              "open": encoded(warm + n, n, "open") if rate else []}
    port = free_port()
    server = start_server(port, workers)
    try:
        out = run_client(drive(port, token, server.pid, bodies, clients, rate))
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/stats",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as r:  # the agency's own figures, all runs together
            stats = json.loads(r.read())
    finally:
        server.terminate()
        server.wait(timeout=30)
    for result in out.values():
        result["workers"] = workers
    out["closed"]["server_stats"] = {k: stats.get(k) for k in ("applications", "median_decision_ms",
                                                                "p95_decision_ms", "straight_through_rate")}
    return out


def run_client(coro):
    """Run the load generator on uvloop when available (less client CPU than the default loop)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


INPROC_WARM = 20


def run_inproc(n: int, ids: list[str], offset: int) -> dict:
    """``n`` applications one transaction each, after ``INPROC_WARM`` not counted (ids are used from 0)."""
    from shebao.cases.pipeline import submit_application
    from shebao.cases.schemas import ApplicationCreate
    from shebao.core.db import session_scope

    def one(i: int) -> str:
        with session_scope() as s:
            s.info.update(actor="portal-bench", actor_role="clerk", source="bench")
            app, _ = submit_application(s, ApplicationCreate.model_validate(body(ids[i], offset + i, "inproc")), on=ON)
            return app.status

    for i in range(INPROC_WARM):  # model load, parameter tree, compiled statements: not counted
        one(i)
    statuses: dict[str, int] = {}
    times = []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for i in range(INPROC_WARM, INPROC_WARM + n):
        t = time.perf_counter()
        status = one(i)
        statuses[status] = statuses.get(status, 0) + 1
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
    parser.add_argument("--db-name", default="shebao_bench_cases",
                        help="PostgreSQL database to (re)create for the run (two runs side by side need two)")
    parser.add_argument("--http", type=int, default=3000, help="applications over HTTP (0: skip)")
    parser.add_argument("--clients", type=int, default=50, help="closed loop: clients; open loop: max in flight")
    parser.add_argument("--rate", type=float, default=None,
                        help="also an open-loop run at this many applications per second (after the closed loop)")
    parser.add_argument("--batch", type=int, default=0, help="applications through submit_batch (0: skip)")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--procs", type=int, default=1,
                        help="processes for the batch run (each takes a share of the applicants)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--inproc", type=int, default=3000, help="applications in process (0: skip)")
    args = parser.parse_args()
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be positive")
    home = Path(tempfile.mkdtemp(prefix="shebao-bench-cases-"))
    os.environ["SHEBAO_HOME"] = str(home)
    os.environ.setdefault("SHEBAO_SECRET_KEY", "benchmark-only-secret-0123456789abcdefghij")
    url = prepare_database(args.database, home, args.db_name)
    http = http_span(args.http, args.clients, args.rate) if args.database == "postgresql" else 0
    inproc = INPROC_WARM + args.inproc if args.inproc else 0
    total = http + inproc + args.batch
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
            runs = run_http(args.http, args.clients, ids, 0, args.workers, args.rate)
            out["http"] = runs["closed"]
            print("http (closed loop):", json.dumps(out["http"], ensure_ascii=False), flush=True)
            if "open" in runs:
                out["http_open"] = runs["open"]
                print("http (open loop):", json.dumps(out["http_open"], ensure_ascii=False), flush=True)
    if args.inproc:
        from shebao.core.db import dispose_engines

        dispose_engines()
        out["inproc"] = run_inproc(args.inproc, ids[http:], http)
        print("in-process:", json.dumps(out["inproc"], ensure_ascii=False), flush=True)
    if args.batch:
        start = http + inproc
        out["batch"] = run_batch(args.batch, ids[start:], start, args.batch_size, args.procs)
        print("batch:", json.dumps(out["batch"], ensure_ascii=False), flush=True)
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
