"""A database from before the keyed chain: the migration checks the old chain, then rekeys it."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from shebao.audit import log as audit_log
from shebao.audit import verify
from shebao.core.db import get_engine, session_scope


def _legacy_log(url: str, n: int, *, tamper: bool = False) -> None:
    """Entries of the old unkeyed sha256 chain (as foundation_0001 wrote them), and its head."""
    prev = audit_log.GENESIS_HASH
    with get_engine(url).begin() as conn:
        for seq in range(1, n + 1):
            row = {"seq": seq, "ts": f"2026-11-0{seq}T00:00:00.000000+00:00", "actor": "admin", "actor_role": "admin",
                   "action": "param.set", "entity": "parameter", "entity_id": str(seq), "detail": '{"v":1}',
                   "source": "cli"}
            h = hashlib.sha256(prev.encode() + audit_log._content(row)).hexdigest()
            if tamper and seq == 2:
                row["detail"] = '{"v":2}'  # altered before the upgrade
            conn.execute(text("INSERT INTO audit_log VALUES (:seq,:ts,:actor,:actor_role,:action,:entity,:entity_id,"
                              ":detail,:source,:prev,:hash)"), {**row, "prev": prev, "hash": h})
            prev = h
        conn.execute(text("DELETE FROM audit_head"))
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :n, :h)"), {"n": n, "h": prev})


@pytest.mark.parametrize("tamper", [False, True])
def test_migration_rekeys_and_records_what_it_found(empty_db, tamper) -> None:
    from shebao.migrations import upgrade

    url = empty_db
    upgrade(url, "foundation_0001")
    _legacy_log(url, 3, tamper=tamper)
    upgrade(url)
    with session_scope() as s:
        result = verify(s)
        rekey = s.execute(text("SELECT action, detail FROM audit_log WHERE seq = 4")).one()
    assert result.ok and result.entries == 4 and result.witnessed_seq == 4, result
    detail = json.loads(rekey.detail)
    assert rekey.action == "audit.rekey" and detail["legacy_entries"] == 3
    assert detail["legacy_chain_ok"] is (not tamper)
    assert detail["legacy_first_bad_seq"] == (2 if tamper else None)
