"""The lines of a quote or a contract: what the line editor offers (the
products the reader may see, a product's price for the document), the
live totals it shows, and writing a document's lines with their amounts.

A line's price comes from the catalog (plugins.catalog.services.pricing):
the price list that applies to the document's currency, date and the
customer's level, or the product's list price converted. Amounts are
computed by plugins.sales.services.totals, the one place they are summed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError, get_for, scope
from plugins.catalog.models import Currency, PriceList, Product
from plugins.catalog.services.money import places_of
from plugins.catalog.services.pricing import price_for
from plugins.crm.models import Customer
from plugins.sales.services import totals

#: products the editor's search offers at once
PRODUCT_CHOICES = 30

__all__ = ["currencies", "line_defaults", "preview", "price_lists", "product_options", "readable_products",
           "write_lines"]


def product_options(db: Session, actor: Actor, text: str = "", *, limit: int = PRODUCT_CHOICES,
                    ids: Sequence[int] = ()) -> list[tuple[int, str]]:
    """Products on sale the reader may read whose code or name holds
    ``text`` (or those of ``ids``), as ``(id, "code name")``."""
    if not actor.can("catalog.product.read"):
        return []
    stmt = select(Product.id, Product.code, Product.name).where(scope(actor, Product, "read"),
                                                                Product.active.is_(True))
    if ids:
        stmt = stmt.where(Product.id.in_(set(ids)))
    text = text.strip()[:60]
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Product.name.ilike(like, escape="\\") | Product.code.ilike(like, escape="\\"))
    rows = db.execute(stmt.order_by(Product.code, Product.id).limit(limit))
    return [(i, f"{code} {name}".strip()) for i, code, name in rows]


def readable_products(db: Session, actor: Actor, ids: set[int]) -> set[int]:
    """Those of ``ids`` the reader may read (the check on saved lines)."""
    if not ids:
        return set()
    if not actor.can("catalog.product.read"):
        return set()
    return set(db.scalars(select(Product.id).where(Product.id.in_(ids), scope(actor, Product, "read"))))


def currencies(db: Session) -> list[tuple[str, str]]:
    """The catalog's currencies, base first (CNY when the catalog has none)."""
    rows = db.execute(select(Currency.code, Currency.name)
                      .order_by(Currency.is_base.desc(), Currency.code)).all()
    return [(code, f"{code} {name}") for code, name in rows] or [("CNY", "CNY 人民币")]


def price_lists(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """Active price lists of the reader's organisation they may read."""
    if not actor.can("catalog.price_list.read"):
        return []
    return [(i, n) for i, n in db.execute(select(PriceList.id, PriceList.name).where(
        scope(actor, PriceList, "read"), PriceList.active.is_(True)).order_by(PriceList.name))]


def customer_level(db: Session, actor: Actor, customer_id: Any) -> str:
    """The level (crm Customer.level) of a customer the reader may read, else ''."""
    try:
        return get_for(db, actor, Customer, int(customer_id), "read").level if customer_id else ""
    except (NotFound, TypeError, ValueError):
        return ""


def line_defaults(db: Session, actor: Actor, product_id: int, *, currency: str, on: date,
                  customer_id: Any = None, price_list_id: int | None = None,
                  quantity: Decimal = Decimal(1)) -> dict[str, Any]:
    """What a line copies from a product the reader may read (404 otherwise):
    description, unit, list price, tax rate and the unit price the catalog
    gives for the document's currency, date, customer level and price list.
    Only the price lists of the reader's organisation (where the document is
    made) count: everyone reads the whole catalog, not every price list."""
    product = get_for(db, actor, Product, product_id, "read")
    price = price_for(db, product.id, currency=currency, on=on, quantity=quantity,
                      customer_level=customer_level(db, actor, customer_id), price_list_id=price_list_id,
                      org_id=actor.org_id)
    return {"product_id": product.id, "description": price.description, "unit": price.unit,
            "list_price": price.list_price, "unit_price": price.unit_price, "tax_rate": price.tax_rate,
            "discount": Decimal(0), "quantity": quantity}


def preview(db: Session, rows: Sequence[Mapping[str, Any]], *, currency: str,
            tax_included: bool) -> tuple[list[dict[str, Any]], totals.Totals | None, dict[str, str]]:
    """The editor's live figures: each row with its amounts (rows with an
    error keep theirs empty), the document's totals (None while a row is
    wrong) and the errors keyed ``line_<n>_<field>``. Nothing is written."""
    places = places_of(db, currency)
    errors: dict[str, str] = {}
    shown: list[dict[str, Any]] = []
    good: list[tuple[totals.LineAmounts, Decimal]] = []
    for n, row in enumerate(rows, start=1):
        out = dict(row)
        try:
            clean = totals.clean_lines([row], places=places)
        except ValidationError as exc:
            for key, message in exc.errors.items():
                if key != "lines":
                    errors[key.replace("line_1_", f"line_{n}_", 1)] = message
            shown.append(out)
            continue
        line = clean[0]
        amounts = totals.line_amounts(line["quantity"], line["unit_price"], line["discount"], line["tax_rate"],
                                      places=places, tax_included=tax_included)
        out.update(amount=amounts.amount, tax=amounts.tax, total=amounts.total)
        good.append((amounts, line["discount"]))
        shown.append(out)
    return shown, (totals.sum_up(good) if not errors else None), errors


def clean(db: Session, actor: Actor, rows: Sequence[Mapping[str, Any]], currency: str) -> list[dict[str, Any]]:
    """``rows`` checked (totals.clean_lines), and their products ones the
    reader may read: ValidationError names each bad ``line_<n>_<field>``."""
    lines = totals.clean_lines(rows, places=places_of(db, currency))
    wanted = {line["product_id"] for line in lines if line["product_id"] is not None}
    readable = readable_products(db, actor, wanted)
    errors = {}
    for n, line in enumerate(lines, start=1):
        if line["product_id"] is not None and line["product_id"] not in readable:
            errors[f"line_{n}_product_id"] = N_("Choose a product from the list.")
    if errors:
        raise ValidationError(errors)
    return lines


def clean_given(db: Session, actor: Actor, values: Mapping[str, Any], currency: str,
                errors: dict[str, str]) -> list[dict[str, Any]]:
    """``values["lines"]`` checked as ``clean`` does, their errors added to
    ``errors``; no lines when ``values`` has no ``lines`` (the API makes a
    draft's header first, its lines come from the page)."""
    if "lines" not in values:
        return []
    try:
        return clean(db, actor, values["lines"] or (), currency)
    except ValidationError as exc:
        errors.update(exc.errors)
        return []


def write_lines(db: Session, document: Any, line_model: Any, foreign_key: str,
                lines: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Replace the document's lines with ``lines`` (clean ones) and set the
    amounts of both (totals.apply)."""
    column = getattr(line_model, foreign_key)
    db.execute(delete(line_model).where(column == document.id))
    made = [line_model(**{foreign_key: document.id}, **dict(line)) for line in lines]
    db.add_all(made)
    totals.apply(document, made, places=places_of(db, document.currency_code))
    db.flush()
    return made


def lines_of(db: Session, line_model: Any, foreign_key: str, document_id: int) -> list[Any]:
    column = getattr(line_model, foreign_key)
    return list(db.scalars(select(line_model).where(column == document_id)
                           .order_by(line_model.sequence, line_model.id)))


def copy_rows(lines: Sequence[Any]) -> list[dict[str, Any]]:
    """Lines as clean rows, for a copy (revision, amendment, quote → contract)."""
    return [{"product_id": line.product_id, "description": line.description, "unit": line.unit,
             "quantity": line.quantity, "unit_price": line.unit_price, "list_price": line.list_price,
             "discount": line.discount, "tax_rate": line.tax_rate, "sequence": line.sequence} for line in lines]
