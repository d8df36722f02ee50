"""Customers and contacts: the kit's list, detail and form pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import N_, Actor, Column, Crud, Ctx, Filter, Form, FormField, ListView, get_for, scope
from plugins.crm.models import Contact, Customer
from plugins.crm.models.choices import (
    DECISION_ROLES,
    GENDERS,
    INDUSTRIES,
    KINDS,
    LEVELS,
    SIZES,
    SOURCES,
    VALUE_GRADES,
)
from plugins.crm.routes.common import routes
from plugins.crm.services import customers as services

#: at most this many customers are offered in a select
CHOICES_LIMIT = 200


def readable_customers(ctx: Ctx) -> list[tuple[str, str]]:
    stmt = (select(Customer.id, Customer.name).where(scope(ctx.user, Customer, "read"))
            .order_by(Customer.name).limit(CHOICES_LIMIT))
    return [(str(i), name) for i, name in ctx.db.execute(stmt)]


customers = Crud(
    model=Customer, noun="customer", path="/customers", title=N_("Customers"), title_attr="name",
    list_view=ListView(Customer, [
        Column("name", N_("Name"), link=True),
        Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
        Column("level", N_("Level"), kind="choice", choices=LEVELS),
        Column("city", N_("City")),
        Column("owner_id", N_("Owner"), kind="user"),
        Column("last_followup_at", N_("Last follow-up"), kind="datetime"),
        Column("value_grade", N_("Value grade"), kind="choice", choices=VALUE_GRADES),
    ], search=("name", "short_name", "name_en"), filters=[
        Filter("level", N_("Level"), list(LEVELS.items())),
        Filter("industry", N_("Industry"), list(INDUSTRIES.items())),
        Filter("value_grade", N_("Value grade"), list(VALUE_GRADES.items())),
    ], default_sort="id"),
    form=Form([
        FormField("kind", N_("Type"), "select", required=True, choices=list(KINDS.items())),
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("short_name", N_("Short name"), max_length=100),
        FormField("uscc", N_("Unified Social Credit Code"), max_length=18),
        FormField("industry", N_("Industry"), "select", choices=list(INDUSTRIES.items())),
        FormField("size", N_("Size"), "select", choices=list(SIZES.items())),
        FormField("level", N_("Level"), "select", choices=list(LEVELS.items())),
        FormField("source", N_("Source"), "select", choices=list(SOURCES.items())),
        FormField("province", N_("Province"), max_length=40),
        FormField("city", N_("City"), max_length=40),
        FormField("district", N_("District"), max_length=40),
        FormField("address", N_("Address"), max_length=300),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("website", N_("Website")),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=services.create_customer, update=services.update_customer, create_many=services.create_customers,
    detail_fields=[
        Column("name", N_("Name")), Column("name_en", N_("English name")),
        Column("short_name", N_("Short name")), Column("uscc", N_("Unified Social Credit Code")),
        Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
        Column("size", N_("Size"), kind="choice", choices=SIZES),
        Column("level", N_("Level"), kind="choice", choices=LEVELS),
        Column("source", N_("Source"), kind="choice", choices=SOURCES),
        Column("province", N_("Province")), Column("city", N_("City")), Column("district", N_("District")),
        Column("address", N_("Address")), Column("phone", N_("Phone")), Column("email", N_("E-mail")),
        Column("owner_id", N_("Owner"), kind="user"),
        Column("value_grade", N_("Value grade"), kind="choice", choices=VALUE_GRADES),
    ],
)
customers.register(routes)


def _create_contact(db: Any, actor: Actor, values: dict[str, Any]) -> Contact:
    customer = get_for(db, actor, Customer, values.pop("customer_id"), "update")
    return services.create_contact(db, actor, customer, values)


contacts = Crud(
    model=Contact, noun="contact", path="/contacts", title=N_("Contacts"), title_attr="name",
    list_view=ListView(Contact, [
        Column("name", N_("Name"), link=True),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("position", N_("Position")),
        Column("mobile", N_("Mobile")),
        Column("email", N_("E-mail")),
        Column("is_main", N_("Main contact"), kind="bool"),
    ], search=("name", "mobile", "email"), default_sort="id"),
    form=Form([
        FormField("customer_id", N_("Customer"), "select", required=True, choices=readable_customers),
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("gender", N_("Gender"), "select", choices=list(GENDERS.items())),
        FormField("position", N_("Position"), max_length=100),
        FormField("dept", N_("Department at the customer"), max_length=100),
        FormField("mobile", N_("Mobile"), max_length=40),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("wechat", N_("WeChat ID"), max_length=60),
        FormField("birthday", N_("Birthday"), "date"),
        FormField("is_main", N_("Main contact"), "bool"),
        FormField("decision_role", N_("Role in decisions"), "select", choices=list(DECISION_ROLES.items())),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=_create_contact, update=services.update_contact,
    detail_fields=[
        Column("name", N_("Name")), Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("position", N_("Position")), Column("mobile", N_("Mobile")), Column("phone", N_("Phone")),
        Column("email", N_("E-mail")), Column("wechat", N_("WeChat ID")),
        Column("birthday", N_("Birthday"), kind="date"),
        Column("decision_role", N_("Role in decisions"), kind="choice", choices=DECISION_ROLES),
    ],
)
contacts.register(routes)
