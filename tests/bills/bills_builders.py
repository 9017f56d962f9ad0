"""A small builder of bills exchange folders for tests: defaults for everything, override what matters."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from shebao.bills.exchange import COLUMNS


class BillsFolder:
    """Rows of the five files; ``write`` puts them in a folder.

    One agreement hospital ``H1``, one person ``P1`` (male, born 1980-06-15) and an open catalogue
    item ``X1`` (treatment, no limits) are there from the start.
    """

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, str]]] = {name: [] for name in COLUMNS}
        self.persons: list[dict[str, str]] = []
        self.hospital("H1")
        self.person("P1")
        self.item("X1")

    def hospital(self, hospital_id: str, *, agreement: bool = True, name: str = "合成第一医院") -> BillsFolder:
        self.rows["hospitals"].append({"hospital_id": hospital_id, "name": name, "region_code": "370500",
                                       "agreement": "true" if agreement else "false"})
        return self

    def person(self, person_id: str, *, sex: str = "M", birth_date: str = "1980-06-15") -> BillsFolder:
        self.persons.append({"person_id": person_id, "sex": sex, "birth_date": birth_date})
        return self

    def item(self, code: str, *, category: str = "treatment", price_cap: str = "", max_daily: str = "",
             sex: str = "", min_age: str = "", max_age: str = "", icd: str = "", includes: str = "") -> BillsFolder:
        self.rows["catalogue"].append({"item_code": code, "item_name": f"项目{code}", "category": category,
                                       "price_cap": price_cap, "max_daily_quantity": max_daily, "sex": sex,
                                       "min_age": min_age, "max_age": max_age, "icd_prefixes": icd,
                                       "includes": includes})
        return self

    def bill(self, bill_id: str, *, person: str = "P1", hospital: str = "H1", admit: str = "2026-03-10",
             discharge: str = "2026-03-20", injury: str = "2026-03-09", diagnosis: str = "S82.1",
             treatment_end: str = "", emergency: bool = False) -> BillsFolder:
        self.rows["bills"].append({"bill_id": bill_id, "person_id": person, "hospital_id": hospital,
                                   "admit_date": admit, "discharge_date": discharge, "injury_date": injury,
                                   "diagnosis_code": diagnosis, "treatment_end_date": treatment_end,
                                   "emergency": "true" if emergency else "false"})
        return self

    def line(self, bill_id: str, line_no: int, *, item: str = "X1", date: str = "2026-03-12",
             quantity: str = "1", price: str = "10.00", category: str | None = None,
             amount: str | None = None) -> BillsFolder:
        cat = category or next((r["category"] for r in self.rows["catalogue"] if r["item_code"] == item), "other")
        value = amount or str((Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01"), ROUND_HALF_UP))
        self.rows["bill_items"].append({"bill_id": bill_id, "line_no": str(line_no), "service_date": date,
                                        "item_code": item, "item_name": f"项目{item}", "category": cat,
                                        "quantity": quantity, "unit_price": price, "amount": value})
        return self

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, columns in COLUMNS.items():
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns)
                writer.writeheader()
                writer.writerows(self.rows[name])
        with (folder / "persons.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["person_id", "sex", "birth_date"])
            writer.writeheader()
            writer.writerows(self.persons)
        return folder
