"""Returns (退货单): goods a customer sends back against a contract (and,
optionally, one of its delivery notes), with a reason and a refund.

A return line takes at most what was delivered and not yet returned on its
contract line (of that delivery note, when the return names one); the
line's ``returned`` counts it from the return's creation and gets it back
when the return is cancelled. The refund is at most what the customer has
paid net (the contract's ``received``) less the refunds other open returns
of the contract promise. States: ``draft`` → ``approved`` → ``received``
(the goods are back) → ``refunded`` (the refund receipt is recorded: a
negative receipt of kind ``refund``, which fires ``sales_receipt_recorded``
so commissions are reversed); ``cancelled`` from draft or approved.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for
from plugins.catalog.services.money import places_of, rounded
from plugins.sales.models import (
    Contract,
    ContractLine,
    Delivery,
    DeliveryLine,
    Receipt,
    ReturnLine,
    SalesReturn,
)
from plugins.sales.models.choices import RETURN_REASONS, RETURN_STATES
from plugins.sales.services.deliveries import clean_quantities, lines_of
from plugins.sales.services.documents import parse_date
from plugins.sales.services.receipts import number_of, record_refund
from plugins.sales.services.receivables import Refused, contract_for, money_text, parse_amount

SEQUENCE = "sales.return"
#: state -> (the states it is reached from, the action of its permission)
MOVES = {"approved": (("draft",), "approve"), "received": (("approved",), "update"),
         "refunded": (("received",), "refund"), "cancelled": (("draft", "approved"), "update")}
#: returns whose refund is still to be paid
PENDING = ("draft", "approved", "received")


def returnable(db: Session, contract_id: int, delivery_id: int | None) -> dict[int, Decimal]:
    """Per contract line, what may still be returned: delivered less
    returned; of one delivery note, what it delivered less what other
    returns against it took back (and never more than the line allows)."""
    lines = lines_of(db, contract_id)
    left = {line.id: line.delivered - line.returned for line in lines}
    if delivery_id is None:
        return left
    sent = _pairs(db, select(DeliveryLine.contract_line_id, func.sum(DeliveryLine.quantity))
                  .where(DeliveryLine.delivery_id == delivery_id).group_by(DeliveryLine.contract_line_id))
    back = _pairs(db, select(ReturnLine.contract_line_id, func.sum(ReturnLine.quantity))
                  .join(SalesReturn, SalesReturn.id == ReturnLine.return_id)
                  .where(SalesReturn.delivery_id == delivery_id, SalesReturn.state != "cancelled",
                         SalesReturn.deleted_at.is_(None))
                  .group_by(ReturnLine.contract_line_id))
    return {lid: min(q, Decimal(sent.get(lid) or 0) - Decimal(back.get(lid) or 0)) for lid, q in left.items()}


def _pairs(db: Session, query: Any) -> dict[int, Any]:
    return {key: value for key, value in db.execute(query)}


def refundable(db: Session, contract: Contract, *, besides: int | None = None) -> Decimal:
    """What may still be promised as a refund: paid net, less the refunds of
    the contract's other returns not yet refunded."""
    promised = db.scalar(select(func.coalesce(func.sum(SalesReturn.refund_amount), 0)).where(
        SalesReturn.contract_id == contract.id, SalesReturn.state.in_(PENDING),
        SalesReturn.deleted_at.is_(None),
        SalesReturn.id != (besides or 0)))
    return contract.received - Decimal(promised or 0)


def create_return(db: Session, actor: Actor, contract_id: Any, values: Mapping[str, Any],
                  quantities: Mapping[Any, Any]) -> SalesReturn:
    """A draft return of a contract: ``values`` (``delivery_id`` optional,
    ``reason``, ``description``, ``returned_on``, ``refund_amount``) and
    ``quantities`` per contract line id. Errors name the line
    (``line_<n>_quantity``) or the field (``refund_amount``)."""
    contract = contract_for(db, actor, contract_id, "sales.return.create")
    if contract.state not in ("approved", "signed", "executing", "completed", "terminated"):
        raise Conflict(N_("Goods are returned against approved contracts."))
    delivery_id = _delivery(db, contract, values.get("delivery_id"))
    left = returnable(db, contract.id, delivery_id)
    lines = lines_of(db, contract.id)
    wanted = clean_quantities(lines, quantities, limit=lambda line: left.get(line.id, Decimal(0)),
                              message=N_("More than was delivered and not yet returned on this line."))
    places = places_of(db, contract.currency_code)
    reason = str(values.get("reason") or "quality")
    errors: dict[str, str] = {}
    if reason not in RETURN_REASONS:
        errors["reason"] = N_("Choose a reason from the list.")
    returned_on = parse_date(values.get("returned_on")) if values.get("returned_on") else None
    if values.get("returned_on") and returned_on is None:
        errors["returned_on"] = N_("Enter a date.")
    amounts = {line.id: rounded(line.total * wanted[line.id] / line.quantity, places)
               for line in lines if line.id in wanted}
    refund = _refund(values.get("refund_amount"), places, errors)
    if errors:
        raise ValidationError(errors)
    _check_refund(db, contract, refund, besides=None)
    sales_return = SalesReturn(
        org_id=contract.org_id, owner_id=contract.owner_id, department_id=contract.department_id,
        number=number_of(db, SEQUENCE, contract.org_id), contract_id=contract.id, delivery_id=delivery_id,
        customer_id=contract.customer_id, reason=reason, returned_on=returned_on, refund_amount=refund,
        description=str(values.get("description") or "").strip()[:5000])
    db.add(sales_return)
    db.flush()
    for line in lines:
        if line.id in wanted:
            db.add(ReturnLine(return_id=sales_return.id, contract_line_id=line.id, quantity=wanted[line.id],
                              amount=amounts[line.id]))
            line.returned += wanted[line.id]
    db.flush()
    return sales_return


def _delivery(db: Session, contract: Contract, raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    found = db.scalar(select(Delivery.id).where(Delivery.id == (int(raw) if str(raw).isdigit() else 0),
                                                Delivery.contract_id == contract.id,
                                                Delivery.state.in_(("shipped", "received"))))
    if found is None:
        raise ValidationError({"delivery_id": N_("Choose a shipped delivery note of this contract.")})
    return int(found)


def _refund(raw: Any, places: int, errors: dict[str, str]) -> Decimal:
    if raw in (None, ""):
        return Decimal(0)
    value = parse_amount(raw, places)
    if value is None or value < 0:
        errors["refund_amount"] = N_("Enter a refund of at least 0 with no more decimals than the currency "
                                     "allows.")
        return Decimal(0)
    return value


def _check_refund(db: Session, contract: Contract, refund: Decimal, *, besides: int | None) -> None:
    limit = refundable(db, contract, besides=besides)
    if refund > limit:
        raise Refused({"refund_amount": N_("At most {paid} can be refunded: what the customer has paid, less "
                                           "the refunds of other returns.")},
                      paid=money_text(max(limit, Decimal(0)), places_of(db, contract.currency_code)))


def update_return(db: Session, actor: Actor, return_id: Any, values: Mapping[str, Any]) -> SalesReturn:
    """Change a draft or approved return's reason, details, date and refund."""
    sales_return = get_for(db, actor, SalesReturn, return_id, "update")
    if sales_return.state not in ("draft", "approved"):
        raise Conflict(N_("Only a draft or approved return can be changed."))
    contract = db.get(Contract, sales_return.contract_id)
    assert contract is not None
    errors: dict[str, str] = {}
    reason = str(values.get("reason") or sales_return.reason)
    if reason not in RETURN_REASONS:
        errors["reason"] = N_("Choose a reason from the list.")
    refund = _refund(values.get("refund_amount"), places_of(db, contract.currency_code), errors)
    if errors:
        raise ValidationError(errors)
    _check_refund(db, contract, refund, besides=sales_return.id)
    sales_return.reason, sales_return.refund_amount = reason, refund
    sales_return.description = str(values.get("description") or "").strip()[:5000]
    if "returned_on" in values:
        sales_return.returned_on = parse_date(values.get("returned_on"))
    db.flush()
    return sales_return


def move_return(db: Session, actor: Actor, return_id: Any, state: str) -> SalesReturn:
    """Approve, mark received, refund or cancel a return. Refunding records
    the refund receipt (if the refund is above 0); cancelling gives the
    quantities back to the contract lines."""
    get_for(db, actor, SalesReturn, return_id, "read")  # outside the reader's scope: 404, whatever the state
    if state not in MOVES:
        raise ValidationError({"state": N_("Unknown state.")})
    sources, action = MOVES[state]
    sales_return = get_for(db, actor, SalesReturn, return_id, action)
    if sales_return.state not in sources:
        raise Conflict(N_("This return cannot go from {source} to {target}."),
                       source=RETURN_STATES[sales_return.state], target=RETURN_STATES[state])
    if state == "refunded" and sales_return.refund_amount > 0:
        contract = db.get(Contract, sales_return.contract_id)
        assert contract is not None
        record_refund(db, actor, contract, sales_return.refund_amount, return_id=sales_return.id,
                      note=sales_return.number)
    if state == "cancelled":
        for item, line in return_lines(db, sales_return):
            line.returned -= item.quantity
    sales_return.state = state
    db.flush()
    return sales_return


def return_lines(db: Session, sales_return: SalesReturn) -> list[tuple[ReturnLine, ContractLine]]:
    return [(r, c) for r, c in db.execute(
        select(ReturnLine, ContractLine).join(ContractLine, ContractLine.id == ReturnLine.contract_line_id)
        .where(ReturnLine.return_id == sales_return.id).order_by(ContractLine.sequence, ContractLine.id))]


def refund_of(db: Session, sales_return: SalesReturn) -> Receipt | None:
    return db.scalar(select(Receipt).where(Receipt.return_id == sales_return.id, Receipt.kind == "refund"))
