"""/api/v1/linkage — the review queue of uncertain pairs, merges and unmerges (reviewer or auditor
role; administrators pass too). Linking itself is a batch job: ``shebao link``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from shebao.core.roles import Role
from shebao.http.deps import SessionDep, require_roles
from shebao.linkage.schemas import (
    DecideBody,
    DecisionRead,
    MergeBody,
    MergeRead,
    MergeResult,
    PairCompare,
    PairPage,
    UnmergeBody,
)

PairId = Annotated[int, Path(ge=1, le=2_147_483_647, description="复核记录对编号")]
MergeId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z]+$", description="合并编号")]

router = APIRouter(prefix="/api/v1/linkage", tags=["linkage"],
                   dependencies=[require_roles(Role.REVIEWER, Role.AUDITOR)])


def _error(exc: Exception) -> HTTPException:
    message = str(exc)
    return HTTPException(status_code=404 if "不存在" in message else 409, detail=message)


def _screen(session, merge: dict) -> dict:
    from shebao.risk.alerts import screen_persons

    return screen_persons(session, person_ids=[merge["survivor_id"]], rules=["R05"], as_of=date.today())


@router.get("/pairs", response_model=PairPage, summary="待复核的疑似同一人记录对（概率从高到低）")
def list_pairs(
    session: SessionDep,
    status: Literal["pending", "accepted", "rejected", "merged"] | None = Query("pending"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> dict:
    from shebao.linkage.service import list_review, pair_json

    rows, total = list_review(session, status=status, limit=limit, offset=offset)
    return {"total": total, "items": [pair_json(r) for r in rows]}


@router.get("/pairs/{pair_id}", response_model=PairCompare, summary="两条记录并排（已脱敏）及各项比对结果")
def get_pair(pair_id: PairId, session: SessionDep) -> dict:
    from shebao.linkage.service import ReviewError, compare_pair

    try:
        return compare_pair(session, pair_id=pair_id)
    except ReviewError as exc:
        raise _error(exc) from None


@router.post("/pairs/{pair_id}/decide", response_model=DecisionRead, summary="确认（合并）或否定一对")
def decide(pair_id: PairId, body: DecideBody, session: SessionDep) -> dict:
    from shebao.linkage.service import MergeError, ReviewError, decide_pair

    try:
        data = decide_pair(session, pair_id=pair_id, decision=body.decision, note=body.note,
                           survivor_id=body.survivor_id, overrides=dict(body.overrides))
    except (ReviewError, MergeError) as exc:
        raise _error(exc) from None
    if data.get("merge"):
        data["screening"] = _screen(session, data["merge"])
    return data


@router.post("/merges", response_model=MergeResult, summary="直接合并几条已核实为同一人的记录")
def merge(body: MergeBody, session: SessionDep) -> dict:
    from shebao.linkage.service import MergeError, merge_json, merge_persons

    try:
        m = merge_json(merge_persons(session, person_ids=body.person_ids, survivor_id=body.survivor_id,
                                     overrides=dict(body.overrides)))
    except MergeError as exc:
        raise _error(exc) from None
    return {"merge": m, "screening": _screen(session, m)}


@router.get("/merges/{merge_id}", response_model=MergeRead, summary="一次合并")
def get_merge(merge_id: MergeId, session: SessionDep) -> dict:
    from shebao.linkage.service import MergeError, get_merge, merge_json

    try:
        return merge_json(get_merge(session, merge_id))
    except MergeError as exc:
        raise _error(exc) from None


@router.post("/merges/{merge_id}/unmerge", response_model=MergeRead, summary="撤销合并：恢复合并前的全部记录")
def unmerge_(merge_id: MergeId, body: UnmergeBody, session: SessionDep) -> dict:
    from shebao.linkage.service import MergeError, merge_json, unmerge

    try:
        return merge_json(unmerge(session, merge_id=merge_id, reason=body.reason))
    except MergeError as exc:
        raise _error(exc) from None
