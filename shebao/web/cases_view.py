"""The processing domain (:mod:`shebao.cases`) as the pages show it: queue, case, status, statistics."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

KIND_LABELS = {"pension": "基本养老金申领", "unemployment": "失业保险金申领"}
STATUS_LABELS = {"received": "已接收", "review": "人工复核中", "approved": "已核准", "rejected": "不予核准",
                 "returned": "已退回补正"}
ROUTE_LABELS = {"auto_approve": "自动核准", "review": "转人工复核", "reject": "自动不予核准"}
ACTION_LABELS = {"claim": "认领", "approve": "核准", "reject": "驳回", "return": "退回补正", "release": "放回队列",
                 "return_to_first": "退回第一复核员"}
STEP_LABELS = {"intake": "受理校验", "autofill": "数据自动填充", "rules": "规则决定", "decision": "规则决定",
               "risk": "风险评分", "route": "分流", "routing": "分流", "grant": "建立待遇", "benefit": "建立待遇",
               "notify": "通知申请人", "notification": "通知申请人"}
REASON_LABELS = {
    "amount_above_threshold": "金额超过自动核准上限", "applicant_deceased": "申请人在死亡名单中",
    "applicant_in_custody": "申请人在服刑名单中", "bank_account_shared": "银行账户他人在用",
    "benefit_already_active": "已有同类待遇", "contribution_jump": "缴费基数异常跳升",
    "contributions_after_separation": "离职后仍有缴费", "duplicate_registration": "重复参保登记",
    "index_provisional": "缴费指数暂计", "large_recent_backpayment": "近期大额补缴", "not_yet_retirement": "未到退休年龄",
    "parameter_missing": "政策参数缺失", "parameter_unconfirmed": "参数出处未核实",
    "parameter_source": "参数来源级别需人工决定", "reviewer_rejected": "复核驳回",
    "rule_undecided": "规则无法判定", "separation_in_future": "离职日期在未来", "separation_reason_unclear": "离职原因不明",
    "contribution_too_short": "缴费时间不足", "voluntary_leave": "本人自愿离职", "min_contribution_not_met": "未满最低缴费年限",
    "provisional_base": "计发基数暂核", "risk_medium": "风险评分中等", "risk_high": "风险评分高",
}
RELATION_LABELS = {"spouse": "配偶", "child": "子女", "parent": "父母", "employer": "用人单位", "other": "其他"}
SEPARATION_LABELS = {"dismissed": "被用人单位解除劳动合同", "contract_expired": "劳动合同期满终止", "mutual": "协商解除",
                     "resigned": "本人辞职", "other": "其他"}


def available() -> bool:
    """Whether the processing domain has landed (its pipeline and queue modules import)."""
    try:
        import shebao.cases.metrics  # noqa: F401
        import shebao.cases.pipeline  # noqa: F401
        import shebao.cases.queue  # noqa: F401
    except ImportError:
        return False
    return True


REVIEW_REASON_LABELS = {
    "parameter_missing": "计算参数缺失",
    "parameter_unconfirmed": "计算参数出处未核实",
    "parameter_source": "计算参数未经本机构采用",
    "rule_undecided": "规则无法作出决定",
    "risk_high": "风险评分高",
    "risk_medium": "风险评分中",
    "amount_above_threshold": "金额超过自动核准上限",
    "separation_reason_unclear": "离职原因需人工认定",
    "contributions_after_separation": "离职后仍有单位缴费",
}


def review_reason_rows(reasons: dict[str, int]) -> list[dict[str, Any]]:
    """``review_reasons`` of the statistics as table rows: a Chinese label (and the parameter), the count."""
    rows = []
    for key, count in reasons.items():
        code, _, parameter = key.partition(":")
        rows.append({"label": REVIEW_REASON_LABELS.get(code, code), "parameter": parameter, "count": count})
    return rows


def stats(session: Session) -> dict[str, Any] | None:
    """The processing KPIs (``shebao stats``), or None before the processing domain exists."""
    if not available():
        return None
    from shebao.cases.metrics import stats as compute

    result = compute(session)
    if not result.get("applications"):
        return None
    result["review_reason_rows"] = review_reason_rows(result.get("review_reasons") or {})
    return result


def public_status(session: Session, *, application_no: str, id_number: str) -> dict[str, Any] | None:
    """What a citizen may see of their application, if the number and the ID number belong together.

    A wrong pairing and an unknown number answer alike (None), so that the form cannot be used to
    find out which application numbers exist.
    """
    if not available():
        return None
    from shebao.cases.models import ApplicationNotification
    from shebao.cases.pipeline import get_by_no
    from shebao.registry.models import Person

    app = get_by_no(session, application_no)
    person = session.get(Person, app.person_id) if app is not None else None
    if app is None or person is None or not hmac.compare_digest(person.id_number.upper(), id_number.upper()):
        return None
    note = session.scalars(select(ApplicationNotification).where(ApplicationNotification.application_id == app.id)
                           .order_by(ApplicationNotification.id.desc()).limit(1)).first()
    return {
        "application_no": app.application_no, "kind_label": KIND_LABELS.get(app.kind, app.kind),
        "status_label": STATUS_LABELS.get(app.status, app.status), "received": app.received_on.isoformat(),
        "deadline": app.deadline.isoformat() if app.status == "review" else None,
        "monthly_amount": f"{app.monthly_amount:.2f}" if app.status == "approved" and app.monthly_amount else None,
        "message": note.text if note is not None else None,
    }


def queue(session: Session, *, mine: str | None = None) -> list[dict[str, Any]]:
    from shebao.cases.queue import list_queue

    return list_queue(session, mine=mine, limit=200)


def case_page(session: Session, application_no: str) -> dict[str, Any] | None:
    """Everything one screen needs: the application, the decision trace with its articles, the risk
    factors, the person's contribution history, the review history and the deadline."""
    from shebao.cases import calendar
    from shebao.cases.models import ApplicationNotification, ApplicationReview, ApplicationStep
    from shebao.cases.pipeline import application_view, get_by_no
    from shebao.registry.models import ContributionYear

    app = get_by_no(session, application_no)
    if app is None:
        return None
    steps = list(session.scalars(select(ApplicationStep).where(ApplicationStep.application_id == app.id)
                                 .order_by(ApplicationStep.seq)))
    view = application_view(app, full=True, steps=steps)
    reviews = [{"reviewer": r.reviewer, "stage": r.stage, "action": r.action, "comment": r.comment,
                "visibility": r.visibility,
                "at": r.created_at.strftime("%Y-%m-%d %H:%M") if r.created_at else ""}
               for r in session.scalars(select(ApplicationReview).where(ApplicationReview.application_id == app.id)
                                        .order_by(ApplicationReview.id))]
    notices = [{"event": n.event, "text": n.text, "at": n.created_at.strftime("%Y-%m-%d %H:%M") if n.created_at else ""}
               for n in session.scalars(select(ApplicationNotification)
                                        .where(ApplicationNotification.application_id == app.id)
                                        .order_by(ApplicationNotification.id))]
    years = [{"year": y.year, "months": y.months, "avg_index": f"{y.avg_index:.4f}", "avg_base": f"{y.avg_base:.2f}"}
             for y in session.scalars(select(ContributionYear).where(ContributionYear.person_id == app.person_id,
                                                                     ContributionYear.insurance == app.kind)
                                      .order_by(ContributionYear.year))]
    left = calendar.working_days_between(dt.date.today(), app.deadline) if app.status == "review" else None
    facts = json.loads(app.facts or "{}")
    return {"app": view, "reviews": reviews, "notices": notices, "years": years, "working_days_left": left,
            "facts": facts, "status": app.status, "stage": app.review_stage, "claimed_by": app.claimed_by,
            "first_reviewer": app.first_reviewer}
