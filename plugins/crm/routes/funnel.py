"""The sales funnel page of a pipeline, with its filters."""

from __future__ import annotations

from datetime import date

from starlette.responses import Response

from core import Ctx
from plugins.crm import kernel
from plugins.crm.routes.common import routes
from plugins.crm.routes.opportunities import board_pipeline, label, owner_choices
from plugins.crm.services.funnel import FunnelFilter, funnel, funnel_svg
from plugins.crm.services.pipelines import ensure_pipelines


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def funnel_filter(ctx: Ctx) -> FunnelFilter:
    q = ctx.query
    return FunnelFilter(owner_id=_int(q.get("owner")), department_id=_int(q.get("department")),
                        period_field="closed" if q.get("by") == "closed" else "created",
                        date_from=_date(q.get("from")), date_to=_date(q.get("to")))


@routes.get("/funnel", name="opportunity_funnel", permission="crm.opportunity.read")
def opportunity_funnel(ctx: Ctx) -> Response:
    pipeline, flt = board_pipeline(ctx), funnel_filter(ctx)
    result = funnel(ctx.db, ctx.user, pipeline, flt)
    names = {s.stage.id: label(ctx, s.stage) for s in result.stages}
    chart = funnel_svg(result, title=ctx._("Sales funnel: {pipeline}", pipeline=label(ctx, pipeline)),
                       labels=names, empty=ctx._("No opportunities match these filters."))
    return ctx.render("crm/opportunity_funnel.html", pipeline=pipeline, pipelines=ensure_pipelines(
        ctx.db, ctx.user.org_id), flt=flt, result=result, chart=chart, names=names, label=label,
        owners=owner_choices(ctx), departments=kernel.departments(ctx.db, ctx.user.org_id))
