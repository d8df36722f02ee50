"""Price lists of an organisation and their items (a product's price from a
quantity up); which list a price comes from is in ``pricing``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, get_for, scope
from plugins.catalog.models import Currency, PriceList, PriceListItem, Product
from plugins.catalog.services.money import places_of
from plugins.catalog.services.products import has_places


def create_price_list(db: Session, actor: Actor, values: dict[str, Any]) -> PriceList:
    values = _checked(db, {"currency_code": "CNY", **values})
    price_list = PriceList(org_id=actor.org_id, **values)
    db.add(price_list)
    return price_list


def update_price_list(db: Session, actor: Actor, price_list: PriceList, values: Mapping[str, Any]) -> None:
    merged = {"valid_from": price_list.valid_from, "valid_to": price_list.valid_to,
              "currency_code": price_list.currency_code, **values}
    checked = _checked(db, merged)
    if checked["currency_code"] != price_list.currency_code:
        places = places_of(db, checked["currency_code"])
        prices = db.scalars(select(PriceListItem.price).where(PriceListItem.price_list_id == price_list.id))
        if any(not has_places(p, places) for p in prices):
            raise ValidationError({"currency_code": N_(
                "Some prices of this list have more decimals than that currency allows.")})
    for key in values:
        setattr(price_list, key, checked[key])


def _checked(db: Session, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out = dict(values)
    if "name" in out and not str(out["name"] or "").strip():
        errors["name"] = N_("Give the price list a name.")
    out["currency_code"] = currency = str(out.get("currency_code") or "").strip().upper()
    if not db.scalar(select(Currency.id).where(Currency.code == currency)):
        errors["currency_code"] = N_("Choose a currency the catalog keeps.")
    if out.get("customer_level") is None and "customer_level" in out:
        out["customer_level"] = ""
    if "customer_level" in out:
        out["customer_level"] = level = str(out["customer_level"]).strip()
        levels = customer_levels(db)
        if level and levels is not None and level not in levels:
            errors["customer_level"] = N_("Choose one of the CRM's customer levels.")
    start, end = out.get("valid_from"), out.get("valid_to")
    if start is not None and end is not None and end < start:
        errors["valid_to"] = N_("The list cannot end before it starts.")
    if "priority" in out and out["priority"] is None:
        out["priority"] = 10
    if errors:
        raise ValidationError(errors)
    return out


def items_of(db: Session, price_list_id: int) -> list[tuple[PriceListItem, Product]]:
    """The list's items with their products, by product SKU and quantity."""
    return [(item, product) for item, product in db.execute(
        select(PriceListItem, Product).join(Product, Product.id == PriceListItem.product_id)
        .where(PriceListItem.price_list_id == price_list_id)
        .order_by(Product.code, PriceListItem.min_quantity))]


def set_items(db: Session, actor: Actor, price_list_id: int, rows: Sequence[Mapping[str, Any]]) -> int:
    """Replace the list's items by ``rows`` (``product_id``, ``min_quantity``,
    ``price`` as sent); rows without a product are skipped. Errors are keyed
    ``item_<n>_<field>`` (n from 1, in the order sent); nothing is written when
    any row is wrong. Returns how many items the list holds."""
    price_list = get_for(db, actor, PriceList, price_list_id, "update")
    places = places_of(db, price_list.currency_code)
    errors: dict[str, str] = {}
    clean: list[tuple[int, Decimal, Decimal]] = []
    seen: dict[tuple[int, Decimal], int] = {}
    readable = _readable_products(db, actor, [r.get("product_id") for r in rows])
    for n, row in enumerate(rows, start=1):
        raw_product = str(row.get("product_id") or "").strip()
        if not raw_product:
            continue
        key = f"item_{n}_"
        product_id = int(raw_product) if raw_product.isdigit() and int(raw_product) in readable else None
        if product_id is None:
            errors[key + "product_id"] = N_("Choose a product of the catalog.")
        quantity = _number(row.get("min_quantity") or "1")
        if quantity is None or quantity <= 0 or not has_places(quantity, 3) or quantity >= 10 ** 15:
            errors[key + "min_quantity"] = N_("A quantity is a number above 0 with at most 3 decimals.")
        price = _number(row.get("price"))
        if price is None or price < 0 or price >= 10 ** 16:
            errors[key + "price"] = N_("Give a price of 0 or more.")
        elif not has_places(price, places):
            errors[key + "price"] = N_("The price has more decimals than its currency allows.")
        if product_id is None or quantity is None or price is None or (key + "min_quantity") in errors:
            continue
        if (product_id, quantity) in seen:
            errors[key + "product_id"] = N_("This product already has a price from this quantity in the list.")
            continue
        seen[(product_id, quantity)] = n
        clean.append((product_id, quantity, price))
    if errors:
        raise ValidationError(errors)
    db.execute(delete(PriceListItem).where(PriceListItem.price_list_id == price_list.id))
    db.add_all([PriceListItem(price_list_id=price_list.id, product_id=p, min_quantity=q, price=v)
                for p, q, v in clean])
    db.flush()
    return len(clean)


def _readable_products(db: Session, actor: Actor, raw: Sequence[object]) -> set[int]:
    ids = {int(str(r).strip()) for r in raw if str(r or "").strip().isdigit()}
    if not ids:
        return set()
    return set(db.scalars(select(Product.id).where(Product.id.in_(ids), Product.deleted_at.is_(None),
                                                   scope(actor, Product, "read"))))


def _number(raw: object) -> Decimal | None:
    try:
        value = Decimal(str(raw if raw is not None else "").replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def customer_levels(db: Session) -> dict[str, str] | None:
    """The CRM's customer levels (value -> label) when the CRM is on, else
    None (a price list's level is then free text)."""
    plugins = db.info.get("plugins")
    if plugins is None or "crm" not in getattr(plugins, "manifests", {}):
        return None
    from plugins.crm.models.choices import LEVELS

    return dict(LEVELS)
