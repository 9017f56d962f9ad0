"""Appending to the audit log, checkpointing it, and verifying that it is whole.

As in Certificate Transparency, the log proves its own completeness:

- **A keyed chain.** Each entry's hash is HMAC-SHA256(audit key, previous hash ‖ canonical content);
  the audit key is derived from the instance secret (HKDF, ``core.crypto``). Altering, deleting,
  inserting or reordering an entry breaks the chain there, and recomputing the chain after a
  rewrite needs the key.
- **A keyed head.** The single ``audit_head`` row names the last entry and the last checkpoint
  under an HMAC of the same key: cutting the tail and moving the head back needs the key too.
- **Signed checkpoints** (Ed25519, a key derived from the same secret): "entry ``seq`` has hash
  ``h`` at time ``t``", written in the appending transaction at least every
  ``SHEBAO_AUDIT_CHECKPOINT_EVERY`` entries and once ``SHEBAO_AUDIT_CHECKPOINT_MINUTES`` have passed
  since the last one, at the end of every CLI command that wrote entries (:func:`checkpoint_pending`,
  hooked in ``shebao.cli``) and, in the API server, by a timer after a quiet spell
  (:func:`start_checkpoint_timer`).
- **Witnesses outside the database.** After the transaction commits, each checkpoint is appended
  to ``$SHEBAO_HOME/audit-witness.jsonl`` and POSTed to ``SHEBAO_AUDIT_WITNESS_URL`` if set
  (:mod:`shebao.audit.witness`). :func:`verify` requires the latest witnessed checkpoint to be in
  the database with the same hash, every entry after it to be there up to the keyed head.

Entries are queued on the caller's session by :func:`append` and written when that session
commits (one batch per transaction, joining it): the chain is only held while a transaction
commits, not while it works.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, event, insert, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from shebao.audit import witness
from shebao.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry, AuditHead
from shebao.core.crypto import get_keyring, mask_text
from shebao.core.db import _ENGINES, execute_fast, session_scope, transaction_connection
from shebao.core.settings import get_settings

log = logging.getLogger(__name__)

PENDING_KEY = "audit_pending"
WITNESS_KEY = "audit_witness_pending"
WROTE_KEY = "audit_wrote"
HEAD_ID = 1
HASHED_FIELDS = ("seq", "ts", "actor", "actor_role", "action", "entity", "entity_id", "detail", "source")


def _jsonable(value: Any) -> Any:
    kind = type(value)  # the common exact types first (an entry's detail is mostly these)
    if kind is str:
        return mask_text(value)
    if kind is dict:
        return {str(k): _jsonable(v) for k, v in value.items()}
    if kind is int or kind is bool or kind is float or value is None:
        return value
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


# json.dumps with any option builds a new encoder per call; one made once encodes the same
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(_jsonable(value))


def _content(fields: dict[str, Any]) -> bytes:
    return canonical_json({k: fields[k] for k in HASHED_FIELDS}).encode("utf-8")


def entry_hash(prev_hash: str, fields: dict[str, Any], key: bytes | None = None) -> str:
    """HMAC-SHA256(audit key, prev_hash ‖ canonical content) in hex."""
    return hmac.digest(key or get_keyring().audit_key, prev_hash.encode() + _content(fields), "sha256").hex()


def legacy_entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The unkeyed sha256 chain of databases before the keyed one (checked once, when rekeyed)."""
    return hashlib.sha256(prev_hash.encode() + _content(fields)).hexdigest()


def head_mac(seq: int, hash_: str, checkpoint_seq: int, checkpoint_at: str, key: bytes | None = None) -> str:
    message = f"shebao-audit-head|{seq}|{hash_}|{checkpoint_seq}|{checkpoint_at}".encode()
    return hmac.digest(key or get_keyring().audit_key, message, "sha256").hex()


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


_PUBLIC_KEYS: dict[bytes, str] = {}


def public_key_hex() -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    seed = get_keyring().signing_seed
    if seed not in _PUBLIC_KEYS:
        _PUBLIC_KEYS[seed] = _signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    return _PUBLIC_KEYS[seed]


def sign_checkpoint(seq: int, hash_: str, signed_at: str | None = None) -> dict[str, Any]:
    signed_at = signed_at or datetime.now(UTC).isoformat(timespec="seconds")
    return {"seq": seq, "entry_hash": hash_, "signed_at": signed_at, "public_key": public_key_hex(),
            "signature": _signing_key().sign(witness.checkpoint_message(seq, hash_, signed_at)).hex()}


_HEAD = AuditHead.__table__
# Taking the chain's lock and reading the head is one statement (RETURNING: PostgreSQL, SQLite ≥ 3.35).
_LOCK_HEAD = (update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq)
              .returning(_HEAD.c.seq, _HEAD.c.hash, _HEAD.c.checkpoint_seq, _HEAD.c.checkpoint_at))
_INSERT_ENTRIES = insert(AuditEntry.__table__)
_INSERT_CHECKPOINT = insert(AuditCheckpoint.__table__)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID)
_ENTRY_COLUMNS = tuple(c.key for c in AuditEntry.__table__.columns)
_HEAD_FIELDS = ("seq", "hash", "checkpoint_seq", "checkpoint_at", "mac")
# PostgreSQL: the queued entries and the head's move in one statement, the entries as one JSON array of
# objects (json_to_recordset). One round trip instead of three, a fixed count of parameters whatever the
# number of entries (psycopg parses a statement again on every run past 50 parameters: 5 entries of 11
# columns as a VALUES list are 55), and one ``json.dumps`` in C instead of psycopg adapting one array per
# column element by element. The head's UPDATE runs as a data-modifying CTE, always and exactly once.
_PG_APPEND_AND_MOVE_HEAD = text(
    "WITH moved AS (UPDATE audit_head SET "
    + ", ".join(f"{f} = :head_{f}" for f in _HEAD_FIELDS)
    + f" WHERE id = {HEAD_ID}) "
    + f"INSERT INTO audit_log ({', '.join(_ENTRY_COLUMNS)}) SELECT {', '.join(_ENTRY_COLUMNS)} "
    + "FROM json_to_recordset(CAST(:entries AS json)) AS e("
    + ", ".join(f"{c} {'integer' if c == 'seq' else 'text'}" for c in _ENTRY_COLUMNS) + ")")
# The same without taking the lock first (one round trip instead of two): the head moves only if it is still
# the one this process last committed (all four fields; a concurrent writer's UPDATE is waited for and the
# condition checked again on its result), and the entries are written only if it moved.
_PG_APPEND_IF_HEAD_IS = text(
    "WITH moved AS (UPDATE audit_head SET "
    + ", ".join(f"{f} = :head_{f}" for f in _HEAD_FIELDS)
    + f" WHERE id = {HEAD_ID} AND seq = :was_seq AND hash = :was_hash AND checkpoint_seq = :was_checkpoint_seq"
    + " AND checkpoint_at = :was_checkpoint_at RETURNING id) "
    + f"INSERT INTO audit_log ({', '.join(_ENTRY_COLUMNS)}) SELECT {', '.join(_ENTRY_COLUMNS)} "
    + "FROM json_to_recordset(CAST(:entries AS json)) AS e("
    + ", ".join(f"{c} {'integer' if c == 'seq' else 'text'}" for c in _ENTRY_COLUMNS) + ") "
    + "WHERE EXISTS (SELECT 1 FROM moved) RETURNING seq")

# The head as this process last committed it, per engine (PostgreSQL): the guess that lets a flush write
# its entries without reading the head first. A wrong guess costs one statement that writes nothing, and
# then the guess is not used for a while (another process is writing: each would mostly guess wrong).
_KNOWN_HEADS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_GUESS_PAUSE = 16  # flushes without guessing after a wrong guess
HEAD_KEY = "audit_head_written"


@dataclass
class _Head:
    seq: int
    hash: str
    checkpoint_seq: int
    checkpoint_at: str


def _lock_head(session: Session) -> _Head:
    """Take the chain's lock (by writing its head row) and return the head."""
    conn = transaction_connection(session)
    rows = execute_fast(conn, _LOCK_HEAD, {}, returning=True)
    row = _Head(*rows[0]) if rows else None
    if row is None:
        conn.execute(insert(_HEAD).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH, checkpoint_seq=0, checkpoint_at="",
                                          mac=head_mac(0, GENESIS_HASH, 0, "")))
        return _Head(0, GENESIS_HASH, 0, "")
    return _Head(int(row.seq), row.hash, int(row.checkpoint_seq or 0), row.checkpoint_at or "")


def _due(head: _Head, every: int, minutes: float, now: datetime) -> bool:
    if head.seq <= head.checkpoint_seq:
        return False
    if every and head.seq - head.checkpoint_seq >= every:
        return True
    if head.checkpoint_at:
        try:
            last = datetime.fromisoformat(head.checkpoint_at)
        except ValueError:
            return True
        return now - last >= timedelta(minutes=minutes)
    return False


def _checkpoint_at_head(session: Session, head: _Head) -> dict[str, Any]:
    """Sign the head, write the checkpoint, and queue it for the witnesses (published after commit)."""
    cp = sign_checkpoint(head.seq, head.hash)
    session.connection().execute(_INSERT_CHECKPOINT, cp)
    head.checkpoint_seq, head.checkpoint_at = head.seq, cp["signed_at"]
    session.info.setdefault(WITNESS_KEY, []).append(cp)
    return cp


def _head_values(head: _Head) -> dict[str, Any]:
    return {"seq": head.seq, "hash": head.hash, "checkpoint_seq": head.checkpoint_seq,
            "checkpoint_at": head.checkpoint_at,
            "mac": head_mac(head.seq, head.hash, head.checkpoint_seq, head.checkpoint_at)}


def _move_head(session: Session, head: _Head, *, written: bool = False) -> None:
    """Write the head (unless ``written``: the caller's statement did) and expire a loaded copy of it."""
    if not written:
        execute_fast(transaction_connection(session), _MOVE_HEAD, _head_values(head))
    # a head loaded through the ORM earlier in this session is stale now
    loaded = session.identity_map.get(identity_key(AuditHead, HEAD_ID))
    if loaded is not None:
        session.expire(loaded)


def flush_pending(session: Session, checkpoint_every: int | None = None) -> int:
    """Write the queued entries now, chained after the current head; return how many.

    The session's own changes are flushed first, so that the chain's lock is held only for the
    few statements that extend it (and the commit that follows), never while the ORM works. A
    checkpoint is signed in the same transaction when one is due (count or time).
    """
    if not session.info.get(PENDING_KEY):
        return 0
    session.flush()
    pending = session.info.pop(PENDING_KEY)
    settings = get_settings()
    every = settings.audit_checkpoint_every if checkpoint_every is None else checkpoint_every
    key = get_keyring().audit_key
    conn = transaction_connection(session)
    if conn.dialect.name == "postgresql" and _append_at_known_head(session, conn, pending, key, every):
        return len(pending)
    head = _lock_head(session)
    rows = _chain(pending, head, key)
    if _due(head, every, settings.audit_checkpoint_minutes, datetime.now(UTC)):
        _checkpoint_at_head(session, head)  # no key ties it to the entries: it may be written first
    if conn.dialect.name == "postgresql":
        values: dict[str, Any] = {"entries": json.dumps([{c: row[c] for c in _ENTRY_COLUMNS} for row in rows],
                                                        ensure_ascii=False)}
        values.update({f"head_{f}": v for f, v in _head_values(head).items()})
        execute_fast(conn, _PG_APPEND_AND_MOVE_HEAD, values)
        _move_head(session, head, written=True)
        session.info[HEAD_KEY] = (_engine_of(session), head)
    else:
        execute_fast(conn, _INSERT_ENTRIES, rows)
        _move_head(session, head)
    session.info[WROTE_KEY] = True
    return len(rows)


def _chain(pending: list[dict[str, Any]], head: _Head, key: bytes) -> list[dict[str, Any]]:
    """The queued entries chained after ``head`` (seq, prev_hash, hash), and ``head`` moved past them."""
    seq, prev = head.seq, head.hash
    rows = []
    for fields in pending:
        seq += 1
        row = dict(fields, seq=seq, prev_hash=prev)
        row["hash"] = prev = entry_hash(row["prev_hash"], row, key)
        rows.append(row)
    head.seq, head.hash = seq, prev
    return rows


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _append_at_known_head(session: Session, conn, pending: list[dict[str, Any]], key: bytes, every: int) -> bool:
    """PostgreSQL: write the entries after the head this process last committed, in one statement that
    moves the head only if it is still that one; True if it was (else nothing is written)."""
    engine = _engine_of(session)
    mine = session.info.get(HEAD_KEY)  # this transaction moved the head already (and holds its lock)
    known = mine[1] if mine is not None and mine[0] is engine else _KNOWN_HEADS.get(engine)
    if known is None:
        return False
    if isinstance(known, int):  # pausing after a wrong guess
        _KNOWN_HEADS[engine] = known - 1 if known > 1 else None
        return False
    settings = get_settings()
    was = _Head(known.seq, known.hash, known.checkpoint_seq, known.checkpoint_at)
    head = _Head(was.seq, was.hash, was.checkpoint_seq, was.checkpoint_at)
    rows = _chain(pending, head, key)
    if _due(head, every, settings.audit_checkpoint_minutes, datetime.now(UTC)):
        return False  # a checkpoint to sign: the usual way, under the lock
    values: dict[str, Any] = {"entries": json.dumps([{c: row[c] for c in _ENTRY_COLUMNS} for row in rows],
                                                    ensure_ascii=False)}
    values.update({f"head_{f}": v for f, v in _head_values(head).items()})
    values.update({"was_seq": was.seq, "was_hash": was.hash, "was_checkpoint_seq": was.checkpoint_seq,
                   "was_checkpoint_at": was.checkpoint_at})
    written = execute_fast(conn, _PG_APPEND_IF_HEAD_IS, values, returning=True)
    if len(written) != len(rows):
        if written:  # the statement writes all of the entries or none
            raise RuntimeError(f"audit: {len(written)} of {len(rows)} entries written")
        _KNOWN_HEADS[engine] = _GUESS_PAUSE
        return False
    _move_head(session, head, written=True)
    session.info[HEAD_KEY] = (engine, head)
    session.info[WROTE_KEY] = True
    return True


def checkpoint_now(session: Session) -> int | None:
    """Sign a checkpoint at the current head (if it has none yet); return its seq (None: empty log)."""
    flush_pending(session)
    head = _lock_head(session)
    if head.seq == 0:
        return None
    if head.checkpoint_seq != head.seq:
        _checkpoint_at_head(session, head)
        _move_head(session, head)
    return head.seq


@event.listens_for(Session, "before_commit")
def _write_queued_entries(session: Session) -> None:
    if session.info.get(PENDING_KEY):
        flush_pending(session)


# Engines this process wrote entries to since it last made sure their head has a checkpoint.
_UNCHECKPOINTED: dict[str, Engine] = {}
_UNCHECKPOINTED_LOCK = threading.Lock()


@lru_cache(maxsize=64)
def _url_key(url) -> str:
    return url.render_as_string(hide_password=False)  # rendered once per URL, not per commit


@event.listens_for(Session, "after_commit")
def _publish_checkpoints(session: Session) -> None:
    written = session.info.pop(HEAD_KEY, None)
    if written is not None:
        engine, head = written
        if not isinstance(_KNOWN_HEADS.get(engine), int):
            _KNOWN_HEADS[engine] = head
    if session.info.pop(WROTE_KEY, False):
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with _UNCHECKPOINTED_LOCK:
            _UNCHECKPOINTED[_url_key(engine.url)] = engine
    for cp in session.info.pop(WITNESS_KEY, None) or ():
        witness.publish(cp)


@event.listens_for(Session, "after_rollback")
def _drop_queued_entries(session: Session) -> None:
    # What was rolled back did not happen: its entries and checkpoints must not be written later.
    session.info.pop(PENDING_KEY, None)
    session.info.pop(WITNESS_KEY, None)
    session.info.pop(WROTE_KEY, None)
    session.info.pop(HEAD_KEY, None)


def checkpoint_pending() -> list[int]:
    """Checkpoint the head of every database this process wrote entries to (the end of a command)."""
    with _UNCHECKPOINTED_LOCK:
        live = {id(e) for e in _ENGINES.values()}  # an engine disposed since is another database's past
        engines = [e for e in _UNCHECKPOINTED.values() if id(e) in live]
        _UNCHECKPOINTED.clear()
    done = []
    for engine in engines:
        try:
            with session_scope(engine) as session:
                seq = checkpoint_now(session)
            if seq:
                done.append(seq)
        except Exception as exc:  # noqa: BLE001 - what was committed stays committed; say so loudly
            log.error("审计检查点未能写入（%s）：%s", engine.url.render_as_string(hide_password=True), exc)
    return done


_TIMER: dict[str, threading.Thread] = {}


def start_checkpoint_timer(minutes: float | None = None) -> None:
    """In a long-running process (the API server): every T minutes, checkpoint what was written since."""
    if "timer" in _TIMER:
        return
    interval = 60 * (minutes or get_settings().audit_checkpoint_minutes)

    def loop() -> None:
        while True:
            time.sleep(interval)
            checkpoint_pending()

    thread = threading.Thread(target=loop, name="audit-checkpoint-timer", daemon=True)
    _TIMER["timer"] = thread
    thread.start()


# --- verification ------------------------------------------------------------------------------------

@dataclass
class VerifyResult:
    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    reason: str = ""
    witnessed_seq: int | None = None
    unwitnessed: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "checkpoints": self.checkpoints,
                "first_bad_seq": self.first_bad_seq, "reason": self.reason,
                "witnessed_seq": self.witnessed_seq, "unwitnessed": self.unwitnessed}


def _iter_entries(session: Session, batch: int = 5000) -> Iterator[Any]:
    """Every entry in seq order, as plain rows (no ORM objects: verify reads each once)."""
    table = AuditEntry.__table__
    conn = session.connection()
    last = 0
    while True:
        rows = conn.execute(select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _witnessed(witness_url: str | None) -> tuple[list[dict[str, Any]], str]:
    """The checkpoints the witnesses hold (file, then the HTTP witness's latest) and their error."""
    try:
        held = witness.read_file()
        if witness_url:
            latest = witness.latest_http(witness_url)
            if latest is not None:
                held.append(dict(latest, via="http"))
    except witness.WitnessError as exc:
        return [], str(exc)
    return held, ""


def verify(session: Session, *, witness_url: str | None = ...) -> VerifyResult:  # type: ignore[assignment]
    """Check the chain, the head, the signed checkpoints and the witnesses; name the first problem.

    Args:
        witness_url: the HTTP witness to consult (default ``SHEBAO_AUDIT_WITNESS_URL``; None: none).
    """
    if witness_url is ...:
        witness_url = get_settings().audit_witness_url
    key = get_keyring().audit_key
    pub = public_key_hex()
    held, witness_error = _witnessed(witness_url)
    # Read in this order (head, checkpoints, entries) so that appenders running meanwhile only
    # add what comes after: entries past the head and checkpoints past the head's are theirs.
    head_row = session.get(AuditHead, HEAD_ID)
    head = None if head_row is None else (head_row.seq, head_row.hash, head_row.checkpoint_seq,
                                          head_row.checkpoint_at, head_row.mac)
    checkpoints = [{c: getattr(cp, c) for c in witness.CHECKPOINT_FIELDS}
                   for cp in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).scalars()]
    n_cp = len(checkpoints)

    def bad(seq: int | None, reason: str, count: int) -> VerifyResult:
        return VerifyResult(False, count, n_cp, seq, reason)

    wanted = {cp["seq"] for cp in checkpoints} | {int(w["seq"]) for w in held} | {head[0] if head else 0}
    hashes_at: dict[int, str] = {}
    expected_seq, prev, count = 1, GENESIS_HASH, 0
    for entry in _iter_entries(session):
        fields = entry._mapping
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                return bad(expected_seq, f"第 {expected_seq} 条记录缺失（被删除）", count)
            return bad(entry.seq, f"第 {entry.seq} 条记录序号重复", count)
        if entry.prev_hash != prev:
            return bad(entry.seq, f"第 {entry.seq} 条记录的前序哈希不符（记录被删除、插入或调换顺序）", count)
        if entry_hash(entry.prev_hash, fields, key) != entry.hash:
            return bad(entry.seq, f"第 {entry.seq} 条记录内容被修改（或链被不持有密钥者重算）", count)
        if entry.seq in wanted:
            hashes_at[entry.seq] = entry.hash
        prev = entry.hash
        expected_seq += 1
        count += 1
    last_seq = expected_seq - 1

    # the keyed head: the tail cannot be cut, nor the head moved back, without the key
    if head is None:
        if count or checkpoints:
            return bad(last_seq + 1, "链头记录缺失（链尾可能被截断）", count)
        # nothing at all in the database: only the witnesses can tell an emptied log from a new one
    else:
        seq, hash_, cp_seq, cp_at, mac = head
        cp_seq = cp_seq or 0
        if not hmac.compare_digest(mac or "", head_mac(seq, hash_, cp_seq, cp_at or "", key)):
            return bad(last_seq + 1, "链头被改动（校验码不符：链尾可能被截断后链头被移回）", count)
        if seq > last_seq:
            if count == 0:
                return bad(1, f"审计日志被清空（链头记录第 {seq} 条）", count)
            return bad(last_seq + 1, f"第 {last_seq + 1} 条及以后的记录缺失（链尾被截断）", count)
        if seq and hashes_at.get(seq) != hash_:
            return bad(seq, f"第 {seq} 条记录与链头不符", count)
        if cp_seq and not any(cp["seq"] == cp_seq for cp in checkpoints):
            return bad(cp_seq, f"第 {cp_seq} 条的检查点缺失（检查点被删除）", count)

    # signed checkpoints in the database
    for cp in checkpoints:
        if cp["public_key"] != pub:
            return bad(cp["seq"], f"第 {cp['seq']} 条的检查点不是本实例密钥签名", count)
        if not witness.signature_ok(cp, pub):
            return bad(cp["seq"], f"第 {cp['seq']} 条的检查点签名无效", count)
        if cp["seq"] > last_seq:
            return bad(last_seq + 1, f"第 {cp['seq']} 条的检查点所指记录不存在（链尾被截断）", count)
        if hashes_at.get(cp["seq"]) != cp["entry_hash"]:
            return bad(cp["seq"], f"第 {cp['seq']} 条记录与已签名检查点不符（链被重写）", count)

    # the witnesses outside the database
    if witness_error:
        return bad(None, witness_error, count)
    by_seq = {cp["seq"]: cp for cp in checkpoints}
    for w in held:
        wseq = int(w["seq"])
        where = "HTTP 见证" if w.get("via") == "http" else "见证文件"
        if not witness.signature_ok(w, pub):
            return bad(wseq, f"{where}中第 {wseq} 条的检查点签名无效（不是本实例的见证）", count)
        if wseq > last_seq:
            return bad(last_seq + 1, f"{where}已见证到第 {wseq} 条，数据库只有 {last_seq} 条（记录被截断或清空）",
                       count)
        if hashes_at.get(wseq) != w["entry_hash"]:
            return bad(wseq, f"第 {wseq} 条记录与{where}的检查点不符（链被重写）", count)
        mine = by_seq.get(wseq)
        if mine is None or any(mine[k] != w[k] for k in witness.CHECKPOINT_FIELDS if k != "seq"):
            return bad(wseq, f"{where}中第 {wseq} 条的检查点在数据库中缺失或被改动", count)
    witnessed = max((int(w["seq"]) for w in held), default=None)
    if checkpoints and witnessed is None:
        return bad(None, f"数据库有 {n_cp} 个检查点，但见证文件 {witness.witness_path()} 为空或缺失", count)
    return VerifyResult(True, count, n_cp, witnessed_seq=witnessed, unwitnessed=last_seq - (witnessed or 0))


def publish_unwitnessed(engine: Engine | None = None) -> int:
    """Give the witnesses the database's checkpoints newer than the witness file's last (after a crash
    between commit and publication, or a migration); return how many."""
    try:
        last = max((int(w["seq"]) for w in witness.read_file()), default=0)
    except witness.WitnessError:
        return 0
    with session_scope(engine) as session:
        newer = [{c: getattr(cp, c) for c in witness.CHECKPOINT_FIELDS} for cp in session.execute(
            select(AuditCheckpoint).where(AuditCheckpoint.seq > last).order_by(AuditCheckpoint.seq)).scalars()]
    for cp in newer:
        witness.publish(cp)
    return len(newer)


def rekey_legacy_chain(conn) -> dict[str, Any] | None:
    """Move a log of the unkeyed sha256 chain to the keyed one (the migration ``h3_audit_0002``).

    The old chain and its checkpoints are checked first and what was found is recorded in the
    log itself (an ``audit.rekey`` entry, then a signed checkpoint): a break from before the
    upgrade stays on record, it is not laundered by the new keys. Returns that record (None:
    empty log, nothing to do).
    """
    log_t, cp_t = AuditEntry.__table__, AuditCheckpoint.__table__
    rows = [dict(r._mapping) for r in conn.execute(select(log_t).order_by(log_t.c.seq))]
    if not rows:  # an empty log: key its head (a head left past 0 with no entries stays evidence)
        if conn.execute(select(_HEAD.c.id).where(_HEAD.c.seq == 0)).first() is not None:
            conn.execute(update(_HEAD).where(_HEAD.c.seq == 0).values(mac=head_mac(0, GENESIS_HASH, 0, "")))
        return None
    key = get_keyring().audit_key
    legacy_ok, first_bad, reason = True, None, ""
    prev, expected = GENESIS_HASH, 1
    for r in rows:
        problem = ("序号不连续" if r["seq"] != expected else "前序哈希不符" if r["prev_hash"] != prev
                   else "内容被修改" if legacy_entry_hash(r["prev_hash"], r) != r["hash"] else "")
        if problem and legacy_ok:
            legacy_ok, first_bad, reason = False, r["seq"], problem
        prev, expected = r["hash"], r["seq"] + 1
    legacy_hashes = {r["seq"]: r["hash"] for r in rows}
    old_cps = [dict(c._mapping) for c in conn.execute(select(cp_t).order_by(cp_t.c.seq))]
    cps_ok = all(witness.signature_ok(c) and legacy_hashes.get(c["seq"]) == c["entry_hash"] for c in old_cps)
    prev = GENESIS_HASH
    updates = []
    for r in rows:
        new = entry_hash(prev, r, key)
        updates.append({"s": r["seq"], "p": prev, "h": new})
        prev = new
    from sqlalchemy import bindparam

    # two steps, so that no new value meets an old one under the unique constraints
    step = update(log_t).where(log_t.c.seq == bindparam("s")).values(prev_hash=bindparam("p"), hash=bindparam("h"))
    conn.execute(step, [{"s": u["s"], "p": f"rekey-p{u['s']}", "h": f"rekey-h{u['s']}"} for u in updates])
    conn.execute(step, updates)
    conn.execute(cp_t.delete())
    record = {"legacy_entries": len(rows), "legacy_chain_ok": legacy_ok, "legacy_first_bad_seq": first_bad,
              "legacy_reason": reason, "legacy_checkpoints": len(old_cps), "legacy_checkpoints_ok": cps_ok}
    seq = rows[-1]["seq"] + 1
    entry = {"seq": seq, "ts": datetime.now(UTC).isoformat(timespec="microseconds"), "actor": "system",
             "actor_role": "", "action": "audit.rekey", "entity": "audit_log", "entity_id": "",
             "detail": canonical_json(record), "source": "migration:h3_audit_0002", "prev_hash": prev}
    entry["hash"] = entry_hash(prev, entry, key)
    conn.execute(insert(log_t), [entry])
    cp = sign_checkpoint(seq, entry["hash"])
    conn.execute(insert(cp_t), [cp])
    conn.execute(_HEAD.delete())
    conn.execute(insert(_HEAD).values(id=HEAD_ID, seq=seq, hash=entry["hash"], checkpoint_seq=seq,
                                      checkpoint_at=cp["signed_at"],
                                      mac=head_mac(seq, entry["hash"], seq, cp["signed_at"], key)))
    return record
