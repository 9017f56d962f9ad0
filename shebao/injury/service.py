"""The work-injury case, from the report to the benefits (keyword-only; the caller owns the transaction).

report → accept → decide (the reviewer agrees with the suggested determination or overrides it, with
a reason) → appraise (劳动能力鉴定 conclusion, again agreeing or overriding the suggested grade) →
grant (the benefits of :func:`shebao.policy.injury.calc_injury`, granted through
:mod:`shebao.benefits.service`). Every step is one audit entry.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.audit.log import append
from shebao.benefits.service import BenefitError, grant_benefit
from shebao.core.crypto import mask_name, mask_text
from shebao.core.validators import InvalidValue
from shebao.injury.determination import suggest
from shebao.injury.grading import CAVEAT, suggest_grade
from shebao.injury.grading import clause as gb_clause
from shebao.injury.llm import configured_reader
from shebao.injury.models import DETERMINATIONS, DOCUMENTS, OPEN_STATUSES, STATUSES, InjuryCase
from shebao.injury.schemas import CaseAccept, CaseAppraisal, CaseCreate, CaseDecision, CaseGrant
from shebao.policy.common import InputError
from shebao.policy.injury_determination import application_deadline, decision_deadline, item_ref
from shebao.policy.paramset import ParameterSet
from shebao.policy.service import calculate
from shebao.policy.store import parameters_for
from shebao.registry.models import Person

DETERMINATION_LABELS = {"injury": "工伤", "deemed": "视同工伤", "excluded": "不得认定为工伤（第十六条）",
                        "not_injury": "不予认定为工伤", "unclear": "事实不全"}
STATUS_LABELS = {"reported": "已申请", "accepted": "已受理", "decided": "已认定", "appraised": "已鉴定",
                 "granted": "已核定待遇", "closed": "已结案"}
DOCUMENT_LABELS = {"application_form": "工伤认定申请表", "labour_relation": "劳动关系证明材料",
                   "medical_certificate": "医疗诊断证明或职业病诊断证明书"}


class InjuryError(ValueError):
    """A request on a case that cannot be carried out (unknown case, wrong state, bad input), in Chinese."""


def _today() -> date:
    return date.today()


def _new_case_no(session: Session, year: int) -> str:
    prefix = f"GS{year}"
    last = session.scalar(select(func.max(InjuryCase.case_no)).where(InjuryCase.case_no.like(f"{prefix}%")))
    seq = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def get_case(session: Session, *, case_no: str) -> InjuryCase:
    case = session.scalar(select(InjuryCase).where(InjuryCase.case_no == case_no))
    if case is None:
        raise InjuryError(f"工伤案件不存在：{case_no}")
    return case


def report_case(session: Session, *, data: CaseCreate | dict[str, Any], actor: str) -> InjuryCase:
    """Record an employer's report or an employee's claim, with the deadlines and the suggestions.

    The application deadline is 30 days for the employer, one year for the worker (工伤保险条例
    第十七条); a late application is recorded as such (the reviewer decides whether the delay was
    not the worker's doing, 法释〔2014〕9号 第七条).
    """
    data = data if isinstance(data, CaseCreate) else CaseCreate.model_validate(data)
    if session.get(Person, data.person_id) is None:
        raise InjuryError(f"参保人不存在：{data.person_id}")
    received = data.received_on or _today()
    if data.incident_date > received:
        raise InjuryError(f"受伤日期（{data.incident_date}）晚于收到申请之日（{received}）")
    deadline = application_deadline(data.incident_date, applicant=data.applicant, region=data.region_code)
    suggestion = suggest(data.incident_text, data.facts, llm=configured_reader())
    grade = suggest_grade(data.diagnosis_text) if data.diagnosis_text else None
    documents = {k: bool((data.documents or {}).get(k, False)) for k in DOCUMENTS}
    case = InjuryCase(
        case_no=_new_case_no(session, received.year), person_id=data.person_id, employer_id=data.employer_id,
        region_code=data.region_code, applicant=data.applicant, occupational_disease=data.occupational_disease,
        incident_date=data.incident_date, received_on=received, application_deadline=deadline["last_day"],
        late=received > deadline["last_day"], incident_text=data.incident_text, diagnosis_text=data.diagnosis_text,
        facts=json.dumps(data.facts or {}, ensure_ascii=False), documents=json.dumps(documents),
        status="reported", suggestion=json.dumps(suggestion, ensure_ascii=False, default=str),
        suggested=suggestion["determination"],
        grade_suggestion=json.dumps(grade, ensure_ascii=False) if grade else None,
        suggested_grade=grade["grade"] if grade else None, created_by=actor,
    )
    session.add(case)
    session.flush()
    append(session, action="injury.report", entity="injury_cases", entity_id=case.case_no, actor=actor,
           detail={"person_id": data.person_id, "applicant": data.applicant, "incident_date": data.incident_date,
                   "late": case.late, "suggested": case.suggested, "suggested_grade": case.suggested_grade})
    return case


def accept_case(session: Session, *, case_no: str, data: CaseAccept | None = None, actor: str) -> InjuryCase:
    """Accept the application: the decision is due in 60 days, 15 for a clear case (第二十条)."""
    data = data or CaseAccept()
    case = get_case(session, case_no=case_no)
    if case.status != "reported":
        raise InjuryError(f"{case_no} 状态为{STATUS_LABELS[case.status]}，只有已申请的案件可以受理")
    missing = [DOCUMENT_LABELS[k] for k, v in json.loads(case.documents).items() if not v]
    if missing:
        raise InjuryError(f"{case_no} 材料不全，不能受理（第十八条）：缺{'、'.join(missing)}")
    accepted = data.accepted_on or _today()
    if accepted < case.received_on:
        raise InjuryError(f"{case_no} 受理之日早于收到申请之日")
    due = decision_deadline(accepted, clear_case=data.clear_case, region=case.region_code)
    case.accepted_on, case.clear_case, case.decision_deadline = accepted, data.clear_case, due["last_day"]
    case.status = "accepted"
    append(session, action="injury.accept", entity="injury_cases", entity_id=case_no, actor=actor,
           detail={"accepted_on": accepted, "clear_case": data.clear_case, "decision_deadline": due["last_day"]})
    return case


def record_documents(session: Session, *, case_no: str, documents: dict[str, bool], actor: str) -> InjuryCase:
    """Mark the materials received (第十八条)."""
    case = get_case(session, case_no=case_no)
    unknown = set(documents) - set(DOCUMENTS)
    if unknown:
        raise InjuryError(f"未知的材料：{'、'.join(sorted(unknown))}（可用：{'、'.join(DOCUMENTS)}）")
    current = json.loads(case.documents)
    current.update({k: bool(v) for k, v in documents.items()})
    case.documents = json.dumps(current)
    append(session, action="injury.documents", entity="injury_cases", entity_id=case_no, actor=actor, detail=current)
    return case


def decide_case(session: Session, *, case_no: str, data: CaseDecision | dict[str, Any], actor: str,
                on: date | None = None) -> InjuryCase:
    """The reviewer's determination. Overriding the suggestion needs a reason; an article must fit the
    determination (第十四条 for injury, 第十五条 deemed, 第十六条 excluded)."""
    data = data if isinstance(data, CaseDecision) else CaseDecision.model_validate(data)
    case = get_case(session, case_no=case_no)
    if case.status not in ("reported", "accepted"):
        raise InjuryError(f"{case_no} 状态为{STATUS_LABELS[case.status]}，已作出认定")
    if case.status == "reported":
        raise InjuryError(f"{case_no} 尚未受理：请先受理（第二十条的时限自受理之日起算）")
    if data.determination not in DETERMINATIONS:
        raise InjuryError(f"认定结论应为 {'/'.join(DETERMINATIONS)}")
    expected_article = {"injury": 14, "deemed": 15, "excluded": 16, "not_injury": None}[data.determination]
    limits = {14: 7, 15: 3, 16: 3}
    if expected_article is not None:
        if data.article != expected_article or not data.item or not 1 <= data.item <= limits[expected_article]:
            raise InjuryError(f"{DETERMINATION_LABELS[data.determination]}应写明第{expected_article}条及其项"
                              f"（1–{limits[expected_article]}）")
    elif data.article is not None or data.item is not None:
        raise InjuryError("不予认定为工伤时不写条、项")
    suggestion = json.loads(case.suggestion)
    agrees = (suggestion["determination"], suggestion.get("article"), suggestion.get("item")) == (
        data.determination, data.article, data.item)
    if not agrees and not data.reason.strip():
        raise InjuryError(f"{case_no} 认定与建议（{DETERMINATION_LABELS[suggestion['determination']]}）不一致，须写明理由")
    case.determination, case.article, case.item = data.determination, data.article, data.item
    case.decision_agrees, case.decision_reason = agrees, data.reason.strip() or None
    case.decided_by, case.decided_on = actor, on or _today()
    case.status = "decided"
    append(session, action="injury.decide", entity="injury_cases", entity_id=case_no, actor=actor,
           detail={"determination": data.determination, "article": data.article, "item": data.item,
                   "agrees": agrees, "reason": mask_text(data.reason), "overdue": bool(
                       case.decision_deadline and case.decided_on > case.decision_deadline)})
    return case


def regrade(session: Session, *, case_no: str, text: str, actor: str) -> InjuryCase:
    """A new medical conclusion (after treatment, 伤情相对稳定): the grade suggestion again."""
    case = get_case(session, case_no=case_no)
    if case.status in ("granted", "closed"):
        raise InjuryError(f"{case_no} 已核定待遇，不能再修改诊断")
    result = suggest_grade(text)
    case.diagnosis_text = text
    case.grade_suggestion = json.dumps(result, ensure_ascii=False)
    case.suggested_grade = result["grade"]
    append(session, action="injury.grade_suggestion", entity="injury_cases", entity_id=case_no, actor=actor,
           detail={"suggested_grade": result["grade"], "clause": result["clause"]})
    return case


def appraise_case(session: Session, *, case_no: str, data: CaseAppraisal | dict[str, Any], actor: str) -> InjuryCase:
    """The 劳动能力鉴定 conclusion; a grade other than the suggested one needs a reason."""
    data = data if isinstance(data, CaseAppraisal) else CaseAppraisal.model_validate(data)
    case = get_case(session, case_no=case_no)
    if case.status != "decided" or case.determination not in ("injury", "deemed"):
        raise InjuryError(f"{case_no} 须先认定为工伤或视同工伤，才能记录劳动能力鉴定结论")
    if (case.determination, case.article, case.item) == ("deemed", 15, 1):
        raise InjuryError(f"{case_no} 为突发疾病死亡（第十五条第（一）项），不作劳动能力鉴定：按工伤保险条例 第三十九条"
                          "在待遇管理中登记因工死亡，核定丧葬补助金、供养亲属抚恤金和一次性工亡补助金")
    if data.clause is not None:
        try:
            c = gb_clause(data.clause)
        except KeyError:
            raise InjuryError(f"GB/T 16180-2014 无此条款：{data.clause}") from None
        if data.grade is not None and c.grade != data.grade:
            raise InjuryError(f"条款 {data.clause} 属{c.grade}级，与所填{data.grade}级不符")
    agrees = data.grade == case.suggested_grade
    if not agrees and not data.reason.strip():
        shown = f"{case.suggested_grade}级" if case.suggested_grade else "未达等级"
        raise InjuryError(f"{case_no} 鉴定等级与建议（{shown}）不一致，须写明理由")
    case.grade, case.grade_clause = data.grade, data.clause
    case.appraisal_agrees, case.appraisal_reason = agrees, data.reason.strip() or None
    case.appraised_by, case.appraised_on = actor, data.appraised_on or _today()
    case.status = "appraised" if data.grade is not None else "closed"
    append(session, action="injury.appraise", entity="injury_cases", entity_id=case_no, actor=actor,
           detail={"grade": data.grade, "clause": data.clause, "agrees": agrees})
    return case


def grant_case_benefits(session: Session, *, case_no: str, data: CaseGrant | dict[str, Any], actor: str,
                        params: ParameterSet | None = None) -> InjuryCase:
    """Compute the benefits of the appraised grade and grant what the fund pays through the benefits
    domain: 一次性伤残补助金 (not for 第十五条第（三）项, which the regulation leaves out) and, for
    grades 1–4, the monthly 伤残津贴. What the employer pays (伤残津贴 of grades 5–6, 伤残就业补助金)
    and what is paid only when the labour contract ends (一次性工伤医疗补助金) is kept on the case."""
    data = data if isinstance(data, CaseGrant) else CaseGrant.model_validate(data)
    case = get_case(session, case_no=case_no)
    if case.status != "appraised" or case.grade is None:
        raise InjuryError(f"{case_no} 须有劳动能力鉴定结论（伤残等级）才能核定待遇")
    inputs: dict[str, Any] = {"region": case.region_code, "injury_date": case.incident_date.isoformat(),
                              "avg_monthly_wage": str(data.avg_monthly_wage), "grade": case.grade,
                              "occupational_disease": case.occupational_disease}
    if data.regional_avg_monthly_wage is not None:
        inputs["regional_avg_monthly_wage"] = str(data.regional_avg_monthly_wage)
    try:
        result = calculate("injury", inputs, params or parameters_for(session))
    except InputError as exc:
        raise InjuryError(f"{case_no} 待遇测算：{exc}") from None
    if not result.get("eligible"):
        raise InjuryError(f"{case_no} 待遇测算缺少参数：" + "；".join(r["text"] for r in result.get("reasons", [])))
    start = data.start_date or case.appraised_on or _today()
    granted: list[dict[str, Any]] = []
    exclude_grant = case.determination == "deemed" and case.article == 15 and case.item == 3
    try:
        if not exclude_grant:
            b = grant_benefit(session, person_id=case.person_id, kind="disability_grant", region_code=case.region_code,
                              start_date=start, monthly_amount=Decimal(result["disability_grant"]),
                              bank_account=data.bank_account, application_no=case.case_no,
                              assessment={"inputs": inputs, "result": result})
            granted.append({"kind": "disability_grant", "benefit_id": b.benefit_id, "amount": result["disability_grant"]})
        if result.get("allowance_payer") == "fund" and result.get("disability_allowance"):
            b = grant_benefit(session, person_id=case.person_id, kind="injury_allowance", region_code=case.region_code,
                              start_date=start, monthly_amount=Decimal(result["disability_allowance"]),
                              bank_account=data.bank_account, application_no=f"{case.case_no}A",
                              assessment={"inputs": inputs, "result": result})
            granted.append({"kind": "injury_allowance", "benefit_id": b.benefit_id,
                            "amount": result["disability_allowance"]})
    except (BenefitError, InvalidValue) as exc:
        raise InjuryError(f"{case_no} 待遇发放：{exc}") from None
    notes = []
    if exclude_grant:
        notes.append("第十五条第（三）项（革命伤残军人旧伤复发）享受除一次性伤残补助金以外的工伤保险待遇（第十五条第二款）")
    if result.get("allowance_payer") == "employer":
        notes.append("五、六级伤残津贴由用人单位按月发给（难以安排工作的），不由基金支付（第三十六条）")
    if case.grade >= 5:
        notes.append("一次性工伤医疗补助金（基金）和一次性伤残就业补助金（用人单位）在解除或终止劳动合同时支付")
    case.avg_monthly_wage = data.avg_monthly_wage
    case.benefits = json.dumps({"inputs": inputs, "result": {k: v for k, v in result.items() if k != "trace"},
                                "granted": granted, "notes": notes}, ensure_ascii=False, default=str)
    case.granted_by = actor
    case.status = "granted"
    append(session, action="injury.grant", entity="injury_cases", entity_id=case_no, actor=actor,
           detail={"grade": case.grade, "granted": granted})
    return case


def list_cases(session: Session, *, status: str | None = None, limit: int = 200) -> list[InjuryCase]:
    """The queue: open cases by their decision deadline (cases not yet accepted by the day received)."""
    q = select(InjuryCase)
    if status == "open":
        q = q.where(InjuryCase.status.in_(OPEN_STATUSES))
    elif status:
        if status not in STATUSES:
            raise InjuryError(f"状态应为 open 或 {'/'.join(STATUSES)}：{status}")
        q = q.where(InjuryCase.status == status)
    q = q.order_by(InjuryCase.decision_deadline.is_(None), InjuryCase.decision_deadline, InjuryCase.received_on,
                   InjuryCase.id).limit(limit)
    return list(session.scalars(q))


def case_view(session: Session, case: InjuryCase, *, full: bool = True) -> dict[str, Any]:
    """A case as the API and the pages show it: the name masked, the texts decrypted for the reviewer."""
    person = session.get(Person, case.person_id)
    out: dict[str, Any] = {
        "case_no": case.case_no, "person_id": case.person_id, "name": mask_name(person.name) if person else "",
        "employer_id": case.employer_id, "region_code": case.region_code, "applicant": case.applicant,
        "occupational_disease": case.occupational_disease, "incident_date": case.incident_date,
        "received_on": case.received_on, "application_deadline": case.application_deadline, "late": case.late,
        "accepted_on": case.accepted_on, "clear_case": case.clear_case, "decision_deadline": case.decision_deadline,
        "status": case.status, "status_label": STATUS_LABELS[case.status],
        "suggested": case.suggested, "suggested_label": DETERMINATION_LABELS[case.suggested],
        "determination": case.determination,
        "determination_label": DETERMINATION_LABELS.get(case.determination or "", ""),
        "article": case.article, "item": case.item,
        "reference": item_ref(case.article, case.item) if case.article else None,
        "decision_agrees": case.decision_agrees, "decision_reason": case.decision_reason,
        "decided_by": case.decided_by, "decided_on": case.decided_on,
        "suggested_grade": case.suggested_grade, "grade": case.grade, "grade_clause": case.grade_clause,
        "appraisal_agrees": case.appraisal_agrees, "appraisal_reason": case.appraisal_reason,
        "appraised_on": case.appraised_on,
    }
    if full:
        docs = json.loads(case.documents)
        out.update({
            "incident_text": case.incident_text, "diagnosis_text": case.diagnosis_text,
            "facts": json.loads(case.facts), "documents": [{"kind": k, "label": DOCUMENT_LABELS[k], "received": v}
                                                           for k, v in docs.items()],
            "suggestion": json.loads(case.suggestion),
            "grade_suggestion": json.loads(case.grade_suggestion) if case.grade_suggestion else None,
            "grade_clause_text": gb_clause(case.grade_clause).text if case.grade_clause else None,
            "benefits": json.loads(case.benefits) if case.benefits else None,
            "standard_caveat": CAVEAT,
        })
    return out


__all__ = ["InjuryError", "accept_case", "appraise_case", "case_view", "decide_case", "get_case",
           "grant_case_benefits", "list_cases", "record_documents", "regrade", "report_case"]
