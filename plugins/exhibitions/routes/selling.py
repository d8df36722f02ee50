"""The selling part's pages (registered on plugins.exhibitions.routes.routes):
an edition's prices (rules and penalties), the sell page (booths, customer,
price, quote or contract), the overdue deposits and the sales figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from core import N_, Ctx, ValidationError, get_for, scope
from plugins.crm.models import Customer
from plugins.crm.models.choices import LEVELS
from plugins.exhibitions.models import Booth, Edition
from plugins.exhibitions.models.choices import BOOTH_STATES, BOOTH_TYPES, CONSTRUCTIONS, PRICE_RULE_KINDS
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import contracts, pipeline, pricing
from plugins.sales.services.documents import today

RULE_FIELDS = ("id", "kind", "name", "construction", "booth_type", "zone_id", "customer_level", "amount",
               "percent", "until", "min_area", "sequence")


def _listed(ctx: Ctx, name: str) -> list[str]:
    value = ctx.form.get(f"{name}[]", [])
    return [value] if isinstance(value, str) else list(value)


def _rows(ctx: Ctx, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    columns = {n: _listed(ctx, f"{prefix}_{n}") for n in names}
    count = max((len(v) for v in columns.values()), default=0)
    return [{n: (v[i] if i < len(v) else "") for n, v in columns.items()} for i in range(count)]


def _translated(ctx: Ctx, errors: dict[str, str]) -> dict[str, str]:
    return {k: ctx._(v) for k, v in errors.items()}


def _prices_page(ctx: Ctx, edition: Edition, rule_rows: list[dict[str, Any]],
                 penalty_rows: list[dict[str, Any]], errors: dict[str, str], status: int = 200) -> Response:
    rule_rows = rule_rows + [{} for _ in range(3)]
    penalty_rows = penalty_rows + [{} for _ in range(2)]
    return ctx.render("exhibitions/selling_prices.html", status=status, edition=edition, rules=rule_rows,
                      penalties=penalty_rows, errors=errors, kinds=PRICE_RULE_KINDS,
                      constructions=CONSTRUCTIONS,
                      booth_types=BOOTH_TYPES, levels=LEVELS, zones=pricing.zone_choices(ctx.db, edition),
                      can_edit=ctx.user.can("exhibitions.price_rule.update"),
                      can_edit_edition=ctx.user.can("exhibitions.edition.update"))


def _rule_values(rule: Any) -> dict[str, Any]:
    return {n: ("" if getattr(rule, n) is None else str(getattr(rule, n))) for n in RULE_FIELDS}


@routes.get("/editions/{id:int}/prices", name="selling_prices", permission="exhibitions.price_rule.read")
def selling_prices(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    rules = [_rule_values(r) for r in pricing.rules_for(ctx.db, ctx.user, edition.id)]
    return _prices_page(ctx, edition, rules, list(edition.penalties or []), {})


@routes.post("/editions/{id:int}/prices", name="selling_prices_save",
             permission="exhibitions.price_rule.update")
def selling_prices_save(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    rows = _rows(ctx, "rule", RULE_FIELDS)
    try:
        with ctx.db.begin_nested():
            pricing.save_rules(ctx.db, ctx.user, edition.id, rows)
    except ValidationError as exc:
        return _prices_page(ctx, edition, rows, list(edition.penalties or []), _translated(ctx, exc.errors),
                            422)
    return RedirectResponse(ctx.url_for("selling_prices", id=edition.id) + "?flash=saved", status_code=303)


@routes.post("/editions/{id:int}/penalties", name="selling_penalties_save",
             permission="exhibitions.edition.update")
def selling_penalties_save(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"], "update")
    rows = _rows(ctx, "penalty", ("until", "percent"))
    try:
        with ctx.db.begin_nested():
            contracts.save_penalties(ctx.db, ctx.user, edition.id, rows)
    except ValidationError as exc:
        rules = [_rule_values(r) for r in pricing.rules_for(ctx.db, ctx.user, edition.id)]
        return _prices_page(ctx, edition, rules, rows, _translated(ctx, exc.errors), 422)
    return RedirectResponse(ctx.url_for("selling_prices", id=edition.id) + "?flash=saved", status_code=303)


# ------------------------------------------------------------------ selling booths


def _sell_page(ctx: Ctx, edition: Edition, errors: dict[str, str], status: int = 200) -> Response:
    booths = list(ctx.db.scalars(select(Booth).where(Booth.edition_id == edition.id,
                                                     Booth.status.in_(contracts.SELLABLE),
                                                     Booth.contract_id.is_(None),
                                                     scope(ctx.user, Booth, "sell")).order_by(Booth.number)
                                 .limit(500)))
    customers = list(ctx.db.execute(select(Customer.id, Customer.name).where(scope(ctx.user, Customer, "read"))
                                    .order_by(Customer.name).limit(500)))
    chosen = [int(i) for i in _listed(ctx, "booth_ids") + ctx.request.query_params.getlist("booth_ids")
              if str(i).isdigit()]
    customer_raw = ctx.field("customer_id") or ctx.request.query_params.get("customer_id", "")
    customer_id = int(customer_raw) if customer_raw.isdigit() else None
    picked = [b for b in booths if b.id in chosen]
    quoted = pricing.prices(ctx.db, edition.id, picked, customer_id=customer_id, on=today()) if picked else {}
    return ctx.render("exhibitions/selling_sell.html", status=status, edition=edition, booths=booths,
                      customers=customers, chosen=set(chosen), customer_id=customer_id, picked=picked,
                      quoted=quoted, explain=lambda line: pricing.explain(line, ctx._), money=pricing.money,
                      states=BOOTH_STATES, constructions=CONSTRUCTIONS, types=BOOTH_TYPES, errors=errors,
                      total=sum((p.total for p in quoted.values()), Decimal(0)))


@routes.get("/editions/{id:int}/sell", name="selling_sell", permission="exhibitions.booth.sell")
def selling_sell(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    return _sell_page(ctx, edition, {})


@routes.post("/editions/{id:int}/sell", name="selling_sell_make", permission="exhibitions.booth.sell")
def selling_sell_make(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    what = ctx.field("make")
    ids = _listed(ctx, "booth_ids")
    if what not in ("quote", "contract"):
        return _sell_page(ctx, edition, {})
    try:
        booths_in = [b for b in ctx.db.scalars(select(Booth.edition_id).where(
            Booth.id.in_([int(i) for i in ids if i.isdigit()])))]
        if any(e != edition.id for e in booths_in):
            raise ValidationError({"booth_ids": N_("Choose booths of one edition.")})
        with ctx.db.begin_nested():
            if what == "quote":
                quote = contracts.quote_booths(ctx.db, ctx.user, ids, ctx.field("customer_id"))
                target = f"/sales/quotes/{quote.id}"
            else:
                contract = contracts.contract_booths(ctx.db, ctx.user, ids, ctx.field("customer_id"))
                target = f"/sales/contracts/{contract.id}"
    except ValidationError as exc:
        return _sell_page(ctx, edition, _translated(ctx, exc.errors), 422)
    if ctx.is_htmx:
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


# ------------------------------------------------------------------ overdue deposits


@routes.get("/editions/{id:int}/overdue", name="selling_overdue", permission="exhibitions.booth.read")
def selling_overdue(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    items = contracts.overdue_deposits(ctx.db, edition_id=edition.id, actor=ctx.user) \
        if ctx.user.can("sales.contract.read") else []
    return ctx.render("exhibitions/selling_overdue.html", edition=edition, items=items, money=pricing.money,
                      can_release=ctx.user.can("exhibitions.booth.release"), today=today())


@routes.post("/editions/{id:int}/overdue/release", name="selling_overdue_release",
             permission="exhibitions.booth.release")
def selling_overdue_release(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    contracts.release(ctx.db, ctx.user, edition.id, ctx.field("contract_id"))
    return RedirectResponse(ctx.url_for("selling_overdue", id=edition.id) + "?flash=saved", status_code=303)


# ------------------------------------------------------------------ the sales figures


@routes.get("/editions/{id:int}/sales", name="selling_sales", permission="exhibitions.edition.read")
def selling_sales(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    figures = pipeline.figures(ctx.db, ctx.user, edition.id)
    chart = pipeline.curve_svg(figures.curve, figures.previous_curve, label=ctx._("This edition"),
                               previous_label=ctx._("Previous edition"),
                               axis_label=ctx._("Days before opening"),
                               empty=ctx._("No booth contract is signed yet."))
    return ctx.render("exhibitions/selling_sales.html", edition=edition, figures=figures, chart=chart,
                      money=pricing.money, number=pricing.number, today=date.today())
