"""Merge person records into one golden record, and undo a merge exactly.

A merge keeps one surviving ``person_id``; the others stay in ``persons`` and point to it
(``linkage_person_links``). Their contributions, yearly summaries, account balances,
certifications, benefits, payments, debts and notices are re-attached to the survivor. A row that
would collide with one the survivor already has (the same month of the same insurance from the same
employer, the same year, the same balance date) stays where it is and is reported as a conflict
for the reviewer: two records of one month are a question, not something to add up.

The survivor's fields are resolved by a rule the reviewer can override field by field: the ID
number a valid one (the survivor's first), name, sex and birth date the survivor's, region and
phone the most recently updated record's (people move and change numbers). The survivor itself is
the record with a valid ID number and the longest contribution history, unless the reviewer names it.

After re-attaching, each live pension of the survivor is recomputed from the combined history (the
policy engine's calculator on the assessment's inputs with the months, index and balance the merged
records add), its amount corrected and the months already paid at the old amount paid as backpay.

Every step is audited. Before anything changes, the before-image of every row the merge can touch
is kept with the merge (encrypted columns as ciphertext); :func:`unmerge` puts those rows back,
deletes the rows the merge created and so leaves those tables exactly as they were.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, LargeBinary, MetaData, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.crypto import EncryptedString, blind_index
from shebao.core.db import Base
from shebao.linkage.models import Merge, PersonLink, ReviewPair
from shebao.linkage.normalise import id_is_valid, upgrade_id

FIELDS = ("name", "id_number", "sex", "birth_date", "region_code", "phone")
FIELD_TITLES = {"name": "姓名", "id_number": "身份证号", "sex": "性别", "birth_date": "出生日期",
                "region_code": "地区", "phone": "电话"}
# Tables whose rows belong to a person, re-attached by person_id, with the columns (besides
# person_id) of their unique key: a row whose key the survivor already has stays put.
REATTACH: dict[str, tuple[str, ...]] = {
    "contributions": ("period", "insurance", "employer_id"),
    "contribution_years": ("year", "insurance"),
    "pension_accounts": ("as_of",),
    "certifications": ("certified_date", "method"),
    "benefits": (),
    "payments": (),
    "benefit_debts": (),
    "benefit_notices": (),
}
# Every table the merge (with its recalculation) may change, parents before children, and how a
# row relates to the persons merged: by person_id, or through their benefits, payments or debts.
SNAPSHOT: tuple[tuple[str, str], ...] = (
    ("persons", "person_id"),
    ("contributions", "person_id"),
    ("contribution_years", "person_id"),
    ("pension_accounts", "person_id"),
    ("certifications", "person_id"),
    ("benefits", "person_id"),
    ("benefit_assessments", "benefit_id"),
    ("benefit_suspensions", "benefit_id"),
    ("payments", "person_id"),
    ("payment_attempts", "payment_id"),
    ("benefit_debts", "person_id"),
    ("debt_recoveries", "debt_id"),
    ("benefit_notices", "person_id"),
)


class MergeError(ValueError):
    """The merge or unmerge cannot be done as asked (the message says which record and why)."""


# --- raw rows: the columns as stored (ciphertext stays ciphertext) ------------------------------

_RAW = MetaData()


def raw_table(name: str) -> Table:
    """The table with its encrypted columns seen as bytes, so that rows are copied, not re-encrypted."""
    if name in _RAW.tables:
        return _RAW.tables[name]
    src = Base.metadata.tables[name]
    cols = [Column(c.name, LargeBinary if isinstance(c.type, EncryptedString) else c.type.copy(),
                   primary_key=c.primary_key) for c in src.columns]
    return Table(name, _RAW, *cols)


def _present(name: str) -> bool:
    return name in Base.metadata.tables


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        (tag, text), = value.items()
        return {"$b": lambda t: base64.b64decode(t), "$t": datetime.fromisoformat,
                "$d": date.fromisoformat, "$n": Decimal}[tag](text)
    return value


def _key_of(table: Table, row: dict[str, Any]) -> tuple:
    return tuple(row[c.name] for c in table.primary_key.columns)


def related_rows(session: Session, person_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Every row of the snapshot tables that belongs to ``person_ids`` (directly or through their
    benefits, payments and debts), as stored."""
    ids = sorted(set(person_ids))
    out: dict[str, list[dict[str, Any]]] = {}
    keys: dict[str, set[Any]] = {"person_id": set(ids)}
    for name, via in SNAPSHOT:
        if not _present(name):
            continue
        t = raw_table(name)
        values = sorted(keys.get(via, set()), key=str)
        rows = [dict(r._mapping) for r in session.execute(select(t).where(t.c[via].in_(values)))] if values else []
        rows.sort(key=lambda r: tuple(str(v) for v in _key_of(t, r)))
        out[name] = rows
        if name == "benefits":
            keys["benefit_id"] = {r["benefit_id"] for r in rows}
        elif name == "payments":
            keys["payment_id"] = {r["payment_id"] for r in rows}
        elif name == "benefit_debts":
            keys["debt_id"] = {r["id"] for r in rows}
    return out


def _pack(rows: dict[str, list[dict[str, Any]]]) -> bytes:
    data = {name: [{k: _encode(v) for k, v in r.items()} for r in rs] for name, rs in rows.items()}
    return zlib.compress(json.dumps(data, ensure_ascii=False, sort_keys=True).encode())


def _unpack(blob: bytes) -> dict[str, list[dict[str, Any]]]:
    data = json.loads(zlib.decompress(blob).decode())
    return {name: [{k: _decode(v) for k, v in r.items()} for r in rs] for name, rs in data.items()}


# --- choosing the survivor and its fields ---------------------------------------------------------

def _history_months(session: Session, person_id: str) -> int:
    t = raw_table("contributions")
    ty = raw_table("contribution_years")
    detail = session.scalar(select(func.count(func.distinct(t.c.period))).where(
        t.c.person_id == person_id, t.c.insurance == "pension")) or 0
    years = session.scalar(select(func.coalesce(func.sum(ty.c.months), 0)).where(
        ty.c.person_id == person_id, ty.c.insurance == "pension")) or 0
    return int(detail) + int(years)


def choose_survivor(session: Session, persons: list[Any]) -> Any:
    """The record with a valid ID number, then the longest contribution history, then the oldest."""
    def rank(p: Any) -> tuple:
        return (0 if id_is_valid(upgrade_id(p.id_number)) else 1, -_history_months(session, p.person_id),
                str(p.created_at or ""), p.person_id)

    return min(persons, key=rank)


def resolve_fields(survivor: Any, others: list[Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """For each field, the person_id whose value the golden record takes (the rule, then overrides)."""
    everyone = [survivor, *others]
    by_id = {p.person_id: p for p in everyone}
    latest = max(everyone, key=lambda p: (str(p.updated_at or ""), p.person_id))
    choice: dict[str, str] = {}
    for f in FIELDS:
        if f == "id_number":
            valid = [p for p in everyone if id_is_valid(upgrade_id(p.id_number))]
            choice[f] = (valid[0] if valid else survivor).person_id
        elif f in ("region_code", "phone"):
            choice[f] = latest.person_id if getattr(latest, f) else survivor.person_id
        else:
            pick = survivor if getattr(survivor, f) not in (None, "") else next(
                (p for p in others if getattr(p, f) not in (None, "")), survivor)
            choice[f] = pick.person_id
    for f, pid in (overrides or {}).items():
        if f not in FIELDS:
            raise MergeError(f"不能指定字段 {f}（可选：{'、'.join(FIELDS)}）")
        if pid not in by_id:
            raise MergeError(f"字段 {FIELD_TITLES[f]} 指定的记录 {pid} 不在本次合并的记录中")
        choice[f] = pid
    return choice


# --- merge ------------------------------------------------------------------------------------------

def _new_merge_id(session: Session) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    n = session.scalar(select(func.count()).select_from(Merge)) or 0
    return f"HB{stamp}{n + 1:06d}"


def merge_persons(session: Session, *, person_ids: list[str], survivor_id: str | None = None,
                  overrides: dict[str, str] | None = None, on: date | None = None,
                  review_pair_id: int | None = None, actor: str | None = None) -> Merge:
    """Merge ``person_ids`` into one golden record (the caller commits).

    Args:
        person_ids: the records to merge (two or more).
        survivor_id: the record that survives (default: by the rule of :func:`choose_survivor`).
        overrides: ``{field: person_id}``: take these fields from these records instead of the rule.
        on: the date of the pension recalculation (default today).
        review_pair_id: the review pair this merge accepts (marked ``merged``).
    """
    from shebao.registry.models import Person

    ids = list(dict.fromkeys(p.strip() for p in person_ids if p and p.strip()))
    if survivor_id and survivor_id not in ids:
        ids.insert(0, survivor_id)
    if len(ids) < 2:
        raise MergeError("合并至少需要两条人员记录")
    persons = []
    for pid in ids:
        p = session.get(Person, pid)
        if p is None:
            raise MergeError(f"人员记录不存在：{pid}")
        link = session.get(PersonLink, pid)
        if link is not None:
            raise MergeError(f"人员记录 {pid} 已并入 {link.survivor_id}（合并 {link.merge_id}），不能再次合并")
        persons.append(p)
    survivor = next(p for p in persons if p.person_id == survivor_id) if survivor_id \
        else choose_survivor(session, persons)
    others = [p for p in persons if p.person_id != survivor.person_id]
    choice = resolve_fields(survivor, others, overrides)
    actor = actor or session.info.get("actor") or "system"
    merge_id = _new_merge_id(session)
    session.flush()
    before = related_rows(session, ids)

    # 1. the golden record's fields
    by_id = {p.person_id: p for p in persons}
    changed = []
    for f in FIELDS:
        value = getattr(by_id[choice[f]], f)
        if f == "id_number":
            value = upgrade_id(value) or value
        if getattr(survivor, f) != value:
            setattr(survivor, f, value)
            changed.append(f)
    if "id_number" in changed:
        survivor.id_number_bidx = blind_index(survivor.id_number)
    if changed:
        from shebao.registry.loader import row_digest

        survivor.row_hash = row_digest({c: getattr(survivor, c) for c in (
            "person_id", "id_number", "name", "sex", "birth_date", "region_code", "phone",
            "original_retirement_age", "deemed_months")})
    session.flush()
    append(session, action="linkage.merge.fields", entity="persons", entity_id=survivor.person_id,
           detail={"merge_id": merge_id, "choices": choice, "changed": changed})

    # 2. re-attach the others' rows
    reattached: dict[str, int] = {}
    conflicts: dict[str, int] = {}
    other_ids = [p.person_id for p in others]
    for name, unique in REATTACH.items():
        if not _present(name):
            continue
        t = raw_table(name)
        if unique:
            taken = {tuple(r) for r in session.execute(
                select(*[t.c[c] for c in unique]).where(t.c.person_id == survivor.person_id))}
            pk = list(t.primary_key.columns)
            moved = kept = 0
            rows = session.execute(select(*pk, *[t.c[c] for c in unique]).where(
                t.c.person_id.in_(other_ids)).order_by(*pk)).all()
            for r in rows:
                key = tuple(r[len(pk):])
                if key in taken:
                    kept += 1
                    continue
                taken.add(key)
                cond = [c == r[i] for i, c in enumerate(pk)]
                session.execute(update(t).where(*cond).values(person_id=survivor.person_id))
                moved += 1
            reattached[name], conflicts[name] = moved, kept
        else:
            res = session.execute(update(t).where(t.c.person_id.in_(other_ids)).values(person_id=survivor.person_id))
            reattached[name] = res.rowcount or 0
        append(session, action="linkage.merge.reattach", entity=name, entity_id=survivor.person_id,
               detail={"merge_id": merge_id, "from": other_ids, "rows": reattached[name],
                       "kept_as_conflict": conflicts.get(name, 0)})
    session.expire_all()
    _refresh_hashes(session, survivor.person_id)

    # 3. the others point to the survivor
    for pid in other_ids:
        session.add(PersonLink(person_id=pid, survivor_id=survivor.person_id, merge_id=merge_id))
    if review_pair_id is not None:
        pair = session.get(ReviewPair, review_pair_id)
        if pair is not None:
            pair.status, pair.merge_id = "merged", merge_id
            pair.decided_by, pair.decided_at = actor, datetime.now(UTC)
    session.flush()

    # 4. pensions recomputed from the combined history
    recalculated = recalculate_pensions(session, survivor_id=survivor.person_id, before=before,
                                        other_ids=other_ids, on=on or date.today(), merge_id=merge_id)
    summary = {"reattached": reattached, "conflicts": {k: v for k, v in conflicts.items() if v},
               "changed_fields": changed, "recalculated": recalculated}
    merge = Merge(merge_id=merge_id, survivor_id=survivor.person_id, merged_ids=json.dumps(other_ids),
                  status="merged", choices=json.dumps(choice, sort_keys=True),
                  summary=json.dumps(summary, ensure_ascii=False, default=str), snapshot=_pack(before),
                  created_by=actor)
    session.add(merge)
    session.flush()
    append(session, action="linkage.merge", entity="persons", entity_id=survivor.person_id,
           detail={"merge_id": merge_id, "merged": other_ids, **summary})
    return merge


def _refresh_hashes(session: Session, person_id: str) -> None:
    """Benefits and payments carry a keyed digest of their content, person_id included."""
    from shebao.benefits.service import refresh_payment_hash, touch_benefit
    from shebao.registry.models import Benefit, Payment

    for b in session.scalars(select(Benefit).where(Benefit.person_id == person_id)):
        touch_benefit(b)
    for p in session.scalars(select(Payment).where(Payment.person_id == person_id)):
        refresh_payment_hash(p)
    session.flush()


def _history_of(rows: dict[str, list[dict[str, Any]]], person_ids: set[str]) -> dict[str, Any]:
    """Pension months, the months' index weights and the latest account balance of ``person_ids``."""
    periods = {r["period"] for r in rows.get("contributions", [])
               if r["person_id"] in person_ids and r["insurance"] == "pension"}
    years = [r for r in rows.get("contribution_years", [])
             if r["person_id"] in person_ids and r["insurance"] == "pension"]
    balances = sorted((r for r in rows.get("pension_accounts", []) if r["person_id"] in person_ids),
                      key=lambda r: r["as_of"])
    per_person: dict[str, Decimal] = {}
    for r in balances:
        per_person[r["person_id"]] = Decimal(r["balance"])
    return {"periods": periods, "years": years, "balance": sum(per_person.values(), Decimal("0"))}


def recalculate_pensions(session: Session, *, survivor_id: str, before: dict[str, list[dict[str, Any]]],
                         other_ids: list[str], on: date, merge_id: str) -> list[dict[str, Any]]:
    """Recompute each live pension of the survivor with the history the merged records add."""
    from shebao.benefits.assessment import add_history, assessment_data
    from shebao.benefits.models import BenefitAssessment
    from shebao.benefits.periods import period_of
    from shebao.benefits.service import add_payment, money, touch_benefit
    from shebao.policy import calc_pension
    from shebao.policy.store import parameters_for
    from shebao.registry.models import Benefit, Payment

    mine = _history_of(before, {survivor_id})
    theirs = _history_of(before, set(other_ids))
    added_periods = theirs["periods"] - mine["periods"]
    own_years = {(r["year"]) for r in mine["years"]}
    added_years = [r for r in theirs["years"] if r["year"] not in own_years]
    added_months = len(added_periods) + sum(int(r["months"]) for r in added_years)
    if added_months == 0 and theirs["balance"] == 0:
        return []
    out = []
    params = None
    for b in session.scalars(select(Benefit).where(Benefit.person_id == survivor_id, Benefit.kind == "pension",
                                                   Benefit.status == "active").order_by(Benefit.benefit_id)).all():
        a = session.get(BenefitAssessment, b.benefit_id)
        data = assessment_data(a)
        inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else None
        if a is None or not inputs or not inputs.get("contribution_months"):
            out.append({"benefit_id": b.benefit_id, "skipped": "核定时未保存计算输入，需人工重新核定"})
            continue
        params = params or parameters_for(session)
        old_months = int(inputs["contribution_months"])
        new_inputs = dict(inputs)
        new_inputs["contribution_months"] = old_months + added_months
        # the average index over all months: the merged years' indexes weighted by their months
        if inputs.get("avg_contribution_index") and added_years:
            weight = sum(int(r["months"]) for r in added_years)
            extra = sum(Decimal(str(r["avg_index"])) * int(r["months"]) for r in added_years)
            new_index = (Decimal(str(inputs["avg_contribution_index"])) * old_months + extra
                         + Decimal(str(inputs["avg_contribution_index"])) * len(added_periods)) \
                / (old_months + weight + len(added_periods))
            new_inputs["avg_contribution_index"] = str(new_index.quantize(Decimal("0.0001")))
        new_inputs["account_balance"] = str(money(Decimal(str(inputs.get("account_balance") or 0))
                                                  + theirs["balance"]))
        old = calc_pension(inputs, params)
        new = calc_pension(new_inputs, params)
        if old.get("total") is None or new.get("total") is None:
            out.append({"benefit_id": b.benefit_id, "skipped": "重新计算失败：" + "；".join(
                x.get("text", "") for x in new.get("reasons", []))})
            continue
        diff = money(Decimal(new["total"]) - Decimal(old["total"]))
        paid = list(session.scalars(select(Payment.period).where(
            Payment.benefit_id == b.benefit_id, Payment.kind == "regular",
            Payment.status.in_(("paid", "pending"))).order_by(Payment.period)))
        backpay = money(diff * len(paid))
        old_amount = money(b.monthly_amount)
        b.monthly_amount = money(old_amount + diff)
        touch_benefit(b)
        data["inputs"] = new_inputs
        data.setdefault("merges", []).append({"merge_id": merge_id, "added_months": added_months,
                                              "from": str(old["total"]), "to": str(new["total"])})
        a.assessment = json.dumps(data, ensure_ascii=False, default=str)
        add_history(a, {"on": on, "what": "merge", "merge_id": merge_id, "from": old_amount,
                        "to": b.monthly_amount, "monthly_difference": diff, "months": len(paid), "backpay": backpay})
        session.flush()
        payment_id = None
        if backpay > 0:
            payment_id = add_payment(session, b, period=period_of(on), kind="backpay", amount=backpay,
                                     detail={"cause": "merge", "merge_id": merge_id}).payment_id
        r = {"benefit_id": b.benefit_id, "added_months": added_months, "from": f"{old_amount:.2f}",
             "to": f"{b.monthly_amount:.2f}", "backpay": f"{backpay:.2f}", "payment_id": payment_id}
        append(session, action="linkage.merge.recalculate", entity="benefits", entity_id=b.benefit_id,
               detail={"merge_id": merge_id, **r})
        out.append(r)
    return out


# --- unmerge ---------------------------------------------------------------------------------------

def unmerge(session: Session, *, merge_id: str, actor: str | None = None, reason: str | None = None) -> Merge:
    """Undo a merge: every row it touched back as it was, rows it created removed (the caller commits)."""
    merge = session.get(Merge, merge_id)
    if merge is None:
        raise MergeError(f"合并记录不存在：{merge_id}")
    if merge.status != "merged":
        raise MergeError(f"合并 {merge_id} 已于 {merge.undone_at:%Y-%m-%d %H:%M} 撤销")
    ids = [merge.survivor_id, *json.loads(merge.merged_ids)]
    later = next((m for m in session.scalars(select(Merge).where(Merge.status == "merged",
                                                                 Merge.merge_id != merge_id))
                  if m.created_at >= merge.created_at
                  and set(ids) & {m.survivor_id, *json.loads(m.merged_ids)}), None)
    if later is not None:
        raise MergeError(f"记录 {merge.survivor_id} 之后又参与了合并 {later.merge_id}，请先撤销该合并")
    before = _unpack(merge.snapshot)
    session.flush()
    now = related_rows(session, ids)
    order = [name for name, _ in SNAPSHOT if name in before]
    # rows the merge created: children first
    removed: dict[str, int] = {}
    for name in reversed(order):
        t = raw_table(name)
        keep = {_key_of(t, r) for r in before[name]}
        gone = [r for r in now.get(name, []) if _key_of(t, r) not in keep]
        for r in gone:
            session.execute(delete(t).where(*[c == r[c.name] for c in t.primary_key.columns]))
        if gone:
            removed[name] = len(gone)
    # rows it changed, or that left the related set: back as they were, parents first
    restored: dict[str, int] = {}
    for name in order:
        t = raw_table(name)
        current = {_key_of(t, r): r for r in now.get(name, [])}
        n = 0
        for r in before[name]:
            key = _key_of(t, r)
            cond = [c == r[c.name] for c in t.primary_key.columns]
            if key in current:
                if current[key] != r:
                    session.execute(update(t).where(*cond).values(**r))
                    n += 1
            elif session.execute(select(*t.primary_key.columns).where(*cond)).first() is not None:
                session.execute(update(t).where(*cond).values(**r))
                n += 1
            else:
                session.execute(insert(t).values(**r))
                n += 1
        if n:
            restored[name] = n
    session.execute(delete(PersonLink).where(PersonLink.merge_id == merge_id))
    for pair in session.scalars(select(ReviewPair).where(ReviewPair.merge_id == merge_id)):
        pair.status, pair.merge_id = "pending", None
        pair.decided_by = pair.decided_at = None
    merge.status = "undone"
    merge.undone_by = actor or session.info.get("actor") or "system"
    merge.undone_at = datetime.now(UTC)
    session.flush()
    session.expire_all()
    append(session, action="linkage.unmerge", entity="persons", entity_id=merge.survivor_id,
           detail={"merge_id": merge_id, "restored": restored, "removed": removed, "reason": reason or ""})
    return merge
