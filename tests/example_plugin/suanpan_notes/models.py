"""The notes plugin's models: org-scoped, versioned, soft-deleted and audited."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    Money,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    VersionedMixin,
)


class Note(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin, AuditedMixin,
           Base):
    __tablename__ = "notes_note"
    __label__ = N_("Note")

    title: Mapped[str] = mapped_column(String(200), info={"label": N_("Title")})
    body: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Body")})
    state: Mapped[str] = mapped_column(String(20), default="draft", info={"label": N_("State")})


#: kinds of expense, in the order the form offers them
CATEGORIES = {"travel": N_("Travel"), "meals": N_("Meals"), "equipment": N_("Equipment")}


class Expense(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin, AuditedMixin,
              Base):
    """An expense claim: the example of a document with an approval chain and
    amendments (an approved claim is cancelled and amended, never edited)."""

    __tablename__ = "notes_expense"
    __label__ = N_("Expense claim")

    title: Mapped[str] = mapped_column(String(200), info={"label": N_("Title")})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Amount")})
    category: Mapped[str] = mapped_column(String(20), default="travel",
                                          info={"label": N_("Category"), "choices": CATEGORIES})
    state: Mapped[str] = mapped_column(String(20), default="draft", info={"label": N_("State")})
    amends_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("notes_expense.id"), info={"label": N_("Amends")})
