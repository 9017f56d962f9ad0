"""Where the person records to link come from: an exchange folder's ``persons.csv`` (with bank
accounts from ``benefits.csv`` and ``payments.csv`` when they are there), or the registry."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from shebao.linkage.features import PersonInput

# The columns of persons.csv linkage reads; phone is optional.
REQUIRED_COLUMNS = ("person_id", "id_number", "name", "sex", "birth_date", "region_code")
OPTIONAL_COLUMNS = ("phone",)


class SourceError(ValueError):
    """The folder cannot be linked as it is (the message names the file and the column)."""


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _accounts_from_folder(folder: Path, index: Any) -> dict[str, list[str]]:
    accounts: dict[str, set[str]] = defaultdict(set)
    for table in ("benefits", "payments"):
        path = folder / f"{table}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "person_id" not in reader.fieldnames \
                    or "bank_account" not in reader.fieldnames:
                continue
            for row in reader:
                acct = (row.get("bank_account") or "").strip()
                if acct:
                    accounts[row["person_id"].strip()].add(acct)
    # one blind index per distinct account (the same function the registry stores)
    cache: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for pid, accts in accounts.items():
        out[pid] = [cache.setdefault(a, index(a)) for a in sorted(accts)]
    return out


def read_folder(folder: str | Path) -> tuple[list[PersonInput], dict[str, Any]]:
    """The person records of an exchange folder, and what was noticed (bad birth dates)."""
    from shebao.core.crypto import blind_index

    folder = Path(folder)
    path = folder / "persons.csv"
    if not folder.is_dir():
        raise SourceError(f"目录不存在：{folder}")
    if not path.exists():
        raise SourceError(f"{folder} 中缺少 persons.csv")
    accounts = _accounts_from_folder(folder, blind_index)
    notes: dict[str, Any] = {"bad_birth_date": []}
    persons: list[PersonInput] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise SourceError(f"{path} 缺少列：{'、'.join(missing)}（需要 {', '.join(REQUIRED_COLUMNS)}）")
        reader.fieldnames = header
        for line, row in enumerate(reader, start=2):
            pid = (row.get("person_id") or "").strip()
            if not pid:
                raise SourceError(f"{path} 第 {line} 行：person_id 为空")
            if pid in seen:
                raise SourceError(f"{path} 第 {line} 行：person_id {pid} 重复")
            seen.add(pid)
            born = _parse_date(row.get("birth_date"))
            if row.get("birth_date") and born is None and len(notes["bad_birth_date"]) < 1000:
                notes["bad_birth_date"].append(pid)
            persons.append(PersonInput(
                person_id=pid, name=row.get("name"), id_number=row.get("id_number"), sex=row.get("sex"),
                birth_date=born, region_code=row.get("region_code"), phone=row.get("phone"),
                account_bidx=accounts.get(pid, []),
            ))
    return persons, notes


def read_database(session: Any) -> Iterator[PersonInput]:
    """The registry's persons, decrypted in memory one batch at a time to derive their tokens;
    bank accounts through their stored blind index only (never decrypted)."""
    from sqlalchemy import select, union

    from shebao.registry.models import Benefit, Payment, Person

    accounts: dict[str, list[str]] = defaultdict(list)
    q = union(
        select(Benefit.person_id, Benefit.bank_account_bidx).where(Benefit.bank_account_bidx.is_not(None)),
        select(Payment.person_id, Payment.bank_account_bidx).where(Payment.bank_account_bidx.is_not(None)),
    )
    for pid, bidx in session.execute(q):
        accounts[pid].append(bidx)
    stmt = select(Person.person_id, Person.name, Person.id_number, Person.sex, Person.birth_date,
                  Person.region_code, Person.phone).order_by(Person.person_id).execution_options(yield_per=5000)
    for pid, name, id_number, sex, born, region, phone in session.execute(stmt):
        yield PersonInput(person_id=pid, name=name, id_number=id_number, sex=sex, birth_date=born,
                          region_code=region, phone=phone, account_bidx=sorted(set(accounts.get(pid, []))))
