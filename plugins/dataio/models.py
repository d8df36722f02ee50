"""The dataio plugin's tables: import batches with their row log, saved
column mappings, export templates and the duplicate match keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import N_, Base, BigId, IdMixin, OrgScopedMixin, TimestampMixin

#: states of an import batch
BATCH_STATES: dict[str, str] = {
    "uploaded": N_("Uploaded"),
    "checking": N_("Checking"),
    "checked": N_("Checked"),
    "invalid": N_("Has errors"),
    "queued": N_("Queued"),
    "writing": N_("Writing"),
    "done": N_("Imported"),
    "failed": N_("Failed"),
    "undone": N_("Undone"),
}
#: import modes
MODES: dict[str, str] = {
    "insert": N_("Insert new records"),
    "update": N_("Update by match key"),
    "upsert": N_("Update or insert (upsert)"),
}


class Batch(IdMixin, OrgScopedMixin, TimestampMixin, Base):
    """One uploaded file and what became of it; the owner is who uploaded it."""

    __tablename__ = "dataio_batch"
    __label__ = N_("Import batch")

    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    filename: Mapped[str] = mapped_column(String(255), info={"label": N_("File")})
    file_format: Mapped[str] = mapped_column(String(10), info={"label": N_("Format")})
    encoding: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Encoding")})
    mode: Mapped[str] = mapped_column(String(10), default="insert", info={"label": N_("Mode")})
    match_key: Mapped[str] = mapped_column(String(120), default="", info={"label": N_("Match key")})
    state: Mapped[str] = mapped_column(String(20), default="uploaded", info={"label": N_("State")})
    total_rows: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Rows")})
    #: rows checked so far by a check job, committed in short transactions of
    #: its own so that every process (the web, other workers) sees it
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0",
                                          info={"label": N_("Rows checked")})
    inserted: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Inserted")})
    updated: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Updated")})
    headers: Mapped[list[str]] = mapped_column(JSON, default=list, info={"label": N_("Columns")})
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Column mapping")})
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Report")})
    source: Mapped[bytes] = mapped_column(LargeBinary, default=b"", info={"label": N_("File content")})
    job_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Job")})
    error: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Error")})
    finished_at: Mapped[datetime | None] = mapped_column(info={"label": N_("Finished")})


class BatchRow(IdMixin, Base):
    """What one imported row did: the record inserted, or the record updated
    with its values before and its version after, so an undo restores them."""

    __tablename__ = "dataio_batch_row"
    __table_args__ = (Index("ix_dataio_batch_row_batch", "batch_id", "row_no"),)
    __label__ = N_("Imported row")

    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("dataio_batch.id", ondelete="CASCADE"),
                                          info={"label": N_("Import batch")})
    row_no: Mapped[int] = mapped_column(Integer, info={"label": N_("Row")})
    record_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Record")})
    action: Mapped[str] = mapped_column(String(10), info={"label": N_("Action")})
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, info={"label": N_("Values before")})
    version: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Version after")})


class SavedMapping(IdMixin, TimestampMixin, Base):
    """A user's column mapping for one model, offered again on the next import."""

    __tablename__ = "dataio_mapping"
    __table_args__ = (UniqueConstraint("user_id", "model"),)
    __label__ = N_("Saved column mapping")

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"),
                                         info={"label": N_("User")})
    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Column mapping")})


class ExportTemplate(IdMixin, TimestampMixin, Base):
    """A user's named set of export columns, in order, for one model."""

    __tablename__ = "dataio_export_template"
    __table_args__ = (UniqueConstraint("user_id", "model", "name"),)
    __label__ = N_("Export template")

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"),
                                         info={"label": N_("User")})
    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    columns: Mapped[list[str]] = mapped_column(JSON, default=list, info={"label": N_("Columns")})


class MatchKey(IdMixin, Base):
    """The normalised key of one field of one record under one match rule,
    kept current on every create and update, so duplicates are found by an
    indexed look-up."""

    __tablename__ = "dataio_match_key"
    __table_args__ = (Index("ix_dataio_match_key_lookup", "model", "kind", "key"),
                      Index("ix_dataio_match_key_record", "model", "record_id"))
    __label__ = N_("Duplicate match key")

    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    record_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Record")})
    field: Mapped[str] = mapped_column(String(120), info={"label": N_("Field")})
    kind: Mapped[str] = mapped_column(String(10), info={"label": N_("Kind")})
    key: Mapped[str] = mapped_column(String(255), info={"label": N_("Key")})


class MergeLog(IdMixin, OrgScopedMixin, TimestampMixin, Base):
    """One merge: the surviving record, the records merged into it and how
    many references each table had moved; the owner is who merged."""

    __tablename__ = "dataio_merge_log"
    __label__ = N_("Merge")

    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    survivor_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Surviving record")})
    merged_ids: Mapped[list[int]] = mapped_column(JSON, default=list, info={"label": N_("Merged records")})
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("References moved")})
