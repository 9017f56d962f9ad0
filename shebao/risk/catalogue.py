"""The screening catalogue: rules as data (YAML), rendered to SQL for one engine's dialect.

The catalogue (``catalogue.yaml`` beside this file, or any file an analyst passes) holds each
rule's id, level, description, legal reference, parameters and its condition as SQL over the
exchange tables. The SQL is a Jinja template: parameters are variables and the few dialect
differences between DuckDB and Spark are macros (``month_of``, ``days_between``, ``list_agg``),
so that one rule text runs on both engines.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from shebao.engines.sql import TemplateError, render_sql

if TYPE_CHECKING:
    from shebao.engines.base import Dialect

DEFAULT_CATALOGUE = Path(__file__).with_name("catalogue.yaml")
LEVELS = ("red", "yellow", "blue")
LEVEL_LABELS = {"red": "红色（拦截）", "yellow": "黄色（预警）", "blue": "蓝色（记录）"}
# Columns every rule query must return.
REQUIRED_COLUMNS = ("person_id", "benefit_id", "amount_at_risk")


class CatalogueError(ValueError):
    """The catalogue file is malformed (names the rule and the field)."""


@dataclass(frozen=True)
class Rule:
    """One screening rule as the catalogue declares it."""

    id: str
    level: str
    title: str
    description: str
    reference: str
    sql: str
    evidence: str
    parameters: dict[str, Any] = field(default_factory=dict)
    key: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """The whole catalogue: shared parameters, shared views and the rules, in file order."""

    version: str
    parameters: dict[str, Any]
    views: dict[str, str]
    rules: tuple[Rule, ...]
    path: Path | None = None

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def select(self, rule_ids: list[str] | None) -> tuple[Rule, ...]:
        """The rules named (all when ``rule_ids`` is empty), refusing unknown ids."""
        if not rule_ids:
            return self.rules
        known = {r.id for r in self.rules}
        unknown = [r for r in rule_ids if r not in known]
        if unknown:
            raise CatalogueError(f"目录中没有规则：{', '.join(unknown)}")
        return tuple(r for r in self.rules if r.id in rule_ids)


_CJK_PUNCT = "，；。：、（）"


def _tidy(text: str) -> str:
    """One line; no spaces that YAML line folding leaves next to Chinese punctuation."""
    text = " ".join(text.split())
    return re.sub(rf"\s*([{_CJK_PUNCT}])\s*", r"\1", text)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and check a catalogue file (default: the shipped ``catalogue.yaml``).

    Examples:
        >>> cat = load_catalogue()
        >>> [r.id for r in cat.rules][:3]
        ['R01', 'R02', 'R03']
    """
    file = Path(path) if path else DEFAULT_CATALOGUE
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{file}：YAML 格式错误：{exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise CatalogueError(f"{file}：缺少 rules 列表")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["rules"], start=1):
        where = f"{file} 第 {i} 条规则"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{where}：应为映射")
        for name in ("id", "level", "title", "sql", "evidence"):
            if not raw.get(name):
                raise CatalogueError(f"{where}：缺少字段 {name}")
        if raw["id"] in seen:
            raise CatalogueError(f"{where}：规则编号 {raw['id']} 重复")
        seen.add(raw["id"])
        if raw["level"] not in LEVELS:
            raise CatalogueError(f"{where}（{raw['id']}）：level 应为 red|yellow|blue")
        rules.append(
            Rule(
                id=str(raw["id"]),
                level=raw["level"],
                title=str(raw["title"]),
                description=str(raw.get("description", "")).strip(),
                reference=str(raw.get("reference", "")),
                sql=str(raw["sql"]),
                evidence=_tidy(str(raw["evidence"])),
                parameters=dict(raw.get("parameters") or {}),
                key=tuple(raw.get("key") or ()),
            )
        )
    return Catalogue(
        version=str(doc.get("version", "")),
        parameters=dict(doc.get("parameters") or {}),
        views=dict(doc.get("views") or {}),
        rules=tuple(rules),
        path=file,
    )


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def runtime_parameters(as_of: date, lookback_months: int) -> dict[str, str]:
    """Dates the program supplies to every template: the as-of date and the lookback window.

    The lookback is the ``lookback_months`` months ending with the as-of month, inclusive.

    Examples:
        >>> runtime_parameters(date(2026, 3, 15), 12)["lookback_start_period"]
        '2025-04'
    """
    y, m = _add_months(as_of.year, as_of.month, -(lookback_months - 1))
    return {
        "as_of": as_of.isoformat(),
        "as_of_period": f"{as_of.year:04d}-{as_of.month:02d}",
        "as_of_month_end": date(as_of.year, as_of.month, calendar.monthrange(as_of.year, as_of.month)[1]).isoformat(),
        "lookback_start_period": f"{y:04d}-{m:02d}",
        "lookback_start_date": date(y, m, 1).isoformat(),
    }


def render(template: str, dialect: Dialect, params: dict[str, Any]) -> str:
    """Render one SQL template for ``dialect`` with ``params`` (strict: unknown names fail)."""
    try:
        return render_sql(template, dialect, params)
    except TemplateError as exc:
        raise CatalogueError(str(exc)) from exc


def rule_parameters(catalogue: Catalogue, rule: Rule, runtime: dict[str, Any]) -> dict[str, Any]:
    """The parameters one rule sees: shared, then the rule's own, then the run's dates."""
    return {**catalogue.parameters, **rule.parameters, **runtime}
