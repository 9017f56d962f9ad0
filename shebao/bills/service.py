"""The bills domain's service: load bills into the database, audit them, store and triage the flags.

Keyword-only functions; the caller owns the transaction (services flush, never commit) and the
audit entries join it. Triage follows the screening alerts (both use :mod:`shebao.core.triage`): a
flag is ``new`` until a reviewer agrees with it (``confirmed``: its amount stays disallowed) or
restores the line (``dismissed``, with a reason: the amount is payable again).
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.bills.audit import AuditResult, audit_folder, write_rejects
from shebao.bills.exchange import COLUMNS, CheckResult, check_folder
from shebao.bills.flags import ZERO, Flag
from shebao.bills.models import FLAG_STATUSES, Bill, BillFlag, BillItem, CatalogueItem, Hospital
from shebao.bills.rules import BillRules, load_rules
from shebao.core.db import utcnow
from shebao.core.safefiles import open_private, safe_writer
from shebao.core.triage import StoreSummary, filtered_page, mark_decided, store_once
from shebao.engines.base import Engine

DECISIONS = {"agree": "confirmed", "restore": "dismissed", "confirm": "confirmed", "dismiss": "dismissed"}


class BillError(ValueError):
    """A request on bills that cannot be carried out (unknown bill or flag, wrong state, no reason)."""


# --- persons -------------------------------------------------------------------------------------

def registry_persons(session: Session, *, billed_only: bool = False) -> dict[str, tuple[str, str]]:
    """person_id → (sex, birth date) from the registry (neither is encrypted); with ``billed_only``
    just the persons the database's bills name."""
    from shebao.registry.models import Person

    stmt = select(Person.person_id, Person.sex, Person.birth_date)
    if billed_only:
        stmt = stmt.where(Person.person_id.in_(select(Bill.person_id).distinct()))
    return {p: (s, b.isoformat()) for p, s, b in session.execute(stmt.execution_options(yield_per=10000))}


# --- loading -------------------------------------------------------------------------------------

@dataclass
class LoadSummary:
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"loaded": self.loaded, "rejected": self.rejected, "rejects_file": self.rejects_file,
                "warnings": self.warnings}


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _upsert(session: Session, model: Any, rows: list[dict[str, Any]], key: tuple[str, ...]) -> None:
    if not rows:
        return
    table = model.__table__
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for i in range(0, len(rows), 2000):
        stmt = insert(table)
        changes = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in key}
        session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=changes), rows[i:i + 2000])


def _read(clean: Path, table: str) -> Iterator[dict[str, str]]:
    with (clean / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _batches(rows: Iterator[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_folder(session: Session, *, folder: Path, reports_dir: Path | None = None) -> LoadSummary:
    """Check the exchange files of ``folder`` and upsert the good rows (bad rows to the rejects report).

    The persons must be in the registry already (``shebao load``); a bill's lines replace the lines
    the database held for it.
    """
    tmp = Path(tempfile.mkdtemp(prefix="shebao-bills-load-"))
    os.chmod(tmp, 0o700)
    try:
        # the registry decides who exists: a persons.csv beside the bills is not loaded from here
        check = check_folder(Path(folder), tmp, persons=registry_persons(session), use_persons_file=False)
        now = utcnow()
        raw_catalogue = {r["item_code"]: r for r in _catalogue_rows(Path(folder))}
        _upsert(session, Hospital, [
            {"hospital_id": r["hospital_id"], "name": r["name"], "region_code": r["region_code"],
             "agreement": r["agreement"] == "true", "updated_at": now} for r in _read(tmp, "hospitals")],
            ("hospital_id",))
        items = []
        for r in _read(tmp, "catalogue"):
            raw = raw_catalogue.get(r["item_code"], {})
            items.append({"item_code": r["item_code"], "item_name": r["item_name"], "category": r["category"],
                          "price_cap": _dec(r["price_cap"]), "max_daily_quantity": _dec(r["max_daily_quantity"]),
                          "sex": r["sex"] or None, "min_age": int(r["min_age"]) if r["min_age"] else None,
                          "max_age": int(r["max_age"]) if r["max_age"] else None,
                          "icd_prefixes": (raw.get("icd_prefixes") or "").strip() or None,
                          "includes": (raw.get("includes") or "").strip() or None, "updated_at": now})
        _upsert(session, CatalogueItem, items, ("item_code",))
        bills = ({"bill_id": r["bill_id"], "person_id": r["person_id"], "hospital_id": r["hospital_id"],
                  "admit_date": date.fromisoformat(r["admit_date"]),
                  "discharge_date": date.fromisoformat(r["discharge_date"]),
                  "injury_date": date.fromisoformat(r["injury_date"]), "diagnosis_code": r["diagnosis_code"],
                  "treatment_end_date": date.fromisoformat(r["treatment_end_date"]) if r["treatment_end_date"] else None,
                  "emergency": r["emergency"] == "true", "updated_at": now} for r in _read(tmp, "bills"))
        for batch in _batches(bills, 2000):
            _upsert(session, Bill, batch, ("bill_id",))
            # a bill loaded again brings all its lines: the ones the database held for it go
            session.execute(delete(BillItem).where(BillItem.bill_id.in_([r["bill_id"] for r in batch])))
        lines = ({"bill_id": r["bill_id"], "line_no": int(r["line_no"]),
                  "service_date": date.fromisoformat(r["service_date"]), "item_code": r["item_code"],
                  "item_name": r["item_name"], "category": r["category"], "quantity": Decimal(r["quantity"]),
                  "unit_price": Decimal(r["unit_price"]), "amount": Decimal(r["amount"])}
                 for r in _read(tmp, "bill_items"))
        for batch in _batches(lines):
            session.execute(BillItem.__table__.insert(), batch)
        session.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary = LoadSummary(loaded={k: v for k, v in check.counts.items() if k != "persons"},
                          rejected=check.rejected, warnings=check.warnings)
    if check.rejects:
        summary.rejects_file = str(write_rejects(check.rejects, reports_dir))
    append(session, action="bills.load", entity="bills_bills", entity_id=Path(folder).name,
           detail={"loaded": summary.loaded, "rejected": summary.rejected})
    return summary


def _catalogue_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "catalogue.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# --- auditing the database -----------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_bills(session: Session, folder: Path) -> dict[str, int]:
    """Write the database's bills as an exchange folder (owner-only files); return rows per file."""
    columns = {
        "hospitals": (Hospital, COLUMNS["hospitals"], (Hospital.hospital_id,)),
        "catalogue": (CatalogueItem, COLUMNS["catalogue"], (CatalogueItem.item_code,)),
        "bills": (Bill, COLUMNS["bills"], (Bill.bill_id,)),
        "bill_items": (BillItem, COLUMNS["bill_items"], (BillItem.bill_id, BillItem.line_no)),
    }
    counts = {}
    for name, (model, cols, order) in columns.items():
        stmt = select(*[getattr(model, c) for c in cols]).order_by(*order).execution_options(yield_per=5000)
        n = 0
        with open_private(folder / f"{name}.csv") as fh:
            writer = safe_writer(fh)
            writer.writerow(cols)
            for row in session.execute(stmt):
                writer.writerow([_cell(v) for v in row])
                n += 1
        counts[name] = n
    return counts


def audit_database(
    session: Session, *, engine: Engine | str = "duckdb", rules: BillRules | None = None,
    rule_ids: list[str] | None = None, anomaly: bool = True, reports_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> AuditResult:
    """Audit the bills in the database (persons' sex and birth date from the registry)."""
    with tempfile.TemporaryDirectory(prefix="shebao-bills-db-") as tmp:
        os.chmod(tmp, 0o700)
        export_bills(session, Path(tmp))
        return audit_folder(tmp, engine=engine, rules=rules, rule_ids=rule_ids,
                            persons=registry_persons(session, billed_only=True),
                            anomaly=anomaly, reports_dir=reports_dir, progress=progress)


# --- storing and triage --------------------------------------------------------------------------

def flag_key(flag: Flag) -> str:
    return f"{flag.rule_id}|{flag.bill_id}|{'' if flag.line_no is None else flag.line_no}"


def store_flags(session: Session, flags: list[Flag], *, audit_date: date) -> StoreSummary:
    """Insert flags not seen before, refresh open ones, leave decided ones alone (audited)."""
    def create(key: str, f: Flag) -> BillFlag:
        return BillFlag(flag_key=key, rule_id=f.rule_id, level=f.level, bill_id=f.bill_id, line_no=f.line_no,
                        amount_disallowed=f.amount_disallowed, reason=f.reason, score=f.score, status="new",
                        first_audit=audit_date, last_audit=audit_date, times_seen=1)

    def refresh(row: BillFlag, f: Flag) -> None:
        row.amount_disallowed, row.reason, row.score = f.amount_disallowed, f.reason, f.score

    summary, _ = store_once(session, BillFlag, {flag_key(f): f for f in flags}, key="flag_key",
                            last_seen="last_audit", day=audit_date, create=create, refresh=refresh)
    append(session, action="bills.audit", entity="bills_flags", entity_id=audit_date.isoformat(),
           detail={"audit_date": audit_date.isoformat(), **summary.as_json()})
    return summary


def get_flag(session: Session, flag_id: int) -> BillFlag:
    flag = session.get(BillFlag, flag_id)
    if flag is None:
        raise BillError(f"疑点 {flag_id} 不存在")
    return flag


def _decide(session: Session, flag: BillFlag, status: str, reason: str | None) -> None:
    if flag.status != "new":
        raise BillError(f"疑点 {flag.id}（{flag.rule_id}）已处理（{flag.status}），不能再改")
    mark_decided(session, flag, status, decision_reason=reason)


def decide_flag(session: Session, *, flag_id: int, decision: str, reason: str | None = None) -> BillFlag:
    """Confirm (agree) or dismiss (restore) one flag; dismissing needs a reason. Audited."""
    status = DECISIONS.get(decision)
    if status is None:
        raise BillError("结论应为 confirm（同意核减）或 dismiss（恢复支付）")
    reason = (reason or "").strip() or None
    if status == "dismissed" and not reason:
        raise BillError("恢复支付（排除疑点）必须说明理由")
    flag = get_flag(session, flag_id)
    _decide(session, flag, status, reason)
    session.flush()
    append(session, action=f"bills.flag.{'confirm' if status == 'confirmed' else 'dismiss'}", entity="bills_flags",
           entity_id=str(flag.id), detail={"rule_id": flag.rule_id, "bill_id": flag.bill_id, "line_no": flag.line_no,
                                           "amount": f"{flag.amount_disallowed:.2f}", "reason": reason or ""})
    return flag


def decide_line(session: Session, *, bill_id: str, line_no: int | None, decision: str, reason: str) -> list[BillFlag]:
    """Agree with the open flags of one line (``line_no`` None: the bill's whole-bill flags), or
    restore the line (its flags dismissed). A reason is required either way; audited."""
    if decision not in ("agree", "restore"):
        raise BillError("结论应为 agree（同意核减）或 restore（恢复支付）")
    reason = (reason or "").strip()
    if not reason:
        raise BillError("请填写理由（同意核减或恢复支付都需要说明）")
    if session.get(Bill, bill_id) is None:
        raise BillError(f"费用单 {bill_id} 不存在")
    stmt = select(BillFlag).where(BillFlag.bill_id == bill_id, BillFlag.status == "new")
    stmt = stmt.where(BillFlag.line_no.is_(None) if line_no is None else BillFlag.line_no == line_no)
    flags = list(session.scalars(stmt.order_by(BillFlag.rule_id)))
    if not flags:
        where = "整单" if line_no is None else f"第 {line_no} 行"
        raise BillError(f"费用单 {bill_id} {where}没有待处理的疑点")
    status = DECISIONS[decision]
    for flag in flags:
        _decide(session, flag, status, reason)
    session.flush()
    append(session, action=f"bills.line.{decision}", entity="bills_bills", entity_id=bill_id,
           detail={"line_no": line_no, "rules": [f.rule_id for f in flags], "reason": reason,
                   "amount": f"{sum((f.amount_disallowed for f in flags), ZERO):.2f}"})
    return flags


def list_flags(session: Session, *, status: str | None = "new", level: str | None = None, rule_id: str | None = None,
               bill_id: str | None = None, limit: int = 100, offset: int = 0) -> tuple[list[BillFlag], int]:
    """Flags matching the filters (A before B, larger amounts first) and their total count."""
    if status is not None and status not in FLAG_STATUSES:
        raise BillError(f"状态应为 {'|'.join(FLAG_STATUSES)}")
    return filtered_page(session, BillFlag, ((BillFlag.status, status), (BillFlag.level, level),
                                             (BillFlag.rule_id, rule_id), (BillFlag.bill_id, bill_id)),
                         order_by=(BillFlag.level, BillFlag.amount_disallowed.desc(), BillFlag.id), limit=limit,
                         offset=offset)


def flag_json(flag: BillFlag) -> dict[str, Any]:
    return {"id": flag.id, "rule_id": flag.rule_id, "level": flag.level, "bill_id": flag.bill_id,
            "line_no": flag.line_no, "amount_disallowed": f"{flag.amount_disallowed:.2f}", "reason": flag.reason,
            "score": flag.score, "status": flag.status, "decision_reason": flag.decision_reason,
            "decided_by": flag.decided_by, "decided_at": flag.decided_at.isoformat() if flag.decided_at else None,
            "first_audit": flag.first_audit.isoformat(), "last_audit": flag.last_audit.isoformat(),
            "times_seen": flag.times_seen}


# --- a bill as the reviewer sees it --------------------------------------------------------------

def bill_totals(lines: list[BillItem], flags: list[BillFlag]) -> dict[str, Any]:
    """Claimed, disallowed and payable of one bill from its lines and stored flags.

    A dismissed flag disallows nothing; a line counts at most once, up to its amount; an open or
    confirmed whole-bill flag disallows the whole bill.
    """
    claimed = sum((line.amount for line in lines), ZERO)
    live = [f for f in flags if f.status != "dismissed" and f.level == "A"]
    if any(f.line_no is None for f in live):
        return {"claimed": claimed, "disallowed": claimed, "payable": ZERO, "per_line": {
            line.line_no: line.amount for line in lines}, "whole_bill": True}
    per_line: dict[int, Decimal] = {}
    amounts = {line.line_no: line.amount for line in lines}
    for f in live:
        per_line[f.line_no] = per_line.get(f.line_no, ZERO) + f.amount_disallowed
    per_line = {k: min(v, amounts.get(k, ZERO)) for k, v in per_line.items()}
    disallowed = sum(per_line.values(), ZERO)
    return {"claimed": claimed, "disallowed": disallowed, "payable": claimed - disallowed, "per_line": per_line,
            "whole_bill": False}


def bill_review(session: Session, *, bill_id: str, rules: BillRules | None = None) -> dict[str, Any]:
    """One bill with its hospital, lines, the flags on each line, and its totals."""
    bill = session.get(Bill, bill_id)
    if bill is None:
        raise BillError(f"费用单 {bill_id} 不存在")
    rules = rules or load_rules()
    hospital = session.get(Hospital, bill.hospital_id)
    lines = list(session.scalars(select(BillItem).where(BillItem.bill_id == bill_id).order_by(BillItem.line_no)))
    flags = list(session.scalars(select(BillFlag).where(BillFlag.bill_id == bill_id)
                                 .order_by(BillFlag.level, BillFlag.rule_id)))
    by_line: dict[int | None, list[BillFlag]] = {}
    for f in flags:
        by_line.setdefault(f.line_no, []).append(f)
    totals = bill_totals(lines, flags)
    refs = {r.id: r for r in rules.rules}
    return {"bill": bill, "hospital": hospital, "lines": lines, "flags": by_line, "totals": totals, "rules": refs,
            "open": sum(1 for f in flags if f.status == "new")}


def list_bills(session: Session, *, only_flagged: bool = True, limit: int = 50, offset: int = 0,
               q: str = "") -> tuple[list[dict[str, Any]], int]:
    """Bills for the work list: claimed, open flags and the amount the open and agreed flags disallow."""
    flagged = select(BillFlag.bill_id, func.count().label("n_open")).where(BillFlag.status == "new").group_by(
        BillFlag.bill_id).subquery()
    claimed = select(BillItem.bill_id, func.sum(BillItem.amount).label("claimed"),
                     func.count().label("n_lines")).group_by(BillItem.bill_id).subquery()
    stmt = (select(Bill, claimed.c.claimed, claimed.c.n_lines, func.coalesce(flagged.c.n_open, 0))
            .outerjoin(claimed, claimed.c.bill_id == Bill.bill_id)
            .outerjoin(flagged, flagged.c.bill_id == Bill.bill_id))
    if only_flagged:
        stmt = stmt.where(flagged.c.n_open > 0)
    if q:
        stmt = stmt.where((Bill.bill_id == q.strip()) | (Bill.person_id == q.strip()) | (Bill.hospital_id == q.strip()))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Bill.bill_id).limit(limit).offset(offset)).all()
    ids = [r[0].bill_id for r in rows]
    flags: dict[str, list[BillFlag]] = {}
    lines: dict[str, list[BillItem]] = {}
    if ids:
        for f in session.scalars(select(BillFlag).where(BillFlag.bill_id.in_(ids))):
            flags.setdefault(f.bill_id, []).append(f)
        for line in session.scalars(select(BillItem).where(BillItem.bill_id.in_(ids))):
            lines.setdefault(line.bill_id, []).append(line)
    out = []
    for bill, _claimed, n_lines, n_open in rows:
        t = bill_totals(lines.get(bill.bill_id, []), flags.get(bill.bill_id, []))
        out.append({"bill_id": bill.bill_id, "person_id": bill.person_id, "hospital_id": bill.hospital_id,
                    "admit_date": bill.admit_date.isoformat(), "discharge_date": bill.discharge_date.isoformat(),
                    "lines": n_lines or 0, "open": n_open, "claimed": f"{t['claimed']:.2f}",
                    "disallowed": f"{t['disallowed']:.2f}", "payable": f"{t['payable']:.2f}"})
    return out, total


__all__ = [
    "BillError", "CheckResult", "LoadSummary", "StoreSummary", "audit_database", "audit_folder", "bill_review",
    "bill_totals", "decide_flag", "decide_line", "export_bills", "flag_json", "get_flag", "list_bills", "list_flags",
    "load_folder", "registry_persons", "store_flags",
]
