"""The components of a bundle: products and quantities sold as one line.
A bundle cannot contain itself, nor a bundle that contains it (a cycle)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, NotFound, ValidationError, get_for
from plugins.catalog.models import BundleItem, Product


def components_of(db: Session, bundle_id: int) -> list[tuple[BundleItem, Product]]:
    """The bundle's components with their products, in order."""
    return [(item, product) for item, product in db.execute(
        select(BundleItem, Product).join(Product, Product.id == BundleItem.product_id)
        .where(BundleItem.bundle_id == bundle_id).order_by(BundleItem.sequence, BundleItem.id))]


def add_component(db: Session, actor: Actor, bundle_id: int, product_id: object,
                  quantity: object) -> BundleItem:
    """Add ``quantity`` of ``product_id`` to the bundle (or to the quantity it already has)."""
    bundle = get_for(db, actor, Product, bundle_id, "update")
    if not bundle.is_bundle:
        raise ValidationError({"product_id": N_("Only a bundle has components.")})
    try:
        component = get_for(db, actor, Product, product_id)
    except (NotFound, Forbidden):
        raise ValidationError({"product_id": N_("Choose a product of the catalog.")}) from None
    amount = _quantity(quantity)
    if component.id == bundle.id or bundle.id in _contained(db, component.id):
        raise ValidationError({"product_id": N_(
            "A bundle cannot contain itself, nor a bundle that contains it.")})
    item = db.scalar(select(BundleItem).where(BundleItem.bundle_id == bundle.id,
                                              BundleItem.product_id == component.id))
    if item is not None:
        item.quantity += amount
        return item
    last = max((i.sequence for i, _p in components_of(db, bundle.id)), default=0)
    item = BundleItem(bundle_id=bundle.id, product_id=component.id, quantity=amount, sequence=last + 10)
    db.add(item)
    db.flush()
    return item


def remove_component(db: Session, actor: Actor, bundle_id: int, item_id: int) -> None:
    get_for(db, actor, Product, bundle_id, "update")
    item = db.scalar(select(BundleItem).where(BundleItem.id == item_id, BundleItem.bundle_id == bundle_id))
    if item is None:
        raise NotFound()
    db.delete(item)


def _quantity(raw: object) -> Decimal:
    try:
        amount = Decimal(str(raw).strip())
    except ArithmeticError:
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0 or amount >= Decimal(10) ** 15 or amount != round(amount, 3):
        raise ValidationError({"quantity": N_("A quantity is a number above 0 with at most 3 decimals.")})
    return amount


def _contained(db: Session, product_id: int) -> set[int]:
    """Every product inside ``product_id``, at any depth."""
    seen: set[int] = set()
    todo = {product_id}
    while todo:
        found = set(db.scalars(select(BundleItem.product_id).where(BundleItem.bundle_id.in_(todo))))
        todo = found - seen
        seen |= found
    return seen
