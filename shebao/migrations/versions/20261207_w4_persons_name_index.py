"""Registry: a blind index of each person's full name (persons.name_bidx), for the name search of the
staff work lists: the database matches a keyed HMAC of the name, the table is never decrypted to
search. Existing rows are indexed here (decrypted once, with the instance key).

Revision ID: w4_registry_0004
Revises: h7_registry_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w4_registry_0004"
down_revision = "h7_registry_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_bidx", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_persons_name_bidx", ["name_bidx"], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT person_id, name FROM persons")).fetchall()
    if not rows:
        return
    from shebao.core.crypto import get_keyring

    ring = get_keyring()
    bind.execute(sa.text("UPDATE persons SET name_bidx = :b WHERE person_id = :p"),
                 [{"b": ring.blind_index(ring.decrypt(bytes(name))), "p": pid} for pid, name in rows if name])


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_name_bidx")
        batch_op.drop_column("name_bidx")
