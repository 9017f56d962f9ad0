"""The hot-path helpers of ``shebao.core.db`` give what SQLAlchemy's own calls give (both backends).

- ``query_fast`` returns the rows ``Connection.execute`` returns, personal data decrypted;
- ``insert_persistent`` of a few rows with a generated key (one multi-row INSERT ... RETURNING)
  gives each object the key of its own row;
- ``execute_fast`` of more rows than one cached statement takes (psycopg: 50 parameters) writes them all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select

from shebao.audit.models import AuditEntry
from shebao.benefits.models import Notice
from shebao.core.db import (
    execute_fast,
    get_engine,
    insert_persistent,
    query_fast,
    session_scope,
    transaction_connection,
)
from shebao.registry.models import Person


def _person(pid: str, name: str) -> Person:
    return Person(person_id=pid, id_number=f"37060219640101{pid[-3:]}X", id_number_bidx=f"bidx-{pid}", name=name,
                  sex="M", birth_date=dt.date(1964, 1, 1), region_code="370600", original_retirement_age=60,
                  deemed_months=0, row_hash="")


def test_query_fast_returns_what_execute_returns(db):
    with session_scope(get_engine(db)) as s:
        s.add_all([_person("Q000000001", "李建华"), _person("Q000000002", "王秀英")])
    stmt = (select(Person.person_id, Person.name, Person.birth_date, Person.deemed_months)
            .where(Person.region_code == bindparam("region")).order_by(Person.person_id))
    with session_scope(get_engine(db)) as s:
        conn = transaction_connection(s)
        fast = query_fast(conn, stmt, {"region": "370600"})
        plain = [tuple(r) for r in conn.execute(stmt, {"region": "370600"})]
    assert fast == plain
    assert fast == [("Q000000001", "李建华", dt.date(1964, 1, 1), 0), ("Q000000002", "王秀英", dt.date(1964, 1, 1), 0)]


def test_a_few_rows_get_their_own_generated_keys(db):
    notices = [Notice(notice_key=f"test:{i}", kind="grant", person_id="Q000000001", benefit_id=None,
                      issued_on=dt.date(2025, 3, 10), title="社会保险待遇核定通知书", data=f'{{"n":{i}}}')
               for i in range(3)]
    with session_scope(get_engine(db)) as s:
        s.add(_person("Q000000001", "李建华"))
        s.flush()
        insert_persistent(s, notices, attach=False)
    ids = [n.id for n in notices]
    assert len(set(ids)) == 3 and all(isinstance(i, int) for i in ids)
    with session_scope(get_engine(db)) as s:
        stored = dict(s.execute(select(Notice.id, Notice.notice_key)).all())
    assert {i: stored[i] for i in ids} == {n.id: n.notice_key for n in notices}


def test_rows_past_one_statements_parameters_are_all_written(db):
    rows = [{"seq": 1000 + i, "ts": "2025-03-10T00:00:00", "actor": "test", "actor_role": "", "action": "test.row",
             "entity": "test", "entity_id": str(i), "detail": "{}", "source": "test",
             "prev_hash": f"p{i:063d}", "hash": f"h{i:063d}"} for i in range(7)]  # 7 × 11 = 77 parameters
    with session_scope(get_engine(db)) as s:
        execute_fast(transaction_connection(s), AuditEntry.__table__.insert(), rows)
    with session_scope(get_engine(db)) as s:
        written = s.execute(select(AuditEntry.seq, AuditEntry.entity_id).where(AuditEntry.action == "test.row")
                            .order_by(AuditEntry.seq)).all()
    assert [tuple(r) for r in written] == [(1000 + i, str(i)) for i in range(7)]
