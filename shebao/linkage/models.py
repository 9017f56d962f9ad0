"""Linkage tables: the review queue of uncertain pairs, merges (with what they changed, so that
they can be undone exactly) and the links from merged-away person records to the survivor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base, utcnow

PAIR_STATUSES = ("pending", "accepted", "rejected", "merged")
MERGE_STATUSES = ("merged", "undone")


class ReviewPair(Base):
    """待复核的疑似同一人: a pair between the review and the match threshold, awaiting a reviewer.

    ``levels`` is JSON ``{comparison: gamma}`` (the level of each comparison that drove the score);
    the pair names person records only, never their data.
    """

    __tablename__ = "linkage_review_pairs"
    __table_args__ = (UniqueConstraint("person_id_l", "person_id_r"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id_l: Mapped[str] = mapped_column(String(32), index=True)
    person_id_r: Mapped[str] = mapped_column(String(32), index=True)
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    levels: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    merge_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Merge(Base):
    """一次合并: person records made one golden record under ``survivor_id``.

    ``snapshot`` is the before-image of every row the merge touched (JSON; encrypted columns stay
    ciphertext), from which an unmerge restores exactly; ``choices`` the field values taken and
    from which record (the rule, or the reviewer's override); ``summary`` what was re-attached.
    """

    __tablename__ = "linkage_merges"

    merge_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survivor_id: Mapped[str] = mapped_column(String(32), index=True)
    merged_ids: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="merged", index=True)
    choices: Mapped[str] = mapped_column(Text, default="{}")
    summary: Mapped[str] = mapped_column(Text, default="{}")
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(nullable=True)


class PersonLink(Base):
    """A merged-away person record and the surviving record it now points to."""

    __tablename__ = "linkage_person_links"

    person_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survivor_id: Mapped[str] = mapped_column(String(32), index=True)
    merge_id: Mapped[str] = mapped_column(String(32), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
