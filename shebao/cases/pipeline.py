"""The fast-track pipeline: intake → auto-fill → rules decision → risk score → routing → grant → notice.

One call of :func:`submit_application` runs the whole pipeline inside the caller's transaction
(the API request's or the CLI command's): each step is recorded with its duration in
``application_steps``, and the audit log gets one entry per state change (received, then
approved / review / rejected), queued on the session and written when it commits. The decision is
made within the request; only the cases that need a person wait in the review queue.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from shebao import audit
from shebao.cases import calendar
from shebao.cases.autofill import Autofill, autofill
from shebao.cases.models import (
    KIND_LABELS,
    KIND_PREFIX,
    Application,
    ApplicationNotification,
    ApplicationStep,
)
from shebao.cases.routing import (
    APPEAL_TEXT,
    DEFAULT_POLICY,
    REF_APPEAL,
    RoutingPolicy,
    needs_four_eyes,
    route,
)
from shebao.cases.schemas import ApplicationCreate
from shebao.core.crypto import blind_index, mask_bank_account, mask_name
from shebao.core.db import (
    attach_saved,
    execute_fast,
    insert_persistent,
    new_row,
    query_fast,
    transaction_connection,
    utcnow,
)
from shebao.core.settings import get_settings, local_today
from shebao.core.validators import InvalidValue, validate_bank_card, validate_id_number
from shebao.policy.claims import (
    PensionClaim,
    UnemploymentClaim,
    pension_claim_decision,
    unemployment_claim_decision,
)
from shebao.registry.models import Person


class IntakeError(ValueError):
    """The application cannot be taken in (unknown person, malformed data); nothing is stored."""

    status_code = 422


class OpenApplicationError(IntakeError):
    """Another application of this kind for this person is still being processed."""

    status_code = 409


# made once: json.dumps with options builds a new encoder on every call
_JSON = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))


def _j(value: Any) -> str:
    return _JSON.encode(value)


# The decision, the auto-fill and the risk are stored as JSON text. The request that made them answers
# with them too: it keeps the objects beside their text (in the instance's ``__dict__``, not mapped), so
# that its answer is encoded once from the objects instead of parsing the text it has just written.
_KEPT = "_decided_objects"


def _kept_j(app: Application, column: str, value: Any) -> str:
    """``_j(value)``, remembered as the object behind ``app.<column>`` (see :func:`_column_object`)."""
    text = _j(value)
    app.__dict__.setdefault(_KEPT, {})[column] = (text, value)
    return text


def _column_object(app: Application, column: str, default: str, kept: bool) -> Any:
    """The object behind a JSON column: the one kept by this request while the column still holds the
    very text made from it (with ``kept``), else the parsed text."""
    text = getattr(app, column)
    if kept:
        entry = app.__dict__.get(_KEPT, {}).get(column)
        if entry is not None and entry[0] is text:
            return entry[1]
    return json.loads(text or default)


class _Steps:
    """Times each step; the rows are added to the session at the end, in one go."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.t = time.perf_counter()

    def done(self, step: str, outcome: str, detail: dict | None = None) -> None:
        now = time.perf_counter()
        self.rows.append({"step": step, "outcome": outcome, "duration_ms": round((now - self.t) * 1000, 3),
                          "detail": detail or {}})
        self.t = now


_PARAMS: dict[str, Any] = {}  # the parameter set in force and its key


def _state_columns() -> tuple:
    """Asked at the start of every submission: is this idempotency key known, and which parameter
    overlay is in force (its row count and newest id change whenever a value is set)."""
    from sqlalchemy import func

    from shebao.policy.models import ParameterOverride

    return (
        select(Application.id).where(Application.idempotency_key == bindparam("key")).scalar_subquery(),
        select(func.count()).select_from(ParameterOverride).scalar_subquery(),
        select(func.max(ParameterOverride.id)).scalar_subquery(),
    )


_STATE = select(*_state_columns())
# the same, with what the pipeline reads of the applicant's record, in one round trip when the
# applicant is named by person_id (a Core row: no ORM load, only the name decrypted)
_APPLICANT_COLUMNS = (Person.person_id, Person.region_code, Person.birth_date, Person.original_retirement_age,
                      Person.deemed_months, Person.id_number_bidx, Person.name)
_STATE_WITH_PERSON = select(*_APPLICANT_COLUMNS, *_state_columns()).where(Person.person_id == bindparam("pid"))


@dataclass(frozen=True, slots=True)
class Applicant:
    """The applicant's record as the pipeline reads it (``_APPLICANT_COLUMNS``, in that order): a plain
    value, never written, standing in for ``Person`` wherever the pipeline reads these fields (building
    a mapped object costs more than the read)."""

    person_id: str
    region_code: str
    birth_date: dt.date
    original_retirement_age: int | None
    deemed_months: int | None
    id_number_bidx: str
    name: str | None


def parameters_in_force(session: Session, marker: tuple | None = None):
    """The parameter set in force (shipped tree + the database overlay), rebuilt only when the overlay changes.

    Args:
        marker: the overlay's (row count, newest id) when the caller has read it already.
    """
    from sqlalchemy import func

    from shebao.policy.models import ParameterOverride
    from shebao.policy.store import parameters_for

    if marker is None:
        marker = tuple(session.execute(select(func.count(), func.max(ParameterOverride.id))).one())
    key = (session.get_bind(), marker[0], marker[1])  # the engine itself: no URL rendered per call
    cached = _PARAMS.get("key")
    if cached != key:
        _PARAMS["params"] = parameters_for(session)
        _PARAMS["key"] = key
    return _PARAMS["params"]


def get_by_key(session: Session, key: str) -> Application | None:
    return session.execute(select(Application).where(Application.idempotency_key == key)).scalar_one_or_none()


def get_by_no(session: Session, application_no: str) -> Application | None:
    return session.execute(select(Application).where(Application.application_no == application_no)).scalar_one_or_none()


def _resolve_person(session: Session, payload: ApplicationCreate,
                    named: Applicant | None = None) -> tuple[Person | Applicant, str]:
    from shebao.registry.service import find_persons_by_id_number

    if payload.person_id:
        person = named or session.get(Person, payload.person_id)
        if person is None:
            raise IntakeError(f"参保人不存在：{payload.person_id}")
        if payload.id_number:
            try:
                if blind_index(validate_id_number(payload.id_number)) != person.id_number_bidx:
                    raise IntakeError("person_id 与 id_number 不是同一人")
            except InvalidValue as exc:
                raise IntakeError(f"身份证号无效：{exc}") from None
        return person, person.id_number_bidx
    try:
        persons = find_persons_by_id_number(session, payload.id_number or "")
    except InvalidValue as exc:
        raise IntakeError(f"身份证号无效：{exc}") from None
    if not persons:
        raise IntakeError("未找到该身份证号的参保登记")
    # a second registration of one ID number is data to find (the risk rules flag it), not a refusal
    return persons[0], persons[0].id_number_bidx


def submit_application(
    session: Session, payload: ApplicationCreate, *, on: dt.date | None = None,
    policy: RoutingPolicy = DEFAULT_POLICY, received: float | None = None,
) -> tuple[Application, bool]:
    """Run one application through the pipeline; return it and whether it was created now.

    ``received`` is the ``time.perf_counter()`` of the moment the application arrived, when it
    waited before this call (the API's group commit): ``decision_ms`` then counts that wait too.

    The same ``idempotency_key`` returns the application it first made (``created`` False), also
    when two submissions race: the key is unique in the database, the loser's insert writes nothing
    (ON CONFLICT DO NOTHING, so that a transaction shared with other submissions stays intact) and
    it reads the winner's application.

    Raises:
        IntakeError: unknown applicant, invalid bank account or agent; nothing is stored.
        OpenApplicationError: an application of this kind is already open for the person.
    """
    t0 = received if received is not None else time.perf_counter()
    named = None
    found = (query_fast(transaction_connection(session), _STATE_WITH_PERSON,
                        {"key": payload.idempotency_key, "pid": payload.person_id}) if payload.person_id else None)
    row = found[0] if found else None
    if row is not None:
        n = len(_APPLICANT_COLUMNS)
        named = Applicant(*row[:n])
        existing_id, *overlay = row[n:]
    else:
        existing_id, *overlay = query_fast(transaction_connection(session), _STATE, {"key": payload.idempotency_key})[0]
    if existing_id is not None:
        return _same_request(session.get(Application, existing_id), payload), False
    on = on or local_today()
    steps = _Steps()
    actor = session.info.get("actor") or "system"
    role = session.info.get("actor_role") or ""

    # 1. intake -----------------------------------------------------------------------------
    person, id_bidx = _resolve_person(session, payload, named)
    try:
        bank = validate_bank_card(payload.bank_account)
    except InvalidValue as exc:
        raise IntakeError(f"银行账户无效：{exc}") from None
    agent_id = None
    if payload.agent is not None:
        try:
            agent_id = validate_id_number(payload.agent.id_number)
        except InvalidValue as exc:
            raise IntakeError(f"代办人身份证号无效：{exc}") from None
        if blind_index(agent_id) == id_bidx:
            raise IntakeError("代办人不能是申请人本人")
    channel = payload.channel or ("agent" if payload.agent else ("clerk" if role in ("clerk", "admin") else "portal"))
    app = new_row(
        Application, idempotency_key=payload.idempotency_key, open_slot=f"{person.person_id}:{payload.kind}",
        kind=payload.kind, person_id=person.person_id, region_code=person.region_code, channel=channel,
        submitted_by=actor, bank_account=bank, bank_account_bidx=blind_index(bank),
        agent_name=payload.agent.name if payload.agent else None, agent_id_number=agent_id,
        agent_id_bidx=blind_index(agent_id) if agent_id else None,
        agent_relation=payload.agent.relation if payload.agent else None,
        facts=_j(payload.facts), status="received", route_reasons="[]", decision="{}", autofill="{}", risk="{}",
        received_at=utcnow(), received_on=on,
        deadline=calendar.deadline_for(payload.kind, on, parameters_in_force(session, overlay), person.region_code),
        provisional=False, needs_four_eyes=False,
    )
    # the row claims the idempotency key and the open slot now (the decision is written once, at the
    # end); a collision writes nothing and leaves the transaction usable, also when it is shared
    if not insert_persistent(session, [app], attach=False, ignore_conflicts=True):
        existing = get_by_key(session, payload.idempotency_key)
        if existing is not None:  # the same request, submitted concurrently
            return _same_request(existing, payload), False
        open_app = session.execute(select(Application).where(
            Application.open_slot == f"{person.person_id}:{payload.kind}")).scalar_one_or_none()
        raise OpenApplicationError(
            f"该参保人已有在办的{KIND_LABELS[payload.kind]}申请"
            + (f"（受理号 {open_app.application_no}）" if open_app is not None else ""))
    # ``app`` stays a plain object until its one UPDATE at the end (no unit-of-work flush)
    with session.no_autoflush:
        app.application_no = f"{KIND_PREFIX[payload.kind]}{on:%Y%m%d}{app.id:05d}"
        audit.append(session, action="application.received", entity="application", entity_id=app.application_no,
                     detail={"kind": app.kind, "person_id": app.person_id, "channel": channel,
                             "agent_relation": app.agent_relation, "deadline": app.deadline.isoformat()})
        steps.done("intake", "accepted", {"channel": channel, "agent": bool(payload.agent),
                                          "deadline": app.deadline.isoformat()})

        # 2. auto-fill ------------------------------------------------------------------------------
        filled = autofill(session, person, kind=app.kind, on=on, bank_account_bidx=app.bank_account_bidx,
                          id_number_bidx=id_bidx)
        app.autofill = _kept_j(app, "autofill", filled.to_dict())
        steps.done("autofill", "filled", {"contribution_months": filled.summary["contribution_months"],
                                          "avg_index": filled.summary["avg_index"]})

        # 3. rules decision -------------------------------------------------------------------------
        intake_reasons = _intake_conflicts(app, filled)
        if intake_reasons:
            decision = {"decidable": True, "eligible": False, "complete": True, "monthly_amount": None,
                        "reasons": intake_reasons, "review_reasons": [], "result": None, "inputs": None}
        else:
            decision = _claim_decision(person, payload.facts, filled, on, parameters_in_force(session, overlay),
                                       kind=app.kind)
            if app.kind == "pension" and filled.transfers:
                decision["review_reasons"] = list(decision["review_reasons"]) + _moved_reasons(session, person, on)
        app.eligible = decision["eligible"]
        app.monthly_amount = decision["monthly_amount"]
        app.total_amount = decision.get("total_amount")
        app.start_date = decision.get("start_date")
        app.provisional = bool(decision.get("provisional"))
        app.decision = _kept_j(app, "decision", decision)
        steps.done("rules", "eligible" if decision["eligible"] else ("ineligible" if decision["decidable"] else "undecided"),
                   {"monthly_amount": str(decision["monthly_amount"]) if decision["monthly_amount"] is not None else None})

        # 4. risk score -----------------------------------------------------------------------------
        from shebao.risk.application_model import score_application

        risk = score_application(app.kind, filled.history, on)
        app.risk_score, app.risk_level = risk["score"], risk["level"]
        app.risk = _kept_j(app, "risk", risk)
        steps.done("risk", risk["level"], {"score": risk["score"], "rules": [r["code"] for r in risk["rules"]]})

        # 5. routing --------------------------------------------------------------------------------
        route_name, reasons = route(
            kind=app.kind, decidable=decision["decidable"], eligible=decision["eligible"],
            complete=decision["complete"], monthly_amount=decision["monthly_amount"], risk_level=risk["level"],
            review_reasons=decision["review_reasons"], reject_reasons=decision["reasons"], policy=policy,
        )
        app.route = route_name
        app.route_reasons = _j(reasons)
        app.routed_at = utcnow()
        app.decision_ms = round((time.perf_counter() - t0) * 1000, 3)
        app.needs_four_eyes = needs_four_eyes(app.kind, decision["monthly_amount"], policy)
        steps.done("routing", route_name, {"reasons": [r["code"] for r in reasons]})

        # 6. outcome --------------------------------------------------------------------------------
        notices: list[dict] = []  # the applicant's notice, written with the application's final UPDATE
        if route_name == "auto_approve":
            approve(session, app, person=person, decided_by="system", first_grant=True, decision=decision,
                    defer_notice=notices)
            steps.done("grant", "granted", {"benefit_id": app.benefit_id})
        elif route_name == "reject":
            reject(session, app, person=person, reasons=reasons, decided_by="system", defer_notice=notices)
            steps.done("reject", "rejected")
        else:
            app.status = "review"
            app.review_stage = "first"
            notify(session, app, person, "review", defer=notices)
            audit.append(session, action="application.review", entity="application", entity_id=app.application_no,
                         detail={"reasons": [r["code"] for r in reasons], "risk": risk["level"],
                                 "deadline": app.deadline.isoformat(), "four_eyes": app.needs_four_eyes})
            steps.done("queue", "review")
        created = utcnow()
        app.updated_at = created
        _save_decided(session, app, steps.rows, notices, created)
        attach_saved(session, [app])
    return app, True


def _save_decided(session: Session, app: Application, steps: list[dict], notices: list[dict],
                  created: dt.datetime) -> None:
    """Write what the pipeline decided: the application's final UPDATE, its steps and the applicant's
    notice. On PostgreSQL one statement (the inserts as data-modifying CTEs, the steps as one JSON
    array): one round trip instead of three; elsewhere one statement each."""
    conn = transaction_connection(session)
    decided = {c: getattr(app, c) for c in _DECIDED_COLUMNS}
    decided["_id"] = app.id
    if conn.dialect.name == "postgresql" and len(notices) == 1:
        decided["_steps"] = _j([{"seq": i + 1, "step": s["step"], "outcome": s["outcome"],
                                 "duration_ms": s["duration_ms"], "detail": _j(s["detail"])}
                                for i, s in enumerate(steps)])
        decided["_steps_created_at"] = created
        decided.update({f"_notice_{k}": v for k, v in notices[0].items()})
        execute_fast(conn, _pg_save_decided(), decided)
        return
    if notices:
        execute_fast(conn, _INSERT_NOTIFICATION, notices if len(notices) > 1 else notices[0])
    # an executemany: psycopg sends the rows in one pipelined round trip of one prepared statement
    execute_fast(conn, _INSERT_STEPS, [
        {"application_id": app.id, "seq": i + 1, "step": s["step"], "outcome": s["outcome"],
         "duration_ms": s["duration_ms"], "detail": _j(s["detail"]), "created_at": created}
        for i, s in enumerate(steps)])
    execute_fast(conn, _SAVE_DECIDED, decided)


_INSERT_STEPS = insert(ApplicationStep.__table__)
# what the pipeline may change after the intake's INSERT (the intake's own columns are not sent again:
# no second encryption of the bank account and the agent's data)
_INTAKE_COLUMNS = ("id", "idempotency_key", "kind", "person_id", "received_at", "received_on", "region_code",
                   "channel", "submitted_by", "bank_account", "bank_account_bidx", "agent_name", "agent_id_number",
                   "agent_id_bidx", "agent_relation", "facts", "deadline")
_DECIDED_COLUMNS = tuple(c.key for c in Application.__table__.columns if c.key not in _INTAKE_COLUMNS)
_SAVE_DECIDED = (update(Application.__table__).where(Application.__table__.c.id == bindparam("_id"))
                 .values({c: bindparam(c) for c in _DECIDED_COLUMNS}))
_NOTIFICATION_COLUMNS = ("application_id", "person_id", "event", "channel", "text", "created_at")
_INSERT_NOTIFICATION = insert(ApplicationNotification.__table__)


@lru_cache(maxsize=1)
def _pg_save_decided():
    """``_SAVE_DECIDED`` with the notice's INSERT and the steps' INSERT (from ``json_to_recordset``)
    as data-modifying CTEs: PostgreSQL only. Built once."""
    from sqlalchemy import DateTime, Float, Integer, Text, cast, column, func
    from sqlalchemy.dialects.postgresql import JSON

    steps_table, notices_table = ApplicationStep.__table__, ApplicationNotification.__table__
    rows = func.json_to_recordset(cast(bindparam("_steps", type_=Text), JSON)).table_valued(
        column("seq", Integer), column("step", Text), column("outcome", Text), column("duration_ms", Float),
        column("detail", Text)).render_derived(name="e", with_types=True)
    stepped = insert(steps_table).from_select(
        ["application_id", "seq", "step", "outcome", "duration_ms", "detail", "created_at"],
        select(bindparam("_id", type_=Integer), rows.c.seq, rows.c.step, rows.c.outcome, rows.c.duration_ms,
               rows.c.detail, bindparam("_steps_created_at", type_=DateTime(timezone=True)))).cte("stepped")
    notified = insert(notices_table).values(
        {c: bindparam(f"_notice_{c}", type_=notices_table.c[c].type) for c in _NOTIFICATION_COLUMNS}).cte("notified")
    return _SAVE_DECIDED.add_cte(notified, stepped)


def _same_request(existing: Application, payload: ApplicationCreate) -> Application:
    if existing.kind != payload.kind:
        raise IntakeError(f"幂等键 {payload.idempotency_key} 已用于另一项申请（{existing.application_no}）")
    return existing


def _intake_conflicts(app: Application, filled: Autofill) -> list[dict]:
    active = [b for b in filled.active_benefits if b["kind"] == app.kind]
    if active:
        label = KIND_LABELS[app.kind]
        return [{"code": "benefit_already_active", "text": f"已在领取{label}（{active[0]['benefit_id']}，"
                 f"自 {active[0]['start_date']} 起），不能重复申领", "reference": "社会保险经办条例 第二十条"}]
    return []


def _moved_reasons(session: Session, person: Person | Applicant, on: dt.date) -> list[dict]:
    """A person who moved between regions (issue 21): where the pension is paid decides who computes it;
    a temporary account must be consolidated first. Either sends the claim to a reviewer.

    Asked only when auto-fill found a transfer on record (without one there is no other place)."""
    from shebao.benefits.transfers import retirement_place

    place = retirement_place(session, person_id=person.person_id, on=on, person=person)
    if place is None or (place["here"] and not place["temporary_account"]):
        return []
    text = (f"曾跨地区转移养老保险关系：按待遇领取地规定应由 {place['pension_place']} 办理（{place['step']['rule']}）"
            if not place["here"] else "在临时基本养老保险缴费账户参保：须先将临时账户归集到待遇领取地")
    return [{"code": "transfer_pension_place", "text": text, "reference": place["reference"]}]


def _claim_decision(person: Person | Applicant, facts: dict, filled: Autofill, on: dt.date, params, *, kind: str) -> dict:
    """Hand the applicant's record, the claim's facts and the auto-filled history to policy's rules."""
    s = filled.summary
    auto_decide = get_settings().auto_decide_levels
    if kind == "pension":
        claim = PensionClaim(
            region=person.region_code, birth_date=person.birth_date,
            original_retirement_age=person.original_retirement_age, filed_on=on,
            contribution_months=s["contribution_months"], deemed_months=s["deemed_months"], avg_index=s["avg_index"],
            account_balance=filled.account_balance, retirement_date=facts.get("retirement_date") or None,
            early_months=facts.get("early_months") or 0, late_months=facts.get("late_months") or 0,
            index_months_missing=s["index_months_missing"], missing_index_years=tuple(s["missing_index_years"]))
        return pension_claim_decision(claim, params, auto_decide=auto_decide)
    separation = dt.date.fromisoformat(str(facts["separation_date"]))
    sep_period = f"{separation.year:04d}-{separation.month:02d}"
    claim = UnemploymentClaim(
        region=person.region_code, birth_date=person.birth_date,
        original_retirement_age=person.original_retirement_age, filed_on=on,
        contribution_months=s["contribution_months"], separation_date=separation,
        separation_reason=facts["separation_reason"], seeking_work=bool(facts.get("seeking_work", True)),
        receiving_pension=any(b["kind"] == "pension" for b in filled.active_benefits),
        unemployment_periods_after_separation=tuple(sorted(
            {p for p, ins, emp, _b, _d in filled.history.contributions
             if ins == "unemployment" and emp and p > sep_period})))
    return unemployment_claim_decision(claim, params, auto_decide=auto_decide)


# --- outcomes (also used by the review queue) -------------------------------------------------

def approve(session: Session, app: Application, *, person: Person | Applicant | None = None, decided_by: str,
            monthly_amount: Decimal | None = None, first_grant: bool = False, applicant_note: str = "",
            decision: dict | None = None, defer_notice: list[dict] | None = None) -> None:
    """Approve: create the benefit exactly once (idempotent per application number) and notify.

    Args:
        first_grant: the application was created in this transaction (no benefit can exist for it);
            its bank account was validated and indexed at intake.
        applicant_note: a reviewer's comment meant for the applicant (never an internal one).
        decision: the rules' decision, when the caller holds it (else read from ``app.decision``).
        defer_notice: see :func:`notify`.
    """
    from shebao.benefits.service import grant_benefit

    amount = monthly_amount if monthly_amount is not None else app.monthly_amount
    if amount is None:
        raise ValueError("核准需要月金额：规则未能计算金额时请由复核员填写 monthly_amount")
    app.monthly_amount = amount
    if decision is None:
        decision = json.loads(app.decision or "{}")
    benefit = grant_benefit(
        session, first_grant=first_grant, person_id=app.person_id, kind=app.kind, region_code=app.region_code,
        start_date=app.start_date or app.received_on, monthly_amount=amount, bank_account=app.bank_account,
        bank_account_bidx=app.bank_account_bidx if first_grant else None,
        application_no=app.application_no, provisional=app.provisional,
        assessment={"inputs": decision.get("inputs") or {}, "result": decision.get("result") or {}},
    )
    app.benefit_id = benefit.benefit_id
    _close(app, "approved", decided_by)
    notify(session, app, person or session.get(Person, app.person_id), "approved", comment=applicant_note,
           defer=defer_notice)
    audit.append(session, action="application.approved", entity="application", entity_id=app.application_no,
                 detail={"benefit_id": benefit.benefit_id, "monthly_amount": str(amount), "by": decided_by,
                         "provisional": app.provisional})


def reject(session: Session, app: Application, *, person: Person | Applicant | None = None, reasons: list[dict],
           decided_by: str, defer_notice: list[dict] | None = None) -> None:
    """Reject with the reasons, their articles and the right to appeal (``defer_notice``: see :func:`notify`)."""
    app.route_reasons = _j(reasons) if decided_by == "system" else app.route_reasons
    _close(app, "rejected", decided_by)
    notify(session, app, person or session.get(Person, app.person_id), "rejected", reasons=reasons,
           defer=defer_notice)
    audit.append(session, action="application.rejected", entity="application", entity_id=app.application_no,
                 detail={"reasons": [r.get("code") for r in reasons], "by": decided_by, "appeal": REF_APPEAL})


def _close(app: Application, status: str, decided_by: str) -> None:
    app.status = status
    app.open_slot = None
    app.decided_at = utcnow()
    app.claimed_by = None
    if decided_by != "system":
        app.final_reviewer = decided_by


def notify(session: Session, app: Application, person: Person | Applicant, event: str, *, reasons: list[dict] | None = None,
           comment: str = "", defer: list[dict] | None = None) -> ApplicationNotification | None:
    """Write the notice the applicant receives (Chinese).

    Args:
        defer: the pipeline's list of notices that its final statement writes: the notice's row is
            appended to it instead of being written now (and None is returned).
    """
    label = KIND_LABELS[app.kind]
    head = f"【社保速办】{mask_name(person.name)}您好：您的{label}申领（受理号 {app.application_no}）"
    if event == "approved":
        text = (f"{head}已核准，月领取金额 {app.monthly_amount} 元，自 {app.start_date or app.received_on} 起按月发放至"
                f"尾号 {mask_bank_account(app.bank_account)[-4:]} 的银行账户。")
        if app.provisional:
            text += "本次为暂核金额，相关参数公布后将重新核定并补发差额。"
        if comment:
            text += f"复核意见：{comment}"
    elif event == "review":
        text = (f"{head}已受理，正在人工复核，将于 {app.deadline} 前作出决定"
                f"（{calendar.deadline_reference(app.kind, app.received_on, region=app.region_code)}）。无需另行提交材料。")
    elif event == "rejected":
        why = "；".join(f"{r.get('text', '')}" + (f"（{r['reference']}）" if r.get("reference") else "")
                       for r in (reasons or []))
        text = f"{head}经审核不予核准：{why or '不符合领取条件'}。{APPEAL_TEXT}"
    elif event == "returned":
        text = f"{head}需要补正后重新提交：{comment}"
    else:
        raise ValueError(event)
    if defer is not None:
        defer.append({"application_id": app.id, "person_id": app.person_id, "event": event, "channel": "portal",
                      "text": text, "created_at": utcnow()})
        return None
    row = ApplicationNotification(application_id=app.id, person_id=app.person_id, event=event,
                                  channel="portal", text=text)
    insert_persistent(session, [row], attach=False)  # written once, never changed: not tracked
    return row


def application_view(app: Application, *, full: bool = False, steps: list[ApplicationStep] | None = None,
                     as_decided: bool = False) -> dict:
    """The JSON answer for an application: status, decision (amounts, reasons, trace), risk with factors.

    Personal data is masked; ``full`` adds the decision trace and the auto-filled history.

    ``as_decided``: for the request that has just decided the application, to be encoded at once with
    :func:`encode_view`. The decision, risk and auto-fill parts are then the pipeline's own objects
    (amounts as ``Decimal``, dates as dates) rather than parsed from their stored text; encoded with
    the stored text's encoder, the answer is the same text.
    """
    decision = _column_object(app, "decision", "{}", as_decided)
    risk = _column_object(app, "risk", "{}", as_decided)
    result = decision.get("result") or {}
    out = {
        "application_no": app.application_no,
        "kind": app.kind,
        "person_id": app.person_id,
        "status": app.status,
        "route": app.route,
        "channel": app.channel,
        "agent": ({"name": mask_name(app.agent_name), "relation": app.agent_relation} if app.agent_relation else None),
        "bank_account": mask_bank_account(app.bank_account),
        "received_on": app.received_on.isoformat(),
        "deadline": app.deadline.isoformat(),
        "decision_ms": app.decision_ms,
        "decision": {
            "eligible": app.eligible,
            "monthly_amount": f"{app.monthly_amount:.2f}" if app.monthly_amount is not None else None,
            "total_amount": f"{app.total_amount:.2f}" if app.total_amount is not None else None,
            "start_date": app.start_date.isoformat() if app.start_date else None,
            "provisional": app.provisional,
            "duration_months": decision.get("duration_months"),
            "components": {k: result.get(k) for k in ("basic_pension", "account_pension", "transitional_pension",
                                                      "pension_base", "annuity_months", "retirement_date")
                           if k in result},
            "reasons": json.loads(app.route_reasons or "[]") if app.route != "auto_approve" else decision.get("reasons", []),
            "rule_reasons": decision.get("reasons", []),
            "trace": result.get("trace"),
        },
        "risk": {"score": app.risk_score, "level": app.risk_level, "rules": risk.get("rules", []),
                 "factors": risk.get("factors", []), "model": risk.get("model")},
        "benefit_id": app.benefit_id,
        "review": {"stage": app.review_stage, "four_eyes": app.needs_four_eyes, "claimed_by": app.claimed_by,
                   "first_reviewer": app.first_reviewer, "first_decision": app.first_decision,
                   "final_reviewer": app.final_reviewer, "comment": app.review_comment,
                   "proposal": ({"monthly_amount": f"{app.proposed_amount:.2f}",
                                 "start_date": app.proposed_start_date.isoformat() if app.proposed_start_date else None,
                                 "kind": app.proposed_kind, "by": app.first_reviewer}
                                if app.proposed_amount is not None else None),
                   "amount_check": json.loads(app.amount_check) if app.amount_check else []},
    }
    if not full:
        out["decision"].pop("trace")
    else:
        out["autofill"] = _column_object(app, "autofill", "{}", as_decided)
        out["inputs"] = decision.get("inputs")
        out["risk"]["features"] = risk.get("features")
    if steps is not None:
        out["steps"] = [{"step": s.step, "outcome": s.outcome, "duration_ms": s.duration_ms} for s in steps]
    return out


# an answer's encoder: the stored text's (non-JSON values as text) with what ``JSONResponse`` refuses
# (NaN, infinities) refused the same way
_VIEW_JSON = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"), allow_nan=False)


def encode_view(view: dict) -> bytes:
    """A view (of :func:`application_view`, ``as_decided`` or not) as the UTF-8 JSON of the API's answer."""
    return _VIEW_JSON.encode(view).encode("utf-8")


def submit_batch(payloads: list[ApplicationCreate], *, on: dt.date | None = None, actor: str = "batch",
                 actor_role: str = "clerk", source: str = "batch", batch_size: int = 100,
                 policy: RoutingPolicy = DEFAULT_POLICY, progress: Callable[[int], None] | None = None,
                 refused: list[tuple[int, str]] | None = None) -> dict[str, int]:
    """Run many applications through the pipeline, ``batch_size`` per transaction.

    Each application is decided exactly as :func:`submit_application` decides it; only the commit
    (and the audit chain's lock) is shared by a batch. A batch that meets any error is rolled back
    and replayed one application per transaction, so that one bad application never takes its
    neighbours down and the counts stay exact.

    Args:
        progress: called with the number of applications just finished.
        refused: receives ``(index in payloads, reason)`` for each application refused at intake.

    Returns:
        Counts by final status, plus ``refused`` (intake errors) and ``existing`` (keys seen before).
    """
    from shebao.core.batch import batch_and_replay
    from shebao.core.db import get_sessionmaker

    counts: dict[str, int] = {}

    def work(s, p: ApplicationCreate):
        s.info.update(actor=actor, actor_role=actor_role, source=source)
        return submit_application(s, p, on=on, policy=policy)

    for start in range(0, len(payloads), batch_size):
        chunk = payloads[start:start + batch_size]
        # a key seen before is resolved alone (counted "existing"); intake errors are answers
        outcomes, _ = batch_and_replay(chunk, work, open_session=get_sessionmaker(),
                                       accept=lambda result: result[1], expected=(IntakeError,))
        for i, (ok, value) in enumerate(outcomes, start=start):
            if ok:
                app, created = value
                key = app.status if created else "existing"
            else:
                key = "refused"
                if refused is not None:
                    refused.append((i, str(value)))
            counts[key] = counts.get(key, 0) + 1
        if progress is not None:
            progress(len(chunk))
    return counts
