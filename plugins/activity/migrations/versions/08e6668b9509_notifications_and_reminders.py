"""notifications and reminders

Revision ID: 08e6668b9509
Revises: 2081684045ce
Create Date: 2026-11-29 04:02:47.127405
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '08e6668b9509'
down_revision: str | Sequence[str] | None = '2081684045ce'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('activity_channel_settings',
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_activity_channel_settings_org_id_core_org'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_channel_settings')),
    sa.UniqueConstraint('org_id', 'channel', name=op.f('uq_activity_channel_settings_org_id_channel'))
    )
    op.create_table('activity_notification',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('record_model', sa.String(length=120), nullable=True),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('read_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['core_user.id'], name=op.f('fk_activity_notification_actor_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_activity_notification_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_notification'))
    )
    with op.batch_alter_table('activity_notification', schema=None) as batch_op:
        batch_op.create_index('ix_activity_notification_inbox', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('activity_preference',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_activity_preference_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_preference')),
    sa.UniqueConstraint('user_id', 'channel', 'category', name=op.f('uq_activity_preference_user_id_channel_category'))
    )
    op.create_table('activity_reminder_rule',
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('field', sa.String(length=80), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.String(length=20), nullable=False),
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_activity_reminder_rule_org_id_core_org')),
    sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], name=op.f('fk_activity_reminder_rule_role_id_core_role'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_activity_reminder_rule_user_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_reminder_rule'))
    )
    with op.batch_alter_table('activity_reminder_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_reminder_rule_org_id'), ['org_id'], unique=False)

    op.create_table('activity_delivery',
    sa.Column('notification_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['activity_notification.id'], name=op.f('fk_activity_delivery_notification_id_activity_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_delivery'))
    )
    with op.batch_alter_table('activity_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_delivery_notification_id'), ['notification_id'], unique=False)

    op.create_table('activity_reminder_sent',
    sa.Column('rule_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['activity_reminder_rule.id'], name=op.f('fk_activity_reminder_sent_rule_id_activity_reminder_rule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_reminder_sent')),
    sa.UniqueConstraint('rule_id', 'record_id', 'due_on', name=op.f('uq_activity_reminder_sent_rule_id_record_id_due_on'))
    )


def downgrade() -> None:
    op.drop_table('activity_reminder_sent')
    with op.batch_alter_table('activity_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_delivery_notification_id'))

    op.drop_table('activity_delivery')
    with op.batch_alter_table('activity_reminder_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_reminder_rule_org_id'))

    op.drop_table('activity_reminder_rule')
    op.drop_table('activity_preference')
    with op.batch_alter_table('activity_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_notification_inbox')

    op.drop_table('activity_notification')
    op.drop_table('activity_channel_settings')
