"""Floor plans (展位图) and booths.

A floor plan is one hall in one edition: a background drawing (SVG or
PNG, an attachment of the plan) and the booths drawn on it. Positions and
sizes are in metres from the plan's top left corner; a booth is a
rectangle (``x``, ``y``, ``width``, ``depth``) or, when ``points`` is
given, a polygon (``[[x, y], ...]`` in metres) whose bounding box those
four columns keep.

A booth's status moves only through :mod:`plugins.exhibitions.services.booths`,
by a conditional ``UPDATE`` on its status and version: of many sellers
reserving one booth at once, exactly one wins.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core import (
    N_,
    AuditedMixin,
    Base,
    BigId,
    IdMixin,
    Money,
    OrgScopedMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
)
from plugins.exhibitions.models.choices import BOOTH_STATES, BOOTH_TYPES, CONSTRUCTIONS
from plugins.exhibitions.models.venues import Area, Metres


class FloorPlan(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """The plan of one hall in one edition."""

    __tablename__ = "exhibitions_floor_plan"
    __label__ = N_("Floor plan")
    __table_args__ = (Index("ix_exhibitions_floor_plan_edition_space", "edition_id", "space_id", unique=True),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            info={"label": N_("Edition")})
    space_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_space.id"), index=True,
                                          info={"label": N_("Hall or space")})
    title: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Title")})
    #: the drawn area, in metres
    width: Mapped[Decimal] = mapped_column(Metres, default=Decimal("100"), info={"label": N_("Width (m)")})
    depth: Mapped[Decimal] = mapped_column(Metres, default=Decimal("60"), info={"label": N_("Depth (m)")})
    #: the background drawing: an attachment id of the activity plugin, or none
    background_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Background drawing")})
    #: the snapping grid of the editor, in metres
    grid: Mapped[Decimal] = mapped_column(Metres, default=Decimal("1"), info={"label": N_("Grid (m)")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class Booth(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A booth of a floor plan: its number, shape and area, its kind, and
    where it is in selling it (status, the exhibitor, the hold, the
    contract). ``booth_type`` and ``open_sides`` are computed from the
    neighbours on the plan; ``price`` from the edition's pricing rules."""

    __tablename__ = "exhibitions_booth"
    __label__ = N_("Booth")
    __table_args__ = (Index("ix_exhibitions_booth_edition_number", "edition_id", "number", unique=True),
                      Index("ix_exhibitions_booth_plan_status", "plan_id", "status"))

    plan_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_floor_plan.id", ondelete="CASCADE"),
                                         info={"label": N_("Floor plan")})
    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"),
                                            info={"label": N_("Edition")})
    zone_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_zone.id"), index=True,
                                                info={"label": N_("Zone")})
    number: Mapped[str] = mapped_column(String(20), info={"label": N_("Booth number")})
    x: Mapped[Decimal] = mapped_column(Metres, default=Decimal("0"), info={"label": N_("X (m)")})
    y: Mapped[Decimal] = mapped_column(Metres, default=Decimal("0"), info={"label": N_("Y (m)")})
    width: Mapped[Decimal] = mapped_column(Metres, default=Decimal("3"), info={"label": N_("Width (m)")})
    depth: Mapped[Decimal] = mapped_column(Metres, default=Decimal("3"), info={"label": N_("Depth (m)")})
    #: a polygon's corners in metres, or None for the rectangle above
    points: Mapped[list[Any] | None] = mapped_column(JSON, info={"label": N_("Outline")})
    area: Mapped[Decimal] = mapped_column(Area, default=Decimal("9"), info={"label": N_("Area (m²)")})
    booth_type: Mapped[str] = mapped_column(String(20), default="inline",
                                            info={"label": N_("Booth type"), "choices": BOOTH_TYPES})
    open_sides: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Open sides")})
    construction: Mapped[str] = mapped_column(String(10), default="shell",
                                              info={"label": N_("Construction"), "choices": CONSTRUCTIONS})
    pavilion: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Pavilion")})
    status: Mapped[str] = mapped_column(String(20), default="available", index=True,
                                        info={"label": N_("Status"), "choices": BOOTH_STATES})
    #: the exhibitor (a CRM customer) holding, reserving or having bought it
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                                    info={"label": N_("Exhibitor")})
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True,
                                                        info={"label": N_("Held until")})
    contract_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_contract.id"), index=True,
                                                    info={"label": N_("Contract")})
    #: the price the rules gave last (what a quote or contract line starts from)
    price: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Price")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})
