"""Visitors of an edition and their admissions at the gates (part 2 of the
plugin): a visitor is registered with a ticket code (the QR of the e-ticket
and the badge); each open day a visitor is admitted once, and scanned again
when they come back in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, text
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
from plugins.exhibitions.models.choices import BUDGETS, PURCHASING_ROLES, TICKET_LANGUAGES, VISITOR_KINDS


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
    # pre-registration (the registration part): the buyer's answers, the questions' answers, the group
    country: Mapped[str] = mapped_column(String(60), default="", server_default="",
                                         info={"label": N_("Country or region")})
    purchasing_role: Mapped[str] = mapped_column(String(20), default="", server_default="", info={
        "label": N_("Purchasing role"), "choices": PURCHASING_ROLES})
    budget: Mapped[str] = mapped_column(String(20), default="", server_default="",
                                        info={"label": N_("Budget"), "choices": BUDGETS})
    interests: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"),
                                                 info={"label": N_("Interests")})
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"),
                                                     info={"label": N_("Answers")})
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN", server_default="zh_CN", info={
        "label": N_("Language"), "choices": TICKET_LANGUAGES})
    leader_id: Mapped[int | None] = mapped_column(BigId,
                                                  ForeignKey("exhibitions_visitor.id", ondelete="SET NULL"),
                                                  index=True, info={"label": N_("Group leader")})
    #: the e-ticket page's address part (unguessable, unlike the code printed on the badge)
    ticket_token: Mapped[str | None] = mapped_column(String(64), unique=True, info={"label": N_("Ticket link")})
    #: a keyed hash of the public form's sender address (its rate limit; the address is never stored)
    ip_hash: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True,
                                         info={"label": N_("Sender")})


class Admission(IdMixin, Base):
    """A visitor's day at the show: the first scan admits them (one row a
    visitor and day: unique, whatever gates scan at once), later scans count
    as coming back in. ``org_id`` (the edition's) scopes the admissions
    for reports (the dataset ``exhibitions.admissions``)."""

    __tablename__ = "exhibitions_admission"
    __label__ = N_("Admission")
    __table_args__ = (UniqueConstraint("visitor_id", "day", name="uq_exhibitions_admission_day"),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id"), index=True,
                                        info={"label": N_("Organisation")})

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    visitor_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_visitor.id", ondelete="CASCADE"),
                                            info={"label": N_("Visitor")})
    day: Mapped[date] = mapped_column(Date, info={"label": N_("Day")})
    gate: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Gate")})
    hall_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_space.id"), index=True,
                                                info={"label": N_("Hall")})
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("First scan")})
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), info={"label": N_("Last scan")})
    scans: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Scans")})
