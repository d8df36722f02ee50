"""subsidiaries by name: a partial index

Revision ID: 56e785482b66
Revises: a4ecaf103ab9
Create Date: 2026-11-30 01:56:51.393673
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '56e785482b66'
down_revision: str | Sequence[str] | None = 'a4ecaf103ab9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


HAS_PARENT = sa.text("parent_id IS NOT NULL")


def upgrade() -> None:
    # the subsidiaries of a company by name, from an index of the customers that have a parent
    with op.batch_alter_table("crm_customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crm_customer_parent_id"))
        batch_op.create_index("ix_crm_customer_parent_name", ["parent_id", "name"], unique=False,
                              sqlite_where=HAS_PARENT, postgresql_where=HAS_PARENT)


def downgrade() -> None:
    with op.batch_alter_table("crm_customer", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_customer_parent_name", sqlite_where=HAS_PARENT, postgresql_where=HAS_PARENT)
        batch_op.create_index(batch_op.f("ix_crm_customer_parent_id"), ["parent_id"], unique=False)
