"""What quote lines and contract lines share: product, quantity, price,
discount, tax, and the amounts computed from them
(plugins.sales.services.totals, in Decimal, rounded to the currency)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from core import N_, BigId, Money

#: quantities: up to 3 decimals (a unit may allow fewer: catalog Unit.places)
Quantity = Numeric(18, 3)
#: percentages: discount and tax rate, 0.00-100.00
Percent = Numeric(5, 2)


class LineMixin:
    """Columns of a document line. ``amount`` is the net amount (without
    tax) after the discount, ``tax`` its tax and ``total`` both: with
    tax-included prices (the Chinese 含税价, the default) the total is
    computed first and the tax taken out of it."""

    sequence: Mapped[int] = mapped_column(Integer, default=10, info={"label": N_("Order")})
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("catalog_product.id"), index=True,
                                                   info={"label": N_("Product")})
    description: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Description")})
    unit: Mapped[str] = mapped_column(String(50), default="", info={"label": N_("Unit")})
    quantity: Mapped[Decimal] = mapped_column(Quantity, info={"label": N_("Quantity")})
    unit_price: Mapped[Money] = mapped_column(info={"label": N_("Unit price")})
    list_price: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("List price")})
    discount: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"),
                                              info={"label": N_("Discount (%)")})
    tax_rate: Mapped[Decimal] = mapped_column(Percent, default=Decimal("13"),
                                              info={"label": N_("Tax rate (%)")})
    amount: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Amount excl. tax")})
    tax: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Tax")})
    total: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Total")})


class TotalsMixin:
    """Totals of a document, kept by plugins.sales.services.totals from its lines."""

    currency_code: Mapped[str] = mapped_column(String(3), default="CNY", info={"label": N_("Currency")})
    tax_included: Mapped[bool] = mapped_column(default=True, info={"label": N_("Prices include tax")})
    subtotal: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Amount excl. tax")})
    discount_total: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Discount")})
    tax_total: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Tax")})
    total: Mapped[Money] = mapped_column(default=Decimal("0"), info={"label": N_("Total")})
    #: the largest line discount, in percent: what the default approval chain tests
    max_discount: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"),
                                                  info={"label": N_("Largest discount (%)")})
