"""Rule catalogues as data: the YAML file a batch domain keeps its SQL rules in, read and checked once.

A catalogue file (the screening catalogue, the bill rules, ...) holds a ``version``, shared
``parameters``, shared ``views`` (SQL templates) and a list of ``rules``, each with at least an
``id``, a ``level`` and an ``sql`` template (:mod:`shebao.engines.sql`). This module reads that
common frame and checks it (a malformed file is a :class:`CatalogueError` naming the rule and the
field); each domain says which fields its rules must have, which levels they may take, and builds
its own rule objects.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import yaml

from shebao.engines.sql import TemplateError, render_sql

if TYPE_CHECKING:
    from shebao.engines.base import Dialect, Engine


class CatalogueError(ValueError):
    """The catalogue file is malformed (names the rule and the field)."""


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_HasId)
T = TypeVar("T")


class RuleSet(Generic[R]):
    """What a catalogue's rules answer to: one rule by id, or the rules a run names.

    A domain's catalogue class (a dataclass with a ``rules`` tuple in file order) inherits this and
    may name itself in the refusal (``unknown_rules_text``).
    """

    rules: tuple[R, ...]
    unknown_rules_text = "目录中没有规则"

    def rule(self, rule_id: str) -> R:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def select(self, rule_ids: list[str] | None) -> tuple[R, ...]:
        """The rules named (all when ``rule_ids`` is empty), refusing unknown ids."""
        if not rule_ids:
            return self.rules
        known = {r.id for r in self.rules}
        unknown = [r for r in rule_ids if r not in known]
        if unknown:
            raise CatalogueError(f"{self.unknown_rules_text}：{', '.join(unknown)}")
        return tuple(r for r in self.rules if r.id in rule_ids)


@dataclass(frozen=True)
class CatalogueFile(Generic[R]):
    """A catalogue file as read: its shared parts and the domain's rule objects, in file order."""

    path: Path
    version: str
    parameters: dict[str, Any]
    views: dict[str, str]
    rules: tuple[R, ...]


_CJK_PUNCT = "，；。：、（）"


def tidy(text: str) -> str:
    """One line; no spaces that YAML line folding leaves next to Chinese punctuation.

    Examples:
        >>> tidy("连续 3 个月 ，\\n 未认证 。")
        '连续 3 个月，未认证。'
    """
    text = " ".join(text.split())
    return re.sub(rf"\s*([{_CJK_PUNCT}])\s*", r"\1", text)


def read_catalogue(
    path: str | Path | None, *, default: Path, required: Iterable[str], levels: tuple[str, ...],
    levels_text: str, build: Callable[[dict[str, Any]], R],
) -> CatalogueFile[R]:
    """Read and check a catalogue file (``default`` when ``path`` is empty).

    Every rule must be a mapping with the ``required`` fields, an id not used before and a level
    among ``levels`` (``levels_text`` says which, in the refusal); ``build`` makes the domain's rule
    object of each checked rule, in file order.
    """
    file = Path(path) if path else default
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{file}：YAML 格式错误：{exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise CatalogueError(f"{file}：缺少 rules 列表")
    required = tuple(required)
    rules: list[R] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["rules"], start=1):
        where = f"{file} 第 {i} 条规则"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{where}：应为映射")
        for name in required:
            if not raw.get(name):
                raise CatalogueError(f"{where}：缺少字段 {name}")
        if raw["id"] in seen:
            raise CatalogueError(f"{where}：规则编号 {raw['id']} 重复")
        seen.add(raw["id"])
        if raw["level"] not in levels:
            raise CatalogueError(f"{where}（{raw['id']}）：level 应为 {levels_text}")
        rules.append(build(raw))
    return CatalogueFile(path=file, version=str(doc.get("version", "")),
                         parameters=dict(doc.get("parameters") or {}), views=dict(doc.get("views") or {}),
                         rules=tuple(rules))


def render(template: str, dialect: Dialect, params: dict[str, Any]) -> str:
    """Render one SQL template for ``dialect`` with ``params`` (strict: unknown names fail)."""
    try:
        return render_sql(template, dialect, params)
    except TemplateError as exc:
        raise CatalogueError(str(exc)) from exc


def create_views(engine: Engine, views: dict[str, str], params: dict[str, Any]) -> None:
    """Create a catalogue's shared views on ``engine``, in file order."""
    for name, sql in views.items():
        engine.create_view(name, render(sql, engine.dialect, params))


def run_rule_query(engine: Engine, sql: str, *, rule: str, required: Iterable[str]) -> Any:
    """Run one rule's rendered SQL; the result must have the ``required`` columns.

    ``rule`` names the rule in a refusal (``规则 R01``, ``审核规则 M01``): an engine's own error
    classes become a :class:`CatalogueError` that says which rule failed.
    """
    try:
        table = engine.query(sql)
    except Exception as exc:  # engine-specific error classes: say which rule failed
        raise CatalogueError(f"{rule} 执行失败：{exc}") from exc
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise CatalogueError(f"{rule} 的查询缺少列：{', '.join(missing)}")
    return table


def run_each(rules: Iterable[R], run: Callable[[R], Iterable[T]], timings: dict[str, float], *,
             progress: Callable[[str, int, int], None] | None, total: int) -> list[T]:
    """Run the rules in turn and gather what each returns; each one's seconds go into ``timings``
    under its id, and ``progress(rule id, step, total)`` follows (the rules are steps 2, 3, ...:
    step 1 loads the data)."""
    found: list[T] = []
    for i, rule in enumerate(rules, start=2):
        t = time.perf_counter()
        found.extend(run(rule))
        timings[rule.id] = time.perf_counter() - t
        if progress:
            progress(rule.id, i, total)
    return found
