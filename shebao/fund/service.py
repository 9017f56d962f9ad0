"""Fund services: run and store a period's reconciliation, sign it off, reopen it, work its differences.

Keyword-only functions; the caller owns the transaction. Every state change is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from shebao.audit import log as audit
from shebao.core.db import utcnow
from shebao.core.roles import Role, has_role
from shebao.engines.base import Engine
from shebao.fund import reconcile as rc
from shebao.fund.models import Difference, Reconciliation
from shebao.registry.models import Contribution, Payment

PAID_STATUSES = ("paid", "duplicate")  # a legacy 'duplicate' payment is money paid twice: it counts as paid


class FundError(ValueError):
    """A fund operation is not allowed (the message says why, in Chinese)."""


def _require(session: Session, *roles: Role, what: str) -> None:
    if not has_role(session.info.get("actor_role"), *roles):
        raise FundError(f"{what}需要{'或'.join(r.value for r in roles)}角色（稽核员/数据分析员）")


def agency_books(session: Session, *, period: str, tolerance_days: int = rc.DEFAULT_TOLERANCE_DAYS) -> tuple[Any, Any]:
    """The agency's contributions of ``period`` and its payments around it, as Arrow tables."""
    p = rc.Period.parse(period)
    payer = func.coalesce(func.nullif(Contribution.employer_id, ""), Contribution.person_id)
    contributions = session.execute(
        select(payer, Contribution.person_id, Contribution.period, Contribution.insurance,
               func.sum(Contribution.employee_amount + Contribution.employer_amount))
        .where(Contribution.period == p.text)
        .group_by(payer, Contribution.person_id, Contribution.period, Contribution.insurance)
    ).all()
    payments = session.execute(
        select(Payment.payment_id, Payment.person_id, Payment.period, Payment.paid_date, Payment.amount)
        .where(and_(Payment.status.in_(PAID_STATUSES), Payment.paid_date >= p.window_start(),
                    Payment.paid_date <= p.end + dt.timedelta(days=tolerance_days)))
    ).all()
    return rc.agency_tables(contributions, payments)


def get_reconciliation(session: Session, *, period: str) -> Reconciliation | None:
    return session.scalar(select(Reconciliation).where(Reconciliation.period == period))


def run_reconciliation(session: Session, *, folder: Path, period: str,
                       tolerance_days: int = rc.DEFAULT_TOLERANCE_DAYS, engine: Engine | str = "duckdb",
                       store: bool = True, progress: Callable[[str, int, int], None] | None = None) -> rc.Result:
    """Reconcile ``period`` against the statements in ``folder``; store the report and its differences.

    A signed-off period is not run again until it is reopened. Timing differences of earlier periods
    whose counterparts this period's statements carry are closed (``cleared``).
    """
    p = rc.Period.parse(period)
    if store:
        _require(session, Role.AUDITOR, Role.ANALYST, what="对账")
    existing = get_reconciliation(session, period=p.text)
    if store and existing is not None and existing.status == "signed_off":
        raise FundError(f"{p.text} 的对账报告已由 {existing.signed_off_by} 签认；如需重新对账，请先重开并说明原因")
    contributions, payments = agency_books(session, period=p.text, tolerance_days=tolerance_days)
    result = rc.reconcile_folder(folder, period=p.text, contributions=contributions, payments=payments,
                                 engine=engine, tolerance_days=tolerance_days, progress=progress)
    result.carried = _carry(session, result, store=store)
    summary = result.summary()
    if not store:
        return result
    actor = session.info.get("actor") or "system"
    if existing is None:
        existing = Reconciliation(period=p.text, status="open", tolerance_days=tolerance_days, summary="{}",
                                  run_by=actor)
        session.add(existing)
        session.flush()
    # a rerun (e.g. after a reopen) keeps the notes of the differences already worked
    worked = {(d.flow, d.klass, d.reference, d.counterpart_ref): (d.note, d.resolved_by) for d in session.scalars(
        select(Difference).where(Difference.reconciliation_id == existing.id, Difference.status == "resolved"))}
    session.execute(delete(Difference).where(Difference.reconciliation_id == existing.id))
    existing.tolerance_days = tolerance_days
    existing.summary = json.dumps(summary, ensure_ascii=False, default=str)
    existing.run_by = actor
    existing.run_at = utcnow()
    for d in result.differences:
        ref, counterpart = d["reference"][:64], d["counterpart_ref"][:64]
        before = worked.get((d["flow"], d["class"], ref, counterpart))
        session.add(Difference(
            reconciliation_id=existing.id, period=p.text, flow=d["flow"], klass=d["class"], amount=d["amount"],
            reference=ref, agency_ref=d["agency_ref"][:64], counterpart_ref=counterpart, detail=d["detail"],
            status="resolved" if before else "open", note=before[0] if before else None,
            resolved_by=before[1] if before else None))
    audit.append(session, action="fund.reconcile", entity="fund_reconciliation", entity_id=p.text,
                 detail={"differences": len(result.differences), "by_class": summary["by_class"],
                         "tolerance_days": tolerance_days, "cleared": result.carried["cleared"]})
    return result


def _carry(session: Session, result: rc.Result, *, store: bool) -> dict[str, Any]:
    """Close the open timing differences of earlier periods that this period's statements clear."""
    open_items = session.scalars(
        select(Difference).where(Difference.klass == "timing", Difference.status == "open",
                                 Difference.period < result.period)
    ).all()
    cleared = []
    for item in open_items:
        if item.agency_ref in set(result.cleared.get(item.flow, ())):
            cleared.append(item)
            if store:
                item.status = "cleared"
                item.cleared_period = result.period
    return {"carried_in": len(open_items), "cleared": len(cleared),
            "still_open": [{"period": d.period, "flow": d.flow, "reference": d.reference,
                            "amount": f"{d.amount:.2f}"} for d in open_items if d not in cleared]}


def sign_off(session: Session, *, period: str, note: str = "") -> Reconciliation:
    """Sign off a period's reconciliation report (who and when are recorded and audited)."""
    _require(session, Role.AUDITOR, what="签认对账报告")
    rec = get_reconciliation(session, period=period)
    if rec is None:
        raise FundError(f"{period} 尚未对账，无法签认")
    if rec.status == "signed_off":
        raise FundError(f"{period} 的对账报告已由 {rec.signed_off_by} 签认")
    actor = session.info.get("actor") or "system"
    rec.status = "signed_off"
    rec.signed_off_by = actor
    rec.signed_off_at = utcnow()
    rec.signoff_note = note or None
    open_count = session.scalar(select(func.count()).select_from(Difference).where(
        Difference.reconciliation_id == rec.id, Difference.status == "open"))
    audit.append(session, action="fund.reconcile.sign_off", entity="fund_reconciliation", entity_id=period,
                 detail={"note": note, "open_differences": open_count})
    return rec


def reopen(session: Session, *, period: str, reason: str) -> Reconciliation:
    """Reopen a signed-off report: only with a reason, recorded and audited."""
    _require(session, Role.AUDITOR, what="重开对账报告")
    reason = (reason or "").strip()
    if not reason:
        raise FundError("重开已签认的对账报告必须说明原因（--reason）")
    rec = get_reconciliation(session, period=period)
    if rec is None or rec.status != "signed_off":
        raise FundError(f"{period} 的对账报告未签认，无需重开")
    actor = session.info.get("actor") or "system"
    rec.status = "open"
    rec.reopened_by = actor
    rec.reopened_at = utcnow()
    rec.reopen_reason = reason
    audit.append(session, action="fund.reconcile.reopen", entity="fund_reconciliation", entity_id=period,
                 detail={"reason": reason, "signed_off_by": rec.signed_off_by})
    return rec


def resolve_difference(session: Session, *, difference_id: int, note: str) -> Difference:
    """Mark one difference worked out (with a note), unless its report is signed off."""
    _require(session, Role.AUDITOR, Role.ANALYST, what="处理对账差异")
    note = (note or "").strip()
    if not note:
        raise FundError("处理差异需填写说明")
    diff = session.get(Difference, difference_id)
    if diff is None:
        raise FundError(f"差异 {difference_id} 不存在")
    rec = session.get(Reconciliation, diff.reconciliation_id)
    if rec is not None and rec.status == "signed_off":
        raise FundError(f"{diff.period} 的对账报告已签认，不能再处理差异；请先重开")
    diff.status = "resolved"
    diff.note = note
    diff.resolved_by = session.info.get("actor") or "system"
    audit.append(session, action="fund.difference.resolve", entity="fund_difference", entity_id=str(difference_id),
                 detail={"period": diff.period, "class": diff.klass, "note": note})
    return diff


def list_reconciliations(session: Session) -> list[Reconciliation]:
    return list(session.scalars(select(Reconciliation).order_by(Reconciliation.period.desc())).all())


def list_differences(session: Session, *, period: str, klass: str | None = None,
                     status: str | None = None, limit: int = 1000) -> list[Difference]:
    q = select(Difference).where(Difference.period == period)
    if klass:
        q = q.where(Difference.klass == klass)
    if status:
        q = q.where(Difference.status == status)
    return list(session.scalars(q.order_by(Difference.klass, Difference.reference, Difference.id).limit(limit)).all())


def report_dict(rec: Reconciliation) -> dict[str, Any]:
    """A report as JSON-ready data."""
    return {
        "period": rec.period, "status": rec.status, "tolerance_days": rec.tolerance_days,
        "summary": json.loads(rec.summary or "{}"), "run_by": rec.run_by,
        "run_at": rec.run_at.isoformat() if rec.run_at else None,
        "signed_off_by": rec.signed_off_by,
        "signed_off_at": rec.signed_off_at.isoformat() if rec.signed_off_at else None,
        "signoff_note": rec.signoff_note, "reopened_by": rec.reopened_by,
        "reopened_at": rec.reopened_at.isoformat() if rec.reopened_at else None,
        "reopen_reason": rec.reopen_reason,
    }


def difference_dict(d: Difference) -> dict[str, Any]:
    return {"id": d.id, "period": d.period, "flow": d.flow, "class": d.klass, "amount": f"{d.amount:.2f}",
            "reference": d.reference, "agency_ref": d.agency_ref, "counterpart_ref": d.counterpart_ref,
            "detail": d.detail, "status": d.status, "cleared_period": d.cleared_period, "note": d.note}


# --- projection from the registry ------------------------------------------------------------------------


def registry_population(session: Session, *, as_of: dt.date) -> Any:
    """The registry's enterprise pension population on ``as_of`` as a :class:`~shebao.fund.projection.Registry`.

    Contributors: pension contributions in the 12 months up to ``as_of`` (base: their average);
    retirees: an active ``pension`` benefit (its monthly amount); the other insured: any pension
    contribution history, neither retired nor dead. Months: yearly summaries + monthly detail +
    deemed months (the deemed months are the months before the individual account). Balance: the
    latest account statement.
    """
    import numpy as np

    from shebao.fund.projection import Registry
    from shebao.registry.models import Benefit, ContributionYear, Death, PensionAccount, Person

    start = f"{(as_of.replace(day=1) - dt.timedelta(days=335)):%Y-%m}"
    end = f"{as_of:%Y-%m}"
    persons = session.execute(
        select(Person.person_id, Person.sex, Person.birth_date, Person.original_retirement_age, Person.deemed_months)
        .where(~Person.id_number_bidx.in_(select(Death.id_number_bidx).where(Death.death_date <= as_of)))
    ).all()
    pensions = dict(session.execute(
        select(Benefit.person_id, func.max(Benefit.monthly_amount))
        .where(Benefit.kind == "pension", Benefit.status == "active", Benefit.start_date <= as_of)
        .group_by(Benefit.person_id)).all())
    recent = {pid: (n, base) for pid, n, base in session.execute(
        select(Contribution.person_id, func.count(), func.avg(Contribution.base))
        .where(Contribution.insurance == "pension", Contribution.period >= start, Contribution.period <= end)
        .group_by(Contribution.person_id)).all()}
    detail = dict(session.execute(
        select(Contribution.person_id, func.count(func.distinct(Contribution.period)))
        .where(Contribution.insurance == "pension", Contribution.period <= end)
        .group_by(Contribution.person_id)).all())
    summary = dict(session.execute(
        select(ContributionYear.person_id, func.sum(ContributionYear.months))
        .where(ContributionYear.insurance == "pension", ContributionYear.year <= as_of.year)
        .group_by(ContributionYear.person_id)).all())
    latest = select(PensionAccount.person_id, func.max(PensionAccount.as_of).label("as_of")).where(
        PensionAccount.as_of <= as_of).group_by(PensionAccount.person_id).subquery()
    balances = dict(session.execute(
        select(PensionAccount.person_id, PensionAccount.balance).join(
            latest, and_(latest.c.person_id == PensionAccount.person_id, latest.c.as_of == PensionAccount.as_of))).all())
    rows = []
    for pid, sex, birth, orig, deemed in persons:
        retired = pid in pensions
        months = int(summary.get(pid) or 0) + int(detail.get(pid) or 0) + int(deemed or 0)
        if not retired and months == 0:
            continue  # never insured in the pension scheme
        group = 0 if sex == "M" else (1 if int(orig) == 55 else 2)
        status = 2 if retired else (1 if pid in recent else 0)
        base = float(recent[pid][1]) if pid in recent else 0.0
        rows.append((group, birth.year, status, base, months, int(deemed or 0), float(balances.get(pid) or 0),
                     float(pensions.get(pid) or 0)))
    arr = np.array(rows, dtype=np.float64).reshape(-1, 8)
    return Registry(group=arr[:, 0].astype(np.int8), birth_year=arr[:, 1].astype(np.int32), status=arr[:, 2].astype(np.int8),
                    base=arr[:, 3], months=arr[:, 4], pre_months=arr[:, 5], balance=arr[:, 6], pension=arr[:, 7])
