"""Quotes: the list (state, owner, customer, date range, sums), the form
with the line editor, the detail page (lines, totals, workflow buttons,
revisions), revising and making a contract from a quote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.responses import Response

from core import N_, Column, Ctx, Filter, Form, FormField, ListView, get_for
from plugins.crm.models import Customer
from plugins.sales.models import Quote
from plugins.sales.models.choices import QUOTE_STATES
from plugins.sales.routes.common import DocumentCrud, customer_choices, owner_choices, refs_of, routes
from plugins.sales.services import contracts as contract_services
from plugins.sales.services import documents as docs
from plugins.sales.services import lines as line_services
from plugins.sales.services import quotes as services


def currency_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return line_services.currencies(ctx.db)


def price_list_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), n) for i, n in line_services.price_lists(ctx.db, ctx.user)]


FORM = Form([
    FormField("title", N_("Subject"), max_length=200),
    FormField("customer_id", N_("Customer"), "int", required=True),
    FormField("contact_id", N_("Contact"), "int"),
    FormField("opportunity_id", N_("Opportunity"), "int"),
    FormField("currency_code", N_("Currency"), "select", required=True, choices=currency_choices),
    FormField("price_list_id", N_("Price list"), "select", choices=price_list_choices),
    FormField("tax_included", N_("Prices include tax"), "bool"),
    FormField("issued_on", N_("Quote date"), "date", required=True),
    FormField("valid_until", N_("Valid until"), "date"),
    FormField("payment_terms", N_("Payment terms"), "textarea", max_length=20000),
    FormField("delivery_terms", N_("Delivery terms"), "textarea", max_length=20000),
    FormField("terms", N_("Terms and conditions"), "textarea", max_length=20000),
    FormField("note", N_("Internal note"), "textarea", max_length=20000),
])


class QuoteCrud(DocumentCrud):
    layout = (("title", 6), ("currency_code", 2), ("price_list_id", 4), ("issued_on", 3), ("valid_until", 3),
              ("tax_included", 6))
    texts = (("payment_terms", 6), ("delivery_terms", 6), ("terms", 12), ("note", 12))
    date_column = "issued_on"
    new_title = N_("New quote")

    def defaults(self, ctx: Ctx) -> dict[str, Any]:
        opportunity = ctx.query.get("opportunity_id")
        if opportunity:
            wanted = int(opportunity) if opportunity.isdigit() else 0
            values = services.from_opportunity(ctx.db, ctx.user, wanted)
            values["rows"] = [{**row, "source": row.get("product_id")} for row in values.pop("lines")]
            return values
        day = docs.today()
        return {"currency_code": "CNY", "tax_included": True, "issued_on": day,
                "valid_until": day + timedelta(days=services.DEFAULT_VALIDITY),
                "customer_id": ctx.query.get("customer_id")}


def _detail_context(ctx: Ctx, record: Quote) -> dict[str, Any]:
    can_contract = ctx.user.can("sales.contract.create") and record.state in services.CONTRACTABLE
    return {"lines": services.quote_lines(ctx.db, record.id), "names": refs_of(ctx, record),
            "revisions": services.revisions(ctx.db, ctx.user, record), "states": QUOTE_STATES,
            "can_revise": record.state in services.REVISABLE and ctx.user.can("sales.quote.update")
            and ctx.user.can("sales.quote.create"),
            "can_contract": can_contract, "show_delivered": False}


quotes = QuoteCrud(
    model=Quote, noun="quote", path="/quotes", title=N_("Quotes"), title_attr="number",
    list_view=ListView(Quote, [
        Column("number", N_("Quote number"), link=True),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("title", N_("Subject")),
        Column("issued_on", N_("Quote date"), kind="date"),
        Column("valid_until", N_("Valid until"), kind="date"),
        Column("state", N_("State"), kind="choice", choices=QUOTE_STATES),
        Column("total", N_("Total"), kind="money"),
        Column("owner_id", N_("Owner"), kind="user"),
    ], search=("number", "title"), filters=[
        Filter("state", N_("State"), list(QUOTE_STATES.items())),
        Filter("owner_id", N_("Owner"), owner_choices),
        Filter("customer_id", N_("Customer"), customer_choices),
    ], default_sort="id"),
    form=FORM, create=services.create_quote, update=services.update_quote,
    detail_fields=[
        Column("title", N_("Subject")),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("revision", N_("Revision"), kind="number"),
        Column("issued_on", N_("Quote date"), kind="date"),
        Column("valid_until", N_("Valid until"), kind="date"),
        Column("currency_code", N_("Currency")),
        Column("tax_included", N_("Prices include tax"), kind="bool"),
        Column("payment_terms", N_("Payment terms")),
        Column("delivery_terms", N_("Delivery terms")),
        Column("terms", N_("Terms and conditions")),
        Column("note", N_("Internal note")),
        Column("owner_id", N_("Owner"), kind="user"),
    ],
    detail_template="sales/quote_detail.html", detail_context=_detail_context,
    list_template="sales/quote_list.html", form_template="sales/quote_edit.html",
)
quotes.lines_of = services.quote_lines


@routes.post("/quotes/{id:int}/revise", name="quote_revise", permission="sales.quote.update")
def quote_revise(ctx: Ctx) -> Response:
    """Start the next revision of an approved, sent, declined or expired quote."""
    copy = services.revise_quote(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("quote_edit", id=copy.id, flash="saved")


@routes.post("/quotes/{id:int}/contract", name="quote_contract", permission="sales.contract.create")
def quote_contract(ctx: Ctx) -> Response:
    """A draft contract from the quote (its lines copied)."""
    get_for(ctx.db, ctx.user, Quote, ctx.params["id"], "read")
    contract = contract_services.contract_from_quote(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("contract_detail", id=contract.id, flash="saved")


quotes.register(routes)
