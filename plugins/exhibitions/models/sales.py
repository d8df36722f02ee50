"""Selling space: pricing rules per edition, exhibitors' applications, the
waitlist, priority points, and the links of an edition to the CRM's
opportunities (the space-sales pipeline)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    Money,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import (
    APPLICATION_STATES,
    BOOTH_TYPES,
    CONSTRUCTIONS,
    PRICE_RULE_KINDS,
    WAITLIST_STATES,
)
from plugins.exhibitions.models.venues import Area


class PriceRule(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """One component of booth prices in an edition. ``kind`` says which:

    * ``base``: ``amount`` per m² for booths of ``construction`` (and of
      ``booth_type`` when set);
    * ``surcharge``: ``percent`` more for a ``booth_type`` (corner, island);
    * ``zone``: a location premium, ``percent`` or ``amount`` per m², in ``zone_id``;
    * ``early_bird``: ``percent`` off for contracts signed by ``until``;
    * ``member``: ``percent`` off for exhibitors of CRM ``customer_level``;
    * ``minimum``: raw space is sold from ``min_area`` m².
    """

    __tablename__ = "exhibitions_price_rule"
    __label__ = N_("Pricing rule")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Edition")})
    kind: Mapped[str] = mapped_column(String(20), info={"label": N_("Kind"), "choices": PRICE_RULE_KINDS})
    name: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Name")})
    construction: Mapped[str] = mapped_column(String(10), default="",
                                              info={"label": N_("Construction"), "choices": CONSTRUCTIONS})
    booth_type: Mapped[str] = mapped_column(String(20), default="",
                                            info={"label": N_("Booth type"), "choices": BOOTH_TYPES})
    zone_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_zone.id"),
                                                info={"label": N_("Zone")})
    customer_level: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Customer level")})
    amount: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Amount per m²")})
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("0"),
                                             info={"label": N_("Per cent")})
    until: Mapped[date | None] = mapped_column(Date, info={"label": N_("Until")})
    min_area: Mapped[Decimal] = mapped_column(Area, default=Decimal("0"),
                                              info={"label": N_("Minimum area (m²)")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})


class Application(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """An exhibitor's application (参展申请) to an edition, from the public
    form or entered by staff; matched to a CRM customer by the duplicate
    service, then approved (an opportunity in the edition's pipeline) or
    rejected with a reason."""

    __tablename__ = "exhibitions_application"
    __label__ = N_("Application")
    __table_args__ = (Index("ix_exhibitions_application_edition_ip", "edition_id", "ip_hash", "created_at"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    company: Mapped[str] = mapped_column(String(200), info={"label": N_("Company")})
    company_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    contact_name: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Contact")})
    mobile: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Mobile"), "mask": "phone"})
    email: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("E-mail"), "mask": "email"})
    products: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Products")})
    #: the catalogue categories the exhibitor shows (keys of the edition's categories)
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list, info={"label": N_("Categories")})
    area_wanted: Mapped[Decimal] = mapped_column(Area, default=Decimal("9"),
                                                 info={"label": N_("Area wanted (m²)")})
    booth_type: Mapped[str] = mapped_column(String(20), default="",
                                            info={"label": N_("Booth type"), "choices": BOOTH_TYPES})
    construction: Mapped[str] = mapped_column(String(10), default="shell",
                                              info={"label": N_("Construction"), "choices": CONSTRUCTIONS})
    neighbours_wanted: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Neighbours wanted")})
    competitors_avoided: Mapped[str] = mapped_column(Text, default="",
                                                     info={"label": N_("Competitors to avoid")})
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                                    info={"label": N_("Customer")})
    opportunity_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_opportunity.id"),
                                                       info={"label": N_("Opportunity")})
    state: Mapped[str] = mapped_column(String(20), default="submitted", index=True,
                                       info={"label": N_("State"), "choices": APPLICATION_STATES})
    reason: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Reason")})
    #: "web" (the public form) or "staff"
    channel: Mapped[str] = mapped_column(String(10), default="staff", info={"label": N_("Channel")})
    #: a keyed hash of the public form's sender address (the rate limit; the address is never stored)
    ip_hash: Mapped[str] = mapped_column(String(64), default="", info={"label": N_("Sender (hashed)")})


class WaitlistEntry(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An exhibitor waiting for a kind of booth that is sold out; offered one
    in the order of priority points when one comes free."""

    __tablename__ = "exhibitions_waitlist_entry"
    __label__ = N_("Waitlist entry")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    booth_type: Mapped[str] = mapped_column(String(20), default="",
                                            info={"label": N_("Booth type"), "choices": BOOTH_TYPES})
    construction: Mapped[str] = mapped_column(String(10), default="shell",
                                              info={"label": N_("Construction"), "choices": CONSTRUCTIONS})
    area_wanted: Mapped[Decimal] = mapped_column(Area, default=Decimal("9"),
                                                 info={"label": N_("Area wanted (m²)")})
    state: Mapped[str] = mapped_column(String(20), default="waiting", index=True,
                                       info={"label": N_("State"), "choices": WAITLIST_STATES})
    booth_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_booth.id"),
                                                 info={"label": N_("Booth offered")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class PointsAdjustment(IdMixin, OrgScopedMixin, TimestampMixin, AuditedMixin, Base):
    """A manual change of an exhibitor's priority points for an edition, with
    its reason (the computed part, from years, m² and spend, is not stored)."""

    __tablename__ = "exhibitions_points_adjustment"
    __label__ = N_("Priority points adjustment")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    points: Mapped[int] = mapped_column(Integer, info={"label": N_("Points")})
    reason: Mapped[str] = mapped_column(String(300), info={"label": N_("Reason")})


class EditionDeal(IdMixin, Base):
    """An opportunity of the CRM selling space in an edition (one each way:
    an opportunity belongs to at most one edition)."""

    __tablename__ = "exhibitions_edition_deal"
    __label__ = N_("Edition opportunity")
    __table_args__ = (Index("ix_exhibitions_edition_deal_opportunity", "opportunity_id", unique=True),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Edition")})
    opportunity_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_opportunity.id", ondelete="CASCADE"),
                                                info={"label": N_("Opportunity")})
    #: m² the deal is for (the pipeline's m² figures)
    area: Mapped[Decimal] = mapped_column(Area, default=Decimal("0"), info={"label": N_("Area (m²)")})
    amount: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Amount")})
