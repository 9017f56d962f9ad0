"""Transfers between regions (issue 21): the transfer and its steps; contributions carry their origin.

Revision ID: h4_transfers_0001
Revises: w4_registry_0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h4_transfers_0001"
down_revision = "w4_registry_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_region", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("transfer_no", sa.String(length=24), nullable=True))
        batch_op.create_index(batch_op.f("ix_contributions_transfer_no"), ["transfer_no"], unique=False)
    op.create_table(
        "pension_transfers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transfer_no", sa.String(length=24), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("open_slot", sa.String(length=32), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("from_region", sa.String(length=6), nullable=False),
        sa.Column("to_region", sa.String(length=6), nullable=False),
        sa.Column("household_region", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("temporary_account", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("personal_planned", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("pooled_planned", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total_planned", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("personal_received", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("pooled_received", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("reconciled", sa.Boolean(), nullable=True),
        sa.Column("records_moved", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.person_id"],
                                name=op.f("fk_pension_transfers_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pension_transfers")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_pension_transfers_idempotency_key")),
        sa.UniqueConstraint("open_slot", name=op.f("uq_pension_transfers_open_slot")),
        sa.UniqueConstraint("transfer_no", name=op.f("uq_pension_transfers_transfer_no")),
    )
    op.create_index(op.f("ix_pension_transfers_person_id"), "pension_transfers", ["person_id"])
    op.create_index(op.f("ix_pension_transfers_to_region"), "pension_transfers", ["to_region"])
    op.create_index(op.f("ix_pension_transfers_status"), "pension_transfers", ["status"])
    op.create_table(
        "pension_transfer_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["transfer_id"], ["pension_transfers.id"],
                                name=op.f("fk_pension_transfer_steps_transfer_id_pension_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pension_transfer_steps")),
        sa.UniqueConstraint("transfer_id", "step", name=op.f("uq_pension_transfer_steps_transfer_id_step")),
    )
    op.create_index(op.f("ix_pension_transfer_steps_transfer_id"), "pension_transfer_steps", ["transfer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pension_transfer_steps_transfer_id"), table_name="pension_transfer_steps")
    op.drop_table("pension_transfer_steps")
    op.drop_index(op.f("ix_pension_transfers_status"), table_name="pension_transfers")
    op.drop_index(op.f("ix_pension_transfers_to_region"), table_name="pension_transfers")
    op.drop_index(op.f("ix_pension_transfers_person_id"), table_name="pension_transfers")
    op.drop_table("pension_transfers")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributions_transfer_no"))
        batch_op.drop_column("transfer_no")
        batch_op.drop_column("origin_region")
