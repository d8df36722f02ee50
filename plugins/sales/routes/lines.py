"""The line editor shared by quotes and contracts: the product search
(tom-select) and the live rows and totals (htmx posts the whole form; the
server fills a row from its product, adds or removes a row, recomputes)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, JSONResponse, Response

from core import AUTHENTICATED, Ctx, NotFound, ValidationError
from plugins.sales.routes.common import routes
from plugins.sales.services import documents as docs
from plugins.sales.services import lines as services

STATIC = Path(__file__).resolve().parent.parent / "static"
ROW_FIELDS = ("product_id", "description", "unit", "quantity", "unit_price", "list_price", "discount",
              "tax_rate")


def posted_rows(ctx: Ctx) -> list[dict[str, Any]]:
    """The editor's rows as posted (``line_<field>[]`` lists, one entry a row)."""
    def listed(name: str) -> list[str]:
        value = ctx.form.get(f"line_{name}[]", [])
        return [value] if isinstance(value, str) else list(value)

    columns = {name: listed(name) for name in (*ROW_FIELDS, "source")}
    count = max((len(v) for v in columns.values()), default=0)
    return [{name: (values[i] if i < len(values) else "") for name, values in columns.items()}
            for i in range(count)]


def editor_context(ctx: Ctx, rows: list[dict[str, Any]], *, currency: str, tax_included: bool,
                   errors: dict[str, str] | None = None, live: bool = False) -> dict[str, Any]:
    """What ``sales/_lines.html`` shows: the rows with their amounts, the
    totals, each row's errors and the chosen products' names."""
    from plugins.sales.routes.common import translated

    shown, totals, found = services.preview(ctx.db, rows, currency=currency, tax_included=tax_included)
    shown_errors = translated(ctx, found) if live else dict(errors or {})
    ids = [i for i in (docs.as_int(r.get("product_id")) for r in rows) if i is not None]
    names = dict(services.product_options(ctx.db, ctx.user, ids=ids, limit=500))
    return {"rows": shown, "totals": totals, "line_errors": shown_errors,
            "product_names": names, "currency": currency, "search_url": ctx.url_for("line_products")}


@routes.get("/lines/products", name="line_products", permission=AUTHENTICATED)
def line_products(ctx: Ctx) -> Response:
    """Products the reader may read whose code or name holds ``q``, as JSON for tom-select."""
    found = services.product_options(ctx.db, ctx.user, ctx.query.get("q") or "")
    return JSONResponse([{"value": str(i), "text": text} for i, text in found])


@routes.post("/lines/preview", name="line_preview", permission=AUTHENTICATED)
def line_preview(ctx: Ctx) -> Response:
    """The editor's rows again: a row whose product changed is filled from
    the catalog (price for the document's currency, date, customer level and
    price list), ``add`` adds an empty row, ``remove`` (n from 1) drops one;
    amounts and totals recomputed. Nothing is written."""
    currency = (ctx.field("currency_code") or "CNY").strip().upper()[:3]
    on = docs.parse_date(ctx.field("issued_on") or ctx.field("signed_on")) or docs.today()
    price_list = docs.as_int(ctx.field("price_list_id"))
    rows = posted_rows(ctx)
    for row in rows:
        product = docs.as_int(row.get("product_id"))
        if product is not None and str(product) != str(row.get("source") or ""):
            try:
                quantity = Decimal(str(row.get("quantity") or "1"))
                filled = services.line_defaults(ctx.db, ctx.user, product, currency=currency, on=on,
                                                customer_id=ctx.field("customer_id"), price_list_id=price_list,
                                                quantity=quantity if quantity > 0 else Decimal(1))
            except (NotFound, ValidationError, ArithmeticError):
                row["product_id"] = ""
                continue
            row.update({k: ("" if v is None else str(v)) for k, v in filled.items()})
            row["source"] = str(product)
    remove = docs.as_int(ctx.field("remove"))
    if remove is not None and 1 <= remove <= len(rows):
        rows.pop(remove - 1)
    if ctx.field("add") or not rows:
        rows.append({"quantity": "1", "discount": "0", "tax_rate": "13"})
    return ctx.render("sales/_lines.html", **editor_context(
        ctx, rows, currency=currency, tax_included=ctx.field("tax_included") in ("1", "on", "true"), live=True))


@routes.get("/assets/{name:str}", name="asset_file", permission=AUTHENTICATED)
def asset_file(ctx: Ctx) -> Response:
    """The sales plugin's own small scripts (the line editor's)."""
    name = ctx.params["name"]
    if name not in {"line_editor.js"}:
        raise NotFound()
    return FileResponse(STATIC / name, media_type="text/javascript",
                        headers={"Cache-Control": "private, max-age=3600"})
