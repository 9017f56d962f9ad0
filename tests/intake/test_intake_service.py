"""Checks against the registry, required documents, encrypted storage, audited corrections, retention
(SQLite and PostgreSQL). Documents come as PDFs with a text layer here: no OCR needed, fast."""

from __future__ import annotations

import datetime as dt
import json

import pytest

TODAY = dt.date(2026, 12, 7)


def text_pdf(*lines: str) -> bytes:
    from fpdf import FPDF

    from shebao.synth.documents import find_font

    pdf = FPDF()
    pdf.add_font("cjk", "", find_font(), collection_font_number=0)
    pdf.add_page()
    pdf.set_font("cjk", size=14)
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def add_person(session, pid: str, idn: str, name: str, *, died: dt.date | None = None, account: str | None = None):
    from shebao.core.crypto import blind_index
    from shebao.registry.models import Benefit, Death, Employer, Person

    session.add(Person(person_id=pid, id_number=idn, id_number_bidx=blind_index(idn), name=name, sex="M",
                       birth_date=dt.date(1950, 3, 15), region_code="370102", original_retirement_age=60,
                       deemed_months=0, row_hash=""))
    if died:
        session.add(Death(id_number=idn, id_number_bidx=blind_index(idn), name=name, death_date=died,
                          source="civil_affairs", row_hash=""))
    if account:
        session.flush()
        session.add(Benefit(benefit_id=f"B{pid}", person_id=pid, kind="pension", region_code="370102",
                            start_date=dt.date(2010, 4, 1), monthly_amount=1, status="active", bank_account=account,
                            bank_account_bidx=blind_index(account), row_hash=""))
    if not session.get(Employer, "E1"):
        from registry_ids import USCC

        session.add(Employer(employer_id="E1", uscc=USCC, name="济南华信科技有限公司", region_code="370102",
                             industry_code="C", row_hash=""))


@pytest.fixture
def ids():
    from registry_ids import CARD, DEAD, LIVING, USCC

    return {"dead": DEAD, "living": LIVING, "uscc": USCC, "card": CARD}


def death_pdf(idn: str, died: str = "2026年3月1日", name: str = "王建国") -> bytes:
    return text_pdf("居民死亡医学证明（推断）书", f"死者姓名：{name}    性别：男", f"身份证件号码：{idn}",
                    f"死亡日期：{died}", "死亡原因：脑出血")


def id_pdf(idn: str, name: str) -> bytes:
    return text_pdf(f"姓名 {name}", "性别 男 民族 汉", "出生 1950年3月15日", "住址 山东省济南市历下区泉城路1号",
                    f"公民身份号码 {idn}", "签发机关 济南市公安局历下分局", "有效期限 2015.03.01-长期")


def test_a_survivor_claim_is_checked_against_the_death_registry(db, ids):
    from shebao.core.db import session_scope
    from shebao.intake.service import run_intake

    with session_scope() as s:
        add_person(s, "P1", ids["dead"], "王建国", died=dt.date(2026, 3, 1))
    with session_scope() as s:
        out = run_intake(s, files=[("death.pdf", death_pdf(ids["dead"]))], kind="survivor", person_id="P1",
                         today=TODAY).result
    assert out["documents"][0]["type"] == "death_certificate" and out["mismatches"] == []
    # the death is in the shared registry: the certificate is not asked for; the survivor's ID and card are
    assert [m["type"] for m in out["missing"]] == ["bank_card", "id_card"]
    assert all(m["reference"] for m in out["missing"])
    assert out["application"]["facts"] == {"death_date": "2026-03-01"}
    with session_scope() as s:
        wrong = run_intake(s, files=[("death.pdf", death_pdf(ids["dead"], "2026年4月1日", name="王建民"))],
                           kind="survivor", person_id="P1", today=TODAY).result
    assert {(m["field"], m["source"]) for m in wrong["mismatches"]} == {("death_date", "registry"), ("name", "registry")}
    death = next(m for m in wrong["mismatches"] if m["field"] == "death_date")
    assert death["value"] == "2026-04-01" and death["expected"] == "2026-03-01" and death["file"] == "death.pdf#1"


def test_a_pension_claim_compares_the_applicant_and_flags_a_card_paying_someone_else(db, ids):
    from shebao.core.db import session_scope
    from shebao.intake.service import run_intake

    with session_scope() as s:
        add_person(s, "P2", ids["living"], "李秀英")
        add_person(s, "P3", ids["dead"], "王建国", account=ids["card"])
    card = text_pdf("中国工商银行", "借记卡 DEBIT CARD", " ".join(ids["card"][i:i + 4] for i in range(0, 19, 4)), "银联")
    with session_scope() as s:
        out = run_intake(s, files=[("id.pdf", id_pdf(ids["living"], "李秀华")), ("card.pdf", card)], kind="pension",
                         person_id="P2", today=TODAY).result
    assert [d["type"] for d in out["documents"]] == ["id_card", "bank_card"]
    fields = {(m["field"], m["file"]) for m in out["mismatches"]}
    assert ("name", "id.pdf#1") in fields and ("card_number", "card.pdf#1") in fields
    assert out["missing"] == []
    assert out["application"] == {"kind": "pension", "person_id": "P2", "id_number": ids["living"],
                                  "bank_account": ids["card"], "facts": {}}


def test_an_unemployment_claim_checks_the_employer_and_fills_the_facts(db, ids):
    from shebao.core.db import session_scope
    from shebao.intake.service import run_intake

    with session_scope() as s:
        add_person(s, "P2", ids["living"], "李秀英")
    sep = text_pdf("解除（终止）劳动合同证明书", "职工姓名：李秀英", f"身份证号码：{ids['living']}", "用人单位：济南华信科技股份有限公司",
                   f"统一社会信用代码：{ids['uscc']}", "解除（终止）日期：2026年8月31日", "解除（终止）原因：劳动合同期满终止")
    with session_scope() as s:
        out = run_intake(s, files=[("sep.pdf", sep)], kind="unemployment", person_id="P2", today=TODAY).result
    assert [m["field"] for m in out["mismatches"]] == ["employer"]      # the name registered under the USCC differs
    assert out["mismatches"][0]["expected"] == "济南华信科技有限公司"
    assert out["application"]["facts"] == {"separation_date": "2026-08-31", "separation_reason": "contract_expired"}
    assert [m["type"] for m in out["missing"]] == ["bank_card", "id_card"]


def test_files_are_stored_encrypted_corrections_are_audited_and_retention_purges(db, ids):
    from sqlalchemy import select, text

    from shebao.audit.models import AuditEntry
    from shebao.core.db import session_scope
    from shebao.intake.models import IntakeCorrection, IntakeDocument, IntakeFile
    from shebao.intake.service import (
        IntakeError,
        batch_view,
        correct_field,
        purge_expired,
        run_intake,
        store_intake,
    )

    with session_scope() as s:
        add_person(s, "P1", ids["dead"], "王建国", died=dt.date(2026, 3, 1))
    files = [("王建国死亡证明.pdf", death_pdf(ids["dead"], name="王建民"))]
    with session_scope() as s:
        s.info["actor"] = "clerk1"
        outcome = run_intake(s, files=files, kind="survivor", person_id="P1", today=TODAY)
        batch = store_intake(s, files=files, outcome=outcome, kind="survivor", person_id="P1", actor="clerk1",
                             channel="clerk", today=TODAY)
    with session_scope() as s:
        raw = s.execute(text("select name, content from intake_files")).one()
        assert b"%PDF" not in bytes(raw.content) and "王建国".encode() not in bytes(raw.name)
        fields_raw = bytes(s.execute(text("select fields from intake_documents")).scalar_one())
        assert ids["dead"].encode() not in fields_raw and "王建民".encode() not in fields_raw
        doc_id = s.execute(select(IntakeDocument.id)).scalar_one()
        with pytest.raises(IntakeError, match="校验"):
            correct_field(s, document_id=doc_id, field="id_number", value=ids["dead"][:-1] + "0"
                          if ids["dead"][-1] != "0" else ids["dead"][:-1] + "1", actor="clerk1")
        correct_field(s, document_id=doc_id, field="name", value="王建国", actor="clerk1", today=TODAY)
    with session_scope() as s:
        view = batch_view(s, batch_id=batch, today=TODAY)
        assert view["documents"][0]["fields"]["name"] == "王建国" and view["mismatches"] == []
        assert view["documents"][0]["status"] == "checked"
        c = s.execute(select(IntakeCorrection)).scalar_one()
        assert (json.loads(c.old_value), json.loads(c.new_value), c.actor) == ("王建民", "王建国", "clerk1")
        actions = [e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()]
        assert "intake.upload" in actions and "intake.correct" in actions
        detail = next(e.detail for e in s.execute(select(AuditEntry)).scalars() if e.action == "intake.correct")
        assert "王建" not in detail
    with session_scope() as s:
        assert purge_expired(s, today=TODAY) == 0
        assert purge_expired(s, today=TODAY + dt.timedelta(days=31)) == 1
    with session_scope() as s:
        assert s.execute(select(IntakeFile)).first() is None and s.execute(select(IntakeDocument)).first() is None


def test_the_models_match_the_migration(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from shebao.core.db import Base
    from shebao.intake import models  # noqa: F401

    engine = create_engine(db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    mine = [d for d in diff if "intake_" in repr(d)]
    assert mine == []


def test_each_document_is_kept_with_its_own_file_even_under_the_same_name(db, ids):
    from sqlalchemy import select

    from shebao.core.db import session_scope
    from shebao.intake.models import IntakeDocument, IntakeFile
    from shebao.intake.service import run_intake, store_intake

    two_pages = text_pdf("居民死亡医学证明（推断）书", "死者姓名：王建国", f"身份证件号码：{ids['dead']}", "死亡日期：2026年3月1日",
                         "死亡原因：脑出血")
    files = [("scan.pdf", two_pages), ("scan.pdf", id_pdf(ids["living"], "李秀英"))]
    with session_scope() as s:
        outcome = run_intake(s, files=files, kind="survivor", today=TODAY)
        store_intake(s, files=files, outcome=outcome, kind="survivor", person_id=None, actor="c", channel="clerk",
                     today=TODAY)
    with session_scope() as s:
        file_ids = list(s.execute(select(IntakeFile.id).order_by(IntakeFile.id)).scalars())
        docs = list(s.execute(select(IntakeDocument).order_by(IntakeDocument.id)).scalars())
        assert [(d.file_id, d.page, d.doc_type) for d in docs] == [(file_ids[0], 1, "death_certificate"),
                                                                    (file_ids[1], 1, "id_card")]
