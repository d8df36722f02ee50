"""Show series (展会) and their editions (届次): the dates of each phase,
the hours, the organisers, and the targets in m² and revenue the sales
figures are read against."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, true
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
from plugins.crm.models.choices import INDUSTRIES
from plugins.exhibitions.models.choices import EDITION_STATES
from plugins.exhibitions.models.venues import Area


class ShowSeries(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, AuditedMixin, Base):
    """A show held again and again (中国国际农业博览会), each time an edition."""

    __tablename__ = "exhibitions_series"
    __label__ = N_("Show series")

    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    short_name: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Short name")})
    industry: Mapped[str] = mapped_column(String(40), default="",
                                          info={"label": N_("Industry"), "choices": INDUSTRIES})
    organiser: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Organiser")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})


class Edition(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
              AuditedMixin, Base):
    """One edition (第 N 届) of a series: where, when each phase runs (move-in,
    open days, move-out), the hours, who organises it, and what it aims to
    sell. ``previous_id`` is the edition before it (the sales curve is read
    against it; rebooking offers come from it)."""

    __tablename__ = "exhibitions_edition"
    __label__ = N_("Edition")
    __table_args__ = (Index("ix_exhibitions_edition_series_number", "series_id", "number", unique=True),)

    series_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_series.id"), index=True,
                                           info={"label": N_("Show series")})
    number: Mapped[int] = mapped_column(Integer, info={"label": N_("Edition number")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    theme: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Theme")})
    industry: Mapped[str] = mapped_column(String(40), default="",
                                          info={"label": N_("Industry"), "choices": INDUSTRIES})
    venue_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_venue.id"), index=True,
                                                 info={"label": N_("Venue")})
    previous_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"),
                                                    info={"label": N_("Previous edition")})
    move_in_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Move-in from")})
    opens_on: Mapped[date | None] = mapped_column(Date, index=True, info={"label": N_("Opens on")})
    closes_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Closes on")})
    move_out_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Move-out until")})
    hours: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Opening hours")})
    reentry: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(),
                                          info={"label": N_("Visitors may come back in the same day")})
    organiser: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Organiser")})
    co_organisers: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Co-organisers")})
    target_area: Mapped[Decimal] = mapped_column(Area, default=Decimal("0"),
                                                 info={"label": N_("Target area (m²)")})
    target_revenue: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Target revenue")})
    currency_code: Mapped[str] = mapped_column(String(3), default="CNY", info={"label": N_("Currency")})
    #: days a hold on a booth lasts unless the seller says otherwise
    hold_days: Mapped[int] = mapped_column(Integer, default=7, info={"label": N_("Hold days")})
    #: days after signing by which the deposit is due
    deposit_days: Mapped[int] = mapped_column(Integer, default=15, info={"label": N_("Deposit due (days)")})
    #: the deposit, in per cent of the contract
    deposit_percent: Mapped[Decimal] = mapped_column(Area, default=Decimal("30"),
                                                     info={"label": N_("Deposit (%)")})
    #: the balance is due this many days before the show opens
    balance_days: Mapped[int] = mapped_column(Integer, default=30,
                                              info={"label": N_("Balance due (days before)")})
    #: what cancelling or reducing a booth contract costs, by date: ``[{"until": "2027-08-20",
    #: "percent": "30"}, ...]`` in date order; after the last date, the whole contract
    penalties: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list,
                                                            info={"label": N_("Cancellation penalties")})
    state: Mapped[str] = mapped_column(String(20), default="planning", index=True,
                                       info={"label": N_("State"), "choices": EDITION_STATES})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Description")})
