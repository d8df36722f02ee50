"""Services sold to exhibitors: the edition's catalogue with its three price
tiers, service orders, and the bookings that keep a limited service (a
meeting room, an advertising slot) from being sold twice.

A service's price is the tier of the day the order is placed
(:func:`tier_on`): ``advance`` until ``advance_until``, ``standard`` until
``standard_until``, ``onsite`` after. A service charged per m² (the
special-decoration management fee) takes the exhibitor's booked m² in the
edition as its quantity.

A draft order books nothing. Confirming it (:func:`confirm`), in one
transaction: each line of a limited service takes a unit of it on every day
from ``starts_on`` to ``ends_on`` (the unique (service, day, unit) of
``exhibitions_service_booking`` decides a race: the loser is told the
service is fully booked on that day), and the order becomes a sales order
(a sales contract of kind ``order``) with one line per service, submitted
to the sales plugin's approval like any other; its approval makes the
receivable plan. Cancelling a confirmed order frees its bookings and
terminates its approved sales order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, next_number, scope
from plugins.catalog.models import Product, Unit
from plugins.catalog.services.money import places_of, rounded
from plugins.exhibitions.models import (
    Booth,
    Edition,
    ExhibitorService,
    ServiceBooking,
    ServiceOrder,
    ServiceOrderLine,
)
from plugins.exhibitions.models.choices import SERVICE_CATEGORIES
from plugins.exhibitions.services import booths as booth_services
from plugins.sales.models import Contract
from plugins.sales.services import contracts as sales_contracts
from plugins.sales.services.documents import registry_of, today

#: at most this many lines on an order, and days a limited service is booked for on one line
MAX_LINES = 50
MAX_DAYS = 31
#: the booths whose m² a per-m² service charges
BOOKED = ("reserved", "sold")
FULLY_BOOKED = N_("{service} is fully booked on {day}.")
NOT_A_DRAFT = N_("Only a draft order can be changed or confirmed.")


# ------------------------------------------------------------------ the catalogue


def tier_on(service: ExhibitorService, day: date) -> str:
    """The price tier of ``service`` for an order placed on ``day``."""
    if service.advance_until is not None and day <= service.advance_until:
        return "advance"
    if service.standard_until is None or day <= service.standard_until:
        return "standard"
    return "onsite"


def price_of(service: ExhibitorService, tier: str) -> Decimal:
    return Decimal({"advance": service.advance_price, "standard": service.standard_price,
                    "onsite": service.onsite_price}[tier])


def check_service(values: Mapping[str, Any]) -> None:
    """The rules of a catalogue entry: prices not below zero, the advance
    tier ending before the standard one, a limited service of 1 to 999 units."""
    errors: dict[str, str] = {}
    for field in ("advance_price", "standard_price", "onsite_price"):
        if Decimal(str(values.get(field) or 0)) < 0:
            errors[field] = N_("A price cannot be below zero.")
    advance, standard = values.get("advance_until"), values.get("standard_until")
    if advance is not None and standard is not None and advance > standard:
        errors["advance_until"] = N_("The advance price must end before the standard price does.")
    capacity = values.get("capacity")
    if capacity is not None and not 1 <= int(capacity) <= 999:
        errors["capacity"] = N_("A limited service has 1 to 999 units a day.")
    if values.get("category") not in SERVICE_CATEGORIES:
        errors["category"] = N_("Choose a category.")
    if errors:
        raise ValidationError(errors)


def create_service(db: Session, actor: Actor, values: Mapping[str, Any]) -> ExhibitorService:
    """A catalogue entry of an edition the actor may update, for a product
    the actor may read; one entry per product and edition."""
    actor.require("exhibitions.service.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"), "update")
    product_id = values.get("product_id")
    if product_id is None or db.scalar(select(Product.id).where(
            Product.id == product_id, scope(actor, Product, "read"))) is None:
        raise ValidationError({"product_id": N_("Choose a product.")})
    if db.scalar(select(ExhibitorService.id).where(ExhibitorService.edition_id == edition.id,
                                                   ExhibitorService.product_id == product_id)):
        raise ValidationError({"product_id": N_("The edition sells this product already.")})
    product = db.get(Product, int(product_id))
    assert product is not None
    clean = {k: values[k] for k in SERVICE_FIELDS if k in values}
    check_service({"category": "", **clean})
    clean["name"] = str(clean.get("name") or "").strip() or product.name
    clean["name_en"] = str(clean.get("name_en") or "").strip() or product.name_en
    service = ExhibitorService(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id,
                               product_id=product.id, **clean)
    db.add(service)
    db.flush()
    return service


SERVICE_FIELDS = ("name", "name_en", "category", "advance_price", "advance_until", "standard_price",
                  "standard_until", "onsite_price", "per_area", "capacity", "active", "sequence", "note")


def update_service(db: Session, actor: Actor, service: ExhibitorService, values: Mapping[str, Any]) -> None:
    get_for(db, actor, ExhibitorService, service.id, "update")
    merged = {**{k: getattr(service, k) for k in SERVICE_FIELDS},
              **{k: values[k] for k in SERVICE_FIELDS if k in values}}
    check_service(merged)
    if not str(merged["name"] or "").strip():
        raise ValidationError({"name": N_("Give the service a name.")})
    for key, value in merged.items():
        setattr(service, key, value)


def catalogue(db: Session, actor: Actor, edition_id: int, *, on: date | None = None,
              active_only: bool = True) -> list[tuple[ExhibitorService, Product, str, Decimal]]:
    """The edition's services the actor may read, each with its product, the
    tier of ``on`` (today) and the price of that tier, in catalogue order."""
    day = on or today()
    stmt = (select(ExhibitorService, Product).join(Product, Product.id == ExhibitorService.product_id)
            .where(ExhibitorService.edition_id == edition_id, scope(actor, ExhibitorService, "read"))
            .order_by(ExhibitorService.sequence, Product.name))
    if active_only:
        stmt = stmt.where(ExhibitorService.active.is_(True))
    return [(s, p, tier_on(s, day), price_of(s, tier_on(s, day))) for s, p in db.execute(stmt)]


def booked_area(db: Session, edition_id: int, customer_id: int) -> Decimal:
    """The m² of the exhibitor's reserved and sold booths in the edition."""
    return Decimal(db.scalar(select(func.coalesce(func.sum(Booth.area), 0)).where(
        Booth.edition_id == edition_id, Booth.customer_id == customer_id, Booth.status.in_(BOOKED))) or 0)


def taken(db: Session, service_id: int, days: Sequence[date]) -> dict[date, int]:
    """How many units of a limited service are booked on each of ``days``."""
    rows = db.execute(select(ServiceBooking.day, func.count()).where(
        ServiceBooking.service_id == service_id, ServiceBooking.day.in_(list(days)))
        .group_by(ServiceBooking.day))
    return {day: int(n) for day, n in rows}


# ------------------------------------------------------------------ orders


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _decimal(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _date(raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        return None


def clean_lines(db: Session, edition: Edition, customer_id: int, rows: Sequence[Mapping[str, Any]],
                on: date) -> list[dict[str, Any]]:
    """The order's lines, checked: each names a service of the edition on
    sale, a quantity above zero (a per-m² service: the exhibitor's booked
    m²), and for a limited service whole units within its capacity and the
    days it is used (at most 31). Every bad line is named (``line_<n>_<field>``)
    in one ValidationError; the price is the tier of ``on``."""
    rows = [r for r in rows if any(str(v or "").strip() for k, v in r.items() if k != "sequence")]
    if not rows:
        raise ValidationError({"lines": N_("Add at least one service.")})
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": N_("At most 50 lines on one order.")})
    ids = {int(str(r["service_id"])) for r in rows if str(r.get("service_id") or "").isdigit()}
    services = {s.id: s for s in db.scalars(select(ExhibitorService).where(
        ExhibitorService.id.in_(ids), ExhibitorService.edition_id == edition.id,
        ExhibitorService.active.is_(True)))}
    places = places_of(db, edition.currency_code)
    area = None
    errors: dict[str, str] = {}
    clean: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        raw_id = str(row.get("service_id") or "")
        service = services.get(int(raw_id)) if raw_id.isdigit() else None
        if service is None:
            errors[f"line_{n}_service_id"] = N_("Choose a service this edition sells.")
            continue
        if service.per_area:
            area = booked_area(db, edition.id, customer_id) if area is None else area
            if not area:
                errors[f"line_{n}_quantity"] = N_("The exhibitor has no booth in this edition to charge by m².")
                continue
            quantity = area
        else:
            given = _decimal(row.get("quantity"))
            if given is None or given <= 0 or given > Decimal("9999999"):
                errors[f"line_{n}_quantity"] = N_("Enter a quantity above zero.")
                continue
            quantity = given
        starts, ends = _date(row.get("starts_on")), _date(row.get("ends_on"))
        if service.capacity is not None:
            if quantity != quantity.to_integral_value() or quantity > service.capacity:
                errors[f"line_{n}_quantity"] = N_("A limited service is ordered in whole units, "
                                                  "up to its units a day.")
                continue
            if starts is None:
                errors[f"line_{n}_starts_on"] = N_("Give the day the service is used.")
                continue
            ends = ends or starts
            if ends < starts or (ends - starts).days >= MAX_DAYS:
                errors[f"line_{n}_ends_on"] = N_("The last day is on or after the first, at most 31 days on.")
                continue
        elif starts and ends and ends < starts:
            errors[f"line_{n}_ends_on"] = N_("The last day is on or after the first, at most 31 days on.")
            continue
        tier = tier_on(service, on)
        unit_price = price_of(service, tier)
        days = len(_days(starts, ends)) if service.capacity is not None and starts and ends else 1
        clean.append({"service_id": service.id, "quantity": quantity, "starts_on": starts, "ends_on": ends,
                      "tier": tier, "unit_price": unit_price,
                      "amount": rounded(unit_price * quantity * days, places),
                      "note": str(row.get("note") or "")[:200], "sequence": n * 10})
    if errors:
        raise ValidationError(errors)
    return clean


def _write_lines(db: Session, order: ServiceOrder, rows: list[dict[str, Any]]) -> None:
    for line in db.scalars(select(ServiceOrderLine).where(ServiceOrderLine.order_id == order.id)):
        db.delete(line)
    db.flush()
    db.add_all([ServiceOrderLine(order_id=order.id, **row) for row in rows])
    order.total = sum((r["amount"] for r in rows), Decimal(0))
    db.flush()


def create_order(db: Session, actor: Actor, values: Mapping[str, Any], *,
                 channel: str = "staff") -> ServiceOrder:
    """A draft service order of an exhibitor the actor may read in an
    edition the actor may read, numbered from ``exhibitions.service_order``,
    priced at the tier of today. Bad input: one ValidationError, nothing written."""
    actor.require("exhibitions.service_order.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"))
    raw = str(values.get("customer_id") or "")
    customer = booth_services.exhibitor_id(db, actor, int(raw) if raw.isdigit() else None)
    day = today()
    rows = clean_lines(db, edition, customer, values.get("lines") or [], day)
    order = ServiceOrder(org_id=edition.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                         edition_id=edition.id, customer_id=customer, ordered_on=day, channel=channel,
                         number=next_number(db, registry_of(db), "exhibitions.service_order", edition.org_id),
                         note=str(values.get("note") or ""))
    db.add(order)
    db.flush()
    _write_lines(db, order, rows)
    return order


def update_order(db: Session, actor: Actor, order: ServiceOrder, values: Mapping[str, Any]) -> None:
    """Change a draft order's lines and note, priced at the tier of today."""
    order = get_for(db, actor, ServiceOrder, order.id, "update")
    if order.state != "draft":
        raise Conflict(NOT_A_DRAFT)
    edition = db.get(Edition, order.edition_id)
    assert edition is not None
    day = today()
    rows = clean_lines(db, edition, order.customer_id, values.get("lines") or [], day)
    order.ordered_on = day
    if "note" in values:
        order.note = str(values.get("note") or "")
    _write_lines(db, order, rows)


def lines_of(db: Session, order_id: int) -> list[tuple[ServiceOrderLine, ExhibitorService, Product]]:
    return list(db.execute(
        select(ServiceOrderLine, ExhibitorService, Product)
        .join(ExhibitorService, ExhibitorService.id == ServiceOrderLine.service_id)
        .join(Product, Product.id == ExhibitorService.product_id)
        .where(ServiceOrderLine.order_id == order_id).order_by(ServiceOrderLine.sequence)))


def book(db: Session, line: ServiceOrderLine, service: ExhibitorService) -> None:
    """Take ``line.quantity`` units of a limited service on each of its days.
    Each unit is a row the unique (service, day, unit) admits once: a unit
    another transaction took first makes this one try the next free unit,
    and none left is a Conflict naming the service and the day."""
    if service.capacity is None or line.starts_on is None:
        return
    days = _days(line.starts_on, line.ends_on or line.starts_on)
    wanted = int(line.quantity)
    for day in days:
        got = 0
        for unit in range(1, service.capacity + 1):
            if got == wanted:
                break
            try:
                with db.begin_nested():
                    db.add(ServiceBooking(service_id=service.id, day=day, unit=unit, line_id=line.id))
                    db.flush()
            except IntegrityError:
                continue  # that unit is someone else's
            got += 1
        if got < wanted:
            raise Conflict(FULLY_BOOKED, service=service.name, day=day.isoformat())


def confirm(db: Session, actor: Actor, order_id: Any) -> ServiceOrder:
    """Confirm a draft order the actor may confirm: book its limited
    services, make its sales order (submitted for approval) and link it.
    All or nothing: a service fully booked on a day is a Conflict and
    nothing is booked."""
    order = get_for(db, actor, ServiceOrder, order_id, "confirm")
    if order.state != "draft":
        raise Conflict(NOT_A_DRAFT)
    edition = db.get(Edition, order.edition_id)
    assert edition is not None
    lines = lines_of(db, order.id)
    if not lines:
        raise ValidationError({"lines": N_("Add at least one service.")})
    for line, service, _product in lines:
        book(db, line, service)
    contract = sales_contracts.create_contract(db, actor, {
        "kind": "order", "title": f"{edition.name} 展商服务订单 {order.number}",
        "customer_id": order.customer_id, "currency_code": edition.currency_code, "tax_included": True,
        "start_on": edition.move_in_on or edition.opens_on, "end_on": edition.move_out_on or edition.closes_on,
        "renewal_notice_days": 0,
        "lines": [_sales_row(db, line, service, product) for line, service, product in lines]})
    order.state, order.contract_id = "confirmed", contract.id
    db.flush()
    sales_contracts.fire(db, actor, contract.id, "submit", comment=order.number)
    return order


def unit_name(db: Session, product: Product) -> str:
    unit = db.get(Unit, product.unit_id) if product.unit_id else None
    return unit.name if unit is not None else ""


def _sales_row(db: Session, line: ServiceOrderLine, service: ExhibitorService,
               product: Product) -> dict[str, Any]:
    days = len(_days(line.starts_on, line.ends_on or line.starts_on)) if (
        service.capacity is not None and line.starts_on) else 1
    when = ""
    if line.starts_on:
        end = line.ends_on or line.starts_on
        when = f" · {line.starts_on.isoformat()}" + (f"–{end.isoformat()}" if end != line.starts_on else "")
    tier = {"advance": "预订价", "standard": "标准价", "onsite": "现场价"}[line.tier]
    return {"product_id": product.id, "description": f"{service.name}{when} · {tier}"
            + (f" · {line.note}" if line.note else ""),
            "unit": unit_name(db, product),
            "quantity": line.quantity * days, "unit_price": line.unit_price, "list_price": line.unit_price,
            "discount": Decimal(0), "tax_rate": product.tax_rate, "sequence": line.sequence}


def cancel(db: Session, actor: Actor, order_id: Any) -> ServiceOrder:
    """Cancel an order the actor may confirm: its bookings are freed, and its
    approved sales order is terminated (the actor needs the sales plugin's
    ``terminate``). A sales order still awaiting approval is decided first;
    a completed one cannot be undone here."""
    order = get_for(db, actor, ServiceOrder, order_id, "confirm")
    if order.state == "cancelled":
        raise Conflict(N_("The order is cancelled already."))
    contract = db.get(Contract, order.contract_id) if order.contract_id is not None else None
    if contract is not None:
        if contract.state == "pending":
            raise Conflict(N_("Sales order {number} awaits approval: decide it first."), number=contract.number)
        if contract.state == "completed":
            raise Conflict(N_("Sales order {number} is completed: it cannot be cancelled."),
                           number=contract.number)
        if contract.state in ("approved", "signed", "executing"):
            if not actor.can("sales.contract.terminate"):
                raise Conflict(N_("Sales order {number} is approved: cancelling the order terminates it, "
                                  "which needs the right to terminate sales contracts."),
                               number=contract.number)
            sales_contracts.fire(db, actor, contract.id, "terminate", comment=order.number)
    line_ids = select(ServiceOrderLine.id).where(ServiceOrderLine.order_id == order.id)
    for booking in db.scalars(select(ServiceBooking).where(ServiceBooking.line_id.in_(line_ids))):
        db.delete(booking)
    order.state = "cancelled"
    db.flush()
    return order
