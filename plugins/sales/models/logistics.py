"""Delivery notes (发货单) and returns (退货单) against a contract's lines.
Partial deliveries add up on ``ContractLine.delivered``; returns on
``ContractLine.returned``; a return's refund is a receipt of kind ``refund``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text
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
from plugins.sales.models.choices import DELIVERY_STATES, RETURN_REASONS, RETURN_STATES
from plugins.sales.models.lines import Quantity


class Delivery(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
               AuditedMixin, Base):
    """A delivery note; number from the sequence ``sales.delivery``."""

    __tablename__ = "sales_delivery"
    __label__ = N_("Delivery note")

    number: Mapped[str] = mapped_column(String(40), index=True, info={"label": N_("Delivery number")})
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_contract.id"), index=True,
                                             info={"label": N_("Contract")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    ship_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Ship date")})
    address: Mapped[str] = mapped_column(String(300), default="", info={"label": N_("Delivery address")})
    receiver: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Receiver")})
    receiver_phone: Mapped[str] = mapped_column(String(50), default="", info={"label": N_("Receiver's phone")})
    carrier: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Carrier")})
    tracking_no: Mapped[str] = mapped_column(String(100), default="", info={"label": N_("Tracking number")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})
    state: Mapped[str] = mapped_column(String(20), default="draft",
                                       info={"label": N_("State"), "choices": DELIVERY_STATES})


class DeliveryLine(IdMixin, Base):
    __tablename__ = "sales_delivery_line"
    __label__ = N_("Delivery line")

    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_delivery.id", ondelete="CASCADE"),
                                             index=True, info={"label": N_("Delivery note")})
    contract_line_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_contract_line.id"), index=True,
                                                  info={"label": N_("Contract line")})
    quantity: Mapped[Decimal] = mapped_column(Quantity, info={"label": N_("Quantity")})


class SalesReturn(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, SoftDeleteMixin, ExtraMixin,
                  AuditedMixin, Base):
    """Goods sent back against a contract (and optionally one delivery);
    number from the sequence ``sales.return``. ``refund_amount`` is paid
    back as a refund receipt when the return is refunded."""

    __tablename__ = "sales_return"
    __label__ = N_("Return")

    number: Mapped[str] = mapped_column(String(40), index=True, info={"label": N_("Return number")})
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_contract.id"), index=True,
                                             info={"label": N_("Contract")})
    delivery_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_delivery.id"),
                                                    info={"label": N_("Delivery note")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Customer")})
    reason: Mapped[str] = mapped_column(String(20), default="quality",
                                        info={"label": N_("Reason"), "choices": RETURN_REASONS})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Details")})
    returned_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Return date")})
    refund_amount: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Refund amount")})
    state: Mapped[str] = mapped_column(String(20), default="draft",
                                       info={"label": N_("State"), "choices": RETURN_STATES})


class ReturnLine(IdMixin, Base):
    __tablename__ = "sales_return_line"
    __label__ = N_("Return line")

    return_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_return.id", ondelete="CASCADE"),
                                           index=True, info={"label": N_("Return")})
    contract_line_id: Mapped[int] = mapped_column(BigId, ForeignKey("sales_contract_line.id"), index=True,
                                                  info={"label": N_("Contract line")})
    quantity: Mapped[Decimal] = mapped_column(Quantity, info={"label": N_("Quantity")})
    amount: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Amount")})
