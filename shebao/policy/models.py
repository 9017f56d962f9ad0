"""The parameter overlay: changes made without code, kept over the shipped (reviewed) YAML tree."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.db import Base, utcnow


class ParameterOverride(Base):
    """One dated value of one parameter for one region, set by ``shebao params set`` or the API, or
    a shipped value adopted by ``shebao params adopt``.

    Rows are never updated or deleted: a later row for the same (name, region, date) supersedes
    an earlier one, so the table is also the history of every change.
    """

    __tablename__ = "policy_parameter_overrides"
    __table_args__ = (Index("ix_policy_parameter_overrides_name", "name", "region", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    region: Mapped[str] = mapped_column(String(6))
    effective_from: Mapped[date] = mapped_column(Date)
    value: Mapped[str] = mapped_column(Text)  # JSON: a number as string, a bool, "YYYY-MM", a table, or null
    unit: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(Text)  # JSON: {title, article|document}
    published: Mapped[date | None] = mapped_column(Date, nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "set": the agency's own value; "adopt": the agency adopts the shipped value of that date as it is
    kind: Mapped[str] = mapped_column(String(8), default="set", server_default="set")
