"""Screening's hand-off: a confirmed red alert suspends the benefit and opens the recovery.

``shebao.risk.alerts.request_suspension`` calls :func:`suspend_and_recover` (names and keyword
arguments are a contract). It sits above ``death`` and ``suspension``, which it calls, and ``service``,
which they call.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from shebao.benefits.death import process_registry_death_for
from shebao.benefits.periods import period_of
from shebao.benefits.service import MONTHLY_KINDS, benefits_of_person, suspend_benefit, today
from shebao.benefits.suspension import apply_incarcerations_for
from shebao.registry.models import Benefit, Person


def suspend_and_recover(
    session: Session,
    *,
    person_id: str,
    benefit_id: str | None,
    rule_id: str,
    reason: str,
    alert_id: int | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Screening's hand-off of a confirmed red alert (社会保险经办条例 第四十六条).

    R01 (paid after death): the death is processed as a registry death (benefits stopped after the
    death month, survivor case opened, payments after it become a debt). R02 (paid during a custodial
    sentence): the sentence is applied (pension suspended from the month after it started, an
    unemployment benefit ended; payments in between become a debt). Any other rule: the benefit is
    suspended from the current month pending investigation, and no overpayment is assumed.
    """
    as_of = as_of or today()
    ref = f"alert:{alert_id}" if alert_id is not None else f"rule:{rule_id}"
    out: dict[str, Any] = {"rule_id": rule_id, "alert_id": alert_id, "benefits": [], "overpayment": "0.00"}
    person = session.get(Person, person_id)
    benefit = session.get(Benefit, benefit_id) if benefit_id else None
    if person is None or (benefit_id and benefit is None):
        # the finding came from a folder screened outside the database: nothing here to suspend
        out.update(action="none", note=f"登记库中没有{'待遇 ' + benefit_id if benefit_id else '参保人 ' + person_id}，未暂停")
        return out
    targets = [benefit] if benefit is not None else [
        b for b in benefits_of_person(session, person_id) if b.kind in MONTHLY_KINDS and b.status != "terminated"]
    if rule_id == "R01" and person is not None:
        result = process_registry_death_for(session, person, as_of=as_of)
        if result is not None:
            out.update(action="death", overpayment=result["overpayment"], benefits=result["stopped"])
            return out
    if rule_id == "R02" and person is not None:
        result = apply_incarcerations_for(session, person, as_of=as_of)
        if result["benefits"]:
            out.update(action="incarceration", overpayment=result["overpayment"], benefits=result["benefits"])
            return out
    for b in targets:
        if b.status == "terminated" or b.kind not in MONTHLY_KINDS:
            continue
        suspend_benefit(session, benefit_id=b.benefit_id, reason=reason, from_period=period_of(as_of),
                        reason_code="alert", source_ref=ref)
        out["benefits"].append(b.benefit_id)
    if not out["benefits"]:
        out.update(action="none", note="待遇已终止或不是按月待遇，无需暂停")
        return out
    out.update(action="suspended",
               note="已暂停发放待核查；多发金额核实后在待遇管理中登记多发追回")
    return out
