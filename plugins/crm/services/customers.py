"""Customers and contacts: creating and changing them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, create_many, utcnow
from plugins.crm.models import Contact, Customer, OwnershipLog
from plugins.crm.services.names import initial


def create_customer(db: Session, actor: Actor, values: dict[str, Any]) -> Customer:
    """A new customer owned by ``actor`` (org, owner and department come from
    the actor, never from the form: rule 8)."""
    customer = Customer(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                        owned_since=utcnow(), **values)
    customer.initial = initial(customer.name or "")
    db.add(customer)
    db.flush()
    db.add(OwnershipLog(org_id=customer.org_id, customer_id=customer.id, action="create",
                        to_user_id=actor.user_id, actor_id=actor.user_id))
    return customer


def create_customers(db: Session, actor: Actor, rows: list[dict[str, Any]]) -> list[int]:
    """Many customers at once (an import), as ``create_customer`` makes them."""
    now = utcnow()
    ready = [{"owned_since": now, **row, "initial": initial(str(row.get("name") or ""))} for row in rows]
    ids = create_many(db, actor, Customer, ready)
    db.execute(insert(OwnershipLog), [
        {"org_id": actor.org_id, "customer_id": i, "action": "create", "to_user_id": actor.user_id,
         "actor_id": actor.user_id, "reason": "", "at": now} for i in ids])
    return ids


def update_customer(db: Session, actor: Actor, customer: Customer, values: Mapping[str, Any]) -> None:
    if values.get("parent_id") is not None and _would_cycle(db, customer.id, int(values["parent_id"])):
        raise ValidationError({"parent_id": N_("A company cannot be its own parent or a parent of its "
                                               "parents.")})
    for key, value in values.items():
        setattr(customer, key, value)
    if "name" in values:
        customer.initial = initial(customer.name or "")


def _would_cycle(db: Session, customer_id: int, parent_id: int) -> bool:
    seen: set[int] = set()
    current: int | None = parent_id
    while current is not None and current not in seen:
        if current == customer_id:
            return True
        seen.add(current)
        current = db.scalar(select(Customer.parent_id).where(Customer.id == current))
    return False


def contact_owner_values(customer: Customer) -> dict[str, Any]:
    """The scope columns a record of ``customer`` gets: its owner's."""
    return {"org_id": customer.org_id, "owner_id": customer.owner_id, "department_id": customer.department_id}


def create_contact(db: Session, actor: Actor, customer: Customer, values: dict[str, Any]) -> Contact:
    contact = Contact(customer_id=customer.id, **contact_owner_values(customer), **values)
    if contact.is_main:
        _unset_main(db, customer.id)
    db.add(contact)
    return contact


def update_contact(db: Session, actor: Actor, contact: Contact, values: Mapping[str, Any]) -> None:
    if values.get("reports_to_id") is not None and _reports_cycle(db, contact.id, int(values["reports_to_id"])):
        raise ValidationError({"reports_to_id": N_("A contact cannot report to themselves or to someone "
                                                   "below them.")})
    if values.get("is_main") and not contact.is_main:
        _unset_main(db, contact.customer_id)
    for key, value in values.items():
        setattr(contact, key, value)


def _unset_main(db: Session, customer_id: int) -> None:
    for other in db.scalars(select(Contact).where(Contact.customer_id == customer_id,
                                                  Contact.is_main.is_(True))):
        other.is_main = False


def _reports_cycle(db: Session, contact_id: int, boss_id: int) -> bool:
    seen: set[int] = set()
    current: int | None = boss_id
    while current is not None and current not in seen:
        if current == contact_id:
            return True
        seen.add(current)
        current = db.scalar(select(Contact.reports_to_id).where(Contact.id == current))
    return False


__all__ = ["create_contact", "create_customer", "create_customers", "update_contact", "update_customer",
           "contact_owner_values"]
