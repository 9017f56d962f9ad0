"""Synthetic work-injury medical bills (``shebao synth --bills``): hospitals, the shipped synthetic
catalogue, and bills of injured persons with labelled planted errors.

Each injured person has one hospital stay for a recognised injury (fracture, concussion, burn or
open wound), priced at the hospital's own share of the catalogue's caps, and up to two outpatient
follow-ups. Clean lines break no rule (tests check it): every item is in the catalogue and fits
its limits, at most one line of an item a day, no bundled item beside its bundle, every service
inside the stay, non-agreement hospitals only for emergencies.

Planted errors (``bill_labels.csv``: bill_id, line_no, rule_id; ``line_no`` empty for a whole-bill
rule) go into ``error_rate`` of the stays, one rule each in turn, so that every rule is planted:
M01 an item outside the catalogue, M02 a price a little above the cap, M03 a quantity over the
daily limit, M04 a service the day before admission, M05 a second bed the same day, M06 an item
beside the bundle that includes it, M07 an item for the other sex, M08 a drug for another
diagnosis, M09 a treatment end before the last days (every later line labelled), M10 a follow-up
at a non-agreement hospital that was no emergency. ``B01`` labels a padded quantity (a
rehabilitation session billed eight times over), for the anomaly model: no rule catches it.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "bills" / "data" / "synthetic_catalogue.csv"
RULES = ("M01", "M02", "M03", "M04", "M05", "M06", "M07", "M08", "M09", "M10")
CENT = Decimal("0.01")

HOSPITALS = (
    ("HOSP01", "合成济南第一医院", "370100", True), ("HOSP02", "合成青岛骨科医院", "370200", True),
    ("HOSP03", "合成淄博人民医院", "370300", True), ("HOSP04", "合成烟台中心医院", "370600", True),
    ("HOSP05", "合成潍坊创伤医院", "370700", True), ("HOSP06", "合成济宁医学院附属医院", "370800", True),
    ("HOSP07", "合成临沂烧伤医院", "371300", True), ("HOSP08", "合成东营胜利医院", "370500", True),
    ("HOSP09", "合成德州市立医院", "371400", True), ("HOSP10", "合成聊城社区诊所", "371500", False),
    ("HOSP11", "合成滨州镇卫生院", "371600", False), ("HOSP12", "合成菏泽民营医院", "371700", False),
)
# (ICD-10 code, kind of stay, length of stay range)
DIAGNOSES = (
    ("S82.1", "fracture", (5, 14)), ("S52.5", "fracture", (4, 10)), ("S62.6", "fracture", (3, 7)),
    ("S92.3", "fracture", (4, 9)), ("S32.0", "fracture_conservative", (6, 14)), ("S06.0", "head", (3, 8)),
    ("T20.2", "burn", (5, 12)), ("S61.0", "wound", (1, 4)),
)
FREE_DRUGS = ("DR01", "DR02", "DR03", "DR07", "MA03")


@dataclass
class Item:
    code: str
    name: str
    category: str
    cap: Decimal
    daily: Decimal | None


@dataclass
class BillsSummary:
    rows: dict[str, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"rows": self.rows, "labels": self.labels}


def load_catalogue() -> dict[str, Item]:
    with CATALOGUE.open(encoding="utf-8", newline="") as fh:
        return {r["item_code"]: Item(r["item_code"], r["item_name"], r["category"], Decimal(r["price_cap"]),
                                     Decimal(r["max_daily_quantity"]) if r["max_daily_quantity"] else None)
                for r in csv.DictReader(fh)}


class _Bill:
    def __init__(self, bill_id: str, person: tuple[str, str, str], hospital: str, admit: date, discharge: date,
                 injury: date, diagnosis: str, emergency: bool):
        self.bill_id, self.person, self.hospital = bill_id, person, hospital
        self.admit, self.discharge, self.injury, self.diagnosis = admit, discharge, injury, diagnosis
        self.emergency = emergency
        self.end: date | None = None
        self.lines: list[list] = []          # [line_no, date, code, quantity, price]

    def add(self, day: date, code: str, quantity: Decimal | int, price: Decimal) -> int:
        line_no = len(self.lines) + 1
        self.lines.append([line_no, day, code, Decimal(quantity), price])
        return line_no

    def has(self, day: date, code: str) -> bool:
        return any(ln[1] == day and ln[2] == code for ln in self.lines)


class _Generator:
    def __init__(self, seed: int, as_of: date):
        self.rng = random.Random(f"shebao-bills-{seed}")
        self.as_of = as_of
        self.catalogue = load_catalogue()
        # each hospital prices at its own share of the caps (85–100 %)
        self.factor = {h[0]: Decimal(self.rng.randint(85, 100)) / 100 for h in HOSPITALS}
        self.agreement = [h[0] for h in HOSPITALS if h[3]]
        self.other = [h[0] for h in HOSPITALS if not h[3]]
        self.labels: list[tuple[str, int | None, str]] = []

    def price(self, hospital: str, code: str) -> Decimal:
        return (self.catalogue[code].cap * self.factor[hospital]).quantize(CENT, ROUND_HALF_UP)

    def qty(self, code: str, low: int = 1, high: int | None = None) -> int:
        daily = self.catalogue[code].daily
        top = min(high or 99, int(daily)) if daily is not None else (high or 1)
        return self.rng.randint(min(low, top), top)

    def stay(self, bill: _Bill, kind: str) -> None:
        h, days = bill.hospital, (bill.discharge - bill.admit).days + 1
        for i in range(days):
            day = bill.admit + timedelta(days=i)
            add = lambda code, q=1, day=day: bill.add(day, code, q, self.price(h, code))  # noqa: E731
            if kind != "outpatient":
                add("BED01")
                add("NUR01")
                add("OT02")
            if kind in ("fracture", "fracture_conservative"):
                if i == 0:
                    add("EX01")
                    add("EX02")
                    if self.rng.random() < 0.5:
                        add("EX03")
                if kind == "fracture" and i == 1:
                    add("TR03")
                    add("MA02", 1)
                    add("DR07", self.qty("DR07"))
                else:
                    if i >= 3:
                        add("TR02")
                add("DR01", self.qty("DR01", 2))
                add("DR03", self.qty("DR03", 2))
                add("OT01", self.qty("OT01", 2, 4))
                add("DR06", self.qty("DR06"))
                if i >= 4:
                    add("TR06")
            elif kind == "head":
                if i == 0:
                    add("EX03")
                    add("EX02")
                add("DR04", self.qty("DR04", 2))
                add("DR03", self.qty("DR03", 2))
                add("OT01", self.qty("OT01", 2, 4))
                add("DR02", self.qty("DR02"))
            elif kind == "burn":
                if i == 0:
                    add("EX02")
                add("TR07")
                add("DR05", self.qty("DR05"))
                add("MA03", self.qty("MA03", 2, 8))
                add("DR01", self.qty("DR01", 2))
            elif kind == "wound":
                if i == 0:
                    add("TR01")
                    add("EX02")
                else:
                    add("TR02")
                    add("MA01", self.qty("MA01", 2, 4))
                add("DR01", self.qty("DR01", 1, 2))
            elif kind == "outpatient":
                add(self.rng.choice(("EX01", "TR02", "TR06")))
                add("DR02", self.qty("DR02"))

    def plant(self, rule: str, stay: _Bill, followups: list[_Bill]) -> None:
        rng, h = self.rng, stay.hospital
        days = [stay.admit + timedelta(days=i) for i in range((stay.discharge - stay.admit).days + 1)]
        day = rng.choice(days)
        if rule == "M01":
            code = f"ZX{rng.randint(100, 999)}"
            price = Decimal(rng.randint(1000, 20000)) / 100
            n = stay.add(day, code, 1, price)
            stay.lines[-1].append(("自费药品（目录外）", "other"))
        elif rule == "M02":
            code = next((c for c in FREE_DRUGS if not any(ln[2] == c for ln in stay.lines)), "MA03")
            day = next(d for d in days if not stay.has(d, code))
            n = stay.add(day, code, 1, self.catalogue[code].cap + Decimal(rng.randint(1, 300)) / 100)
        elif rule == "M03":
            code = next((c for c in FREE_DRUGS if not any(ln[2] == c for ln in stay.lines)), "MA03")
            day = next(d for d in days if not stay.has(d, code))
            extra = rng.randint(1, 2)
            n = stay.add(day, code, int(self.catalogue[code].daily) + extra, self.price(h, code))
        elif rule == "M04":
            n = stay.add(stay.admit - timedelta(days=1), "TR02", 1, self.price(h, "TR02"))
        elif rule == "M05":  # every day of a stay has its bed: a second one
            n = stay.add(day, "BED01", 1, self.price(h, "BED01"))
        elif rule == "M06":
            bundle_day = next((ln[1] for ln in stay.lines if ln[2] in ("TR03", "TR01")), None)
            if bundle_day is not None:
                code = "TR04" if stay.has(bundle_day, "TR03") else "MA01"
                if stay.has(bundle_day, "TR01"):
                    code = "MA01"
                n = stay.add(bundle_day, code, 1, self.price(h, code))
            else:
                free = next((d for d in days if not any(stay.has(d, c) for c in ("TR01", "TR02", "MA01"))), days[0])
                stay.add(free, "TR01", 1, self.price(h, "TR01"))
                n = stay.add(free, "TR02", 1, self.price(h, "TR02"))
        elif rule == "M07":
            code = "EX05" if stay.person[1] == "M" else "EX06"
            n = stay.add(day, code, 1, self.price(h, code))
        elif rule == "M08":  # a burn cream for a fracture, a dehydrating drug for a burn
            code = "DR04" if stay.diagnosis.startswith("T") else "DR05"
            n = stay.add(day, code, 1, self.price(h, code))
        elif rule == "M09":
            end = stay.discharge - timedelta(days=1)
            for bill in (stay, *followups):
                bill.end = end
                for ln in bill.lines:
                    if ln[1] > end:
                        self.labels.append((bill.bill_id, ln[0], "M09"))
            return
        else:  # M10
            bill = followups[0] if followups else stay
            bill.hospital, bill.emergency = self.rng.choice(self.other), False
            for ln in bill.lines:
                ln[4] = self.price(bill.hospital, ln[2]) if ln[2] in self.catalogue else ln[4]
            self.labels.append((bill.bill_id, None, "M10"))
            return
        self.labels.append((stay.bill_id, n, rule))

    def person_bills(self, index: int, person: tuple[str, str, str], planted: str | None) -> list[_Bill]:
        rng = self.rng
        code, kind, (low, high) = rng.choice(DIAGNOSES)
        length = rng.randint(low, high)
        injury = self.as_of - timedelta(days=rng.randint(60, 700))
        admit = injury + timedelta(days=rng.randint(0, 1))
        hospital = rng.choice(self.agreement)
        emergency = False
        if rng.random() < 0.04:  # taken to the nearest clinic in an emergency: paid
            hospital, emergency = rng.choice(self.other), True
        stay = _Bill(f"BL{index:07d}01", person, hospital, admit, admit + timedelta(days=length - 1), injury, code,
                     emergency)
        self.stay(stay, kind)
        followups = []
        last = stay.discharge
        for k in range(rng.randint(0, 2)):
            last = last + timedelta(days=rng.randint(7, 30))
            visit = _Bill(f"BL{index:07d}{k + 2:02d}", person, stay.hospital if not stay.emergency else
                          rng.choice(self.agreement), last, last, injury, code, False)
            self.stay(visit, "outpatient")
            followups.append(visit)
        if rng.random() < 0.3:
            end = last + timedelta(days=30)
            for bill in (stay, *followups):
                bill.end = end
        if planted is not None:
            self.plant(planted, stay, followups)
        elif kind == "fracture" and rng.random() < 0.05:
            rehab = [ln for ln in stay.lines if ln[2] == "TR06"]
            if rehab:
                line = rng.choice(rehab)
                line[3] = Decimal(8)
                self.labels.append((stay.bill_id, line[0], "B01"))
        return [stay, *followups]


def _open(path: Path):
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def read_persons(folder: Path) -> list[tuple[str, str, str]]:
    """(person_id, sex, birth date) of the population in ``folder`` (persons.csv or .parquet)."""
    parquet = folder / "persons.parquet"
    if parquet.exists():
        import pyarrow.parquet as pq

        t = pq.read_table(parquet, columns=["person_id", "sex", "birth_date"]).to_pydict()
        return [(str(p), str(s), str(b)[:10]) for p, s, b in zip(t["person_id"], t["sex"], t["birth_date"], strict=True)]
    with (folder / "persons.csv").open(encoding="utf-8", newline="") as fh:
        return [(r["person_id"], r["sex"], r["birth_date"]) for r in csv.DictReader(fh)]


def generate_bills(
    out: Path, *, persons: list[tuple[str, str, str]], stays: int, seed: int, as_of: date,
    error_rate: float = 0.3,
) -> BillsSummary:
    """Write hospitals.csv, catalogue.csv, bills.csv, bill_items.csv and bill_labels.csv into ``out``.

    Args:
        persons: (person_id, sex, birth date) to draw the injured from (each at most once).
        stays: hospital stays to generate (one injured person each; capped at the persons given).
        error_rate: share of the stays with one planted error (the rules in turn).
    """
    gen = _Generator(seed, as_of)
    out.mkdir(parents=True, exist_ok=True)
    chosen = gen.rng.sample(range(len(persons)), min(stays, len(persons)))
    summary = BillsSummary()
    with _open(out / "hospitals.csv") as fh:
        w = csv.writer(fh)
        w.writerow(["hospital_id", "name", "region_code", "agreement"])
        for hid, name, region, agreement in HOSPITALS:
            w.writerow([hid, name, region, "true" if agreement else "false"])
    summary.rows["hospitals"] = len(HOSPITALS)
    with _open(out / "catalogue.csv") as fh:
        fh.write(CATALOGUE.read_text(encoding="utf-8"))
    summary.rows["catalogue"] = len(gen.catalogue)
    n_bills = n_lines = planted = 0
    with _open(out / "bills.csv") as bf, _open(out / "bill_items.csv") as lf:
        bw, lw = csv.writer(bf), csv.writer(lf)
        bw.writerow(["bill_id", "person_id", "hospital_id", "admit_date", "discharge_date", "injury_date",
                     "diagnosis_code", "treatment_end_date", "emergency"])
        lw.writerow(["bill_id", "line_no", "service_date", "item_code", "item_name", "category", "quantity",
                     "unit_price", "amount"])
        for index, p in enumerate(chosen, start=1):
            rule = None
            if gen.rng.random() < error_rate:
                rule = RULES[planted % len(RULES)]
                planted += 1
            for bill in gen.person_bills(index, persons[p], rule):
                bw.writerow([bill.bill_id, bill.person[0], bill.hospital, bill.admit.isoformat(),
                             bill.discharge.isoformat(), bill.injury.isoformat(), bill.diagnosis,
                             bill.end.isoformat() if bill.end else "", "true" if bill.emergency else "false"])
                n_bills += 1
                for ln in bill.lines:
                    line_no, day, code, quantity, price = ln[:5]
                    item = gen.catalogue.get(code)
                    name, category = (item.name, item.category) if item else ln[5]
                    amount = (quantity * price).quantize(CENT, ROUND_HALF_UP)
                    lw.writerow([bill.bill_id, line_no, day.isoformat(), code, name, category, quantity, price, amount])
                    n_lines += 1
    with _open(out / "bill_labels.csv") as fh:
        w = csv.writer(fh)
        w.writerow(["bill_id", "line_no", "rule_id"])
        for bill_id, line_no, rule in sorted(gen.labels, key=lambda x: (x[0], -1 if x[1] is None else x[1], x[2])):
            w.writerow([bill_id, "" if line_no is None else line_no, rule])
            summary.labels[rule] = summary.labels.get(rule, 0) + 1
    summary.rows.update({"bills": n_bills, "bill_items": n_lines, "bill_labels": len(gen.labels)})
    return summary
