"""What the sales plugin gives the printing plugin: the quote (报价单),
the contract (销售合同), the receipt voucher (收款凭证) and the delivery note
(发货单) as printed documents, with their lines, totals and
parties, as plain values (never ORM records) and only fields the reader
may see (a hidden price stays hidden on paper too)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import N_, Actor, PrintDecl
from plugins.catalog.services.money import places_of
from plugins.crm.models import Contact, Customer
from plugins.sales.models import Contract, ContractLine, Delivery, Quote, QuoteLine, Receipt
from plugins.sales.services.contracts import contract_lines
from plugins.sales.services.deliveries import print_context as delivery_context
from plugins.sales.services.documents import shown
from plugins.sales.services.quotes import quote_lines
from plugins.sales.services.receipts import print_context as receipt_context

LINE_FIELDS = ("description", "unit", "quantity", "unit_price", "list_price", "discount", "tax_rate", "amount",
               "tax", "total")


def _lines(actor: Actor, model: Any, lines: list[Any]) -> list[dict[str, Any]]:
    hidden = actor.hidden_fields(model)
    return [{key: (getattr(line, key) if key not in hidden else None) for key in LINE_FIELDS}
            | {key: _plain(getattr(line, key)) if key not in hidden else "" for key in ("quantity", "discount",
                                                                                         "tax_rate")}
            for line in lines]


def _plain(value: Any) -> str:
    """A quantity or percentage as written: 2, 0.5, 13 (no trailing zeros, no exponent)."""
    return f"{value.normalize():f}" if value is not None else ""


def _paragraphs(value: str) -> list[str]:
    return [p.strip() for p in (value or "").splitlines() if p.strip()]


def quote_context(session: Session, actor: Actor, quote: Quote) -> dict[str, Any]:
    """A quote's lines, customer, contact and terms as printed."""
    customer = session.get(Customer, quote.customer_id)
    contact = session.get(Contact, quote.contact_id) if quote.contact_id else None
    return {"lines": _lines(actor, QuoteLine, quote_lines(session, quote.id)),
            "customer": shown(actor, customer, "name"),
            "customer_address": shown(actor, customer, "address"),
            "contact": shown(actor, contact, "name"),
            "places": places_of(session, quote.currency_code),
            "terms_paragraphs": _paragraphs(shown(actor, quote, "terms"))}


def contract_context(session: Session, actor: Actor, contract: Contract) -> dict[str, Any]:
    """A contract's parties, lines and clauses as printed."""
    return {"lines": _lines(actor, ContractLine, contract_lines(session, contract.id)),
            "places": places_of(session, contract.currency_code),
            "terms_paragraphs": _paragraphs(shown(actor, contract, "terms")),
            "payment_paragraphs": _paragraphs(shown(actor, contract, "payment_terms")),
            "delivery_paragraphs": _paragraphs(shown(actor, contract, "delivery_terms"))}


PRINTS = [
    PrintDecl("sales.quote", N_("Quote"), Quote, "sales/print/quote.html", number="number",
              context=quote_context),
    PrintDecl("sales.contract", N_("Sales contract"), Contract, "sales/print/contract.html", number="number",
              context=contract_context, keep_issued=True),
    PrintDecl("sales.receipt", N_("Receipt voucher"), Receipt, "sales/print/receipt.html", number="number",
              context=receipt_context),
    PrintDecl("sales.delivery", N_("Delivery note"), Delivery, "sales/print/delivery.html", number="number",
              context=delivery_context),
]
