"""The rebooking part's pages (registered on plugins.exhibitions.routes.routes):
an edition's offers for the next edition (made for every exhibitor at
once, in a priority window), a better booth chosen, accepted or declined."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.responses import Response

from core import Ctx, get_for, scope
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, Edition
from plugins.exhibitions.models.choices import OFFER_STATES
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import rebooking as services
from plugins.sales.services.documents import today


@routes.get("/editions/{id:int}/rebooking", name="rebooking_list",
            permission="exhibitions.rebooking_offer.read")
def rebooking_list(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    following = services.next_edition(ctx.db, edition)
    offers = services.offers(ctx.db, ctx.user, edition.id)
    booth_ids = {o.booth_id for o in offers} | {o.from_booth_id for o in offers}
    booths = {b.id: b for b in ctx.db.scalars(select(Booth).where(Booth.id.in_([i for i in booth_ids if i])))}
    names = dict(list(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_({o.customer_id for o in offers}), scope(ctx.user, Customer)))))
    free = list(ctx.db.execute(select(Booth.id, Booth.number, Booth.area).where(
        Booth.edition_id == following.id, Booth.status == "available", scope(ctx.user, Booth))
        .order_by(Booth.number).limit(500))) if following else []
    accepted, total = services.rebooking_rate(ctx.db, ctx.user, edition.id)
    start = max(today(), edition.closes_on or today())
    window = {"valid_from": start.isoformat(), "valid_until": (start + timedelta(days=30)).isoformat()}
    return ctx.render("exhibitions/rebooking_list.html", edition=edition, following=following, offers=offers,
                      booths=booths, names=names, free=free, states=OFFER_STATES, accepted=accepted,
                      total=total, window=window)


@routes.post("/editions/{id:int}/rebooking", name="rebooking_make",
             permission="exhibitions.rebooking_offer.create")
def rebooking_make(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.make_offers(ctx.db, ctx.user, ctx.params["id"], {
        "valid_from": ctx.field("valid_from"), "valid_until": ctx.field("valid_until")}))
    return ctx.redirect("rebooking_list", id=ctx.params["id"])


def _back(ctx: Ctx, offer_id: int) -> Response:
    from plugins.exhibitions.models import RebookingOffer

    offer = get_for(ctx.db, ctx.user, RebookingOffer, offer_id)
    return ctx.redirect("rebooking_list", id=offer.edition_id)


@routes.post("/rebooking/{id:int}/booth", name="rebooking_booth",
             permission="exhibitions.rebooking_offer.update")
def rebooking_booth(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.choose_booth(ctx.db, ctx.user, ctx.params["id"], ctx.field("booth_id")))
    return _back(ctx, ctx.params["id"])


@routes.post("/rebooking/{id:int}/accept", name="rebooking_accept",
             permission="exhibitions.rebooking_offer.accept")
def rebooking_accept(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.accept(ctx.db, ctx.user, ctx.params["id"]))
    return _back(ctx, ctx.params["id"])


@routes.post("/rebooking/{id:int}/decline", name="rebooking_decline",
             permission="exhibitions.rebooking_offer.update")
def rebooking_decline(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.decline(ctx.db, ctx.user, ctx.params["id"], ctx.field("note")))
    return _back(ctx, ctx.params["id"])
