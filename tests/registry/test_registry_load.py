"""`shebao load` / `shebao export`: validation, rejects, idempotence, encodings, crash safety."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from shebao.core.db import get_engine, session_scope
from shebao.registry import loader
from shebao.registry.exporter import export_folder
from shebao.registry.loader import load_folder
from shebao.registry.models import Benefit, Contribution, Death, Payment, Person

from .builders import LI, LI_CARD, ZHANG, ZHANG_CARD, basic_folder, person, write_folder


def _count(model) -> int:
    with session_scope() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _rejects(summary) -> list[dict]:
    with open(summary.rejects_file, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_load_everything_and_lookup_by_blind_index(db, tmp_path) -> None:
    summary = load_folder(write_folder(tmp_path / "x", basic_folder()))
    assert summary.loaded == {"persons": 2, "employers": 1, "contributions": 2, "contribution_years": 1,
                              "pension_accounts": 1, "benefits": 1, "payments": 1, "deaths": 1,
                              "incarcerations": 1, "certifications": 1}
    assert sum(summary.rejected.values()) == 0 and summary.rejects_file is None
    from shebao.registry.service import find_benefits_by_bank_account, find_persons_by_id_number

    with session_scope() as s:
        [p] = find_persons_by_id_number(s, ZHANG.lower())
        assert (p.person_id, p.name, p.id_number, p.phone) == ("P1", "张三明", ZHANG, "13812345678")
        assert [b.benefit_id for b in find_benefits_by_bank_account(s, ZHANG_CARD)] == ["B1"]
        assert s.get(Contribution, 2).employer_id == ""  # flexible worker
        assert str(s.get(Benefit, "B1").monthly_amount) == "3210.55"


def test_reload_changes_nothing(db, tmp_path) -> None:
    folder = write_folder(tmp_path / "x", basic_folder())
    load_folder(folder)
    engine = get_engine()
    with engine.connect() as conn:
        before = conn.execute(text("SELECT person_id, id_number, updated_at FROM persons ORDER BY person_id")).all()
    again = load_folder(folder)
    assert again.loaded["persons"] == 2
    with engine.connect() as conn:
        after = conn.execute(text("SELECT person_id, id_number, updated_at FROM persons ORDER BY person_id")).all()
    assert before == after  # same ciphertext, same timestamps: nothing was rewritten
    assert _count(Person) == 2 and _count(Payment) == 1


def test_changed_row_is_updated(db, tmp_path) -> None:
    data = basic_folder()
    load_folder(write_folder(tmp_path / "a", data))
    data["persons"][0]["phone"] = "13900001111"
    load_folder(write_folder(tmp_path / "b", data))
    with session_scope() as s:
        assert s.get(Person, "P1").phone == "13900001111"


def test_bad_rows_rejected_good_rows_kept(db, tmp_path) -> None:
    data = basic_folder()
    bad_id = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    data["persons"] += [
        person("P3", bad_id, "王五", "M", "1960-03-15"),
        person("P4", LI, "李四", "F", "1965-07-21"),  # birth date does not match the ID
        person("P1", ZHANG, "张三明", "M", "1960-03-15"),  # duplicate key
        person("P5", ZHANG, "张三明", "X", "1960-03-15"),
    ]
    data["contributions"].append({"person_id": "P9", "employer_id": "E1", "period": "2019-13", "insurance": "pension",
                                  "base": "1", "employee_amount": "1", "employer_amount": "1", "paid_date": ""})
    data["contributions"].append({"person_id": "P9", "employer_id": "E1", "period": "2019-02", "insurance": "pension",
                                  "base": "1.005", "employee_amount": "1", "employer_amount": "1", "paid_date": ""})
    data["contributions"].append({"person_id": "P9", "employer_id": "E1", "period": "2019-02", "insurance": "pension",
                                  "base": "1.00", "employee_amount": "1", "employer_amount": "1", "paid_date": ""})
    summary = load_folder(write_folder(tmp_path / "x", data))
    assert summary.loaded["persons"] == 2 and summary.rejected["persons"] == 4
    assert summary.loaded["contributions"] == 2 and summary.rejected["contributions"] == 3
    rejects = _rejects(summary)
    by_line = {(r["file"], r["line"]): r for r in rejects}
    assert by_line[("persons.csv", "4")]["field"] == "id_number" and "校验码" in by_line[("persons.csv", "4")]["reason"]
    assert bad_id not in by_line[("persons.csv", "4")]["value"]  # masked in the report
    assert by_line[("persons.csv", "5")]["field"] == "birth_date"
    assert "第 2 行" in by_line[("persons.csv", "6")]["reason"]
    assert by_line[("persons.csv", "7")]["field"] == "sex"
    assert by_line[("contributions.csv", "4")]["field"] == "period"
    assert by_line[("contributions.csv", "5")]["field"] == "base" and "两位小数" in by_line[("contributions.csv", "5")]["reason"]
    assert by_line[("contributions.csv", "6")]["field"] == "person_id"
    assert stat.S_IMODE(Path(summary.rejects_file).stat().st_mode) == 0o600
    assert _count(Person) == 2


def test_payment_of_another_persons_benefit_is_rejected(db, tmp_path) -> None:
    data = basic_folder()
    data["payments"].append({"payment_id": "Y2", "benefit_id": "B1", "person_id": "P2", "period": "2020-05",
                             "paid_date": "2020-05-10", "amount": "1.00", "bank_account": LI_CARD})
    data["payments"].append({"payment_id": "Y3", "benefit_id": "B1", "person_id": "P1", "period": "2020-04",
                             "paid_date": "2020-05-10", "amount": "1.00", "bank_account": ZHANG_CARD})
    summary = load_folder(write_folder(tmp_path / "x", data))
    reasons = [r["reason"] for r in _rejects(summary)]
    assert any("不一致" in r for r in reasons)
    # a second payment for the same benefit, period and kind is legacy evidence: kept as a duplicate
    assert summary.duplicates == {"payments": 1}
    with session_scope() as s:
        assert s.get(Payment, "Y3").status == "duplicate" and s.get(Payment, "Y1").status == "paid"


def test_gbk_file_is_detected_and_read(db, tmp_path) -> None:
    data = basic_folder()
    folder = write_folder(tmp_path / "x", {"persons": data["persons"]}, encoding="gbk")
    summary = load_folder(folder)
    assert summary.encodings["persons"] == "gb18030" and summary.loaded["persons"] == 2
    assert any("GBK" in w for w in summary.warnings)
    with session_scope() as s:
        assert s.get(Person, "P1").name == "张三明"


def test_undecodable_file_is_rejected_with_a_clear_message(db, tmp_path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    header = ",".join(loader.SPECS[0].columns).encode()
    (folder / "persons.csv").write_bytes(header + b"\n" + bytes(range(128, 256)) * 4)
    summary = load_folder(folder)
    [reject] = _rejects(summary)
    assert "UTF-8 或 GBK" in reject["reason"] and reject["line"] == "2"
    assert _count(Person) == 0


def test_missing_extra_columns_and_empty_files(db, tmp_path) -> None:
    data = basic_folder()
    cols = {"persons": [c for c in loader.SPECS[0].columns if c != "sex"],
            "employers": list(loader.SPECS[1].columns) + ["remark"]}
    folder = write_folder(tmp_path / "x", {"persons": data["persons"], "employers": data["employers"]}, columns=cols)
    (folder / "deaths.csv").write_text("")
    summary = load_folder(folder)
    assert summary.loaded["persons"] == 0 and summary.rejected["persons"] == 2
    assert summary.loaded["employers"] == 1
    assert any("remark" in w for w in summary.warnings)
    reasons = [r["reason"] for r in _rejects(summary)]
    assert any("缺少必需的列：sex" in r for r in reasons)
    assert any("文件为空" in r for r in reasons)


def test_header_only_file_loads_nothing(db, tmp_path) -> None:
    folder = write_folder(tmp_path / "x", {"persons": []})
    summary = load_folder(folder)
    assert summary.loaded["persons"] == 0 and summary.rejects_file is None


def test_crash_mid_file_leaves_database_as_before_that_file(db, tmp_path, monkeypatch) -> None:
    data = basic_folder()
    data["contributions"] = [
        {"person_id": "P1", "employer_id": "E1", "period": f"2019-{m:02d}", "insurance": "pension", "base": "5000.00",
         "employee_amount": "400.00", "employer_amount": "800.00", "paid_date": ""} for m in range(1, 13)
    ]
    folder = write_folder(tmp_path / "x", data)
    from shebao.registry import bulk

    monkeypatch.setattr(bulk, "BULK_ROWS", 5)  # contributions go through the bulk path
    real_write, calls = bulk._bulk_write, {"n": 0}

    def failing(session, table, spec, names, chunk):
        if table.name == "contributions":
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("simulated crash mid-file")
        return real_write(session, table, spec, names, chunk)

    monkeypatch.setattr(bulk, "_bulk_write", failing)
    with pytest.raises(RuntimeError):
        load_folder(folder)
    assert calls["n"] == 2
    assert _count(Person) == 2  # files before it were committed
    assert _count(Contribution) == 0  # the first batch of the crashed file was rolled back
    monkeypatch.setattr(bulk, "_bulk_write", real_write)
    assert load_folder(folder).loaded["contributions"] == 12
    assert _count(Contribution) == 12


def test_no_personal_data_in_plain_text_in_the_database_file(shebao_home, tmp_path, monkeypatch) -> None:
    from shebao.core.db import dispose_engines
    from shebao.core.settings import get_settings
    from shebao.migrations import upgrade

    db_path = tmp_path / "plain.db"
    monkeypatch.setenv("SHEBAO_DATABASE_URL", f"sqlite:///{db_path}")
    get_settings.cache_clear()
    upgrade()
    load_folder(write_folder(tmp_path / "x", basic_folder()))
    with get_engine().connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dispose_engines()
    raw = db_path.read_bytes()
    for secret in (ZHANG, LI, ZHANG_CARD, "13812345678", "张三明"):
        assert secret.encode("utf-8") not in raw, secret
    # what is not personal data stays readable: the check is looking at the right file
    assert "东营示例机械有限公司".encode() in raw and b"P1" in raw


def test_export_roundtrip_owner_only(db, tmp_path) -> None:
    load_folder(write_folder(tmp_path / "x", basic_folder()))
    out = tmp_path / "out"
    with session_scope() as s:
        counts = export_folder(s, out)
    assert counts["persons"] == 2 and counts["payments"] == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for f in out.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    rows = list(csv.DictReader(open(out / "persons.csv", encoding="utf-8")))
    assert rows[0]["id_number"] == ZHANG and rows[0]["name"] == "张三明"
    with session_scope() as s:
        assert s.get(Death, 1).id_number == LI
    # re-importing the export changes nothing
    again = load_folder(out)
    assert sum(again.rejected.values()) == 0 and again.loaded["persons"] == 2


def test_each_file_load_is_one_audit_entry(db, tmp_path) -> None:
    from shebao.audit import verify
    from shebao.audit.models import AuditEntry

    load_folder(write_folder(tmp_path / "x", basic_folder()), actor="clerk1")
    with session_scope() as s:
        entries = s.execute(select(AuditEntry).where(AuditEntry.action == "registry.load")).scalars().all()
        assert len(entries) == 10 and {e.actor for e in entries} == {"clerk1"}
        detail = json.loads(next(e for e in entries if e.entity == "persons").detail)
        assert detail == {"file": "persons.csv", "loaded": 2, "rejected": 0, "encoding": "utf-8-sig"}
        assert verify(s).ok


def test_parquet_folder_loads_like_csv(db, tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = basic_folder()
    folder = tmp_path / "pq"
    folder.mkdir()
    for name in ("persons", "employers"):
        cols = list(loader.SPECS[0 if name == "persons" else 1].columns)
        pq.write_table(pa.table({c: [r[c] for r in data[name]] for c in cols}), folder / f"{name}.parquet")
    summary = load_folder(folder)
    assert summary.loaded == {"persons": 2, "employers": 1}
