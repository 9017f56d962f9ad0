"""Batch screening: run the catalogue's rules on an engine and turn rows into findings.

A finding is one alert for one (person_id, rule_id): the benefit concerned when exactly one is,
the amount at risk in yuan, and Chinese evidence with personal data masked. The stable finding
key (rule, person and the rule's ``key`` columns) lets triage recognise the same finding on the
next run.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from shebao.core.crypto import mask_bank_account, mask_id_number, mask_name
from shebao.core.safefiles import write_private_csv
from shebao.engines.base import Engine
from shebao.engines.catalogue import create_views, run_each, run_rule_query
from shebao.engines.factory import make_engine
from shebao.registry.exporter import export_folder
from shebao.risk.catalogue import (
    REQUIRED_COLUMNS,
    Catalogue,
    CatalogueError,
    Rule,
    load_catalogue,
    render,
    rule_parameters,
    runtime_parameters,
)

OUTPUT_COLUMNS = ("person_id", "benefit_id", "rule_id", "level", "amount_at_risk", "evidence")
LEVEL_ORDER = {"red": 0, "yellow": 1, "blue": 2}

# Evidence columns holding personal data, and how each is masked.
MASKS: dict[str, Callable[[str | None], str]] = {
    "id_number": mask_id_number,
    "name": mask_name,
    "bank_account": mask_bank_account,
    "bank_accounts": mask_bank_account,
}
# Codes shown in Chinese in evidence.
LABELS = {
    "pension": "养老金", "unemployment": "失业保险金", "injury_allowance": "伤残津贴",
    "injury_survivor_pension": "供养亲属抚恤金", "funeral_grant": "丧葬补助金", "survivor_grant": "抚恤金",
    "death_grant": "一次性工亡补助金", "disability_grant": "一次性伤残补助金",
    "account_inheritance": "个人账户继承",
    "civil_affairs": "民政", "funeral": "殡葬", "police": "公安", "health": "卫健",
    "justice": "司法", "court": "法院",
}
TRANSLATED = frozenset({"kind", "kinds", "sources", "source"})


@dataclass(frozen=True)
class Finding:
    """One alert of one rule for one person record."""

    person_id: str
    benefit_id: str | None
    rule_id: str
    level: str
    amount_at_risk: Decimal
    evidence: str
    # The raw values of the rule's ``key`` columns (never written out: may hold personal data).
    key_values: tuple[str, ...] = field(default=(), repr=False)

    def row(self) -> dict[str, str]:
        return {
            "person_id": self.person_id,
            "benefit_id": self.benefit_id or "",
            "rule_id": self.rule_id,
            "level": self.level,
            "amount_at_risk": f"{self.amount_at_risk:.2f}",
            "evidence": self.evidence,
        }


@dataclass
class ScreeningResult:
    """What one run found, with what it read and how long each rule took."""

    as_of: date
    engine: str
    findings: list[Finding]
    row_counts: dict[str, int]
    timings: dict[str, float]

    @property
    def input_rows(self) -> int:
        return sum(self.row_counts.values())

    def by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
        return counts


def _plain(value: Any) -> str:
    if value is None:
        return "无"
    if isinstance(value, Decimal):
        # Money has cents; counts summed by the engine come back as integral decimals.
        return f"{value:.2f}" if value.as_tuple().exponent < 0 else str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_evidence(template: str, row: dict[str, Any]) -> str:
    """Fill the rule's evidence template; personal data columns are always masked.

    Examples:
        >>> format_evidence("身份证号 {id_number}，账户 {bank_account}",
        ...                 {"id_number": "370502199001011234", "bank_account": ["6222020000001234"]})
        '身份证号 370502********1234，账户 **** 1234'
    """
    values: dict[str, str] = {}
    for column, value in row.items():
        items = value if isinstance(value, list | tuple) else [value]
        mask = MASKS.get(column)
        shown = []
        for item in items:
            if mask is not None:
                shown.append(mask(None if item is None else str(item)) or "无")
            elif column in TRANSLATED and item is not None:
                shown.append(LABELS.get(str(item), str(item)))
            else:
                shown.append(_plain(item))
        values[column] = "、".join(shown) if shown else "无"
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        raise CatalogueError(f"证据模板引用了查询结果中没有的列：{exc}") from exc


def _key_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(_plain(v) for v in value)
    return _plain(value)


def prepare(engine: Engine, catalogue: Catalogue, folder: Path, as_of: date) -> tuple[dict[str, int], dict]:
    """Load the folder into the engine and create the catalogue's shared views."""
    counts = engine.load_folder(folder)
    runtime = runtime_parameters(as_of, int(catalogue.parameters.get("lookback_months", 12)))
    params = {**catalogue.parameters, **runtime}
    create_views(engine, catalogue.views, params)
    return counts, runtime


def run_rule(engine: Engine, catalogue: Catalogue, rule: Rule, runtime: dict) -> list[Finding]:
    """Run one rule and turn its rows into findings (one per person record)."""
    sql = render(rule.sql, engine.dialect, rule_parameters(catalogue, rule, runtime))
    table = run_rule_query(engine, sql, rule=f"规则 {rule.id}", required=REQUIRED_COLUMNS)
    missing_key = [c for c in rule.key if c not in table.column_names]
    if missing_key:
        raise CatalogueError(f"规则 {rule.id} 的 key 列不在查询结果中：{', '.join(missing_key)}")
    findings: list[Finding] = []
    seen: set[str] = set()
    for row in table.to_pylist():
        person_id = str(row["person_id"])
        if person_id in seen:
            raise CatalogueError(f"规则 {rule.id} 对人员 {person_id} 返回了多行（每人应只有一行）")
        seen.add(person_id)
        amount = row["amount_at_risk"]
        amount = Decimal("0.00") if amount is None else Decimal(str(amount)).quantize(Decimal("0.01"))
        fields = {**row, "amount_at_risk": amount}
        findings.append(
            Finding(
                person_id=person_id,
                benefit_id=row["benefit_id"] or None,
                rule_id=rule.id,
                level=rule.level,
                amount_at_risk=amount,
                evidence=format_evidence(rule.evidence, fields),
                key_values=tuple(_key_value(row[c]) for c in rule.key),
            )
        )
    return findings


def screen_folder(
    folder: str | Path,
    *,
    as_of: date,
    engine: Engine | str = "duckdb",
    catalogue: Catalogue | None = None,
    rules: Iterable[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ScreeningResult:
    """Screen an exchange folder with the catalogue's rules.

    Args:
        folder: the exchange folder (CSV or Parquet).
        as_of: the screening date; the lookback ends with its month.
        engine: an :class:`Engine` or its name (``duckdb``, ``spark``).
        catalogue: the rules (default: the shipped catalogue).
        rules: rule ids to run (default: all).
        progress: called with (step, done, total) after loading and after each rule.

    Examples:
        >>> result = screen_folder("exchange/", as_of=date(2026, 10, 31))  # doctest: +SKIP
        >>> write_alerts_csv(result.findings, "alerts.csv")  # doctest: +SKIP
    """
    catalogue = catalogue or load_catalogue()
    selected = catalogue.select(list(rules) if rules else None)
    own = isinstance(engine, str)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    try:
        total = len(selected) + 1
        t0 = time.perf_counter()
        counts, runtime = prepare(eng, catalogue, Path(folder), as_of)
        timings = {"load": time.perf_counter() - t0}
        if progress:
            progress("load", 1, total)
        findings = run_each(selected, lambda rule: run_rule(eng, catalogue, rule, runtime), timings,
                            progress=progress, total=total)
    finally:
        if own:
            eng.close()
    findings.sort(key=lambda f: (LEVEL_ORDER[f.level], f.rule_id, f.person_id))
    return ScreeningResult(as_of, eng.dialect.name, findings, counts, timings)


def screen_database(session: Any, *, as_of: date, engine: Engine | str = "duckdb", **kwargs: Any) -> ScreeningResult:
    """Screen the registry in the database: export it to a private temporary folder first.

    The folder holds personal data in full; it is owner-only and removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="shebao-screen-") as tmp:
        os.chmod(tmp, 0o700)
        export_folder(session, Path(tmp))
        return screen_folder(tmp, as_of=as_of, engine=engine, **kwargs)


def write_alerts_csv(findings: Iterable[Finding], path: str | Path) -> int:
    """Write findings as the alerts CSV (owner-readable only: it names persons); return the count."""
    return write_private_csv(path, OUTPUT_COLUMNS, (finding.row() for finding in findings))


def read_alerts_csv(path: str | Path) -> list[dict[str, str]]:
    """Read an alerts CSV back (tests and reports)."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
