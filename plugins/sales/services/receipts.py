"""Receipts (收款): money received on a contract, allocated to its
instalments, and voided; refunds (退款), negative receipts of kind
``refund`` recorded when a return is refunded.

A receipt is allocated to the instalment it names, or to the open ones
oldest due first; it may pay an instalment in part, never more than is
outstanding. The instalments' ``received`` and state and the contract's
``received`` change in the receipt's transaction, and the hook
``sales_receipt_recorded`` fires in it (commissions are computed there, the
finance plugin will post it); voiding reverses the allocations and fires it
with ``reversed=True``. A refund is not allocated to instalments (what was
paid for stays paid): it lowers the contract's ``received``, what the
customer paid net.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, next_number, scope, utcnow
from plugins.catalog.services.money import places_of
from plugins.sales.models import Contract, Instalment, Receipt, ReceiptAllocation
from plugins.sales.models.choices import PAYMENT_METHODS
from plugins.sales.services.documents import parse_date, shown, today
from plugins.sales.services.receivables import (
    LIVE_CONTRACT_STATES,
    OPEN_STATES,
    Refused,
    contract_for,
    money_text,
    parse_amount,
    settle,
)

SEQUENCE = "sales.receipt"


def number_of(db: Session, key: str, org_id: int) -> str:
    """The next number of the sales sequence ``key`` in ``org_id``."""
    return next_number(db, db.info["registry"], key, org_id)


def record_receipt(db: Session, actor: Actor, contract_id: Any, values: Mapping[str, Any]) -> Receipt:
    """Record money received on a contract: ``amount`` (> 0, the currency's
    places), ``received_on`` (today), ``method``, ``reference`` (the bank's),
    ``payer``, ``note`` and optionally ``instalment_id``. More than is
    outstanding (on that instalment, else on the contract) is refused on
    ``amount``, naming the outstanding amount; nothing is written then."""
    contract = contract_for(db, actor, contract_id, "sales.receipt.create")
    if contract.state not in LIVE_CONTRACT_STATES:
        raise Conflict(N_("Receipts are recorded on approved contracts."))
    places = places_of(db, contract.currency_code)
    clean = _clean(values, places)
    open_ones = list(db.scalars(select(Instalment).where(
        Instalment.contract_id == contract.id, Instalment.state.in_(OPEN_STATES))
        .order_by(Instalment.due_on, Instalment.sequence, Instalment.id).with_for_update()))
    wanted = clean.pop("instalment_id")
    if wanted is not None:
        open_ones = [i for i in open_ones if i.id == wanted]
        if not open_ones:
            raise ValidationError({"instalment_id": N_("Choose an instalment of this contract still open.")})
    outstanding = sum((i.amount - i.received for i in open_ones), Decimal(0))
    if clean["amount"] > outstanding:
        raise Refused({"amount": N_("More than is due: {outstanding} is outstanding.")},
                      outstanding=money_text(outstanding, places))
    receipt = Receipt(org_id=contract.org_id, owner_id=contract.owner_id, department_id=contract.department_id,
                      number=number_of(db, SEQUENCE, contract.org_id), kind="receipt", contract_id=contract.id,
                      customer_id=contract.customer_id, currency_code=contract.currency_code, **clean)
    db.add(receipt)
    db.flush()
    left = receipt.amount
    for instalment in open_ones:
        if left <= 0:
            break
        part = min(left, instalment.amount - instalment.received)
        db.add(ReceiptAllocation(receipt_id=receipt.id, instalment_id=instalment.id, amount=part))
        instalment.received += part
        settle(instalment)
        left -= part
    contract.received += receipt.amount
    db.flush()
    _announce(db, actor, receipt, reversed_=False)
    return receipt


def _clean(values: Mapping[str, Any], places: int) -> dict[str, Any]:
    errors: dict[str, str] = {}
    amount = parse_amount(values.get("amount"), places)
    if amount is None or amount <= 0:
        errors["amount"] = (N_("Enter an amount above 0 without decimals: the currency has none.")
                            if places == 0
                            else N_("Enter an amount above 0 with at most 2 decimals.") if places == 2
                            else N_("Enter an amount above 0 with no more decimals than the currency allows."))
    received_on = parse_date(values.get("received_on")) if values.get("received_on") else today()
    if received_on is None:
        errors["received_on"] = N_("Enter a date.")
    elif received_on > today():
        errors["received_on"] = N_("Money cannot be received in the future.")
    method = str(values.get("method") or "transfer")
    if method not in PAYMENT_METHODS:
        errors["method"] = N_("Choose a payment method from the list.")
    instalment: int | None = None
    raw = str(values.get("instalment_id") or "").strip()
    if raw:
        if not raw.isdigit():
            errors["instalment_id"] = N_("Choose an instalment of this contract still open.")
        else:
            instalment = int(raw)
    if errors:
        raise ValidationError(errors)
    return {"amount": amount, "received_on": received_on, "method": method,
            "reference": str(values.get("reference") or "").strip()[:100],
            "payer": str(values.get("payer") or "").strip()[:200],
            "note": str(values.get("note") or "").strip()[:5000], "instalment_id": instalment}


def void_receipt(db: Session, actor: Actor, receipt_id: Any) -> Receipt:
    """Void a receipt: its allocations are taken back from the instalments
    and its amount from the contract's ``received``; the hook fires with
    ``reversed=True``. A refund is voided by cancelling nothing: refused."""
    receipt = get_for(db, actor, Receipt, receipt_id, "void")
    if receipt.voided_at is not None:
        raise Conflict(N_("This receipt is already void."))
    if receipt.kind != "receipt":
        raise Conflict(N_("A refund cannot be voided."))
    contract = db.get(Contract, receipt.contract_id)
    assert contract is not None  # a receipt's contract is never deleted (foreign key)
    allocations = list(db.scalars(select(ReceiptAllocation).where(ReceiptAllocation.receipt_id == receipt.id)))
    for allocation in allocations:
        instalment = db.get(Instalment, allocation.instalment_id)
        if instalment is not None:
            instalment.received -= allocation.amount
            settle(instalment)
    contract.received -= receipt.amount
    receipt.voided_at = utcnow()
    db.flush()
    _announce(db, actor, receipt, reversed_=True)
    return receipt


def record_refund(db: Session, actor: Actor, contract: Contract, amount: Decimal, *, return_id: int,
                  on: date | None = None, note: str = "") -> Receipt:
    """Pay ``amount`` (> 0) back to the customer of ``contract``: a receipt of
    kind ``refund`` with the negative amount, linked to the return; the
    contract's ``received`` drops by it and the hook fires (commissions are
    reversed by the same path as they were earned)."""
    if amount <= 0 or amount > contract.received:
        raise Refused({"refund_amount": N_("At most {paid} can be refunded: what the customer has paid.")},
                      paid=money_text(contract.received, places_of(db, contract.currency_code)))
    refund = Receipt(org_id=contract.org_id, owner_id=contract.owner_id, department_id=contract.department_id,
                     number=number_of(db, SEQUENCE, contract.org_id), kind="refund", contract_id=contract.id,
                     customer_id=contract.customer_id, return_id=return_id, amount=-amount,
                     currency_code=contract.currency_code, received_on=on or today(), method="transfer",
                     note=note[:5000])
    db.add(refund)
    contract.received -= amount
    db.flush()
    _announce(db, actor, refund, reversed_=False)
    return refund


def _announce(db: Session, actor: Actor | None, receipt: Receipt, *, reversed_: bool) -> None:
    hook = db.info.get("hook")
    if hook is not None:
        hook.sales_receipt_recorded(session=db, actor=actor, receipt=receipt, reversed=reversed_)


def receipts_of(db: Session, actor: Actor, contract_id: int) -> list[Receipt]:
    """A contract's receipts and refunds ``actor`` may read, newest first."""
    actor.require("sales.receipt.read")
    return list(db.scalars(select(Receipt).where(Receipt.contract_id == contract_id,
                                                 scope(actor, Receipt, "read"))
                           .order_by(Receipt.received_on.desc(), Receipt.id.desc())))


def allocations_of(db: Session, receipt_id: int) -> list[tuple[ReceiptAllocation, Instalment]]:
    return [(a, i) for a, i in db.execute(
        select(ReceiptAllocation, Instalment).join(Instalment, Instalment.id == ReceiptAllocation.instalment_id)
        .where(ReceiptAllocation.receipt_id == receipt_id).order_by(Instalment.due_on, Instalment.id))]


def print_context(db: Session, actor: Actor, receipt: Receipt) -> dict[str, Any]:
    """What the receipt voucher (收款凭证) adds: the contract, the customer,
    the instalments it paid, the amount without its sign (a refund prints as
    money paid back)."""
    from plugins.crm.models import Customer

    contract = db.get(Contract, receipt.contract_id)
    customer = db.get(Customer, receipt.customer_id)
    return {
        "contract_number": shown(actor, contract, "number"),
        "contract_title": shown(actor, contract, "title"),
        "customer_name": shown(actor, customer, "name"),
        "method_label": PAYMENT_METHODS.get(receipt.method, receipt.method),
        "is_refund": receipt.kind == "refund",
        "voided": receipt.voided_at is not None,
        "paid": abs(receipt.amount),
        "allocations": [{"label": i.label or f"#{i.sequence}", "due_on": i.due_on, "amount": a.amount}
                        for a, i in allocations_of(db, receipt.id)],
    }
