"""`ParameterSet`: the shipped tree with an optional overlay merged over it, and fast lookups."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shebao.policy.tree import (
    NATIONAL,
    Entry,
    Parameter,
    ParameterError,
    ParameterMissing,
    ParamValue,
    coerce_value,
    iter_entries,
    load_tree,
    parse_reference,
    region_chain,
)


@dataclass(frozen=True, slots=True)
class Override:
    """One change made without code (``shebao params set``), as kept in the overlay table."""

    name: str
    region: str
    effective: dt.date
    value: Any
    reference: Any
    unit: str | None = None
    published: dt.date | None = None
    confirmed: bool = True
    note: str | None = None
    created_by: str | None = None
    kind: str = "set"  # "set": the agency's own value; "adopt": the agency adopts the shipped value as it is
    created_at: dt.datetime | None = None


@lru_cache(maxsize=1)
def _shipped_tree() -> dict[str, Parameter]:
    return load_tree()


class ParameterSet:
    """Parameters by dotted name, resolved by date and region.

    Examples:
        >>> ps = load_parameters()
        >>> ps.get("pension.base", on=dt.date(2024, 7, 1), region="370000").value
        Decimal('7678')
    """

    def __init__(self, params: dict[str, Parameter]):
        self._params = params
        self._cache: dict[tuple, ParamValue | ParameterMissing] = {}
        # results derived only from this set's parameters (e.g. a birth cohort's retirement age)
        self.memo: dict[tuple, Any] = {}

    # -- lookups -------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._params)

    def __contains__(self, name: str) -> bool:
        return name in self._params

    def parameter(self, name: str) -> Parameter:
        try:
            return self._params[name]
        except KeyError:
            raise ParameterError(f"没有这个参数：{name}") from None

    def get(
        self,
        name: str,
        on: dt.date,
        region: str | None = None,
        known_on: dt.date | None = None,
        same_period: bool = False,
    ) -> ParamValue:
        """The value in force on ``on`` for ``region`` (as published by ``known_on``, if given).

        With ``same_period``, a yearly parameter (``metadata.period: year``) must have a value for
        ``on``'s own year: an earlier year's value is not silently reused.

        Raises:
            ParameterMissing: no value is known (or the known value is ``null``).
        """
        key = (name, on, region, known_on, same_period)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve(name, on, region, known_on)
            if (
                same_period
                and isinstance(hit, ParamValue)
                and self._params[name].period == "year"
                and hit.effective_date.year != on.year
            ):
                hit = ParameterMissing(name, region, on, f"没有 {on.year} 年度的值（最新为 {hit.effective_date.year} 年）")
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = hit
        if isinstance(hit, ParameterMissing):
            # Raise a fresh copy: re-raising the cached instance would chain each caller's
            # traceback (and the frames' arrays) onto the cache, pinning them in memory.
            raise ParameterMissing(hit.name, hit.region, hit.on, hit.note)
        return hit

    def get_or_none(self, name: str, on: dt.date, region: str | None = None, known_on: dt.date | None = None):
        try:
            return self.get(name, on, region, known_on)
        except ParameterMissing:
            return None

    def _resolve(self, name: str, on: dt.date, region: str | None, known_on: dt.date | None):
        param = self.parameter(name)
        for code in region_chain(region):
            entry = param.entry(code, on, known_on)
            if entry is None:
                continue
            if entry.value is None:
                return ParameterMissing(name, code, on, entry.note or param.note)
            return ParamValue(
                name=name,
                value=entry.value,
                effective_date=entry.effective,
                reference=entry.reference,
                confirmed=entry.confirmed,
                unit=param.unit,
                region=code,
                published=entry.published,
                note=entry.note,
                unconfirmed_keys=entry.unconfirmed_keys,
                origin=entry.origin,
                source=entry.source,
                adopted=entry.adopted,
            )
        return ParameterMissing(name, region, on, param.note)

    def history(self, name: str) -> list[dict[str, Any]]:
        """Every dated value of a parameter, all regions, oldest first, JSON-ready."""
        param = self.parameter(name)
        rows = []
        for region, e in iter_entries(param):
            pv = ParamValue(
                name=name,
                value=e.value,
                effective_date=e.effective,
                reference=e.reference,
                confirmed=e.confirmed,
                unit=param.unit,
                region=region,
                published=e.published,
                note=e.note,
                unconfirmed_keys=e.unconfirmed_keys,
                origin=e.origin,
                source=e.source,
                adopted=e.adopted,
            )
            row = pv.to_trace()
            if e.value is None:
                row["value"] = None
            rows.append(row)
        rows.sort(key=lambda r: (r["effective_date"], r["region"]))
        return rows

    def describe(self, name: str) -> dict[str, Any]:
        p = self.parameter(name)
        return {
            "name": name,
            "description": p.description,
            "unit": p.unit,
            "table": p.table,
            "note": p.note,
            "regions": sorted(p.regions),
        }

    # -- overlay -------------------------------------------------------------------------------
    def with_overrides(self, overrides: Iterable[Override]) -> ParameterSet:
        """A new set with the overrides merged over this one (same date and region: replaced)."""
        params = {n: p for n, p in self._params.items()}
        touched: dict[str, Parameter] = {}
        for ov in overrides:
            try:
                entry = validate_override(self, ov)
            except ParameterError:
                if ov.kind == "adopt":  # the shipped value changed since: that adoption no longer applies
                    continue
                raise
            param = touched.get(ov.name)
            if param is None:
                param = copy.copy(params[ov.name])
                param.regions = {r: list(es) for r, es in param.regions.items()}
                touched[ov.name] = param
            entries = [e for e in param.regions.get(ov.region, []) if e.effective != entry.effective]
            entries.append(entry)
            param.regions[ov.region] = entries
        for name, param in touched.items():
            param.finish()
            params[name] = param
        return ParameterSet(params)


def shipped_entry(name: str, region: str, effective: dt.date) -> Entry | None:
    """The shipped (YAML) entry of a parameter at exactly this region and effective date."""
    param = _shipped_tree().get(name)
    if param is None:
        return None
    return next((e for e in param.regions.get(region, []) if e.effective == effective), None)


def validate_adoption(ps: ParameterSet, ov: Override) -> Entry:
    """The shipped entry an adoption names, marked as adopted (who, when, why).

    Adoption is of one value at one date: if the shipped value has since changed (a corrected
    release), the adoption no longer applies and the new value must be adopted again.
    """
    ps.parameter(ov.name)
    where = f"{ov.name}@{ov.region}@{ov.effective.isoformat()}"
    entry = shipped_entry(ov.name, ov.region, ov.effective)
    if entry is None:
        raise ParameterError(f"{where}: 随附参数中没有该地区、该生效日期的值（可用 shebao params history {ov.name} 查看）")
    if entry.value is None:
        raise ParameterError(f"{where}: 随附值为 null（未收录），没有可采用的值；请用 shebao params set 设定本机构的值")
    param = ps.parameter(ov.name)
    if ov.value is not None and coerce_value(ov.value, param.unit, param.table, where) != entry.value:
        raise ParameterError(f"{where}: 采用时的值与现随附值不同（随附值已更新），请重新采用")
    adopted = (("by", ov.created_by or "system"),
               ("at", ov.created_at.isoformat(timespec="seconds") if ov.created_at else ""),
               ("note", ov.note or ""))
    return dataclasses.replace(entry, adopted=adopted, origin=f"overlay:{ov.created_by}" if ov.created_by else "overlay")


def validate_override(ps: ParameterSet, ov: Override) -> Entry:
    """Check an override against the shipped parameter: known name, same unit, typed value, reference."""
    if ov.kind == "adopt":
        return validate_adoption(ps, ov)
    param = ps.parameter(ov.name)
    where = f"{ov.name}@{ov.region}"
    if ov.unit is not None and ov.unit != param.unit:
        raise ParameterError(f"{where}: 单位不符：参数 {ov.name} 的单位是 {param.unit}，不是 {ov.unit}")
    region_chain(ov.region)
    if not isinstance(ov.effective, dt.date):
        raise ParameterError(f"{where}: 生效日期无效")
    value = ov.value
    if param.table is not None and isinstance(value, str):
        raise ParameterError(f"{where}: 表格参数的值应为 JSON 映射")
    value = coerce_value(value, param.unit, param.table, where)
    ref = ov.reference
    if isinstance(ref, str):
        if not ref.strip():
            raise ParameterError(f"{where}: 缺少出处（--reference）")
        ref = {"title": ref.strip(), "document": ref.strip()}
    return Entry(
        effective=ov.effective,
        value=value,
        reference=parse_reference(ref, where),
        published=ov.published,
        confirmed=ov.confirmed,
        note=ov.note,
        origin=f"overlay:{ov.created_by}" if ov.created_by else "overlay",
        source="agency",
    )


_DEFAULT: ParameterSet | None = None


def load_parameters(overlay: Iterable[Override] | None = None) -> ParameterSet:
    """The shipped YAML tree, with ``overlay`` (from the store) merged over it when given."""
    global _DEFAULT
    if overlay is None:
        if _DEFAULT is None:
            _DEFAULT = ParameterSet(_shipped_tree())
        return _DEFAULT
    return ParameterSet(_shipped_tree()).with_overrides(overlay)


def default_parameters() -> ParameterSet:
    return load_parameters()


def table_lookup(pv: ParamValue, key: int) -> tuple[Any, bool]:
    """A table parameter's entry and whether that entry is confirmed."""
    table: Mapping[int, Any] = pv.value
    if key not in table:
        raise KeyError(key)
    return table[key], pv.confirmed and key not in pv.unconfirmed_keys


__all__ = [
    "NATIONAL",
    "Override",
    "ParameterSet",
    "load_parameters",
    "default_parameters",
    "table_lookup",
]
