"""Alert triage: store screening findings once, then confirm or dismiss them (audit-logged).

Services flush but never commit: the caller (a CLI command, an API request) owns the unit of work,
and the audit entries join it. A confirmed red alert is handed to the benefits domain to suspend
the benefit and compute the overpayment to recover (社会保险经办条例 第四十六条).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.handoff import suspend_and_recover
from shebao.core.crypto import blind_index
from shebao.core.triage import StoreSummary, filtered_page, mark_decided, store_once
from shebao.risk.models import ALERT_STATUSES, Alert
from shebao.risk.screening import Finding

log = logging.getLogger(__name__)

class AlertError(ValueError):
    """A triage request that cannot be carried out (unknown alert, wrong state, missing reason)."""


def finding_key(finding: Finding) -> str:
    """The stable identity of a finding: keyed HMAC of rule, person record and the rule's key columns.

    Keyed (the instance's blind-index key), since key columns may hold an account number.
    """
    return blind_index("|".join((finding.rule_id, finding.person_id, *finding.key_values)))


def store_findings(session: Session, findings: Iterable[Finding], *, as_of: date) -> tuple[StoreSummary, list[str]]:
    """Insert findings not seen before; refresh open ones; leave decided ones alone.

    Returns the summary and the finding keys that are new in this run.
    """
    def create(key: str, f: Finding) -> Alert:
        return Alert(finding_key=key, rule_id=f.rule_id, level=f.level, person_id=f.person_id,
                     benefit_id=f.benefit_id, amount_at_risk=f.amount_at_risk, evidence=f.evidence, status="new",
                     first_as_of=as_of, last_as_of=as_of, times_seen=1)

    def refresh(alert: Alert, f: Finding) -> None:
        alert.amount_at_risk, alert.evidence = f.amount_at_risk, f.evidence

    summary, new_keys = store_once(session, Alert, {finding_key(f): f for f in findings}, key="finding_key",
                                   last_seen="last_as_of", day=as_of, create=create, refresh=refresh)
    append(session, action="risk.screen", entity="risk_alerts", entity_id=as_of.isoformat(),
           detail={"as_of": as_of.isoformat(), **summary.as_json()})
    return summary, new_keys


def screen_persons(session: Session, *, person_ids: Iterable[str], rules: list[str], as_of: date) -> dict[str, Any]:
    """Run ``rules`` on the database and store the findings about ``person_ids`` only (after a
    merge of person records: rule R05 finds two live benefits of one kind under the golden record).

    The rules see the whole registry (an exported snapshot); findings about other persons are
    left to the next full screening.
    """
    from shebao.risk.screening import screen_database

    wanted = set(person_ids)
    session.flush()
    result = screen_database(session, as_of=as_of, rules=rules)
    findings = [f for f in result.findings if f.person_id in wanted]
    stored, _ = store_findings(session, findings, as_of=as_of)
    return {"rules": rules, "alerts": len(findings), "stored": stored.as_json(),
            "findings": [{"rule_id": f.rule_id, "level": f.level, "person_id": f.person_id,
                          "amount_at_risk": f"{f.amount_at_risk:.2f}", "evidence": f.evidence} for f in findings]}


def list_alerts(
    session: Session, *, status: str | None = None, level: str | None = None, rule_id: str | None = None,
    person_id: str | None = None, limit: int = 100, offset: int = 0,
) -> tuple[list[Alert], int]:
    """Alerts matching the filters, red first then by amount at risk; and the total count."""
    if status is not None and status not in ALERT_STATUSES:
        raise AlertError(f"状态应为 {'|'.join(ALERT_STATUSES)}")
    level_order = case({"red": 0, "yellow": 1, "blue": 2}, value=Alert.level, else_=9)
    return filtered_page(session, Alert, ((Alert.status, status), (Alert.level, level), (Alert.rule_id, rule_id),
                                          (Alert.person_id, person_id)),
                         order_by=(level_order, Alert.amount_at_risk.desc(), Alert.id), limit=limit, offset=offset)


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertError(f"疑点 {alert_id} 不存在")
    return alert


def _decide(session: Session, alert: Alert, status: str, reason: str | None) -> None:
    if alert.status != "new":
        raise AlertError(f"疑点 {alert.id} 已处理（{alert.status}），不能再改为 {status}")
    mark_decided(session, alert, status, reason=reason)


def confirm(session: Session, *, alert_id: int, note: str | None = None) -> Alert:
    """Confirm an alert; a red one is handed to the benefits domain for suspension and recovery."""
    alert = get_alert(session, alert_id)
    _decide(session, alert, "confirmed", note)
    detail: dict[str, Any] = {"rule_id": alert.rule_id, "level": alert.level, "note": note or ""}
    if alert.level == "red":
        outcome = request_suspension(session, alert)
        alert.handoff = outcome
        detail["handoff"] = outcome
    session.flush()
    append(session, action="risk.alert.confirm", entity="risk_alerts", entity_id=str(alert.id), detail=detail)
    return alert


def dismiss(session: Session, *, alert_id: int, reason: str) -> Alert:
    """Dismiss an alert; the reason is required and recorded."""
    if not reason or not reason.strip():
        raise AlertError("排除疑点必须说明理由")
    alert = get_alert(session, alert_id)
    _decide(session, alert, "dismissed", reason.strip())
    session.flush()
    append(session, action="risk.alert.dismiss", entity="risk_alerts", entity_id=str(alert.id),
           detail={"rule_id": alert.rule_id, "level": alert.level, "reason": reason.strip()})
    return alert


def request_suspension(session: Session, alert: Alert) -> str:
    """Hand the confirmed alert to benefits (:func:`shebao.benefits.handoff.suspend_and_recover`): it
    suspends the benefit and opens the recovery of the overpayment; its summary is returned."""
    result = suspend_and_recover(session, person_id=alert.person_id, benefit_id=alert.benefit_id,
                                 rule_id=alert.rule_id, reason=f"疑点 {alert.id}（{alert.rule_id}）经稽核确认", alert_id=alert.id)
    return str(result)


def alert_json(alert: Alert) -> dict[str, Any]:
    """The alert as the CLI and the API show it (evidence is already masked)."""
    return {
        "id": alert.id, "rule_id": alert.rule_id, "level": alert.level, "person_id": alert.person_id,
        "benefit_id": alert.benefit_id, "amount_at_risk": f"{alert.amount_at_risk:.2f}",
        "evidence": alert.evidence, "status": alert.status, "reason": alert.reason,
        "first_as_of": alert.first_as_of.isoformat(), "last_as_of": alert.last_as_of.isoformat(),
        "times_seen": alert.times_seen, "decided_by": alert.decided_by,
        "decided_at": alert.decided_at.isoformat() if alert.decided_at else None, "handoff": alert.handoff,
    }


def alert_totals(session: Session, *, titles: dict[str, str] | None = None) -> dict[str, Any]:
    """The dashboard's figures: alerts by level (all, open, open amount at risk), open alerts by rule,
    and the total amount at risk of the open ones."""
    by_level: dict[str, dict[str, Any]] = {lv: {"count": 0, "amount": "0.00", "open": 0} for lv in ("red", "yellow", "blue")}
    for level, status, count, amount in session.execute(
        select(Alert.level, Alert.status, func.count(), func.coalesce(func.sum(Alert.amount_at_risk), 0))
        .group_by(Alert.level, Alert.status)
    ):
        row = by_level.setdefault(level, {"count": 0, "amount": "0.00", "open": 0})
        row["count"] += count
        if status == "new":
            row["open"] += count
            row["amount"] = f"{Decimal(row['amount']) + Decimal(amount):.2f}"
    titles = titles or {}
    by_rule = [
        {"rule_id": rule_id, "title": titles.get(rule_id, ""), "level": level, "count": count,
         "amount": f"{Decimal(amount):.2f}"}
        for rule_id, level, count, amount in session.execute(
            select(Alert.rule_id, Alert.level, func.count(), func.coalesce(func.sum(Alert.amount_at_risk), 0))
            .where(Alert.status == "new").group_by(Alert.rule_id, Alert.level).order_by(Alert.rule_id.desc())
        )
    ]
    at_risk = sum((Decimal(v["amount"]) for v in by_level.values()), Decimal(0))
    return {"by_level": by_level, "by_rule": by_rule, "at_risk": f"{at_risk:.2f}"}


def alert_rule_ids(session: Session) -> list[str]:
    """The rules that have alerts (a list page's filter)."""
    return [r for (r,) in session.execute(select(Alert.rule_id).distinct().order_by(Alert.rule_id))]
