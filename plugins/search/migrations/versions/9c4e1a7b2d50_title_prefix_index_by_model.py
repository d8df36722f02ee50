"""The title prefix index leads with the model

A title prefix is always looked for in one model (plugins.search.query.prefixed
under readable). With ``title_key`` alone, SQLite without statistics (no
ANALYZE has run, as on any installation that never ran one) took the unique
``(model, record_id)`` index instead and read every entry of the model.

Revision ID: 9c4e1a7b2d50
Revises: 5b0e2c7d9a41
Create Date: 2026-11-29 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '9c4e1a7b2d50'
down_revision: str | Sequence[str] | None = '5b0e2c7d9a41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_search_entry_title_key", table_name="search_entry")
    op.create_index("ix_search_entry_model_title_key", "search_entry", ["model", "title_key"])


def downgrade() -> None:
    op.drop_index("ix_search_entry_model_title_key", table_name="search_entry")
    op.create_index("ix_search_entry_title_key", "search_entry", ["title_key"])
