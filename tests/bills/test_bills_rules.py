"""Every bill rule on a folder that plants each error beside its near miss, on DuckDB and on Spark.

Near misses: the day of admission (vs the day before), a price equal to the cap (vs a fen above),
the daily limit reached (vs exceeded), the same item on two different days, the day of the
treatment end, the eighteenth birthday itself, an emergency at a non-agreement hospital.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from bills_builders import BillsFolder

from shebao.bills.audit import audit_folder, write_flags_csv


def scenario() -> BillsFolder:
    b = BillsFolder()
    (b.item("D1", category="drug", price_cap="30.00", max_daily="3")
      .item("BED", category="bed").item("EX", category="exam")
      .item("BUN", includes="X2;EX9").item("X2").item("F1", sex="F")
      .item("A18", min_age="18", max_age="60").item("K1", category="drug", icd="t14;S82.1")
      .item("K2", category="drug", icd="S83"))
    b.hospital("H2", agreement=False, name="合成非协议诊所")
    b.person("P2", sex="F", birth_date="2008-03-20").person("P3", birth_date="1965-03-21")
    b.bill("B1", treatment_end="2026-03-18", diagnosis="s82.1")
    (b.line("B1", 1, date="2026-03-10")                       # the day of admission: paid
      .line("B1", 2, date="2026-03-09")                       # M04: the day before
      .line("B1", 3, item="NOPE", category="other")           # M01
      .line("B1", 4, item="D1", price="30.00")                # the cap itself: paid
      .line("B1", 5, item="D1", price="30.01", date="2026-03-13")   # M02: a fen above
      .line("B1", 6, item="D1", quantity="2", price="30.00", date="2026-03-14")
      .line("B1", 7, item="D1", quantity="2", price="29.00", date="2026-03-14")  # M03 (with B3 line 1)
      .line("B1", 8, item="D1", quantity="3", date="2026-03-15", price="20.00")  # the limit itself
      .line("B1", 9, item="D1", quantity="2", date="2026-03-16", price="20.00")
      .line("B1", 10, item="D1", quantity="2", date="2026-03-17", price="20.00")  # two days, 2 + 2
      .line("B1", 11, item="BED", price="80.00")
      .line("B1", 12, item="BED", price="80.00")               # M05: second bed the same day
      .line("B1", 13, item="BED", price="80.00", date="2026-03-13")  # the next day: paid
      .line("B1", 14, item="EX", price="50.00")                # first copy (B3 line 2 repeats it)
      .line("B1", 15, item="BUN", price="200.00", date="2026-03-15")
      .line("B1", 16, item="X2", price="40.00", date="2026-03-15")    # M06: included in BUN that day
      .line("B1", 17, item="X2", price="40.00", date="2026-03-16")    # another day: paid
      .line("B1", 18, item="F1")                               # M07: a man
      .line("B1", 19, item="K1", category="drug")              # S82.1 covers s82.1: paid
      .line("B1", 20, item="K2", category="drug")              # M08
      .line("B1", 21, date="2026-03-18")                       # the treatment end itself: paid
      .line("B1", 22, date="2026-03-19")                       # M09
      .line("B1", 23, item="NOPE2", category="other", date="2026-03-21", price="5.00"))  # M01, M04, M09
    b.bill("B2", hospital="H2", admit="2026-04-01", discharge="2026-04-01").line("B2", 1, date="2026-04-01",
                                                                               price="15.50")  # M10
    b.bill("B3").line("B3", 1, item="D1", quantity="1", price="28.00", date="2026-03-14").line(
        "B3", 2, item="EX", price="50.00")                     # M03 share; M05 across bills
    b.bill("B4", person="P2", hospital="H2", emergency=True, admit="2026-03-19", discharge="2026-03-25")
    (b.line("B4", 1, item="A18", date="2026-03-19")            # M07: 17 the day before her birthday
      .line("B4", 2, item="A18", date="2026-03-20")            # 18 on the day: paid
      .line("B4", 3, item="F1", date="2026-03-21"))            # a woman: paid
    b.bill("B5", person="P3", admit="2026-03-20", discharge="2026-03-22")
    b.line("B5", 1, item="A18", date="2026-03-20").line("B5", 2, item="A18", date="2026-03-21")  # 60 paid; 61 M07
    return b


EXPECTED = {
    ("B1", 2, "M04", "10.00"), ("B1", 3, "M01", "10.00"), ("B1", 5, "M02", "0.01"),
    ("B1", 7, "M03", "29.00"), ("B3", 1, "M03", "28.00"),
    ("B1", 12, "M05", "80.00"), ("B3", 2, "M05", "50.00"), ("B1", 16, "M06", "40.00"),
    ("B1", 18, "M07", "10.00"), ("B1", 20, "M08", "10.00"), ("B1", 22, "M09", "10.00"),
    ("B1", 23, "M01", "5.00"), ("B1", 23, "M04", "5.00"), ("B1", 23, "M09", "5.00"),
    ("B2", None, "M10", "15.50"), ("B4", 1, "M07", "10.00"), ("B5", 2, "M07", "10.00"),
}


@pytest.fixture
def folder(tmp_path):
    return scenario().write(tmp_path / "bills")


def test_each_rule_and_its_near_miss(batch_engine, folder, tmp_path):
    result = audit_folder(folder, engine=batch_engine, reports_dir=tmp_path / "reports", anomaly=False)
    got = {(f.bill_id, f.line_no, f.rule_id, f"{f.amount_disallowed:.2f}") for f in result.flags}
    assert got == EXPECTED, (got - EXPECTED, EXPECTED - got)
    assert result.check.rejects == []
    summary = result.summary()
    b1 = summary["per_bill"]["B1"]
    # B1's lines: line 23 breaks three rules and counts once (5.00)
    disallowed = Decimal("10.00") * 5 + Decimal("0.01") + Decimal("29.00") + Decimal("80.00") + Decimal("40.00") \
        + Decimal("5.00")
    assert Decimal(b1["disallowed"]) == disallowed
    assert Decimal(b1["payable"]) == Decimal(b1["claimed"]) - disallowed
    assert summary["per_bill"]["B2"] == {"hospital_id": "H2", "person_id": "P1", "lines": 1, "claimed": "15.50",
                                         "disallowed": "15.50", "payable": "0.00"}
    assert summary["per_bill"]["B4"]["disallowed"] == "10.00"  # an emergency: only the age line
    assert summary["per_rule"]["M03"]["disallowed"] == "57.00"
    assert summary["per_rule"]["M01"]["flags"] == 2
    h2 = summary["per_hospital"]["H2"]
    assert h2["bills"] == 2 and h2["disallowed"] == "25.50"
    total = summary["totals"]
    assert Decimal(total["claimed"]) - Decimal(total["disallowed"]) == Decimal(total["payable"])
    out = tmp_path / "flags.csv"
    assert write_flags_csv(result.flags, out) == len(EXPECTED)
    text = out.read_text(encoding="utf-8").splitlines()
    assert text[0] == "bill_id,line_no,rule_id,amount_disallowed,reason"
    assert any(line.startswith("B2,,M10,15.50,") for line in text)


def test_m03_puts_the_excess_on_the_last_lines(batch_engine, tmp_path):
    b = BillsFolder().item("D1", category="drug", max_daily="5")
    b.bill("B1").bill("B2").bill("B3")
    # 3 + 2 + 4 = 9 units on one day, limit 5: excess 4, all on B2 line 1 (last in (bill_id, line_no) order)
    b.line("B1", 1, item="D1", quantity="3", price="1.10").line("B1", 2, item="D1", quantity="2", price="1.20")
    b.line("B2", 1, item="D1", quantity="4", price="1.30")
    # another day: 2.5 + 3 = 5.5, excess 0.5 on the last line (valued at its price, half-up to the fen)
    b.line("B1", 3, item="D1", quantity="2.5", price="0.99", date="2026-03-13")
    b.line("B1", 4, item="D1", quantity="3", price="0.33", date="2026-03-13")
    # a third day: 4 + 1 + 2 = 7, excess 2: all on line 7 (its 2 units), nothing on the lines before
    b.line("B1", 5, item="D1", quantity="4", price="2.00", date="2026-03-14")
    b.line("B1", 6, item="D1", quantity="1", price="3.00", date="2026-03-14")
    b.line("B1", 7, item="D1", quantity="2", price="3.00", date="2026-03-14")
    # a fourth day across two bills: 4 + 1 + 2 + 1 = 8, excess 3
    b.line("B1", 8, item="D1", quantity="4", price="2.00", date="2026-03-15")
    b.line("B1", 9, item="D1", quantity="1", price="3.00", date="2026-03-15")
    b.line("B1", 10, item="D1", quantity="2", price="7.00", date="2026-03-15")
    b.line("B3", 1, item="D1", quantity="1", price="5.00", date="2026-03-15")
    result = audit_folder(b.write(tmp_path / "f"), engine=batch_engine, rule_ids=["M03"], anomaly=False,
                          reports_dir=tmp_path / "r")
    got = {(f.bill_id, f.line_no, f"{f.amount_disallowed:.2f}") for f in result.flags}
    # day 4: 4 + 1 + 2 + 1 = 8, excess 3: B3/1 takes 1 (5.00), B1/10 takes 2 (14.00), none left for B1/9
    assert got == {("B2", 1, "5.20"), ("B1", 4, "0.17"), ("B1", 7, "6.00"), ("B3", 1, "5.00"), ("B1", 10, "14.00")}


def test_evaluation_on_synthetic_bills_finds_every_planted_error():
    from shebao.training.bills import evaluate_from_synth

    report = evaluate_from_synth(stays=200, seed=4, error_rate=0.5)
    assert report["exact"]
    assert all(row["planted"] > 0 and row["found"] == row["planted"] == row["flagged"]
               for row in report["rules"].values())
    assert report["model"]["hinted"] == report["model"]["padded_quantities"]
