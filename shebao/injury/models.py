"""The work-injury case table: one row per case, from the report to the benefits.

The incident description, the diagnosis and the facts are personal (health) data: they are stored
encrypted (:class:`~shebao.core.crypto.EncryptedString`), as the registry stores names and ID
numbers. The suggestions keep what the rules read (the same words, so encrypted too); the reviewer's
decision and the appraisal are plain fields the queue sorts and filters on.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.crypto import EncryptedString
from shebao.core.db import Base, utcnow

MONEY = Numeric(14, 2)

APPLICANTS = ("employer", "employee")  # 用人单位申请 | 职工或其近亲属、工会组织申请（第十七条第二款）
# reported → accepted → decided → appraised → granted; a case not found a work injury ends "decided"
STATUSES = ("reported", "accepted", "decided", "appraised", "granted", "closed")
OPEN_STATUSES = ("reported", "accepted", "decided", "appraised")
DETERMINATIONS = ("injury", "deemed", "excluded", "not_injury")
# the materials of 工伤保险条例 第十八条
DOCUMENTS = ("application_form", "labour_relation", "medical_certificate")


class InjuryCase(Base):
    """工伤认定案件 (one incident of one worker)."""

    __tablename__ = "injury_cases"
    __table_args__ = (Index("ix_injury_cases_queue", "status", "decision_deadline"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(24), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"), index=True)
    employer_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    region_code: Mapped[str] = mapped_column(String(6))
    applicant: Mapped[str] = mapped_column(String(16))
    occupational_disease: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_date: Mapped[date] = mapped_column(Date)  # 事故伤害发生之日 / 被诊断、鉴定为职业病之日
    received_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    clear_case: Mapped[bool] = mapped_column(Boolean, default=False)  # 事实清楚、权利义务明确（15日）
    application_deadline: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    incident_text: Mapped[str] = mapped_column(EncryptedString)
    diagnosis_text: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    facts: Mapped[str] = mapped_column(EncryptedString)  # JSON typed facts
    documents: Mapped[str] = mapped_column(Text, default="{}")  # JSON {kind: true|false}
    status: Mapped[str] = mapped_column(String(16), default="reported", index=True)

    suggestion: Mapped[str] = mapped_column(EncryptedString)  # JSON: the determination suggestion
    suggested: Mapped[str] = mapped_column(String(16))  # the suggested determination (for the queue)
    determination: Mapped[str | None] = mapped_column(String(16), nullable=True)
    article: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    item: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    decision_agrees: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    grade_suggestion: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)  # JSON
    suggested_grade: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    grade: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)  # 劳动能力鉴定结论
    grade_clause: Mapped[str | None] = mapped_column(String(16), nullable=True)
    appraisal_agrees: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    appraisal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    appraised_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    appraised_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    avg_monthly_wage: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    benefits: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: calculator result and grants
    granted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
