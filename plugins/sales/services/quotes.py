"""Quotes (报价单): made and changed as drafts, numbered from the kernel
sequence ``sales.quote``, submitted for approval (the shipped chain: the
submitter's manager approves a discount above 10 % or a total above
200,000, anything else is approved at once), revised into a new draft
under the same number, expired by a daily job, and turned into contracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import (
    N_,
    Actor,
    Conflict,
    JobContext,
    User,
    ValidationError,
    amend,
    ensure_editable,
    get_for,
    load_actor,
    next_number,
    scope,
    transition,
)
from plugins.crm.models import Opportunity, OpportunityProduct
from plugins.sales.models import Quote, QuoteLine
from plugins.sales.services import documents as docs
from plugins.sales.services import lines as line_services

#: a quote is valid this many days when the form leaves it open
DEFAULT_VALIDITY = 30
#: states a quote may be revised from
REVISABLE = ("approved", "sent", "declined", "expired")
#: states a contract may be made from
CONTRACTABLE = ("approved", "sent", "accepted")

__all__ = ["create_quote", "expire_quotes", "fire", "from_opportunity", "quote_lines", "revise_quote",
           "revisions", "update_quote"]


def _checked(db: Session, actor: Actor,
             values: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header's values and the clean lines, or one ValidationError naming
    every bad field and line."""
    errors: dict[str, str] = {}
    clean = docs.header(db, actor, values, errors)
    clean["issued_on"] = docs.as_date(values.get("issued_on") or docs.today(), "issued_on", errors,
                                      required=True)
    clean["valid_until"] = docs.as_date(values.get("valid_until"), "valid_until", errors)
    clean["price_list_id"] = docs.price_list_of(db, actor, values.get("price_list_id"), clean["currency_code"],
                                                errors)
    if clean["issued_on"] is not None and clean["valid_until"] is None and "valid_until" not in errors:
        clean["valid_until"] = clean["issued_on"] + timedelta(days=DEFAULT_VALIDITY)
    if clean["issued_on"] and clean["valid_until"] and clean["valid_until"] < clean["issued_on"]:
        errors["valid_until"] = N_("A quote is valid until a day on or after its date.")
    rows = line_services.clean_given(db, actor, values, clean["currency_code"], errors)
    if errors:
        raise ValidationError(errors)
    return clean, rows


def create_quote(db: Session, actor: Actor, values: Mapping[str, Any]) -> Quote:
    """A new draft quote owned by ``actor``, numbered from ``sales.quote``;
    ``values["lines"]`` are the rows (see totals.clean_lines). Bad input
    raises one ValidationError naming each field and line; nothing is written."""
    actor.require("sales.quote.create")
    clean, rows = _checked(db, actor, values)
    quote = Quote(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                  number=next_number(db, docs.registry_of(db), "sales.quote", actor.org_id), revision=1,
                  state="draft", **clean)
    db.add(quote)
    db.flush()
    line_services.write_lines(db, quote, QuoteLine, "quote_id", rows)
    return quote


def update_quote(db: Session, actor: Actor, quote: Quote, values: Mapping[str, Any]) -> None:
    """Change a draft quote ``actor`` may update (404 outside their scope,
    409 once submitted), its lines included."""
    get_for(db, actor, Quote, quote.id, "update")
    ensure_editable(docs.registry_of(db), quote)
    merged = {**{k: getattr(quote, k) for k in ("title", "customer_id", "contact_id", "opportunity_id",
                                                 "currency_code", "tax_included", "issued_on", "valid_until",
                                                 "price_list_id", "payment_terms", "delivery_terms", "terms",
                                                 "note")},
              "lines": line_services.copy_rows(quote_lines(db, quote.id)), **values}
    clean, rows = _checked(db, actor, merged)
    for key, value in clean.items():
        setattr(quote, key, value)
    line_services.write_lines(db, quote, QuoteLine, "quote_id", rows)


def quote_lines(db: Session, quote_id: int) -> list[QuoteLine]:
    return line_services.lines_of(db, QuoteLine, "quote_id", quote_id)


def fire(db: Session, actor: Actor, quote_id: int, name: str, comment: str = "") -> Quote:
    """Fire workflow step ``name`` (submit, send, accept, ...) on a quote the
    actor may read; the kernel checks the state, permission and scope and,
    on submit, starts the approval chain."""
    quote = get_for(db, actor, Quote, quote_id, "read")
    if name == "submit" and not quote_lines(db, quote.id):
        raise ValidationError({"lines": N_("Add at least one line.")})
    transition(db, docs.registry_of(db), actor, quote, name, comment=comment)
    db.flush()
    return quote


def revise_quote(db: Session, actor: Actor, quote_id: int) -> Quote:
    """The next revision of an approved, sent, declined or expired quote: a
    new draft under the same number with revision + 1 and the lines copied;
    the old one is kept, in state ``revised``."""
    quote = get_for(db, actor, Quote, quote_id, "update")
    if quote.state not in REVISABLE:
        raise Conflict(N_("Only an approved, sent, declined or expired quote is revised."))
    latest = db.scalar(select(func.max(Quote.revision)).where(Quote.org_id == quote.org_id,
                                                              Quote.number == quote.number)) or quote.revision
    # the copy takes revision + 1 as it is made (the number and revision are unique together);
    # the original keeps its own in the database
    kept = quote.revision
    set_committed_value(quote, "revision", latest + 1)
    try:
        copy = amend(db, docs.registry_of(db), actor, quote)
    finally:
        set_committed_value(quote, "revision", kept)
    assert isinstance(copy, Quote)
    copy.owner_id, copy.department_id = quote.owner_id, quote.department_id
    db.flush()
    rows = line_services.copy_rows(quote_lines(db, quote.id))
    line_services.write_lines(db, copy, QuoteLine, "quote_id", rows)
    return copy


def revisions(db: Session, actor: Actor, quote: Quote) -> list[Quote]:
    """Every revision of the quote's number the reader may read, newest first."""
    return list(db.scalars(select(Quote).where(Quote.org_id == quote.org_id, Quote.number == quote.number,
                                               scope(actor, Quote, "read")).order_by(Quote.revision.desc())))


def from_opportunity(db: Session, actor: Actor, opportunity_id: int) -> dict[str, Any]:
    """The values of a new quote for an opportunity the reader may read:
    its customer, contact, currency and its products of interest as lines
    (a catalog product's price from the catalog; else the amount per unit)."""
    opportunity = get_for(db, actor, Opportunity, opportunity_id, "read")
    issued = docs.today()
    currency = opportunity.currency or "CNY"
    rows: list[dict[str, Any]] = []
    for product in db.scalars(select(OpportunityProduct).where(
            OpportunityProduct.opportunity_id == opportunity.id).order_by(OpportunityProduct.id)):
        quantity = product.quantity or Decimal(1)
        if product.product_id is not None and line_services.readable_products(db, actor, {product.product_id}):
            row = line_services.line_defaults(db, actor, product.product_id, currency=currency, on=issued,
                                              customer_id=opportunity.customer_id, quantity=quantity)
        else:
            price = (product.amount / quantity).quantize(Decimal("0.01")) if quantity else Decimal(0)
            row = {"product_id": None, "description": product.name, "unit": "", "quantity": quantity,
                   "unit_price": price, "list_price": price, "discount": Decimal(0), "tax_rate": Decimal(13)}
        rows.append(row)
    return {"customer_id": opportunity.customer_id, "contact_id": opportunity.contact_id,
            "opportunity_id": opportunity.id, "currency_code": currency, "title": opportunity.name,
            "issued_on": issued, "valid_until": issued + timedelta(days=DEFAULT_VALIDITY), "tax_included": True,
            "lines": rows}


def expire_quotes(ctx: JobContext) -> None:
    """The daily job ``sales.expire_quotes``: approved and sent quotes whose
    ``valid_until`` has passed move to ``expired`` (as their owner)."""
    expired = expire_due(ctx.session, ctx.kernel.registry)
    if expired:
        ctx.log(f"{len(expired)} quotes expired")


def expire_due(db: Session, registry: Any) -> list[int]:
    """Expire the quotes past their validity now (what the job does); their ids."""
    day = docs.today()
    found = list(db.scalars(select(Quote).where(Quote.state.in_(("approved", "sent")), Quote.valid_until < day,
                                                Quote.deleted_at.is_(None)).order_by(Quote.id)))
    for quote in found:
        transition(db, registry, _owner_actor(db, quote), quote, "expire")
    db.flush()
    return [q.id for q in found]


def _owner_actor(db: Session, record: Any) -> Actor:
    user = db.get(User, record.owner_id)
    assert user is not None
    return load_actor(db, user, all_codes=set(docs.registry_of(db).permissions))
