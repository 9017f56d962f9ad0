"""Benefits after the grant: assessments, suspensions, debts and recoveries, payment attempts,
payroll runs, survivor cases and notices (the registry's benefits/payments tables are unchanged).

Revision ID: benefits_0001
Revises: foundation_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'benefits_0001'
down_revision = 'foundation_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('benefit_notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notice_key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('benefit_id', sa.String(length=32), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_notices')),
    sa.UniqueConstraint('notice_key', name=op.f('uq_benefit_notices_notice_key'))
    )
    with op.batch_alter_table('benefit_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_notices_benefit_id'), ['benefit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_notices_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_notices_person_id'), ['person_id'], unique=False)

    op.create_table('payroll_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('existing', sa.Integer(), nullable=False),
    sa.Column('retried', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_runs'))
    )
    with op.batch_alter_table('payroll_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_runs_period'), ['period'], unique=False)

    op.create_table('survivor_cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('death_date', sa.Date(), nullable=False),
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('items', sa.Text(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survivor_cases')),
    sa.UniqueConstraint('person_id', name=op.f('uq_survivor_cases_person_id'))
    )
    op.create_table('benefit_assessments',
    sa.Column('benefit_id', sa.String(length=32), nullable=False),
    sa.Column('application_no', sa.String(length=40), nullable=True),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('pension_base_year', sa.Integer(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessment', sa.Text(), nullable=False),
    sa.Column('contribution_months', sa.Integer(), nullable=True),
    sa.Column('initial_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('finalised_on', sa.Date(), nullable=True),
    sa.Column('last_adjustment_year', sa.Integer(), nullable=True),
    sa.Column('history', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefits.benefit_id'], name=op.f('fk_benefit_assessments_benefit_id_benefits')),
    sa.PrimaryKeyConstraint('benefit_id', name=op.f('pk_benefit_assessments')),
    sa.UniqueConstraint('application_no', name=op.f('uq_benefit_assessments_application_no'))
    )
    with op.batch_alter_table('benefit_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_assessments_pension_base_year'), ['pension_base_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_assessments_provisional'), ['provisional'], unique=False)

    op.create_table('benefit_debts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('benefit_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('reason_code', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=False),
    sa.Column('periods', sa.Text(), nullable=False),
    sa.Column('principal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('recovered', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('demand_due', sa.Date(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefits.benefit_id'], name=op.f('fk_benefit_debts_benefit_id_benefits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_debts')),
    sa.UniqueConstraint('benefit_id', 'reason_code', 'source_ref', name=op.f('uq_benefit_debts_benefit_id_reason_code_source_ref'))
    )
    with op.batch_alter_table('benefit_debts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_debts_benefit_id'), ['benefit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_debts_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_debts_status'), ['status'], unique=False)

    op.create_table('benefit_suspensions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('benefit_id', sa.String(length=32), nullable=False),
    sa.Column('reason_code', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=False),
    sa.Column('from_period', sa.String(length=7), nullable=False),
    sa.Column('resume_period', sa.String(length=7), nullable=True),
    sa.Column('backpay_on_resume', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefits.benefit_id'], name=op.f('fk_benefit_suspensions_benefit_id_benefits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_suspensions')),
    sa.UniqueConstraint('benefit_id', 'reason_code', 'source_ref', name=op.f('uq_benefit_suspensions_benefit_id_reason_code_source_ref'))
    )
    with op.batch_alter_table('benefit_suspensions', schema=None) as batch_op:
        batch_op.create_index('ix_benefit_suspensions_active', ['benefit_id', 'status'], unique=False)

    op.create_table('debt_recoveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('debt_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['debt_id'], ['benefit_debts.id'], name=op.f('fk_debt_recoveries_debt_id_benefit_debts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debt_recoveries')),
    sa.UniqueConstraint('debt_id', 'ref', name=op.f('uq_debt_recoveries_debt_id_ref'))
    )
    with op.batch_alter_table('debt_recoveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debt_recoveries_debt_id'), ['debt_id'], unique=False)

    op.create_table('payment_attempts',
    sa.Column('payment_id', sa.String(length=40), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_result', sa.String(length=16), nullable=False),
    sa.Column('last_reason', sa.Text(), nullable=True),
    sa.Column('last_return_date', sa.Date(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.payment_id'], name=op.f('fk_payment_attempts_payment_id_payments')),
    sa.PrimaryKeyConstraint('payment_id', name=op.f('pk_payment_attempts'))
    )
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_attempts_escalated'), ['escalated'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_attempts_escalated'))

    op.drop_table('payment_attempts')
    with op.batch_alter_table('debt_recoveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debt_recoveries_debt_id'))

    op.drop_table('debt_recoveries')
    with op.batch_alter_table('benefit_suspensions', schema=None) as batch_op:
        batch_op.drop_index('ix_benefit_suspensions_active')

    op.drop_table('benefit_suspensions')
    with op.batch_alter_table('benefit_debts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_debts_status'))
        batch_op.drop_index(batch_op.f('ix_benefit_debts_person_id'))
        batch_op.drop_index(batch_op.f('ix_benefit_debts_benefit_id'))

    op.drop_table('benefit_debts')
    with op.batch_alter_table('benefit_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_assessments_provisional'))
        batch_op.drop_index(batch_op.f('ix_benefit_assessments_pension_base_year'))

    op.drop_table('benefit_assessments')
    op.drop_table('survivor_cases')
    with op.batch_alter_table('payroll_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_runs_period'))

    op.drop_table('payroll_runs')
    with op.batch_alter_table('benefit_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_notices_person_id'))
        batch_op.drop_index(batch_op.f('ix_benefit_notices_kind'))
        batch_op.drop_index(batch_op.f('ix_benefit_notices_benefit_id'))

    op.drop_table('benefit_notices')
