from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    AuditedMixin,
    Base,
    IdMixin,
    N_,
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
