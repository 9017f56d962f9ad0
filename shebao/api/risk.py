"""/api/v1/alerts — screening alerts and their triage (auditor role; administrators pass too)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from shebao.core.roles import Role
from shebao.http.deps import SessionDep, require_roles
from shebao.risk.schemas import AlertPage, AlertRead, ConfirmBody, DismissBody

AlertId = Annotated[int, Path(ge=1, le=2_147_483_647, description="疑点编号")]

router = APIRouter(prefix="/api/v1/alerts", tags=["risk"], dependencies=[require_roles(Role.AUDITOR)])


def _error(exc: Exception) -> HTTPException:
    message = str(exc)
    return HTTPException(status_code=404 if "不存在" in message else 409, detail=message)


@router.get("", response_model=AlertPage, summary="疑点列表（红色优先，风险金额从高到低）")
def list_(
    session: SessionDep,
    status: Literal["new", "confirmed", "dismissed"] | None = Query(None),
    level: Literal["red", "yellow", "blue"] | None = Query(None),
    rule_id: str | None = Query(None, max_length=16),
    person_id: str | None = Query(None, max_length=32),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> dict:
    from shebao.risk.service import alert_json, list_alerts

    rows, total = list_alerts(session, status=status, level=level, rule_id=rule_id, person_id=person_id,
                              limit=limit, offset=offset)
    return {"total": total, "items": [alert_json(a) for a in rows]}


@router.get("/{alert_id}", response_model=AlertRead, summary="单个疑点")
def get(alert_id: AlertId, session: SessionDep) -> dict:
    from shebao.risk.service import AlertError, alert_json, get_alert

    try:
        return alert_json(get_alert(session, alert_id))
    except AlertError as exc:
        raise _error(exc) from None


@router.post("/{alert_id}/confirm", response_model=AlertRead, summary="确认疑点（红色疑点转待遇暂停与追回）")
def confirm_(alert_id: AlertId, body: ConfirmBody, session: SessionDep) -> dict:
    from shebao.risk.service import AlertError, alert_json, confirm

    try:
        return alert_json(confirm(session, alert_id=alert_id, note=body.note))
    except AlertError as exc:
        raise _error(exc) from None


@router.post("/{alert_id}/dismiss", response_model=AlertRead, summary="排除疑点（须说明理由）")
def dismiss_(alert_id: AlertId, body: DismissBody, session: SessionDep) -> dict:
    from shebao.risk.service import AlertError, alert_json, dismiss

    try:
        return alert_json(dismiss(session, alert_id=alert_id, reason=body.reason))
    except AlertError as exc:
        raise _error(exc) from None
