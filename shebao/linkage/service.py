"""Linkage services: link a folder or the registry, keep the review queue, show a pair side by side,
accept or reject it, merge and unmerge (keyword-only; the caller owns the transaction).

Linking never writes to the registry: it reads persons (and bank-account blind indexes) and writes
clusters to a file and uncertain pairs to the review queue. Only a merge changes the registry.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.crypto import get_keyring, mask
from shebao.engines.base import Engine
from shebao.linkage import comparisons as cmp
from shebao.linkage.features import FeatureStats, PersonInput, feature_table
from shebao.linkage.link import (
    COMPARISONS,
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    LinkResult,
    level_label,
    link_table,
)
from shebao.linkage.merge import FIELD_TITLES, FIELDS, MergeError, merge_persons, unmerge
from shebao.linkage.models import Merge, PersonLink, ReviewPair
from shebao.linkage.sources import read_database, read_folder

__all__ = ["link_folder", "link_database", "store_review_pairs", "list_review", "get_pair", "decide_pair",
           "compare_pair", "merge_persons", "unmerge", "MergeError", "ReviewError"]


class ReviewError(ValueError):
    """A review action that cannot be done (unknown pair, already decided ...)."""


def _run(persons: list[PersonInput], *, engine: Engine | str, threshold: float, review_threshold: float,
         progress: Callable[[str], None] | None, timings: dict[str, float], notes: dict[str, Any]) -> LinkResult:
    t = time.perf_counter()
    if progress:
        progress("生成比对特征")
    stats = FeatureStats()
    table = feature_table(persons, key=get_keyring().index_key, stats=stats)
    timings["features"] = time.perf_counter() - t
    result = link_table(table, engine=engine, threshold=threshold, review_threshold=review_threshold,
                        progress=progress)
    result.timings = {**timings, **result.timings}
    result.records, result.invalid_id, result.missing_id = stats.records, stats.invalid_id, stats.missing_id
    result.notes = {**notes, **result.notes, "invalid_id_person_ids": stats.invalid_ids}
    return result


def link_folder(folder: str | Path, *, engine: Engine | str = "duckdb", threshold: float = MATCH_THRESHOLD,
                review_threshold: float = REVIEW_THRESHOLD,
                progress: Callable[[str], None] | None = None) -> LinkResult:
    """Link the ``persons.csv`` of an exchange folder (bank accounts from its benefits and payments).

    Examples:
        >>> result = link_folder("exchange/")  # doctest: +SKIP
        >>> write_clusters_csv(result, "clusters.csv")  # doctest: +SKIP
    """
    t = time.perf_counter()
    if progress:
        progress("读取 persons.csv")
    persons, notes = read_folder(folder)
    return _run(persons, engine=engine, threshold=threshold, review_threshold=review_threshold, progress=progress,
                timings={"read": time.perf_counter() - t}, notes=notes)


def link_database(session: Session, *, engine: Engine | str = "duckdb", threshold: float = MATCH_THRESHOLD,
                  review_threshold: float = REVIEW_THRESHOLD,
                  progress: Callable[[str], None] | None = None) -> LinkResult:
    """Link the registry's persons (records already merged away are left out). Reads only."""
    t = time.perf_counter()
    if progress:
        progress("读取登记库")
    merged = set(session.scalars(select(PersonLink.person_id)))
    persons = [p for p in read_database(session) if p.person_id not in merged]
    return _run(persons, engine=engine, threshold=threshold, review_threshold=review_threshold, progress=progress,
                timings={"read": time.perf_counter() - t}, notes={})


# --- the review queue ----------------------------------------------------------------------------

def store_review_pairs(session: Session, result: LinkResult) -> dict[str, int]:
    """Queue the review band's pairs; a pair already queued keeps its decision (its score is updated)."""
    new = updated = 0
    existing = {(p.person_id_l, p.person_id_r): p for p in session.scalars(select(ReviewPair))}
    for rp in result.review:
        left, right = sorted((rp.person_id_l, rp.person_id_r))
        row = existing.get((left, right))
        if row is None:
            session.add(ReviewPair(person_id_l=left, person_id_r=right, match_probability=rp.match_probability,
                                   match_weight=rp.match_weight, levels=json.dumps(rp.levels, sort_keys=True),
                                   status="pending"))
            new += 1
        elif row.status == "pending":
            row.match_probability, row.match_weight = rp.match_probability, rp.match_weight
            row.levels = json.dumps(rp.levels, sort_keys=True)
            updated += 1
    session.flush()
    append(session, action="linkage.review.queue", entity="linkage_review_pairs",
           detail={"new": new, "updated": updated, "threshold": result.threshold,
                   "review_threshold": result.review_threshold})
    return {"new": new, "updated": updated}


def list_review(session: Session, *, status: str | None = "pending", limit: int = 50,
                offset: int = 0) -> tuple[list[ReviewPair], int]:
    """Review pairs, the most likely first."""
    stmt = select(ReviewPair)
    count = select(func.count()).select_from(ReviewPair)
    if status:
        if status not in ("pending", "accepted", "rejected", "merged"):
            raise ReviewError(f"未知状态：{status}（可选 pending、accepted、rejected、merged）")
        stmt, count = stmt.where(ReviewPair.status == status), count.where(ReviewPair.status == status)
    rows = session.scalars(stmt.order_by(ReviewPair.match_probability.desc(), ReviewPair.id)
                           .limit(limit).offset(offset)).all()
    return list(rows), session.scalar(count) or 0


def get_pair(session: Session, pair_id: int) -> ReviewPair:
    pair = session.get(ReviewPair, pair_id)
    if pair is None:
        raise ReviewError(f"复核记录对不存在：{pair_id}")
    return pair


def pair_json(pair: ReviewPair) -> dict[str, Any]:
    levels = json.loads(pair.levels or "{}")
    return {"id": pair.id, "person_id_l": pair.person_id_l, "person_id_r": pair.person_id_r,
            "match_probability": round(pair.match_probability, 6), "match_weight": round(pair.match_weight, 3),
            "status": pair.status, "merge_id": pair.merge_id, "note": pair.note,
            "levels": {c: {"title": cmp.COMPARISON_TITLES[c], "level": level_label(c, int(g))}
                       for c, g in levels.items() if c in COMPARISONS}}


def _masked_person(p: Any) -> dict[str, str]:
    return {"person_id": p.person_id, "name": mask(p.name, "name"), "id_number": mask(p.id_number, "id"),
            "sex": p.sex or "", "birth_date": p.birth_date.isoformat() if p.birth_date else "",
            "region_code": p.region_code or "", "phone": mask(p.phone, "phone")}


def compare_pair(session: Session, *, pair_id: int) -> dict[str, Any]:
    """Both records side by side, masked, with the comparison levels that drove the score and the
    field each would contribute to a golden record by the rule."""
    from shebao.linkage.merge import choose_survivor, resolve_fields
    from shebao.registry.models import Person

    pair = get_pair(session, pair_id)
    left, right = session.get(Person, pair.person_id_l), session.get(Person, pair.person_id_r)
    if left is None or right is None:
        raise ReviewError(f"记录对 {pair_id} 中的人员记录已不存在")
    survivor = choose_survivor(session, [left, right])
    other = right if survivor is left else left
    rule = resolve_fields(survivor, [other])
    return {**pair_json(pair), "left": _masked_person(left), "right": _masked_person(right),
            "survivor_by_rule": survivor.person_id, "fields_by_rule": rule,
            "field_titles": FIELD_TITLES, "fields": list(FIELDS)}


def decide_pair(session: Session, *, pair_id: int, decision: str, note: str | None = None,
                survivor_id: str | None = None, overrides: dict[str, str] | None = None,
                actor: str | None = None) -> dict[str, Any]:
    """Accept (merge now) or reject a pending pair; audited."""
    pair = get_pair(session, pair_id)
    if pair.status != "pending":
        raise ReviewError(f"记录对 {pair_id} 已处理（{pair.status}）")
    actor = actor or session.info.get("actor") or "system"
    if decision == "reject":
        pair.status, pair.note = "rejected", note
        pair.decided_by, pair.decided_at = actor, datetime.now(UTC)
        session.flush()
        append(session, action="linkage.review.reject", entity="linkage_review_pairs", entity_id=str(pair_id),
               detail={"persons": [pair.person_id_l, pair.person_id_r], "note": note or ""})
        return {"pair": pair_json(pair)}
    if decision != "accept":
        raise ReviewError(f"未知的处理：{decision}（accept 或 reject）")
    pair.note = note
    append(session, action="linkage.review.accept", entity="linkage_review_pairs", entity_id=str(pair_id),
           detail={"persons": [pair.person_id_l, pair.person_id_r], "note": note or ""})
    merge = merge_persons(session, person_ids=[pair.person_id_l, pair.person_id_r], survivor_id=survivor_id,
                          overrides=overrides, review_pair_id=pair.id, actor=actor)
    return {"pair": pair_json(pair), "merge": merge_json(merge)}


def merge_json(merge: Merge) -> dict[str, Any]:
    return {"merge_id": merge.merge_id, "survivor_id": merge.survivor_id, "merged_ids": json.loads(merge.merged_ids),
            "status": merge.status, "choices": json.loads(merge.choices), "summary": json.loads(merge.summary),
            "created_by": merge.created_by, "created_at": merge.created_at.isoformat() if merge.created_at else None,
            "undone_at": merge.undone_at.isoformat() if merge.undone_at else None}


def get_merge(session: Session, merge_id: str) -> Merge:
    merge = session.get(Merge, merge_id)
    if merge is None:
        raise MergeError(f"合并记录不存在：{merge_id}")
    return merge


def survivor_of(session: Session, person_id: str) -> str:
    """The golden record a person record now belongs to (itself unless merged away)."""
    seen = set()
    while person_id not in seen:
        seen.add(person_id)
        link = session.get(PersonLink, person_id)
        if link is None:
            return person_id
        person_id = link.survivor_id
    return person_id
