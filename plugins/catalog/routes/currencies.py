"""Currencies with their exchange rates by date, the conversion check, and
units of measure: the installation-wide administration of the catalog."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.responses import Response

from core import N_, Column, Crud, Ctx, Form, FormField, ListView, ValidationError, get_for
from plugins.catalog.models import Currency, Unit
from plugins.catalog.routes.common import routes
from plugins.catalog.services import currencies as services
from plugins.catalog.services.money import base_currency, convert, rate_on
from plugins.catalog.services.products import currency_choices


def _detail_context(ctx: Ctx, record: Currency) -> dict[str, Any]:
    return {"rates": services.rates_of(ctx.db, record.id), "errors": {}, "values": {}, "editing": None,
            "base": base_currency(ctx.db)}


currencies = Crud(
    model=Currency, noun="currency", path="/currencies", title=N_("Currencies and exchange rates"),
    title_attr="code",
    list_view=ListView(Currency, [
        Column("code", N_("Code"), link=True), Column("name", N_("Name")), Column("name_en",
                                                                                  N_("English name")),
        Column("symbol", N_("Symbol"), sortable=False), Column("places", N_("Decimal places"), kind="number"),
        Column("is_base", N_("Base currency"), kind="bool"), Column("active", N_("Active"), kind="bool"),
    ], search=("code", "name", "name_en"), default_sort="code", default_desc=False),
    form=Form([
        FormField("code", N_("Code"), required=True, max_length=3, help=N_("The ISO 4217 code, such as CNY.")),
        FormField("name", N_("Name"), required=True, max_length=50),
        FormField("name_en", N_("English name"), max_length=50),
        FormField("symbol", N_("Symbol"), max_length=5),
        FormField("places", N_("Decimal places"), "int", required=True, help=N_("0 to 4: CNY has 2, JPY 0.")),
        FormField("is_base", N_("Base currency"), "bool",
                  help=N_("Rates say what one unit of a currency is worth in the base currency.")),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_currency, update=services.update_currency,
    detail_fields=[
        Column("name", N_("Name")), Column("name_en", N_("English name")), Column("symbol", N_("Symbol")),
        Column("places", N_("Decimal places"), kind="number"), Column("is_base", N_("Base currency"),
                                                                      kind="bool"),
        Column("active", N_("Active"), kind="bool"),
    ],
    detail_template="catalog/currency_detail.html", detail_context=_detail_context,
)


def _rate_form(ctx: Ctx, rate_id: int | None) -> Response:
    currency_id = ctx.params["id"]
    try:
        services.save_rate(ctx.db, ctx.user, currency_id, ctx.field("valid_on"), ctx.field("rate"), rate_id)
    except ValidationError as exc:
        record = get_for(ctx.db, ctx.user, Currency, currency_id)
        context = _detail_context(ctx, record) | {
            "errors": {k: ctx._(v) for k, v in exc.errors.items()}, "editing": rate_id,
            "values": {"valid_on": ctx.field("valid_on"), "rate": ctx.field("rate")}}
        return ctx.render("catalog/currency_detail.html", status=422, crud=currencies, record=record,
                          record_title=record.code, fields=currencies.detail_fields, refs={}, panels=[],
                          workflow=None, locked=False, transitions=[], **context)
    return ctx.redirect("currency_detail", id=currency_id, flash="saved")


@routes.post("/currencies/{id:int}/rates", name="currency_rate_add", permission="catalog.currency.update")
def currency_rate_add(ctx: Ctx) -> Response:
    return _rate_form(ctx, None)


@routes.post("/currencies/{id:int}/rates/{rate_id:int}", name="currency_rate_update",
             permission="catalog.currency.update")
def currency_rate_update(ctx: Ctx) -> Response:
    return _rate_form(ctx, ctx.params["rate_id"])


@routes.post("/currencies/{id:int}/rates/{rate_id:int}/delete", name="currency_rate_delete",
             permission="catalog.currency.update")
def currency_rate_delete(ctx: Ctx) -> Response:
    services.delete_rate(ctx.db, ctx.user, ctx.params["id"], ctx.params["rate_id"])
    return ctx.redirect("currency_detail", id=ctx.params["id"], flash="deleted")


@routes.get("/currencies/convert", name="currency_convert", permission="catalog.currency.read")
def currency_convert(ctx: Ctx) -> Response:
    """An amount in one currency as another at the rates of a date."""
    q, base = ctx.query, base_currency(ctx.db)
    wanted = {"amount": q.get("amount", "") or "100", "source": q.get("source", "") or "USD",
              "target": q.get("target", "") or base, "on": q.get("on", "") or date.today().isoformat()}
    result, errors, rates = None, {}, {}
    if q.get("amount"):
        try:
            on = date.fromisoformat(wanted["on"])
            amount = Decimal(wanted["amount"].replace(",", ""))
            result = convert(ctx.db, amount, wanted["source"], wanted["target"], on, field="source")
            rates = {code: rate_on(ctx.db, code, on) for code in (wanted["source"], wanted["target"])}
        except (ValueError, InvalidOperation):
            errors["amount"] = ctx._(N_("Give an amount and a date (YYYY-MM-DD)."))
        except ValidationError as exc:
            errors.update({k: ctx._(v) for k, v in exc.errors.items()})
    return ctx.render("catalog/currency_convert.html", wanted=wanted, result=result, errors=errors, rates=rates,
                      base=base, currencies=currency_choices(ctx.db))


units = Crud(
    model=Unit, noun="unit", path="/units", title=N_("Units"), title_attr="name",
    list_view=ListView(Unit, [
        Column("code", N_("Code"), link=True), Column("name", N_("Name"), link=True),
        Column("name_en", N_("English name")), Column("places", N_("Decimal places"), kind="number"),
        Column("active", N_("Active"), kind="bool"),
    ], search=("code", "name", "name_en"), default_sort="code", default_desc=False),
    form=Form([
        FormField("code", N_("Code"), required=True, max_length=20),
        FormField("name", N_("Name"), required=True, max_length=50),
        FormField("name_en", N_("English name"), max_length=50),
        FormField("places", N_("Decimal places"), "int", required=True,
                  help=N_("How many decimals a quantity in this unit may have.")),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_unit, update=services.update_unit,
    detail_fields=[Column("code", N_("Code")), Column("name_en", N_("English name")),
                   Column("places", N_("Decimal places"), kind="number"), Column("active", N_("Active"),
                                                                                 kind="bool")],
)

currencies.register(routes)
units.register(routes)
