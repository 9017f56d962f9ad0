"""Audit medical bills line by line: run the rules on an engine, value each flag, add up the totals.

Every rule is checked on every line on its own: a line may break several rules and each flag
carries its own amount (rounded half-up to the fen, at most the line's amount). A bill's
disallowed total counts a line at most once, up to its amount; a whole-bill flag (``M10``)
disallows the whole bill. Flags of the anomaly model (B level) never disallow money.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from shebao.bills.exchange import BILL_TABLES, CheckResult, Reject, check_folder
from shebao.bills.flags import ZERO, Flag, fen
from shebao.bills.rules import REQUIRED_COLUMNS, BillRule, BillRules, load_rules
from shebao.core.safefiles import write_private_csv
from shebao.engines.base import Engine
from shebao.engines.catalogue import CatalogueError, create_views, render, run_each, run_rule_query
from shebao.engines.factory import make_engine

FLAG_COLUMNS = ("bill_id", "line_no", "rule_id", "amount_disallowed", "reason")


@dataclass(frozen=True)
class BillInfo:
    bill_id: str
    hospital_id: str
    person_id: str
    claimed: Decimal
    lines: int


@dataclass
class AuditResult:
    """One audit: the flags, the bills it read, the rejected rows and how long each step took."""

    engine: str
    flags: list[Flag]
    bills: dict[str, BillInfo]
    hospitals: dict[str, str]
    rules: BillRules
    check: CheckResult | None = None
    anomalies: list[Flag] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None

    def summary(self, decided: dict[tuple[str, str, int | None], str] | None = None) -> dict[str, Any]:
        """Totals per rule, per hospital and per bill: claimed, disallowed, payable (money as text).

        ``decided`` maps (rule, bill, line) to a triage status; a dismissed flag disallows nothing.
        """
        return totals(self.flags, self.bills, self.hospitals, self.rules, decided)


def line_disallowed(flags: Iterable[Flag]) -> tuple[dict[tuple[str, int], Decimal], set[str]]:
    """Per line the amount disallowed (its flags added up, at most the line's amount), and the
    bills disallowed whole."""
    per_line: dict[tuple[str, int], Decimal] = {}
    caps: dict[tuple[str, int], Decimal] = {}
    whole: set[str] = set()
    for f in flags:
        if f.level != "A":
            continue
        if f.line_no is None:
            whole.add(f.bill_id)
            continue
        key = (f.bill_id, f.line_no)
        per_line[key] = per_line.get(key, ZERO) + f.amount_disallowed
        caps[key] = f.line_amount
    return {k: min(v, caps[k]) for k, v in per_line.items()}, whole


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def totals(flags: list[Flag], bills: dict[str, BillInfo], hospitals: dict[str, str], rules: BillRules,
           decided: dict[tuple[str, str, int | None], str] | None = None) -> dict[str, Any]:
    """The JSON totals of an audit (see :meth:`AuditResult.summary`)."""
    decided = decided or {}
    live = [f for f in flags if decided.get((f.rule_id, f.bill_id, f.line_no)) != "dismissed"]
    per_line, whole = line_disallowed(live)
    bill_dis: dict[str, Decimal] = {}
    for (bill_id, _), amount in per_line.items():
        bill_dis[bill_id] = bill_dis.get(bill_id, ZERO) + amount
    for bill_id in whole:
        if bill_id in bills:
            bill_dis[bill_id] = bills[bill_id].claimed
    per_bill: dict[str, dict[str, Any]] = {}
    per_hospital: dict[str, dict[str, Any]] = {}
    total = {"claimed": ZERO, "disallowed": ZERO}
    for bill_id in sorted(bills):
        info = bills[bill_id]
        dis = min(bill_dis.get(bill_id, ZERO), info.claimed)
        per_bill[bill_id] = {"hospital_id": info.hospital_id, "person_id": info.person_id, "lines": info.lines,
                             "claimed": _money(info.claimed), "disallowed": _money(dis),
                             "payable": _money(info.claimed - dis)}
        h = per_hospital.setdefault(info.hospital_id, {"name": hospitals.get(info.hospital_id, ""), "bills": 0,
                                                       "claimed": ZERO, "disallowed": ZERO})
        h["bills"] += 1
        h["claimed"] += info.claimed
        h["disallowed"] += dis
        total["claimed"] += info.claimed
        total["disallowed"] += dis
    for h in per_hospital.values():
        h["payable"] = _money(h["claimed"] - h["disallowed"])
        h["claimed"], h["disallowed"] = _money(h["claimed"]), _money(h["disallowed"])
    per_rule: dict[str, dict[str, Any]] = {}
    for rule in rules.rules:
        mine = [f for f in live if f.rule_id == rule.id]
        claimed = sum((f.line_amount for f in mine), ZERO)
        disallowed = sum((f.amount_disallowed for f in mine), ZERO)
        per_rule[rule.id] = {"title": rule.title, "flags": len(mine), "bills": len({f.bill_id for f in mine}),
                             "claimed": _money(claimed), "disallowed": _money(disallowed),
                             "payable": _money(claimed - disallowed)}
    return {
        "totals": {"bills": len(bills), "claimed": _money(total["claimed"]),
                   "disallowed": _money(total["disallowed"]),
                   "payable": _money(total["claimed"] - total["disallowed"])},
        "per_rule": per_rule,
        "per_hospital": dict(sorted(per_hospital.items())),
        "per_bill": per_bill,
    }


_MONEY_COLUMNS = re.compile(r"price|amount|cap|claimed")


def _text(value: Any, column: str = "") -> str:
    if value is None:
        return "无"
    if isinstance(value, Decimal) and _MONEY_COLUMNS.search(column):
        return f"{value:.2f}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def run_rule(engine: Engine, rules: BillRules, rule: BillRule) -> list[Flag]:
    """Run one rule and value its flags (half-up to the fen, at most the line's amount)."""
    sql = render(rule.sql, engine.dialect, {**rules.parameters, **rule.parameters})
    table = run_rule_query(engine, sql, rule=f"审核规则 {rule.id}", required=REQUIRED_COLUMNS)
    flags: list[Flag] = []
    for row in table.to_pylist():
        line_amount = fen(row["line_amount"] or 0)
        amount = min(fen(row["amount_raw"] or 0), line_amount)
        values = {k: _text(v, k) for k, v in row.items()}
        values["line_amount"] = _money(line_amount)
        values["amount_disallowed"] = _money(amount)
        try:
            reason = rule.reason.format_map(values)
        except (KeyError, IndexError, ValueError) as exc:
            raise CatalogueError(f"审核规则 {rule.id} 的说明模板引用了查询结果中没有的列：{exc}") from exc
        flags.append(Flag(bill_id=str(row["bill_id"]), line_no=None if row["line_no"] is None else int(row["line_no"]),
                          rule_id=rule.id, level=rule.level, amount_disallowed=amount,
                          reason=f"{rule.id} {rule.title}：{reason}", line_amount=line_amount))
    return flags


def prepare(engine: Engine, rules: BillRules, clean: Path) -> dict[str, int]:
    """Load the checked tables into the engine and create the rule catalogue's shared views."""
    counts = engine.load_folder(clean, BILL_TABLES)
    create_views(engine, rules.views, rules.parameters)
    return counts


def audit_clean(
    clean: Path, *, engine: Engine, rules: BillRules, selected: tuple[BillRule, ...],
    anomaly: bool = True, progress: Callable[[str, int, int], None] | None = None,
) -> AuditResult:
    """Audit a folder of checked tables (see :func:`shebao.bills.exchange.check_folder`)."""
    total = len(selected) + 2 + (1 if anomaly else 0)
    t0 = time.perf_counter()
    counts = prepare(engine, rules, clean)
    timings = {"load": time.perf_counter() - t0}
    if progress:
        progress("load", 1, total)
    flags = run_each(selected, lambda rule: run_rule(engine, rules, rule), timings, progress=progress, total=total)
    t = time.perf_counter()
    table = engine.query("SELECT b.bill_id, b.hospital_id, b.person_id, coalesce(t.claimed, 0) AS claimed, "
                         "coalesce(t.n_lines, 0) AS n_lines FROM bills b LEFT JOIN bill_totals t ON t.bill_id = b.bill_id")
    cols = table.to_pydict()
    bills = {b: BillInfo(b, h, p, fen(c), int(n)) for b, h, p, c, n in zip(
        cols["bill_id"], cols["hospital_id"], cols["person_id"], cols["claimed"], cols["n_lines"], strict=True)}
    hosp = engine.query("SELECT hospital_id, name FROM hospitals").to_pydict()
    hospitals = dict(zip(hosp["hospital_id"], hosp["name"], strict=True))
    timings["totals"] = time.perf_counter() - t
    if progress:
        progress("totals", len(selected) + 2, total)
    anomalies: list[Flag] = []
    if anomaly:
        from shebao.bills.anomaly import score_lines

        t = time.perf_counter()
        anomalies = score_lines(engine)
        timings["anomaly"] = time.perf_counter() - t
        if progress:
            progress("anomaly", total, total)
    flags.sort(key=lambda f: (f.bill_id, -1 if f.line_no is None else f.line_no, f.rule_id))
    return AuditResult(engine=engine.dialect.name, flags=flags, bills=bills, hospitals=hospitals, rules=rules,
                       anomalies=anomalies, timings=timings, row_counts=counts)


def audit_folder(
    folder: str | Path, *, engine: Engine | str = "duckdb", rules: BillRules | None = None,
    rule_ids: list[str] | None = None, persons: dict[str, tuple[str, str]] | None = None,
    anomaly: bool = True, reports_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> AuditResult:
    """Check an exchange folder (bad rows to the rejects report), then audit the good rows.

    Args:
        folder: hospitals.csv, bills.csv, bill_items.csv, catalogue.csv (and persons.csv).
        engine: an :class:`Engine` or its name (``duckdb``, ``spark``).
        rules: the rule catalogue (default: the shipped ``rules.yaml``).
        rule_ids: only these rules (default: all).
        persons: person_id → (sex, birth date) from the registry when the folder has no persons.csv.
        anomaly: also score the lines with the anomaly model (B-level hints, no money).
        reports_dir: where the rejects report goes (default ``$SHEBAO_HOME/reports``).
        progress: called with (step, done, total).

    Examples:
        >>> result = audit_folder("var/bills")  # doctest: +SKIP
        >>> write_flags_csv(result.flags, "flags.csv")  # doctest: +SKIP
    """
    rules = rules or load_rules()
    selected = rules.select(rule_ids)
    own = isinstance(engine, str)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    tmp = tempfile.mkdtemp(prefix="shebao-bills-")
    os.chmod(tmp, 0o700)
    try:
        t0 = time.perf_counter()
        if progress:
            progress("check", 0, len(selected) + 2)
        check = check_folder(Path(folder), Path(tmp), persons=persons)
        checked = time.perf_counter() - t0
        result = audit_clean(Path(tmp), engine=eng, rules=rules, selected=selected, anomaly=anomaly,
                             progress=progress)
        result.timings = {"check": checked, **result.timings}
        result.check = check
        if check.rejects:
            result.rejects_file = str(write_rejects(check.rejects, reports_dir))
        return result
    finally:
        if own:
            eng.close()
        shutil.rmtree(tmp, ignore_errors=True)


def write_rejects(rejects: list[Reject], folder: Path | None = None) -> Path:
    """The rejects report (file, line, field, value, reason), owner-readable, in ``$SHEBAO_HOME/reports``."""
    from shebao.core.settings import get_settings
    from shebao.registry.loader import write_rejects as write

    target = folder or (get_settings().home / "reports")
    return write(rejects, target)


def write_flags_csv(flags: Iterable[Flag], path: str | Path) -> int:
    """Write ``flags.csv`` (bill_id, line_no, rule_id, amount_disallowed, reason), owner-readable only."""
    return write_private_csv(path, FLAG_COLUMNS, (flag.row() for flag in flags))
