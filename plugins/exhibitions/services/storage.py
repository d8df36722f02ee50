"""Advance-warehouse receipts (展品仓储): an exhibitor's pieces received
before the show, delivered to its booth, returned or collected after.

A receipt is numbered ``CK-{year}-{seq}`` and lists its pieces (lines:
description, packages, m³, kg); every bad line is named
(``line_<n>_<field>``) in one ValidationError and nothing is written. It
moves received → delivered (to one of the exhibitor's booths in the
edition, at a date and time) → returned. Its storage days run from the day
received to the day delivered (at least one); the fee is the receipt's m²
× days × the edition's ``storage`` service price, charged as a confirmed
service order through :mod:`~plugins.exhibitions.services.service_orders`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, next_number, scope, shown_value
from plugins.exhibitions.models import (
    Booth,
    Edition,
    ExhibitorService,
    FloorPlan,
    ServiceOrder,
    Space,
    StorageLine,
    StorageReceipt,
)
from plugins.exhibitions.models.choices import STORAGE_STATES
from plugins.exhibitions.services import booths as booth_services
from plugins.exhibitions.services import service_orders
from plugins.sales.services.documents import CHINA, registry_of, today

MAX_LINES = 50
MAX_PACKAGES = 999
BOOKED = ("reserved", "sold")
ILLEGAL = N_("A receipt “{state}” cannot be {action}.")


def clean_lines(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The receipt's lines, checked; blank lines are dropped."""
    rows = [r for r in rows if any(str(v or "").strip() for v in r.values())]
    if not rows:
        raise ValidationError({"lines": N_("Add at least one piece.")})
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": N_("At most 50 lines on one receipt.")})
    errors: dict[str, str] = {}
    clean: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        description = str(row.get("description") or "").strip()[:200]
        packages = str(row.get("packages") or "").strip()
        volume = service_orders._decimal(row.get("volume")) if str(row.get("volume") or "").strip() else None
        weight = service_orders._decimal(row.get("weight") or 0)
        if not description:
            errors[f"line_{n}_description"] = N_("Describe the pieces.")
        if not packages.isdigit() or not 1 <= int(packages) <= MAX_PACKAGES:
            errors[f"line_{n}_packages"] = N_("Enter 1 to 999 packages.")
        if volume is None or volume <= 0 or volume > 9999:
            errors[f"line_{n}_volume"] = N_("Enter the volume in m³, above zero.")
        if weight is None or weight < 0 or weight > 9999999:
            errors[f"line_{n}_weight"] = N_("Enter the weight in kg.")
        if not any(k.startswith(f"line_{n}_") for k in errors):
            assert volume is not None and weight is not None
            clean.append({"description": description, "packages": int(packages),
                          "volume": volume.quantize(Decimal("0.001")),
                          "weight": weight.quantize(Decimal("0.01")),
                          "sequence": n * 10})
    if errors:
        raise ValidationError(errors)
    return clean


def _write_lines(db: Session, receipt: StorageReceipt, rows: list[dict[str, Any]]) -> None:
    for line in db.scalars(select(StorageLine).where(StorageLine.receipt_id == receipt.id)):
        db.delete(line)
    db.flush()
    db.add_all([StorageLine(receipt_id=receipt.id, **row) for row in rows])
    db.flush()


def _received_on(raw: Any) -> date:
    day = service_orders._date(raw)
    if day is None:
        raise ValidationError({"received_on": N_("Give the day the goods were received.")})
    return day


def create_receipt(db: Session, actor: Actor, values: Mapping[str, Any]) -> StorageReceipt:
    """A receipt of an exhibitor the actor may read in an edition the actor may read."""
    actor.require("exhibitions.storage_receipt.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"))
    raw = str(values.get("customer_id") or "")
    customer = booth_services.exhibitor_id(db, actor, int(raw) if raw.isdigit() else None)
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    day = None
    try:
        day = _received_on(values.get("received_on"))
    except ValidationError as exc:
        errors |= exc.errors
    try:
        rows = clean_lines(values.get("lines") or [])
    except ValidationError as exc:
        errors |= exc.errors
    if errors:
        raise ValidationError(errors)
    assert day is not None
    receipt = StorageReceipt(
        org_id=edition.org_id, owner_id=actor.user_id, department_id=actor.department_id, edition_id=edition.id,
        customer_id=customer, received_on=day, location=str(values.get("location") or "")[:60],
        note=str(values.get("note") or ""),
        number=next_number(db, registry_of(db), "exhibitions.storage_receipt", edition.org_id))
    db.add(receipt)
    db.flush()
    _write_lines(db, receipt, rows)
    return receipt


def update_receipt(db: Session, actor: Actor, receipt: StorageReceipt, values: Mapping[str, Any]) -> None:
    """Change a receipt still in the warehouse: its lines, day, location, remarks."""
    receipt = get_for(db, actor, StorageReceipt, receipt.id, "update")
    if receipt.state != "received":
        raise Conflict(N_("Only a receipt still in the warehouse can be changed."))
    rows = clean_lines(values.get("lines") or [])
    if "received_on" in values:
        receipt.received_on = _received_on(values["received_on"])
    for key in ("location", "note"):
        if key in values:
            setattr(receipt, key, str(values[key] or ""))
    _write_lines(db, receipt, rows)


def lines_of(db: Session, receipt_id: int) -> list[StorageLine]:
    return list(db.scalars(select(StorageLine).where(StorageLine.receipt_id == receipt_id)
                           .order_by(StorageLine.sequence)))


def volume_of(db: Session, receipt_id: int) -> Decimal:
    return Decimal(db.scalar(select(func.coalesce(func.sum(StorageLine.volume), 0))
                             .where(StorageLine.receipt_id == receipt_id)) or 0)


def storage_days(receipt: StorageReceipt, until: date | None = None) -> int:
    """Days in the warehouse: from received to delivered (or ``until``, today), at least one."""
    moved = receipt.delivered_at
    end = moved.astimezone(CHINA).date() if moved is not None else (until or today())
    return max(1, (end - receipt.received_on).days)


def exhibitor_booths(db: Session, receipt: StorageReceipt) -> list[Booth]:
    return list(db.scalars(select(Booth).where(Booth.edition_id == receipt.edition_id,
                                               Booth.customer_id == receipt.customer_id,
                                               Booth.status.in_(BOOKED)).order_by(Booth.number)))


def _refuse(receipt: StorageReceipt, action: str) -> Conflict:
    return Conflict(ILLEGAL, state=STORAGE_STATES.get(receipt.state, receipt.state), action=action)


def deliver(db: Session, actor: Actor, receipt_id: Any, booth_id: Any, at: datetime) -> StorageReceipt:
    """The goods taken to one of the exhibitor's booths in the edition, at ``at``."""
    receipt = get_for(db, actor, StorageReceipt, receipt_id, "update")
    if receipt.state != "received":
        raise _refuse(receipt, N_("delivered"))
    booth = next((b for b in exhibitor_booths(db, receipt) if str(b.id) == str(booth_id)), None)
    if booth is None:
        raise ValidationError({"booth_id": N_("Choose one of the exhibitor's booths.")})
    if at.astimezone(CHINA).date() < receipt.received_on:
        raise ValidationError({"delivered_at": N_("The goods cannot leave before they were received.")})
    receipt.state, receipt.booth_id, receipt.delivered_at = "delivered", booth.id, at
    db.flush()
    return receipt


def give_back(db: Session, actor: Actor, receipt_id: Any, on: date | None = None) -> StorageReceipt:
    """The goods returned to the exhibitor or collected after the show."""
    receipt = get_for(db, actor, StorageReceipt, receipt_id, "update")
    if receipt.state != "delivered":
        raise _refuse(receipt, N_("returned"))
    receipt.state, receipt.returned_on = "returned", on or today()
    db.flush()
    return receipt


def fee_service(db: Session, edition_id: int) -> ExhibitorService | None:
    return db.scalar(select(ExhibitorService).where(
        ExhibitorService.edition_id == edition_id, ExhibitorService.category == "storage",
        ExhibitorService.active.is_(True), ExhibitorService.per_area.is_(False))
        .order_by(ExhibitorService.sequence, ExhibitorService.id))


def charge(db: Session, actor: Actor, receipt_id: Any) -> ServiceOrder:
    """Charge the storage fee of a delivered receipt: m³ × days of the
    edition's storage service, a service order confirmed at once."""
    receipt = get_for(db, actor, StorageReceipt, receipt_id, "update")
    if receipt.state == "received":
        raise Conflict(N_("The storage fee is charged once the goods are delivered."))
    if receipt.fee_order_id is not None and db.scalar(select(ServiceOrder.state).where(
            ServiceOrder.id == receipt.fee_order_id)) == "confirmed":
        raise Conflict(N_("The storage fee is charged already."))
    service = fee_service(db, receipt.edition_id)
    if service is None:
        raise Conflict(N_("The edition sells no storage service."))
    days = storage_days(receipt)
    quantity = (volume_of(db, receipt.id) * days).quantize(Decimal("0.01"))
    order = service_orders.create_order(db, actor, {
        "edition_id": receipt.edition_id, "customer_id": receipt.customer_id,
        "note": f"展品仓储 {receipt.number}",
        "lines": [{"service_id": str(service.id), "quantity": str(quantity),
                   "note": f"{receipt.number} · {days} 天"}]})
    service_orders.confirm(db, actor, order.id)
    receipt.fee_order_id = order.id
    db.flush()
    return order


def label_context(session: Session, actor: Actor, receipt: StorageReceipt) -> dict[str, Any]:
    """The labels of a receipt, one per package (k of n), with the exhibitor,
    the booth and hall (delivered to, or the exhibitor's first booth)."""
    from plugins.crm.models import Customer

    customer = session.scalar(select(Customer).where(Customer.id == receipt.customer_id,
                                                     scope(actor, Customer, "read")))
    booth = session.get(Booth, receipt.booth_id) if receipt.booth_id else next(
        iter(exhibitor_booths(session, receipt)), None)
    plan = session.get(FloorPlan, booth.plan_id) if booth is not None else None
    hall = session.get(Space, plan.space_id) if plan is not None else None
    lines = lines_of(session, receipt.id)
    total = sum(line.packages for line in lines)
    labels, k = [], 0
    for line in lines:
        for _ in range(line.packages):
            k += 1
            labels.append({"k": k, "n": total, "description": line.description})
    def shown(record: Any, name: str) -> str:
        if record is None:
            return ""
        value = shown_value(actor, type(record), name, getattr(record, name))
        return "" if value is None else str(value)

    return {"exhibitor": shown(customer, "name"), "booth_number": shown(booth, "number"),
            "hall": shown(hall, "name"), "labels": labels, "packages": total}
