"""Issue 21: the transfer as a case on a real database (SQLite and PostgreSQL): the plan from the
registry, each step's deadline in working days, the fund reconciled to the fen, the records moved once
even when the move is killed mid-way and run again."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from benefits_builders import make_person
from sqlalchemy import func, select

D = dt.date


def _mover(session, seq: int = 7):
    """A man born 1980 registered in Beijing (110105), household Dongying: 18 months in Beijing."""
    from shebao.registry.loader import row_digest
    from shebao.registry.models import Contribution, Employer, PensionAccount

    p = make_person(session, seq, birth=D(1980, 5, 1), region="110105")
    session.add(Employer(employer_id="EBJ1", uscc="91110105MA00000001", name="北京示例科技有限公司",
                         region_code="110105", industry_code="I", row_hash=row_digest({"e": "EBJ1"})))
    for m in range(1, 13):
        session.add(Contribution(person_id=p.person_id, employer_id="EBJ1", period=f"2023-{m:02d}",
                                 insurance="pension", base=Decimal("6000.00"), employee_amount=Decimal("480.00"),
                                 employer_amount=Decimal("960.00"), row_hash=row_digest({"m": m})))
    for m in range(1, 7):
        session.add(Contribution(person_id=p.person_id, employer_id="EBJ1", period=f"2024-{m:02d}",
                                 insurance="pension", base=Decimal("6500.50"), employee_amount=Decimal("520.04"),
                                 employer_amount=Decimal("1040.08"), row_hash=row_digest({"m": 100 + m})))
    session.add(PensionAccount(person_id=p.person_id, as_of=D(2024, 12, 31), balance=Decimal("20000.00"),
                               row_hash=row_digest({"a": 1})))
    session.flush()
    return p


# the old place's statement: two months in Beijing from before this registry held the person
STATEMENT_ROWS = [{"period": "2022-11", "base": "5800.00", "employee_amount": "464.00", "employer_amount": "928.00",
                   "employer_id": "EBJ0"},
                  {"period": "2022-12", "base": "5800.00", "employee_amount": "464.00", "employer_amount": "928.00",
                   "employer_id": "EBJ0"}]


@pytest.fixture
def session(db):
    from shebao.core.db import get_sessionmaker

    s = get_sessionmaker()()
    s.info.update(actor="tester", actor_role="admin", source="test")
    try:
        yield s
    finally:
        s.rollback()
        s.close()


def test_plan_from_the_registry(session):
    from shebao.cases.transfers import plan_transfer

    p = _mover(session)
    out = plan_transfer(session, {"person_id": p.person_id, "to_region": "370502", "date": "2025-03-03",
                                  "household_region": "370502"})
    # pooled 12% × (12 × 6000.00 + 6 × 6500.50) = 12% × 111003.00 = 13320.36; personal 20000.00
    assert (out["kind"], out["personal_account_transfer"], out["pooled_fund_transfer"], out["total_transfer"],
            out["years_combined"], out["temporary_account"], out["pension_place"]) == (
        "cross_province", "20000.00", "13320.36", "33320.36", "1.50", False, "370502")


def test_registry_plan_needs_the_household_region(session):
    from shebao.benefits.transfers import TransferError
    from shebao.cases.transfers import plan_transfer

    p = _mover(session)
    with pytest.raises(TransferError) as err:
        plan_transfer(session, {"person_id": p.person_id, "to_region": "370502", "date": "2025-03-03"})
    assert err.value.field == "household_region" and "户籍" in str(err.value)


def _through_fund(session, p):
    from shebao.cases import transfers as tr

    t, created = tr.apply(session, raw={"person_id": p.person_id, "to_region": "370502", "household_region": "370502"},
                          idempotency_key="k-1", on=D(2025, 3, 3))
    assert created and t.transfer_no.startswith("ZY20250303")
    again, created = tr.apply(session, raw={"person_id": p.person_id, "to_region": "370502",
                                            "household_region": "370502"}, idempotency_key="k-1", on=D(2025, 3, 3))
    assert again.id == t.id and not created
    assert t.deadline == D(2025, 3, 24)  # 15 working days after Monday 3 March
    tr.issue_certificate(session, transfer_no=t.transfer_no, on=D(2025, 3, 10))
    cert = json.loads(t.certificate)
    assert cert["months"] == 18 and [y["wages"] for y in cert["years"]] == ["72000.00", "39003.00"]
    assert "*" in cert["id_number"]  # masked on the form
    tr.accept(session, transfer_no=t.transfer_no, on=D(2025, 3, 20))
    assert t.status == "accepted" and t.deadline == D(2025, 4, 11)  # over 清明 (4–6 April)
    t, result = tr.record_fund(session, transfer_no=t.transfer_no, personal="20000.00", pooled="13320.35",
                               statement_no="BJ-1", on=D(2025, 3, 28))
    assert t.status == "mismatch" and result["differences"][0]["difference"] == "-0.01"
    t, result = tr.record_fund(session, transfer_no=t.transfer_no, personal="20000.00", pooled="13320.36",
                               statement_no="BJ-2", on=D(2025, 4, 1))
    assert t.status == "funded" and t.reconciled is True and t.deadline == D(2025, 4, 23)
    session.commit()
    return t


def test_the_case_step_by_step_with_deadlines(session, db):
    from shebao.benefits.transfers import parse_statement_rows
    from shebao.cases import transfers as tr
    from shebao.core.db import get_engine
    from shebao.registry.models import Contribution, Person

    p = _mover(session)
    t = _through_fund(session, p)
    done = tr.move_records_step(get_engine(), transfer_no=t.transfer_no, rows=parse_statement_rows(STATEMENT_ROWS),
                                on=D(2025, 4, 28), actor="tester", actor_role="clerk")
    assert done.status == "done" and done.records_moved == 20
    session.expire_all()
    assert session.get(Person, p.person_id).region_code == "370502"
    origins = session.execute(select(Contribution.origin_region, func.count()).where(
        Contribution.person_id == p.person_id).group_by(Contribution.origin_region)).all()
    assert origins == [("110105", 20)]
    view = tr.view(session, tr.get(session, t.transfer_no))
    by_step = {s["step"]: s for s in view["steps"]}
    assert list(by_step) == ["apply", "certificate", "accept", "fund", "records"]
    assert by_step["accept"]["deadline"] == "2025-03-31" and not by_step["accept"]["overdue"]
    # 1 → 28 April: 19 working days (27 April, a Sunday, was a make-up working day): over 15, overdue
    assert by_step["records"]["working_days"] == 19 and by_step["records"]["overdue"] is True
    from shebao.audit.models import AuditEntry

    actions = [a for (a,) in session.execute(select(AuditEntry.action).where(
        AuditEntry.entity_id == t.transfer_no).order_by(AuditEntry.seq))]
    assert actions == ["transfer.apply", "transfer.certificate", "transfer.accept", "transfer.fund_mismatch",
                       "transfer.fund", "transfer.records"]


class Killed(Exception):
    pass


def test_a_move_killed_mid_way_and_rerun_neither_duplicates_nor_loses_a_record(session, db):
    from shebao.benefits.transfers import parse_statement_rows
    from shebao.cases import transfers as tr
    from shebao.core.db import get_engine
    from shebao.registry.models import Contribution

    p = _mover(session)
    t = _through_fund(session, p)
    rows = parse_statement_rows(STATEMENT_ROWS)

    def die_after_first(done, total):
        assert total == 20
        raise Killed

    with pytest.raises(Killed):
        tr.move_records_step(get_engine(), transfer_no=t.transfer_no, rows=rows, on=D(2025, 4, 2),
                             chunk_size=7, on_chunk=die_after_first)
    session.expire_all()
    marked = session.scalar(select(func.count()).select_from(Contribution).where(
        Contribution.transfer_no == t.transfer_no))
    assert marked == 7  # the first chunk stayed moved, the case is still open
    assert tr.get(session, t.transfer_no).status == "funded"
    seen = []
    done = tr.move_records_step(get_engine(), transfer_no=t.transfer_no, rows=rows, on=D(2025, 4, 2),
                                chunk_size=7, on_chunk=lambda d, n: seen.append((d, n)))
    assert done.status == "done" and done.records_moved == 20
    assert seen == [(14, 20), (18, 20), (20, 20)]
    # a third run (the statement sent again) changes nothing
    tr.move_records_step(get_engine(), transfer_no=t.transfer_no, rows=rows, on=D(2025, 4, 2))
    session.expire_all()
    periods = [r for (r,) in session.execute(select(Contribution.period).where(
        Contribution.person_id == p.person_id).order_by(Contribution.period))]
    assert len(periods) == len(set(periods)) == 20
    assert periods[:2] == ["2022-11", "2022-12"]
    assert session.scalar(select(func.count()).select_from(Contribution).where(
        Contribution.person_id == p.person_id, Contribution.transfer_no.is_(None))) == 0


def test_temporary_account_ends_at_acceptance_and_within_province_moves_records_only(session, db):
    from shebao.cases import transfers as tr
    from shebao.core.db import get_engine

    p = _mover(session)
    t, _ = tr.apply(session, raw={"person_id": p.person_id, "to_region": "440305", "household_region": "370502"},
                    idempotency_key="k-temp", on=D(2030, 6, 3))  # 50 years old, Guangdong ≠ Shandong
    assert t.temporary_account and t.total_planned == Decimal("0.00")
    tr.issue_certificate(session, transfer_no=t.transfer_no, on=D(2030, 6, 4))
    tr.accept(session, transfer_no=t.transfer_no, on=D(2030, 6, 5))
    assert t.status == "temporary" and t.open_slot is None
    session.commit()

    q = make_person(session, 8, birth=D(1990, 1, 1), region="370502")
    session.commit()
    u, _ = tr.apply(session, raw={"person_id": q.person_id, "to_region": "370202", "household_region": "370502"},
                    idempotency_key="k-sd", on=D(2025, 3, 3))
    assert u.kind == "within_province" and u.total_planned == Decimal("0.00")
    tr.issue_certificate(session, transfer_no=u.transfer_no, on=D(2025, 3, 4))
    tr.accept(session, transfer_no=u.transfer_no, on=D(2025, 3, 5))
    from shebao.benefits.transfers import TransferError

    with pytest.raises(TransferError, match="省内转移"):
        tr.record_fund(session, transfer_no=u.transfer_no, personal="0", pooled="0")
    session.commit()
    done = tr.move_records_step(get_engine(), transfer_no=u.transfer_no, on=D(2025, 3, 6))
    assert done.status == "done" and done.records_moved == 0


def test_a_second_open_transfer_and_a_step_out_of_order_are_refused(session, db):
    from shebao.benefits.transfers import TransferError
    from shebao.cases import transfers as tr

    p = _mover(session)
    t, _ = tr.apply(session, raw={"person_id": p.person_id, "to_region": "370502", "household_region": "370502"},
                    idempotency_key="k-a", on=D(2025, 3, 3))
    with pytest.raises(TransferError, match="未办结"):
        tr.apply(session, raw={"person_id": p.person_id, "to_region": "320505", "household_region": "370502"},
                 idempotency_key="k-b", on=D(2025, 3, 3))
    with pytest.raises(TransferError, match="不能办理"):
        tr.accept(session, transfer_no=t.transfer_no, on=D(2025, 3, 4))
    with pytest.raises(TransferError, match="早于"):
        tr.issue_certificate(session, transfer_no=t.transfer_no, on=D(2025, 3, 1))


def test_retirement_place_after_a_move_and_the_claim_goes_to_a_reviewer(session, db):
    from shebao.benefits.transfers import parse_statement_rows, retirement_place
    from shebao.cases import transfers as tr
    from shebao.cases.pipeline import _moved_reasons
    from shebao.core.db import get_engine
    from shebao.registry.models import Person

    p = _mover(session)
    assert retirement_place(session, person_id=p.person_id, on=D(2025, 3, 3)) is None  # never moved
    t, _ = tr.apply(session, raw={"person_id": p.person_id, "to_region": "370502", "household_region": "410102"},
                    idempotency_key="k-ret", on=D(2025, 3, 3))
    tr.issue_certificate(session, transfer_no=t.transfer_no, on=D(2025, 3, 4))
    tr.accept(session, transfer_no=t.transfer_no, on=D(2025, 3, 5))
    tr.record_fund(session, transfer_no=t.transfer_no, personal="20000.00", pooled="13320.36", on=D(2025, 3, 6))
    session.commit()
    tr.move_records_step(get_engine(), transfer_no=t.transfer_no, rows=parse_statement_rows(STATEMENT_ROWS),
                         on=D(2025, 3, 7))
    session.expire_all()
    # 20 months in Beijing (moved, origin 110105), none in Shandong, household Henan: no place has 10 years
    place = retirement_place(session, person_id=p.person_id, on=D(2040, 5, 1))
    assert (place["pension_place"], place["branch"], place["here"], place["months"]) == (
        "410102", "household_collects", False, 20)
    reasons = _moved_reasons(session, session.get(Person, p.person_id), D(2040, 5, 1))
    assert [r["code"] for r in reasons] == ["transfer_pension_place"] and "410102" in reasons[0]["text"]
    # given Shandong as the household region, Shandong pays: nothing to review
    here = retirement_place(session, person_id=p.person_id, on=D(2040, 5, 1), household_region="370502")
    assert (here["pension_place"], here["branch"], here["here"]) == ("370502", "household", True)


def test_the_records_command_killed_with_sigkill_and_rerun(session, db, tmp_path):
    """The real thing: ``shebao transfer records`` in a process killed (SIGKILL) between its commits."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from sqlalchemy import insert

    from shebao.cases import transfers as tr
    from shebao.core.db import utcnow
    from shebao.registry.models import Contribution

    p = _mover(session)
    now = utcnow()
    # 25 more years of monthly records with another Beijing employer: 300 more to move
    session.execute(insert(Contribution), [
        {"person_id": p.person_id, "employer_id": emp, "period": f"{y}-{m:02d}", "insurance": "pension",
         "base": Decimal("3000.00"), "employee_amount": Decimal("240.00"), "employer_amount": Decimal("480.00"),
         "row_hash": f"{emp}{y}{m}", "created_at": now, "updated_at": now}
        for emp in ("EBJ2",) for y in range(1998, 2023) for m in range(1, 13)])
    t, _ = tr.apply(session, raw={"person_id": p.person_id, "to_region": "370502", "household_region": "370502"},
                    idempotency_key="k-kill", on=D(2025, 3, 3))
    tr.issue_certificate(session, transfer_no=t.transfer_no, on=D(2025, 3, 4))
    tr.accept(session, transfer_no=t.transfer_no, on=D(2025, 3, 5))
    tr.record_fund(session, transfer_no=t.transfer_no, personal=t.personal_planned, pooled=t.pooled_planned,
                   on=D(2025, 3, 6))
    session.commit()
    statement = tmp_path / "statement.json"
    statement.write_text(json.dumps([{"period": f"{y}-{m:02d}", "base": "2000.00", "employee_amount": "160.00",
                                      "employer_amount": "320.00", "employer_id": "EOLD"}
                                     for y in range(1990, 1998) for m in range(1, 13)]), encoding="utf-8")
    total = 18 + 300 + 96
    cmd = [sys.executable, "-c", "import sys; from shebao.cli import main; sys.argv[0] = 'shebao'; main()",
           "transfer", "records", t.transfer_no, "--statement", str(statement), "--chunk-size", "3",
           "--date", "2025-04-02", "--json"]

    def moved() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.transfer_no == t.transfer_no))

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while moved() < 30 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    session.rollback()
    first = moved()
    assert 30 <= first < total, first  # killed mid-way, with some chunks committed
    assert tr.get(session, t.transfer_no).status == "funded"
    session.commit()
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert json.loads(rerun.stdout)["records_moved"] == total
    periods = session.execute(select(Contribution.employer_id, Contribution.period).where(
        Contribution.person_id == p.person_id)).all()
    assert len(periods) == len(set(periods)) == total  # none twice, none lost
