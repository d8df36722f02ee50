"""What a product costs a customer: the applicable price list's price, or
the product's list price converted to the document's currency. The one
place sales documents (and exhibitions, purchasing...) take prices from.

A price list applies when it is active, in the wanted currency, valid on the
date (either end open), for the customer's level or for every level, and
holds the product from a quantity at or below the wanted one. Among those
the highest ``priority`` wins, then a level-specific list over a general one,
then the largest quantity break, then the lowest price. A list chosen by
hand (``price_list_id``) is the only one looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import NotFound, ValidationError
from plugins.catalog.models import PriceList, PriceListItem, Product, Unit
from plugins.catalog.services.money import convert


@dataclass(frozen=True)
class Price:
    """A product's price for a document line: ``unit_price`` in ``currency``,
    from ``price_list_id`` (None: the product's list price, converted when
    ``converted``), with what the line copies from the product."""

    product_id: int
    unit_price: Decimal
    list_price: Decimal
    currency: str
    price_list_id: int | None
    converted: bool
    tax_rate: Decimal
    unit: str
    description: str


def price_for(db: Session, product_id: int, *, currency: str, on: date, quantity: Decimal = Decimal(1),
              customer_level: str = "", price_list_id: int | None = None, org_id: int | None = None) -> Price:
    """The price of one unit of ``product_id`` (NotFound when there is no
    such product on sale). The caller checks that the reader may see it.
    ``org_id`` limits the lists looked at to that organisation's (a
    document's): everyone reads the whole catalog, so another organisation's
    list may hold the product too."""
    product = db.scalar(select(Product).where(Product.id == product_id, Product.deleted_at.is_(None)))
    if product is None:
        raise NotFound()
    unit = db.scalar(select(Unit.name).where(Unit.id == product.unit_id)) if product.unit_id else ""
    found = db.execute(
        select(PriceListItem.price, PriceList.id).join(PriceList, PriceList.id == PriceListItem.price_list_id)
        .where(PriceListItem.product_id == product_id, PriceListItem.min_quantity <= quantity,
               PriceList.active.is_(True), PriceList.currency_code == currency,
               or_(PriceList.valid_from.is_(None), PriceList.valid_from <= on),
               or_(PriceList.valid_to.is_(None), PriceList.valid_to >= on),
               *((PriceList.id == price_list_id,) if price_list_id else
                 (PriceList.customer_level.in_(("", customer_level)),)),
               *((PriceList.org_id == org_id,) if org_id is not None else ()))
        .order_by(PriceList.priority.desc(), (PriceList.customer_level == "").asc(),
                  PriceListItem.min_quantity.desc(), PriceListItem.price.asc())
        .limit(1)).first()
    description = product.name + (f" {product.spec}" if product.spec else "")
    try:
        list_price = convert(db, product.list_price, product.currency_code, currency, on, field="product_id")
    except ValidationError:
        if found is None:
            raise
        # a list in that currency holds the price: a missing rate only leaves the
        # list price unknown, shown as the list's own price (no discount seen)
        list_price = found[0]
    if found is not None:
        return Price(product.id, found[0], list_price, currency, found[1], False, product.tax_rate, unit or "",
                     description)
    return Price(product.id, list_price, list_price, currency, None, product.currency_code != currency,
                 product.tax_rate, unit or "", description)
