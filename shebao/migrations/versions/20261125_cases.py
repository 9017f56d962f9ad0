"""Cases: applications (待遇速办), their pipeline steps, reviews and notifications.

Revision ID: cases_0001
Revises: foundation_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cases_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_no", sa.String(length=24), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("open_slot", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("bank_account", sa.LargeBinary(), nullable=False),
        sa.Column("bank_account_bidx", sa.String(length=64), nullable=False),
        sa.Column("agent_name", sa.LargeBinary(), nullable=True),
        sa.Column("agent_id_number", sa.LargeBinary(), nullable=True),
        sa.Column("agent_id_bidx", sa.String(length=64), nullable=True),
        sa.Column("agent_relation", sa.String(length=16), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=True),
        sa.Column("route_reasons", sa.Text(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("monthly_amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("total_amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("autofill", sa.Text(), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=True),
        sa.Column("risk_level", sa.String(length=8), nullable=True),
        sa.Column("risk", sa.Text(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("routed_at", TS, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decision_ms", sa.Float(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("benefit_id", sa.String(length=32), nullable=True),
        sa.Column("needs_four_eyes", sa.Boolean(), nullable=False),
        sa.Column("review_stage", sa.String(length=8), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("first_reviewer", sa.String(length=64), nullable=True),
        sa.Column("first_decision", sa.String(length=16), nullable=True),
        sa.Column("first_comment", sa.Text(), nullable=True),
        sa.Column("final_reviewer", sa.String(length=64), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.person_id"], name=op.f("fk_applications_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("application_no", name=op.f("uq_applications_application_no")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_applications_idempotency_key")),
        sa.UniqueConstraint("open_slot", name=op.f("uq_applications_open_slot")),
    )
    op.create_index("ix_applications_queue", "applications", ["status", "claimed_by", "deadline"])
    op.create_index("ix_applications_person_kind", "applications", ["person_id", "kind"])
    op.create_index(op.f("ix_applications_bank_account_bidx"), "applications", ["bank_account_bidx"])
    op.create_index(op.f("ix_applications_agent_id_bidx"), "applications", ["agent_id_bidx"])
    op.create_table(
        "application_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_application_steps_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_steps")),
    )
    op.create_index(op.f("ix_application_steps_application_id"), "application_steps", ["application_id"])
    op.create_table(
        "application_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_application_reviews_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_reviews")),
    )
    op.create_index(op.f("ix_application_reviews_application_id"), "application_reviews", ["application_id"])
    op.create_table(
        "application_notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_application_notifications_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_notifications")),
    )
    op.create_index(op.f("ix_application_notifications_application_id"), "application_notifications",
                    ["application_id"])


def downgrade() -> None:
    op.drop_table("application_notifications")
    op.drop_table("application_reviews")
    op.drop_table("application_steps")
    op.drop_table("applications")
