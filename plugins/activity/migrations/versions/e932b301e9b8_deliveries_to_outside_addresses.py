"""deliveries to outside addresses: messages to a customer's contact (no notification),
with their organisation, subject, body and the sender's reference

Revision ID: e932b301e9b8
Revises: 08e6668b9509
Create Date: 2026-11-29 10:37:06.401594
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = 'e932b301e9b8'
down_revision: str | Sequence[str] | None = '08e6668b9509'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('activity_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('body', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('ref', sa.String(length=100), server_default='', nullable=False))
        batch_op.alter_column('notification_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_activity_delivery_ref'), ['ref'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_delivery_org_id_core_org'), 'core_org', ['org_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('activity_delivery', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_delivery_org_id_core_org'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activity_delivery_ref'))
        batch_op.alter_column('notification_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('ref')
        batch_op.drop_column('body')
        batch_op.drop_column('subject')
        batch_op.drop_column('org_id')

