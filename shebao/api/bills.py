"""/api/v1/bills — work-injury medical bills audited line by line: bills, flags, agree or restore.

Reviewers and auditors (administrators pass too). Decisions are audited in the service.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from shebao.bills.schemas import BillPage, BillRead, DecideBody, FlagDecideBody, FlagPage, FlagRead
from shebao.core.roles import Role
from shebao.http.deps import SessionDep, require_roles

BillId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$", description="费用单号")]
FlagId = Annotated[int, Path(ge=1, le=2_147_483_647, description="疑点编号")]

router = APIRouter(prefix="/api/v1/bills", tags=["bills"], dependencies=[require_roles(Role.REVIEWER, Role.AUDITOR)])


def _error(exc: Exception) -> HTTPException:
    message = str(exc)
    if "不存在" in message:
        return HTTPException(status_code=404, detail=message)
    return HTTPException(status_code=409 if "已处理" in message or "没有待处理" in message else 422, detail=message)


def bill_json(review: dict[str, Any]) -> dict[str, Any]:
    """A bill as the API returns it (:func:`shebao.bills.service.bill_review`)."""
    from shebao.bills.service import flag_json

    bill, hospital, totals = review["bill"], review["hospital"], review["totals"]
    lines = []
    for line in review["lines"]:
        lines.append({
            "line_no": line.line_no, "service_date": line.service_date.isoformat(), "item_code": line.item_code,
            "item_name": line.item_name, "category": line.category, "quantity": f"{line.quantity.normalize():f}",
            "unit_price": f"{line.unit_price:.2f}", "amount": f"{line.amount:.2f}",
            "disallowed": f"{totals['per_line'].get(line.line_no, 0):.2f}",
            "flags": [flag_json(f) for f in review["flags"].get(line.line_no, [])],
        })
    return {
        "bill_id": bill.bill_id, "person_id": bill.person_id, "hospital_id": bill.hospital_id,
        "hospital_name": hospital.name if hospital else "", "agreement": bool(hospital and hospital.agreement),
        "admit_date": bill.admit_date.isoformat(), "discharge_date": bill.discharge_date.isoformat(),
        "injury_date": bill.injury_date.isoformat(), "diagnosis_code": bill.diagnosis_code,
        "treatment_end_date": bill.treatment_end_date.isoformat() if bill.treatment_end_date else None,
        "emergency": bill.emergency, "claimed": f"{totals['claimed']:.2f}",
        "disallowed": f"{totals['disallowed']:.2f}", "payable": f"{totals['payable']:.2f}",
        "bill_flags": [flag_json(f) for f in review["flags"].get(None, [])], "lines": lines,
    }


@router.get("", response_model=BillPage, summary="费用单列表（默认只列有待处理疑点的）")
def list_(
    session: SessionDep,
    flagged: bool = Query(True, description="只列有待处理疑点的费用单"),
    q: str = Query("", max_length=32, description="费用单号、参保人编号或医疗机构编号"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> dict:
    from shebao.bills.service import list_bills

    rows, total = list_bills(session, only_flagged=flagged, q=q, limit=limit, offset=offset)
    return {"total": total, "items": rows}


@router.get("/flags", response_model=FlagPage, summary="费用审核疑点（A 级在前，核减金额从高到低）")
def flags(
    session: SessionDep,
    status: Literal["new", "confirmed", "dismissed"] | None = Query(None),
    level: Literal["A", "B"] | None = Query(None),
    rule_id: str | None = Query(None, max_length=16),
    bill_id: str | None = Query(None, max_length=32),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> dict:
    from shebao.bills.service import flag_json, list_flags

    rows, total = list_flags(session, status=status, level=level, rule_id=rule_id, bill_id=bill_id, limit=limit,
                             offset=offset)
    return {"total": total, "items": [flag_json(f) for f in rows]}


@router.post("/flags/{flag_id}/confirm", response_model=FlagRead, summary="确认疑点（同意核减）")
def confirm_(flag_id: FlagId, body: FlagDecideBody, session: SessionDep) -> dict:
    from shebao.bills.service import BillError, decide_flag, flag_json

    try:
        return flag_json(decide_flag(session, flag_id=flag_id, decision="confirm", reason=body.reason))
    except BillError as exc:
        raise _error(exc) from None


@router.post("/flags/{flag_id}/dismiss", response_model=FlagRead, summary="排除疑点（恢复支付，须说明理由）")
def dismiss_(flag_id: FlagId, body: FlagDecideBody, session: SessionDep) -> dict:
    from shebao.bills.service import BillError, decide_flag, flag_json

    try:
        return flag_json(decide_flag(session, flag_id=flag_id, decision="dismiss", reason=body.reason))
    except BillError as exc:
        raise _error(exc) from None


@router.get("/{bill_id}", response_model=BillRead, summary="一张费用单：明细、每行疑点、核减与应付金额")
def get(bill_id: BillId, session: SessionDep) -> dict:
    from shebao.bills.service import BillError, bill_review

    try:
        return bill_json(bill_review(session, bill_id=bill_id))
    except BillError as exc:
        raise _error(exc) from None


@router.post("/{bill_id}/decide", response_model=BillRead, summary="同意核减或恢复支付一行（或整单疑点），须说明理由")
def decide(bill_id: BillId, body: DecideBody, session: SessionDep) -> dict:
    from shebao.bills.service import BillError, bill_review, decide_line

    try:
        decide_line(session, bill_id=bill_id, line_no=body.line_no, decision=body.decision, reason=body.reason)
        return bill_json(bill_review(session, bill_id=bill_id))
    except BillError as exc:
        raise _error(exc) from None
