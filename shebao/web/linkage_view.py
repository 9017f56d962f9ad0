"""The review workbench of record linkage at ``/staff/linkage``: the queue of uncertain pairs, both
records of a pair side by side (masked for every role) with the comparison levels that drove the
score, accept (merge, with the fields the reviewer overrides) or reject, and the merges with their
undo. Reviewers and auditors (administrators pass)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render

router = APIRouter(prefix="/staff/linkage", include_in_schema=False)
AREA = "linkage"
STATUS_LABELS = {"pending": "待复核", "accepted": "已确认", "rejected": "不是同一人", "merged": "已合并"}


def _done(session, url: str) -> RedirectResponse:
    session.commit()  # before the redirect's GET can arrive (post/redirect/get)
    return RedirectResponse(url, status_code=303)


@router.get("")
def queue(request: Request, session: SessionDep, status: str = Query("pending", max_length=16),
          page: int = Query(1, ge=1, le=100_000)):
    from sqlalchemy import select

    from shebao.linkage.models import Merge
    from shebao.linkage.service import ReviewError, list_review, merge_json, pair_json

    user = auth.require(request, session, AREA)
    size = 50
    try:
        rows, total = list_review(session, status=None if status == "all" else status, limit=size,
                                  offset=(page - 1) * size)
    except ReviewError:
        status, (rows, total) = "pending", list_review(session, status="pending", limit=size)
    merges = [merge_json(m) for m in session.scalars(select(Merge).order_by(Merge.created_at.desc()).limit(20))]
    return render(request, "staff/linkage/index.html", {
        "title": "人员合并", "pairs": [pair_json(r) for r in rows], "total": total, "status": status,
        "page": page, "pages": max(1, -(-total // size)), "merges": merges, "STATUS_LABELS": STATUS_LABELS,
        "notice": request.query_params.get("notice"),
    }, user=user)


def _pair_page(request: Request, session, user, pair_id: int, *, error: str | None = None, status_code: int = 200):
    from shebao.linkage.service import ReviewError, compare_pair

    try:
        data = compare_pair(session, pair_id=pair_id)
    except ReviewError as exc:
        return render(request, "error.html", {"title": "记录对不存在", "message": str(exc)}, status_code=404, user=user)
    return render(request, "staff/linkage/pair.html", {
        "title": f"复核记录对 {pair_id}", "pair": data, "error": error, "STATUS_LABELS": STATUS_LABELS,
    }, user=user, status_code=status_code)


@router.get("/pairs/{pair_id}")
def pair_detail(pair_id: int, request: Request, session: SessionDep):
    user = auth.require(request, session, AREA)
    return _pair_page(request, session, user, pair_id)


@router.post("/pairs/{pair_id}/decide")
async def pair_decide(pair_id: int, request: Request, session: SessionDep):
    from shebao.linkage.merge import FIELDS
    from shebao.linkage.service import MergeError, ReviewError, decide_pair
    from shebao.risk.alerts import screen_persons

    form = await request.form()
    auth.check_csrf(request, str(form.get("csrf_token", "")))
    user = auth.require(request, session, AREA)
    decision = str(form.get("decision", ""))
    note = str(form.get("note", ""))[:2000].strip() or None
    survivor = str(form.get("survivor", "")).strip() or None
    overrides = {f: str(form.get(f"take_{f}")) for f in FIELDS if form.get(f"take_{f}")}
    try:
        data = decide_pair(session, pair_id=pair_id, decision=decision, note=note, survivor_id=survivor,
                           overrides=overrides)
    except (ReviewError, MergeError) as exc:
        session.rollback()
        return _pair_page(request, session, user, pair_id, error=str(exc), status_code=422)
    if data.get("merge"):
        m = data["merge"]
        found = screen_persons(session, person_ids=[m["survivor_id"]], rules=["R05"], as_of=date.today())
        notice = f"已合并为 {m['survivor_id']}（合并编号 {m['merge_id']}）"
        if found["alerts"]:
            notice += "；同一人有两项同类在发待遇，已生成红色疑点 R05"
        return _done(session, f"/staff/linkage?notice={notice}")
    return _done(session, "/staff/linkage?notice=已判定不是同一人")


@router.post("/merges/{merge_id}/unmerge")
def merge_undo(merge_id: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
               reason: str = Form("", max_length=2000)):
    from shebao.linkage.service import MergeError, unmerge

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, AREA)
    try:
        unmerge(session, merge_id=merge_id, reason=reason.strip() or None)
    except MergeError as exc:
        session.rollback()
        return render(request, "error.html", {"title": "无法撤销合并", "message": str(exc)}, status_code=422, user=user)
    return _done(session, f"/staff/linkage?notice=已撤销合并 {merge_id}")
