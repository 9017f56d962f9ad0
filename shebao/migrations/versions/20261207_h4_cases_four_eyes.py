"""Cases: the first reviewer's proposal (amount, start date, kind), the amount check, comment visibility.

Revision ID: h4_cases_0002
Revises: cases_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h4_cases_0002"
down_revision = "cases_0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("proposed_amount", MONEY, nullable=True))
        batch.add_column(sa.Column("proposed_start_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("proposed_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("amount_check", sa.Text(), nullable=True))
    with op.batch_alter_table("application_reviews") as batch:
        batch.add_column(sa.Column("visibility", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("monthly_amount", MONEY, nullable=True))
        batch.add_column(sa.Column("start_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("application_reviews") as batch:
        for name in ("start_date", "monthly_amount", "visibility"):
            batch.drop_column(name)
    with op.batch_alter_table("applications") as batch:
        for name in ("amount_check", "proposed_kind", "proposed_start_date", "proposed_amount"):
            batch.drop_column(name)
