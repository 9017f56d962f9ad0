"""Injury: the work-injury case table (工伤认定 to benefits).

Revision ID: h5_injury_0001
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h5_injury_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "injury_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_no", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("employer_id", sa.String(length=32), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("applicant", sa.String(length=16), nullable=False),
        sa.Column("occupational_disease", sa.Boolean(), nullable=False),
        sa.Column("incident_date", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("clear_case", sa.Boolean(), nullable=False),
        sa.Column("application_deadline", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("decision_deadline", sa.Date(), nullable=True),
        sa.Column("incident_text", sa.LargeBinary(), nullable=False),
        sa.Column("diagnosis_text", sa.LargeBinary(), nullable=True),
        sa.Column("facts", sa.LargeBinary(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("suggestion", sa.LargeBinary(), nullable=False),
        sa.Column("suggested", sa.String(length=16), nullable=False),
        sa.Column("determination", sa.String(length=16), nullable=True),
        sa.Column("article", sa.SmallInteger(), nullable=True),
        sa.Column("item", sa.SmallInteger(), nullable=True),
        sa.Column("decision_agrees", sa.Boolean(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("grade_suggestion", sa.LargeBinary(), nullable=True),
        sa.Column("suggested_grade", sa.SmallInteger(), nullable=True),
        sa.Column("grade", sa.SmallInteger(), nullable=True),
        sa.Column("grade_clause", sa.String(length=16), nullable=True),
        sa.Column("appraisal_agrees", sa.Boolean(), nullable=True),
        sa.Column("appraisal_reason", sa.Text(), nullable=True),
        sa.Column("appraised_by", sa.String(length=64), nullable=True),
        sa.Column("appraised_on", sa.Date(), nullable=True),
        sa.Column("avg_monthly_wage", sa.Numeric(14, 2), nullable=True),
        sa.Column("benefits", sa.Text(), nullable=True),
        sa.Column("granted_by", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.person_id"], name=op.f("fk_injury_cases_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injury_cases")),
        sa.UniqueConstraint("case_no", name=op.f("uq_injury_cases_case_no")),
    )
    with op.batch_alter_table("injury_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_injury_cases_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_injury_cases_status"), ["status"], unique=False)
        batch_op.create_index("ix_injury_cases_queue", ["status", "decision_deadline"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("injury_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_injury_cases_queue")
        batch_op.drop_index(batch_op.f("ix_injury_cases_status"))
        batch_op.drop_index(batch_op.f("ix_injury_cases_person_id"))
    op.drop_table("injury_cases")
