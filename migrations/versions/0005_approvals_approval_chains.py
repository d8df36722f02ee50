"""approval chains

Revision ID: 0005_approvals
Revises: 0004_workflows
Create Date: 2026-11-29 04:06:36.591787
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '0005_approvals'
down_revision: str | Sequence[str] | None = '0004_workflows'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_approval_chain',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('point', sa.String(length=80), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('published_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('published_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_approval_chain_org_id_core_org')),
    sa.ForeignKeyConstraint(['published_by'], ['core_user.id'], name=op.f('fk_core_approval_chain_published_by_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_approval_chain'))
    )
    with op.batch_alter_table('core_approval_chain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_approval_chain_org_id'), ['org_id'], unique=False)

    op.create_table('core_approval_request',
    sa.Column('chain_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('submitter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['core_approval_chain.id'], name=op.f('fk_core_approval_request_chain_id_core_approval_chain')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_approval_request_org_id_core_org')),
    sa.ForeignKeyConstraint(['submitter_id'], ['core_user.id'], name=op.f('fk_core_approval_request_submitter_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_approval_request'))
    )
    with op.batch_alter_table('core_approval_request', schema=None) as batch_op:
        batch_op.create_index('ix_core_approval_request_record', ['model', 'record_id', 'id'], unique=False)

    op.create_table('core_approval_step',
    sa.Column('request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('activated_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('due_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('escalated_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('decided_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['core_approval_request.id'], name=op.f('fk_core_approval_step_request_id_core_approval_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_approval_step'))
    )
    with op.batch_alter_table('core_approval_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_approval_step_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_approval_step_request_id'), ['request_id'], unique=False)

    op.create_table('core_approval_task',
    sa.Column('request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('step_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['core_approval_request.id'], name=op.f('fk_core_approval_task_request_id_core_approval_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['core_approval_step.id'], name=op.f('fk_core_approval_task_step_id_core_approval_step'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_approval_task_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_approval_task'))
    )
    with op.batch_alter_table('core_approval_task', schema=None) as batch_op:
        batch_op.create_index('ix_core_approval_task_inbox', ['user_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_core_approval_task_record', ['model', 'record_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_approval_task_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('core_approval_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_approval_task_request_id'))
        batch_op.drop_index('ix_core_approval_task_record')
        batch_op.drop_index('ix_core_approval_task_inbox')

    op.drop_table('core_approval_task')
    with op.batch_alter_table('core_approval_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_approval_step_request_id'))
        batch_op.drop_index(batch_op.f('ix_core_approval_step_due_at'))

    op.drop_table('core_approval_step')
    with op.batch_alter_table('core_approval_request', schema=None) as batch_op:
        batch_op.drop_index('ix_core_approval_request_record')

    op.drop_table('core_approval_request')
    with op.batch_alter_table('core_approval_chain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_approval_chain_org_id'))

    op.drop_table('core_approval_chain')
