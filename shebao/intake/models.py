"""Tables of document intake (材料预审): uploaded files, the documents read from them, corrections.

- ``intake_files``: one uploaded file, its bytes encrypted (AES-256-GCM, the instance key) and its
  name encrypted (a file is often named after its owner); ``retain_until`` is when it is purged
  (an application's retention once linked to one, a short default before).
- ``intake_documents``: one page as read: its type, the fields (encrypted JSON: names, ID and card
  numbers), per-field confidence and box (no personal data), problems.
- ``intake_corrections``: every field a clerk corrected, old and new value encrypted, who and when
  (the audit log gets an entry too).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.crypto import EncryptedString
from shebao.core.db import Base, utcnow

CLAIM_KINDS = ("pension", "unemployment", "survivor", "injury")
CLAIM_KIND_LABELS = {"pension": "基本养老金", "unemployment": "失业保险金", "survivor": "丧葬补助金和抚恤金",
                     "injury": "工伤认定"}


class IntakeFile(Base):
    """An uploaded file (its content encrypted)."""

    __tablename__ = "intake_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(EncryptedString)
    content_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    person_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    claim_kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    application_no: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    retain_until: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IntakeDocument(Base):
    """One page read from a file: type, fields (encrypted), confidence, boxes, problems."""

    __tablename__ = "intake_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(32), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("intake_files.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str] = mapped_column(EncryptedString)
    doc_type: Mapped[str] = mapped_column(String(32), index=True)
    fields: Mapped[str] = mapped_column(EncryptedString)          # JSON
    raw_text: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    confidence: Mapped[str] = mapped_column(Text, default="{}")    # JSON, no personal data
    boxes: Mapped[str] = mapped_column(Text, default="{}")         # JSON
    problems: Mapped[str] = mapped_column(Text, default="[]")      # JSON (messages never quote values)
    status: Mapped[str] = mapped_column(String(16), default="read")  # read | checked (a clerk confirmed)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IntakeCorrection(Base):
    """A clerk's correction of one field (old and new value encrypted)."""

    __tablename__ = "intake_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("intake_documents.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    new_value: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
