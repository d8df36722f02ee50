"""Advance-warehouse receipts (展品仓储): an exhibitor's pieces received
into the warehouse before the show, delivered to the booth, returned or
collected after; the storage fee is charged as a service order."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
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
from plugins.exhibitions.models.choices import STORAGE_STATES

#: m³ and kg, to three and two places
Volume = Numeric(10, 3)
Weight = Numeric(10, 2)


class StorageReceipt(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An exhibitor's goods received into the advance warehouse (入库单)."""

    __tablename__ = "exhibitions_storage_receipt"
    __label__ = N_("Storage receipt")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    number: Mapped[str] = mapped_column(String(40), default="", index=True,
                                        info={"label": N_("Storage receipt number")})
    state: Mapped[str] = mapped_column(String(20), default="received", index=True,
                                       info={"label": N_("State"), "choices": STORAGE_STATES})
    received_on: Mapped[date] = mapped_column(Date, info={"label": N_("Received on")})
    location: Mapped[str] = mapped_column(String(60), default="", info={"label": N_("Storage location")})
    booth_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_booth.id"),
                                                 info={"label": N_("Booth")})
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Delivered at")})
    returned_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Returned on")})
    fee_order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exhibitions_service_order.id"),
                                                     info={"label": N_("Storage fee order")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class StorageLine(IdMixin, Base):
    """Pieces of one kind on a receipt: how many packages, their volume and weight."""

    __tablename__ = "exhibitions_storage_line"
    __label__ = N_("Storage receipt line")

    receipt_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_storage_receipt.id",
                                                              ondelete="CASCADE"), index=True,
                                            info={"label": N_("Storage receipt")})
    description: Mapped[str] = mapped_column(String(200), info={"label": N_("Description")})
    packages: Mapped[int] = mapped_column(Integer, info={"label": N_("Packages")})
    volume: Mapped[Decimal] = mapped_column(Volume, info={"label": N_("Volume (m³)")})
    weight: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"), info={"label": N_("Weight (kg)")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
