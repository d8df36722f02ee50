"""a counter of changes to roles, grants and assignments, for caching actors

Revision ID: 0007_acl_stamp
Revises: 0006_extra
Create Date: 2026-11-29 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '0007_acl_stamp'
down_revision: str | Sequence[str] | None = '0006_extra'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        'core_acl_stamp',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_core_acl_stamp')),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table('core_acl_stamp')
