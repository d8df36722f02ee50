"""Customer value: the report of resources spent against value, the
button that recomputes the scores now, and the value model's settings."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from core import Ctx, ValidationError, enqueue, utcnow
from plugins.crm import charts, kernel
from plugins.crm.models.choices import VALUE_GRADES
from plugins.crm.routes.common import routes
from plugins.crm.services import value


@routes.get("/value", name="value_report", permission="crm.customer_value.read")
def value_report(ctx: Ctx) -> Response:
    grade = ctx.query.get("grade", "")
    grade = grade if grade in VALUE_GRADES else ""
    sort = ctx.query.get("sort", "ratio")
    sort = sort if sort in value.REPORT_SORTS else "ratio"
    day, rows = value.report(ctx.db, ctx.user, grade=grade, sort=sort)
    cost, revenue = ctx._("Cost of serving"), ctx._("Revenue")
    dots = [charts.Dot(float(r.cost), float(r.revenue),
                       f"{r.name}: {cost} {value.money(r.cost)}, {revenue} {value.money(r.revenue)}", r.grade)
            for r in rows]
    chart = charts.scatter(ctx._("Cost of serving against revenue"), dots, x_label=cost,
                           y_label=revenue, empty=ctx._("No scores yet."))
    return ctx.render("crm/value_report.html", day=day, rows=rows, grade=grade, sort=sort, grades=VALUE_GRADES,
                      chart=chart, owners=kernel.names(ctx.db, {r.owner_id for r in rows}),
                      queued=ctx.query.get("queued") == "1", limit=value.REPORT_LIMIT)


@routes.post("/value/compute", name="value_compute", permission="crm.customer_value.update")
def value_compute(ctx: Ctx) -> Response:
    """Queue the scoring of the actor's organisation (once a minute at most)."""
    minute = utcnow().strftime("%Y%m%d%H%M")
    enqueue(ctx.db, "crm.compute_value", {"org_id": ctx.user.org_id},
            key=f"crm.compute_value:{ctx.user.org_id}:{minute}", org_id=ctx.user.org_id)
    return RedirectResponse(ctx.url_for("value_report") + "?queued=1", status_code=303)


@routes.get("/value/settings", name="value_settings", permission="crm.settings.update")
def value_settings(ctx: Ctx) -> Response:
    return ctx.render("crm/value_settings.html", values=value.model_of(ctx.db, ctx.user.org_id), errors={},
                      fields=value.MODEL_FIELDS)


@routes.post("/value/settings", name="value_settings_save", permission="crm.settings.update")
def value_settings_save(ctx: Ctx) -> Response:
    values = {key: ctx.field(key) for key in value.MODEL_FIELDS}
    try:
        value.save_model(ctx.db, ctx.user, values)
    except ValidationError as exc:
        return ctx.render("crm/value_settings.html", status=422, values=values, errors=exc.errors,
                          fields=value.MODEL_FIELDS)
    return ctx.redirect("value_settings", flash="saved")
