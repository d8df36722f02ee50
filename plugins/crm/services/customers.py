"""Customers and contacts: creating and changing them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError, create_many, get_for, utcnow
from plugins.crm import regions
from plugins.crm.models import Contact, Customer, OwnershipLog
from plugins.crm.services import tags as tag_service
from plugins.crm.services.names import initial
from plugins.dataio.normalise import phone as phone_key
from plugins.dataio.normalise import uscc as uscc_key


def create_customer(db: Session, actor: Actor, values: dict[str, Any]) -> Customer:
    """A new customer owned by ``actor`` (org, owner and department come from
    the actor, never from the form: rule 8). ``values`` may carry ``tags``
    (names, comma-separated or a list): missing tags are created."""
    names = tag_service.parse(values.pop("tags", None))
    values = clean_customer_values(db, actor, None, values)
    customer = Customer(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                        owned_since=utcnow(), **values)
    customer.initial = initial(customer.name or "")
    db.add(customer)
    db.flush()
    db.add(OwnershipLog(org_id=customer.org_id, customer_id=customer.id, action="create",
                        to_user_id=actor.user_id, actor_id=actor.user_id))
    if names:
        tag_service.set_tags(db, customer, names)
    return customer


def create_customers(db: Session, actor: Actor, rows: list[dict[str, Any]]) -> list[int]:
    """Many customers at once (an import), as ``create_customer`` makes them:
    owned by ``actor``, with their letter, checked values and tags."""
    now = utcnow()
    names = [tag_service.parse(row.pop("tags", None)) for row in rows]
    ready = [{"owned_since": now, **clean_customer_values(db, actor, None, row),
              "initial": initial(str(row.get("name") or ""))} for row in rows]
    ids = create_many(db, actor, Customer, ready)
    db.execute(insert(OwnershipLog), [
        {"org_id": actor.org_id, "customer_id": i, "action": "create", "to_user_id": actor.user_id,
         "actor_id": actor.user_id, "reason": "", "at": now} for i in ids])
    tagged = [(i, n) for i, n in zip(ids, names, strict=True) if n]
    if tagged:
        tag_service.tag_rows(db, actor.org_id, tagged)
    return ids


def update_customer(db: Session, actor: Actor, customer: Customer, values: Mapping[str, Any]) -> None:
    values = dict(values)
    names = tag_service.parse(values.pop("tags")) if "tags" in values else None
    values = clean_customer_values(db, actor, customer, values)
    if values.get("parent_id") is not None and _would_cycle(db, customer.id, int(values["parent_id"])):
        raise ValidationError({"parent_id": N_("A company cannot be its own parent or a parent of its "
                                               "parents.")})
    for key, value in values.items():
        setattr(customer, key, value)
    if "name" in values:
        customer.initial = initial(customer.name or "")
    if names is not None:
        tag_service.set_tags(db, customer, names)


def clean_customer_values(db: Session, actor: Actor, customer: Customer | None,
                          values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked and normalised: the region exists and hangs together,
    the credit code's check character is right (stored upper case), phones
    are phone numbers (stored as ``13812345678`` or ``010-65123456``), the
    parent company is one the actor may read. ValidationError names the
    first bad field."""
    out = dict(values)
    if "kind" in out and not out["kind"]:
        out["kind"] = "company"  # an import without the column, a form left at "choose"
    if {"province", "city", "district"} & set(out):
        region = [str(out.get(k, getattr(customer, k, "") if customer else "") or "")
                  for k in ("province", "city", "district")]
        regions.check(*region)
    if out.get("uscc"):
        code = uscc_key(str(out["uscc"]))
        if not code:
            raise ValidationError({"uscc": N_("This is no valid Unified Social Credit Code: 18 characters "
                                              "whose last is the check character.")})
        out["uscc"] = code
    if out.get("phone"):
        out["phone"] = normal_phone(str(out["phone"]), "phone")
    if out.get("parent_id") is not None:
        try:
            get_for(db, actor, Customer, int(out["parent_id"]))
        except NotFound:
            raise ValidationError({"parent_id": N_("Choose a parent company among the customers you may "
                                                   "see.")}) from None
    return out


def normal_phone(text: str, field: str) -> str:
    """A phone number as stored: a mobile's 11 digits, a landline as
    ``area code-number``; ValidationError on ``field`` for anything else."""
    digits = phone_key(text)
    if not digits:
        raise ValidationError({field: N_("This is no phone number.")})
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4  # 010, 02x; other area codes have four digits
        return f"{digits[:area]}-{digits[area:]}"
    return digits


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
    values = clean_contact_values(values)
    _check_boss(db, customer.id, values.get("reports_to_id"))
    contact = Contact(customer_id=customer.id, **contact_owner_values(customer), **values)
    if contact.is_main:
        _unset_main(db, customer.id)
    db.add(contact)
    return contact


def update_contact(db: Session, actor: Actor, contact: Contact, values: Mapping[str, Any]) -> None:
    if values.get("reports_to_id") is not None and _reports_cycle(db, contact.id, int(values["reports_to_id"])):
        raise ValidationError({"reports_to_id": N_("A contact cannot report to themselves or to someone "
                                                   "below them.")})
    values = clean_contact_values(values)
    _check_boss(db, contact.customer_id, values.get("reports_to_id"))
    if values.get("is_main") and not contact.is_main:
        _unset_main(db, contact.customer_id)
    for key, value in values.items():
        setattr(contact, key, value)


def clean_contact_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A contact's phones normalised (ValidationError naming a bad one)."""
    out = dict(values)
    for field in ("mobile", "phone"):
        if out.get(field):
            out[field] = normal_phone(str(out[field]), field)
    return out


def _check_boss(db: Session, customer_id: int, boss_id: Any) -> None:
    if boss_id is not None and db.scalar(select(Contact.customer_id).where(
            Contact.id == int(boss_id), Contact.deleted_at.is_(None))) != customer_id:
        raise ValidationError({"reports_to_id": N_("A contact reports to someone at the same customer.")})


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


__all__ = ["clean_contact_values", "clean_customer_values", "contact_owner_values", "create_contact",
           "create_customer", "create_customers", "normal_phone", "update_contact", "update_customer"]
