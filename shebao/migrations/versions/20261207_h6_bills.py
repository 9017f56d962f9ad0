"""Bills: hospitals, the item catalogue, bills, their lines and the flags under review.

Revision ID: h6_bills_0001
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h6_bills_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bills_hospitals",
        sa.Column("hospital_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("agreement", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hospital_id", name=op.f("pk_bills_hospitals")),
    )
    op.create_table(
        "bills_catalogue",
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("price_cap", sa.Numeric(14, 2), nullable=True),
        sa.Column("max_daily_quantity", sa.Numeric(14, 2), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("icd_prefixes", sa.Text(), nullable=True),
        sa.Column("includes", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item_code", name=op.f("pk_bills_catalogue")),
    )
    op.create_table(
        "bills_bills",
        sa.Column("bill_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("hospital_id", sa.String(length=32), nullable=False),
        sa.Column("admit_date", sa.Date(), nullable=False),
        sa.Column("discharge_date", sa.Date(), nullable=False),
        sa.Column("injury_date", sa.Date(), nullable=False),
        sa.Column("diagnosis_code", sa.String(length=16), nullable=False),
        sa.Column("treatment_end_date", sa.Date(), nullable=True),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_bills_bills")),
    )
    with op.batch_alter_table("bills_bills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bills_bills_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bills_bills_hospital_id"), ["hospital_id"], unique=False)
    op.create_table(
        "bills_items",
        sa.Column("bill_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 2), nullable=False),
        sa.Column("unit_price", sa.Numeric(14, 2), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.PrimaryKeyConstraint("bill_id", "line_no", name=op.f("pk_bills_items")),
    )
    op.create_table(
        "bills_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flag_key", sa.String(length=80), nullable=False),
        sa.Column("rule_id", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=1), nullable=False),
        sa.Column("bill_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("amount_disallowed", sa.Numeric(14, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_audit", sa.Date(), nullable=False),
        sa.Column("last_audit", sa.Date(), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills_flags")),
        sa.UniqueConstraint("flag_key", name=op.f("uq_bills_flags_flag_key")),
    )
    with op.batch_alter_table("bills_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bills_flags_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bills_flags_bill_id"), ["bill_id"], unique=False)
        batch_op.create_index("ix_bills_flags_status_level", ["status", "level"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bills_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_bills_flags_status_level")
        batch_op.drop_index(batch_op.f("ix_bills_flags_bill_id"))
        batch_op.drop_index(batch_op.f("ix_bills_flags_rule_id"))
    op.drop_table("bills_flags")
    op.drop_table("bills_items")
    with op.batch_alter_table("bills_bills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bills_bills_hospital_id"))
        batch_op.drop_index(batch_op.f("ix_bills_bills_person_id"))
    op.drop_table("bills_bills")
    op.drop_table("bills_catalogue")
    op.drop_table("bills_hospitals")
