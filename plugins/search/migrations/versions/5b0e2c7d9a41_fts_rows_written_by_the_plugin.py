"""SQLite: the index's FTS rows of new entries are written by the plugin, not by a trigger

A trigger's statement made FTS5 write out its pending terms for every row:
4.5 times slower than inserting the FTS rows directly (plugins.search.index).

Revision ID: 5b0e2c7d9a41
Revises: 0dc927f1b729
Create Date: 2026-11-29 07:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '5b0e2c7d9a41'
down_revision: str | Sequence[str] | None = '0dc927f1b729'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("blob", "pinyin", "initials", "phones", "emails", "codes", "grams")
_NEW = ", ".join(f"new.{c}" for c in COLUMNS)
# Constant column names (a trigger body): bandit B608 reviewed.
_INSERT = f"INSERT INTO search_fts(rowid, {', '.join(COLUMNS)}) VALUES (new.id, {_NEW});"  # nosec B608


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_entry_fts_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN {_INSERT} END")
