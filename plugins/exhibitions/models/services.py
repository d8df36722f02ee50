"""Services sold to exhibitors (part 2 of the plugin): the catalogue of an
edition (catalog products with advance, standard and on-site prices),
service orders and their lines, and the bookings of limited services (an
advertising slot, a meeting room) that keep one from being sold twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
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
    VersionedMixin,
)
from plugins.exhibitions.models.choices import (
    ORDER_CHANNELS,
    PRICE_TIERS,
    SERVICE_CATEGORIES,
    SERVICE_ORDER_STATES,
)

#: quantities: up to 9,999,999.99 units (m², amperes, days, pieces)
Quantity = Numeric(9, 2)


class ExhibitorService(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """A service an edition sells to its exhibitors: a catalog product (its
    unit and tax rate; its names unless the edition names it otherwise) at
    three prices by the day it is ordered: ``advance_price`` until ``advance_until``, ``standard_price`` until
    ``standard_until``, ``onsite_price`` after. ``per_area``: the quantity
    is the exhibitor's m² of booths in the edition (the special-decoration
    management fee). ``capacity``: a limited service (a meeting room, an
    advertising slot) has this many units a day; empty is unlimited."""

    __tablename__ = "exhibitions_service"
    __label__ = N_("Exhibitor service")
    __table_args__ = (UniqueConstraint("edition_id", "product_id", name="uq_exhibitions_service_product"),)

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Edition")})
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_product.id"), index=True,
                                            info={"label": N_("Product")})
    name: Mapped[str] = mapped_column(String(200), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name")})
    category: Mapped[str] = mapped_column(String(30), info={"label": N_("Category"),
                                                            "choices": SERVICE_CATEGORIES})
    advance_price: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Advance price")})
    advance_until: Mapped[date | None] = mapped_column(Date, info={"label": N_("Advance price until")})
    standard_price: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Standard price")})
    standard_until: Mapped[date | None] = mapped_column(Date, info={"label": N_("Standard price until")})
    onsite_price: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("On-site price")})
    per_area: Mapped[bool] = mapped_column(Boolean, default=False,
                                           info={"label": N_("Charged per m² of booth")})
    capacity: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Units a day (limited)")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("On sale")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class ServiceOrder(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """An exhibitor's order of services in an edition (展商服务订单), by staff
    or by the exhibitor. Confirming it books its limited services and makes
    the sales order (``contract_id``, a sales contract of kind ``order``)
    that carries its lines and receivables."""

    __tablename__ = "exhibitions_service_order"
    __label__ = N_("Service order")

    edition_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_edition.id"), index=True,
                                            info={"label": N_("Edition")})
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_customer.id"), index=True,
                                             info={"label": N_("Exhibitor")})
    number: Mapped[str] = mapped_column(String(40), default="", index=True, info={"label": N_("Order number")})
    state: Mapped[str] = mapped_column(String(20), default="draft",
                                       info={"label": N_("State"), "choices": SERVICE_ORDER_STATES})
    ordered_on: Mapped[date] = mapped_column(Date, info={"label": N_("Ordered on")})
    channel: Mapped[str] = mapped_column(String(20), default="staff",
                                         info={"label": N_("Entered by"), "choices": ORDER_CHANNELS})
    contract_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sales_contract.id"), index=True,
                                                    info={"label": N_("Sales order")})
    total: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Total")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})


class ServiceOrderLine(IdMixin, Base):
    """A service on an order: the quantity, the days it is used (a limited
    service is booked for each of them), and the price of the tier of the
    order's date."""

    __tablename__ = "exhibitions_service_order_line"
    __label__ = N_("Service order line")

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_service_order.id", ondelete="CASCADE"),
                                          index=True, info={"label": N_("Service order")})
    service_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_service.id"), index=True,
                                            info={"label": N_("Service")})
    quantity: Mapped[Decimal] = mapped_column(Quantity, info={"label": N_("Quantity")})
    starts_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("First day")})
    ends_on: Mapped[date | None] = mapped_column(Date, info={"label": N_("Last day")})
    tier: Mapped[str] = mapped_column(String(10), info={"label": N_("Price tier"), "choices": PRICE_TIERS})
    unit_price: Mapped[Money] = mapped_column(info={"label": N_("Unit price")})
    amount: Mapped[Money] = mapped_column(info={"label": N_("Amount")})
    note: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Remarks")})
    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})


class ServiceBooking(IdMixin, Base):
    """One unit of a limited service on one day, taken by an order line.
    The unique (service, day, unit) is what keeps a meeting room or an
    advertising slot from being sold twice, whatever races to take it."""

    __tablename__ = "exhibitions_service_booking"
    __label__ = N_("Booking of a limited service")
    __table_args__ = (UniqueConstraint("service_id", "day", "unit", name="uq_exhibitions_service_booking"),)

    service_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_service.id", ondelete="CASCADE"),
                                            info={"label": N_("Service")})
    day: Mapped[date] = mapped_column(Date, info={"label": N_("Day")})
    unit: Mapped[int] = mapped_column(Integer, info={"label": N_("Unit")})
    line_id: Mapped[int] = mapped_column(BigId, ForeignKey("exhibitions_service_order_line.id",
                                                           ondelete="CASCADE"), index=True,
                                         info={"label": N_("Service order line")})
