"""The payroll: exactly once per (benefit, period, kind), even when the run is killed mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

import pytest
from benefits_builders import bulk_population, grant, make_person, on
from sqlalchemy import create_engine, select, text

CLI = [sys.executable, "-c", "from shebao.cli import main; main()"]


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, env=os.environ.copy(), timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr + proc.stdout)
    return proc


def test_run_twice_creates_nothing_the_second_time(db):
    from shebao.audit import verify
    from shebao.core.db import session_scope

    ids = bulk_population(db, 30)
    _cli("payroll", "open", "--period", "2026-03", "--reason", "补发历史期间（测试）")
    first = json.loads(_cli("payroll", "run", "--period", "2026-03", "--json", "--batch-size", "7").stdout)
    expected_total = sum(Decimal("1000.00") + i % 997 for i in range(30))
    assert first["created"] == 30 and first["existing"] == 0
    assert Decimal(first["total"]) == expected_total
    second = json.loads(_cli("payroll", "run", "--period", "2026-03", "--json").stdout)
    assert second["created"] == 0 and second["existing"] == 30 and second["total"] == first["total"]
    with session_scope() as s:
        from shebao.registry.models import Payment

        rows = s.execute(select(Payment.benefit_id, Payment.status, Payment.kind, Payment.payment_id)
                         .where(Payment.period == "2026-03")).all()
        assert sorted(r[0] for r in rows) == sorted(ids)
        assert {r[1] for r in rows} == {"pending"} and {r[2] for r in rows} == {"regular"}
        from shebao.benefits.service import payment_id_for

        assert all(r[3] == payment_id_for(r[0], "2026-03", "regular") for r in rows)
        assert verify(s).ok


def test_not_yet_started_ended_and_suspended_are_not_paid(session, person):
    from shebao.benefits.payroll import run_payroll
    from shebao.benefits.service import suspend_benefit
    from shebao.registry.models import Payment

    b1 = grant(session, person, app="A1", start=date(2026, 1, 1))
    b2 = grant(session, person, app="A2", start=date(2026, 5, 1), kind="unemployment")
    b3 = grant(session, make_person(session, 2), app="A3", start=date(2026, 1, 1))
    suspend_benefit(session, benefit_id=b3.benefit_id, reason="测试", from_period="2026-04")
    session.commit()
    s = run_payroll("2026-04", today=on("2026-04"), sync=False)
    assert s.created == 1 and s.skipped_suspended == 1
    s = run_payroll("2026-03", today=on("2026-03"), sync=False)  # before the suspension: paid
    assert s.created == 2
    paid = set(session.scalars(select(Payment.benefit_id).where(Payment.period == "2026-04")))
    assert paid == {b1.benefit_id}
    assert b2.benefit_id not in set(session.scalars(select(Payment.benefit_id)))


def test_returns_mark_paid_and_failed_then_retry_and_escalate(session, person, tmp_path):
    from shebao.benefits.models import PaymentAttempt
    from shebao.benefits.payroll import apply_returns, list_failures, run_payroll
    from shebao.registry.models import Payment

    b1 = grant(session, person, app="A1")
    b2 = grant(session, make_person(session, 2), app="A2", amount="1800.00")
    run_payroll("2026-02", today=on("2026-02"), sync=False)
    p1 = session.scalar(select(Payment).where(Payment.benefit_id == b1.benefit_id))
    p2 = session.scalar(select(Payment).where(Payment.benefit_id == b2.benefit_id))
    f = tmp_path / "ret.csv"
    f.write_text("payment_id,result,paid_date,amount,reason\n"
                 f"{p1.payment_id},paid,2026-02-15,3000.00,\n"
                 f"{p2.payment_id},failed,2026-02-15,1800.00,账户已销户\n"
                 "NOPE,paid,2026-02-15,1.00,\n"
                 f"{p1.payment_id},paid,2026-02-15,2999.00,\n", encoding="gbk")
    out = apply_returns(session, f, max_attempts=2)
    session.commit()
    assert (out.paid, out.failed, len(out.errors)) == (1, 1, 2)
    assert [e["line"] for e in out.errors] == [4, 5]
    session.refresh(p1), session.refresh(p2)
    assert p1.status == "paid" and p1.paid_date == date(2026, 2, 15) and p2.status == "failed"
    # next run: the failed one goes back to pending, nothing new for February
    s = run_payroll("2026-03", today=on("2026-03"), sync=False, max_attempts=2)
    assert s.retried == 1 and s.created == 2
    session.refresh(p2)
    assert p2.status == "pending"
    f.write_text(f"payment_id,result,paid_date,amount,reason\n{p2.payment_id},failed,,1800.00,户名不符\n")
    apply_returns(session, f, max_attempts=2)
    session.commit()
    assert session.get(PaymentAttempt, p2.payment_id).escalated
    s = run_payroll("2026-04", today=on("2026-04"), sync=False, max_attempts=2)
    assert s.retried == 0
    assert [r["payment_id"] for r in list_failures(session, escalated_only=True)] == [p2.payment_id]


def test_missing_columns_in_returns_are_refused(session, tmp_path):
    from shebao.benefits.payroll import apply_returns

    f = tmp_path / "bad.csv"
    f.write_text("payment_id,result\nX,paid\n")
    with pytest.raises(ValueError, match="缺少列"):
        apply_returns(session, f)


def test_killed_run_rerun_creates_exactly_the_missing_payments(db):
    """SIGKILL a payroll run mid-way (SQLite and PostgreSQL); the rerun completes it, nothing doubled."""
    n = 6000
    ids = bulk_population(db, n)
    _cli("payroll", "open", "--period", "2026-06", "--reason", "补发历史期间（测试）")
    engine = create_engine(db)
    proc = subprocess.Popen([*CLI, "payroll", "run", "--period", "2026-06", "--batch-size", "50", "--json"],
                            env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    count = 0
    deadline = time.monotonic() + 120
    with engine.connect() as conn:
        while time.monotonic() < deadline and proc.poll() is None:
            count = conn.execute(text("SELECT count(*) FROM payments WHERE period = '2026-06'")).scalar()
            conn.commit()
            if count >= n // 5:
                break
            time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with engine.connect() as conn:
        after_kill = conn.execute(text("SELECT count(*) FROM payments WHERE period = '2026-06'")).scalar()
    assert 0 < after_kill < n, after_kill
    out = json.loads(_cli("payroll", "run", "--period", "2026-06", "--json").stdout)
    assert out["created"] == n - after_kill and out["existing"] == after_kill
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT benefit_id, count(*) FROM payments WHERE period = '2026-06' "
                                 "GROUP BY benefit_id")).all()
        total = conn.execute(text("SELECT sum(amount) FROM payments WHERE period = '2026-06'")).scalar()
        runs = conn.execute(text("SELECT status FROM payroll_runs ORDER BY id")).scalars().all()
    assert sorted(r[0] for r in rows) == sorted(ids) and {r[1] for r in rows} == {1}
    assert Decimal(out["total"]) == total == sum(Decimal("1000.00") + i % 997 for i in range(n))
    assert runs == ["failed", "done"]  # the killed run's process is gone: the rerun marked it failed
    engine.dispose()
    from shebao.audit import verify
    from shebao.core.db import session_scope

    with session_scope() as s:
        assert verify(s).ok


def test_a_failed_payment_no_longer_due_is_not_retried(session, person, tmp_path):
    from shebao.benefits.death import process_death
    from shebao.benefits.models import PaymentAttempt
    from shebao.benefits.payroll import apply_returns, run_payroll
    from shebao.registry.models import Payment

    b = grant(session, person, app="A1")
    run_payroll("2026-03", today=on("2026-03"), sync=False)
    p = session.scalar(select(Payment).where(Payment.benefit_id == b.benefit_id))
    f = tmp_path / "ret.csv"
    f.write_text(f"payment_id,result,paid_date,amount,reason\n{p.payment_id},failed,,3000.00,账户冻结\n")
    apply_returns(session, f)
    process_death(session, person_id=person.person_id, death_date=date(2026, 2, 10))
    session.commit()
    s = run_payroll("2026-04", today=on("2026-04"), sync=False)
    session.refresh(p)
    assert (s.retried, s.escalated, p.status) == (0, 1, "failed")
    assert session.get(PaymentAttempt, p.payment_id).escalated
