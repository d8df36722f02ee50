"""Price lists: prices of products for a customer level, in a currency,
between two dates."""

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


class PriceList(IdMixin, OrgScopedMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """Prices in one currency, for customers of one level (a CRM customer
    level such as ``vip``; empty: every customer), valid between two dates
    (either open). Where several lists hold a price, the one with the
    highest ``priority`` wins, then a level-specific list over a general one
    (plugins.catalog.services.pricing)."""

    __tablename__ = "catalog_price_list"
    __label__ = N_("Price list")

    name: Mapped[str] = mapped_column(String(100), info={"label": N_("Name")})
    currency_code: Mapped[str] = mapped_column(String(3), default="CNY", info={"label": N_("Currency")})
    customer_level: Mapped[str] = mapped_column(String(20), default="",
                                                info={"label": N_("Customer level")})
    valid_from: Mapped[date | None] = mapped_column(Date, info={"label": N_("Valid from")})
    valid_to: Mapped[date | None] = mapped_column(Date, info={"label": N_("Valid until")})
    priority: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Priority")})
    note: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Remarks")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class PriceListItem(IdMixin, Base):
    """The price of a product in a list, from ``min_quantity`` up (quantity breaks)."""

    __tablename__ = "catalog_price_list_item"
    __label__ = N_("Price list item")
    __table_args__ = (UniqueConstraint("price_list_id", "product_id", "min_quantity"),)

    price_list_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_price_list.id", ondelete="CASCADE"),
                                               index=True, info={"label": N_("Price list")})
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_product.id", ondelete="CASCADE"),
                                            index=True, info={"label": N_("Product")})
    min_quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3), default=Decimal("1"),
                                                  info={"label": N_("From quantity")})
    price: Mapped[Money] = mapped_column(info={"label": N_("Price")})
