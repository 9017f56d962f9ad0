"""The monthly payroll: every benefit due in a period gets its payment instruction exactly once.

Exactly once, even when a run is killed: a payment is unique per (benefit, period, kind) in the
database (the registry's ``payments`` constraint) and its id is derived from that key; the run
inserts with ``ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite alike) in batches, each committed
with its deductions and its audit entry. A run killed at any point has committed whole batches
only; running the period again inserts exactly the payments still missing and none twice.

Guards (issue 16):

- **Periods**: a run is for the current or the previous month only (of ``today``); any other
  period must first be opened by an administrator with a reason (``shebao payroll open``,
  audited). A clerk cannot pay 2099-01.
- **Dead runs end ``failed``**: a run holds a lease renewed at every batch
  (``SHEBAO_PAYROLL_LEASE_SECONDS``) and names its process; the next run marks ``failed`` a run
  whose lease expired or whose process on the same host is gone (audited ``payroll.run_failed``).
  A run that raises marks itself ``failed``.
- **Events once**: the registry sync and the retries of failed payments run under one lock (a
  PostgreSQL advisory lock; SQLite's write lock), so two concurrent runs process a death once.

Bank returns (``shebao payroll returns FILE``) mark instructions ``paid`` or ``failed``; a failed
payment goes back to ``pending`` at the next run (with the benefit's current bank account), and
after ``max_attempts`` failures it is escalated to a clerk instead (``shebao payroll failures``).

Bank return file (CSV, UTF-8 or GBK, header row)::

    payment_id,result,paid_date,amount,reason
    P202611RE0A1B2…,paid,2026-11-15,3125.40,
    P202611RE9F8E7…,failed,2026-11-15,1800.00,账户已销户

``result`` is ``paid`` or ``failed``; ``paid_date`` is required for ``paid``; ``amount`` must
equal the instruction's amount (a mismatch is reported, not applied); ``reason`` is free text
(the bank's return reason) for failures.
"""

from __future__ import annotations

import csv
import io
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.events import lock_events, sync_registry
from shebao.benefits.models import Debt, DebtRecovery, PaymentAttempt, PayrollOpening, PayrollRun, Suspension
from shebao.benefits.periods import add_months, check_period, first_day, last_day, period_of
from shebao.benefits.recovery import _update_status, deduction_for, deduction_limit, record_recovery
from shebao.benefits.service import (
    MONTHLY_KINDS,
    ONE_OFF_KINDS,
    covers,
    money,
    payment_id_for,
    payment_record,
    refresh_payment_hash,
    touch_benefit,
)
from shebao.core.db import get_engine, insert_ignoring_conflicts, session_scope, utcnow
from shebao.core.roles import Role, has_role, role_of
from shebao.core.settings import get_settings, local_today
from shebao.registry.models import Benefit, Payment

DEFAULT_BATCH = 500
DEFAULT_MAX_ATTEMPTS = 3


class PayrollError(ValueError):
    """A payroll run refused (a period not open) or stopped (its lease taken over)."""


# --- periods a run may pay ---------------------------------------------------------------------------

def open_periods(today: date) -> tuple[str, str]:
    """The periods a run needs nobody's opening for: the current month and the previous one."""
    current = period_of(today)
    return current, add_months(current, -1)


def check_period_open(session: Session, period: str, *, today: date | None = None) -> None:
    """Raise :class:`PayrollError` unless ``period`` is current, previous, or opened by an administrator."""
    period = check_period(period)
    current, previous = open_periods(today or local_today())
    if period in (current, previous) or session.get(PayrollOpening, period) is not None:
        return
    raise PayrollError(f"发放期间 {period} 未开放：只能发放当期（{current}）或上期（{previous}）；"
                       f"其他期间须由管理员说明理由后开放（shebao payroll open --period {period} --reason …）")


def open_period(session: Session, *, period: str, reason: str) -> PayrollOpening:
    """Open ``period`` for the payroll (administrators only, with a reason; audited)."""
    period = check_period(period)
    if not has_role(role_of(session), Role.ADMIN):
        raise PayrollError(f"开放发放期间 {period} 需要管理员（admin）角色，当前为 {session.info.get('actor_role') or '无'}")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise PayrollError("开放发放期间必须说明理由（reason：至少 4 个字）")
    held = session.get(PayrollOpening, period)
    if held is not None:
        from shebao.core.settings import timezone_label, to_local

        raise PayrollError(f"发放期间 {period} 已由 {held.opened_by} 于 {to_local(held.opened_at):%Y-%m-%d %H:%M}"
                           f"（{timezone_label()}）开放：{held.reason}")
    opening = PayrollOpening(period=period, reason=reason, opened_by=session.info.get("actor") or "system")
    session.add(opening)
    session.flush()
    append(session, action="payroll.period_open", entity="payroll_openings", entity_id=period,
           detail={"period": period, "reason": reason})
    return opening


# --- leases: a run whose process died ends failed -----------------------------------------------------

def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's process: only its lease can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return int(pid) != os.getpid() and _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=get_settings().payroll_lease_seconds)


def fail_dead_runs(session: Session, *, now: datetime | None = None) -> list[int]:
    """Mark ``failed`` every running run whose lease expired or whose process is gone; return their ids."""
    now = now or utcnow()
    failed = []
    for run in session.scalars(select(PayrollRun).where(PayrollRun.status == "running")).all():
        lease = run.lease_until
        if lease is not None and lease.tzinfo is None:  # SQLite returns naive UTC
            from datetime import UTC

            lease = lease.replace(tzinfo=UTC)
        expired = lease is None or lease < now
        gone = bool(run.owner) and _process_gone(run.owner)
        if not (expired or gone):
            continue
        if gone:
            why = "进程已终止"
        else:  # a time people read: local, its zone named (the stored lease stays UTC)
            from shebao.core.settings import timezone_label, to_local

            why = f"租约于 {to_local(lease):%Y-%m-%d %H:%M:%S}（{timezone_label()}）到期未续"
        done = session.execute(update(PayrollRun).where(PayrollRun.id == run.id, PayrollRun.status == "running")
                               .values(status="failed", finished_at=now, error=why)).rowcount
        if done:
            failed.append(run.id)
            append(session, action="payroll.run_failed", entity="payroll_runs", entity_id=str(run.id),
                   detail={"period": run.period, "owner": run.owner, "reason": why})
    return failed


def _renew(session: Session, run_id: int) -> None:
    renewed = session.execute(update(PayrollRun).where(PayrollRun.id == run_id, PayrollRun.status == "running")
                              .values(lease_until=_lease_until(utcnow()))).rowcount
    if not renewed:
        raise PayrollError(f"发放批次 {run_id} 已被判定中断（租约过期）：请重新运行该期间，已生成的指令不会重复")


def _mark_failed(engine: Engine, run_id: int, error: str, actor: str, source: str) -> None:
    try:
        with session_scope(engine) as session:
            session.info.update(actor=actor, source=source)
            if session.execute(update(PayrollRun).where(PayrollRun.id == run_id, PayrollRun.status == "running")
                               .values(status="failed", finished_at=utcnow(), error=error[:500])).rowcount:
                append(session, action="payroll.run_failed", entity="payroll_runs", entity_id=str(run_id),
                       detail={"reason": error[:200]})
    except Exception:  # noqa: BLE001 - the original error is what the caller must see; the lease ends it anyway
        pass


@dataclass
class RunSummary:
    period: str
    created: int = 0
    existing: int = 0
    skipped_suspended: int = 0
    retried: int = 0
    escalated: int = 0
    deductions: int = 0
    created_total: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")
    run_id: int | None = None
    sync: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period, "created": self.created, "existing": self.existing,
            "total": f"{self.total:.2f}", "created_total": f"{self.created_total:.2f}",
            "skipped_suspended": self.skipped_suspended, "retried": self.retried, "escalated": self.escalated,
            "deductions": self.deductions, "run_id": self.run_id, **({"sync": self.sync} if self.sync else {}),
        }


def _due_filter(period: str):
    first, last = first_day(period), last_day(period)
    monthly = and_(Benefit.kind.in_(MONTHLY_KINDS), Benefit.start_date <= last,
                   or_(Benefit.end_date.is_(None), Benefit.end_date >= first),
                   or_(Benefit.status != "terminated", Benefit.end_date > Benefit.start_date))
    # one-off grants are paid once, in the month they start (or the first run after it)
    already = select(Payment.payment_id).where(Payment.benefit_id == Benefit.benefit_id,
                                               Payment.kind == "one_off").exists()
    one_off = and_(Benefit.kind.in_(ONE_OFF_KINDS), Benefit.start_date <= last, Benefit.status != "terminated",
                   ~already)
    return or_(monthly, one_off)


def _period_for(b: Benefit, period: str) -> tuple[str, str]:
    if b.kind in ONE_OFF_KINDS:
        return period_of(b.start_date), "one_off"
    return period, "regular"


def retry_failed(session: Session, *, max_attempts: int) -> tuple[int, int]:
    """Failed payments back to ``pending`` (current bank account), or escalated after N failures."""
    retried = escalated = 0
    rows = session.execute(
        select(Payment, PaymentAttempt).join(PaymentAttempt, PaymentAttempt.payment_id == Payment.payment_id,
                                             isouter=True)
        .where(Payment.status == "failed")).all()
    for payment, attempt in rows:
        if attempt is not None and attempt.escalated:
            continue
        if payment.kind == "recovery":
            continue  # a deduction follows the regular payment it was taken from
        failures = attempt.failures if attempt is not None else 1
        benefit = session.get(Benefit, payment.benefit_id)
        no_longer_due = benefit is not None and payment.kind in ("regular", "adjustment") and not _still_due(
            session, benefit, payment.period)
        if failures >= max_attempts or no_longer_due:
            if attempt is None:
                attempt = PaymentAttempt(payment_id=payment.payment_id, failures=failures, last_result="failed")
                session.add(attempt)
            attempt.escalated = True
            if no_longer_due:
                attempt.last_reason = "待遇已停发或暂停，不再重发"
            undo_deduction(session, payment)
            escalated += 1
            append(session, action="payment.escalate", entity="payments", entity_id=payment.payment_id,
                   detail={"failures": failures, "reason": attempt.last_reason or "", "no_longer_due": no_longer_due})
            continue
        payment.status = "pending"
        if benefit is not None and benefit.bank_account:
            payment.bank_account = benefit.bank_account
            payment.bank_account_bidx = benefit.bank_account_bidx
        refresh_payment_hash(payment)
        rec = session.get(Payment, payment_id_for(payment.benefit_id, payment.period, "recovery"))
        if payment.kind == "regular" and rec is not None and rec.status == "failed":
            rec.status = "pending"
            refresh_payment_hash(rec)
        retried += 1
    if retried:
        append(session, action="payment.retry", entity="payments", entity_id="",
               detail={"retried": retried, "escalated": escalated})
    session.flush()
    return retried, escalated


def _still_due(session: Session, b: Benefit, period: str) -> bool:
    """Whether a month's payment is still due: within the benefit's dates and not suspended."""
    if b.end_date is not None and b.end_date < first_day(period):
        return False
    if b.status == "terminated" and b.end_date is None:
        return False
    return not any(covers(s, period) for s in session.scalars(
        select(Suspension).where(Suspension.benefit_id == b.benefit_id)))


def run_payroll(
    period: str,
    *,
    engine: Engine | None = None,
    actor: str = "system",
    actor_role: str = "",
    source: str = "cli",
    batch_size: int = DEFAULT_BATCH,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    max_deduction_rate: Decimal | None = None,
    sync: bool = True,
    as_of: date | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> RunSummary:
    """Create the period's payment instructions, committing batch by batch (safe to kill and rerun).

    Args:
        period: ``YYYY-MM``.
        sync: first apply the registry's deaths, custodial sentences and certifications
            (:func:`shebao.benefits.events.sync_registry`) as of ``as_of``, so that the dead and the
            suspended are not paid.
        on_batch: called with (batch number, payments created so far) after each commit.
        today: the date whose month is "current" for the period guard (default: today).

    Raises:
        PayrollError: the period is neither current nor previous and no administrator opened it.

    Returns:
        The counts; ``total`` is the sum of every payment instruction of the period after the run
        (so a rerun reports the same total), ``created_total`` what this run added.
    """
    period = check_period(period)
    engine = engine or get_engine()
    summary = RunSummary(period=period)

    with session_scope(engine) as session:
        session.info.update(actor=actor, actor_role=actor_role, source=source)
        check_period_open(session, period, today=today)
        fail_dead_runs(session)
        run = PayrollRun(period=period, status="running", started_by=actor, owner=_owner(),
                         lease_until=_lease_until(utcnow()))
        session.add(run)
        session.flush()
        summary.run_id = run.id
    try:
        _run(engine, summary, period, actor=actor, actor_role=actor_role, source=source, batch_size=batch_size,
             max_attempts=max_attempts, max_deduction_rate=max_deduction_rate, sync=sync, as_of=as_of,
             on_batch=on_batch)
    except BaseException as exc:
        _mark_failed(engine, summary.run_id, f"{type(exc).__name__}: {exc}", actor, source)
        raise
    return summary


def _run(engine: Engine, summary: RunSummary, period: str, *, actor: str, actor_role: str, source: str,
         batch_size: int, max_attempts: int, max_deduction_rate: Decimal | None, sync: bool, as_of: date | None,
         on_batch: Callable[[int, int], None] | None) -> None:
    def scope():
        return session_scope(engine)

    with scope() as session:
        session.info.update(actor=actor, actor_role=actor_role, source=source)
        lock_events(session)  # concurrent runs: a death is processed by one of them, once
        _renew(session, summary.run_id)
        if sync:
            summary.sync = sync_registry(session, as_of=as_of or last_day(period))
        summary.retried, summary.escalated = retry_failed(session, max_attempts=max_attempts)
        session.flush()

    last_id = ""
    batch_no = 0
    while True:
        with scope() as session:
            session.info.update(actor=actor, actor_role=actor_role, source=source)
            _renew(session, summary.run_id)
            benefits = list(session.scalars(
                select(Benefit).where(_due_filter(period), Benefit.benefit_id > last_id)
                .order_by(Benefit.benefit_id).limit(batch_size)))
            if not benefits:
                break
            last_id = benefits[-1].benefit_id
            batch_no += 1
            created, existing, created_total, skipped, deductions = _pay_batch(
                session, benefits, period, max_deduction_rate=max_deduction_rate)
            summary.created += created
            summary.existing += existing
            summary.created_total += created_total
            summary.skipped_suspended += skipped
            summary.deductions += deductions
            if created:
                append(session, action="payroll.batch", entity="payments", entity_id=period,
                       detail={"period": period, "batch": batch_no, "created": created,
                               "amount": created_total, "first": benefits[0].benefit_id, "last": last_id})
        if on_batch is not None:
            on_batch(batch_no, summary.created)

    with scope() as session:
        session.info.update(actor=actor, actor_role=actor_role, source=source)
        summary.total = money(session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.period == period)) or 0)
        done = session.execute(update(PayrollRun).where(PayrollRun.id == summary.run_id,
                                                        PayrollRun.status == "running").values(
            status="done", created=summary.created, existing=summary.existing, retried=summary.retried,
            total=summary.total, finished_at=utcnow(), lease_until=None)).rowcount
        if not done:
            raise PayrollError(f"发放批次 {summary.run_id} 已被判定中断（租约过期）：请重新运行该期间")
        append(session, action="payroll.run", entity="payroll_runs", entity_id=str(summary.run_id),
               detail=summary.as_json())


def _pay_batch(session: Session, benefits: list[Benefit], period: str, *,
               max_deduction_rate: Decimal | None) -> tuple[int, int, Decimal, int, int]:
    ids = [b.benefit_id for b in benefits]
    suspensions: dict[str, list[Suspension]] = {}
    for s in session.scalars(select(Suspension).where(Suspension.benefit_id.in_(ids))):
        suspensions.setdefault(s.benefit_id, []).append(s)
    rows = []
    amounts: dict[str, Decimal] = {}
    skipped = 0
    for b in benefits:
        if b.kind in MONTHLY_KINDS and any(covers(s, period) for s in suspensions.get(b.benefit_id, ())):
            skipped += 1
            continue
        if b.kind in MONTHLY_KINDS and b.status == "suspended" and not suspensions.get(b.benefit_id):
            skipped += 1  # suspended in the registry itself (loaded so): no period known, not paid
            continue
        pay_period, kind = _period_for(b, period)
        pid = payment_id_for(b.benefit_id, pay_period, kind)
        amounts[pid] = money(b.monthly_amount)
        rows.append(payment_record(payment_id=pid, benefit_id=b.benefit_id, person_id=b.person_id,
                                   period=pay_period, amount=b.monthly_amount, bank_account=b.bank_account,
                                   kind=kind))
    if not rows:
        return 0, 0, Decimal("0.00"), skipped, 0
    stmt = insert_ignoring_conflicts(session, Payment.__table__).returning(Payment.__table__.c.payment_id)
    created_ids = _insert_returning(session, stmt, rows)
    created_total = sum((amounts[p] for p in created_ids), Decimal("0.00"))
    deductions = _deduct(session, [b for b in benefits if payment_id_for(b.benefit_id, period, "regular") in created_ids],
                         period, max_deduction_rate)
    return len(created_ids), len(rows) - len(created_ids), created_total, skipped, deductions


def _insert_returning(session: Session, stmt, rows: list[dict]) -> set[str]:
    # executemany with RETURNING is supported by both drivers through SQLAlchemy's insertmanyvalues
    result = session.execute(stmt, rows)
    return set(result.scalars().all())


def _deduct(session: Session, benefits: list[Benefit], period: str, max_rate: Decimal | None) -> int:
    """Deduct open debts from the regular payments just created (same transaction as the payment).

    ``max_rate`` None: the parameter ``recovery.max_deduction_rate`` of each benefit's region.
    """
    if not benefits:
        return 0
    by_benefit: dict[str, list[Debt]] = {}
    for d in session.scalars(select(Debt).where(Debt.benefit_id.in_([b.benefit_id for b in benefits]),
                                                Debt.status.in_(("open", "deducting")),
                                                Debt.method == "deduction").order_by(Debt.id)):
        by_benefit.setdefault(d.benefit_id, []).append(d)
    count = 0
    limit = None
    for b in benefits:
        debts = by_benefit.get(b.benefit_id)
        if not debts:
            continue
        if max_rate is None:
            limit = limit or deduction_limit(session, first_day(period))
        plan = deduction_for(debts, money(b.monthly_amount), max_rate if max_rate is not None else limit(b.region_code))
        total = sum((amt for _, amt in plan), Decimal("0.00"))
        if total <= 0:
            continue
        pid = payment_id_for(b.benefit_id, period, "recovery")
        session.execute(insert_ignoring_conflicts(session, Payment.__table__), [payment_record(
            payment_id=pid, benefit_id=b.benefit_id, person_id=b.person_id, period=period, amount=-total,
            bank_account=b.bank_account, kind="recovery")])
        for debt, amt in plan:
            record_recovery(session, debt, method="deduction", ref=pid, amount=amt, period=period)
            append(session, action="debt.deduct", entity="benefit_debts", entity_id=str(debt.id),
                   detail={"payment_id": pid, "period": period, "amount": amt, "outstanding": debt.outstanding})
        count += 1
    return count


def undo_deduction(session: Session, regular: Payment) -> None:
    """A regular payment given up on (escalated): the deduction riding on it did not happen either."""
    if regular.kind != "regular":
        return
    rec = session.get(Payment, payment_id_for(regular.benefit_id, regular.period, "recovery"))
    if rec is None or rec.status == "paid":
        return
    undone = Decimal("0.00")
    for r in session.scalars(select(DebtRecovery).where(DebtRecovery.ref == rec.payment_id)).all():
        debt = session.get(Debt, r.debt_id)
        debt.recovered = (debt.recovered - r.amount).quantize(Decimal("0.01"))
        _update_status(debt)
        undone += r.amount
        session.delete(r)
    rec.status = "failed"
    refresh_payment_hash(rec)
    attempt = session.get(PaymentAttempt, rec.payment_id)
    if attempt is None:
        session.add(PaymentAttempt(payment_id=rec.payment_id, failures=0, last_result="failed", escalated=True,
                                   last_reason="所依附的待遇支付已转人工处理，扣回未发生"))
    else:
        attempt.escalated = True
    session.flush()
    append(session, action="debt.deduction_undone", entity="payments", entity_id=rec.payment_id,
           detail={"regular_payment": regular.payment_id, "amount": undone})


# --- bank returns ---------------------------------------------------------------------------------------

RETURN_COLUMNS = ("payment_id", "result", "paid_date", "amount", "reason")


@dataclass
class ReturnsSummary:
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"paid": self.paid, "failed": self.failed, "unchanged": self.unchanged,
                "errors": len(self.errors), "error_lines": self.errors[:100]}


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path.name}: 无法识别的编码（应为 UTF-8 或 GBK）")


def apply_returns(session: Session, path: Path, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> ReturnsSummary:
    """Apply a bank return file (layout in the module docstring); bad lines are reported, good ones applied."""
    text = _read_text(Path(path))
    if "\x00" in text:
        raise ValueError(f"{Path(path).name}: 文件含有空字符（NUL），不是文本 CSV")
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValueError(f"{Path(path).name}: CSV 格式错误：{exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in RETURN_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{Path(path).name}: 缺少列 {', '.join(missing)}（应为 {','.join(RETURN_COLUMNS)}）")
    out = ReturnsSummary()
    for line, row in enumerate(rows, start=2):
        def err(field_name: str, reason: str, line: int = line, row: dict = row) -> None:
            out.errors.append({"line": line, "field": field_name, "value": row.get(field_name) or "",
                               "reason": reason})

        pid = (row.get("payment_id") or "").strip()
        result = (row.get("result") or "").strip().lower()
        payment = session.get(Payment, pid) if pid else None
        if payment is None:
            err("payment_id", "支付指令不存在")
            continue
        if result not in ("paid", "failed"):
            err("result", "应为 paid 或 failed")
            continue
        try:
            amount = money(row.get("amount") or "")
        except Exception:
            err("amount", "金额格式错误")
            continue
        if amount != money(payment.amount):
            err("amount", f"与支付指令金额 {payment.amount:.2f} 不符")
            continue
        paid_date = None
        if (row.get("paid_date") or "").strip():
            try:
                paid_date = date.fromisoformat(row["paid_date"].strip())
            except ValueError:
                err("paid_date", "日期应为 YYYY-MM-DD")
                continue
        if result == "paid" and paid_date is None:
            err("paid_date", "已支付必须有支付日期")
            continue
        if payment.status == result:
            out.unchanged += 1
            continue
        if payment.status == "paid":
            err("result", "该指令已支付，不能改为失败")
            continue
        attempt = session.get(PaymentAttempt, pid)
        if attempt is None:
            attempt = PaymentAttempt(payment_id=pid, failures=0, last_result="")
            session.add(attempt)
        attempt.last_result, attempt.last_return_date = result, paid_date
        payment.status = result
        if result == "paid":
            payment.paid_date = paid_date
            out.paid += 1
            if payment.kind == "one_off":  # a one-off grant is done once paid (as the registry records them)
                benefit = session.get(Benefit, payment.benefit_id)
                if benefit is not None and benefit.status != "terminated":
                    benefit.status, benefit.end_date = "terminated", benefit.start_date
                    touch_benefit(benefit)
        else:
            attempt.failures = (attempt.failures or 0) + 1
            attempt.last_reason = (row.get("reason") or "").strip() or None
            if attempt.failures >= max_attempts:
                attempt.escalated = True
                undo_deduction(session, payment)
            out.failed += 1
        refresh_payment_hash(payment)
        # a deduction settles with the payment it was taken from
        if payment.kind == "regular":
            rec = session.get(Payment, payment_id_for(payment.benefit_id, payment.period, "recovery"))
            if rec is not None and rec.status == "pending":
                rec.status, rec.paid_date = result, paid_date
                refresh_payment_hash(rec)
    session.flush()
    append(session, action="payroll.returns", entity="payments", entity_id=Path(path).name,
           detail={k: v for k, v in out.as_json().items() if k != "error_lines"})
    return out


def list_failures(session: Session, *, escalated_only: bool = False) -> list[dict[str, Any]]:
    stmt = (select(Payment, PaymentAttempt).join(PaymentAttempt, PaymentAttempt.payment_id == Payment.payment_id)
            .where(Payment.status == "failed"))
    if escalated_only:
        stmt = stmt.where(PaymentAttempt.escalated.is_(True))
    return [{"payment_id": p.payment_id, "benefit_id": p.benefit_id, "period": p.period, "kind": p.kind,
             "amount": f"{p.amount:.2f}", "failures": a.failures, "escalated": a.escalated,
             "reason": a.last_reason} for p, a in session.execute(stmt.order_by(Payment.period, Payment.payment_id))]


def period_totals(session: Session, period: str) -> dict[str, Any]:
    """Counts and sums of a period's payments by kind and status."""
    period = check_period(period)
    rows = session.execute(select(Payment.kind, Payment.status, func.count(), func.sum(Payment.amount))
                           .where(Payment.period == period).group_by(Payment.kind, Payment.status)).all()
    return {"period": period, "lines": [{"kind": k, "status": s, "count": n, "amount": f"{money(a or 0):.2f}"}
                                        for k, s, n, a in rows],
            "total": f"{money(sum((a or 0) for *_, a in rows)):.2f}"}
