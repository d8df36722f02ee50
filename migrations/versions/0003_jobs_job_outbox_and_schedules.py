"""job outbox and schedules

Revision ID: 0003_jobs
Revises: 0002_numbering
Create Date: 2026-11-29 02:34:09.574153
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '0003_jobs'
down_revision: str | Sequence[str] | None = '0002_numbering'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_job_schedule',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('schedule', sa.String(length=100), nullable=False),
    sa.Column('next_run_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_core_job_schedule'))
    )
    op.create_table('core_job',
    sa.Column('task', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('locked_by', sa.String(length=200), nullable=True),
    sa.Column('locked_until', core.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('log', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_core_job_created_by_id_core_user')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_job_org_id_core_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_job')),
    sa.UniqueConstraint('key', name=op.f('uq_core_job_key'))
    )
    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_job_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_job_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_core_job_state_run_at', ['state', 'run_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.drop_index('ix_core_job_state_run_at')
        batch_op.drop_index(batch_op.f('ix_core_job_org_id'))
        batch_op.drop_index(batch_op.f('ix_core_job_created_by_id'))

    op.drop_table('core_job')
    op.drop_table('core_job_schedule')
