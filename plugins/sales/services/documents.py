"""What quotes and contracts share: checking the header a form or the API
sends (customer, contact and opportunity the reader may see, currency,
dates, texts), the day in China, and firing their workflow steps.

Used by plugins.sales.services.quotes and .contracts; not a public API.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, NotFound, get_for, shown_value, utcnow
from plugins.catalog.models import Currency, PriceList
from plugins.crm.models import Contact, Customer, Opportunity

CHINA = ZoneInfo("Asia/Shanghai")
#: the longest text of terms, notes, payment and delivery terms
MAX_TEXT = 20_000


def shown(actor: Actor, record: Any, name: str) -> Any:
    """A field of ``record`` (of any model: a quote's customer, a delivery's
    contract) as ``actor`` may read it, for a print or a page: "" when
    hidden, masked text when masked."""
    if record is None:
        return ""
    value = shown_value(actor, type(record), name, getattr(record, name))
    return "" if value is None else value


def today() -> date:
    """Today in China (the kernel's clock, so tests move it)."""
    return utcnow().astimezone(CHINA).date()


def registry_of(db: Session) -> Any:
    return db.info["registry"]


def as_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_date(raw: Any) -> date | None:
    """A date given as a date or ISO text; None when empty or not a date."""
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip()) if raw not in (None, "") else None
    except ValueError:
        return None


def as_date(value: Any, key: str, errors: dict[str, str], *, required: bool = False) -> date | None:
    if isinstance(value, date):
        return value
    if value in (None, ""):
        if required:
            errors[key] = N_("Enter a date.")
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[key] = N_("Give the date as YYYY-MM-DD.")
        return None


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def text(values: Mapping[str, Any], key: str, errors: dict[str, str], *, limit: int = MAX_TEXT) -> str:
    value = str(values.get(key) or "").strip()
    if len(value) > limit:
        errors[key] = N_("The text is too long.")
    return value


def customer_of(db: Session, actor: Actor, customer_id: Any, errors: dict[str, str]) -> Customer | None:
    """The customer a document is for: one the reader may read, in their organisation."""
    try:
        customer = get_for(db, actor, Customer, as_int(customer_id) or 0, "read")
    except NotFound:
        customer = None
    if customer is None or customer.org_id not in actor.org_ids | {actor.org_id}:
        errors["customer_id"] = N_("Choose a customer you may see.")
        return None
    return customer


def contact_of(db: Session, customer: Customer | None, contact_id: Any, errors: dict[str, str]) -> int | None:
    wanted = as_int(contact_id)
    if wanted is None:
        return None
    if customer is None or db.scalar(select(Contact.id).where(
            Contact.id == wanted, Contact.customer_id == customer.id, Contact.deleted_at.is_(None))) is None:
        errors["contact_id"] = N_("The contact must be one of the customer's.")
    return wanted


def opportunity_of(db: Session, actor: Actor, customer: Customer | None, opportunity_id: Any,
                   errors: dict[str, str]) -> int | None:
    wanted = as_int(opportunity_id)
    if wanted is None:
        return None
    try:
        found = get_for(db, actor, Opportunity, wanted, "read")
    except NotFound:
        found = None
    if found is None or customer is None or found.customer_id != customer.id:
        errors["opportunity_id"] = N_("The opportunity must be one of the customer's.")
    return wanted


def currency_of(db: Session, code: Any, errors: dict[str, str]) -> str:
    value = str(code or "CNY").strip().upper()
    known = set(db.scalars(select(Currency.code)))
    if (known and value not in known) or (not known and value != "CNY"):
        errors["currency_code"] = N_("Choose one of the offered currencies.")
    return value


def price_list_of(db: Session, actor: Actor, price_list_id: Any, currency: str,
                  errors: dict[str, str]) -> int | None:
    wanted = as_int(price_list_id)
    if wanted is None:
        return None
    try:
        found = get_for(db, actor, PriceList, wanted, "read")
    except NotFound:
        found = None
    if found is None or found.currency_code != currency:
        errors["price_list_id"] = N_("Choose a price list in the document's currency.")
    return wanted


def header(db: Session, actor: Actor, values: Mapping[str, Any],
           errors: dict[str, str]) -> dict[str, Any]:
    """What a quote's and a contract's header share, checked: the title, the
    customer, contact and opportunity the reader may see, the currency,
    whether prices include tax, and the texts; errors keyed by field."""
    customer = customer_of(db, actor, values.get("customer_id"), errors)
    clean: dict[str, Any] = {
        "title": text(values, "title", errors, limit=200),
        "customer_id": customer.id if customer is not None else None,
        "contact_id": contact_of(db, customer, values.get("contact_id"), errors),
        "opportunity_id": opportunity_of(db, actor, customer, values.get("opportunity_id"), errors),
        "currency_code": currency_of(db, values.get("currency_code"), errors),
        "tax_included": as_bool(values.get("tax_included", True)),
    }
    for key in ("payment_terms", "delivery_terms", "terms", "note"):
        clean[key] = text(values, key, errors)
    return clean


def main_contact(db: Session, customer_id: int) -> Contact | None:
    return db.scalar(select(Contact).where(Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
                     .order_by(Contact.is_main.desc(), Contact.id).limit(1))


def ensure_lines(db: Session, document: Any) -> None:
    """Conflict when a quote or contract has no line (it is not submitted so)."""
    from plugins.sales.models import ContractLine, QuoteLine

    model, column = (QuoteLine, QuoteLine.quote_id) if document.__model_key__ == "sales.quote" else \
        (ContractLine, ContractLine.contract_id)
    if db.scalar(select(model.id).where(column == document.id).limit(1)) is None:
        raise Conflict(N_("Add at least one line before submitting."))
