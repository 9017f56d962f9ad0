"""The reviewer's pages for work-injury medical bills (``/staff/bills``): the bills with open flags,
one bill with its lines and the flags on each line (rules and the anomaly model's reasons), agree
or restore a line with a reason (audited), the payable total, and the printable 审核结算单."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render

router = APIRouter(prefix="/staff/bills", include_in_schema=False)

PAGE_SIZE = 30
STATUS_LABELS = {"new": "待处理", "confirmed": "已同意核减", "dismissed": "已恢复支付"}
LEVEL_TEXT = {"A": "A 规则", "B": "B 异常提示"}


def _person(session, person_id: str) -> dict[str, Any]:
    from shebao.registry.models import Person

    person = session.get(Person, person_id)
    if person is None:
        return {"person_id": person_id, "name": "", "sex": "", "birth_date": ""}
    return {"person_id": person_id, "name": person.name, "sex": "女" if person.sex == "F" else "男",
            "birth_date": person.birth_date.isoformat()}


def _context(session, bill_id: str) -> dict[str, Any] | None:
    from shebao.bills.exchange import CATEGORY_LABELS
    from shebao.bills.service import BillError, bill_review

    try:
        review = bill_review(session, bill_id=bill_id)
    except BillError:
        return None
    return {"review": review, "bill": review["bill"], "hospital": review["hospital"], "lines": review["lines"],
            "flags": review["flags"], "totals": review["totals"], "rules": review["rules"],
            "person": _person(session, review["bill"].person_id), "categories": CATEGORY_LABELS,
            "status_labels": STATUS_LABELS, "level_text": LEVEL_TEXT}


@router.get("")
def bills_list(request: Request, session: SessionDep, q: str = Query("", max_length=32),
               show: str = Query("flagged", max_length=8), page: int = Query(1, ge=1, le=100000)):
    from shebao.bills.service import list_bills

    user = auth.require(request, session, "bills")
    rows, total = list_bills(session, only_flagged=show != "all", q=q, limit=PAGE_SIZE,
                             offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "staff/bills/list.html", {"title": "医疗费用审核", "rows": rows, "total": total,
                                                     "q": q, "show": show, "page": page, "pages": pages}, user=user)


@router.get("/{bill_id}")
def bill_detail(bill_id: str, request: Request, session: SessionDep):
    user = auth.require(request, session, "bills")
    ctx = _context(session, bill_id)
    if ctx is None:
        return render(request, "error.html", {"title": "费用单不存在", "message": f"费用单 {bill_id} 不存在"},
                      status_code=404, user=user)
    return render(request, "staff/bills/bill.html", {"title": f"费用单 {bill_id}", **ctx,
                                                     "error": None, "error_line": None}, user=user)


@router.post("/{bill_id}/decide")
def bill_decide(bill_id: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
                line_no: str = Form("", max_length=12), decision: str = Form("", max_length=8),
                reason: str = Form("", max_length=2000)):
    from shebao.bills.service import BillError, decide_line

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, "bills")
    line: int | None = None
    try:
        if line_no.strip():
            if not line_no.strip().isdigit():
                raise BillError("行号无效")
            line = int(line_no)
        if decision not in ("agree", "restore"):
            raise BillError("请选择“同意核减”或“恢复支付”")
        decide_line(session, bill_id=bill_id, line_no=line, decision=decision, reason=reason)
    except BillError as exc:
        session.rollback()
        ctx = _context(session, bill_id)
        if ctx is None:
            return render(request, "error.html", {"title": "费用单不存在", "message": str(exc)}, status_code=404,
                          user=user)
        return render(request, "staff/bills/bill.html", {"title": f"费用单 {bill_id}", **ctx, "error": str(exc),
                                                         "error_line": line_no, "reason": reason},
                      status_code=422, user=user)
    session.commit()
    anchor = f"#line-{line}" if line is not None else "#bill-flags"
    return RedirectResponse(f"/staff/bills/{bill_id}{anchor}", status_code=303)


@router.get("/{bill_id}/statement")
def bill_statement(bill_id: str, request: Request, session: SessionDep):
    from shebao.audit import append

    user = auth.require(request, session, "bills")
    ctx = _context(session, bill_id)
    if ctx is None:
        return render(request, "error.html", {"title": "费用单不存在", "message": f"费用单 {bill_id} 不存在"},
                      status_code=404, user=user)
    append(session, action="bills.statement", entity="bills_bills", entity_id=bill_id, detail={})
    session.commit()
    return render(request, "staff/bills/statement.html", {
        "title": f"审核结算单 {bill_id}", **ctx, "issued_on": dt.date.today().isoformat(),
    }, user=user)
