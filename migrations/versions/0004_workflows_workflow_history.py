"""workflow history

Revision ID: 0004_workflows
Revises: 0003_jobs
Create Date: 2026-11-29 03:21:04.944913
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '0004_workflows'
down_revision: str | Sequence[str] | None = '0003_jobs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_workflow_history',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('transition', sa.String(length=80), nullable=False),
    sa.Column('from_state', sa.String(length=40), nullable=False),
    sa.Column('to_state', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_workflow_history_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_workflow_history'))
    )
    with op.batch_alter_table('core_workflow_history', schema=None) as batch_op:
        batch_op.create_index('ix_core_workflow_history_record', ['model', 'record_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_workflow_history', schema=None) as batch_op:
        batch_op.drop_index('ix_core_workflow_history_record')

    op.drop_table('core_workflow_history')
