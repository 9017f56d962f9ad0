"""Registry: one payment per (benefit, period, kind) except legacy duplicates (issue 14 item 6).

The unique constraint on payments (benefit_id, period, kind) becomes a partial unique index that
leaves out ``status = 'duplicate'``: every payment payroll creates stays unique, while a legacy
second payment for the same benefit, period and kind (money paid twice) loads as evidence.

SQLite cannot drop a constraint: the table is rebuilt. Other tables refer to payments, so the
rows are copied out, the table dropped and created again under the same name, and the rows copied
back, with foreign-key checks deferred to the commit (a rename would rewrite the references).

Revision ID: h7_registry_0002
Revises: foundation_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h7_registry_0002"
down_revision = "foundation_0001"
branch_labels = None
depends_on = None

NAME = "uq_payments_benefit_id_period_kind"
WHERE = "status <> 'duplicate'"
COLUMNS = ("payment_id", "benefit_id", "person_id", "period", "paid_date", "amount", "bank_account",
           "bank_account_bidx", "kind", "status", "row_hash", "created_at", "updated_at")


def _rebuild_sqlite(partial: bool) -> None:
    cols = ", ".join(COLUMNS)
    op.execute("PRAGMA defer_foreign_keys=ON")
    op.execute(f"CREATE TEMP TABLE h7_payments_copy AS SELECT {cols} FROM payments")
    op.drop_table("payments")
    extra = [] if partial else [sa.UniqueConstraint("benefit_id", "period", "kind", name=NAME)]
    op.create_table(
        "payments",
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("benefit_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("bank_account", sa.LargeBinary(), nullable=True),
        sa.Column("bank_account_bidx", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["benefit_id"], ["benefits.benefit_id"], name="fk_payments_benefit_id_benefits"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.person_id"], name="fk_payments_person_id_persons"),
        sa.PrimaryKeyConstraint("payment_id", name="pk_payments"),
        *extra,
    )
    op.create_index("ix_payments_bank_account_bidx", "payments", ["bank_account_bidx"])
    op.create_index("ix_payments_benefit_id", "payments", ["benefit_id"])
    op.create_index("ix_payments_period", "payments", ["period"])
    op.create_index("ix_payments_person_id", "payments", ["person_id"])
    if partial:
        op.create_index(NAME, "payments", ["benefit_id", "period", "kind"], unique=True,
                        sqlite_where=sa.text(WHERE))
    op.execute(f"INSERT INTO payments ({cols}) SELECT {cols} FROM h7_payments_copy")
    op.execute("DROP TABLE h7_payments_copy")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(partial=True)
        return
    op.drop_constraint(NAME, "payments", type_="unique")
    op.create_index(NAME, "payments", ["benefit_id", "period", "kind"], unique=True,
                    postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    # Fails while legacy duplicates are stored: they would break the full constraint.
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(partial=False)
        return
    op.drop_index(NAME, table_name="payments")
    op.create_unique_constraint(NAME, "payments", ["benefit_id", "period", "kind"])
