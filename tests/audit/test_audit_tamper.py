"""Every way of cutting or rewriting the audit log found by the outside probe (issue 16) is detected.

The scenario: entries 1–6, a checkpoint at 6 (signed, in the database and in the witness file),
then entries 7–10 not yet checkpointed. The attacker writes the database directly; only the
instance secret (and the witness outside the database) are out of their reach, except where a
test says the attacker holds the key.
"""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select, text

from shebao.audit import append, checkpoint_now, verify
from shebao.audit import log as audit_log
from shebao.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from shebao.core.db import get_engine, session_scope

ATTACKER_KEY = b"the attacker does not have the instance secret....."


def _fill(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with session_scope() as s:
            s.info.update(actor="clerk1", source="test")
            append(s, action="test.change", entity="persons", entity_id=f"P{i}", detail={"i": i})


@pytest.fixture
def log_at_10(db):
    """Entries 1–10, a witnessed checkpoint at 6."""
    _fill(6)
    with session_scope() as s:
        assert checkpoint_now(s) == 6
    _fill(4, start=6)
    result = _verify()
    assert result.ok and result.entries == 10 and result.witnessed_seq == 6 and result.unwitnessed == 4
    return db


def _verify():
    with session_scope() as s:
        return verify(s)


def _sql(*statements: str, **params) -> None:
    with get_engine().begin() as conn:
        for st in statements:
            conn.execute(text(st), params)


def _head_row() -> dict:
    with get_engine().connect() as conn:
        return dict(conn.execute(text("SELECT * FROM audit_head")).mappings().one())


def _rewrite(seq: int, *, key: bytes, fix_head: bool = True) -> None:
    """Change entry ``seq`` and recompute every later hash (and the head) with ``key``."""
    with session_scope() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)).scalars().all()
        for r in rows:  # first move every hash out of the way of the unique constraints
            r.prev_hash, r.hash = f"x{r.seq}", f"y{r.seq}"
        s.flush()
        prev = s.get(AuditEntry, seq - 1).hash if seq > 1 else audit_log.GENESIS_HASH
        for r in rows:
            if r.seq == seq:
                r.detail = '{"i":999}'
            fields = {c: getattr(r, c) for c in audit_log.HASHED_FIELDS}
            r.prev_hash, r.hash = prev, audit_log.entry_hash(prev, fields, key)
            prev = r.hash
        s.flush()
        if fix_head:
            head = s.get(AuditHead, 1)
            head.hash = prev
            head.mac = audit_log.head_mac(head.seq, head.hash, head.checkpoint_seq, head.checkpoint_at, key)


def _bad(result, seq: int | None = None, *words: str) -> None:
    assert not result.ok, result
    if seq is not None:
        assert result.first_bad_seq == seq, result
    for w in words:
        assert w in result.reason, result


# --- single entries -----------------------------------------------------------------------------------

def test_intact_log_verifies_with_its_witness(log_at_10) -> None:
    lines = audit_log.witness.read_file()
    assert [w["seq"] for w in lines] == [6]
    assert (audit_log.witness.witness_path().stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("seq", [3, 8])
def test_altered_entry(log_at_10, seq) -> None:
    _sql("UPDATE audit_log SET detail = :d WHERE seq = :s", s=seq, d='{"i":40}')
    _bad(_verify(), seq, "修改")


@pytest.mark.parametrize("seq", [3, 8])
def test_deleted_entry(log_at_10, seq) -> None:
    _sql("DELETE FROM audit_log WHERE seq = :s", s=seq)
    _bad(_verify(), seq, "删除")


def test_inserted_entry(log_at_10) -> None:
    # make room at 8 and insert a forged entry chained to 7 (its hash computed without the key)
    _sql(*(f"UPDATE audit_log SET seq = {s + 1} WHERE seq = {s}" for s in (10, 9, 8)))
    with session_scope() as s:
        prev = s.get(AuditEntry, 7).hash
        forged = {"seq": 8, "ts": "2026-12-07T00:00:00.000000+00:00", "actor": "clerk1", "actor_role": "",
                  "action": "test.change", "entity": "persons", "entity_id": "PX", "detail": "{}", "source": "test"}
        forged_hash = audit_log.entry_hash(prev, forged, ATTACKER_KEY)
        s.get(AuditEntry, 9).prev_hash = forged_hash  # the next entry chained to the forged one
        s.flush()
        s.add(AuditEntry(**forged, prev_hash=prev, hash=forged_hash))
    _bad(_verify(), 8)


def test_two_entries_reordered(log_at_10) -> None:
    _sql("UPDATE audit_log SET seq = -8 WHERE seq = 8", "UPDATE audit_log SET seq = 8 WHERE seq = 9",
         "UPDATE audit_log SET seq = 9 WHERE seq = -8")
    _bad(_verify(), 8)


# --- the tail -----------------------------------------------------------------------------------------

def test_tail_cut(log_at_10) -> None:
    _sql("DELETE FROM audit_log WHERE seq > 8")
    _bad(_verify(), 9, "截断")


def test_tail_cut_and_head_moved_back(log_at_10) -> None:
    with get_engine().connect() as conn:
        h8 = conn.execute(text("SELECT hash FROM audit_log WHERE seq = 8")).scalar_one()
    _sql("DELETE FROM audit_log WHERE seq > 8", "UPDATE audit_head SET seq = 8, hash = :h", h=h8)
    _bad(_verify(), 9, "链头")


def test_tail_cut_and_head_deleted(log_at_10) -> None:
    _sql("DELETE FROM audit_log WHERE seq > 8", "DELETE FROM audit_head")
    _bad(_verify(), 9, "链头")


def test_tail_cut_past_the_checkpoint_with_a_replayed_head_and_no_checkpoints(db) -> None:
    # the attacker saved a genuine head row at 4, cuts back to it, deletes the checkpoints:
    # the database alone is consistent again, the witness outside it is not
    _fill(4)
    saved = _head_row()
    _fill(2, start=4)
    with session_scope() as s:
        checkpoint_now(s)
    _fill(3, start=6)
    _sql("DELETE FROM audit_log WHERE seq > 4", "DELETE FROM audit_checkpoints",
         "UPDATE audit_head SET seq = :seq, hash = :hash, mac = :mac, checkpoint_seq = :cs, checkpoint_at = :ca",
         seq=saved["seq"], hash=saved["hash"], mac=saved["mac"], cs=saved["checkpoint_seq"], ca=saved["checkpoint_at"])
    _bad(_verify(), 5, "见证")


# --- rewriting the chain ------------------------------------------------------------------------------

@pytest.mark.parametrize("seq", [3, 8], ids=["before_checkpoint", "after_checkpoint"])
def test_rewritten_and_recomputed_without_the_key(log_at_10, seq) -> None:
    _rewrite(seq, key=ATTACKER_KEY)
    _bad(_verify(), seq, "修改")


def test_rewritten_and_recomputed_with_the_key_before_the_checkpoint(log_at_10) -> None:
    # even someone holding the instance secret cannot rewrite what a signed checkpoint covers
    _rewrite(3, key=audit_log.get_keyring().audit_key)
    _bad(_verify(), 6, "检查点")


def test_rewritten_with_the_key_and_checkpoints_deleted_is_caught_by_the_witness(log_at_10) -> None:
    key = audit_log.get_keyring().audit_key
    _rewrite(3, key=key, fix_head=False)
    _sql("DELETE FROM audit_checkpoints")
    with session_scope() as s:
        head = s.get(AuditHead, 1)
        last = s.get(AuditEntry, head.seq)
        head.hash, head.checkpoint_seq, head.checkpoint_at = last.hash, 0, ""
        head.mac = audit_log.head_mac(head.seq, head.hash, 0, "", key)
    _bad(_verify(), 6, "见证")


# --- checkpoints --------------------------------------------------------------------------------------

def test_checkpoints_deleted(log_at_10) -> None:
    _sql("DELETE FROM audit_checkpoints")
    _bad(_verify(), 6, "检查点")


def test_checkpoints_deleted_and_head_reset(log_at_10) -> None:
    _sql("DELETE FROM audit_checkpoints", "UPDATE audit_head SET checkpoint_seq = 0, checkpoint_at = ''")
    _bad(_verify(), None, "链头")


@pytest.mark.parametrize("column,value", [("entry_hash", "ab" * 32), ("signed_at", "2030-01-01T00:00:00+00:00"),
                                          ("signature", "00" * 64)])
def test_checkpoint_altered(log_at_10, column, value) -> None:
    _sql(f"UPDATE audit_checkpoints SET {column} = :v", v=value)
    _bad(_verify(), 6, "签名")


def test_checkpoints_deleted_with_a_rewrite(log_at_10) -> None:
    _rewrite(3, key=ATTACKER_KEY)
    _sql("DELETE FROM audit_checkpoints")
    _bad(_verify(), 3)


def test_checkpoint_altered_to_match_a_rewrite(log_at_10) -> None:
    _rewrite(3, key=ATTACKER_KEY)
    with get_engine().connect() as conn:
        h6 = conn.execute(text("SELECT hash FROM audit_log WHERE seq = 6")).scalar_one()
    _sql("UPDATE audit_checkpoints SET entry_hash = :h WHERE seq = 6", h=h6)
    result = _verify()
    _bad(result, 3)
    # and were the chain itself accepted, the altered checkpoint's signature would not be
    _sql("DELETE FROM audit_log")
    assert not _verify().ok


# --- the whole log ------------------------------------------------------------------------------------

def test_log_emptied(log_at_10) -> None:
    _sql("DELETE FROM audit_log", "DELETE FROM audit_checkpoints", "DELETE FROM audit_head")
    _bad(_verify(), None, "见证")


def test_log_emptied_head_kept(log_at_10) -> None:
    _sql("DELETE FROM audit_log", "DELETE FROM audit_checkpoints")
    _bad(_verify(), 1)


def test_witness_line_altered_is_reported(log_at_10) -> None:
    path = audit_log.witness.witness_path()
    cp = json.loads(path.read_text().splitlines()[0])
    cp["entry_hash"] = "cd" * 32
    path.write_text(json.dumps(cp) + "\n")
    _bad(_verify(), 6, "见证")


# --- when checkpoints are written ---------------------------------------------------------------------

def test_checkpoint_every_n_entries_is_signed_and_witnessed(db, monkeypatch) -> None:
    from shebao.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "audit_checkpoint_every", 3)
    _fill(7)
    with session_scope() as s:
        assert [c.seq for c in s.execute(select(AuditCheckpoint)).scalars()] == [3, 6]
    assert [w["seq"] for w in audit_log.witness.read_file()] == [3, 6]
    result = _verify()
    assert result.ok and result.witnessed_seq == 6 and result.unwitnessed == 1


def test_checkpoint_after_t_minutes_of_activity(db, monkeypatch) -> None:
    from shebao.core.settings import get_settings

    _fill(2)
    with session_scope() as s:
        checkpoint_now(s)
    _fill(1, start=2)  # T minutes (10) not passed: no checkpoint
    monkeypatch.setattr(get_settings(), "audit_checkpoint_minutes", 1e-6)
    _fill(1, start=3)
    with session_scope() as s:
        assert [c.seq for c in s.execute(select(AuditCheckpoint)).scalars()] == [2, 4]
    assert _verify().ok


def test_rolled_back_work_leaves_no_entry_and_no_checkpoint(db) -> None:
    _fill(1)
    with pytest.raises(RuntimeError), session_scope() as s:
        append(s, action="x", entity="y")
        checkpoint_now(s)
        raise RuntimeError("fail")
    assert audit_log.witness.read_file() == []
    result = _verify()
    assert result.ok and result.entries == 1 and result.checkpoints == 0


def test_cli_command_ends_with_a_checkpoint(db) -> None:
    from typer.testing import CliRunner

    from shebao.cli import _register, app

    _register()
    _fill(3)  # written by this process: the next command's end checkpoints them
    result = CliRunner().invoke(app, ["audit", "tail", "-n", "1"])
    assert result.exit_code == 0, result.output
    assert [w["seq"] for w in audit_log.witness.read_file()] == [3]
    out = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["witnessed_seq"] == 3
    _sql("DELETE FROM audit_log WHERE seq = 3", "DELETE FROM audit_checkpoints")
    out = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert out.exit_code == 1 and not json.loads(out.stdout)["ok"]


# --- the HTTP witness ---------------------------------------------------------------------------------

@pytest.fixture
def http_witness(db, tmp_path, monkeypatch):
    from shebao.audit.witness import WitnessServer
    from shebao.core.settings import get_settings

    server = WitnessServer(("127.0.0.1", 0), tmp_path / "remote-witness.jsonl", audit_log.public_key_hex())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setattr(get_settings(), "audit_witness_url", url)
    yield server
    server.shutdown()
    server.server_close()


def test_http_witness_holds_checkpoints_and_catches_what_the_file_lost(http_witness) -> None:
    import httpx

    _fill(4)
    with session_scope() as s:
        checkpoint_now(s)
    assert http_witness.latest()["seq"] == 4
    assert _verify().ok
    # a contradicting checkpoint (same seq, another hash) is refused by the witness
    forged = audit_log.sign_checkpoint(4, "ef" * 32)
    url = f"http://127.0.0.1:{http_witness.server_address[1]}/"
    assert httpx.post(url, json=forged).status_code == 409
    # the database and the local witness file both emptied: the HTTP witness still knows
    _sql("DELETE FROM audit_log", "DELETE FROM audit_checkpoints", "DELETE FROM audit_head")
    audit_log.witness.witness_path().unlink()
    _bad(_verify(), None, "HTTP 见证")


def test_http_witness_unreachable_fails_verification(db, monkeypatch) -> None:
    from shebao.core.settings import get_settings

    _fill(1)
    monkeypatch.setattr(get_settings(), "audit_witness_url", "http://127.0.0.1:9/")
    with session_scope() as s:
        checkpoint_now(s)  # the POST fails: logged, the work stays committed
    _bad(_verify(), None, "HTTP 见证")


def test_verify_while_others_append_raises_no_false_alarm(db, monkeypatch) -> None:
    from shebao.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "audit_checkpoint_every", 5)
    _fill(20)
    stop = threading.Event()
    errors: list[Exception] = []

    def writer(k: int) -> None:
        i = 0
        try:
            while not stop.is_set():
                with session_scope() as s:
                    append(s, action="concurrent", entity="x", entity_id=f"{k}-{i}")
                i += 1
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    try:
        results = [_verify() for _ in range(5)]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert _verify().ok
