"""The notes plugin's one model: org-scoped, versioned, soft-deleted and audited."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    IdMixin,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    VersionedMixin,
)


class Note(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    __tablename__ = "notes_note"
    __label__ = N_("Note")

    title: Mapped[str] = mapped_column(String(200), info={"label": N_("Title")})
    body: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Body")})
    state: Mapped[str] = mapped_column(String(20), default="draft", info={"label": N_("State")})
