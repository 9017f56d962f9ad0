"""Payroll guards (issue 16 item 6): periods, dead runs, events processed once under concurrency."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from benefits_builders import grant, make_person, on
from sqlalchemy import func, select

TODAY = date(2026, 12, 7)


def _actions(session, action: str) -> list:
    from shebao.audit.models import AuditEntry

    session.expire_all()
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)).all()


# --- periods ------------------------------------------------------------------------------------------

def test_only_the_current_and_previous_period_without_an_opening(session, person):
    from shebao.benefits.payroll import PayrollError, run_payroll
    from shebao.registry.models import Payment

    grant(session, person, start=date(2025, 1, 1))
    assert run_payroll("2026-12", today=TODAY, sync=False).created == 1
    assert run_payroll("2026-11", today=TODAY, sync=False).created == 1
    for period in ("2099-01", "2027-01", "2026-10"):
        with pytest.raises(PayrollError, match=f"{period} 未开放"):
            run_payroll(period, today=TODAY, sync=False, actor="clerk1", actor_role="clerk")
    assert set(session.scalars(select(Payment.period))) == {"2026-11", "2026-12"}


def test_an_administrator_opens_a_later_period_with_a_reason_audited(session, person):
    from shebao.benefits.payroll import PayrollError, open_period, run_payroll

    grant(session, person, start=date(2025, 1, 1))
    session.info.update(actor="clerk1", actor_role="clerk")
    with pytest.raises(PayrollError, match="开放发放期间 2027-01 需要管理员（admin）角色，当前为 clerk"):
        open_period(session, period="2027-01", reason="春节前提前发放")
    session.info.update(actor="admin", actor_role="admin")
    with pytest.raises(PayrollError, match="开放发放期间必须说明理由"):
        open_period(session, period="2027-01", reason=" ")
    open_period(session, period="2027-01", reason="春节前提前发放，经局务会同意")
    session.commit()
    from shebao.benefits.models import PayrollOpening

    opened = session.get(PayrollOpening, "2027-01").opened_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    with pytest.raises(PayrollError) as refused:
        open_period(session, period="2027-01", reason="再次开放")
    # who opened it, when (Beijing time, named), and why
    assert str(refused.value) == f"发放期间 2027-01 已由 admin 于 {opened:%Y-%m-%d %H:%M}（北京时间）开放：春节前提前发放，经局务会同意"
    session.rollback()
    assert run_payroll("2027-01", today=TODAY, sync=False, actor="clerk1", actor_role="clerk").created == 1
    [entry] = _actions(session, "payroll.period_open")
    assert (entry.actor, entry.entity_id) == ("admin", "2027-01") and "局务会" in entry.detail


def test_cli_refuses_2099_and_opens_only_for_an_administrator(db, session, person):
    from typer.testing import CliRunner

    from shebao.cli import _register, app
    from shebao.registry.models import Payment
    from shebao.users.service import add_user

    _register()
    grant(session, person, start=date(2025, 1, 1))
    add_user(session, username="clerk1", role="clerk", password="clerk-password-123")
    session.commit()
    runner = CliRunner()
    out = runner.invoke(app, ["payroll", "run", "--period", "2099-01", "--no-sync", "--as", "clerk1"])
    assert out.exit_code == 1 and "2099-01未开放" in "".join(out.output.split())
    out = runner.invoke(app, ["payroll", "open", "--period", "2099-01", "--reason", "我想发", "--as", "clerk1"])
    assert out.exit_code == 1 and "需要管理员" in "".join(out.output.split())
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    out = runner.invoke(app, ["payroll", "open", "--period", "2099-01", "--reason", "测试开放远期期间"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["payroll", "run", "--period", "2099-01", "--no-sync", "--json", "--as", "clerk1"])
    assert out.exit_code == 0, out.output


# --- dead runs end failed -----------------------------------------------------------------------------

def _running(session, *, owner: str, lease: datetime) -> int:
    from shebao.benefits.models import PayrollRun

    run = PayrollRun(period="2026-12", status="running", started_by="clerk1", owner=owner, lease_until=lease)
    session.add(run)
    session.commit()
    return run.id


def _status(session, run_id: int) -> tuple[str, str | None]:
    from shebao.benefits.models import PayrollRun

    session.expire_all()
    run = session.get(PayrollRun, run_id)
    return run.status, run.error


def test_a_run_whose_process_died_is_failed_by_the_next_run(session, person):
    import socket

    from shebao.benefits.payroll import run_payroll

    grant(session, person, start=date(2025, 1, 1))
    proc = subprocess.Popen(["true"])
    proc.wait()  # a process of this host that is gone
    soon = datetime.now(UTC) + timedelta(hours=1)
    dead = _running(session, owner=f"{socket.gethostname()}:{proc.pid}", lease=soon)
    alive_elsewhere = _running(session, owner="another-host:4242", lease=soon)
    expired = (datetime.now(UTC) - timedelta(seconds=1)).replace(microsecond=0)
    expired_elsewhere = _running(session, owner="another-host:4243", lease=expired)
    run_payroll("2026-12", today=TODAY, sync=False)
    assert _status(session, dead) == ("failed", "进程已终止")
    assert _status(session, alive_elsewhere) == ("running", None)
    status, error = _status(session, expired_elsewhere)
    # the lease's time as people read it: Beijing time (the default SHEBAO_TIMEZONE), the zone named
    assert status == "failed" and error == f"租约于 {expired.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M:%S}（北京时间）到期未续"
    assert sorted(int(e.entity_id) for e in _actions(session, "payroll.run_failed")) == [dead, expired_elsewhere]


def test_a_run_that_raises_ends_failed(session, person):
    from shebao.benefits.models import PayrollRun
    from shebao.benefits.payroll import run_payroll

    grant(session, person, start=date(2025, 1, 1))

    def boom(*_):
        raise RuntimeError("银行前置机断开")

    with pytest.raises(RuntimeError):
        run_payroll("2026-12", today=TODAY, sync=False, on_batch=boom)
    session.expire_all()
    run = session.scalars(select(PayrollRun)).one()
    assert run.status == "failed" and "银行前置机断开" in run.error and run.finished_at is not None


def test_a_run_whose_lease_was_taken_stops(session, person, monkeypatch):
    from sqlalchemy import update

    from shebao.benefits.models import PayrollRun
    from shebao.benefits.payroll import PayrollError, run_payroll
    from shebao.core.db import session_scope

    for i in range(3):
        grant(session, make_person(session, i + 2), app=f"A{i}", start=date(2025, 1, 1))

    def taken(batch, _created):
        if batch == 1:  # another run declared this one dead meanwhile
            with session_scope() as s:
                s.execute(update(PayrollRun).values(status="failed", error="租约到期"))

    with pytest.raises(PayrollError, match="已被判定中断（租约过期）"):
        run_payroll("2026-12", today=TODAY, sync=False, batch_size=1, on_batch=taken)
    session.expire_all()
    assert session.scalar(select(PayrollRun.status)) == "failed"


# --- events once under concurrent runs ----------------------------------------------------------------

def test_two_concurrent_runs_process_each_death_once(db, session):
    """Real concurrency (two connections; on PostgreSQL two transactions at once): deaths once."""
    from shebao.audit import verify
    from shebao.benefits.models import SurvivorCase
    from shebao.benefits.payroll import run_payroll
    from shebao.core.db import session_scope
    from shebao.registry.loader import row_digest
    from shebao.registry.models import Death

    n = 12
    for i in range(n):
        p = make_person(session, i + 1)
        grant(session, p, app=f"A{i}", start=date(2025, 1, 1), amount="2000.00")
        session.add(Death(id_number=p.id_number, id_number_bidx=p.id_number_bidx, name=p.name,
                          death_date=date(2026, 10, 3), source="civil_affairs", row_hash=row_digest({"i": str(i)})))
    session.commit()
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(run_payroll("2026-12", today=on("2026-12"), as_of=date(2026, 12, 7)))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.sync["deaths"] for r in results) == [0, n]
    deaths = _actions(session, "benefit.death")
    assert len(deaths) == n and len({e.entity_id for e in deaths}) == n
    assert session.scalar(select(func.count()).select_from(SurvivorCase)) == n
    with session_scope() as s:
        assert verify(s).ok
    assert sum((r.created_total for r in results), Decimal("0")) == Decimal("0.00")  # the dead are not paid
