"""Suspension and resumption for the two causes the registry reports.

Custodial sentence (收监执行): a pension is suspended from the month after the sentence starts and
resumed from the month after the release month, the months in between not paid (劳社厅函〔2001〕44号
and the provinces' rules on pensioners serving sentences); an unemployment benefit ends for good
(失业保险条例 第十五条第五项). Payments already made for the months not due become a debt.

Certification (待遇资格认证, 社会保险经办条例 第二十六条): a pension whose last certification (or,
never certified, its start) is older than the cycle plus the grace period (policy parameters
``certification.cycle_days`` and ``certification.grace_days``) is suspended from the month after
the grace period ends; a later certification resumes it from the month of the certification, and
the months in between are paid as one ``backpay`` payment.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.models import Suspension
from shebao.benefits.notices import issue_termination_notice
from shebao.benefits.periods import add_months, last_day, month_index, months_between, period_of
from shebao.benefits.service import (
    BenefitError,
    benefits_of_person,
    compute_overpayment,
    resume_benefit,
    suspend_benefit,
    touch_benefit,
    withdraw_pending,
)
from shebao.core.settings import local_today
from shebao.policy import ParameterMissing, certification_rules
from shebao.policy.store import parameters_for
from shebao.registry.exchange import parse_certification
from shebao.registry.loader import row_digest
from shebao.registry.models import Benefit, Certification, Incarceration, Person


def _incarcerations(session: Session, person: Person) -> list[Incarceration]:
    return list(session.scalars(select(Incarceration).where(Incarceration.id_number_bidx == person.id_number_bidx)
                                .order_by(Incarceration.start_date)))


def apply_incarceration(session: Session, *, person: Person, start_date: date, end_date: date | None,
                        as_of: date | None = None) -> dict[str, Any]:
    """Apply one custodial sentence to the person's benefits (idempotent: safe to apply again)."""
    as_of = as_of or local_today()
    ref = f"incarceration:{start_date.isoformat()}"
    suspended_from = add_months(period_of(start_date), 1)
    resume = add_months(period_of(end_date), 1) if end_date else None
    out: dict[str, Any] = {"benefits": [], "overpayment": "0.00", "ended": [], "suspended": [], "resumed": []}
    total = 0
    for b in benefits_of_person(session, person.person_id):
        if b.kind == "pension":
            if b.end_date is not None and period_of(b.end_date) < suspended_from:
                continue
            if resume is not None and month_index(resume) <= month_index(period_of(b.start_date)):
                continue  # released before the pension started
            susp = session.scalar(select(Suspension).where(Suspension.benefit_id == b.benefit_id,
                                                           Suspension.reason_code == "incarceration",
                                                           Suspension.source_ref == ref))
            if susp is None:
                if b.status == "terminated":
                    continue
                susp = suspend_benefit(session, benefit_id=b.benefit_id, from_period=suspended_from,
                                       reason=f"服刑（收监执行）自 {start_date.isoformat()} 起，次月起暂停发放养老金",
                                       reason_code="incarceration", source_ref=ref, backpay_on_resume=False)
                out["suspended"].append(b.benefit_id)
            out["benefits"].append(b.benefit_id)
            last_withheld = add_months(resume, -1) if resume else period_of(max(as_of, start_date))
            months = list(months_between(suspended_from, last_withheld))
            if months:
                amount = compute_overpayment(session, benefit_id=b.benefit_id, periods=months,
                                             reason="服刑期间多发养老金", reason_code="suspension", source_ref=ref)
                total += amount
            if resume is not None and susp.status == "active" and month_index(resume) <= month_index(period_of(as_of)) + 1:
                resume_benefit(session, benefit_id=b.benefit_id, resume_period=resume, suspension_id=susp.id,
                               reason=f"刑满释放（{end_date.isoformat()}），次月起恢复发放")
                out["resumed"].append(b.benefit_id)
        elif b.kind == "unemployment" and b.status != "terminated":
            if b.end_date is not None and b.end_date < start_date:
                continue
            if period_of(b.start_date) > period_of(start_date) and b.start_date > start_date:
                continue
            end_benefit(session, b, last=period_of(start_date),
                        reason=f"服刑（收监执行）自 {start_date.isoformat()} 起，失业保险待遇终止（失业保险条例 第十五条）",
                        reason_code="incarceration")
            amount = compute_overpayment(session, benefit_id=b.benefit_id, after_period=period_of(start_date),
                                         reason="服刑后多发失业保险金", reason_code="suspension", source_ref=ref)
            total += amount
            out["benefits"].append(b.benefit_id)
            out["ended"].append(b.benefit_id)
    out["overpayment"] = f"{total:.2f}"
    return out


def end_benefit(session: Session, b: Benefit, *, last: str, reason: str, reason_code: str = "other") -> None:
    """Terminate a benefit after period ``last`` (withdrawing instructions not yet sent).

    Args:
        reason_code: ``death`` | ``incarceration`` | ``other``: decides the articles the notice cites.
    """
    end = last_day(last)
    if b.end_date is None or b.end_date > end:
        b.end_date = end
    b.status = "terminated"
    touch_benefit(b)
    withdrawn = withdraw_pending(session, b.benefit_id, from_period=add_months(last, 1))
    session.flush()
    append(session, action="benefit.terminate", entity="benefits", entity_id=b.benefit_id,
           detail={"last_period": last, "reason": reason, "withdrawn_payments": withdrawn})
    issue_termination_notice(session, b, last=last, reason=reason, reason_code=reason_code)


def apply_incarcerations_for(session: Session, person: Person, *, as_of: date | None = None) -> dict[str, Any]:
    """Apply every custodial sentence the registry holds for this person."""
    out: dict[str, Any] = {"benefits": [], "overpayment": "0.00"}
    total = 0
    for inc in _incarcerations(session, person):
        r = apply_incarceration(session, person=person, start_date=inc.start_date, end_date=inc.end_date, as_of=as_of)
        out["benefits"].extend(x for x in r["benefits"] if x not in out["benefits"])
        total += float(r["overpayment"]) * 100
    out["overpayment"] = f"{total / 100:.2f}"
    return out


# --- certification -----------------------------------------------------------------------------------

def _rules(session: Session, on: date, region: str) -> dict[str, Any]:
    return certification_rules(on, region, parameters_for(session))


_LOOK_UP: Any = object()


def certification_status(session: Session, b: Benefit, *, as_of: date, last: date | None = _LOOK_UP,
                         rules: dict[str, Any] | None = None) -> dict[str, Any]:
    """When the benefit's certification falls due, when its grace period ends, and whether it is overdue.

    ``last`` is the latest certification on or before ``as_of`` (None: never certified); looked up
    when not given.
    """
    if last is _LOOK_UP:
        last = session.scalar(select(func.max(Certification.certified_date)).where(
            Certification.person_id == b.person_id, Certification.certified_date <= as_of))
    anchor = max(d for d in (last, b.start_date) if d is not None)
    rules = rules or _rules(session, as_of, b.region_code)
    due = anchor + timedelta(days=int(rules["cycle_days"]))
    grace_end = due + timedelta(days=int(rules["grace_days"]))
    return {"last_certified": last, "due": due, "grace_end": grace_end, "overdue": as_of > grace_end,
            "suspend_from": add_months(period_of(grace_end), 1), "rules": rules}


def check_certifications(session: Session, *, as_of: date, person_ids: list[str] | None = None) -> dict[str, int]:
    """Suspend pensions whose certification is overdue beyond the grace period; resume certified ones."""
    stmt = select(Benefit).where(Benefit.kind == "pension", Benefit.status != "terminated",
                                 Benefit.start_date <= as_of)
    if person_ids is not None:
        stmt = stmt.where(Benefit.person_id.in_(person_ids))
    last_cert = dict(session.execute(select(Certification.person_id, func.max(Certification.certified_date))
                                     .where(Certification.certified_date <= as_of)
                                     .group_by(Certification.person_id)).all())
    active_by: dict[str, list[Suspension]] = {}
    for s in session.scalars(select(Suspension).where(Suspension.reason_code == "certification",
                                                      Suspension.status == "active")):
        active_by.setdefault(s.benefit_id, []).append(s)
    rules_by_region: dict[str, dict[str, Any]] = {}
    suspended = resumed = 0
    for b in session.scalars(stmt).all():
        last = last_cert.get(b.person_id)
        active = active_by.get(b.benefit_id, [])
        if active:
            if last is not None and any(last >= _due_of(s) for s in active):
                resume_benefit(session, benefit_id=b.benefit_id, resume_period=period_of(last),
                               reason_code="certification", reason=f"{last.isoformat()} 完成待遇资格认证，恢复发放并补发暂停期间待遇")
                resumed += 1
            continue
        if b.region_code not in rules_by_region:
            try:
                rules_by_region[b.region_code] = _rules(session, as_of, b.region_code)
            except ParameterMissing:  # no certification rule in force on that date (before 2023-12)
                rules_by_region[b.region_code] = None
        if rules_by_region[b.region_code] is None:
            continue
        st = certification_status(session, b, as_of=as_of, last=last, rules=rules_by_region[b.region_code])
        if st["overdue"]:
            suspend_benefit(session, benefit_id=b.benefit_id, from_period=st["suspend_from"],
                            reason=(f"待遇资格认证逾期：应于 {st['due'].isoformat()} 前认证，宽限期至 "
                                    f"{st['grace_end'].isoformat()} 仍未认证"),
                            reason_code="certification", source_ref=f"certification:{st['due'].isoformat()}",
                            backpay_on_resume=True)
            suspended += 1
    return {"certification_suspended": suspended, "certification_resumed": resumed}


def _due_of(s: Suspension) -> date:
    # source_ref is "certification:<due date>": a certification after the suspension's due date resumes it
    try:
        return date.fromisoformat(s.source_ref.split(":", 1)[1])
    except (IndexError, ValueError):
        return date.min


def record_certification(session: Session, *, person_id: str, certified_date: date, method: str) -> dict[str, Any]:
    """Record a certification (registry ``certifications``) and resume what its absence suspended."""
    person = session.get(Person, person_id)
    if person is None:
        raise BenefitError(f"参保人不存在：{person_id}")
    if certified_date > local_today():
        raise BenefitError("认证日期不能晚于今天")
    record = parse_certification({"person_id": person_id, "certified_date": certified_date.isoformat(),
                                  "method": method})
    existing = session.scalar(select(Certification).where(Certification.person_id == person_id,
                                                          Certification.certified_date == certified_date,
                                                          Certification.method == method))
    if existing is None:
        session.add(Certification(**record, row_hash=row_digest(record)))
        session.flush()
        append(session, action="certification.record", entity="certifications", entity_id=person_id,
               detail={"certified_date": certified_date, "method": method})
    result = check_certifications(session, as_of=max(certified_date, local_today()), person_ids=[person_id])
    return {"person_id": person_id, "certified_date": certified_date.isoformat(), "method": method, **result}
