"""The targets page: a year's grid of targets against what was reached,
per salesperson or per team, with its chart; the director types the
targets into the grid and saves them at once."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response

from core import N_, Ctx, ValidationError, utcnow
from plugins.sales.charts import target_chart
from plugins.sales.routes.common import routes
from plugins.sales.services import targets as services

#: month labels of the grid and the chart
MONTH_LABELS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"),
                N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))


def _year(raw: Any) -> int:
    text = str(raw or "").strip()
    year = int(text) if text.isdigit() else utcnow().year
    return year if 2000 <= year <= 2100 else utcnow().year


def chart_of(ctx: Ctx, title: str, row_cells: list[services.Cell]) -> Any:
    return target_chart(title, [ctx._(m) for m in MONTH_LABELS], [c.target for c in row_cells],
                        [c.actual for c in row_cells], target_label=ctx._("Target"),
                        actual_label=ctx._("Actual"), met_label=ctx._("Target met"), locale=ctx.t.locale)


@routes.get("/targets", name="target_grid", permission="sales.target.read")
def target_grid(ctx: Ctx) -> Response:
    kind = ctx.query.get("kind", "people")
    grid = services.grid(ctx.db, ctx.user, _year(ctx.query.get("year")), kind)
    return _page(ctx, grid, {}, {}, edit=ctx.query.get("edit") == "1" and grid.editable)


@routes.post("/targets", name="target_save", permission="sales.target.update")
def target_save(ctx: Ctx) -> Response:
    year, kind = ctx.field("year"), ctx.field("kind")
    values = {k: (v[-1] if isinstance(v, list) else str(v)) for k, v in ctx.form.items()
              if k.startswith("target_")}
    try:
        services.save_targets(ctx.db, ctx.user, year, kind, values)
    except ValidationError as exc:
        grid = services.grid(ctx.db, ctx.user, _year(year), kind)
        return _page(ctx, grid, values, exc.errors, edit=True, status=422)
    ctx.flash("saved")
    return RedirectResponse(f"{ctx.url_for('target_grid')}?{urlencode({'year': year, 'kind': kind})}",
                            status_code=303)


def _page(ctx: Ctx, grid: services.Grid, values: dict[str, str], errors: dict[str, str], *, edit: bool,
          status: int = 200) -> Response:
    title = ctx._("Target against actual, {year}", year=grid.year)
    return ctx.render("sales/target_grid.html", status=status, grid=grid, months=MONTH_LABELS, values=values,
                      errors={k: ctx._(v) for k, v in errors.items()}, edit=edit,
                      chart=chart_of(ctx, title, grid.totals), this_year=utcnow().year)
