"""Visitors of an edition and their admissions at the gates (part 2 of the
plugin): a visitor is registered with a ticket code (the QR of the e-ticket
and the badge); each open day a visitor is admitted once, and scanned again
when they come back in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
from plugins.exhibitions.models.choices import VISITOR_KINDS


class Visitor(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A visitor registered for an edition (观众): who they are, what kind
    of visitor, the delegation they came with, and ``code``, their ticket's
    code (unique in the installation: what the gates scan)."""

    __tablename__ = "exhibitions_visitor"
    __label__ = N_("Visitor")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    company: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Company")})
    title: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Job title")})
    mobile: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Mobile"), "mask": "phone"})
    email: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("E-mail"), "mask": "email"})
    kind: Mapped[str] = mapped_column(String(20), default="visitor",
                                      info={"label": N_("Kind of visitor"), "choices": VISITOR_KINDS})
    delegation: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Delegation")})
    qualified: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Qualified buyer")})
    code: Mapped[str] = mapped_column(String(20), unique=True, info={"label": N_("Ticket code")})


class Admission(IdMixin, Base):
    """A visitor's day at the show: the first scan admits them (one row a
    visitor and day: unique, whatever gates scan at once), later scans count
    as coming back in."""

    __tablename__ = "exhibitions_admission"
    __label__ = N_("Admission")
    __table_args__ = (UniqueConstraint("visitor_id", "day", name="uq_exhibitions_admission_day"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    visitor_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_visitor.id", ondelete="CASCADE"),
                                            info={"label": N_("Visitor")})
    day: Mapped[date] = mapped_column(Date, info={"label": N_("Day")})
    gate: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Gate")})
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("First scan")})
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("Last scan")})
    scans: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Scans")})
