"""The screening catalogue: rules as data (YAML), rendered to SQL for one engine's dialect.

The catalogue (``catalogue.yaml`` beside this file, or any file an analyst passes) holds each
rule's id, level, description, legal reference, parameters and its condition as SQL over the
exchange tables. The SQL is a Jinja template: parameters are variables and the few dialect
differences between DuckDB and Spark are macros (``month_of``, ``days_between``, ``list_agg``),
so that one rule text runs on both engines. The file is read and checked by
:mod:`shebao.engines.catalogue`, like the bill rules; this module adds the screening rules' fields.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from shebao.engines.catalogue import CatalogueError, RuleSet, read_catalogue, render, tidy

# CatalogueError and render are the engines' (shared with the bill rules), named here for the
# screening code and its callers.
__all__ = ["DEFAULT_CATALOGUE", "LEVELS", "LEVEL_LABELS", "REQUIRED_COLUMNS", "Catalogue", "CatalogueError", "Rule",
           "load_catalogue", "render", "rule_parameters", "runtime_parameters"]

DEFAULT_CATALOGUE = Path(__file__).with_name("catalogue.yaml")
LEVELS = ("red", "yellow", "blue")
LEVEL_LABELS = {"red": "红色（拦截）", "yellow": "黄色（预警）", "blue": "蓝色（记录）"}
# Columns every rule query must return.
REQUIRED_COLUMNS = ("person_id", "benefit_id", "amount_at_risk")


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
class Catalogue(RuleSet[Rule]):
    """The whole catalogue: shared parameters, shared views and the rules, in file order."""

    version: str
    parameters: dict[str, Any]
    views: dict[str, str]
    rules: tuple[Rule, ...]
    path: Path | None = None


def _rule(raw: dict[str, Any]) -> Rule:
    return Rule(
        id=str(raw["id"]),
        level=raw["level"],
        title=str(raw["title"]),
        description=str(raw.get("description", "")).strip(),
        reference=str(raw.get("reference", "")),
        sql=str(raw["sql"]),
        evidence=tidy(str(raw["evidence"])),
        parameters=dict(raw.get("parameters") or {}),
        key=tuple(raw.get("key") or ()),
    )


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and check a catalogue file (default: the shipped ``catalogue.yaml``).

    Examples:
        >>> cat = load_catalogue()
        >>> [r.id for r in cat.rules][:3]
        ['R01', 'R02', 'R03']
    """
    doc = read_catalogue(path, default=DEFAULT_CATALOGUE, required=("id", "level", "title", "sql", "evidence"),
                         levels=LEVELS, levels_text="red|yellow|blue", build=_rule)
    return Catalogue(version=doc.version, parameters=doc.parameters, views=doc.views, rules=doc.rules,
                     path=doc.path)


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


def rule_parameters(catalogue: Catalogue, rule: Rule, runtime: dict[str, Any]) -> dict[str, Any]:
    """The parameters one rule sees: shared, then the rule's own, then the run's dates."""
    return {**catalogue.parameters, **rule.parameters, **runtime}
