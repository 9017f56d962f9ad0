"""Policy: an overlay row is either the agency's own value (``set``) or its adoption of a shipped one (``adopt``).

Revision ID: h1_policy_0002
Revises: policy_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h1_policy_0002"
down_revision = "policy_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policy_parameter_overrides") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), nullable=False, server_default="set"))


def downgrade() -> None:
    with op.batch_alter_table("policy_parameter_overrides") as batch:
        batch.drop_column("kind")
