"""Report pages: the builder (a GET form, so every report has an address),
saved reports with their sharing and e-mail schedule, the records behind a
number, and the Excel export. Every report runs as the request's user."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from core import N_, Ctx, Forbidden, ValidationError, describe, utcnow
from plugins.dashboard import kernel, xlsx
from plugins.dashboard.models import CHARTS, FREQUENCIES, RECIPIENTS, SHARING
from plugins.dashboard.routes.common import bad_parameter, datasets, errors_of, formatter, linker, routes
from plugins.dashboard.services import builder, records, reports, schedules, tables
from plugins.dashboard.specs import NONE, ReportSpec

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))


def _run(ctx: Ctx, spec: ReportSpec, title: str) -> dict[str, Any]:
    """The report's table and chart, or the errors naming what it may not ask."""
    try:
        computed = tables.compute(ctx.db, ctx.user, ctx.kernel.registry, spec)
    except ValidationError as exc:
        return {"errors": errors_of(ctx, exc.errors), "table": None, "chart": None}
    fmt = formatter(ctx)
    return {"errors": {}, "table": tables.table_of(computed, fmt, linker(ctx, spec)),
            "chart": tables.chart_of(computed, spec.chart, fmt, title=title, empty=ctx._("No data."),
                                     other=ctx._("Others"))}


def _builder(ctx: Ctx, spec: ReportSpec, title: str = "") -> dict[str, Any]:
    """What the builder shows: the form's choices, then the report."""
    context: dict[str, Any] = {"spec": spec, "datasets": datasets(ctx), "charts": CHARTS, "view": None,
                               "errors": {}, "table": None, "chart": None}
    if spec.dataset:
        view = _view(ctx, spec)
        dimensions = builder.dimension_choices(view, ctx._)
        context.update(view=view, dimensions=dimensions,
                       filters=builder.filter_inputs(ctx.db, ctx.user, ctx.kernel.registry, view, ctx._),
                       **_run(ctx, spec, title or _title(ctx, view, spec, dict(dimensions))))
    return context


def _view(ctx: Ctx, spec: ReportSpec) -> Any:
    """The dataset the address names, as the reader may use it (400 for one it does not offer)."""
    try:
        return describe(ctx.user, ctx.kernel.registry, spec.dataset)
    except ValidationError as exc:
        raise bad_parameter(spec, exc.errors) from None


def _title(ctx: Ctx, view: Any, spec: ReportSpec, dimensions: dict[str, str]) -> str:
    """An unsaved report's chart title: its first measure by its row dimensions."""
    measure = next((m for m in view.measures if not spec.measures or m.name in spec.measures), None)
    by = " × ".join(dimensions.get(r, r) for r in spec.rows)
    if measure is None or not by:
        return str(ctx._(view.label))
    return ctx._("{measure} by {dimension}", measure=ctx._(measure.label), dimension=by)


@routes.get("/reports", name="report_list", permission="dashboard.report.read")
def report_list(ctx: Ctx) -> Response:
    saved = reports.visible(ctx.db, ctx.user)
    return ctx.render("dashboard/report_list.html", saved=saved, datasets=datasets(ctx),
                      owners=kernel.names(ctx.db, {r.owner_id for r in saved}), sharing=SHARING)


@routes.get("/reports/new", name="report_new", permission="dashboard.report.read")
def report_new(ctx: Ctx) -> Response:
    """The builder; ``?report=<id>`` edits a saved report (its definition
    unless the address gives another)."""
    report = reports.get(ctx.db, ctx.user, ctx.query["report"]) if ctx.query.get("report") else None
    spec = ReportSpec.from_params(ctx.query)
    if report is not None and not spec.dataset:
        spec = reports.spec_of(report)
    context = _builder(ctx, spec, report.name if report else "")
    # what the address asks for and the reader may not have is a bad request (rule 7), shown on the form
    return ctx.render("dashboard/report_new.html", status=400 if context["errors"] else 200, report=report,
                      **context)


@routes.post("/reports", name="report_create", permission="dashboard.report.create")
def report_create(ctx: Ctx) -> Response:
    spec = ReportSpec.from_params(ctx.form)
    report = reports.save(ctx.db, ctx.user, ctx.kernel.registry, ctx.field("name"), spec)
    return ctx.redirect("report_detail", id=report.id, flash="saved")


@routes.get("/reports/{id:int}", name="report_detail", permission="dashboard.report.read")
def report_detail(ctx: Ctx) -> Response:
    report = reports.get(ctx.db, ctx.user, ctx.params["id"])
    spec = reports.spec_of(report)
    mine = report.owner_id == ctx.user.user_id
    try:
        context = _builder(ctx, spec, report.name)
        context["kept"] = records.filter_labels(ctx.db, ctx.user, ctx.kernel.registry, context["view"], spec,
                                                ctx._)
    except Forbidden:  # shared with them, but they may not read what it counts
        context = {"spec": spec, "view": None, "errors": {}, "table": None, "chart": None, "denied": True,
                   "kept": []}
    return ctx.render("dashboard/report_detail.html", report=report, mine=mine,
                      author=kernel.names(ctx.db, [report.owner_id]).get(report.owner_id or 0, ""),
                      schedule=schedules.schedule_of(ctx.db, report),
                      roles=kernel.roles(ctx.db) if mine else [],
                      shared_roles=reports.shared_roles(ctx.db, report),
                      sharing=SHARING, frequencies=FREQUENCIES, recipients=RECIPIENTS, weekdays=WEEKDAYS,
                      **{"denied": False, **context})


@routes.post("/reports/{id:int}", name="report_update", permission="dashboard.report.create")
def report_update(ctx: Ctx) -> Response:
    report = reports.get(ctx.db, ctx.user, ctx.params["id"])
    reports.change(ctx.db, ctx.user, ctx.kernel.registry, report, ctx.field("name"),
                   ReportSpec.from_params(ctx.form))
    return ctx.redirect("report_detail", id=report.id, flash="saved")


@routes.post("/reports/{id:int}/delete", name="report_delete", permission="dashboard.report.read")
def report_delete(ctx: Ctx) -> Response:
    reports.remove(ctx.db, ctx.user, reports.get(ctx.db, ctx.user, ctx.params["id"]))
    return ctx.redirect("report_list", flash="deleted")


@routes.post("/reports/{id:int}/sharing", name="report_share", permission="dashboard.report.share")
def report_share(ctx: Ctx) -> Response:
    report = reports.get(ctx.db, ctx.user, ctx.params["id"])
    roles = ctx.form.get("roles") or []
    reports.share(ctx.db, ctx.user, report, ctx.field("sharing"), roles if isinstance(roles, list) else [roles])
    return ctx.redirect("report_detail", id=report.id, flash="saved")


@routes.post("/reports/{id:int}/schedule", name="schedule_update", permission="dashboard.schedule.create")
def schedule_update(ctx: Ctx) -> Response:
    report = reports.get(ctx.db, ctx.user, ctx.params["id"])
    schedules.set_schedule(ctx.db, ctx.user, report, {k: ctx.field(k) for k in
                                                       ("frequency", "day", "hour", "recipients")})
    return ctx.redirect("report_detail", id=report.id, flash="saved")


@routes.post("/reports/{id:int}/schedule/delete", name="schedule_delete",
             permission="dashboard.schedule.create")
def schedule_delete(ctx: Ctx) -> Response:
    report = reports.get(ctx.db, ctx.user, ctx.params["id"])
    schedules.stop(ctx.db, ctx.user, report)
    return ctx.redirect("report_detail", id=report.id, flash="saved")


@routes.get("/reports/records", name="record_list", permission="dashboard.report.read")
def record_list(ctx: Ctx) -> Response:
    """The records behind one number of a report (``k.<dimension>=<key>``)."""
    spec = ReportSpec.from_params(ctx.query)
    view = _view(ctx, spec)
    keys = {k[2:]: None if v == NONE else v for k, v in ctx.query.multi_items() if k.startswith("k.")}
    after = ctx.query.get("after", "0")
    try:
        found = records.page(ctx.db, ctx.user, ctx.kernel.registry, view, spec.query(), keys,
                             after=int(after) if after.isdigit() else 0, link=ctx.kernel.record_path,
                             text=records.cell_text(ctx._, ctx.t.date))
    except ValidationError as exc:
        raise bad_parameter(spec, exc.errors) from None
    fmt = formatter(ctx)
    labels = [(fmt.dimension(d), text) for d, text in
              records.key_labels(ctx.db, ctx.user, ctx.kernel.registry, view, spec, keys, ctx._)]
    more = None
    if found.after is not None:
        more = ctx.url_for("record_list") + "?" + spec.query_string(
            *((f"k.{n}", tables.key_param(v)) for n, v in keys.items()), ("after", str(found.after)))
    labels += records.filter_labels(ctx.db, ctx.user, ctx.kernel.registry, view, spec, ctx._)
    return ctx.render("dashboard/record_list.html", view=view, spec=spec, page=found, labels=labels,
                      report_url=ctx.url_for("report_new") + "?" + spec.query_string(), next_url=more)


@routes.get("/reports/export", name="report_export", permission="dashboard.report.export")
def report_export(ctx: Ctx) -> Response:
    """The report as an Excel workbook (``name``: its title)."""
    spec = ReportSpec.from_params(ctx.query)
    view = _view(ctx, spec)
    try:
        computed = tables.compute(ctx.db, ctx.user, ctx.kernel.registry, spec)
    except ValidationError as exc:
        raise bad_parameter(spec, exc.errors) from None
    title = (ctx.query.get("name") or "").strip()[:100] or ctx._(view.label)
    table = tables.table_of(computed, formatter(ctx), lambda _keys: None)
    subtitle = ctx._("As of {date}, with the permissions of {name}.", date=ctx.t.datetime(utcnow(), "short"),
                     name=ctx.user.display_name)
    body = xlsx.workbook(title, table, subtitle=subtitle)
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=\"report.xlsx\"; "
                                                    f"filename*=UTF-8''{quote(title + '.xlsx')}"})

