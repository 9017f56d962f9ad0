"""Transfers between regions (养老保险关系转移接续): the records and the funds.

The law (the fund formula, the temporary account, the pension place, the deadlines) is
:mod:`shebao.policy.transfer`; the workflow (application, certificate, acceptance, each step's
deadline) is :mod:`shebao.cases.transfers`. This module owns what the registry and the transfer
tables hold:

- the person's history as the plan's input, read from the registry (:func:`history_from_registry`);
- the 参保缴费凭证 of the place being left, generated from the registry (:func:`certificate_data`);
- the reconciliation of the funds received against the old place's statement (:func:`reconcile`);
- the records moved and marked with their origin (:func:`move_records`), in chunks that each
  commit: a move killed mid-way and run again neither duplicates nor loses a record, because a
  record already in the registry is marked once (``transfer_no IS NULL``) and a record carried in by
  the statement is inserted on its natural key, skipping the ones already there.

A contribution's place is where it was paid: its ``origin_region`` when it was moved in, else its
employer's region, else (a flexible worker) the person's registered region.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from shebao.benefits.models import PensionTransfer
from shebao.registry.models import Benefit, Contribution, ContributionYear, Employer, PensionAccount, Person

PENSION = "pension"
# the transfers that can place a pension elsewhere: done, or waiting in a temporary account
PLACING_STATUSES = ("done", "temporary")
CENT = Decimal("0.01")


class TransferError(ValueError):
    """A transfer step that cannot be done (message in Chinese, naming the record and field)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _same_place(region: str, place: str, *, kind: str) -> bool:
    """Whether ``region`` is in ``place``: the same province for a cross-province move, the same city
    (first four digits) for a move inside a province."""
    return region[:2] == place[:2] if kind == "cross_province" else region[:4] == place[:4]


def _regions_of(session: Session, person: Person) -> list[tuple[int, str, str, Decimal, str | None]]:
    """(id, period, region, base, transfer_no) of each pension contribution of the person, region as paid."""
    rows = session.execute(
        select(Contribution.id, Contribution.period, Contribution.origin_region, Employer.region_code,
               Contribution.base, Contribution.transfer_no)
        .outerjoin(Employer, Employer.employer_id == Contribution.employer_id)
        .where(Contribution.person_id == person.person_id, Contribution.insurance == PENSION)
        .order_by(Contribution.period, Contribution.id)
    ).all()
    return [(r[0], r[1], r[2] or r[3] or person.region_code, r[4], r[5]) for r in rows]


def get_person(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise TransferError(f"参保人 {person_id} 不存在（person_id）", "person_id")
    return person


def drawing_pension(session: Session, person_id: str) -> bool:
    """Whether the person draws a basic pension now (who does not transfer)."""
    return session.scalar(select(func.count()).select_from(Benefit).where(
        Benefit.person_id == person_id, Benefit.kind == PENSION, Benefit.status.in_(("active", "suspended")))) > 0


def history_from_registry(session: Session, *, person_id: str, to_region: str, on: dt.date,
                          household_region: str | None = None, account_pre1998_own: Any = None,
                          account_pre1998_total: Any = None) -> dict[str, Any]:
    """The plan's input (history form) for a person in the registry.

    Monthly records are grouped by (place, year, base), so that Σ ``monthly_base × months`` is the
    exact sum of the monthly bases; a year held only as a yearly summary counts at its average base
    in the person's registered region. The registry does not hold the household registration or the
    pre-1998 split of the account: ``household_region`` must be given, and ``account_pre1998_own``
    when the person contributed before 1998.
    """
    person = get_person(session, person_id)
    if not household_region:
        raise TransferError("请填写户籍所在地（household_region）：登记库未记录户籍地", "household_region")
    groups: dict[tuple[str, int, Decimal], int] = {}
    detailed_years: set[int] = set()
    for _id, period, region, base, _no in _regions_of(session, person):
        year = int(period[:4])
        detailed_years.add(year)
        groups[(region, year, base)] = groups.get((region, year, base), 0) + 1
    for y in session.scalars(select(ContributionYear).where(
            ContributionYear.person_id == person_id, ContributionYear.insurance == PENSION)):
        if y.year not in detailed_years and y.months > 0:
            key = (person.region_code, int(y.year), y.avg_base)
            groups[key] = groups.get(key, 0) + int(y.months)
    contributions = [{"region": r, "year": y, "months": m, "monthly_base": f"{b:.2f}"}
                     for (r, y, b), m in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2]))]
    if any(c["year"] < 1998 for c in contributions) and account_pre1998_own in (None, ""):
        raise TransferError(f"参保人 {person_id} 有 1998 年以前的缴费：请填写1998年前个人缴费累计本息（account_pre1998_own）",
                            "account_pre1998_own")
    balance = session.scalar(select(PensionAccount.balance).where(
        PensionAccount.person_id == person_id, PensionAccount.as_of <= on).order_by(PensionAccount.as_of.desc()).limit(1))
    out: dict[str, Any] = {
        "from_region": person.region_code, "to_region": to_region, "date": on.isoformat(),
        "household_region": household_region, "birth_date": person.birth_date.isoformat(), "sex": person.sex,
        "contributions": contributions, "account_balance": f"{(balance or Decimal(0)):.2f}",
        "account_pre1998_own": account_pre1998_own if account_pre1998_own not in (None, "") else "0",
        "drawing_pension": drawing_pension(session, person_id),
    }
    if account_pre1998_total not in (None, ""):
        out["account_pre1998_total"] = account_pre1998_total
    return out


def certificate_data(session: Session, *, transfer: PensionTransfer, on: dt.date) -> dict[str, Any]:
    """参保缴费凭证 of the place being left, from the registry: the months and bases paid there by year,
    the account balance and the amounts to transfer. Personal data is masked (the printed form
    shows the masked ID number; the full one is only with the person's own documents)."""
    from shebao.core.crypto import mask_id_number, mask_name

    person = get_person(session, transfer.person_id)
    years: dict[int, dict[str, Any]] = {}
    for _id, period, region, base, _no in _regions_of(session, person):
        if not _same_place(region, transfer.from_region, kind=transfer.kind):
            continue
        y = years.setdefault(int(period[:4]), {"year": int(period[:4]), "months": 0, "wages": Decimal("0.00")})
        y["months"] += 1
        y["wages"] += base
    # years held only as yearly summaries count in the registered region, as the plan counts them
    if _same_place(person.region_code, transfer.from_region, kind=transfer.kind):
        detailed = set(years)
        for s in session.scalars(select(ContributionYear).where(
                ContributionYear.person_id == person.person_id, ContributionYear.insurance == PENSION)):
            if s.year not in detailed and s.months > 0:
                years[int(s.year)] = {"year": int(s.year), "months": int(s.months),
                                      "wages": (s.avg_base * s.months).quantize(CENT), "summary": True}
    plan = json.loads(transfer.plan)
    return {
        "title": "基本养老保险参保缴费凭证",
        "transfer_no": transfer.transfer_no, "issued_on": on.isoformat(), "issuer_region": transfer.from_region,
        "person_id": person.person_id, "name": mask_name(person.name), "id_number": mask_id_number(person.id_number),
        "sex": person.sex, "birth_date": person.birth_date.isoformat(),
        "years": [{"year": y["year"], "months": y["months"], "wages": f"{y['wages']:.2f}",
                   "summary": bool(y.get("summary"))} for y in sorted(years.values(), key=lambda y: y["year"])],
        "months": sum(y["months"] for y in years.values()),
        "personal_account_transfer": plan["personal_account_transfer"],
        "pooled_fund_transfer": plan["pooled_fund_transfer"], "total_transfer": plan["total_transfer"],
        "reference": "社会保险法 第十九条；城镇企业职工基本养老保险关系转移接续暂行办法（国办发〔2009〕66号，未核实）",
    }


def _money(value: Any, field: str) -> Decimal:
    from shebao.policy.common import InputError, parse_decimal

    try:
        return parse_decimal(value, field, max_places=2).quantize(CENT)
    except InputError:
        raise TransferError(f"转出地结算单的{'个人账户' if field == 'personal' else '统筹基金'}金额（{field}）"
                            f"应为不小于 0 的金额（元，最多两位小数），收到的是“{str(value)[:20]}”", field) from None


def reconcile(transfer: PensionTransfer, *, personal: Any, pooled: Any) -> dict[str, Any]:
    """Compare the old place's statement with the plan, to the fen: the differences, if any."""
    got_personal, got_pooled = _money(personal, "personal"), _money(pooled, "pooled")
    diffs = []
    for field, label, got, want in (("personal", "个人账户", got_personal, transfer.personal_planned),
                                    ("pooled", "统筹基金", got_pooled, transfer.pooled_planned)):
        if got != want:
            diffs.append({"field": field, "label": label, "statement": f"{got:.2f}", "planned": f"{want:.2f}",
                          "difference": f"{got - want:.2f}"})
    return {"personal": got_personal, "pooled": got_pooled, "total": got_personal + got_pooled,
            "differences": diffs, "reconciled": not diffs}


# --- the records ------------------------------------------------------------------------------------


@dataclass
class StatementRow:
    """A month of contribution carried in by the old place's statement (a place outside this registry)."""

    period: str
    base: Decimal
    employee_amount: Decimal
    employer_amount: Decimal
    employer_id: str = ""
    paid_date: dt.date | None = None


def parse_statement_rows(rows: Iterable[Mapping[str, Any]] | None) -> list[StatementRow]:
    """The statement's monthly records, checked: a bad one names its row and field."""
    import re

    out: list[StatementRow] = []
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(rows or []):
        where = f"records[{i}]"
        if not isinstance(row, Mapping):
            raise TransferError(f"第 {i + 1} 条缴费记录应为对象 {{period, base, employee_amount, employer_amount}}", where)
        period = str(row.get("period") or "").strip()
        if not re.fullmatch(r"(19[5-9]\d|20\d\d)-(0[1-9]|1[0-2])", period):
            raise TransferError(f"第 {i + 1} 条缴费记录的月份（{where}.period）应为 YYYY-MM，收到的是“{period[:12]}”",
                                f"{where}.period")
        money = {}
        for key in ("base", "employee_amount", "employer_amount"):
            try:
                from shebao.policy.common import parse_decimal

                money[key] = parse_decimal(row.get(key), key, max_places=2).quantize(CENT)
            except ValueError:
                raise TransferError(f"第 {i + 1} 条缴费记录的 {key}（{where}.{key}）应为不小于 0 的金额（元，最多两位小数）",
                                    f"{where}.{key}") from None
        employer = str(row.get("employer_id") or "")
        if (period, employer) in seen:
            raise TransferError(f"第 {i + 1} 条缴费记录与前面的记录重复（{where}.period {period}）", f"{where}.period")
        seen.add((period, employer))
        paid = row.get("paid_date")
        try:
            paid_date = dt.date.fromisoformat(str(paid)) if paid else None
        except ValueError:
            raise TransferError(f"第 {i + 1} 条缴费记录的缴费日期（{where}.paid_date）应为 YYYY-MM-DD", f"{where}.paid_date") from None
        out.append(StatementRow(period, money["base"], money["employee_amount"], money["employer_amount"],
                                employer, paid_date))
    return out


def pending_records(session: Session, transfer: PensionTransfer) -> list[int]:
    """Ids of the person's registry records in the place being left that are not yet marked."""
    person = get_person(session, transfer.person_id)
    return [cid for cid, _p, region, _b, no in _regions_of(session, person)
            if no is None and _same_place(region, transfer.from_region, kind=transfer.kind)]


def count_moved(session: Session, transfer_no: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Contribution).where(
        Contribution.transfer_no == transfer_no)) or 0)


def move_chunk(session: Session, *, transfer: PensionTransfer, ids: list[int], rows: list[StatementRow]) -> int:
    """Mark registry records ``ids`` and insert statement ``rows`` (those not already there); the caller
    commits. Returns how many records this chunk moved."""
    moved = 0
    if ids:
        res = session.execute(update(Contribution).where(
            Contribution.id.in_(ids), Contribution.transfer_no.is_(None)).values(
            origin_region=func.coalesce(Contribution.origin_region, transfer.from_region),
            transfer_no=transfer.transfer_no))
        moved += int(res.rowcount or 0)
    if rows:
        # on the natural key, skipping a month already there (a rerun, or a concurrent run of the same move)
        values = [{"person_id": transfer.person_id, "employer_id": r.employer_id, "period": r.period,
                   "insurance": PENSION, "base": r.base, "employee_amount": r.employee_amount,
                   "employer_amount": r.employer_amount, "paid_date": r.paid_date,
                   "origin_region": transfer.from_region, "transfer_no": transfer.transfer_no,
                   "row_hash": _statement_hash(transfer, r)} for r in rows]
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(Contribution).values(values).on_conflict_do_nothing(
            index_elements=["person_id", "period", "insurance", "employer_id"])
        moved += int(session.execute(stmt).rowcount or 0)
    return moved


def _statement_hash(transfer: PensionTransfer, r: StatementRow) -> str:
    import hashlib

    text = "|".join([transfer.person_id, r.employer_id, r.period, PENSION, f"{r.base:.2f}", f"{r.employee_amount:.2f}",
                     f"{r.employer_amount:.2f}", r.paid_date.isoformat() if r.paid_date else "", transfer.from_region])
    return hashlib.sha256(text.encode()).hexdigest()


def statement_rows_pending(session: Session, transfer: PensionTransfer, rows: list[StatementRow]) -> list[StatementRow]:
    """The statement rows not yet in the registry (on the natural key)."""
    if not rows:
        return []
    present = {(p, e) for p, e in session.execute(select(Contribution.period, Contribution.employer_id).where(
        Contribution.person_id == transfer.person_id, Contribution.insurance == PENSION))}
    return [r for r in rows if (r.period, r.employer_id) not in present]


def move_records(engine: Engine, *, transfer_no: str, rows: list[StatementRow], chunk_size: int = 500,
                 on_chunk: Callable[[int, int], None] | None = None) -> int:
    """Move the person's records to the new place in chunks of ``chunk_size``, each chunk its own
    committed transaction (the records moved so far stay moved if the process dies); returns how many
    records carry this transfer's number at the end. ``on_chunk(done, total)`` reports progress.

    Running it again after a crash moves only what is left: nothing twice, nothing lost.
    """
    from shebao.core.db import session_scope

    with session_scope(engine) as session:
        transfer = _by_no(session, transfer_no)
        ids = pending_records(session, transfer)
        todo = statement_rows_pending(session, transfer, rows)
        done = count_moved(session, transfer_no)
    total = done + len(ids) + len(todo)
    work: list[tuple[list[int], list[StatementRow]]] = [
        (ids[i:i + chunk_size], []) for i in range(0, len(ids), chunk_size)]
    work += [([], todo[i:i + chunk_size]) for i in range(0, len(todo), chunk_size)]
    for chunk_ids, chunk_rows in work:
        with session_scope(engine) as session:
            transfer = _by_no(session, transfer_no)
            move_chunk(session, transfer=transfer, ids=chunk_ids, rows=chunk_rows)
            transfer.records_moved = count_moved(session, transfer_no)
            done = transfer.records_moved
        if on_chunk is not None:
            on_chunk(done, total)
    with session_scope(engine) as session:
        return count_moved(session, transfer_no)


def _by_no(session: Session, transfer_no: str) -> PensionTransfer:
    transfer = session.scalar(select(PensionTransfer).where(PensionTransfer.transfer_no == transfer_no))
    if transfer is None:
        raise TransferError(f"转移业务 {transfer_no} 不存在", "transfer_no")
    return transfer


def moved_records(session: Session, *, transfer_no: str, limit: int = 500) -> list[dict[str, Any]]:
    """The records a transfer moved, with their origin (for the page and the printed form)."""
    rows = session.execute(select(Contribution.period, Contribution.base, Contribution.origin_region,
                                  Contribution.employer_id).where(Contribution.transfer_no == transfer_no)
                           .order_by(Contribution.period).limit(limit)).all()
    return [{"period": p, "base": f"{b:.2f}", "origin_region": o, "employer_id": e} for p, b, o, e in rows]


__all__ = [
    "StatementRow", "TransferError", "certificate_data", "count_moved", "drawing_pension",
    "history_from_registry", "move_records", "moved_records", "parse_statement_rows", "reconcile",
]


def retirement_place(session: Session, *, person_id: str, on: dt.date, household_region: str | None = None,
                     params: Any = None, person: Person | None = None) -> dict[str, Any] | None:
    """Where the person's pension is computed and paid at retirement (the pension-place rule on the
    registry's whole history), for a person who moved (a transfer on record) or whose household
    region is given; None otherwise. The pension itself uses the combined years and each year's
    base as the policy engine does for everyone (the moved records are in the registry).

    Args:
        person: the person's record when the caller has read it (its ``person_id`` and
            ``region_code`` are used), else it is loaded.
    """
    from shebao.policy.transfer import LAW_REF, MEASURE, pension_place, province

    if person is None:
        person = get_person(session, person_id)
    last = session.scalar(select(PensionTransfer).where(
        PensionTransfer.person_id == person_id, PensionTransfer.status.in_(PLACING_STATUSES))
        .order_by(PensionTransfer.id.desc()).limit(1))
    household = household_region or (last.household_region if last is not None else None)
    if household is None:
        return None
    relationship = last.from_region if last is not None and last.status == "temporary" else person.region_code
    months: dict[str, int] = {}
    last_year: dict[str, int] = {}
    for _id, period, region, _b, _no in _regions_of(session, person):
        months[region] = months.get(region, 0) + 1
        last_year[region] = max(last_year.get(region, 0), int(period[:4]))
    place, branch, step = pension_place(relationship_region=relationship, household_region=household,
                                        months_by_region=months, last_year_by_region=last_year, on=on, params=params)
    here = province(person.region_code)
    return {"person_id": person_id, "pension_place": place, "branch": branch, "here": province(place) == here,
            "temporary_account": bool(last is not None and last.status == "temporary"),
            "months": sum(months.values()), "step": step, "reference": f"{LAW_REF}；{MEASURE}（未核实）"}
