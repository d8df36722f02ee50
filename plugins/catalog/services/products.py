"""Products and services of an organisation: SKUs unique in it, prices
with no more decimals than their currency has, tax rates 0-100 %."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, NotFound, ValidationError, get_for
from plugins.catalog.models import Category, Currency, Product, Unit
from plugins.catalog.services.money import places_of


def create_product(db: Session, actor: Actor, values: dict[str, Any]) -> Product:
    """A product of ``actor``'s organisation (org never from the form)."""
    values = _checked(db, actor, None, {"currency_code": "CNY", **values})
    product = Product(org_id=actor.org_id, **values)
    db.add(product)
    return product


def update_product(db: Session, actor: Actor, product: Product, values: Mapping[str, Any]) -> None:
    merged = {"currency_code": product.currency_code, "list_price": product.list_price, **values}
    checked = _checked(db, actor, product, merged)
    for key in values:
        setattr(product, key, checked[key])


def _checked(db: Session, actor: Actor, product: Product | None, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` cleaned, or one ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    org_id = product.org_id if product is not None else actor.org_id
    out = dict(values)
    if "code" in out:
        out["code"] = code = str(out["code"] or "").strip()
        if not code:
            errors["code"] = N_("Give the product a SKU.")
        elif _sku_taken(db, org_id, product.id if product is not None else None, code):
            errors["code"] = N_("Another product of your organisation has this SKU.")
    if "name" in out and not str(out["name"] or "").strip():
        errors["name"] = N_("Give the product a name.")
    currency = str(out.get("currency_code") or "").strip().upper()
    out["currency_code"] = currency
    if not db.scalar(select(Currency.id).where(Currency.code == currency, Currency.active.is_(True))):
        errors["currency_code"] = N_("Choose a currency the catalog keeps.")
    for name in ("list_price", "cost_price"):
        price = out.get(name)
        if name == "list_price" and price is None and name in out:
            out[name] = price = Decimal(0)
        if isinstance(price, Decimal):
            if price < 0:
                errors[name] = N_("A price cannot be negative.")
            elif not has_places(price, places_of(db, currency)):
                errors[name] = N_("The price has more decimals than its currency allows.")
    if "tax_rate" in out:
        rate = out["tax_rate"]
        if rate is None:
            out["tax_rate"] = rate = Decimal(0)
        if not Decimal(0) <= rate <= Decimal(100) or not has_places(rate, 2):
            errors["tax_rate"] = N_("A tax rate is a percentage from 0 to 100.")
    if out.get("category_id"):
        try:
            category: Category | None = get_for(db, actor, Category, out["category_id"])
        except (NotFound, Forbidden):
            category = None
        if category is None or category.org_id != org_id:
            errors["category_id"] = N_("Choose a category of your organisation.")
    if out.get("unit_id") and not db.get(Unit, out["unit_id"]):
        errors["unit_id"] = N_("Choose one of the units.")
    if errors:
        raise ValidationError(errors)
    return out


def has_places(value: Decimal, places: int) -> bool:
    """Does ``value`` have at most ``places`` decimals (trailing zeros do not count)?"""
    exponent = value.normalize().as_tuple().exponent
    return not isinstance(exponent, int) or -exponent <= places


def _sku_taken(db: Session, org_id: int, product_id: int | None, code: str) -> bool:
    stmt = select(func.count(Product.id)).where(Product.org_id == org_id, Product.code == code,
                                                Product.deleted_at.is_(None))
    if product_id is not None:
        stmt = stmt.where(Product.id != product_id)
    return bool(db.scalar(stmt))


def currency_choices(db: Session) -> list[tuple[str, str]]:
    """(code, "CNY 人民币") of the active currencies, the base first."""
    rows = db.execute(select(Currency.code, Currency.name).where(Currency.active.is_(True))
                      .order_by(Currency.is_base.desc(), Currency.code))
    return [(code, f"{code} {name}") for code, name in rows]


def unit_choices(db: Session) -> list[tuple[str, str]]:
    rows = db.execute(select(Unit.id, Unit.name, Unit.code).where(Unit.active.is_(True)).order_by(Unit.code))
    return [(str(i), name) for i, name, _code in rows]
