"""custom fields

Revision ID: 7eedfce618f0
Revises:
Create Date: 2026-11-29 04:38:44.869341
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '7eedfce618f0'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('customfields',)
depends_on: str | Sequence[str] | None = '0006_extra'


def upgrade() -> None:
    op.create_table('customfields_field',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label_zh', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('unique', sa.Boolean(), nullable=False),
    sa.Column('default', sa.JSON(), nullable=True),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('ref', sa.String(length=120), nullable=True),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', core.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customfields_field')),
    sa.UniqueConstraint('model', 'name', name=op.f('uq_customfields_field_model_name'))
    )
    with op.batch_alter_table('customfields_field', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customfields_field_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customfields_field_model'), ['model'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customfields_field', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customfields_field_model'))
        batch_op.drop_index(batch_op.f('ix_customfields_field_deleted_at'))

    op.drop_table('customfields_field')
