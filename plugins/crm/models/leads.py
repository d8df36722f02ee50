"""Leads and the public web forms that bring them in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    ExtraMixin,
    IdMixin,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.crm.models.choices import LEAD_STATES, SOURCES


class WebForm(IdMixin, TimestampMixin, AuditedMixin, Base):
    """A public form (on the organisation's website) whose submissions become
    leads, owned by ``assign_to_id`` or sitting in ``pool_id``'s queue."""

    __tablename__ = "crm_webform"
    __label__ = N_("Web form")

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    #: the unguessable part of the public address /crm/f/<key>
    key: Mapped[str] = mapped_column(String(40), unique=True, info={"label": N_("Form key")})
    title: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Title shown on the form")})
    thanks: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Thank-you message")})
    #: the campaign a lead from this form is attributed to
    campaign: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Campaign")})
    assign_to_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_user.id"),
                                                     info={"label": N_("Assign leads to")})
    #: submissions per address per hour before the form answers 429
    rate_limit: Mapped[int] = mapped_column(Integer, default=5, info={"label": N_("Submissions per hour")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Lead(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin, AuditedMixin,
           Base):
    """A prospect not yet qualified. Converting it makes a customer, a
    contact and optionally an opportunity; the lead keeps its source and
    campaign for attribution."""

    __tablename__ = "crm_lead"
    __label__ = N_("Lead")
    __table_args__ = (Index("ix_crm_lead_webform_ip_created", "webform_id", "ip_hash", "created_at"),)

    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    company: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Company")})
    position: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Position")})
    mobile: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Mobile"), "mask": "phone"})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Phone"), "mask": "phone"})
    email: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("E-mail"), "mask": "email"})
    wechat: Mapped[str] = mapped_column(String(60), default="", info={"label": N_("WeChat ID")})
    province: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Province")})
    city: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("City")})
    source: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Source"),
                                                                      "choices": SOURCES})
    campaign: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Campaign")})
    message: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Message")})
    state: Mapped[str] = mapped_column(String(20), default="new", info={"label": N_("State"),
                                                                         "choices": LEAD_STATES})
    disqualify_reason: Mapped[str] = mapped_column(String(500), default="",
                                                   info={"label": N_("Reason for disqualifying")})
    webform_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_webform.id", ondelete="SET NULL"),
                                                   info={"label": N_("Web form")})
    #: a keyed hash of the submitter's address (rate limiting; never the address itself)
    ip_hash: Mapped[str] = mapped_column(String(64), default="",
                                         info={"label": N_("Submitter (hashed address)")})
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_customer.id"),
                                                    info={"label": N_("Customer")})
    contact_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_contact.id"),
                                                   info={"label": N_("Contact")})
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"label": N_("Converted at")})
