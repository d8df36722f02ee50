"""kernel tables

Revision ID: 0001_kernel
Revises:
Create Date: 2026-11-29 01:25:00.188340
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0001_kernel'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('core',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_external_id',
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_external_id')),
    sa.UniqueConstraint('plugin', 'key', name=op.f('uq_core_external_id_plugin_key'))
    )
    op.create_table('core_login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', core.db.UTCDateTime(), nullable=False),
    sa.Column('locked_until', core.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_core_login_throttle'))
    )
    op.create_table('core_org',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['core_org.id'], name=op.f('fk_core_org_parent_id_core_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_org')),
    sa.UniqueConstraint('code', name=op.f('uq_core_org_code'))
    )
    with op.batch_alter_table('core_org', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_org_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_org_path'), ['path'], unique=False)

    op.create_table('core_plugin_state',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_core_plugin_state'))
    )
    op.create_table('core_role',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('grants_all', sa.Boolean(), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_role')),
    sa.UniqueConstraint('key', name=op.f('uq_core_role_key'))
    )
    op.create_table('core_department',
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('head_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_department_org_id_core_org')),
    sa.ForeignKeyConstraint(['parent_id'], ['core_department.id'], name=op.f('fk_core_department_parent_id_core_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_department'))
    )
    with op.batch_alter_table('core_department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_department_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_department_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_department_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_department_path'), ['path'], unique=False)

    op.create_table('core_field_rule',
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], name=op.f('fk_core_field_rule_role_id_core_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_field_rule')),
    sa.UniqueConstraint('role_id', 'model', 'field', name=op.f('uq_core_field_rule_role_id_model_field'))
    )
    op.create_table('core_role_permission',
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], name=op.f('fk_core_role_permission_role_id_core_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_role_permission')),
    sa.UniqueConstraint('role_id', 'code', name=op.f('uq_core_role_permission_role_id_code'))
    )
    with op.batch_alter_table('core_role_permission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_role_permission_code'), ['code'], unique=False)

    op.create_table('core_user',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('position', sa.String(length=100), nullable=False),
    sa.Column('manager_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('password_changed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_core_user_department_id_core_department')),
    sa.ForeignKeyConstraint(['manager_id'], ['core_user.id'], name=op.f('fk_core_user_manager_id_core_user')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_user_org_id_core_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_user')),
    sa.UniqueConstraint('username', name=op.f('uq_core_user_username'))
    )
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_user_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_user_org_id'), ['org_id'], unique=False)

    # core_department.head_id -> core_user closes a cycle: add it once both exist.
    with op.batch_alter_table('core_department', schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f('fk_core_department_head_id_core_user'), 'core_user', ['head_id'], ['id']
        )
    op.create_table('core_api_token',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_api_token_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_core_api_token_token_hash'))
    )
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('core_audit',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_audit_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_audit'))
    )
    with op.batch_alter_table('core_audit', schema=None) as batch_op:
        batch_op.create_index('ix_core_audit_record', ['model', 'record_id', 'id'], unique=False)

    op.create_table('core_membership',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('position', sa.String(length=100), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_core_membership_department_id_core_department')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_membership_org_id_core_org')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_membership_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_membership')),
    sa.UniqueConstraint('user_id', 'org_id', name=op.f('uq_core_membership_user_id_org_id'))
    )
    with op.batch_alter_table('core_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_membership_org_id'), ['org_id'], unique=False)

    op.create_table('core_record_share',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('can_write', sa.Boolean(), nullable=False),
    sa.Column('shared_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['shared_by_id'], ['core_user.id'], name=op.f('fk_core_record_share_shared_by_id_core_user')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_record_share_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_record_share')),
    sa.UniqueConstraint('model', 'record_id', 'user_id', name=op.f('uq_core_record_share_model_record_id_user_id'))
    )
    with op.batch_alter_table('core_record_share', schema=None) as batch_op:
        batch_op.create_index('ix_core_record_share_user_model', ['user_id', 'model'], unique=False)

    op.create_table('core_role_assignment',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_role_assignment_org_id_core_org')),
    sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], name=op.f('fk_core_role_assignment_role_id_core_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_role_assignment_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_role_assignment')),
    sa.UniqueConstraint('user_id', 'role_id', 'org_id', name=op.f('uq_core_role_assignment_user_id_role_id_org_id'))
    )
    with op.batch_alter_table('core_role_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_role_assignment_user_id'), ['user_id'], unique=False)

    op.create_table('core_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_session_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_session'))
    )
    with op.batch_alter_table('core_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_session_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('core_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_core_session_expires_at'))

    with op.batch_alter_table('core_department', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_core_department_head_id_core_user'), type_='foreignkey')
    op.drop_table('core_session')
    with op.batch_alter_table('core_role_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_role_assignment_user_id'))

    op.drop_table('core_role_assignment')
    with op.batch_alter_table('core_record_share', schema=None) as batch_op:
        batch_op.drop_index('ix_core_record_share_user_model')

    op.drop_table('core_record_share')
    with op.batch_alter_table('core_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_membership_org_id'))

    op.drop_table('core_membership')
    with op.batch_alter_table('core_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_core_audit_record')

    op.drop_table('core_audit')
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_api_token_user_id'))

    op.drop_table('core_api_token')
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_user_org_id'))
        batch_op.drop_index(batch_op.f('ix_core_user_department_id'))

    op.drop_table('core_user')
    with op.batch_alter_table('core_role_permission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_role_permission_code'))

    op.drop_table('core_role_permission')
    op.drop_table('core_field_rule')
    with op.batch_alter_table('core_department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_department_path'))
        batch_op.drop_index(batch_op.f('ix_core_department_parent_id'))
        batch_op.drop_index(batch_op.f('ix_core_department_org_id'))
        batch_op.drop_index(batch_op.f('ix_core_department_deleted_at'))

    op.drop_table('core_department')
    op.drop_table('core_role')
    op.drop_table('core_plugin_state')
    with op.batch_alter_table('core_org', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_org_path'))
        batch_op.drop_index(batch_op.f('ix_core_org_parent_id'))

    op.drop_table('core_org')
    op.drop_table('core_login_throttle')
    op.drop_table('core_external_id')
