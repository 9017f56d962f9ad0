"""The audit tables: a keyed hash chain, its keyed head, and signed checkpoints."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One state change (or one full read of personal data), chained to the one before it.

    ``ts`` is kept as the ISO text that was hashed, so that both databases return it unchanged.
    ``prev_hash`` is unique: two writers can never extend the chain from the same entry.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    source: Mapped[str] = mapped_column(String(128), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """A single row naming the chain's last entry and the last checkpoint, under a keyed MAC.

    Appenders update it first, which serialises them on both databases (a row lock on PostgreSQL,
    the write lock on SQLite). Its ``mac`` (HMAC of seq, hash and the last checkpoint, instance
    key) lets ``verify`` notice entries cut from the tail even when the row is moved back.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    mac: Mapped[str] = mapped_column(String(64), default="")
    checkpoint_seq: Mapped[int] = mapped_column(Integer, default=0)
    checkpoint_at: Mapped[str] = mapped_column(String(40), default="")


class AuditCheckpoint(Base):
    """A signed statement "entry ``seq`` has hash ``entry_hash``" (Ed25519, instance key)."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(40))
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
