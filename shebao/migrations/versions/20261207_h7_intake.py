"""Document intake (材料预审): uploaded files (encrypted), documents read, clerks' corrections.

Revision ID: h7_intake_0001
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h7_intake_0001"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("claim_kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("application_no", sa.String(length=24), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_files")),
    )
    with op.batch_alter_table("intake_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_files_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_files_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_files_application_no"), ["application_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_files_retain_until"), ["retain_until"], unique=False)

    op.create_table(
        "intake_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("label", sa.LargeBinary(), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.LargeBinary(), nullable=False),
        sa.Column("raw_text", sa.LargeBinary(), nullable=True),
        sa.Column("confidence", sa.Text(), nullable=False),
        sa.Column("boxes", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["intake_files.id"], name=op.f("fk_intake_documents_file_id_intake_files"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_documents")),
    )
    with op.batch_alter_table("intake_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_documents_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_documents_file_id"), ["file_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_documents_doc_type"), ["doc_type"], unique=False)

    op.create_table(
        "intake_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.LargeBinary(), nullable=True),
        sa.Column("new_value", sa.LargeBinary(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["intake_documents.id"],
                                name=op.f("fk_intake_corrections_document_id_intake_documents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_corrections")),
    )
    with op.batch_alter_table("intake_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_corrections_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    op.drop_table("intake_corrections")
    op.drop_table("intake_documents")
    op.drop_table("intake_files")
