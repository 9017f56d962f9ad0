"""Death: every benefit stops after the month of death, and the survivor case opens.

- Every monthly benefit is paid through the month of death and terminated after it; payments for
  later months (already paid) become a debt, demanded from the heirs (社会保险经办条例 第四十六条).
The entitlements are policy's (:mod:`shebao.policy.death`); this module fetches the records, hands
them in, and runs the workflow (stop, debt, case, notice, grant).

- Enterprise scheme (a pensioner or a contributor, 社会保险法 第十七条; 人社部发〔2021〕18号): the
  one-off funeral grant and survivor payment through the policy engine (``calc_survivor``: months
  of the province's previous-year urban disposable income; where that income is not sourced the
  case names it as missing rather than guess) — and the remaining personal account balance to the
  heirs (社会保险法 第十四条).
- Work-injury death (工伤保险条例 第三十九条, via the policy engine's ``calc_injury``): the funeral
  grant (6 months of the regional average wage), the monthly survivor pensions of the dependants,
  and the one-off death grant (20 × the national urban per-capita disposable income).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.adjustment import contribution_months
from shebao.benefits.models import BenefitAssessment, SurvivorCase
from shebao.benefits.periods import add_months, last_day, period_of
from shebao.benefits.service import (
    KIND_LABELS,
    MONTHLY_KINDS,
    BenefitError,
    assessment_data,
    benefits_of_person,
    compute_overpayment,
    grant_benefit,
    money,
)
from shebao.benefits.suspension import end_benefit
from shebao.core.settings import local_today
from shebao.policy.death import (
    AccountAtDeath,
    enterprise_survivor_items,
    injury_survivor_items,
)
from shebao.registry.models import Benefit, Contribution, Death, Payment, PensionAccount, Person


def process_death(session: Session, *, person_id: str, death_date: date, source: str = "counter",
                  work_injury: dict[str, Any] | None = None, as_of: date | None = None) -> dict[str, Any]:
    """Stop the person's benefits after the death month, record the overpayment, open the survivor case.

    Idempotent: processing the same death again changes nothing and returns the same case.

    Args:
        source: ``civil_affairs`` | ``funeral`` | ``police`` | ``health`` (a registry record) or
            ``counter`` (reported at the counter).
        work_injury: for a work-injury death, ``calc_injury`` inputs: ``injury_date``,
            ``avg_monthly_wage``, ``dependants`` ([{relation: spouse|other, orphan_or_lone_elderly}]),
            optional ``regional_avg_monthly_wage``.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise BenefitError(f"参保人不存在：{person_id}")
    if as_of is not None and death_date > as_of:
        raise BenefitError("死亡日期不能晚于今天")
    death_period = period_of(death_date)
    ref = f"death:{death_date.isoformat()}"
    stopped: list[str] = []
    total = Decimal("0.00")
    for b in benefits_of_person(session, person_id):
        if b.kind not in MONTHLY_KINDS or b.kind == "injury_survivor_pension":
            continue  # one-off grants; dependants' pensions are not stopped by this person's death
        reason = f"参保人员于 {death_date.isoformat()} 死亡"
        if b.start_date > last_day(death_period):
            if b.status != "terminated":  # granted but never due: ends on its start date
                b.status, b.end_date = "terminated", b.start_date
                from shebao.benefits.service import touch_benefit

                touch_benefit(b)
                append(session, action="benefit.terminate", entity="benefits", entity_id=b.benefit_id,
                       detail={"reason": reason, "last_period": None})
                stopped.append(b.benefit_id)
        elif b.status != "terminated" or b.end_date is None or b.end_date > last_day(death_period):
            end_benefit(session, b, last=death_period, reason=reason, reason_code="death")
            stopped.append(b.benefit_id)
        total += compute_overpayment(session, benefit_id=b.benefit_id, after_period=death_period,
                                     reason=f"死亡（{death_date.isoformat()}）后多发{KIND_LABELS[b.kind]}",
                                     reason_code="death", source_ref=ref)
    case = session.scalar(select(SurvivorCase).where(SurvivorCase.person_id == person_id))
    created = False
    if case is None:
        items, scheme = survivor_items(session, person, death_date, work_injury)
        from shebao.benefits.notices import issue_survivor_notice, survivor_notice_ready

        case = SurvivorCase(person_id=person_id, death_date=death_date, scheme=scheme,
                            status="open" if survivor_notice_ready(items) or not items else "waiting",
                            items=json.dumps(items, ensure_ascii=False), opened_on=as_of or local_today())
        session.add(case)
        session.flush()
        created = True
        issue_survivor_notice(session, case, items)  # not while an amount is unknown: the case waits
    session.flush()
    if created or stopped or total:
        append(session, action="benefit.death", entity="persons", entity_id=person_id,
               detail={"death_date": death_date, "source": source, "stopped": stopped, "overpayment": total,
                       "survivor_case": case.id, "scheme": case.scheme})
    return {"person_id": person_id, "death_date": death_date.isoformat(), "stopped": stopped,
            "overpayment": f"{total:.2f}", "survivor_case": case_json(case)}


def survivor_items(session: Session, person: Person, death_date: date,
                   work_injury: dict[str, Any] | None) -> tuple[list[dict[str, Any]], str]:
    """What the family is due, item by item (the rules are policy's: :mod:`shebao.policy.death`);
    here the records are fetched and handed in."""
    from shebao.policy.store import parameters_for

    region = person.region_code
    if work_injury:
        from shebao.policy import InputError, calc_injury

        try:
            result = calc_injury({**work_injury, "death_date": death_date.isoformat(),
                                  "region": work_injury.get("region") or region[:2] + "0000"},
                                 parameters_for(session))
        except InputError:
            raise
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise BenefitError(f"因工死亡的计算输入有误：{exc}") from None
        return injury_survivor_items(result, work_injury.get("dependants") or [{}]), "injury"
    pensions = [b for b in benefits_of_person(session, person.person_id) if b.kind == "pension"]
    contributed = session.scalar(select(func.count()).select_from(Contribution).where(
        Contribution.person_id == person.person_id, Contribution.insurance == "pension")) or 0
    account = session.scalar(select(func.count()).select_from(PensionAccount).where(
        PensionAccount.person_id == person.person_id)) or 0
    if not (pensions or contributed or account):
        return [], "none"
    pension = pensions[0] if pensions else None
    assessment = session.get(BenefitAssessment, pension.benefit_id) if pension is not None else None
    months = contribution_months(session, pension, assessment) if pension is not None else (
        int(session.scalar(select(func.count(func.distinct(Contribution.period))).where(
            Contribution.person_id == person.person_id, Contribution.insurance == "pension")) or 0)
        + int(person.deemed_months or 0))
    return enterprise_survivor_items(
        region=region, death_date=death_date, contribution_months=months,
        pension_months=_paid_months(session, pension, death_date) if pension is not None else None,
        account=account_at_death(session, person, death_date, pensions), params=parameters_for(session)), "enterprise"


def _paid_months(session: Session, pension: Benefit, death_date: date) -> int:
    return session.scalar(select(func.count()).select_from(Payment).where(
        Payment.benefit_id == pension.benefit_id, Payment.kind == "regular", Payment.status == "paid",
        Payment.period <= period_of(death_date))) or 0


def account_at_death(session: Session, person: Person, death_date: date,
                     pensions: list[Benefit]) -> AccountAtDeath:
    """The personal account records at death: the pension's assessment, else the latest statement."""
    for b in pensions:
        data = assessment_data(session.get(BenefitAssessment, b.benefit_id))
        inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else {}
        result = data.get("result") if isinstance(data.get("result"), dict) else data
        if inputs.get("account_balance") is None or result.get("account_pension") is None:
            continue
        return AccountAtDeath(pensioner=True, balance_at_retirement=money(inputs["account_balance"]),
                              account_pension=money(result["account_pension"]),
                              paid_months=_paid_months(session, b, death_date))
    row = session.scalar(select(PensionAccount).where(PensionAccount.person_id == person.person_id,
                                                      PensionAccount.as_of <= death_date)
                         .order_by(PensionAccount.as_of.desc()).limit(1))
    return AccountAtDeath(pensioner=bool(pensions), latest_balance=money(row.balance) if row is not None else None,
                          latest_as_of=row.as_of if row is not None else None)


def process_registry_death_for(session: Session, person: Person, *, as_of: date | None = None) -> dict[str, Any] | None:
    """Process the earliest death the registry holds for this person's ID number (None if none)."""
    death = session.scalar(select(Death).where(Death.id_number_bidx == person.id_number_bidx)
                           .order_by(Death.death_date).limit(1))
    if death is None:
        return None
    return process_death(session, person_id=person.person_id, death_date=death.death_date, source=death.source,
                         as_of=as_of)


def grant_survivor_items(session: Session, *, case_id: int, bank_account: str | None,
                         on: date | None = None) -> list[Benefit]:
    """Turn the case's items with a known amount into benefits paid by the payroll (once per item).

    One-off items become one-off benefits starting the month after death; a work-injury
    dependant's pension becomes a monthly ``injury_survivor_pension``. They are recorded under the
    deceased's person_id (dependants are not registry persons), paid to ``bank_account``.
    """
    case = session.get(SurvivorCase, case_id)
    if case is None:
        raise BenefitError(f"遗属待遇案件不存在：{case_id}")
    refresh_survivor_case(session, case)
    start = date.fromisoformat(add_months(period_of(case.death_date), 1) + "-01")
    person = session.get(Person, case.person_id)
    granted = []
    for i, item in enumerate(json.loads(case.items)):
        if item.get("amount") is None:
            continue
        granted.append(grant_benefit(
            session, person_id=case.person_id, kind=item["kind"], region_code=person.region_code,
            start_date=start, monthly_amount=money(item["amount"]), bank_account=bank_account,
            application_no=f"survivor:{case.id}:{i}", assessment={"survivor_item": item}))
    pending = [it for it in json.loads(case.items) if it.get("amount") is None]
    case.status = "closed" if not pending else "waiting"
    session.flush()
    append(session, action="survivor.grant", entity="survivor_cases", entity_id=str(case.id),
           detail={"benefits": [b.benefit_id for b in granted], "pending_items": [it["kind"] for it in pending]})
    return granted


def refresh_survivor_case(session: Session, case: SurvivorCase) -> None:
    """A waiting enterprise-scheme case: compute its items again (a parameter may have been set since)
    and, once every amount is known, issue the survivor notice and open the case."""
    if case.status != "waiting" or case.scheme != "enterprise":
        return
    from shebao.benefits.notices import issue_survivor_notice, survivor_notice_ready

    person = session.get(Person, case.person_id)
    items, _ = survivor_items(session, person, case.death_date, None)
    case.items = json.dumps(items, ensure_ascii=False)
    if survivor_notice_ready(items):
        case.status = "open"
        issue_survivor_notice(session, case, items)
    session.flush()


def waiting_reason(items: list[dict[str, Any]]) -> str:
    """Why a survivor case waits (for staff): the items whose amount is not known, and why."""
    return "；".join(f"{it['label']}金额未定：{it.get('missing') or '待核定'}" for it in items if it.get("amount") is None)


def case_json(case: SurvivorCase) -> dict[str, Any]:
    items = json.loads(case.items)
    out = {"id": case.id, "person_id": case.person_id, "death_date": case.death_date.isoformat(),
           "scheme": case.scheme, "status": case.status, "items": items,
           "opened_on": case.opened_on.isoformat()}
    if case.status == "waiting":
        out["waiting_reason"] = "遗属待遇告知书暂不发出：" + waiting_reason(items)
    return out
