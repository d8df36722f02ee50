"""Contracts and sales orders (合同/订单): made directly or from a quote,
the buyer's particulars copied from the CRM customer, submitted for
approval (the shipped chain), locked from then on, changed only by
amendment (a new draft revision under the same number), reminded of their
renewal by a daily job, and shown on the customer's 360 view.

When a contract reaches ``approved`` (by the chain's last approver, at once
when no step applies, or by hand) :func:`on_approved` stamps
``approved_at`` and fires ``sales_contract_approved``.
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
    ValidationError,
    amend,
    ensure_editable,
    get_for,
    next_number,
    notify,
    scope,
    transition,
    utcnow,
)
from plugins.crm.models import Customer
from plugins.sales.models import Contract, ContractLine, PaymentTerm, Quote
from plugins.sales.models.choices import CONTRACT_KINDS
from plugins.sales.services import documents as docs
from plugins.sales.services import lines as line_services
from plugins.sales.services.quotes import CONTRACTABLE, quote_lines

#: states a contract may be amended from
AMENDABLE = ("approved", "signed", "executing")
#: fields of a contract a form or the API may set
FIELDS = ("kind", "title", "customer_id", "contact_id", "opportunity_id", "currency_code", "tax_included",
          "payment_term_id", "payment_terms", "delivery_terms", "terms", "note", "signed_on", "start_on",
          "end_on",
          "renewal_notice_days", "buyer_name", "buyer_address", "buyer_tax_no", "buyer_representative",
          "buyer_phone")
#: the buyer's particulars and their longest length
BUYER = {"buyer_name": 200, "buyer_address": 300, "buyer_tax_no": 30, "buyer_representative": 100,
         "buyer_phone": 50}

__all__ = ["AMENDABLE", "amend_contract", "buyer_of", "contract_from_quote", "contract_lines",
           "create_contract",
           "customer_documents", "fire", "on_approved", "remind_renewals", "update_contract"]


def buyer_of(db: Session, customer: Customer) -> dict[str, str]:
    """The buyer's particulars as the contract prints them: name, full
    address, USCC as tax number, main contact and phone."""
    contact = docs.main_contact(db, customer.id)
    parts = [customer.province, customer.city if customer.city != customer.province else "", customer.district]
    address = "".join(p for p in parts if p) + customer.address
    phone = (contact.mobile or contact.phone) if contact is not None else ""
    return {"buyer_name": customer.name, "buyer_address": address[:300], "buyer_tax_no": customer.uscc,
            "buyer_representative": contact.name if contact is not None else "",
            "buyer_phone": (phone or customer.phone)[:50]}


def _checked(db: Session, actor: Actor, values: Mapping[str, Any], *,
             copy_buyer: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    errors: dict[str, str] = {}
    clean = docs.header(db, actor, values, errors)
    kind = str(values.get("kind") or "contract")
    if kind not in CONTRACT_KINDS:
        errors["kind"] = N_("Choose one of the offered values.")
    clean["kind"] = kind
    for key in ("signed_on", "start_on", "end_on"):
        clean[key] = docs.as_date(values.get(key), key, errors)
    if clean["start_on"] and clean["end_on"] and clean["end_on"] < clean["start_on"]:
        errors["end_on"] = N_("A contract ends on or after its start.")
    notice = docs.as_int(values.get("renewal_notice_days")) if values.get("renewal_notice_days") not in (
        None, "") else 30
    if notice is None or not 0 <= notice <= 365:
        errors["renewal_notice_days"] = N_("Enter a whole number of days from 0 to 365.")
    clean["renewal_notice_days"] = notice or 0
    term_id = docs.as_int(values.get("payment_term_id"))
    if term_id is not None:
        term = db.get(PaymentTerm, term_id)
        if term is None or term.org_id != actor.org_id or not term.active:
            errors["payment_term_id"] = N_("Choose one of the organisation's payment terms.")
        elif not clean["payment_terms"]:
            clean["payment_terms"] = describe_term(term)
    clean["payment_term_id"] = term_id
    customer = db.get(Customer, clean["customer_id"]) if clean["customer_id"] is not None else None
    found = buyer_of(db, customer) if customer is not None and copy_buyer else {}
    for key in BUYER:
        given = str(values.get(key) or "").strip()
        clean[key] = (given or found.get(key, ""))[:BUYER[key]]
    rows = line_services.clean_given(db, actor, values, clean["currency_code"], errors)
    if errors:
        raise ValidationError(errors)
    return clean, rows


def describe_term(term: PaymentTerm) -> str:
    """A payment term's instalments as a sentence: "签约后 0 天付 30%；…"."""
    bases = {"signed": "签约", "start": "开始", "end": "结束"}
    parts = [f"{i.get('label') or ''}：{bases.get(str(i.get('basis')), '签约')}后 {i.get('days') or 0} 天付 "
             f"{i.get('percent')}%" for i in term.instalments]
    return "；".join(parts)


def create_contract(db: Session, actor: Actor, values: Mapping[str, Any], *,
                    quote_id: int | None = None) -> Contract:
    """A new draft contract owned by ``actor``, numbered from
    ``sales.contract``; the buyer's particulars left empty are copied from
    the customer. Bad input raises one ValidationError; nothing is written."""
    actor.require("sales.contract.create")
    clean, rows = _checked(db, actor, values, copy_buyer=True)
    contract = Contract(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                        number=next_number(db, docs.registry_of(db), "sales.contract", actor.org_id),
                        revision=1, state="draft", quote_id=quote_id, **clean)
    db.add(contract)
    db.flush()
    line_services.write_lines(db, contract, ContractLine, "contract_id", rows)
    return contract


def update_contract(db: Session, actor: Actor, contract: Contract, values: Mapping[str, Any]) -> None:
    """Change a draft contract ``actor`` may update: 404 outside their scope,
    409 once submitted or approved (locked: amend it instead)."""
    get_for(db, actor, Contract, contract.id, "update")
    ensure_editable(docs.registry_of(db), contract)
    merged = {**{k: getattr(contract, k) for k in FIELDS},
              "lines": line_services.copy_rows(contract_lines(db, contract.id)), **values}
    clean, rows = _checked(db, actor, merged, copy_buyer=False)
    for key, value in clean.items():
        setattr(contract, key, value)
    line_services.write_lines(db, contract, ContractLine, "contract_id", rows)


def contract_lines(db: Session, contract_id: int) -> list[ContractLine]:
    return line_services.lines_of(db, ContractLine, "contract_id", contract_id)


def contract_from_quote(db: Session, actor: Actor, quote_id: int) -> Contract:
    """A draft contract from an approved, sent or accepted quote the reader
    may read: its customer, contact, opportunity, currency, terms and lines.
    The customer took the offer: an approved or sent quote moves to
    ``accepted`` (its history names the contract) when the actor may change it."""
    quote = get_for(db, actor, Quote, quote_id, "read")
    if quote.state not in CONTRACTABLE:
        raise Conflict(N_("A contract is made from an approved, sent or accepted quote."))
    values = {"title": quote.title, "customer_id": quote.customer_id, "contact_id": quote.contact_id,
              "opportunity_id": quote.opportunity_id, "currency_code": quote.currency_code,
              "tax_included": quote.tax_included, "payment_terms": quote.payment_terms,
              "delivery_terms": quote.delivery_terms, "terms": quote.terms,
              "lines": line_services.copy_rows(quote_lines(db, quote.id))}
    contract = create_contract(db, actor, values, quote_id=quote.id)
    if quote.state != "accepted" and actor.can("sales.quote.update") and db.scalar(
            select(Quote.id).where(Quote.id == quote.id, scope(actor, Quote, "update"))) is not None:
        transition(db, docs.registry_of(db), actor, quote, "accept", comment=contract.number)
    return contract


def fire(db: Session, actor: Actor, contract_id: int, name: str, comment: str = "") -> Contract:
    """Fire workflow step ``name`` on a contract the actor may read (the
    kernel checks state, permission and scope; submit starts the chain)."""
    contract = get_for(db, actor, Contract, contract_id, "read")
    if name == "submit" and not contract_lines(db, contract.id):
        raise ValidationError({"lines": N_("Add at least one line.")})
    transition(db, docs.registry_of(db), actor, contract, name, comment=comment)
    db.flush()
    return contract


def on_approved(session: Session, actor: Actor | None, contract: Contract) -> None:
    """A contract just reached ``approved``: stamp it and tell the plugins
    listening on ``sales_contract_approved`` (from on_record_transitioned)."""
    contract.approved_at = utcnow()
    session.flush()
    hook = session.info.get("hook")
    if hook is not None:
        hook.sales_contract_approved(session=session, actor=actor, contract=contract)


def amend_contract(db: Session, actor: Actor, contract_id: int) -> Contract:
    """An amendment of an approved, signed or executing contract: a new
    draft under the same number, revision + 1, lines copied; the old one
    is kept, in state ``amended``."""
    contract = get_for(db, actor, Contract, contract_id, "update")
    if contract.state not in AMENDABLE:
        raise Conflict(N_("Only an approved, signed or executing contract is amended."))
    latest = db.scalar(select(func.max(Contract.revision)).where(
        Contract.org_id == contract.org_id, Contract.number == contract.number)) or contract.revision
    # the copy takes revision + 1 as it is made (the number and revision are unique together);
    # the original keeps its own in the database
    kept = contract.revision
    set_committed_value(contract, "revision", latest + 1)
    try:
        copy = amend(db, docs.registry_of(db), actor, contract)
    finally:
        set_committed_value(contract, "revision", kept)
    assert isinstance(copy, Contract)
    copy.owner_id, copy.department_id = contract.owner_id, contract.department_id
    copy.approved_at, copy.renewal_reminded_at, copy.received = None, None, Decimal(0)
    db.flush()
    line_services.write_lines(db, copy, ContractLine, "contract_id",
                              line_services.copy_rows(contract_lines(db, contract.id)))
    return copy


def revisions(db: Session, actor: Actor, contract: Contract) -> list[Contract]:
    return list(db.scalars(select(Contract).where(
        Contract.org_id == contract.org_id, Contract.number == contract.number,
        scope(actor, Contract, "read")).order_by(Contract.revision.desc())))


# ------------------------------------------------------------------ renewal reminders


def due_renewals(db: Session) -> list[Contract]:
    """Signed or executing contracts whose end falls within their notice
    days from today and whose owner was not reminded yet."""
    day = docs.today()
    rows = db.scalars(select(Contract).where(
        Contract.state.in_(("signed", "executing")), Contract.end_on.is_not(None), Contract.end_on >= day,
        Contract.end_on <= day + timedelta(days=365), Contract.renewal_notice_days > 0,
        Contract.renewal_reminded_at.is_(None), Contract.deleted_at.is_(None)).order_by(Contract.id))
    return [c for c in rows if c.end_on is not None and c.end_on - timedelta(days=c.renewal_notice_days) <= day]


def remind_due(db: Session) -> list[int]:
    """Remind the owners of the contracts due (once each); their ids."""
    found = due_renewals(db)
    for contract in found:
        notify(db, user_ids=[contract.owner_id or 0], subject=N_("Contract {number} ends on {date}"),
               body=N_("{number} with {customer} ends on {date}: talk to the customer about renewing it."),
               params={"number": contract.number, "customer": contract.buyer_name,
                       "date": contract.end_on.isoformat() if contract.end_on else ""},
               link=f"/sales/contracts/{contract.id}", category="reminder",
               record=("sales.contract", contract.id))
        contract.renewal_reminded_at = utcnow()
    db.flush()
    return [c.id for c in found]


def remind_renewals(ctx: JobContext) -> None:
    """The daily job ``sales.renewal_reminders``."""
    done = remind_due(ctx.session)
    if done:
        ctx.log(f"{len(done)} renewal reminders")


# ------------------------------------------------------------------ the customer's 360 view


def customer_documents(db: Session, actor: Actor, customer_id: int, limit: int = 20) -> dict[str, list[Any]]:
    """The customer's quotes and contracts the reader may read, newest first."""
    quotes: list[Quote] = []
    contracts: list[Contract] = []
    if actor.can("sales.quote.read"):
        quotes = list(db.scalars(select(Quote).where(Quote.customer_id == customer_id,
                                                     scope(actor, Quote, "read"))
                                 .order_by(Quote.id.desc()).limit(limit)))
    if actor.can("sales.contract.read"):
        contracts = list(db.scalars(select(Contract).where(Contract.customer_id == customer_id,
                                                           scope(actor, Contract, "read"))
                                    .order_by(Contract.id.desc()).limit(limit)))
    return {"quotes": quotes, "contracts": contracts}
