"""Decision notices (待遇决定通知书) and the pension assessment form (养老金核定表).

Each event issues one notice: its data (amounts, periods, articles) is kept in ``benefit_notices``;
the printable HTML and PDF are rendered from that data on demand (:mod:`shebao.benefits.render`),
so that a notice printed again years later reads exactly as issued. Every notice states the right
to appeal (社会保险法 第八十三条) and cites the articles that decide its own subject
(:mod:`shebao.benefits.citations`). A notice is what the person receives: it never shows a
parameter name, a missing value or an instruction to staff; when an amount is not known the
notice is not issued (the survivor case waits, :func:`survivor_notice_ready`).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.benefits.assessment import KIND_LABELS, assessment_data, get_assessment
from shebao.benefits.citations import citations_for
from shebao.benefits.models import Notice
from shebao.core.db import insert_persistent, insert_persistent_together, new_row
from shebao.core.settings import local_today

if TYPE_CHECKING:
    from shebao.benefits.models import BenefitAssessment, Suspension
    from shebao.registry.models import Benefit

APPEAL = ("如对本决定不服，可以自收到本通知之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼"
          "（《中华人民共和国社会保险法》第八十三条；《中华人民共和国行政复议法》；《中华人民共和国行政诉讼法》）。")

KIND_TITLES = {
    "grant": "社会保险待遇核定通知书",
    "assessment": "基本养老金核定表",
    "recalculation": "基本养老金重新核定通知书",
    "adjustment": "基本养老金调整通知书",
    "suspension": "社会保险待遇暂停发放通知书",
    "resumption": "社会保险待遇恢复发放通知书",
    "termination": "社会保险待遇终止通知书",
    "survivor": "遗属待遇告知书",
    "overpayment": "多发待遇追回决定书",
    "demand": "多发待遇退还通知书",
}


_JSON = json.JSONEncoder(ensure_ascii=False)  # made once (json.dumps with an option builds one per call)


def _plain(value: Any) -> Any:
    kind = type(value)  # the common exact types first
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def issue_notice(session: Session, *, key: str, kind: str, person_id: str, benefit_id: str | None,
                 data: dict[str, Any], issued_on: date | None = None, title: str | None = None) -> Notice:
    """Issue a notice once per ``key`` (issuing the same event again returns the first notice)."""
    return issue_notices(session, [dict(key=key, kind=kind, person_id=person_id, benefit_id=benefit_id, data=data,
                                         issued_on=issued_on, title=title)])[0]


def issue_notices(session: Session, specs: list[dict[str, Any]], *, fresh: bool = False,
                  attach: bool = True, before: list[tuple[list, bool]] = ()) -> list[Notice]:
    """Issue several notices (each as :func:`issue_notice` takes it) with one statement.

    Args:
        fresh: the caller has just created the benefit the notices are about, so none of their
            keys can have been issued yet and the look-up is skipped.
        attach: False returns the new notices as written but not attached to the session (for a
            caller that does not change them: no identity-map bookkeeping).
        before: new rows the notices refer to, as ``(objects, attach)`` per mapped class (the granted
            benefit and its assessment), written first in the same round trip where the database allows.
    """
    keys = [spec["key"][:120] for spec in specs]
    existing: dict[str, Notice] = {}
    if not fresh:
        existing = {n.notice_key: n for n in session.scalars(select(Notice).where(Notice.notice_key.in_(keys)))}
    new = [new_row(Notice, notice_key=key, kind=spec["kind"], person_id=spec["person_id"], benefit_id=spec.get("benefit_id"),
                  issued_on=spec.get("issued_on") or local_today(), title=spec.get("title") or KIND_TITLES[spec["kind"]],
                  data=_JSON.encode(_plain(spec["data"])))
           for key, spec in zip(keys, specs, strict=True) if key not in existing]
    if before:
        insert_persistent_together(session, [*before, (new, attach)])
    else:
        insert_persistent(session, new, attach=attach)
    for notice in new:
        existing[notice.notice_key] = notice
        append(session, action="notice.issue", entity="benefit_notices", entity_id=str(notice.id),
               detail={"kind": notice.kind, "benefit_id": notice.benefit_id or "", "person_id": notice.person_id})
    return [existing[key] for key in keys]


def notice_data(notice: Notice) -> dict[str, Any]:
    return json.loads(notice.data)


def list_notices(session: Session, *, person_id: str | None = None, benefit_id: str | None = None,
                 kind: str | None = None, limit: int = 100) -> list[Notice]:
    stmt = select(Notice)
    if person_id:
        stmt = stmt.where(Notice.person_id == person_id)
    if benefit_id:
        stmt = stmt.where(Notice.benefit_id == benefit_id)
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    return list(session.scalars(stmt.order_by(Notice.id.desc()).limit(limit)))


# --- one function per event -------------------------------------------------------------------------

def _benefit_facts(b: Benefit) -> dict[str, Any]:
    return {"benefit_id": b.benefit_id, "kind": b.kind, "kind_label": KIND_LABELS.get(b.kind, b.kind),
            "monthly_amount": b.monthly_amount, "start_date": b.start_date, "region_code": b.region_code}


def grant_subject(b: Benefit, data: dict[str, Any]) -> str:
    """What decides a grant notice's articles: the benefit kind (a funeral grant: and the scheme)."""
    if b.kind == "funeral_grant":
        item = data.get("survivor_item") if isinstance(data.get("survivor_item"), dict) else {}
        scheme = item.get("scheme") or ("injury" if "工伤" in str(item.get("reference", "")) else "enterprise")
        return f"funeral_grant:{scheme}"
    return b.kind


def issue_grant_notices(session: Session, b: Benefit, a: BenefitAssessment | None = None, *,
                        fresh: bool = False, data: dict[str, Any] | None = None, attach: bool = True,
                        before: list[tuple[list, bool]] = ()) -> list[Notice]:
    """The grant notice, and for a pension the assessment form with its components.

    Args:
        a: the benefit's assessment, when the caller holds it (else it is read).
        fresh: the benefit was created by the caller just now (see :func:`issue_notices`).
        data: the assessment's content as the caller just stored it in ``a`` (else read from ``a``).
        attach, before: see :func:`issue_notices`.
    """
    if a is None:
        a = get_assessment(session, b.benefit_id)
    if data is None:
        data = assessment_data(a)
    facts = _benefit_facts(b)
    specs = [dict(key=f"grant:{b.benefit_id}", kind="grant", person_id=b.person_id, benefit_id=b.benefit_id, data={
        **facts, "provisional": bool(a and a.provisional),
        "application_no": a.application_no if a else None,
        "articles": citations_for("grant", grant_subject(b, data)),
        "text": ("经审核，核定您的" + facts["kind_label"] + "如下。"
                 + ("当年计发基数尚未公布，本次为暂核，公布后将重新核定并补发（或追回）差额。"
                    if a and a.provisional else "")),
        "appeal": APPEAL})]
    if b.kind == "pension":
        specs.append(dict(key=f"assessment:{b.benefit_id}:0", kind="assessment", person_id=b.person_id,
                          benefit_id=b.benefit_id, data=assessment_form(b, data, provisional=bool(a and a.provisional))))
    return issue_notices(session, specs, fresh=fresh, attach=attach, before=before)


def assessment_form(b: Benefit, data: dict[str, Any], *, provisional: bool) -> dict[str, Any]:
    """养老金核定表: the components as on Shandong's forms (基础、个人账户、过渡性养老金 and their inputs)."""
    inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else {}
    result = data.get("result") if isinstance(data.get("result"), dict) else data
    rows = [
        ("退休（职）时间", result.get("retirement_date") or inputs.get("retirement_date")),
        ("待遇开始月份", result.get("pension_start")),
        ("计发基数（元/月）", result.get("pension_base") or inputs.get("pension_base")),
        ("平均缴费指数", inputs.get("avg_contribution_index") or result.get("avg_contribution_index")),
        ("指数化月平均缴费工资（元）", result.get("indexed_wage")),
        ("累计缴费年限（含视同，年）", result.get("contribution_years")),
        ("累计缴费月数（含视同）", inputs.get("contribution_months") or result.get("contribution_months")),
        ("实行个人账户前缴费月数（含视同）", inputs.get("pre_account_months")),
        ("个人账户储存额（元）", inputs.get("account_balance")),
        ("计发月数", result.get("annuity_months")),
        ("基础养老金（元/月）", result.get("basic_pension")),
        ("个人账户养老金（元/月）", result.get("account_pension")),
        ("过渡性养老金（元/月）", result.get("transitional_pension")),
        ("基本养老金合计（元/月）", result.get("total") or f"{b.monthly_amount:.2f}"),
    ]
    return {
        **_benefit_facts(b),
        "provisional": provisional,
        "assessed_on": result.get("assessed_on") or inputs.get("assessed_on"),
        "rows": [[label, str(value)] for label, value in rows if value not in (None, "")],
        "formula": ["基础养老金 = (计发基数 + 指数化月平均缴费工资) ÷ 2 × 缴费年限 × 1%",
                    "个人账户养老金 = 个人账户储存额 ÷ 计发月数",
                    "过渡性养老金 = 指数化月平均缴费工资 × 实行个人账户前缴费年限 × 过渡系数"],
        "articles": citations_for("assessment", "pension"),
        "text": "暂核：当年计发基数公布后重新核定。" if provisional else "",
        "appeal": APPEAL,
    }


def issue_suspension_notice(session: Session, b: Benefit, s: Suspension) -> Notice:
    subject = f"incarceration:{b.kind}" if s.reason_code == "incarceration" else s.reason_code
    articles = citations_for("suspension", subject)
    return issue_notice(session, key=f"suspension:{s.id}", kind="suspension", person_id=b.person_id,
                        benefit_id=b.benefit_id, data={**_benefit_facts(b), "from_period": s.from_period,
                                                       "reason": s.reason, "articles": articles,
                                                       "text": f"自 {s.from_period} 起暂停发放您的{_benefit_facts(b)['kind_label']}。",
                                                       "appeal": APPEAL})


def issue_resumption_notice(session: Session, b: Benefit, suspensions: list[Suspension], *, resume_period: str,
                            backpay: Decimal, backpay_months: list[str]) -> Notice:
    ids = "-".join(str(s.id) for s in suspensions)
    text = f"自 {resume_period} 起恢复发放您的{_benefit_facts(b)['kind_label']}。"
    if backpay > 0:
        text += f"暂停期间 {backpay_months[0]} 至 {backpay_months[-1]} 共 {len(backpay_months)} 个月的待遇 {backpay:.2f} 元一次补发。"
    return issue_notice(session, key=f"resumption:{ids}", kind="resumption", person_id=b.person_id,
                        benefit_id=b.benefit_id, data={**_benefit_facts(b), "resume_period": resume_period,
                                                       "backpay": backpay, "backpay_months": backpay_months,
                                                       "reason": "; ".join(s.reason for s in suspensions),
                                                       "articles": citations_for("resumption", b.kind),
                                                       "text": text, "appeal": APPEAL})


def issue_debt_notice(session: Session, b: Benefit, debt: Any) -> Notice:
    periods = json.loads(debt.periods)
    span = f"{periods[0]} 至 {periods[-1]}" if periods else ""
    heirs = debt.reason_code == "death"
    how = ("将从您以后按月领取的待遇中分期扣回" if debt.method == "deduction"
           else f"请于 {debt.demand_due.isoformat() if debt.demand_due else '三十日内'} 前退还")
    if heirs:  # paid after a death: the heirs are asked, not the deceased
        how = f"请继承人于 {debt.demand_due.isoformat() if debt.demand_due else '收到本通知之日起三十日内'} 前退还"
    return issue_notice(
        session, key=f"overpayment:{debt.id}:{debt.principal:.2f}", kind="overpayment", person_id=b.person_id,
        benefit_id=b.benefit_id,
        data={**_benefit_facts(b), "principal": debt.principal, "periods": periods, "reason": debt.reason,
              "method": debt.method, "demand_due": debt.demand_due,
              **({"addressee": "survivors"} if heirs else {}),
              "text": (f"经核查，{{deceased}}死亡后，{span}多发{_benefit_facts(b)['kind_label']}共 {debt.principal:.2f} 元，{how}。"
                       if heirs else f"经核查，{span}多发{_benefit_facts(b)['kind_label']}共 {debt.principal:.2f} 元，{how}。"),
              "articles": citations_for("overpayment", b.kind),
              "appeal": APPEAL})


def issue_demand_notice(session: Session, b: Benefit, debt: Any) -> Notice:
    return issue_notice(
        session, key=f"demand:{debt.id}:{debt.outstanding:.2f}", kind="demand", person_id=b.person_id,
        benefit_id=b.benefit_id,
        data={**_benefit_facts(b), "outstanding": debt.outstanding, "demand_due": debt.demand_due,
              "reason": debt.reason,
              **({"addressee": "survivors"} if debt.reason_code == "death" else {}),
              "text": ((f"{{deceased}}死亡后多发的{_benefit_facts(b)['kind_label']} {debt.outstanding:.2f} 元，请继承人"
                        if debt.reason_code == "death" else
                        f"您应退还多发的{_benefit_facts(b)['kind_label']} {debt.outstanding:.2f} 元，请")
                       + f"于 {debt.demand_due.isoformat()} 前退还至社会保险基金账户。"),
              "articles": citations_for("demand", b.kind),
              "appeal": APPEAL})


def issue_termination_notice(session: Session, b: Benefit, *, last: str, reason: str,
                             reason_code: str = "other") -> Notice:
    """Termination: the articles by benefit kind and reason (``death``, ``incarceration``, ``other``)."""
    return issue_notice(
        session, key=f"termination:{b.benefit_id}", kind="termination", person_id=b.person_id,
        benefit_id=b.benefit_id,
        data={**_benefit_facts(b), "last_period": last, "reason": reason,
              "text": f"您的{_benefit_facts(b)['kind_label']}发放至 {last}，自次月起终止。",
              "articles": citations_for("termination", f"{b.kind}:{reason_code}"),
              "appeal": APPEAL})


def survivor_notice_ready(items: list[dict[str, Any]]) -> bool:
    """A survivor notice is issued only when every item's amount is known."""
    return bool(items) and all(it.get("amount") is not None for it in items)


def issue_survivor_notice(session: Session, case: Any, items: list[dict[str, Any]]) -> Notice | None:
    """遗属待遇告知书, addressed to the survivors and naming the deceased (the rendering puts the
    deceased's masked name where the text says ``{deceased}``). Not issued while an amount is unknown."""
    if not survivor_notice_ready(items):
        return None
    lines = [f"{it['label']} {it['amount']} 元" for it in items]
    cause = "因工死亡" if case.scheme == "injury" else "死亡"
    return issue_notice(
        session, key=f"survivor:{case.id}:{len(items)}", kind="survivor", person_id=case.person_id,
        benefit_id=None,
        data={"person_id": case.person_id, "death_date": case.death_date, "scheme": case.scheme,
              "addressee": "survivors",
              "items": [{"kind": it["kind"], "label": it["label"], "amount": it["amount"]} for it in items],
              "text": (f"{{deceased}}于 {case.death_date.isoformat()} {cause}。经核定，其遗属可领取以下待遇："
                       + "；".join(lines) + "。请遗属（或继承人）持本告知书、身份证件和银行账户到经办机构办理领取手续。"),
              "articles": citations_for("survivor", case.scheme),
              "appeal": APPEAL})


def issue_recalculation_notices(session: Session, b: Benefit, data: dict[str, Any], r: dict[str, Any], *,
                                months: list[str], backpay: Decimal, on: date) -> list[Notice]:
    final = r["final"]
    diff = Decimal(r["monthly_difference"])
    if backpay > 0:
        settle = f"{months[0]} 至 {months[-1]} 共 {len(months)} 个月的差额 {backpay:.2f} 元一次补发。"
    elif backpay < 0:
        settle = f"{months[0]} 至 {months[-1]} 共 {len(months)} 个月多发 {-backpay:.2f} 元，将从以后的养老金中扣回。"
    else:
        settle = "暂核期间无差额。"
    text = (f"您的基本养老金原按{final.get('retirement_date', '')[:4]}年计发基数公布前的基数暂核为每月 "
            f"{r['provisional_total']} 元。该年度计发基数（{final.get('pension_base')} 元）已公布，重新核定为每月 "
            f"{r['final_total']} 元（每月差额 {diff:.2f} 元），自 {period_of_date(on)} 起按新标准发放；{settle}")
    notice = issue_notice(session, key=f"recalculation:{b.benefit_id}:{on.isoformat()}", kind="recalculation",
                          person_id=b.person_id, benefit_id=b.benefit_id, issued_on=on,
                          data={**_benefit_facts(b), "provisional_total": r["provisional_total"],
                                "final_total": r["final_total"], "monthly_difference": diff, "months": months,
                                "backpay": backpay, "pension_base": final.get("pension_base"), "text": text,
                                "articles": citations_for("recalculation", "pension"),
                                "appeal": APPEAL})
    form = issue_notice(session, key=f"assessment:{b.benefit_id}:final", kind="assessment", person_id=b.person_id,
                        benefit_id=b.benefit_id, issued_on=on,
                        data=assessment_form(b, {"inputs": data.get("inputs", {}), "result": final}, provisional=False))
    return [notice, form]


def period_of_date(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def issue_adjustment_notice(session: Session, b: Benefit, *, year: int, old: Decimal, increase: Decimal,
                            parts: dict[str, str], effective: str, months: list[str], arrears: Decimal,
                            contribution_months: int, missing: list[str] | None = None, seq: int = 0) -> Notice:
    labels = (("fixed", "定额"), ("linked", "挂钩本人养老金"), ("years", f"缴费年限 {contribution_months // 12} 年挂钩"),
              ("tilt", "高龄倾斜"))
    shown = "，".join(f"{label} {parts[key]} 元" for key, label in labels if key in parts)
    text = (f"根据{year}年基本养老金调整通知，您的基本养老金自 {effective} 起每月增加 {increase:.2f} 元"
            f"（{'全年调整合计：' if seq else ''}{shown}），由每月 {old:.2f} 元调整为 {old + increase:.2f} 元。")
    if missing:
        text += "该年度调整通知的其余部分（挂钩比例、年限金额或高龄倾斜）尚未收录，收录后另行调整并补发。"
    if arrears > 0:
        text += f"{months[0]} 至 {months[-1]} 已按原标准发放的 {len(months)} 个月，补发调整额 {arrears:.2f} 元。"
    key = f"adjustment:{b.benefit_id}:{year}" + (f":{seq}" if seq else "")
    return issue_notice(session, key=key, kind="adjustment", person_id=b.person_id,
                        benefit_id=b.benefit_id,
                        data={**_benefit_facts(b), "year": year, "old_amount": old, "increase": increase,
                              "new_amount": old + increase, "parts": parts, "effective": effective,
                              "arrears_months": months, "arrears": arrears, "text": text,
                              "articles": citations_for("adjustment", "pension"),
                              "appeal": APPEAL})
