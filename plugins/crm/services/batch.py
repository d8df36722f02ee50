"""Batch work on many customers at once: assign or transfer, recall to a
pool, tag and untag, change a field, start an SFA sequence, export, delete.

Every batch runs in the caller's one transaction and checks the action's
permission on *every* customer first: one id outside the actor's scope for
that action refuses the whole batch (404), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError, scope, utcnow
from plugins.crm.models import Customer
from plugins.crm.models.choices import INDUSTRIES, LEVELS, SOURCES
from plugins.crm.services import tags as tag_service

#: the actions, with the permission each needs on every customer (assign and
#: recall check theirs in plugins/crm/services/pools.py, sequences in sfa.py)
ACTIONS = {
    "assign": "assign", "recall": "assign", "tag": "update", "untag": "update", "set_field": "update",
    "sequence": "update", "export": "export", "delete": "delete",
}
ACTION_LABELS = {
    "assign": N_("Assign or transfer"), "recall": N_("Recall to the pool"), "tag": N_("Add tags"),
    "untag": N_("Remove tags"), "set_field": N_("Change a field"), "sequence": N_("Start an SFA sequence"),
    "export": N_("Export"), "delete": N_("Delete"),
}
#: the fields a batch may change, with their choices
FIELDS = {"level": LEVELS, "industry": INDUSTRIES, "source": SOURCES}
FIELD_LABELS = {"level": N_("Level"), "industry": N_("Industry"), "source": N_("Source")}
#: the most customers one batch may take
MAX_BATCH = 2000


def parse_ids(raw: Any) -> list[int]:
    """Customer ids from a form (``ids[]``), without repeats, in order."""
    values = raw if isinstance(raw, list) else [raw] if raw else []
    ids = list(dict.fromkeys(int(v) for v in values if str(v).isdigit()))
    if not ids:
        raise ValidationError({"ids": N_("Select at least one customer.")})
    if len(ids) > MAX_BATCH:
        raise ValidationError({"ids": N_("At most 2,000 customers at once.")})
    return ids


def customers_for(db: Session, actor: Actor, ids: Sequence[int], action: str) -> list[Customer]:
    """The customers ``ids``, each within the actor's scope for ``action``
    (``crm.customer.<action>``); NotFound when any is not."""
    actor.require(f"crm.customer.{action}")
    found = list(db.scalars(select(Customer).where(Customer.id.in_(ids), scope(actor, Customer, action))
                            .order_by(Customer.id)))
    if len(found) != len(set(ids)):
        raise NotFound()
    return found


def tag(db: Session, actor: Actor, ids: Sequence[int], tag_ids: Sequence[int], new_tag: str = "") -> int:
    """Put tags (chosen ones, and ``new_tag`` made on the fly) on every customer."""
    customers_for(db, actor, ids, "update")
    chosen = list(tag_ids) + [t.id for t in tag_service.ensure(db, actor.org_id, tag_service.parse(new_tag))]
    if not chosen:
        raise ValidationError({"tag_ids": N_("Choose a tag.")})
    return tag_service.tag_many(db, actor.org_id, ids, chosen)


def untag(db: Session, actor: Actor, ids: Sequence[int], tag_ids: Sequence[int]) -> int:
    customers_for(db, actor, ids, "update")
    if not tag_ids:
        raise ValidationError({"tag_ids": N_("Choose a tag.")})
    return tag_service.untag_many(db, ids, tag_ids)


def set_field(db: Session, actor: Actor, ids: Sequence[int], field: str, value: str) -> int:
    """Give every customer the same ``value`` of ``field`` (level, industry or
    source), a field the actor may change (field rules)."""
    if field not in FIELDS or field in actor.readonly_fields(Customer):
        raise ValidationError({"field": N_("Choose a field you may change.")})
    if value not in FIELDS[field] and not (value == "" and field != "level"):
        raise ValidationError({"value": N_("Choose one of the offered values.")})
    customers = customers_for(db, actor, ids, "update")
    for customer in customers:
        setattr(customer, field, value)  # one audited change per customer
    return len(customers)


def delete(db: Session, actor: Actor, ids: Sequence[int]) -> int:
    """Move every customer to the recycle bin."""
    customers = customers_for(db, actor, ids, "delete")
    now = utcnow()
    for customer in customers:
        customer.deleted_at = now
    return len(customers)


def assign(db: Session, actor: Actor, ids: Sequence[int], to_user_id: int, reason: str) -> int:
    """Assign pooled customers, or transfer owned ones, to ``to_user_id``
    (the pool area's service checks each customer and its rules)."""
    return int(other_service("pools").assign(db, actor, ids, to_user_id, reason))


def recall(db: Session, actor: Actor, ids: Sequence[int], pool_id: int | None, reason: str) -> int:
    return int(other_service("pools").recall(db, actor, ids, pool_id, reason))


def start_sequence(db: Session, actor: Actor, ids: Sequence[int], sequence_id: int) -> int:
    return len(other_service("sfa").start_sequence(db, actor, sequence_id, ids))


def other_service(name: str) -> Any:
    """Another CRM area's service module (pools, sfa), imported when used."""
    return import_module(f"plugins.crm.services.{name}")


def export_query(db: Session, actor: Actor, ids: Sequence[int]) -> Select[Any]:
    """The customers to export, all of them within the actor's export scope."""
    customers_for(db, actor, ids, "export")
    return select(Customer).where(Customer.id.in_(ids), scope(actor, Customer, "export")).order_by(Customer.id)
