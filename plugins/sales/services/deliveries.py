"""Delivery notes (发货单): goods sent against an approved, signed or
executing contract, in part or in full.

A delivery note takes a quantity per contract line, at most what remains
undelivered (``quantity − delivered``); the line's ``delivered`` counts it
from the note's creation, in the same transaction, and gets it back when the
note is cancelled. States: ``draft`` → ``shipped`` → ``received`` (by the
customer); ``cancelled`` from draft or shipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for
from plugins.sales.models import Contract, ContractLine, Delivery, DeliveryLine
from plugins.sales.models.choices import DELIVERY_STATES
from plugins.sales.services.documents import parse_date, shown, today
from plugins.sales.services.receipts import number_of
from plugins.sales.services.receivables import contract_for, parse_amount

SEQUENCE = "sales.delivery"
#: contract states goods are delivered in
DELIVERABLE = ("approved", "signed", "executing")
#: state -> (the states it is reached from, the permission)
MOVES = {"shipped": (("draft",), "sales.delivery.update"), "received": (("shipped",), "sales.delivery.update"),
         "cancelled": (("draft", "shipped"), "sales.delivery.update")}
TEXT_FIELDS = {"address": 300, "receiver": 100, "receiver_phone": 50, "carrier": 100, "tracking_no": 100,
               "note": 5000}


def lines_of(db: Session, contract_id: int) -> list[ContractLine]:
    return list(db.scalars(select(ContractLine).where(ContractLine.contract_id == contract_id)
                           .order_by(ContractLine.sequence, ContractLine.id)))


def clean_quantities(lines: list[ContractLine], quantities: Mapping[Any, Any], *, limit: Any,
                     message: str) -> dict[int, Decimal]:
    """Quantities per contract line from input (``{line id: "2"}``), each
    above 0 (or empty: left out), with at most 3 decimals and at most
    ``limit(line)``; errors ``line_<n>_quantity`` name the contract line's
    row (n from 1, as the form lists them)."""
    errors: dict[str, str] = {}
    wanted: dict[int, Decimal] = {}
    for n, line in enumerate(lines, start=1):
        raw = quantities.get(line.id, quantities.get(str(line.id)))
        if raw in (None, "", "0"):
            continue
        quantity = parse_amount(raw, 3)
        if quantity is None or quantity < 0:
            errors[f"line_{n}_quantity"] = N_("Enter a quantity above 0 with at most 3 decimals.")
        elif quantity > limit(line):
            errors[f"line_{n}_quantity"] = message
        elif quantity > 0:
            wanted[line.id] = quantity
    if not wanted and not errors:
        errors["lines"] = N_("Enter a quantity on at least one line.")
    if errors:
        raise ValidationError(errors)
    return wanted


def _texts(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(values.get(name) or "").strip()[:size] for name, size in TEXT_FIELDS.items()}


def create_delivery(db: Session, actor: Actor, contract_id: Any, values: Mapping[str, Any],
                    quantities: Mapping[Any, Any]) -> Delivery:
    """A draft delivery note of a contract: ``values`` (``ship_on``,
    ``address``, ``receiver``, ``receiver_phone``, ``carrier``,
    ``tracking_no``, ``note``) and ``quantities`` per contract line id."""
    contract = contract_for(db, actor, contract_id, "sales.delivery.create")
    if contract.state not in DELIVERABLE:
        raise Conflict(N_("Goods are delivered on approved, signed or executing contracts."))
    lines = lines_of(db, contract.id)
    wanted = clean_quantities(lines, quantities, limit=lambda line: line.quantity - line.delivered,
                              message=N_("More than remains to be delivered on this line."))
    ship_on = parse_date(values.get("ship_on")) if values.get("ship_on") else None
    if values.get("ship_on") and ship_on is None:
        raise ValidationError({"ship_on": N_("Enter a date.")})
    texts = _texts(values)
    if not texts["address"]:
        texts["address"] = contract.buyer_address
    delivery = Delivery(org_id=contract.org_id, owner_id=contract.owner_id,
                        department_id=contract.department_id,
                        number=number_of(db, SEQUENCE, contract.org_id), contract_id=contract.id,
                        customer_id=contract.customer_id, ship_on=ship_on, **texts)
    db.add(delivery)
    db.flush()
    for line in lines:
        if line.id in wanted:
            db.add(DeliveryLine(delivery_id=delivery.id, contract_line_id=line.id, quantity=wanted[line.id]))
            line.delivered += wanted[line.id]
    db.flush()
    return delivery


def update_delivery(db: Session, actor: Actor, delivery_id: Any, values: Mapping[str, Any]) -> Delivery:
    """Change a note's address, receiver, carrier and tracking number (not its quantities)."""
    delivery = get_for(db, actor, Delivery, delivery_id, "update")
    if delivery.state in ("received", "cancelled"):
        raise Conflict(N_("A received or cancelled delivery note cannot be changed."))
    for name, value in _texts(values).items():
        setattr(delivery, name, value)
    if "ship_on" in values:
        delivery.ship_on = parse_date(values.get("ship_on"))
    db.flush()
    return delivery


def move_delivery(db: Session, actor: Actor, delivery_id: Any, state: str) -> Delivery:
    """Ship, mark received or cancel a delivery note. Cancelling gives its
    quantities back to the contract lines."""
    get_for(db, actor, Delivery, delivery_id, "read")  # outside the reader's scope: 404, whatever the state
    if state not in MOVES:
        raise ValidationError({"state": N_("Unknown state.")})
    sources, code = MOVES[state]
    delivery = get_for(db, actor, Delivery, delivery_id, code.rsplit(".", 1)[1])
    if delivery.state not in sources:
        raise Conflict(N_("This delivery note cannot go from {source} to {target}."),
                       source=DELIVERY_STATES[delivery.state], target=DELIVERY_STATES[state])
    if state == "shipped" and delivery.ship_on is None:
        delivery.ship_on = today()
    if state == "cancelled":
        for item, line in _lines(db, delivery.id):
            line.delivered -= item.quantity
    delivery.state = state
    db.flush()
    return delivery


def _lines(db: Session, delivery_id: int) -> list[tuple[DeliveryLine, ContractLine]]:
    return [(d, c) for d, c in db.execute(
        select(DeliveryLine, ContractLine).join(ContractLine, ContractLine.id == DeliveryLine.contract_line_id)
        .where(DeliveryLine.delivery_id == delivery_id).order_by(ContractLine.sequence, ContractLine.id))]


def delivery_lines(db: Session, delivery: Delivery) -> list[tuple[DeliveryLine, ContractLine]]:
    """A note's lines with their contract lines (the reader has the note)."""
    return _lines(db, delivery.id)


def print_context(db: Session, actor: Actor, delivery: Delivery) -> dict[str, Any]:
    """What the delivery note print adds: the contract's number and buyer, the lines."""
    contract = db.get(Contract, delivery.contract_id)
    return {
        "contract_number": shown(actor, contract, "number"),
        "buyer_name": shown(actor, contract, "buyer_name"),
        "lines": [{"n": n, "description": shown(actor, c, "description"), "unit": shown(actor, c, "unit"),
                   "quantity": d.quantity, "ordered": c.quantity}
                  for n, (d, c) in enumerate(_lines(db, delivery.id), start=1)],
    }
