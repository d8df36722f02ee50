"""The insights part's pages (registered on plugins.exhibitions.routes.routes):
an edition's exhibitors across the series (segment, m² and spend per
edition, NPS, the chance to rebook the next edition and why), the model's
held-out evaluation, and the pre-show service plans made as tasks."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from core import Ctx, get_for, scope
from plugins.crm.models import Customer
from plugins.exhibitions.models import Edition
from plugins.exhibitions.models.choices import SEGMENTS
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import insights as services
from plugins.exhibitions.services import service_plans


@routes.get("/editions/{id:int}/insights", name="insights_edition", permission="exhibitions.insights.read")
def insights_edition(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    hist = services.history(ctx.db, ctx.user, edition.series_id)
    rows = services.exhibitors(ctx.db, ctx.user, edition, hist=hist)
    wanted = ctx.query.get("segment", "")
    # the least likely to come back first; the lost (no chance computed) last
    shown = sorted((r for r in rows if not wanted or r.segment == wanted),
                   key=lambda r: (r.probability is None, r.probability or 0.0))
    names = dict(list(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_([r.customer_id for r in shown]), scope(ctx.user, Customer)))))
    numbers = sorted(services.series_editions(ctx.db, ctx.user, edition.series_id))
    return ctx.render("exhibitions/insights_edition.html", edition=edition, rows=shown, names=names,
                      counts=services.segment_counts(rows), segments=SEGMENTS, wanted=wanted,
                      numbers=[n for n in numbers if n <= edition.number], labels=dict(services.FEATURES),
                      evaluation=services.held_out(hist))


@routes.post("/editions/{id:int}/service-plans", name="insights_service_plans",
             permission="exhibitions.insights.plan")
def insights_service_plans(ctx: Ctx) -> Response:
    ctx.attempt(lambda: service_plans.make(ctx.db, ctx.user, ctx.params["id"]))
    return ctx.redirect("insights_edition", id=ctx.params["id"])
