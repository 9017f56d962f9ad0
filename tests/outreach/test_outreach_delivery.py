"""The outbox is written once per cycle with its suppressions; delivery sends each message exactly
once, through a real local HTTP gateway, even when killed mid-run; retries back off; opt-outs and
quiet hours hold."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from shebao.core.db import session_scope
from shebao.outreach.delivery import deliver
from shebao.outreach.models import OutreachMessage
from shebao.outreach.service import opt_out, run_campaigns
from shebao.outreach.settings import OutreachSettings
from tests.outreach.outreach_builders import AS_OF, build

REPO = Path(__file__).resolve().parents[2]


class Gateway:
    """A local message gateway as agencies run them: a repeated Idempotency-Key is answered 200 and
    not sent again. It records every request and what it actually sent."""

    def __init__(self, *, delay: float = 0.0, status: int = 200):
        self.requests: list[str] = []
        self.sent: Counter = Counter()
        self.bodies: list[dict] = []
        self.delay, self.status = delay, status
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                gateway.requests.append(key)
                time.sleep(gateway.delay)
                if gateway.status == 200 and key not in gateway.sent:
                    gateway.sent[key] += 1
                    gateway.bodies.append(body)
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def loaded(db, tmp_path):
    from shebao.registry.loader import load_folder

    registry = build()
    summary = load_folder(registry.write(tmp_path / "reg", with_applications=False), progress=False)
    assert not any(summary.rejected.values())
    return registry


def _statuses() -> Counter:
    with session_scope() as session:
        return Counter(session.scalars(select(OutreachMessage.status).where(OutreachMessage.channel == "portal")))


def test_a_run_writes_once_per_cycle_and_reports_what_it_holds_back(loaded):
    settings = OutreachSettings(max_per_30_days=1)
    with session_scope() as session:
        opt_out(session, person_id="P02IN")
    with session_scope() as session:
        selection, outbox = run_campaigns(session, as_of=AS_OF, settings=settings)
    targets = {(t.campaign_id, t.person_id) for t in selection.targets}
    assert ("O02", "P02IN") in targets  # selected: the rules do not know about opt-outs ...
    held = {(s["campaign_id"], s["person_id"]): s["reason"] for s in outbox.suppressed}
    assert held == {("O02", "P02IN"): "opted_out", ("O03", "P23BOTH"): "frequency_cap"}  # ... delivery does
    assert outbox.queued["portal"] == len(targets) - 2
    with session_scope() as session:  # the same day again: nothing new
        _, again = run_campaigns(session, as_of=AS_OF, settings=settings)
    assert again.already == len(targets) and not again.queued and not again.suppressed
    with session_scope() as session:  # a month on: a new cycle, but O01 waits 90 days before contacting again
        later, outbox = run_campaigns(session, as_of=AS_OF + dt.timedelta(days=31), settings=settings)
    assert ("O01", "P01IN") in {(t.campaign_id, t.person_id) for t in later.targets}
    assert {"campaign_id": "O01", "person_id": "P01IN", "channel": "portal", "reason": "recontact_wait"} in outbox.suppressed


def test_delivery_killed_mid_run_and_restarted_sends_every_message_once(loaded, monkeypatch):
    gateway = Gateway(delay=0.25)
    monkeypatch.setenv("SHEBAO_OUTREACH_CHANNELS", "sms")
    monkeypatch.setenv("SHEBAO_OUTREACH_GATEWAY_URL", gateway.url)
    monkeypatch.setenv("SHEBAO_OUTREACH_QUIET_HOURS", "none")
    with session_scope() as session:
        run_campaigns(session, as_of=AS_OF)
    with session_scope() as session:
        sms = set(session.scalars(select(OutreachMessage.message_key).where(OutreachMessage.channel == "sms",
                                                                            OutreachMessage.status == "queued")))
    assert len(sms) >= 8
    cmd = [sys.executable, "-c", "from shebao.cli import main; main()", "outreach", "deliver", "--json"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(gateway.requests) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()  # SIGKILL mid-run: a request is in flight, its answer never read
    proc.wait()
    assert 3 <= len(gateway.sent) < len(sms)  # the fourth was in flight when the process died
    restarted = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    summary = json.loads(restarted.stdout)
    gateway.close()
    assert set(gateway.sent) == sms  # none lost
    assert all(n == 1 for n in gateway.sent.values())  # none sent twice
    assert summary["retried"] <= 1 and max(Counter(gateway.requests).values()) <= 2
    with session_scope() as session:
        assert Counter(session.scalars(select(OutreachMessage.status).where(OutreachMessage.channel == "sms"))) == \
            {"sent": len(sms)}
    # the message body is masked; the phone is the address, never the text
    assert all("*" in b["text"] and b["to"].startswith("1") for b in gateway.bodies)


def test_a_failing_gateway_is_retried_with_backoff_then_given_up(loaded):
    gateway = Gateway(status=503)
    settings = OutreachSettings(channels="sms", gateway_url=gateway.url, quiet_hours="none", max_attempts=2,
                                backoff_seconds=60)
    with session_scope() as session:
        run_campaigns(session, as_of=AS_OF, settings=settings)
    clock = [dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC)]
    first = deliver(session_scope, settings=settings, now=lambda: clock[0])
    assert first.sent["portal"] > 0 and not first.sent.get("sms") and first.failed == 0
    assert not deliver(session_scope, settings=settings, now=lambda: clock[0]).sent  # waits for its backoff
    clock[0] += dt.timedelta(seconds=61)
    last = deliver(session_scope, settings=settings, now=lambda: clock[0])
    gateway.close()
    with session_scope() as session:
        sms = Counter(session.scalars(select(OutreachMessage.status).where(OutreachMessage.channel == "sms")))
    assert sms == {"failed": last.failed} and last.failed > 0
    assert Counter(gateway.requests).most_common(1)[0][1] == 2  # each tried exactly max_attempts times


def test_opt_out_is_honoured_at_once_and_quiet_hours_hold_sms(loaded):
    gateway = Gateway()
    settings = OutreachSettings(channels="sms", gateway_url=gateway.url, quiet_hours="21-8")
    with session_scope() as session:
        run_campaigns(session, as_of=AS_OF, settings=settings)
    with session_scope() as session:
        opt_out(session, person_id="P01IN")
    night = dt.datetime(2026, 9, 1, 14, 30, tzinfo=dt.UTC)  # 22:30 in Asia/Shanghai
    summary = deliver(session_scope, settings=settings, now=lambda: night)
    assert summary.deferred > 0 and not summary.sent.get("sms") and summary.sent["portal"] > 0
    morning = dt.datetime(2026, 9, 2, 1, 0, tzinfo=dt.UTC)  # 09:00
    summary = deliver(session_scope, settings=settings, now=lambda: morning)
    gateway.close()
    assert summary.sent["sms"] == len(gateway.sent) > 0
    assert not any(b["person_id"] == "P01IN" for b in gateway.bodies)
    with session_scope() as session:
        p01 = Counter(session.scalars(select(OutreachMessage.suppressed_reason).where(OutreachMessage.person_id == "P01IN")))
    assert p01 == {"opted_out": 2}


def _broker_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _broker_up(), reason="本机没有 RabbitMQ（127.0.0.1:5672）")
def test_messages_reach_rabbitmq_once_with_their_key(loaded):
    import uuid

    import pika

    queue = f"shebao.test.{uuid.uuid4().hex[:8]}"
    url = "amqp://guest:guest@127.0.0.1:5672/%2F"
    settings = OutreachSettings(channels="broker", amqp_url=url, amqp_queue=queue, quiet_hours="none")
    with session_scope() as session:
        run_campaigns(session, as_of=AS_OF, settings=settings, campaigns=["O05"])
    summary = deliver(session_scope, settings=settings)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    got = []
    while (frame := channel.basic_get(queue, auto_ack=True))[0] is not None:
        got.append((frame[1].message_id, json.loads(frame[2])))
    channel.queue_delete(queue)
    connection.close()
    with session_scope() as session:
        keys = set(session.scalars(select(OutreachMessage.message_key).where(OutreachMessage.channel == "broker")))
    assert summary.sent["broker"] == len(keys) == len(got) == 3
    assert {m for m, _ in got} == keys and all(body["key"] == m for m, body in got)
