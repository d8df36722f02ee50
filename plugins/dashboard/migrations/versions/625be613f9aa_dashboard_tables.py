"""dashboard tables

Revision ID: 625be613f9aa
Revises:
Create Date: 2026-11-29 07:54:53.814977
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '625be613f9aa'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('dashboard',)
depends_on: str | Sequence[str] | None = '0007_acl_stamp'


def upgrade() -> None:
    op.create_table('dashboard_layout',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_dashboard_layout_org_id_core_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], name=op.f('fk_dashboard_layout_role_id_core_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_dashboard_layout_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_layout')),
    sa.UniqueConstraint('role_id', 'org_id', name=op.f('uq_dashboard_layout_role_id_org_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_dashboard_layout_user_id'))
    )
    op.create_table('dashboard_report',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('dataset', sa.String(length=120), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('chart', sa.String(length=20), nullable=False),
    sa.Column('sharing', sa.String(length=20), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_dashboard_report_department_id_core_department')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_dashboard_report_org_id_core_org')),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_dashboard_report_owner_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_report'))
    )
    with op.batch_alter_table('dashboard_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_report_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_report_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_report_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_report_owner_id'), ['owner_id'], unique=False)

    op.create_table('dashboard_placement',
    sa.Column('layout_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('widget', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('size', sa.String(length=2), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['layout_id'], ['dashboard_layout.id'], name=op.f('fk_dashboard_placement_layout_id_dashboard_layout'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_placement'))
    )
    with op.batch_alter_table('dashboard_placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_placement_layout_id'), ['layout_id'], unique=False)

    op.create_table('dashboard_report_role',
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['dashboard_report.id'], name=op.f('fk_dashboard_report_role_report_id_dashboard_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], name=op.f('fk_dashboard_report_role_role_id_core_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_report_role')),
    sa.UniqueConstraint('report_id', 'role_id', name=op.f('uq_dashboard_report_role_report_id_role_id'))
    )
    with op.batch_alter_table('dashboard_report_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_report_role_report_id'), ['report_id'], unique=False)

    op.create_table('dashboard_schedule',
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('next_run_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('last_sent_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['dashboard_report.id'], name=op.f('fk_dashboard_schedule_report_id_dashboard_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_schedule')),
    sa.UniqueConstraint('report_id', name=op.f('uq_dashboard_schedule_report_id'))
    )
    with op.batch_alter_table('dashboard_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_schedule_next_run_at'), ['next_run_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dashboard_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_schedule_next_run_at'))

    op.drop_table('dashboard_schedule')
    with op.batch_alter_table('dashboard_report_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_report_role_report_id'))

    op.drop_table('dashboard_report_role')
    with op.batch_alter_table('dashboard_placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_placement_layout_id'))

    op.drop_table('dashboard_placement')
    with op.batch_alter_table('dashboard_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_report_owner_id'))
        batch_op.drop_index(batch_op.f('ix_dashboard_report_org_id'))
        batch_op.drop_index(batch_op.f('ix_dashboard_report_department_id'))
        batch_op.drop_index(batch_op.f('ix_dashboard_report_deleted_at'))

    op.drop_table('dashboard_report')
    op.drop_table('dashboard_layout')
