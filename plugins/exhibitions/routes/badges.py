"""The badges part's pages (registered on plugins.exhibitions.routes.routes):
an edition's exhibitors with their staff badge quota, one exhibitor's
badge names (staff change them after the deadline too), and their badges
printed in one PDF."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import Conflict, Ctx, NotFound, ValidationError, get_for, scope
from plugins.crm.models import Customer
from plugins.exhibitions.models import Edition, ExhibitorBadge
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import badges
from plugins.exhibitions.services.registration import setup_of

#: empty rows offered under an exhibitor's names
BLANK_ROWS = 4


@routes.get("/editions/{id:int}/badges", name="exhibitor_badge_index",
            permission="exhibitions.exhibitor_badge.read")
def exhibitor_badge_index(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    setup = setup_of(ctx.db, edition)
    booked = dict(badges.exhibitors(ctx.db, edition.id))
    names = dict(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_(list(booked)), scope(ctx.user, Customer, "read"))).all()) if booked else {}
    used: dict[int, int] = {}
    for customer_id in ctx.db.scalars(select(ExhibitorBadge.customer_id).where(
            ExhibitorBadge.edition_id == edition.id, scope(ctx.user, ExhibitorBadge, "read"))):
        used[customer_id] = used.get(customer_id, 0) + 1
    rows = [(cid, names[cid], area, badges.quota_of(setup, area), used.get(cid, 0))
            for cid, area in booked.items() if cid in names]
    rows.sort(key=lambda r: r[1])
    return ctx.render("exhibitions/exhibitor_badge_index.html", edition=edition, setup=setup, rows=rows)


def _customer(ctx: Ctx, edition: Edition) -> Customer:
    customer = ctx.db.scalar(select(Customer).where(Customer.id == ctx.params["customer_id"],
                                                    Customer.org_id == edition.org_id,
                                                    scope(ctx.user, Customer, "read")))
    if customer is None:
        raise NotFound()
    return customer


def _page(ctx: Ctx, edition: Edition, customer: Customer, *, rows: list[dict[str, Any]] | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    found = [b for b in badges.badges_of(ctx.db, edition.id, customer.id)]
    shown = rows if rows is not None else [{"name": b.name, "title": b.title, "mobile": b.mobile}
                                           for b in found]
    shown = shown + [{"name": "", "title": "", "mobile": ""}] * BLANK_ROWS
    return ctx.render("exhibitions/exhibitor_badge_edit.html", status=status, edition=edition,
                      customer=customer, badges=found, rows=shown, errors=errors or {},
                      setup=setup_of(ctx.db, edition),
                      quota=badges.quota(ctx.db, edition, customer.id),
                      can_update=ctx.user.can("exhibitions.exhibitor_badge.update"))


@routes.get("/editions/{id:int}/badges/{customer_id:int}", name="exhibitor_badge_edit",
            permission="exhibitions.exhibitor_badge.read")
def exhibitor_badge_edit(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    return _page(ctx, edition, _customer(ctx, edition))


@routes.post("/editions/{id:int}/badges/{customer_id:int}", name="exhibitor_badge_save",
             permission="exhibitions.exhibitor_badge.update")
def exhibitor_badge_save(ctx: Ctx) -> Response:
    """Staff save an exhibitor's names (the deadline does not bind them)."""
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"], "read")
    customer = _customer(ctx, edition)
    rows = [{k: ctx.field(f"line_{n}_{k}") for k in ("name", "title", "mobile")}
            for n in range(1, min(int(ctx.field("rows") or "0") if ctx.field("rows").isdigit() else 0,
                                  badges.MAX_BADGES + BLANK_ROWS) + 1)]
    try:
        with ctx.db.begin_nested():
            badges.set_badge_names(ctx.db, ctx.user, edition, customer.id, rows, override=True)
    except ValidationError as invalid:
        return _page(ctx, edition, customer, rows=rows, status=422,
                     errors={k: ctx._(v) for k, v in invalid.errors.items()})
    except Conflict as refused:
        return _page(ctx, edition, customer, rows=rows, status=409,
                     errors={"names": ctx._(str(refused), **refused.params)})
    return ctx.redirect("exhibitor_badge_edit", id=edition.id, customer_id=customer.id, flash="saved")


@routes.post("/editions/{id:int}/badges/{customer_id:int}/print", name="exhibitor_badge_print",
             permission="exhibitions.exhibitor_badge.read")
def exhibitor_badge_print(ctx: Ctx) -> Response:
    """The exhibitor's badges in one PDF (a printing batch); marked printed."""
    from plugins.printing import batches, prints

    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    customer = _customer(ctx, edition)
    ids = list(ctx.db.scalars(select(ExhibitorBadge.id).where(
        ExhibitorBadge.edition_id == edition.id, ExhibitorBadge.customer_id == customer.id,
        scope(ctx.user, ExhibitorBadge, "read")).order_by(ExhibitorBadge.sequence)))
    decl = prints.decl_for(ctx.kernel.registry, "exhibitions.staff_badge")
    try:
        batch = batches.create(ctx.db, ctx.user, decl, ids, ctx.t.locale)
    except ValidationError as invalid:
        raise ValidationError({k: ctx._(v) for k, v in invalid.errors.items()}) from None
    badges.mark_printed(ctx.db, ids)
    return ctx.redirect("printing:batch_detail", id=batch.id)
