"""Linkage: the review queue of uncertain pairs, merges (with their before-image) and person links.

Revision ID: h3_linkage_0001
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h3_linkage_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkage_review_pairs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id_l", sa.String(length=32), nullable=False),
        sa.Column("person_id_r", sa.String(length=32), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("levels", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("merge_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_review_pairs")),
        sa.UniqueConstraint("person_id_l", "person_id_r", name=op.f("uq_linkage_review_pairs_person_id_l_person_id_r")),
    )
    with op.batch_alter_table("linkage_review_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_review_pairs_person_id_l"), ["person_id_l"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_review_pairs_person_id_r"), ["person_id_r"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_review_pairs_status"), ["status"], unique=False)
    op.create_table(
        "linkage_merges",
        sa.Column("merge_id", sa.String(length=32), nullable=False),
        sa.Column("survivor_id", sa.String(length=32), nullable=False),
        sa.Column("merged_ids", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("merge_id", name=op.f("pk_linkage_merges")),
    )
    with op.batch_alter_table("linkage_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_merges_survivor_id"), ["survivor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_merges_status"), ["status"], unique=False)
    op.create_table(
        "linkage_person_links",
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("survivor_id", sa.String(length=32), nullable=False),
        sa.Column("merge_id", sa.String(length=32), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_linkage_person_links")),
    )
    with op.batch_alter_table("linkage_person_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_person_links_survivor_id"), ["survivor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_person_links_merge_id"), ["merge_id"], unique=False)


def downgrade() -> None:
    op.drop_table("linkage_person_links")
    op.drop_table("linkage_merges")
    op.drop_table("linkage_review_pairs")
