"""document numbering

Revision ID: 0002_numbering
Revises: 0001_kernel
Create Date: 2026-11-29 02:26:13.598137
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '0002_numbering'
down_revision: str | Sequence[str] | None = '0001_kernel'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_sequence',
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('next_value', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_sequence_org_id_core_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_sequence')),
    sa.UniqueConstraint('org_id', 'key', 'period', name=op.f('uq_core_sequence_org_id_key_period'))
    )
    op.create_table('core_sequence_pattern',
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('pattern', sa.String(length=200), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_core_sequence_pattern_org_id_core_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_sequence_pattern')),
    sa.UniqueConstraint('org_id', 'key', name=op.f('uq_core_sequence_pattern_org_id_key'))
    )


def downgrade() -> None:
    op.drop_table('core_sequence_pattern')
    op.drop_table('core_sequence')
