"""Payroll guards: a lease and an owner on each run; periods opened by an administrator.

Revision ID: h3_benefits_0002
Revises: benefits_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h3_benefits_0002"
down_revision = "benefits_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payroll_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=128), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.create_table(
        "payroll_openings",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_payroll_openings")),
    )


def downgrade() -> None:
    op.drop_table("payroll_openings")
    with op.batch_alter_table("payroll_runs", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("owner")
