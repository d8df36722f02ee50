"""Converting a lead (转化线索): a customer (new, or an existing one the
actor may read), a contact and optionally an opportunity, in the caller's
one transaction: any refusal raises before the request commits, so a
failure in one leaves nothing of the others.

Before saving, :func:`duplicates` asks the dataio duplicate service for
customers and contacts like the ones about to be made. A candidate the
actor may read is offered to attach the lead to; one owned by someone
else that the actor may not read shows only that it exists and who owns
it, cannot be attached to, and — when it is the same customer (an exact
match of name, credit code or phone) — stops a new customer being made:
a salesperson cannot take a colleague's customer by converting a lead.
Similar names (fuzzy matches) only ask for confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, scope, transition, utcnow
from plugins.crm.models import Contact, Customer, Lead, Opportunity, Stage
from plugins.crm.services import customers as customer_services
from plugins.crm.services.leads import OPEN_STATES, normal_mobile
from plugins.crm.services.opportunities import create_opportunity, ensure_pipelines


@dataclass
class Duplicates:
    """What the conversion page shows before saving."""

    customers: list[Any] = field(default_factory=list)
    contacts: list[Any] = field(default_factory=list)

    @property
    def blocking(self) -> list[Any]:
        """Exact matches the actor may not read: no new customer then."""
        return [c for c in self.customers if c.exact and not c.readable]

    @property
    def attachable(self) -> list[Any]:
        return [c for c in self.customers if c.readable]

    def __bool__(self) -> bool:
        return bool(self.customers or self.contacts)


@dataclass(frozen=True)
class Converted:
    lead: Lead
    customer: Customer
    contact: Contact
    opportunity: Opportunity | None
    attached: bool


def prefill(lead: Lead) -> dict[str, Any]:
    """The conversion form's first values, from the lead."""
    company = lead.company or ""
    return {
        "customer_name": company or lead.name, "customer_kind": "company" if company else "person",
        "customer_phone": lead.phone, "customer_email": lead.email, "province": lead.province,
        "city": lead.city, "uscc": "",
        "contact_name": lead.name, "position": lead.position, "mobile": lead.mobile, "phone": lead.phone,
        "email": lead.email, "wechat": lead.wechat,
        "with_opportunity": False, "opportunity_name": f"{company or lead.name}", "amount": "",
        "expected_close_on": "",
    }


def duplicates(db: Session, actor: Actor, values: dict[str, Any]) -> Duplicates:
    """Customers and contacts the conversion may duplicate (dataio's rules
    for ``crm.customer`` and ``crm.contact``)."""
    from plugins.dataio.duplicates import candidates

    found = Duplicates()
    wanted = {"name": values.get("customer_name") or "", "uscc": values.get("uscc") or "",
              "phone": values.get("customer_phone") or ""}
    found.customers = candidates(db, actor, Customer, {k: v for k, v in wanted.items() if v})
    person = {"mobile": values.get("mobile") or "", "email": values.get("email") or ""}
    found.contacts = candidates(db, actor, Contact, {k: v for k, v in person.items() if v})
    return found


def convert_lead(db: Session, actor: Actor, lead_id: int, values: dict[str, Any]) -> Converted:
    """Convert the lead as ``values`` say (the conversion form's fields):
    ``attach_to`` an existing customer's id, else a new customer
    (``confirm_new`` after a warning about similar ones); the contact; with
    ``with_opportunity``, an opportunity in the organisation's default
    pipeline. Needs ``crm.lead.update`` on the lead and ``crm.customer.create``
    (or read on the attached customer) and ``crm.contact.create``."""
    lead = get_for(db, actor, Lead, lead_id, "update")
    if lead.state not in OPEN_STATES:
        raise Conflict(N_("Only a lead that is not yet converted or disqualified can be converted."))
    actor.require("crm.contact.create")
    contact_values = _contact_values(values)
    attach_to = values.get("attach_to")
    if attach_to not in (None, ""):
        customer = _attachable(db, actor, attach_to)
        attached = True
    else:
        actor.require("crm.customer.create")
        customer_values = _customer_values(values, lead)
        found = duplicates(db, actor, values)
        if found.blocking:
            owner = found.blocking[0].owner or "—"
            raise Conflict(N_("This customer exists already and belongs to {owner}: ask them or your "
                              "manager."), owner=owner)
        if found.customers and not _truthy(values.get("confirm_new")):
            raise ValidationError({"confirm_new": N_("Similar customers exist: attach the lead to one of "
                                                     "them, or confirm that this is a new customer.")})
        customer = customer_services.create_customer(db, actor, customer_values)
        db.flush()
        attached = False
    contact = customer_services.create_contact(db, actor, customer, contact_values)
    db.flush()
    opportunity = None
    if _truthy(values.get("with_opportunity")):
        actor.require("crm.opportunity.create")
        opportunity = _opportunity(db, actor, customer, contact, lead, values)
    lead.customer_id, lead.contact_id, lead.converted_at = customer.id, contact.id, utcnow()
    db.flush()
    transition(db, db.info["registry"], actor, lead, "convert")
    return Converted(lead, customer, contact, opportunity, attached)


def _attachable(db: Session, actor: Actor, raw: Any) -> Customer:
    try:
        customer_id = int(str(raw))
    except ValueError:
        customer_id = 0
    customer = db.scalar(select(Customer).where(Customer.id == customer_id, scope(actor, Customer, "read")))
    if customer is None:
        raise ValidationError({"attach_to": N_("You can attach the lead only to a customer you may see.")})
    return customer


def _customer_values(values: dict[str, Any], lead: Lead) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = str(values.get("customer_name") or "").strip()
    if not name:
        errors["customer_name"] = N_("Give the customer's name.")
    kind = str(values.get("customer_kind") or "company")
    if kind not in ("company", "person"):
        errors["customer_kind"] = N_("Choose one of the offered kinds.")
    if errors:
        raise ValidationError(errors)
    return {"name": name[:200], "kind": kind, "uscc": str(values.get("uscc") or "").strip()[:18],
            "phone": str(values.get("customer_phone") or "").strip()[:40],
            "email": str(values.get("customer_email") or "").strip()[:200],
            "province": str(values.get("province") or "")[:40], "city": str(values.get("city") or "")[:40],
            "source": lead.source or "other"}


def _contact_values(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = str(values.get("contact_name") or "").strip()
    if not name:
        errors["contact_name"] = N_("Give the contact's name.")
    mobile = str(values.get("mobile") or "").strip()
    if mobile:
        try:
            mobile = normal_mobile(mobile)
        except ValueError as exc:
            errors["mobile"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return {"name": name[:100], "position": str(values.get("position") or "").strip()[:100],
            "mobile": mobile, "phone": str(values.get("phone") or "").strip()[:40],
            "email": str(values.get("email") or "").strip()[:200],
            "wechat": str(values.get("wechat") or "").strip()[:60], "is_main": True}


def _opportunity(db: Session, actor: Actor, customer: Customer, contact: Contact, lead: Lead,
                 values: dict[str, Any]) -> Opportunity:
    """An opportunity in the first open stage of the organisation's default
    pipeline, made by the sales services (their checks, ownership and stage
    log), keeping the lead for attribution."""
    pipelines = ensure_pipelines(db, customer.org_id)
    pipeline = next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
    stage = None if pipeline is None else db.scalar(
        select(Stage).where(Stage.pipeline_id == pipeline.id, Stage.kind == "open")
        .order_by(Stage.sequence, Stage.id).limit(1))
    if pipeline is None or stage is None:
        raise ValidationError({"with_opportunity": N_("No sales pipeline is set up yet: convert without an "
                                                      "opportunity, or ask an administrator to set one up.")})
    name = str(values.get("opportunity_name") or "").strip() or customer.name
    opportunity = create_opportunity(db, actor, {
        "name": name[:200], "customer_id": customer.id, "contact_id": contact.id, "pipeline_id": pipeline.id,
        "stage_id": stage.id, "amount": str(values.get("amount") or "").strip().replace(",", "") or "0",
        "expected_close_on": str(values.get("expected_close_on") or "").strip() or None,
        "source": lead.source if lead.source else "", "currency": "CNY"})
    opportunity.lead_id = lead.id
    return opportunity


def _truthy(value: Any) -> bool:
    return value in (True, "1", "on", "true", "yes")


__all__ = ["Converted", "Duplicates", "convert_lead", "duplicates", "prefill"]
