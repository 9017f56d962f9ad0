"""The bill rules as data (``rules.yaml``): read, checked and rendered for one engine's dialect.

The same shape as the screening catalogue (:mod:`shebao.risk.catalogue`): both are read and checked
by :mod:`shebao.engines.catalogue`, whose template renderer they use: parameters are Jinja
variables, the dialect differences are macros, one rule text runs on DuckDB and on Spark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shebao.engines.catalogue import RuleSet, read_catalogue, tidy

DEFAULT_RULES = Path(__file__).with_name("rules.yaml")
LEVELS = ("A", "B")
LEVEL_LABELS = {"A": "A 级（明确违规，核减）", "B": "B 级（异常提示，人工查看，不核减）"}
# Columns every rule query must return.
REQUIRED_COLUMNS = ("bill_id", "line_no", "amount_raw", "line_amount")


@dataclass(frozen=True)
class BillRule:
    """One bill rule as the catalogue declares it."""

    id: str
    level: str
    title: str
    description: str
    reference: str
    amount: str
    reason: str
    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BillRules(RuleSet[BillRule]):
    """The whole rule catalogue: shared parameters, shared views and the rules in file order."""

    version: str
    parameters: dict[str, Any]
    views: dict[str, str]
    rules: tuple[BillRule, ...]

    unknown_rules_text = "审核规则目录中没有规则"


def _rule(raw: dict[str, Any]) -> BillRule:
    return BillRule(
        id=str(raw["id"]), level=str(raw["level"]), title=str(raw["title"]),
        description=tidy(str(raw.get("description", ""))), reference=str(raw["reference"]),
        amount=str(raw["amount"]), reason=tidy(str(raw["reason"])), sql=str(raw["sql"]),
        parameters=dict(raw.get("parameters") or {}),
    )


def load_rules(path: str | Path | None = None) -> BillRules:
    """Read and check a bill rule catalogue (default: the shipped ``rules.yaml``).

    Examples:
        >>> [r.id for r in load_rules().rules][:3]
        ['M01', 'M02', 'M03']
    """
    doc = read_catalogue(path, default=DEFAULT_RULES,
                         required=("id", "level", "title", "reference", "amount", "reason", "sql"),
                         levels=LEVELS, levels_text="A 或 B", build=_rule)
    return BillRules(version=doc.version, parameters=doc.parameters, views=doc.views, rules=doc.rules)
