"""The hash-chained audit log: appends within the caller's transaction, tampering detected."""

from __future__ import annotations

import threading

from sqlalchemy import select, text, update

from shebao.audit import append, verify
from shebao.audit.models import AuditEntry
from shebao.core.db import get_engine, session_scope


def _fill(n: int, actor: str = "clerk1") -> None:
    for i in range(n):
        with session_scope() as s:
            s.info.update(actor=actor, source="test")
            append(s, action="test.change", entity="persons", entity_id=f"P{i}", detail={"i": i})


def _verify():
    with session_scope() as s:
        return verify(s)


def test_intact_chain_verifies(db) -> None:
    _fill(5)
    result = _verify()
    assert result.ok and result.entries == 5


def test_entries_say_who_what_when_where_and_mask_ids(db) -> None:
    with session_scope() as s:
        s.info.update(actor="wang", source="api:10.0.0.8")
        append(s, action="person.update", entity="persons", entity_id="P1", detail={"note": "号码 11010519491231002X"})
    with session_scope() as s:
        e = s.execute(select(AuditEntry)).scalar_one()
    assert (e.actor, e.action, e.entity_id, e.source) == ("wang", "person.update", "P1", "api:10.0.0.8")
    assert e.ts.startswith("20") and "11010519491231002X" not in e.detail and "110105********002X" in e.detail


def test_rolled_back_work_leaves_no_entry(db) -> None:
    try:
        with session_scope() as s:
            append(s, action="x", entity="y")
            raise RuntimeError("fail")
    except RuntimeError:
        pass
    with session_scope() as s:
        append(s, action="after", entity="y")
    result = _verify()
    assert result.ok and result.entries == 1


def test_altered_entry_is_named(db) -> None:
    _fill(6)
    with get_engine().begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(detail='{"i":40}'))
    result = _verify()
    assert not result.ok and result.first_bad_seq == 4 and result.reason.startswith("第 4 条记录内容被修改")


def test_deleted_entry_is_named(db) -> None:
    _fill(6)
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    result = _verify()
    assert not result.ok and result.first_bad_seq == 3 and result.reason == "第 3 条记录缺失（被删除）"


def test_truncated_tail_is_detected(db) -> None:
    _fill(6)
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 6"))
    result = _verify()
    assert not result.ok and result.first_bad_seq == 6


def test_reordered_entries_are_named(db) -> None:
    _fill(6)
    with get_engine().begin() as conn:
        # swap entries 2 and 3 (their sequence numbers), as a reordering would
        conn.execute(text("UPDATE audit_log SET seq = -2 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = -2"))
    result = _verify()
    assert not result.ok and result.first_bad_seq == 2


def test_one_transaction_many_entries_is_one_batch(db) -> None:
    with session_scope() as s:
        for i in range(50):
            append(s, action="batch", entity="x", entity_id=str(i))
    result = _verify()
    assert result.ok and result.entries == 50


def test_concurrent_writers_cannot_fork_the_chain(db) -> None:
    errors: list[Exception] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                with session_scope() as s:
                    append(s, action="concurrent", entity="x", entity_id=f"{k}-{i}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = _verify()
    assert result.ok and result.entries == 60


def test_two_processes_appending_in_turn_keep_one_chain(db) -> None:
    """Two engines on one database stand for two processes: each guesses the head it last committed
    (PostgreSQL) and is wrong whenever the other wrote since; the chain stays whole either way."""
    from sqlalchemy import create_engine, func

    from shebao.audit import log as audit_log

    url = str(get_engine().url.render_as_string(hide_password=False))
    other = create_engine(url)
    try:
        for i in range(12):
            engine = get_engine() if i % 3 else other  # runs of two on one side, then one on the other
            with session_scope(engine) as s:
                s.info.update(actor="clerk1", source="test")
                append(s, action="test.turn", entity="persons", entity_id=f"P{i}", detail={"i": i})
                append(s, action="test.turn", entity="persons", entity_id=f"Q{i}")
        with session_scope() as s:
            seqs = list(s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
            assert seqs == list(range(1, 25))
            assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.turn")) == 24
        assert _verify().ok
        if get_engine().dialect.name == "postgresql":  # a guess was made and, after the other's turn, refused
            assert get_engine() in audit_log._KNOWN_HEADS or other in audit_log._KNOWN_HEADS
    finally:
        other.dispose()
