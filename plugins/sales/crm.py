"""What the sales plugin adds to the CRM's pages: the customer 360 view's
"Quotes and contracts" panel (crm_customer_panels) and, on an opportunity's
page, the "Create quote" panel prefilled from the deal."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import N_, Actor, Panel
from plugins.sales.models.choices import CONTRACT_STATES, QUOTE_STATES
from plugins.sales.services.contracts import customer_documents


def customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """The customer's quotes and contracts the reader may read: number,
    state, total and (contracts) received."""
    if not (actor.can("sales.quote.read") or actor.can("sales.contract.read")):
        return []
    found = customer_documents(session, actor, customer.id)
    return [Panel("sales-documents", N_("Quotes and contracts"), "sales/_customer_documents.html",
                  {**found, "customer_id": customer.id, "quote_states": QUOTE_STATES,
                   "contract_states": CONTRACT_STATES,
                   "can_quote": actor.can("sales.quote.create"),
                   "can_contract": actor.can("sales.contract.create")}, order=160)]


def opportunity_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """On an opportunity's page: its quotes and a "create quote" button
    (prefilled with its customer, contact and products of interest)."""
    if model_key != "crm.opportunity" or not actor.can("sales.quote.read"):
        return []
    from sqlalchemy import select

    from core import scope
    from plugins.sales.models import Quote

    quotes = list(session.scalars(select(Quote).where(Quote.opportunity_id == record.id,
                                                      scope(actor, Quote, "read")).order_by(Quote.id.desc())
                                  .limit(20)))
    return [Panel("sales-opportunity-quotes", N_("Quotes"), "sales/_opportunity_quotes.html",
                  {"quotes": quotes, "opportunity": record, "states": QUOTE_STATES,
                   "can_quote": actor.can("sales.quote.create"), "won": record.state == "won"}, order=140)]
