"""Appending to the tamper-evident audit log, and verifying it.

Each entry's hash covers the previous entry's hash and the entry's own canonical content, as in
Certificate Transparency: altering, deleting or reordering any entry breaks the chain from that
entry on. Every ``checkpoint_every`` entries a checkpoint is signed with the instance's Ed25519
key (derived from the instance secret), so that rewriting the whole chain needs the key too.

Entries are queued on the caller's session by :func:`append` and written when that session
commits (one batch per transaction, joining it): the chain is only held while a transaction
commits, not while it works.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from shebao.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry, AuditHead
from shebao.core.crypto import get_keyring, mask_text

PENDING_KEY = "audit_pending"
HEAD_ID = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return mask_text(value)  # a safety net: no full ID number or card ever enters the log
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """sha256(prev_hash ‖ canonical content) in hex."""
    content = canonical_json(
        {k: fields[k] for k in ("seq", "ts", "actor", "actor_role", "action", "entity", "entity_id", "detail", "source")}
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: str = "",
    detail: dict[str, Any] | None = None,
    actor: str | None = None,
    source: str | None = None,
) -> None:
    """Queue one audit entry on ``session``; it is written when the session commits.

    Args:
        action: what happened, dotted (``registry.load``, ``param.set``, ``person.read_full``).
        entity: the kind of record (``persons``, ``parameter``, ``application``).
        entity_id: which record (never a full ID number: use the person_id or a masked value).
        detail: counts, old and new values, reasons (strings are masked as a safety net).
        actor, source: default to the session's ``info["actor"]`` / ``info["source"]``.
    """
    pending = session.info.setdefault(PENDING_KEY, [])
    pending.append(
        {
            "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": actor or session.info.get("actor") or "system",
            "actor_role": session.info.get("actor_role") or "",
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id or ""),
            "detail": canonical_json(detail or {}),
            "source": source or session.info.get("source") or "system",
        }
    )


def log_full_access(session: Session, *, entity: str, entity_id: str, fields: list[str], purpose: str = "") -> None:
    """Record that someone saw personal data in full (个人信息保护法: access must be traceable)."""
    append(session, action="personal_data.read_full", entity=entity, entity_id=entity_id,
           detail={"fields": fields, "purpose": purpose})


def _signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(get_keyring().signing_seed)


def public_key_hex() -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _checkpoint_message(seq: int, entry_hash_: str, signed_at: str) -> bytes:
    return f"shebao-audit-checkpoint|{seq}|{entry_hash_}|{signed_at}".encode()


_HEAD = AuditHead.__table__
# Taking the chain's lock and reading the head is one statement (RETURNING: PostgreSQL, SQLite ≥ 3.35).
_LOCK_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq).returning(_HEAD.c.seq, _HEAD.c.hash)
_INSERT_ENTRIES = insert(AuditEntry.__table__)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID)


def _lock_head(session: Session) -> tuple[int, str]:
    """Take the chain's lock (by writing its head row) and return the head's (seq, hash)."""
    conn = session.connection()
    row = conn.execute(_LOCK_HEAD).first()
    if row is None:
        conn.execute(insert(_HEAD).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))
        return 0, GENESIS_HASH
    return int(row.seq), row.hash


def flush_pending(session: Session, checkpoint_every: int | None = None) -> int:
    """Write the queued entries now, chained after the current head; return how many.

    The session's own changes are flushed first, so that the chain's lock is held only for the
    three statements that extend it (and the commit that follows), never while the ORM works.
    """
    if not session.info.get(PENDING_KEY):
        return 0
    session.flush()
    pending = session.info.pop(PENDING_KEY)
    if checkpoint_every is None:
        from shebao.core.settings import get_settings

        checkpoint_every = get_settings().audit_checkpoint_every
    seq, prev = _lock_head(session)
    rows = []
    checkpoints = []
    for fields in pending:
        seq += 1
        row = dict(fields, seq=seq, prev_hash=prev)
        row["hash"] = prev = entry_hash(row["prev_hash"], row)
        rows.append(row)
        if checkpoint_every and seq % checkpoint_every == 0:
            checkpoints.append((seq, prev))
    conn = session.connection()
    conn.execute(_INSERT_ENTRIES, rows)
    conn.execute(_MOVE_HEAD, {"seq": seq, "hash": prev})
    for cp_seq, cp_hash in checkpoints:
        _write_checkpoint(session, cp_seq, cp_hash)
    # a head loaded through the ORM earlier in this session is stale now
    loaded = session.identity_map.get(identity_key(AuditHead, HEAD_ID))
    if loaded is not None:
        session.expire(loaded)
    return len(rows)


def _write_checkpoint(session: Session, seq: int, hash_: str) -> None:
    signed_at = datetime.now(UTC).isoformat(timespec="seconds")
    key = _signing_key()
    session.execute(
        insert(AuditCheckpoint).values(
            seq=seq,
            entry_hash=hash_,
            signed_at=signed_at,
            public_key=public_key_hex(),
            signature=key.sign(_checkpoint_message(seq, hash_, signed_at)).hex(),
        )
    )


def checkpoint_now(session: Session) -> int | None:
    """Sign a checkpoint at the current head (if it has none yet); return its seq."""
    flush_pending(session)
    seq, hash_ = _lock_head(session)
    if seq == 0 or session.get(AuditCheckpoint, seq) is not None:
        return seq or None
    _write_checkpoint(session, seq, hash_)
    return seq


@event.listens_for(Session, "before_commit")
def _write_queued_entries(session: Session) -> None:
    if session.info.get(PENDING_KEY):
        flush_pending(session)


@event.listens_for(Session, "after_rollback")
def _drop_queued_entries(session: Session) -> None:
    # What was rolled back did not happen: its entries must not be written later.
    session.info.pop(PENDING_KEY, None)


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    reason: str = ""


def _iter_entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).scalars().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Walk the chain from the first entry; name the first entry that does not hold."""
    expected_seq, prev = 1, GENESIS_HASH
    hashes_at: dict[int, str] = {}
    checkpoints = session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).scalars().all()
    wanted = {cp.seq for cp in checkpoints}
    head = session.get(AuditHead, HEAD_ID)
    count = 0
    for entry in _iter_entries(session):
        fields = {c: getattr(entry, c) for c in
                  ("seq", "ts", "actor", "actor_role", "action", "entity", "entity_id", "detail", "source")}
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                return VerifyResult(False, count, len(checkpoints), expected_seq,
                                    f"第 {expected_seq} 条记录缺失（被删除）")
            return VerifyResult(False, count, len(checkpoints), entry.seq, f"第 {entry.seq} 条记录序号重复")
        if entry.prev_hash != prev:
            return VerifyResult(False, count, len(checkpoints), entry.seq,
                                f"第 {entry.seq} 条记录的前序哈希不符（记录被删除或调换顺序）")
        if entry_hash(entry.prev_hash, fields) != entry.hash:
            return VerifyResult(False, count, len(checkpoints), entry.seq, f"第 {entry.seq} 条记录内容被修改")
        if entry.seq in wanted:
            hashes_at[entry.seq] = entry.hash
        prev = entry.hash
        expected_seq += 1
        count += 1
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev):
        if head.seq > last_seq:
            return VerifyResult(False, count, len(checkpoints), last_seq + 1,
                                f"第 {last_seq + 1} 条及以后的记录缺失（链尾被截断）")
        return VerifyResult(False, count, len(checkpoints), last_seq, "链头与最后一条记录不符")
    pub_hex = public_key_hex()
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(pub_hex))
    for cp in checkpoints:
        if cp.public_key != pub_hex:
            return VerifyResult(False, count, len(checkpoints), cp.seq, f"第 {cp.seq} 条的检查点不是本实例密钥签名")
        try:
            public.verify(bytes.fromhex(cp.signature), _checkpoint_message(cp.seq, cp.entry_hash, cp.signed_at))
        except Exception:
            return VerifyResult(False, count, len(checkpoints), cp.seq, f"第 {cp.seq} 条的检查点签名无效")
        if hashes_at.get(cp.seq) != cp.entry_hash:
            return VerifyResult(False, count, len(checkpoints), cp.seq,
                                f"第 {cp.seq} 条记录与已签名检查点不符（链被重写）")
    return VerifyResult(True, count, len(checkpoints))
