"""The transfer of a person's pension insurance between regions as a case (养老保险关系转移接续).

Steps, in order, each done once, audited, and timed against its deadline in working days
(``transfer.step_working_days``, 15 for each side as the 办法 is read, counted over the holiday
calendar of :mod:`shebao.cases.calendar`):

1. ``apply`` (new place): the person applies at the new place; the plan is computed and kept.
2. ``certificate`` (old place): the 参保缴费凭证, generated from the registry.
3. ``accept`` (new place): the 联系函 — the new place accepts the transfer. With a temporary account
   the case ends here (the relationship stays in the old place; nothing moves now).
4. ``fund`` (old place, cross-province only): the funds received are recorded and reconciled to the
   fen against the old place's statement; a difference holds the case (``mismatch``) until a
   corrected statement, or a reviewer accepts the difference with a reason.
5. ``records`` (new place): the records are moved and marked with their origin, in committed
   chunks (a crash and a rerun neither duplicate nor lose one), and the person's region changes.

Services take the caller's session (the caller commits) except :func:`move_records_step`, a batch
that owns its transactions, as the payroll run does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shebao.audit.log import append as audit
from shebao.benefits.models import TRANSFER_OPEN, PensionTransfer, PensionTransferStep
from shebao.benefits.transfers import (
    StatementRow,
    TransferError,
    certificate_data,
    get_person,
    history_from_registry,
    move_records,
    reconcile,
)
from shebao.cases.calendar import add_working_days, covered, working_days_between
from shebao.core.roles import Role, has_role
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.transfer import parse_history, plan, step_deadline_days

STEP_LABELS = {"apply": "转入地受理申请", "certificate": "转出地出具参保缴费凭证", "accept": "转入地发出联系函（同意接收）",
               "fund": "转出地转移基金（转入地核对结算单）", "records": "转入地接续缴费记录", "refuse": "不予受理"}
STATUS_LABELS = {"applied": "已受理", "certified": "已出具凭证", "accepted": "已发联系函", "funded": "基金已到账核对",
                 "mismatch": "基金与结算单不符", "done": "已办结", "temporary": "已建临时缴费账户（关系留原参保地）",
                 "refused": "不予受理"}
SIDE = {"apply": "new", "certificate": "old", "accept": "new", "fund": "old", "records": "new", "refuse": "new"}
# the step each status waits for
NEXT_STEP = {"applied": "certificate", "certified": "accept", "accepted": "fund", "funded": "records", "mismatch": "fund"}


def plan_input(session: Session | None, raw: Any) -> dict[str, Any]:
    """The plan's input: the history as given, or (``{"person_id", "to_region", "date", ...}``) read
    from the registry."""
    if isinstance(raw, Mapping) and raw.get("person_id") and "contributions" not in raw:
        if session is None:
            raise TransferError("按 person_id 测算需要数据库", "person_id")
        from shebao.policy.common import parse_date

        on = parse_date(raw.get("date") or dt.date.today().isoformat(), "date")
        return history_from_registry(
            session, person_id=str(raw["person_id"]), to_region=str(raw.get("to_region") or ""), on=on,
            household_region=raw.get("household_region"), account_pre1998_own=raw.get("account_pre1998_own"),
            account_pre1998_total=raw.get("account_pre1998_total"))
    return raw


def plan_transfer(session: Session | None, raw: Any, params: ParameterSet | None = None) -> dict[str, Any]:
    """The plan of issue 21 for either input form (see :func:`plan_input`), with the agency's
    parameters (the shipped tree and its overlay) when a session is given."""
    return plan(parse_history(plan_input(session, raw)), _params(session, params))


def _params(session: Session | None, params: ParameterSet | None) -> ParameterSet:
    if params is not None:
        return params
    if session is None:
        return default_parameters()
    from shebao.policy.store import parameters_for

    return parameters_for(session)


# --- the case ---------------------------------------------------------------------------------------


def _actor(session: Session) -> str:
    return str(session.info.get("actor") or "system")


def _days(t: PensionTransfer, params: ParameterSet | None) -> int:
    return int(step_deadline_days(t.received_on, params).value)


def _record_step(session: Session, t: PensionTransfer, step: str, *, started: dt.date, done: dt.date,
                 detail: dict[str, Any], params: ParameterSet | None = None) -> PensionTransferStep:
    if done < started:
        raise TransferError(f"转移业务 {t.transfer_no}：{STEP_LABELS[step]}的办理日期 {done} 早于该步骤开始的日期 {started}",
                            "date")
    days = _days(t, params) if step != "apply" else 0
    deadline = add_working_days(started, days)
    row = PensionTransferStep(
        transfer_id=t.id, step=step, side=SIDE[step], started_on=started, deadline=deadline, done_on=done,
        working_days=working_days_between(started, done), overdue=done > deadline, actor=_actor(session),
        detail=json.dumps(detail, ensure_ascii=False, default=str))
    session.add(row)
    session.flush()
    audit(session, action=f"transfer.{step}", entity="pension_transfers", entity_id=t.transfer_no or "",
          detail={"step": step, "side": SIDE[step], "started_on": started.isoformat(), "done_on": done.isoformat(),
                  "deadline": deadline.isoformat(), "working_days": row.working_days, "overdue": row.overdue,
                  "calendar_covered": covered(deadline.year), **{k: v for k, v in detail.items() if k != "certificate"}})
    return row


def _due(t: PensionTransfer, started: dt.date, params: ParameterSet | None = None) -> None:
    t.deadline = add_working_days(started, _days(t, params))


def get(session: Session, transfer_no: str, *, for_update: bool = False) -> PensionTransfer:
    stmt = select(PensionTransfer).where(PensionTransfer.transfer_no == transfer_no)
    if for_update:
        stmt = stmt.with_for_update()
    t = session.scalar(stmt)
    if t is None:
        raise TransferError(f"转移业务 {transfer_no} 不存在（transfer_no）", "transfer_no")
    return t


def _expect(t: PensionTransfer, step: str, *statuses: str) -> None:
    if t.status not in statuses:
        raise TransferError(f"转移业务 {t.transfer_no} 当前为“{STATUS_LABELS.get(t.status, t.status)}”，"
                            f"不能办理“{STEP_LABELS[step]}”", "status")


def _last_done(session: Session, t: PensionTransfer) -> dt.date:
    return session.scalar(select(PensionTransferStep.done_on).where(PensionTransferStep.transfer_id == t.id)
                          .order_by(PensionTransferStep.id.desc()).limit(1)) or t.received_on


def apply(session: Session, *, raw: Mapping[str, Any], idempotency_key: str, on: dt.date | None = None,
          params: ParameterSet | None = None) -> tuple[PensionTransfer, bool]:
    """Receive an application at the new place (``raw``: ``person_id``, ``to_region``,
    ``household_region``, optional ``date`` and the pre-1998 account split). The same
    ``idempotency_key`` returns the same transfer (``created`` False); a person has one open transfer.
    """
    params = _params(session, params)
    if not idempotency_key or len(idempotency_key) > 128:
        raise TransferError("请填写幂等键（idempotency_key，1 到 128 个字符）", "idempotency_key")
    existing = session.scalar(select(PensionTransfer).where(PensionTransfer.idempotency_key == idempotency_key))
    if existing is not None:
        return existing, False
    if not raw.get("person_id"):
        raise TransferError("请填写参保人编号（person_id）", "person_id")
    on = on or dt.date.today()
    data = dict(raw)
    data.setdefault("date", on.isoformat())
    history = parse_history(plan_input(session, data))
    result = plan(history, params)
    person_id = str(raw["person_id"])
    other = session.scalar(select(PensionTransfer).where(PensionTransfer.open_slot == person_id))
    if other is not None:
        raise TransferError(f"参保人 {person_id} 已有未办结的转移业务 {other.transfer_no}", "person_id")
    received = history.on
    t = PensionTransfer(
        idempotency_key=idempotency_key, open_slot=person_id, person_id=person_id,
        from_region=history.from_region, to_region=history.to_region, household_region=history.household_region,
        kind=result["kind"], temporary_account=result["temporary_account"], status="applied", received_on=received,
        plan=json.dumps(result, ensure_ascii=False), personal_planned=Decimal(result["personal_account_transfer"]),
        pooled_planned=Decimal(result["pooled_fund_transfer"]), total_planned=Decimal(result["total_transfer"]),
        created_by=_actor(session))
    try:
        with session.begin_nested():
            session.add(t)
            session.flush()
    except IntegrityError:
        raise TransferError(f"参保人 {person_id} 已有未办结的转移业务（或幂等键已用过）", "person_id") from None
    t.transfer_no = f"ZY{received:%Y%m%d}{t.id:06d}"
    session.flush()
    _record_step(session, t, "apply", started=received, done=received, params=params,
                 detail={"from_region": t.from_region, "to_region": t.to_region, "kind": t.kind,
                         "temporary_account": t.temporary_account, "total_transfer": result["total_transfer"]})
    _due(t, received, params)
    return t, True


def issue_certificate(session: Session, *, transfer_no: str, on: dt.date | None = None,
                      params: ParameterSet | None = None) -> PensionTransfer:
    """The old place's 参保缴费凭证, generated from the registry."""
    params = _params(session, params)
    t = get(session, transfer_no, for_update=True)
    _expect(t, "certificate", "applied")
    on = on or dt.date.today()
    data = certificate_data(session, transfer=t, on=on)
    t.certificate = json.dumps(data, ensure_ascii=False)
    _record_step(session, t, "certificate", started=t.received_on, done=on, params=params,
                 detail={"months": data["months"], "years": len(data["years"])})
    t.status = "certified"
    _due(t, on, params)
    return t


def accept(session: Session, *, transfer_no: str, on: dt.date | None = None,
           params: ParameterSet | None = None) -> PensionTransfer:
    """The new place's 联系函: it accepts the transfer. A temporary account ends the case here."""
    params = _params(session, params)
    t = get(session, transfer_no, for_update=True)
    _expect(t, "accept", "certified")
    on = on or dt.date.today()
    detail: dict[str, Any] = {"letter": "基本养老保险关系转移接续联系函", "to_region": t.to_region}
    if t.temporary_account:
        detail["temporary_account"] = f"在转入地 {t.to_region} 建立临时基本养老保险缴费账户；关系保留在 {t.from_region}"
    _record_step(session, t, "accept", started=_last_done(session, t), done=on, params=params, detail=detail)
    if t.temporary_account:
        t.status, t.open_slot, t.deadline = "temporary", None, None
    else:
        t.status = "accepted"
        _due(t, on, params)
    return t


def record_fund(session: Session, *, transfer_no: str, personal: Any, pooled: Any, statement_no: str = "",
                on: dt.date | None = None, accept_difference: bool = False, comment: str = "",
                params: ParameterSet | None = None) -> tuple[PensionTransfer, dict[str, Any]]:
    """Record the funds received and reconcile them against the old place's statement, to the fen.

    A difference leaves the case ``mismatch`` (audited, no step yet) until a corrected statement is
    recorded, or a reviewer accepts the difference with a reason (``accept_difference``, ``comment``).
    """
    params = _params(session, params)
    t = get(session, transfer_no, for_update=True)
    if t.kind != "cross_province":
        raise TransferError(f"转移业务 {t.transfer_no} 为省内转移：不转移基金，只接续记录", "kind")
    _expect(t, "fund", "accepted", "mismatch")
    on = on or dt.date.today()
    result = reconcile(t, personal=personal, pooled=pooled)
    t.statement = json.dumps({"statement_no": statement_no, "personal": f"{result['personal']:.2f}",
                              "pooled": f"{result['pooled']:.2f}", "received_on": on.isoformat(),
                              "differences": result["differences"]}, ensure_ascii=False)
    t.personal_received, t.pooled_received = result["personal"], result["pooled"]
    if result["differences"] and accept_difference:
        if not has_role(str(session.info.get("actor_role") or ""), Role.REVIEWER):
            raise PermissionError("接受基金差额需要复核员")
        if not comment.strip():
            raise TransferError("接受基金差额须写明理由（comment）", "comment")
    if result["differences"] and not accept_difference:
        t.status, t.reconciled = "mismatch", False
        audit(session, action="transfer.fund_mismatch", entity="pension_transfers", entity_id=t.transfer_no or "",
              detail={"statement_no": statement_no, "differences": result["differences"]})
        return t, result
    started = session.scalar(select(PensionTransferStep.done_on).where(
        PensionTransferStep.transfer_id == t.id, PensionTransferStep.step == "accept")) or t.received_on
    _record_step(session, t, "fund", started=started, done=on, params=params,
                 detail={"statement_no": statement_no, "personal": f"{result['personal']:.2f}",
                         "pooled": f"{result['pooled']:.2f}", "differences": result["differences"],
                         "accepted_difference": bool(result["differences"]), "comment": comment})
    t.status, t.reconciled = "funded", not result["differences"]
    _due(t, on, params)
    return t, result


def refuse(session: Session, *, transfer_no: str, reason: str, on: dt.date | None = None,
           params: ParameterSet | None = None) -> PensionTransfer:
    """Refuse an open transfer (the new place does not accept it), with a reason for the person."""
    params = _params(session, params)
    t = get(session, transfer_no, for_update=True)
    _expect(t, "refuse", "applied", "certified")
    if not reason.strip():
        raise TransferError("不予受理须写明理由（reason）", "reason")
    _record_step(session, t, "refuse", started=t.received_on, done=on or dt.date.today(), params=params,
                 detail={"reason": reason})
    t.status, t.open_slot, t.deadline = "refused", None, None
    return t


def move_records_step(engine: Engine, *, transfer_no: str, rows: list[StatementRow] | None = None,
                      on: dt.date | None = None, actor: str = "system", actor_role: str = "", source: str = "",
                      chunk_size: int = 500, on_chunk: Callable[[int, int], None] | None = None,
                      params: ParameterSet | None = None) -> PensionTransfer:
    """Move the records (committed chunks), then close the case in one last transaction: the step,
    the person's new region, the audit entry. Rerunning after a crash finishes what was left."""
    from shebao.core.db import session_scope

    on = on or dt.date.today()

    def _session(session: Session) -> Session:
        session.info.update({"actor": actor, "actor_role": actor_role, "source": source})
        return session

    with session_scope(engine) as session:
        t = get(_session(session), transfer_no)
        if t.status == "done":
            return t
        _expect(t, "records", "funded" if t.kind == "cross_province" else "accepted")
    moved = move_records(engine, transfer_no=transfer_no, rows=list(rows or []), chunk_size=chunk_size,
                         on_chunk=on_chunk)
    with session_scope(engine) as session:
        _session(session)
        t = get(session, transfer_no, for_update=True)
        if t.status == "done":  # another run closed it meanwhile
            return t
        _expect(t, "records", "funded" if t.kind == "cross_province" else "accepted")
        started = _last_done(session, t)
        params = _params(session, params)
        person = get_person(session, t.person_id)
        old_region = person.region_code
        person.region_code = t.to_region
        t.records_moved = moved
        _record_step(session, t, "records", started=started, done=max(on, started), params=params,
                     detail={"records_moved": moved, "statement_rows": len(rows or []),
                             "region": {"from": old_region, "to": t.to_region}})
        t.status, t.open_slot, t.deadline = "done", None, None
        session.flush()
        return t


# --- views ------------------------------------------------------------------------------------------


def next_step(t: PensionTransfer) -> str | None:
    """The step the transfer waits for (None once closed)."""
    if t.status == "accepted" and t.kind != "cross_province":
        return "records"  # inside a province nothing but the records moves
    return NEXT_STEP.get(t.status)


def steps(session: Session, t: PensionTransfer) -> list[dict[str, Any]]:
    rows = session.scalars(select(PensionTransferStep).where(PensionTransferStep.transfer_id == t.id)
                           .order_by(PensionTransferStep.id)).all()
    return [{"step": s.step, "label": STEP_LABELS[s.step], "side": s.side, "started_on": s.started_on.isoformat(),
             "deadline": s.deadline.isoformat(), "done_on": s.done_on.isoformat(), "working_days": s.working_days,
             "overdue": s.overdue, "actor": s.actor, "detail": json.loads(s.detail or "{}")} for s in rows]


def view(session: Session, t: PensionTransfer, *, full: bool = True) -> dict[str, Any]:
    """The transfer as the CLI, the API and the pages show it (amounts as strings to the fen)."""
    out: dict[str, Any] = {
        "transfer_no": t.transfer_no, "person_id": t.person_id, "from_region": t.from_region,
        "to_region": t.to_region, "household_region": t.household_region, "kind": t.kind,
        "temporary_account": t.temporary_account, "status": t.status,
        "status_label": STATUS_LABELS.get(t.status, t.status), "received_on": t.received_on.isoformat(),
        "next_step": next_step(t),
        "deadline": t.deadline.isoformat() if t.deadline else None,
        "personal_account_transfer": f"{t.personal_planned:.2f}", "pooled_fund_transfer": f"{t.pooled_planned:.2f}",
        "total_transfer": f"{t.total_planned:.2f}",
        "personal_received": f"{t.personal_received:.2f}" if t.personal_received is not None else None,
        "pooled_received": f"{t.pooled_received:.2f}" if t.pooled_received is not None else None,
        "reconciled": t.reconciled, "records_moved": t.records_moved,
    }
    if out["next_step"]:
        out["next_step_label"] = STEP_LABELS[out["next_step"]]
    if full:
        out["plan"] = json.loads(t.plan)
        out["certificate"] = json.loads(t.certificate) if t.certificate else None
        out["statement"] = json.loads(t.statement) if t.statement else None
        out["steps"] = steps(session, t)
    return out


def list_transfers(session: Session, *, status: str | None = None, limit: int = 200) -> list[PensionTransfer]:
    stmt = select(PensionTransfer).order_by(PensionTransfer.id.desc()).limit(limit)
    if status == "open":
        stmt = stmt.where(PensionTransfer.status.in_(TRANSFER_OPEN))
    elif status:
        stmt = stmt.where(PensionTransfer.status == status)
    return list(session.scalars(stmt))
