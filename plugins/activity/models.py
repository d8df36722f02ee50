"""The timeline's records: notes, activities and attachments, each linked to
one record of any plugin by its model key and id.

All three are org-scoped like the kernel's records: the owner is the author,
the organisation is the parent record's (the author's when the parent has
none), the department is the author's. That scope never opens a row on its
own: reading goes through the parent (design rule 4); it narrows who may
delete or change what someone else wrote.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)

#: kinds of activity, in the order the form offers them
KINDS: dict[str, str] = {
    "call": N_("Call"),
    "visit": N_("Visit"),
    "meeting": N_("Meeting"),
    "task": N_("Task"),
}


class RecordLink:
    """The parent record: its model key (``notes.note``) and id."""

    record_model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    record_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Record")})

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        table = cls.__tablename__  # type: ignore[attr-defined]
        return (Index(f"ix_{table}_record", "record_model", "record_id"),)


class Note(IdMixin, RecordLink, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """A few lines of plain text someone wrote on a record."""

    __tablename__ = "activity_note"
    __label__ = N_("Timeline note")
    __shareable__ = False

    body: Mapped[str] = mapped_column(Text, info={"label": N_("Text")})


class Activity(IdMixin, RecordLink, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A call, visit or meeting that happened, or a task to do by a due date.

    ``assignee_id`` and ``due_at`` are what reminders and the inbox will read
    when they come (with the job runner); ``done_at`` closes it.
    """

    __tablename__ = "activity_activity"
    __label__ = N_("Activity")
    __shareable__ = False

    kind: Mapped[str] = mapped_column(String(20), info={"label": N_("Kind")})
    subject: Mapped[str] = mapped_column(String(200), info={"label": N_("Subject")})
    content: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Details")})
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Due")})
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Done")})
    assignee_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id"), index=True, info={"label": N_("Assignee")})


class Attachment(IdMixin, RecordLink, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """A file on a record. The bytes live once per content in the blob store
    (``<attachments_dir>/ab/cd/<sha256>``); this row names them."""

    __tablename__ = "activity_attachment"
    __label__ = N_("Attachment")
    __shareable__ = False

    filename: Mapped[str] = mapped_column(String(255), info={"label": N_("File name")})
    content_type: Mapped[str] = mapped_column(String(100), info={"label": N_("Type")})
    size: Mapped[int] = mapped_column(BigInteger, info={"label": N_("Size")})
    sha256: Mapped[str] = mapped_column(String(64), index=True, info={"label": N_("Checksum")})


MODELS: tuple[type[Base], ...] = (Note, Activity, Attachment)
