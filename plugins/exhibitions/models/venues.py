"""Venues (场馆), their bookable spaces (halls, meeting rooms, outdoor
areas) and the zones of a hall, and bookings of a space for a period (a
hold that lapses, or a confirmed booking): two bookings of one space never
share a day unless one of them is released."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    OrgScopedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import BOOKING_PURPOSES, BOOKING_STATES, SPACE_KINDS

#: square metres, to the hundredth
Area = Numeric(12, 2)
#: metres of a plan (a booth's position and size), to the centimetre
Metres = Numeric(9, 2)


class Venue(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """An exhibition centre (展览中心) with its halls and other spaces."""

    __tablename__ = "exhibitions_venue"
    __label__ = N_("Venue")

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    city: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("City")})
    address: Mapped[str] = mapped_column(String(300), default="", info={"label": N_("Address")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class Space(IdMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A bookable space of a venue: an exhibition hall (展厅), a meeting room
    or an outdoor area; of its venue's organisation."""

    __tablename__ = "exhibitions_space"
    __label__ = N_("Hall or space")
    __table_args__ = (Index("ix_exhibitions_space_venue_code", "venue_id", "code", unique=True),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True,
                                        info={"label": N_("Organisation")})

    venue_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_venue.id", ondelete="CASCADE"),
                                          index=True, info={"label": N_("Venue")})
    kind: Mapped[str] = mapped_column(String(20), default="hall",
                                      info={"label": N_("Kind"), "choices": SPACE_KINDS})
    code: Mapped[str] = mapped_column(String(20), info={"label": N_("Code")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("English name")})
    area: Mapped[Decimal] = mapped_column(Area, default=Decimal("0"), info={"label": N_("Area (m²)")})
    capacity: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Capacity (people)")})
    ceiling_height: Mapped[Decimal | None] = mapped_column(Numeric(6, 2),
                                                           info={"label": N_("Ceiling height (m)")})
    #: what the floor bears, in kilonewtons per square metre
    floor_load: Mapped[Decimal | None] = mapped_column(Numeric(8, 2), info={"label": N_("Floor load (kN/m²)")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class Zone(IdMixin, TimestampMixin, AuditedMixin, Base):
    """A zone of a hall (the A area by the entrance, the international
    pavilion's corner): booths lie in one, and pricing rules may give it a
    location premium."""

    __tablename__ = "exhibitions_zone"
    __label__ = N_("Zone")
    __table_args__ = (Index("ix_exhibitions_zone_space_code", "space_id", "code", unique=True),)

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), index=True,
                                        info={"label": N_("Organisation")})

    space_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_space.id", ondelete="CASCADE"),
                                          index=True, info={"label": N_("Hall or space")})
    code: Mapped[str] = mapped_column(String(20), info={"label": N_("Code")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("English name")})


class SpaceBooking(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A space booked from ``starts_on`` to ``ends_on`` (both included), for
    an edition or another use. A hold lapses after ``hold_until`` (a job
    releases it); confirmed and held bookings of one space never overlap."""

    __tablename__ = "exhibitions_space_booking"
    __label__ = N_("Space booking")
    __table_args__ = (Index("ix_exhibitions_space_booking_days", "space_id", "starts_on", "ends_on"),)

    space_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_space.id", ondelete="CASCADE"),
                                          info={"label": N_("Hall or space")})
    edition_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"), index=True,
        info={"label": N_("Edition")})
    purpose: Mapped[str] = mapped_column(String(20), default="show",
                                         info={"label": N_("Booked for"), "choices": BOOKING_PURPOSES})
    title: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Title")})
    starts_on: Mapped[date] = mapped_column(Date, info={"label": N_("First day")})
    ends_on: Mapped[date] = mapped_column(Date, info={"label": N_("Last day")})
    state: Mapped[str] = mapped_column(String(20), default="hold", index=True,
                                       info={"label": N_("State"), "choices": BOOKING_STATES})
    hold_until: Mapped[date | None] = mapped_column(Date, info={"label": N_("Held until")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})
