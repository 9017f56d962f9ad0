"""Fund: reconciliation reports per period and their classified differences.

Revision ID: h8_fund_0001
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h8_fund_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_reconciliations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tolerance_days", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("run_by", sa.String(length=64), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_off_by", sa.String(length=64), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signoff_note", sa.Text(), nullable=True),
        sa.Column("reopened_by", sa.String(length=64), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_reconciliations")),
        sa.UniqueConstraint("period", name=op.f("uq_fund_reconciliations_period")),
    )
    op.create_table(
        "fund_differences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reconciliation_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("flow", sa.String(length=16), nullable=False),
        sa.Column("class", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("agency_ref", sa.String(length=64), nullable=False),
        sa.Column("counterpart_ref", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cleared_period", sa.String(length=7), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["reconciliation_id"], ["fund_reconciliations.id"],
                                name=op.f("fk_fund_differences_reconciliation_id_fund_reconciliations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_differences")),
    )
    with op.batch_alter_table("fund_differences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_differences_reconciliation_id"), ["reconciliation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_differences_period"), ["period"], unique=False)
        batch_op.create_index("ix_fund_differences_class_status", ["class", "status"], unique=False)


def downgrade() -> None:
    op.drop_table("fund_differences")
    op.drop_table("fund_reconciliations")
