"""Policy: the parameter overlay table (changes made without code over the shipped YAML tree).

Revision ID: policy_0001
Revises: foundation_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "policy_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_parameter_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_parameter_overrides")),
    )
    op.create_index(
        "ix_policy_parameter_overrides_name",
        "policy_parameter_overrides",
        ["name", "region", "effective_from"],
    )


def downgrade() -> None:
    op.drop_index("ix_policy_parameter_overrides_name", table_name="policy_parameter_overrides")
    op.drop_table("policy_parameter_overrides")
