"""Risk: the alerts table for screening triage.

Revision ID: risk_0001
Revises: foundation_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "risk_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("finding_key", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("benefit_id", sa.String(length=32), nullable=True),
        sa.Column("amount_at_risk", sa.Numeric(14, 2), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("first_as_of", sa.Date(), nullable=False),
        sa.Column("last_as_of", sa.Date(), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handoff", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_alerts")),
        sa.UniqueConstraint("finding_key", name=op.f("uq_risk_alerts_finding_key")),
    )
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_alerts_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_alerts_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_risk_alerts_status_level", ["status", "level"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_alerts_status_level")
        batch_op.drop_index(batch_op.f("ix_risk_alerts_person_id"))
        batch_op.drop_index(batch_op.f("ix_risk_alerts_rule_id"))
    op.drop_table("risk_alerts")
