"""Exhibitor staff badges (参展证) of an edition (part 2 of the plugin): the
people an exhibitor sends, each with a code the gates scan; ``extra``
badges beyond the exhibitor's quota are charged through a service order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
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


class ExhibitorBadge(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """One of an exhibitor's staff badges in an edition."""

    __tablename__ = "exhibitions_exhibitor_badge"
    __label__ = N_("Staff badge")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    sequence: Mapped[int] = mapped_column(Integer, default=1, info={"label": N_("Order")})
    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    title: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Job title")})
    mobile: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Mobile"), "mask": "phone"})
    extra: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Extra (paid)")})
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_service_order.id",
                                                                    ondelete="SET NULL"),
                                                 info={"label": N_("Service order")})
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Printed at")})
    code: Mapped[str] = mapped_column(String(20), unique=True, info={"label": N_("Badge code")})
