"""Audit: a keyed chain (HMAC-SHA256), a keyed head naming the last checkpoint.

Adds ``audit_head.mac``, ``checkpoint_seq`` and ``checkpoint_at``, and moves an existing log from
the unkeyed sha256 chain to the keyed one (``shebao.audit.log.rekey_legacy_chain``): the old
chain and checkpoints are checked first and the result recorded in an ``audit.rekey`` entry,
then a checkpoint is signed (and given to the witnesses after the upgrade commits).

Revision ID: h3_audit_0002
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h3_audit_0002"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("checkpoint_seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("checkpoint_at", sa.String(length=40), nullable=False, server_default=""))
    from shebao.audit.log import rekey_legacy_chain

    rekey_legacy_chain(op.get_bind())


def downgrade() -> None:
    # the keyed chain cannot be turned back into the unkeyed one without losing its proof
    raise NotImplementedError("h3_audit_0002 cannot be downgraded")
