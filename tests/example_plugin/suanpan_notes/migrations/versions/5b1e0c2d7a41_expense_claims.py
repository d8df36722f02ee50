"""expense claims

Revision ID: 5b1e0c2d7a41
Revises: 890f1c3671bc
Create Date: 2026-11-29 04:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '5b1e0c2d7a41'
down_revision: str | Sequence[str] | None = '890f1c3671bc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notes_expense',
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('amends_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['amends_id'], ['notes_expense.id'], name=op.f('fk_notes_expense_amends_id_notes_expense')),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_notes_expense_department_id_core_department')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_notes_expense_org_id_core_org')),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_notes_expense_owner_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes_expense'))
    )
    with op.batch_alter_table('notes_expense', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_expense_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_expense_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_expense_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_expense_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notes_expense', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_expense_owner_id'))
        batch_op.drop_index(batch_op.f('ix_notes_expense_org_id'))
        batch_op.drop_index(batch_op.f('ix_notes_expense_department_id'))
        batch_op.drop_index(batch_op.f('ix_notes_expense_deleted_at'))

    op.drop_table('notes_expense')
