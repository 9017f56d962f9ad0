"""Builders for small exchange folders written by the risk tests."""

from __future__ import annotations

import csv
import itertools
from datetime import date
from pathlib import Path

from shebao.core.validators import id_check_char

COLUMNS = {
    "persons": ["person_id", "id_number", "name", "sex", "birth_date", "region_code", "phone",
                "original_retirement_age", "deemed_months"],
    "benefits": ["benefit_id", "person_id", "kind", "region_code", "start_date", "end_date", "monthly_amount",
                 "status", "bank_account"],
    "payments": ["payment_id", "benefit_id", "person_id", "period", "paid_date", "amount", "bank_account",
                 "kind", "status"],
    "deaths": ["id_number", "name", "death_date", "source"],
    "incarcerations": ["id_number", "start_date", "end_date", "source"],
    "certifications": ["person_id", "certified_date", "method"],
    "contributions": ["person_id", "employer_id", "period", "insurance", "base", "employee_amount",
                      "employer_amount", "paid_date"],
    "contribution_years": ["person_id", "year", "insurance", "months", "avg_base", "avg_index"],
}


def make_id(seq: int, birth: str = "19600101", region: str = "370502") -> str:
    body = f"{region}{birth.replace('-', '')}{seq % 1000:03d}"
    return body + id_check_char(body)


def months(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class ExchangeBuilder:
    """Build a tiny exchange folder row by row; sensible defaults keep each test short."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {t: [] for t in COLUMNS}
        self._seq = itertools.count(1)

    def person(self, pid: str, *, id_number: str | None = None, name: str = "张三明", birth: str = "1960-01-01",
               region: str = "370502", retirement_age: int = 60, deemed: int = 0, certified: str | None = "2026-06-01",
               contrib_years: int | None = 30) -> str:
        id_number = id_number or make_id(next(self._seq), birth)
        self.rows["persons"].append({
            "person_id": pid, "id_number": id_number, "name": name, "sex": "M", "birth_date": birth,
            "region_code": region, "phone": "13812345678", "original_retirement_age": retirement_age,
            "deemed_months": deemed})
        if certified:
            self.certify(pid, certified)
        if contrib_years:
            # A full career in yearly summaries keeps B03 quiet unless a test says otherwise.
            start = int(birth[:4]) + 20
            for y in range(start, start + contrib_years):
                self.rows["contribution_years"].append({
                    "person_id": pid, "year": y, "insurance": "pension", "months": 12, "avg_base": "3000.00",
                    "avg_index": "1.0"})
        return id_number

    def benefit(self, bid: str, pid: str, *, kind: str = "pension", region: str = "370502", start: str = "2020-01-01",
                end: str = "", amount: str = "3000.00", status: str = "active", account: str = "6222020000000001") -> None:
        self.rows["benefits"].append({
            "benefit_id": bid, "person_id": pid, "kind": kind, "region_code": region, "start_date": start,
            "end_date": end, "monthly_amount": amount, "status": status, "bank_account": account})

    def pay(self, bid: str, pid: str, periods: list[str] | str, *, amount: str = "3000.00",
            account: str = "6222020000000001", paid_day: str = "15", paid_date: str | None = None,
            kind: str = "regular", status: str = "paid") -> None:
        for period in [periods] if isinstance(periods, str) else periods:
            self.rows["payments"].append({
                "payment_id": f"P{next(self._seq):06d}", "benefit_id": bid, "person_id": pid, "period": period,
                "paid_date": paid_date or f"{period}-{paid_day}", "amount": amount, "bank_account": account,
                "kind": kind, "status": status})

    def death(self, id_number: str, death_date: str, *, name: str = "张三明", source: str = "civil_affairs") -> None:
        self.rows["deaths"].append({"id_number": id_number, "name": name, "death_date": death_date, "source": source})

    def prison(self, id_number: str, start: str, end: str = "", source: str = "justice") -> None:
        self.rows["incarcerations"].append({"id_number": id_number, "start_date": start, "end_date": end,
                                            "source": source})

    def certify(self, pid: str, when: str, method: str = "face") -> None:
        self.rows["certifications"].append({"person_id": pid, "certified_date": when, "method": method})

    def contribution(self, pid: str, period: str, insurance: str = "pension") -> None:
        self.rows["contributions"].append({
            "person_id": pid, "employer_id": "", "period": period, "insurance": insurance, "base": "3000.00",
            "employee_amount": "240.00", "employer_amount": "480.00", "paid_date": f"{period}-20"})

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for table, columns in COLUMNS.items():
            with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns)
                writer.writeheader()
                writer.writerows(self.rows[table])
        return folder


AS_OF = date(2026, 10, 31)
