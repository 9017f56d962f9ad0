"""Outreach: the outbox of messages, opt-outs and selection runs.

Revision ID: h9_outreach_0001
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = "h9_outreach_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outreach_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("suppressed_reason", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("token", sa.String(length=48), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("opened_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_messages")),
        sa.UniqueConstraint("message_key", name=op.f("uq_outreach_messages_message_key")),
        sa.UniqueConstraint("token", name=op.f("uq_outreach_messages_token")),
    )
    op.create_index("ix_outreach_messages_due", "outreach_messages", ["status", "next_attempt_at"])
    op.create_index("ix_outreach_messages_person", "outreach_messages", ["person_id", "created_at"])
    op.create_table(
        "outreach_optouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_optouts")),
    )
    op.create_index("ix_outreach_optouts_person_id", "outreach_optouts", ["person_id"])
    op.create_table(
        "outreach_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_runs")),
    )


def downgrade() -> None:
    op.drop_table("outreach_runs")
    op.drop_index("ix_outreach_optouts_person_id", table_name="outreach_optouts")
    op.drop_table("outreach_optouts")
    op.drop_index("ix_outreach_messages_person", table_name="outreach_messages")
    op.drop_index("ix_outreach_messages_due", table_name="outreach_messages")
    op.drop_table("outreach_messages")
