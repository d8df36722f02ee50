"""Contacts added and changed inline on the customer 360 view (htmx): each
answer is the contacts section again, as the page includes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import (
    N_,
    Ctx,
    Form,
    FormField,
    StaleVersion,
    ValidationError,
    check_version,
    form_differences,
    get_for,
    scope,
    stale_panel,
)
from plugins.crm.models import Contact, Customer
from plugins.crm.models.choices import DECISION_ROLES
from plugins.crm.routes.common import routes
from plugins.crm.routes.profile import contacts_context
from plugins.crm.services import customers as services


def inline_form(customer_id: int) -> Form:
    def colleagues(ctx: Ctx) -> list[tuple[str, str]]:
        stmt = (select(Contact.id, Contact.name).where(Contact.customer_id == customer_id,
                                                       scope(ctx.user, Contact, "read")).order_by(Contact.name))
        return [(str(i), n) for i, n in ctx.db.execute(stmt.limit(200))]

    return Form([
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("position", N_("Position"), max_length=100),
        FormField("mobile", N_("Mobile"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("decision_role", N_("Role in decisions"), "select", choices=list(DECISION_ROLES.items())),
        FormField("reports_to_id", N_("Reports to"), "select", choices=colleagues),
        FormField("is_main", N_("Main contact"), "bool"),
    ])


def _section(ctx: Ctx, customer: Customer, **extra: Any) -> Response:
    return ctx.render("crm/_customer_contacts.html", **contacts_context(ctx, customer), **extra)


def _errors(ctx: Ctx, exc: ValidationError) -> dict[str, str]:
    return {name: ctx._(message) for name, message in exc.errors.items()}


@routes.post("/customers/{id:int}/contacts", name="customer_contact_create", permission="crm.contact.create")
def customer_contact_create(ctx: Ctx) -> Response:
    customer = get_for(ctx.db, ctx.user, Customer, ctx.params["id"], "update")
    form = inline_form(customer.id)
    try:
        values = form.bind(ctx, model=Contact)
        services.create_contact(ctx.db, ctx.user, customer, values)
        ctx.db.flush()
    except ValidationError as exc:
        return _section(ctx, customer, new_errors=_errors(ctx, exc), new_values=dict(ctx.form))
    return _section(ctx, customer)


@routes.get("/contacts/{id:int}/row", name="contact_row_edit", permission="crm.contact.update")
def contact_row_edit(ctx: Ctx) -> Response:
    contact = get_for(ctx.db, ctx.user, Contact, ctx.params["id"], "update")
    customer = get_for(ctx.db, ctx.user, Customer, contact.customer_id)
    return _section(ctx, customer, editing=None if ctx.query.get("cancel") else contact.id)


@routes.post("/contacts/{id:int}/row", name="contact_row_update", permission="crm.contact.update")
def contact_row_update(ctx: Ctx) -> Response:
    contact = get_for(ctx.db, ctx.user, Contact, ctx.params["id"], "update")
    customer = get_for(ctx.db, ctx.user, Customer, contact.customer_id)
    form = inline_form(customer.id)
    try:
        check_version(contact, ctx.form.get("version"))
    except StaleVersion:
        # htmx swaps no 409: the row stays open with the conflict panel, the
        # values typed kept, and the current version to apply them over
        panel = stale_panel(ctx, contact, form_differences(ctx, Contact, contact, form.fields),
                      ctx.url_for("crm:customer_detail", id=customer.id))
        return _section(ctx, customer, editing=contact.id, conflict=panel, row_values=dict(ctx.form))
    try:
        values = form.bind(ctx, model=Contact)
        services.update_contact(ctx.db, ctx.user, contact, values)
        ctx.db.flush()
    except ValidationError as exc:
        return _section(ctx, customer, editing=contact.id, row_errors=_errors(ctx, exc))
    return _section(ctx, customer)
