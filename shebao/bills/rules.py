"""The bill rules as data (``rules.yaml``): read, checked and rendered for one engine's dialect.

The same shape as the screening catalogue (:mod:`shebao.risk.catalogue`), whose template renderer
it uses: parameters are Jinja variables, the dialect differences are macros, one rule text runs on
DuckDB and on Spark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shebao.risk.catalogue import CatalogueError, _tidy

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
class BillRules:
    """The whole rule catalogue: shared parameters, shared views and the rules in file order."""

    version: str
    parameters: dict[str, Any]
    views: dict[str, str]
    rules: tuple[BillRule, ...]

    def rule(self, rule_id: str) -> BillRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def select(self, rule_ids: list[str] | None) -> tuple[BillRule, ...]:
        """The rules named (all when empty), refusing unknown ids."""
        if not rule_ids:
            return self.rules
        unknown = [r for r in rule_ids if r not in {x.id for x in self.rules}]
        if unknown:
            raise CatalogueError(f"审核规则目录中没有规则：{', '.join(unknown)}")
        return tuple(r for r in self.rules if r.id in rule_ids)


def load_rules(path: str | Path | None = None) -> BillRules:
    """Read and check a bill rule catalogue (default: the shipped ``rules.yaml``).

    Examples:
        >>> [r.id for r in load_rules().rules][:3]
        ['M01', 'M02', 'M03']
    """
    file = Path(path) if path else DEFAULT_RULES
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{file}：YAML 格式错误：{exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise CatalogueError(f"{file}：缺少 rules 列表")
    rules: list[BillRule] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["rules"], start=1):
        where = f"{file} 第 {i} 条规则"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{where}：应为映射")
        for name in ("id", "level", "title", "reference", "amount", "reason", "sql"):
            if not raw.get(name):
                raise CatalogueError(f"{where}：缺少字段 {name}")
        if raw["id"] in seen:
            raise CatalogueError(f"{where}：规则编号 {raw['id']} 重复")
        seen.add(raw["id"])
        if raw["level"] not in LEVELS:
            raise CatalogueError(f"{where}（{raw['id']}）：level 应为 A 或 B")
        rules.append(BillRule(
            id=str(raw["id"]), level=str(raw["level"]), title=str(raw["title"]),
            description=_tidy(str(raw.get("description", ""))), reference=str(raw["reference"]),
            amount=str(raw["amount"]), reason=_tidy(str(raw["reason"])), sql=str(raw["sql"]),
            parameters=dict(raw.get("parameters") or {}),
        ))
    return BillRules(version=str(doc.get("version", "")), parameters=dict(doc.get("parameters") or {}),
                     views=dict(doc.get("views") or {}), rules=tuple(rules))
