"""The parameter store: the overlay of changes in the database, merged over the shipped YAML tree.

This is the only part of the policy engine that touches storage. It never commits: the caller
(a CLI command's unit of work, an API request) owns the transaction, and the audit entry of a
change joins it.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.policy.models import ParameterOverride
from shebao.policy.paramset import Override, ParameterSet, load_parameters, validate_override
from shebao.policy.tree import NATIONAL, ParameterError, ParameterMissing, region_chain


def _encode(value: Any) -> str:
    def enc(v: Any) -> Any:
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, dt.date):
            return v.strftime("%Y-%m")
        if isinstance(v, dict):
            return {str(k): enc(x) for k, x in v.items()}
        return v

    return json.dumps(enc(value), ensure_ascii=False)


def _row_to_override(row: ParameterOverride) -> Override:
    return Override(
        name=row.name,
        region=row.region,
        effective=row.effective_from,
        value=json.loads(row.value),
        reference=json.loads(row.reference),
        unit=row.unit,
        published=row.published,
        confirmed=row.confirmed,
        note=row.note,
        created_by=row.created_by,
        kind=row.kind or "set",
        created_at=row.created_at,
    )


def list_overrides(session: Session) -> list[Override]:
    """Every overlay row, oldest first (a later row for the same date and region supersedes)."""
    rows = session.scalars(select(ParameterOverride).order_by(ParameterOverride.id)).all()
    return [_row_to_override(r) for r in rows]


def overlay_log(session: Session, name: str | None = None) -> list[dict[str, Any]]:
    """The overlay rows as a change log (who set what, when), JSON-ready."""
    stmt = select(ParameterOverride).order_by(ParameterOverride.id)
    if name:
        stmt = stmt.where(ParameterOverride.name == name)
    return [
        {
            "id": r.id,
            "name": r.name,
            "region": r.region,
            "effective_from": r.effective_from.isoformat(),
            "value": json.loads(r.value),
            "unit": r.unit,
            "reference": json.loads(r.reference),
            "confirmed": r.confirmed,
            "kind": r.kind or "set",
            "note": r.note,
            "created_by": r.created_by,
            "created_at": r.created_at.isoformat() if r.created_at else None,
        }
        for r in session.scalars(stmt)
    ]


_IN_FORCE: dict[str, ParameterSet] = {}


def parameters_for(session: Session) -> ParameterSet:
    """The parameter set in force: the shipped tree with the database overlay merged over it.

    Overlay rows are only ever added, so (database, row count, last id, last time) identifies the
    overlay; the merged set — with its lookup caches — is rebuilt only when that changes.
    """
    from sqlalchemy import func

    marker = session.execute(
        select(func.count(), func.max(ParameterOverride.id), func.max(ParameterOverride.created_at))
    ).one()
    key = f"{session.get_bind().url}|{marker[0]}|{marker[1]}|{marker[2]}"
    hit = _IN_FORCE.get(key)
    if hit is None:
        overrides = list_overrides(session)
        hit = load_parameters(overrides) if overrides else load_parameters()
        if len(_IN_FORCE) > 16:
            _IN_FORCE.clear()
        _IN_FORCE[key] = hit
    return hit


def parse_cli_value(text: str, table: str | None) -> Any:
    """A value as typed on the command line: JSON for tables, ``null`` for "known to be missing"."""
    text = text.strip()
    if text == "null":
        return None
    if table is not None or text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"表格参数的值应为 JSON 映射：{exc.msg}") from None
    return text


def set_parameter(
    session: Session,
    *,
    name: str,
    region: str | None,
    effective_from: dt.date,
    value: Any,
    reference: Any,
    by: str | None = None,
    unit: str | None = None,
    published: dt.date | None = None,
    confirmed: bool = True,
    note: str | None = None,
) -> dict[str, Any]:
    """Validate a change, write the overlay row and its audit entry (``param.set``) in the caller's transaction.

    Raises:
        ParameterError: unknown name, wrong unit or type, bad region, missing reference.
    """
    from shebao import audit

    region = region or NATIONAL
    region_chain(region)
    current = parameters_for(session)
    param = current.parameter(name)
    if isinstance(value, str):
        value = parse_cli_value(value, param.table)
    actor = by or session.info.get("actor") or "system"
    override = Override(
        name=name,
        region=region,
        effective=effective_from,
        value=value,
        reference=reference,
        unit=unit or param.unit,
        published=published,
        confirmed=confirmed,
        note=note,
        created_by=actor,
    )
    entry = validate_override(current, override)  # raises ParameterError with a clear message
    try:
        old = current.get(name, effective_from, region)
        old_value = old.to_trace()["value"]
        old_from = f"{old.region}@{old.effective_date.isoformat()}"
    except ParameterMissing:
        old_value, old_from = None, None
    row = ParameterOverride(
        name=name,
        region=region,
        effective_from=effective_from,
        value=_encode(entry.value),
        unit=param.unit,
        reference=json.dumps(entry.reference[0] if len(entry.reference) == 1 else list(entry.reference),
                             ensure_ascii=False),
        published=published,
        confirmed=confirmed,
        note=note,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    detail = {
        "region": region,
        "effective_from": effective_from.isoformat(),
        "value": json.loads(row.value),
        "unit": param.unit,
        "previous_value": old_value,
        "previous_from": old_from,
        "reference": json.loads(row.reference),
        "by": actor,
        "overlay_id": row.id,
    }
    audit.append(session, action="param.set", entity="parameter", entity_id=name, detail=detail)
    return {"name": name, **detail}


def overlay_available():
    """A read session on the configured database when it has the overlay table, else None.

    Citizens' calculators run without any database; then the shipped tree is the parameter set.
    """
    from pathlib import Path

    from sqlalchemy import inspect

    from shebao.core.db import get_engine, session_scope
    from shebao.core.settings import get_settings

    settings = get_settings()
    if settings.is_sqlite:
        path = str(settings.database_url).removeprefix("sqlite:///")
        if path and path != ":memory:" and not Path(path).exists():
            return None
    try:
        if not inspect(get_engine()).has_table(ParameterOverride.__tablename__):
            return None
    except Exception:  # an unreachable database: calculators still work on the shipped tree
        return None
    return session_scope()


def adopt_parameter(
    session: Session,
    *,
    name: str,
    effective_from: dt.date,
    region: str | None = None,
    note: str,
    by: str | None = None,
) -> dict[str, Any]:
    """The agency adopts one shipped value (one parameter, region and effective date) as its own.

    The value, reference and shipped ``source`` level are kept as shipped; from now on the value
    decides cases as ``agency``. Adoption is per value and date: next year's value is not trusted
    because this year's was. Writes the overlay row and its audit entry (``param.adopt``) in the
    caller's transaction.

    Raises:
        ParameterError: unknown name, no shipped value at that region and date, no note.
    """
    from shebao import audit
    from shebao.policy.paramset import shipped_entry

    region = region or NATIONAL
    region_chain(region)
    if not (note or "").strip():
        raise ParameterError("采用随附值需要说明（--note）：依据什么、由谁决定")
    current = parameters_for(session)
    param = current.parameter(name)
    entry = shipped_entry(name, region, effective_from)
    if entry is None:
        dates = sorted({e.effective.isoformat() for e in param.regions.get(region, [])})
        raise ParameterError(
            f"{name}：随附参数在地区 {region} 没有 {effective_from.isoformat()} 生效的值"
            + (f"（该地区的生效日期：{'、'.join(dates)}）" if dates else "（该地区没有随附值）"))
    actor = by or session.info.get("actor") or "system"
    override = Override(name=name, region=region, effective=effective_from, value=None, reference=None,
                        unit=param.unit, confirmed=entry.confirmed, note=note.strip(), created_by=actor, kind="adopt")
    adopted = validate_override(current, override)  # raises for a null (not shipped) value
    row = ParameterOverride(
        name=name, region=region, effective_from=effective_from, value=_encode(adopted.value), unit=param.unit,
        reference=json.dumps(adopted.reference[0] if len(adopted.reference) == 1 else list(adopted.reference),
                             ensure_ascii=False),
        published=adopted.published, confirmed=adopted.confirmed, note=note.strip(), created_by=actor, kind="adopt",
    )
    session.add(row)
    session.flush()
    detail = {
        "region": region,
        "effective_from": effective_from.isoformat(),
        "value": json.loads(row.value),
        "unit": param.unit,
        "source": adopted.source,
        "confirmed": adopted.confirmed,
        "reference": json.loads(row.reference),
        "note": row.note,
        "by": actor,
        "overlay_id": row.id,
    }
    audit.append(session, action="param.adopt", entity="parameter", entity_id=name, detail=detail)
    return {"name": name, "decides_as": "agency", **detail}


def adoptable_values(region: str, on: dt.date) -> list[dict[str, Any]]:
    """The shipped values an agency of ``region`` would adopt: every dated value in force by ``on``
    at the region's own levels (its counties, itself, its province, national) that is not ``official``
    and not null, oldest first. Official values need no adoption."""
    from shebao.policy.paramset import _shipped_tree

    chain = region_chain(region)
    prefix = region[:4] if region.endswith("00") and not region.endswith("0000") else None
    out = []
    for name, param in sorted(_shipped_tree().items()):
        for code, entries in sorted(param.regions.items()):
            if code not in chain and not (prefix and code.startswith(prefix)):
                continue
            for e in entries:
                if e.value is None or e.source == "official" or e.effective > on:
                    continue
                out.append({"name": name, "region": code, "effective_from": e.effective, "source": e.source,
                            "confirmed": e.confirmed, "reference": "；".join(
                                " ".join(x for x in (r.get("title"), r.get("document"), r.get("article")) if x)
                                for r in e.reference)})
    out.sort(key=lambda r: (r["name"], r["effective_from"], r["region"]))
    return out


def adopt_region_values(session: Session, *, region: str, on: dt.date, note: str, by: str | None = None) -> list[dict]:
    """Adopt every :func:`adoptable_values` entry not yet adopted (one audited overlay row each)."""
    done = {(r.name, r.region, r.effective_from) for r in session.scalars(
        select(ParameterOverride).where(ParameterOverride.kind == "adopt"))}
    adopted = []
    for v in adoptable_values(region, on):
        if (v["name"], v["region"], v["effective_from"]) in done:
            continue
        adopt_parameter(session, name=v["name"], effective_from=v["effective_from"], region=v["region"],
                        note=note, by=by)
        adopted.append(v)
    return adopted
