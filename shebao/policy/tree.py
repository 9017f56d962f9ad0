"""The parameter tree: dated, region-scoped, referenced values loaded from YAML.

Layout (OpenFisca's, with two additions — region scoping and publication dates):

```yaml
description: 基本养老金计发基数（山东）
regions:
  "370000":
    values:
      2025-01-01:
        value: 7831
        published: 2025-12-01
        reference: {title: 山东省人力资源和社会保障厅 …, document: 鲁人社字〔2025〕100号}
metadata:
  unit: yuan/month
```

A file is a parameter when it has ``values`` or ``regions``; otherwise every key but ``description``
and ``metadata`` is a child (a parameter or a node). Directories are nodes. The dotted path of
directories, file stem and keys is the parameter's name (``pension.base``).

A region-scoped lookup walks from the most specific code to the national value: a county
``370502`` → its city ``370500`` → its province ``370000`` → national. At each level the latest
value effective on the date (and published by ``known_on`` when asked) wins; a ``value: null``
entry means "known to be missing from this date" and is reported as such, never guessed.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

PARAMETERS_DIR = Path(__file__).with_name("parameters")
NATIONAL = "000000"

# unit → value kind. Money and rates are Decimal, counts are int.
UNITS: dict[str, str] = {
    "yuan": "decimal",
    "yuan/month": "decimal",
    "yuan/year": "decimal",
    "rate": "decimal",
    "multiple": "decimal",
    "years": "decimal",
    "months": "int",
    "days": "int",
    "working_days": "int",  # counted with the holiday calendar (调休 included)
    "bool": "bool",
    "month": "month",  # a calendar month, written YYYY-MM
}
TABLE_KEYS = {"age_years", "grade", "threshold_months"}
LEAF_KEYS = {"description", "values", "regions", "metadata"}
META_KEYS = {"unit", "table", "note", "period"}
ENTRY_KEYS = {"value", "reference", "published", "confirmed", "unconfirmed_keys", "note", "source"}
# How sure we are of a value, highest first. A shipped value is ``official`` (the issuing body's text
# seen), ``secondary`` (reprints, secondary sources) or ``derived`` (computed from a sourced rule and
# a sourced input); a value the agency set or adopted decides cases as ``agency``.
SOURCE_LEVELS = ("official", "agency", "secondary", "derived")
SHIPPED_LEVELS = ("official", "secondary", "derived")
REFERENCE_KEYS = {"title", "article", "document", "href", "note"}


class ParameterError(ValueError):
    """The parameter tree (or an overlay value) is malformed."""


class ParameterMissing(LookupError):
    """No value is known for this parameter, region and date: the engine says so, never guesses."""

    def __init__(self, name: str, region: str | None, on: dt.date, note: str | None = None):
        self.name, self.region, self.on, self.note = name, region, on, note
        where = f"地区 {region}" if region and region != NATIONAL else "全国"
        text = f"参数缺失：{name}（{where}，{on.isoformat()}）"
        if note:
            text += f"：{note}"
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One value as used by a formula, with everything a trace needs."""

    name: str
    value: Any
    effective_date: dt.date
    reference: tuple[dict[str, str], ...]
    confirmed: bool
    unit: str
    region: str = NATIONAL
    published: dt.date | None = None
    note: str | None = None
    unconfirmed_keys: tuple[Any, ...] = ()
    origin: str = "yaml"  # "yaml" (shipped) or "overlay:USER" (set or adopted in the database)
    source: str = "official"  # the value's own source level (SOURCE_LEVELS); "agency" for an agency's own value
    adopted: tuple[tuple[str, str], ...] = ()  # (("by", …), ("at", …), ("note", …)) once the agency adopted it

    @property
    def decides_as(self) -> str:
        """The level this value carries when deciding a case: ``agency`` once adopted or set by the agency."""
        return "agency" if self.adopted or self.source == "agency" else self.source

    def reference_text(self) -> str:
        return "；".join(format_reference(r) for r in self.reference)

    def to_trace(self) -> dict[str, Any]:
        """JSON-ready description for a trace (a fresh dict; a table value inside is shared, read-only)."""
        hit = _TRACE_CACHE.get(id(self))
        if hit is not None and hit[0] is self:
            return dict(hit[1])
        out = self._to_trace()
        if len(_TRACE_CACHE) > 100_000:
            _TRACE_CACHE.clear()
        _TRACE_CACHE[id(self)] = (self, out)  # holds the value, so its id is not reused
        return dict(out)

    def _to_trace(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, Mapping):
            value = {str(k): _jsonable(v) for k, v in value.items()}
        else:
            value = _jsonable(value)
        out: dict[str, Any] = {
            "name": self.name,
            "value": value,
            "unit": self.unit,
            "region": self.region,
            "effective_date": self.effective_date.isoformat(),
            "reference": self.reference_text(),
            "confirmed": self.confirmed,
        }
        if self.published and self.published != self.effective_date:
            out["published"] = self.published.isoformat()
        if self.unconfirmed_keys:
            out["unconfirmed_keys"] = [str(k) for k in self.unconfirmed_keys]
        if self.note:
            out["note"] = self.note
        out["source"] = self.source
        if self.adopted:
            out["adopted"] = dict(self.adopted)
        if self.decides_as != self.source:
            out["decides_as"] = self.decides_as
        if self.origin != "yaml":
            out["origin"] = self.origin
        return out


_TRACE_CACHE: dict[int, tuple[ParamValue, dict[str, Any]]] = {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # only parameters of unit "month" hold dates
        return value.strftime("%Y-%m")
    return value


def format_reference(ref: Mapping[str, str]) -> str:
    parts = [ref["title"]]
    if ref.get("document") and ref["document"] not in ref["title"]:
        parts.append(ref["document"])
    if ref.get("article"):
        parts.append(ref["article"])
    return " ".join(parts)


@dataclass(slots=True)
class Entry:
    """One dated value of a parameter at one region level."""

    effective: dt.date
    value: Any
    reference: tuple[dict[str, str], ...]
    published: dt.date | None = None
    confirmed: bool = True
    unconfirmed_keys: tuple[Any, ...] = ()
    note: str | None = None
    origin: str = "yaml"
    source: str = "official"
    adopted: tuple[tuple[str, str], ...] = ()


def lowest_level(levels: Iterable[str]) -> str | None:
    """The least sure of several source levels (an amount computed from several values carries it)."""
    ranked = [lvl for lvl in levels if lvl in SOURCE_LEVELS]
    return max(ranked, key=SOURCE_LEVELS.index) if ranked else None


@dataclass(slots=True)
class Parameter:
    name: str
    description: str
    unit: str
    table: str | None
    note: str | None
    period: str | None = None  # "year": each value is meant for one calendar year
    # region code → entries sorted by effective date
    regions: dict[str, list[Entry]] = field(default_factory=dict)
    _ordinals: dict[str, list[int]] = field(default_factory=dict)

    def finish(self) -> None:
        self._ordinals = {}
        for region, entries in self.regions.items():
            entries.sort(key=lambda e: e.effective)
            self._ordinals[region] = [e.effective.toordinal() for e in entries]

    def entry(self, region: str, on: dt.date, known_on: dt.date | None) -> Entry | None:
        entries = self.regions.get(region)
        if not entries:
            return None
        i = bisect_right(self._ordinals[region], on.toordinal())
        while i > 0:
            e = entries[i - 1]
            if known_on is None or (e.published or e.effective) <= known_on:
                return e
            i -= 1
        return None


def region_chain(region: str | None) -> tuple[str, ...]:
    """Most specific first: county → city → province → national."""
    if not region or region == NATIONAL:
        return (NATIONAL,)
    region = str(region).strip()
    if len(region) != 6 or not region.isdigit():
        raise ParameterError(f"行政区划代码应为6位数字：{region!r}")
    chain = [region]
    city = region[:4] + "00"
    province = region[:2] + "0000"
    for code in (city, province):
        if code != chain[-1]:
            chain.append(code)
    chain.append(NATIONAL)
    return tuple(dict.fromkeys(chain))


# ---------------------------------------------------------------------------------------------
# parsing and validation


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ParameterError(f"{where}: 日期应为 YYYY-MM-DD：{value!r}")


def _as_month(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:7] + "-01")
    except ValueError as exc:
        raise ParameterError(f"{where}: 月份应为 YYYY-MM：{value!r}") from exc


def coerce_scalar(value: Any, unit: str, where: str) -> Any:
    """Check and convert one value to its unit's type (Decimal, int, bool, month date)."""
    kind = UNITS.get(unit)
    if kind is None:
        raise ParameterError(f"{where}: 未知单位 {unit!r}（可用：{', '.join(UNITS)}）")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ParameterError(f"{where}: 应为 true/false：{value!r}")
    if kind == "month":
        return _as_month(value, where)
    if isinstance(value, bool) or value is None:
        raise ParameterError(f"{where}: 应为数值：{value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except Exception as exc:  # decimal.InvalidOperation
        raise ParameterError(f"{where}: 不是数值：{value!r}") from exc
    if not number.is_finite():
        raise ParameterError(f"{where}: 不是有限数值：{value!r}")
    if number < 0:
        raise ParameterError(f"{where}: 不能为负数：{value!r}")
    if kind == "int":
        if number != number.to_integral_value():
            raise ParameterError(f"{where}: 单位 {unit} 应为整数：{value!r}")
        return int(number)
    if unit == "rate" and number > 10:
        raise ParameterError(f"{where}: 比率应写成小数（如 0.08），不是百分数：{value!r}")
    return number


def coerce_value(value: Any, unit: str, table: str | None, where: str) -> Any:
    if value is None:
        return None
    if table is None:
        if isinstance(value, Mapping | list):
            raise ParameterError(f"{where}: 应为单个数值")
        return coerce_scalar(value, unit, where)
    if not isinstance(value, Mapping) or not value:
        raise ParameterError(f"{where}: 表格参数（{table}）应为非空映射")
    out: dict[int, Any] = {}
    for key, item in value.items():
        try:
            ikey = int(key)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{where}: 表格键应为整数：{key!r}") from exc
        if ikey in out:
            raise ParameterError(f"{where}: 表格键重复：{key!r}")
        out[ikey] = coerce_scalar(item, unit, f"{where}[{key}]")
    return dict(sorted(out.items()))


def parse_reference(raw: Any, where: str) -> tuple[dict[str, str], ...]:
    """A reference is required: title plus article or document number (one or a list)."""
    if raw is None:
        raise ParameterError(f"{where}: 缺少 reference（出处）")
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise ParameterError(f"{where}: 缺少 reference（出处）")
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ParameterError(f"{where}: reference 应为 {{title, article|document}}")
        unknown = set(item) - REFERENCE_KEYS
        if unknown:
            raise ParameterError(f"{where}: reference 有未知键 {sorted(unknown)}")
        if not str(item.get("title") or "").strip():
            raise ParameterError(f"{where}: reference 缺少 title")
        if not (item.get("article") or item.get("document")):
            raise ParameterError(f"{where}: reference 需要 article（条款）或 document（文号）")
        out.append({k: str(v) for k, v in item.items() if v is not None})
    return tuple(out)


def parse_entry(effective: Any, raw: Any, unit: str, table: str | None, where: str) -> Entry:
    day = _as_date(effective, where)
    where = f"{where}@{day.isoformat()}"
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{where}: 每个日期下应为 {{value, reference, …}}")
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise ParameterError(f"{where}: 未知键 {sorted(unknown)}")
    if "value" not in raw:
        raise ParameterError(f"{where}: 缺少 value（未知的值写 value: null）")
    published = _as_date(raw["published"], where) if raw.get("published") is not None else None
    confirmed = raw.get("confirmed", True)
    if not isinstance(confirmed, bool):
        raise ParameterError(f"{where}: confirmed 应为 true/false")
    ukeys = tuple(raw.get("unconfirmed_keys") or ())
    value = coerce_value(raw["value"], unit, table, where)
    # an entry without ``source`` is a reviewed value (official) unless its source could not be verified
    source = str(raw.get("source") or ("official" if confirmed else "secondary"))
    if source not in SHIPPED_LEVELS:
        raise ParameterError(f"{where}: source 应为 {'/'.join(SHIPPED_LEVELS)}（agency 只用于本机构设定或采用的值）：{source!r}")
    if source == "official" and not confirmed:
        raise ParameterError(f"{where}: 出处未核实（confirmed: false）的值不能是 official")
    if ukeys and (table is None or any(int(k) not in (value or {}) for k in ukeys)):
        raise ParameterError(f"{where}: unconfirmed_keys 只能列出表格中已有的键")
    return Entry(
        effective=day,
        value=value,
        reference=parse_reference(raw.get("reference"), where),
        published=published,
        confirmed=confirmed,
        unconfirmed_keys=tuple(int(k) for k in ukeys),
        note=str(raw["note"]) if raw.get("note") else None,
        source=source,
    )


def _parse_values(raw: Any, unit: str, table: str | None, where: str) -> list[Entry]:
    if not isinstance(raw, Mapping) or not raw:
        raise ParameterError(f"{where}: values 应为按生效日期排列的非空映射")
    entries: list[Entry] = []
    seen: set[dt.date] = set()
    for key, item in raw.items():
        entry = parse_entry(key, item, unit, table, where)
        if entry.effective in seen:
            raise ParameterError(f"{where}: 生效日期重复 {entry.effective.isoformat()}")
        seen.add(entry.effective)
        entries.append(entry)
    return entries


def parse_parameter(name: str, raw: Mapping[str, Any], where: str) -> Parameter:
    unknown = set(raw) - LEAF_KEYS
    if unknown:
        raise ParameterError(f"{where}: 未知键 {sorted(unknown)}")
    meta = raw.get("metadata")
    if not isinstance(meta, Mapping) or "unit" not in meta:
        raise ParameterError(f"{where}: metadata.unit（单位）必填")
    unknown = set(meta) - META_KEYS
    if unknown:
        raise ParameterError(f"{where}: metadata 有未知键 {sorted(unknown)}")
    unit = str(meta["unit"])
    if unit not in UNITS:
        raise ParameterError(f"{where}: 未知单位 {unit!r}（可用：{', '.join(UNITS)}）")
    table = meta.get("table")
    if table is not None and table not in TABLE_KEYS:
        raise ParameterError(f"{where}: 未知表格键类型 {table!r}")
    param = Parameter(
        name=name,
        description=str(raw.get("description") or ""),
        unit=unit,
        table=table,
        note=str(meta["note"]) if meta.get("note") else None,
        period=str(meta["period"]) if meta.get("period") else None,
    )
    if param.period not in (None, "year"):
        raise ParameterError(f"{where}: metadata.period 只能是 year")
    if not param.description:
        raise ParameterError(f"{where}: 缺少 description")
    if "values" in raw:
        param.regions[NATIONAL] = _parse_values(raw["values"], unit, table, where)
    for region, sub in (raw.get("regions") or {}).items():
        code = str(region)
        region_chain(code)  # validates the code
        if code == NATIONAL:
            raise ParameterError(f"{where}: 全国值写在 values 下，不写在 regions 下")
        if not isinstance(sub, Mapping) or set(sub) != {"values"}:
            raise ParameterError(f"{where}.regions.{code}: 只能含 values")
        param.regions[code] = _parse_values(sub["values"], unit, table, f"{where}.regions.{code}")
    if not param.regions:
        raise ParameterError(f"{where}: 没有任何值")
    param.finish()
    return param


def _is_leaf(raw: Mapping[str, Any]) -> bool:
    return "values" in raw or "regions" in raw


def _walk_mapping(prefix: str, raw: Mapping[str, Any], where: str, out: dict[str, Parameter]) -> None:
    if _is_leaf(raw):
        if prefix in out:
            raise ParameterError(f"{where}: 参数重名 {prefix}")
        out[prefix] = parse_parameter(prefix, raw, where)
        return
    for key, child in raw.items():
        if key in ("description", "metadata"):
            continue
        if not isinstance(child, Mapping):
            raise ParameterError(f"{where}: 未知键 {key!r}（节点的子项应为参数或节点）")
        _walk_mapping(f"{prefix}.{key}" if prefix else str(key), child, f"{where}:{key}", out)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (plain YAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in out:
            mark = key_node.start_mark
            raise ParameterError(f"第 {mark.line + 1} 行：键重复 {key!r}（生效日期或键不得重复）")
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_tree(root: Path = PARAMETERS_DIR) -> dict[str, Parameter]:
    """Parse every YAML file under ``root`` into parameters keyed by dotted name."""
    out: dict[str, Parameter] = {}
    files = sorted(p for p in root.rglob("*.yaml"))
    if not files:
        raise ParameterError(f"参数目录为空：{root}")
    for path in files:
        rel = path.relative_to(root).with_suffix("")
        prefix = ".".join(rel.parts)
        with path.open(encoding="utf-8") as fh:
            try:
                raw = yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
            except ParameterError as exc:
                raise ParameterError(f"{rel}: {exc}") from None
            except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date such as 2020-13-01
                raise ParameterError(f"{rel}: YAML 解析错误（日期无效或格式错误）：{exc}") from exc
        if not isinstance(raw, Mapping):
            raise ParameterError(f"{rel}: 应为映射")
        _walk_mapping(prefix, raw, str(rel), out)
    return out


def iter_entries(param: Parameter) -> Iterable[tuple[str, Entry]]:
    for region, entries in sorted(param.regions.items()):
        for entry in entries:
            yield region, entry
