"""What the customer 360 view (客户全貌) and a contact's page show beyond
the kit's fields and panels: tags, contacts, the relationship trees and the
panels other plugins add through ``crm_customer_panels``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import Ctx, scope
from plugins.crm import kernel
from plugins.crm.models import Contact, Customer
from plugins.crm.models.choices import DECISION_ROLES
from plugins.crm.services import relations
from plugins.crm.services import tags as tag_service


def customer_contacts(ctx: Ctx, customer: Customer) -> list[Contact]:
    """The customer's contacts the reader may read, the main contact first."""
    stmt = (select(Contact).where(Contact.customer_id == customer.id, scope(ctx.user, Contact, "read"))
            .order_by(Contact.is_main.desc(), Contact.name, Contact.id))
    return list(ctx.db.scalars(stmt))


def contacts_context(ctx: Ctx, customer: Customer) -> dict[str, Any]:
    """What the contacts section (``crm/_customer_contacts.html``) needs."""
    contacts = customer_contacts(ctx, customer)
    editable = ctx.user.can("crm.contact.update") and set(ctx.db.scalars(select(Contact.id).where(
        Contact.customer_id == customer.id, scope(ctx.user, Contact, "update"))))
    may_add = ctx.user.can("crm.contact.create") and ctx.db.scalar(select(Customer.id).where(
        Customer.id == customer.id, scope(ctx.user, Customer, "update"))) is not None
    return {"customer": customer, "contacts": contacts, "contact_hidden": ctx.user.hidden_fields(Contact),
            "contact_editable": editable or set(), "may_add_contact": may_add,
            "decision_roles": DECISION_ROLES, "names": {c.id: c.name for c in contacts}}


def relationship_svgs(ctx: Ctx, customer: Customer, contacts: list[Contact]) -> dict[str, Any]:
    def customer_href(i: int) -> str:
        return ctx.url_for("customer_detail", id=i)

    def contact_href(i: int) -> str:
        return ctx.url_for("contact_detail", id=i)

    def role(key: str) -> str:
        return ctx._(DECISION_ROLES[key]) if key in DECISION_ROLES else ""

    hidden = ctx._("A company you may not see")
    companies = relations.company_tree(ctx.db, ctx.user, customer, customer_href, hidden)
    forest = relations.contact_forest(contacts, role, contact_href, ctx.user.hidden_fields(Contact))
    has_family = bool(companies.children) or companies.kind != "self"
    return {"company_svg": relations.tree_svg([companies], ctx._("Parent companies and subsidiaries"))
            if has_family else "",
            "contact_svg": relations.tree_svg(forest, ctx._("Reporting lines and decision chain"))}


def customer_context(ctx: Ctx, customer: Customer) -> dict[str, Any]:
    """The 360 page's own variables (the kit gives ``fields``, ``refs`` and ``panels``)."""
    contacts = contacts_context(ctx, customer)
    own_panels = [p for group in ctx.kernel.pm.hook.crm_customer_panels(
        session=ctx.db, actor=ctx.user, customer=customer) for p in group or ()]
    return {**contacts, **relationship_svgs(ctx, customer, contacts["contacts"]),
            "tags": tag_service.tags_of(ctx.db, [customer.id]).get(customer.id, []),
            "place": place_of(ctx, customer),
            "owner_name": kernel.names(ctx.db, [customer.owner_id]).get(customer.owner_id or 0, ""),
            "crm_panels": sorted(own_panels, key=lambda p: (p.order, p.key))}


def place_of(ctx: Ctx, customer: Customer) -> str:
    """Where the customer is (province, city, district, each once), of what the reader may read."""
    hidden = ctx.user.hidden_fields(Customer)
    parts = [getattr(customer, p) for p in ("province", "city", "district") if p not in hidden]
    return " ".join(dict.fromkeys(p for p in parts if p))


def contact_context(ctx: Ctx, contact: Contact) -> dict[str, Any]:
    """A contact's page: their customer and their reporting line (bosses up, reports down)."""
    readable = scope(ctx.user, Contact, "read")
    bosses: list[Contact] = []
    seen, boss_id = {contact.id}, contact.reports_to_id
    while boss_id is not None and boss_id not in seen and len(bosses) < 10:
        seen.add(boss_id)
        boss = ctx.db.scalar(select(Contact).where(Contact.id == boss_id, readable))
        if boss is None:
            break
        bosses.insert(0, boss)
        boss_id = boss.reports_to_id
    reports = list(ctx.db.scalars(select(Contact).where(Contact.reports_to_id == contact.id, readable)
                                  .order_by(Contact.name)))
    customer = ctx.db.scalar(select(Customer).where(Customer.id == contact.customer_id,
                                                    scope(ctx.user, Customer, "read")))
    return {"customer": customer, "bosses": bosses, "reports": reports, "decision_roles": DECISION_ROLES,
            "contact_hidden": ctx.user.hidden_fields(Contact)}


__all__ = ["contact_context", "contacts_context", "customer_context"]
