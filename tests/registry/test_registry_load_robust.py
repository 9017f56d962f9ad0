"""Loads that lose nothing (issue 16 item 4) and legacy double payments kept as evidence (issue 14 item 6)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shebao.core.db import session_scope
from shebao.registry import loader
from shebao.registry.loader import LoadError, load_folder
from shebao.registry.models import Contribution, Payment, Person

from .builders import LI, ZHANG, ZHANG_CARD, basic_folder, id_number, person, write_folder


def _count(model) -> int:
    with session_scope() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _rejects(summary) -> list[dict]:
    with open(summary.rejects_file, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _contribution(pid: str, month: int, **extra) -> dict:
    row = {"person_id": pid, "employer_id": "E1", "period": f"2019-{month:02d}", "insurance": "pension",
           "base": "5000.00", "employee_amount": "400.00", "employer_amount": "800.00", "paid_date": ""}
    row.update(extra)
    return row


def test_nul_byte_and_200_kib_field_are_rejected_rows_and_the_rest_loads(db, tmp_path) -> None:
    data = basic_folder()
    data["persons"].append(person("P3", id_number(seq="151"), "王\x00五", "M", "1960-03-15"))
    data["persons"].append(person("P4", id_number(seq="171"), "赵" * (200 * 1024 // 3 + 10), "M", "1960-03-15"))
    data["persons"].append(person("P5", id_number(seq="191"), "钱七", "M", "1960-03-15"))
    data["contributions"] = [_contribution("P1", m) for m in range(1, 13)]
    data["contributions"][3]["base"] = "50\x0000.00"
    data["contributions"][7]["paid_date"] = "x" * (200 * 1024)
    summary = load_folder(write_folder(tmp_path / "x", data))
    assert summary.loaded["persons"] == 3 and summary.rejected["persons"] == 2
    assert summary.loaded["contributions"] == 10 and summary.rejected["contributions"] == 2
    assert summary.loaded["payments"] == 1 and not summary.errors  # later files loaded too
    by_line = {(r["file"], r["line"]): r for r in _rejects(summary)}
    nul = by_line[("persons.csv", "4")]
    assert nul["field"] == "name" and "NUL" in nul["reason"] and "\x00" not in nul["value"]
    long = by_line[("persons.csv", "5")]
    assert long["field"] == "name" and "SHEBAO_LOAD_MAX_FIELD_BYTES" in long["reason"] and len(long["value"]) < 120
    assert by_line[("contributions.csv", "5")]["field"] == "base"
    assert by_line[("contributions.csv", "9")]["field"] == "paid_date"
    with session_scope() as s:
        assert s.get(Person, "P5").name == "钱七" and s.get(Person, "P3") is None
    assert _count(Contribution) == 10
    written = json.loads(Path(summary.summary_file).read_text(encoding="utf-8"))
    assert written["loaded"]["contributions"] == 10 and written["rejects_file"] == summary.rejects_file


def test_field_limit_is_a_setting(db, tmp_path, monkeypatch) -> None:
    from shebao.core.settings import get_settings

    data = {"persons": basic_folder()["persons"]}
    data["persons"][1]["name"] = "李" * 100  # 300 bytes: over a 256-byte limit
    monkeypatch.setenv("SHEBAO_LOAD_MAX_FIELD_BYTES", "256")
    get_settings.cache_clear()
    summary = load_folder(write_folder(tmp_path / "x", data))
    [reject] = _rejects(summary)
    assert reject["line"] == "3" and reject["field"] == "name" and "256" in reject["reason"]
    assert summary.loaded["persons"] == 1


def test_gbk_file_with_one_utf8_row_rejects_that_row_only(db, tmp_path) -> None:
    data = {"persons": basic_folder()["persons"] + [person("P3", id_number(seq="151"), "王小五", "M", "1960-03-15"),
                                                   person("P4", id_number(seq="171"), "赵六", "M", "1960-03-15")]}
    folder = write_folder(tmp_path / "x", data, encoding="gbk")
    lines = (folder / "persons.csv").read_bytes().split(b"\r\n")
    lines[3] = lines[3].decode("gbk").encode("utf-8")  # P3's row written in UTF-8
    (folder / "persons.csv").write_bytes(b"\r\n".join(lines))
    summary = load_folder(folder)
    assert summary.encodings["persons"] == "gb18030"
    assert summary.loaded["persons"] == 3 and summary.rejected["persons"] == 1
    [reject] = _rejects(summary)
    assert (reject["line"], reject["field"]) == ("4", "name") and "UTF-8" in reject["reason"]
    with session_scope() as s:
        assert s.get(Person, "P3") is None  # never stored garbled
        assert s.get(Person, "P1").name == "张三明" and s.get(Person, "P4").name == "赵六"


def test_utf8_file_with_one_gbk_row_rejects_that_row_only(db, tmp_path) -> None:
    data = {"persons": basic_folder()["persons"] + [person("P3", id_number(seq="151"), "王小五", "M", "1960-03-15")]}
    folder = write_folder(tmp_path / "x", data)
    lines = (folder / "persons.csv").read_bytes().split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("gbk")  # 李四's row written in GBK
    (folder / "persons.csv").write_bytes(b"\r\n".join(lines))
    summary = load_folder(folder)
    assert summary.encodings["persons"] == "utf-8-sig"
    assert summary.loaded["persons"] == 2 and summary.rejected["persons"] == 1
    [reject] = _rejects(summary)
    assert (reject["line"], reject["field"]) == ("3", "name") and "GBK" in reject["reason"]
    with session_scope() as s:
        assert s.get(Person, "P2") is None and s.get(Person, "P3").name == "王小五"


def test_broken_csv_lines_and_keys_too_long_for_the_column(db, tmp_path) -> None:
    folder = write_folder(tmp_path / "x", {"persons": basic_folder()["persons"]})
    text = (folder / "persons.csv").read_text(encoding="utf-8")
    long_key = person("P" * 33, id_number(seq="151"), "王五", "M", "1960-03-15")
    extra = ",".join(long_key.values()) + "\r\n" + 'P9,"unterminated\r\n'
    (folder / "persons.csv").write_text(text + extra, encoding="utf-8")
    summary = load_folder(folder)
    assert summary.loaded["persons"] == 2 and summary.rejected["persons"] == 2
    by_line = {r["line"]: r for r in _rejects(summary)}
    assert by_line["4"]["field"] == "person_id" and "32" in by_line["4"]["reason"]
    # the unterminated quote swallows the rest of the file into one field: a short row, said so
    assert by_line["5"]["reason"] == "列数为 2，表头为 9 列", by_line["5"]


def test_a_failing_file_is_rolled_back_the_others_load_and_reports_are_written(db, tmp_path, monkeypatch) -> None:
    data = basic_folder()
    data["contributions"] = [_contribution("P1", m) for m in range(1, 13)]
    data["contributions"][0]["base"] = "bad"
    from shebao.registry import bulk

    real_write = bulk._bulk_write

    def failing(session, table, spec, names, chunk):
        if table.name == "contributions":
            raise RuntimeError("connection lost")
        return real_write(session, table, spec, names, chunk)

    monkeypatch.setattr(bulk, "_bulk_write", failing)
    with pytest.raises(LoadError) as caught:
        load_folder(write_folder(tmp_path / "x", data))
    summary = caught.value.summary
    assert _count(Contribution) == 0 and _count(Payment) == 1  # later files still loaded
    assert summary.errors and summary.errors[0]["file"] == "contributions.csv"
    reasons = {(r["file"], r["line"]): r["reason"] for r in _rejects(summary)}
    assert "connection lost" in reasons[("contributions.csv", "0")]
    written = json.loads(Path(summary.summary_file).read_text(encoding="utf-8"))
    assert written["errors"][0]["file"] == "contributions.csv" and written["loaded"]["payments"] == 1


# --- issue 14 item 6: legacy double payments ----------------------------------------------------

def _double_paid_folder() -> dict[str, list[dict]]:
    data = basic_folder()
    data["payments"] += [
        # the same benefit, period and kind paid a second time (money paid twice)
        {"payment_id": "Y1B", "benefit_id": "B1", "person_id": "P1", "period": "2020-04",
         "paid_date": "2020-04-12", "amount": "3210.55", "bank_account": ZHANG_CARD},
        {"payment_id": "Y2", "benefit_id": "B1", "person_id": "P1", "period": "2020-05",
         "paid_date": "2020-05-10", "amount": "3210.55", "bank_account": ZHANG_CARD},
    ]
    return data


def test_legacy_second_payment_loads_as_duplicate_and_reload_changes_nothing(db, tmp_path) -> None:
    folder = write_folder(tmp_path / "x", _double_paid_folder())
    summary = load_folder(folder)
    assert summary.loaded["payments"] == 3 and summary.rejected["payments"] == 0
    assert summary.duplicates == {"payments": 1} and summary.as_json()["duplicates"] == {"payments": 1}
    with session_scope() as s:
        assert s.get(Payment, "Y1").status == "paid" and s.get(Payment, "Y1B").status == "duplicate"
        before = s.execute(select(Payment.payment_id, Payment.status, Payment.updated_at)
                           .order_by(Payment.payment_id)).all()
    again = load_folder(folder)
    assert again.duplicates == {"payments": 1}
    with session_scope() as s:
        after = s.execute(select(Payment.payment_id, Payment.status, Payment.updated_at)
                          .order_by(Payment.payment_id)).all()
    assert before == after


def test_a_later_file_paying_an_existing_period_again_is_a_duplicate(db, tmp_path) -> None:
    load_folder(write_folder(tmp_path / "a", basic_folder()))
    later = {"payments": [{"payment_id": "Y9", "benefit_id": "B1", "person_id": "P1", "period": "2020-04",
                           "paid_date": "2020-06-01", "amount": "3210.55", "bank_account": ZHANG_CARD}]}
    summary = load_folder(write_folder(tmp_path / "b", later))
    assert summary.duplicates == {"payments": 1}
    with session_scope() as s:
        assert s.get(Payment, "Y9").status == "duplicate"


def test_payments_other_than_duplicates_stay_unique_per_benefit_period_kind(db, tmp_path) -> None:
    from shebao.core.db import insert_ignoring_conflicts
    from shebao.registry.exchange import parse_payment
    from shebao.registry.loader import _to_db_row

    load_folder(write_folder(tmp_path / "x", _double_paid_folder()))
    spec = loader.SPECS[6]
    row = {"payment_id": "Y3", "benefit_id": "B1", "person_id": "P1", "period": "2020-04", "paid_date": "2020-04-10",
           "amount": "3210.55", "bank_account": ZHANG_CARD}
    with pytest.raises(IntegrityError), session_scope() as s:
        s.execute(Payment.__table__.insert(), [_to_db_row(spec, parse_payment(row))])
    with session_scope() as s:  # payroll's insert of an existing (benefit, period, kind) does nothing
        s.execute(insert_ignoring_conflicts(s, Payment.__table__), [_to_db_row(spec, parse_payment(row))])
    with session_scope() as s:
        assert s.get(Payment, "Y3") is None
        s.execute(Payment.__table__.insert(), [_to_db_row(spec, parse_payment(dict(row, payment_id="Y4",
                                                                                   status="duplicate")))])
    assert _count(Payment) == 4


def test_screening_finds_the_double_payment_in_the_database_as_in_the_folder(db, tmp_path) -> None:
    from shebao.risk.screening import screen_database, screen_folder

    folder = write_folder(tmp_path / "x", _double_paid_folder(), columns={
        "payments": ["payment_id", "benefit_id", "person_id", "period", "paid_date", "amount", "bank_account"]})
    as_of = date(2020, 12, 31)
    from_folder = screen_folder(folder, as_of=as_of, rules=["R04"]).findings
    load_folder(folder)
    with session_scope() as s:
        from_db = screen_database(s, as_of=as_of, rules=["R04"]).findings
    assert [f.row() for f in from_folder] == [f.row() for f in from_db]
    [finding] = from_db
    assert (finding.person_id, finding.benefit_id, str(finding.amount_at_risk)) == ("P1", "B1", "3210.55")
    assert "2020-04" in finding.evidence
    assert LI not in finding.evidence and ZHANG not in finding.evidence


# --- the bulk path (issue 16 item 4, speed) gives what the per-row path gives --------------------

def _odd_contributions(quoted: bool) -> str:
    header = "person_id,employer_id,period,insurance,base,employee_amount,employer_amount,paid_date"
    lines = [
        "P1,E1,2019-01,pension,5000.00,400.00,800.00,2019-01-15",
        "P1,E1,2019-02,pension,5000,400.5,800.00,",             # amounts read as 5000.00 / 400.50
        "P1,E1,2019-03,pension, 5000.00 ,400.00,800.00,2019-03-15",  # blanks around: the row parser's
        "P1,E1,2019-04,pension,05000.00,400.00,800.00,2019-04-15",   # leading zero: valid, same value
        "P1,E1,2019-05,pension,1e3,400.00,800.00,2019-05-15",
        "P1,E1,2019-06,pension,5000.00,400.00,800.00,2019-02-29",    # not a date (2019)
        "P1,E1,2019-07,pension,5000.00,400.00,800.00,2020-02-29",    # a date
        "P1,E1,2019-13,pension,5000.00,400.00,800.00,",
        "P1,E1,2019-01,pension,6000.00,400.00,800.00,",              # key of line 2 again
        "P9,E1,2019-01,pension,5000.00,400.00,800.00,",              # no such person
        "P1,E9,2019-01,pension,5000.00,400.00,800.00,",              # no such employer
        "P2,,2019-01,pension,4000.00,320.00,480.00,2019-01-20",      # flexible worker
        "P2,,2019-01,medical,4000.00,320.00,480.00,2019-01-20",
        "P2,,2019-02,pension,4000.00,-1.00,480.00,",
        ",,,,,,,",                                                   # blank row: skipped
        "P2,,2019-03,pension,4000.00,320.00,480.00,2019-03-32",
        "P2,,2019-05,unemployment,4000.00,0,0.1,2019-05-01",
        "P" + "2" * 40 + ",,2019-05,pension,4000.00,320.00,480.00,",
    ]
    if quoted:
        lines.append('"P2","",2019-06,pension,"4000.00",320.00,480.00,2019-06-01')
        lines.insert(5, "")
        lines.append("P2,,2019-04,pension,4000.00,320.00,480.00,2019-04-01,extra")
    return header + "\r\n" + "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("quoted", [False, True], ids=["arrow-reader", "row-reader"])
def test_bulk_path_matches_the_row_path(db, tmp_path, monkeypatch, quoted) -> None:
    from shebao.registry import bulk

    base = basic_folder()
    load_folder(write_folder(tmp_path / "base", {k: base[k] for k in ("persons", "employers")}))
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "contributions.csv").write_text(_odd_contributions(quoted), encoding="utf-8")

    def contents():
        with session_scope() as s:
            return s.execute(select(Contribution.person_id, Contribution.employer_id, Contribution.period,
                                    Contribution.insurance, Contribution.base, Contribution.employee_amount,
                                    Contribution.employer_amount, Contribution.paid_date, Contribution.row_hash,
                                    Contribution.updated_at).order_by(Contribution.id)).all()

    def rejects_of(summary):
        return [(r["line"], r["field"], r["value"], r["reason"]) for r in _rejects(summary)]

    with monkeypatch.context() as m:
        m.setattr(bulk, "eligible", lambda spec, path: False)
        by_row = load_folder(folder)
    row_contents = contents()
    assert by_row.loaded["contributions"] == len(row_contents) > 5
    read_by_arrow = []
    real_read = bulk.read_clean
    monkeypatch.setattr(bulk, "read_clean", lambda *a: read_by_arrow.append(real_read(*a)) or read_by_arrow[-1])
    by_bulk = load_folder(folder)  # the same file again, through the bulk path
    assert (read_by_arrow[0] is None) == quoted
    assert rejects_of(by_bulk) == rejects_of(by_row)
    assert by_bulk.loaded == by_row.loaded and by_bulk.rejected == by_row.rejected
    assert contents() == row_contents  # same digests: nothing rewritten

    with session_scope() as s:  # and a fresh bulk load stores what the row path stored
        s.execute(Contribution.__table__.delete())
    load_folder(folder)
    assert [r[:9] for r in contents()] == [r[:9] for r in row_contents]


def test_export_of_a_duplicate_reloads_as_it_was(db, tmp_path) -> None:
    from shebao.registry.exporter import export_folder

    load_folder(write_folder(tmp_path / "x", _double_paid_folder()))
    with session_scope() as s:
        export_folder(s, tmp_path / "out")
    rows = {r["payment_id"]: r["status"] for r in csv.DictReader(open(tmp_path / "out" / "payments.csv",
                                                                       encoding="utf-8"))}
    assert rows == {"Y1": "paid", "Y1B": "duplicate", "Y2": "paid"}
    again = load_folder(tmp_path / "out")
    assert sum(again.rejected.values()) == 0 and again.duplicates == {}  # already marked in the file
    with session_scope() as s:
        assert s.get(Payment, "Y1B").status == "duplicate" and s.get(Payment, "Y1").status == "paid"
