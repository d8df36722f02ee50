"""import progress

Revision ID: 889a206e1815
Revises: be037d2d165f
Create Date: 2026-11-29 05:23:07.837180
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '889a206e1815'
down_revision: str | Sequence[str] | None = 'be037d2d165f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('dataio_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('dataio_batch', schema=None) as batch_op:
        batch_op.drop_column('progress')
