"""enrollment step delivery

Revision ID: e67a816ffad7
Revises: f0b44bc5a30f
Create Date: 2026-11-29 10:37:18.295261
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = 'e67a816ffad7'
down_revision: str | Sequence[str] | None = 'f0b44bc5a30f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('crm_enrollment_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('crm_enrollment_step', schema=None) as batch_op:
        batch_op.drop_column('delivery_id')

