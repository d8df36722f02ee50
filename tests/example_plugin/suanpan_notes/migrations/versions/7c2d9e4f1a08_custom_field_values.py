"""custom field values on notes and expense claims

Revision ID: 7c2d9e4f1a08
Revises: 5b1e0c2d7a41
Create Date: 2026-11-29 05:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '7c2d9e4f1a08'
down_revision: str | Sequence[str] | None = '5b1e0c2d7a41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0006_extra'

TABLES = ("notes_note", "notes_expense")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('extra')
