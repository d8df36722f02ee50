"""The reports part's page (registered on plugins.exhibitions.routes.routes):
an edition's reports at ``/exhibitions/editions/<id>/reports``."""

from __future__ import annotations

from starlette.responses import Response

from core import Ctx, get_for
from plugins.exhibitions.models import Edition
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import pipeline, reports


@routes.get("/editions/{id:int}/reports", name="edition_reports", permission="exhibitions.edition.read")
def edition_reports(ctx: Ctx) -> Response:
    """Occupancy, revenue per m², unpaid booths, exhibitors, the m² curve and the heat maps of an edition."""
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    report = reports.report(ctx.db, ctx.user, edition.id, ctx.t)
    figures = pipeline.figures(ctx.db, ctx.user, edition.id)
    chart = pipeline.curve_svg(figures.curve, figures.previous_curve, label=ctx._("This edition"),
                               previous_label=ctx._("Previous edition"),
                               axis_label=ctx._("Days before opening"),
                               empty=ctx._("No booth contract is signed yet."))
    maps = reports.heat_maps(ctx.db, ctx.user, edition.id, ctx.t) if report.prices_shown else []
    return ctx.render("exhibitions/edition_reports.html", edition=edition, report=report, chart=chart,
                      figures=figures, maps=maps, heat=reports.edition_scale(maps),
                      currency=edition.currency_code or "CNY")


@routes.get("/editions/{id:int}/reports/cycle", name="edition_reports_cycle",
            permission="exhibitions.edition.read")
def edition_reports_cycle(ctx: Ctx) -> Response:
    """Across the series' editions: rebooking rate, service revenue per exhibitor and per m², NPS,
    and the edition's complaints by category with the share resolved in time."""
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    rows, complaints = reports.cycle(ctx.db, ctx.user, edition.id)
    return ctx.render("exhibitions/edition_reports_cycle.html", edition=edition, rows=rows,
                      complaints=complaints)
