"""Price lists: the kit's pages (the customer level chosen from the CRM's
levels when the CRM is on), the items editor, and the price check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.responses import Response

from core import N_, Column, Crud, Ctx, Filter, Form, FormField, ListView, NotFound, ValidationError, get_for
from plugins.catalog.models import PriceList, Product
from plugins.catalog.routes.common import routes
from plugins.catalog.routes.products import product_choices
from plugins.catalog.services import price_lists as services
from plugins.catalog.services.money import base_currency
from plugins.catalog.services.pricing import price_for
from plugins.catalog.services.products import currency_choices

#: blank rows the items editor offers below the list's items
BLANK_ROWS = 5


def _level(row: PriceList) -> str:
    """The list's customer level as the CRM names it (a message id the column
    translates), the text itself for a level the CRM does not know, or
    "Every customer"."""
    if not row.customer_level:
        return N_("Every customer")
    try:
        from plugins.crm.models.choices import LEVELS
    except ImportError:  # the CRM is not installed: levels are free text
        return row.customer_level
    return LEVELS.get(row.customer_level, row.customer_level)


def _currencies(ctx: Ctx) -> list[tuple[str, str]]:
    return currency_choices(ctx.db)


def _levels(ctx: Ctx) -> dict[str, Any]:
    return {"levels": services.customer_levels(ctx.db)}


def _detail_context(ctx: Ctx, record: PriceList) -> dict[str, Any]:
    return {"items": services.items_of(ctx.db, record.id), **_levels(ctx)}


price_lists = Crud(
    model=PriceList, noun="price_list", path="/price-lists", title=N_("Price lists"), title_attr="name",
    list_view=ListView(PriceList, [
        Column("name", N_("Name"), link=True),
        Column("currency_code", N_("Currency")),
        Column("customer_level", N_("Customer level"), kind="translated", getter=_level),
        Column("valid_from", N_("Valid from"), kind="date"),
        Column("valid_to", N_("Valid until"), kind="date"),
        Column("priority", N_("Priority"), kind="number"),
        Column("active", N_("Active"), kind="bool"),
    ], search=("name", "note"), filters=[
        Filter("currency_code", N_("Currency"), _currencies),
        Filter("active", N_("Active"), [("1", N_("Yes")), ("0", N_("No"))]),
    ], default_sort="priority"),
    form=Form([
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("currency_code", N_("Currency"), "select", required=True, choices=_currencies),
        FormField("customer_level", N_("Customer level"), max_length=20,
                  help=N_("Empty: the list is for every customer.")),
        FormField("valid_from", N_("Valid from"), "date"),
        FormField("valid_to", N_("Valid until"), "date"),
        FormField("priority", N_("Priority"), "int",
                  help=N_("Where several lists hold a price, the highest wins.")),
        FormField("active", N_("Active"), "bool"),
        FormField("note", N_("Remarks"), "textarea", max_length=2000),
    ]),
    create=services.create_price_list, update=services.update_price_list,
    detail_fields=[
        Column("currency_code", N_("Currency")),
        Column("customer_level", N_("Customer level"), kind="translated", getter=_level),
        Column("valid_from", N_("Valid from"), kind="date"), Column("valid_to", N_("Valid until"), kind="date"),
        Column("priority", N_("Priority"), kind="number"), Column("active", N_("Active"), kind="bool"),
        Column("note", N_("Remarks")),
    ],
    detail_template="catalog/price_list_detail.html", detail_context=_detail_context,
    form_template="catalog/price_list_edit.html", form_context=lambda ctx, record: _levels(ctx),
)


@routes.get("/price-lists/{id:int}/items", name="price_list_items", permission="catalog.price_list.update")
def price_list_items(ctx: Ctx) -> Response:
    record = get_for(ctx.db, ctx.user, PriceList, ctx.params["id"], "update")
    rows = [{"product_id": str(item.product_id), "min_quantity": str(item.min_quantity.normalize()),
             "price": str(item.price)} for item, _product in services.items_of(ctx.db, record.id)]
    return _items_page(ctx, record, rows, {})


@routes.post("/price-lists/{id:int}/items", name="price_list_items_save",
             permission="catalog.price_list.update")
def price_list_items_save(ctx: Ctx) -> Response:
    record = get_for(ctx.db, ctx.user, PriceList, ctx.params["id"], "update")
    rows = [{"product_id": p, "min_quantity": q, "price": v} for p, q, v in zip(
        _list(ctx, "product_id[]"), _list(ctx, "min_quantity[]"), _list(ctx, "price[]"), strict=False)]
    try:
        services.set_items(ctx.db, ctx.user, record.id, rows)
    except ValidationError as exc:
        return _items_page(ctx, record, rows, {k: ctx._(v) for k, v in exc.errors.items()}, status=422)
    return ctx.redirect("price_list_detail", id=record.id, flash="saved")


def _list(ctx: Ctx, name: str) -> list[str]:
    value = ctx.form.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _items_page(ctx: Ctx, record: PriceList, rows: list[dict[str, str]], errors: dict[str, str],
                status: int = 200) -> Response:
    blank = {"product_id": "", "min_quantity": "1", "price": ""}
    return ctx.render("catalog/price_list_items.html", status=status, record=record, errors=errors,
                      rows=rows + [dict(blank) for _ in range(BLANK_ROWS)], products=product_choices(ctx,
                                                                                                     limit=2000))


@routes.get("/price-check", name="price_check", permission="catalog.price_list.read")
def price_check(ctx: Ctx) -> Response:
    """What ``price_for`` gives for a product, level, currency, date and quantity."""
    q = ctx.query
    wanted = {"product_id": q.get("product_id", ""), "customer_level": q.get("customer_level", ""),
              "currency": q.get("currency", "") or base_currency(ctx.db), "on": q.get("on", "") or
              date.today().isoformat(), "quantity": q.get("quantity", "") or "1"}
    result, source, errors = None, None, {}
    if wanted["product_id"]:
        try:
            product = get_for(ctx.db, ctx.user, Product, wanted["product_id"])
            on = date.fromisoformat(wanted["on"])
            quantity = Decimal(wanted["quantity"])
            result = price_for(ctx.db, product.id, currency=wanted["currency"], on=on, quantity=quantity,
                               customer_level=wanted["customer_level"])
            source = ctx.db.get(PriceList, result.price_list_id) if result.price_list_id else None
        except (ValueError, InvalidOperation):
            errors["on"] = ctx._(N_("Give a date (YYYY-MM-DD) and a quantity."))
        except NotFound:
            errors["product_id"] = ctx._(N_("Choose a product of the catalog."))
        except ValidationError as exc:
            errors.update({k: ctx._(v) for k, v in exc.errors.items()})
    return ctx.render("catalog/price_check.html", wanted=wanted, result=result, source=source, errors=errors,
                      products=product_choices(ctx, limit=2000), currencies=currency_choices(ctx.db),
                      levels=services.customer_levels(ctx.db))


price_lists.register(routes)
