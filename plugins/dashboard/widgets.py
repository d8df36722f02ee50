"""The dashboard's own widgets: approvals waiting for me, a saved report's
chart, a key figure (one measure of one dataset, this period against the
last), and the records I changed last. Each ``data(ctx)`` reads through the
kernel's services as the request's user; the two with settings read them
from the placement named by the request's ``p`` (``layouts.placement_config``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from core import (
    N_,
    Ctx,
    Forbidden,
    NotFound,
    ReportQuery,
    ValidationError,
    WidgetDecl,
    aggregate,
    describe,
    scope,
    utcnow,
    waiting_approvals,
)
from plugins.dashboard import charts, kernel
from plugins.dashboard.services import layouts, reports, tables

CHINA_DAY = timedelta(hours=8)
PERIODS = {"month": N_("This month against last month"), "quarter": N_("This quarter against last quarter"),
           "year": N_("This year against last year")}
#: attributes that name a record in "recently changed", the first present wins
TITLE_ATTRS = ("name", "display_name", "title", "subject", "number", "code", "username")


def config_of(ctx: Ctx, key: str) -> dict[str, Any]:
    """The settings of the placement this request shows (``?p=``), if the
    user's workbench holds it and it is this widget."""
    found = layouts.placement_config(ctx.db, ctx.user, ctx.query.get("p"))
    return found[1] if found is not None and found[0] == key else {}


# ------------------------------------------------------------------ approvals


def approvals(ctx: Ctx) -> dict[str, Any]:
    total, items = waiting_approvals(ctx.db, ctx.kernel.registry, ctx.user, limit=6)
    models = ctx.kernel.registry.models
    return {"total": total, "items": items,
            "kinds": {i.model: getattr(models.get(i.model), "__label__", i.model) for i in items}}


# ------------------------------------------------------------------ recently changed


@dataclass(frozen=True)
class Recent:
    title: str
    kind: str  # the model's label (a message id)
    action: str
    at: datetime
    href: str | None


def recent(ctx: Ctx) -> dict[str, Any]:
    """The records I changed last that I may still read, newest first."""
    registry, actor = ctx.kernel.registry, ctx.user
    changes = kernel.my_changes(ctx.db, actor.user_id, 6)
    titles: dict[tuple[str, int], str] = {}
    for key in {c.model for c in changes}:
        model = registry.models.get(key)
        if model is None or not actor.can(f"{key}.read"):
            continue
        shown = set(model.__table__.columns.keys()) - actor.hidden_fields(model)
        attr = next((a for a in TITLE_ATTRS if a in shown), None)
        ident = model.__table__.columns["id"]
        name = model.__table__.columns[attr] if attr else ident
        ids = [c.record_id for c in changes if c.model == key]
        stmt = select(ident, name).where(ident.in_(ids), scope(actor, model, "read"))
        titles.update({(key, rid): str(title) for rid, title in ctx.db.execute(stmt)})
    items = [Recent(titles[(c.model, c.record_id)], getattr(registry.models[c.model], "__label__", c.model),
                    c.action, c.at, ctx.kernel.record_path(c.model, c.record_id))
             for c in changes if (c.model, c.record_id) in titles]
    return {"items": items}


# ------------------------------------------------------------------ a saved report's chart


def report_chart(ctx: Ctx) -> dict[str, Any]:
    report_id = config_of(ctx, "dashboard.report_chart").get("report")
    if report_id is None:
        return {"report": None, "chart": None, "missing": False}
    try:
        report = reports.get(ctx.db, ctx.user, report_id)
        spec = reports.spec_of(report)
        computed = tables.compute(ctx.db, ctx.user, ctx.kernel.registry, spec)
    except (NotFound, Forbidden, ValidationError):
        return {"report": None, "chart": None, "missing": True}
    fmt = tables.Formatter(ctx._, ctx.t.date)
    chart = tables.chart_of(computed, spec.chart if spec.chart != "table" else "bar", fmt, title=report.name,
                            empty=ctx._("No data."), other=ctx._("Others"), canvas=charts.CARD)
    return {"report": report, "chart": chart, "missing": False,
            "href": ctx.url_for("dashboard:report_detail", id=report.id)}


def clean_report_chart(ctx: Ctx, form: Mapping[str, Any]) -> dict[str, Any]:
    raw = form.get("report")
    try:
        report = reports.get(ctx.db, ctx.user, raw)
    except NotFound:
        raise ValidationError({"report": N_("Choose one of your saved reports.")}) from None
    return {"report": report.id}


# ------------------------------------------------------------------ a key figure


def _periods(period: str, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """This period so far and the whole period before it."""
    if period == "year":
        return (date(today.year, 1, 1), today), (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    months = 3 if period == "quarter" else 1
    first = date(today.year, (today.month - 1) // months * months + 1, 1)
    before_end = first - timedelta(days=1)
    before = date(before_end.year, (before_end.month - 1) // months * months + 1, 1)
    return (first, today), (before, before_end)


def kpi(ctx: Ctx) -> dict[str, Any]:
    config = config_of(ctx, "dashboard.kpi")
    if not config.get("dataset"):
        return {"ready": False, "missing": False}
    try:
        view = describe(ctx.user, ctx.kernel.registry, config["dataset"])
        measure = next(m for m in view.measures if m.name == config.get("measure"))
        filters: dict[str, Any] = {}
        if config.get("filter"):
            filters[config["filter"]] = [config.get("value")]
        dated = next((f.column for f in view.filters if f.kind == "date"), None)
        today = (utcnow() + CHINA_DAY).date()
        now, before = _periods(config.get("period", "month"), today)
        figures = []
        for span in (now, before) if dated else (None,):
            query = ReportQuery(view.key, measures=(measure.name,),
                                filters={**filters, **({dated: span} if dated and span else {})})
            figures.append(aggregate(ctx.db, ctx.user, ctx.kernel.registry, query).totals[0])
    except (Forbidden, StopIteration, ValidationError):
        return {"ready": False, "missing": True}
    fmt = tables.Formatter(ctx._, ctx.t.date)
    current, previous = figures[0], figures[1] if len(figures) > 1 else None
    kept = next((f for f in view.filters if f.column == config.get("filter")), None)
    only = dict((str(v), t) for v, t in kept.choices).get(str(config.get("value")), "") if kept else ""
    change = (float(current or 0) - float(previous)) / float(previous) if previous else None
    return {"ready": True, "missing": False, "label": measure.label, "dataset": view.label,
            "value": fmt.value(measure, current), "previous": fmt.value(measure, previous),
            "change": change, "period": config.get("period", "month"), "dated": dated is not None,
            "only": only}


def clean_kpi(ctx: Ctx, form: Mapping[str, Any]) -> dict[str, Any]:
    """The settings form: ``figure`` (``<dataset>::<measure>``), ``period`` and
    ``only`` (``<filter>=<value>``, or empty for everything)."""
    dataset, _, measure = str(form.get("figure") or "").partition("::")
    try:
        view = describe(ctx.user, ctx.kernel.registry, dataset)
    except (ValidationError, Forbidden):
        raise ValidationError({"figure": N_("Choose a figure from the list.")}) from None
    errors: dict[str, str] = {}
    if measure not in {m.name for m in view.measures}:
        errors["figure"] = N_("Choose a figure from the list.")
    period = str(form.get("period") or "month")
    if period not in PERIODS:
        errors["period"] = N_("Choose a period from the list.")
    field, _, value = str(form.get("only") or "").partition("=")
    if field and field not in {f.column for f in view.filters if f.choices}:
        errors["only"] = N_("Choose a filter of this figure's dataset.")
    if errors:
        raise ValidationError(errors)
    return {"dataset": dataset, "measure": measure, "period": period, "filter": field or None,
            "value": value if field else None}


def settings_choices(ctx: Ctx) -> dict[str, Any]:
    """What the settings forms offer: the saved reports the user may open,
    and per dataset they may run its measures and choice filters."""
    figures = []
    for decl in sorted(ctx.kernel.registry.datasets.values(), key=lambda d: ctx._(d.label)):
        if not ctx.user.can(f"{decl.model.__model_key__}.{decl.action}"):
            continue
        view = describe(ctx.user, ctx.kernel.registry, decl.key)
        figures.append((view, [(f"{view.key}::{m.name}", ctx._(m.label)) for m in view.measures],
                        [(f"{f.column}={v}", f"{ctx._(f.label)}：{ctx._(t)}") for f in view.filters
                         for v, t in f.choices]))
    return {"reports": [(r.id, r.name) for r in reports.visible(ctx.db, ctx.user)] if ctx.user.can(
        "dashboard.report.read") else [], "figures": figures, "periods": PERIODS}


#: settings of the configurable widgets: key -> the function checking a form
CLEANERS = {"dashboard.report_chart": clean_report_chart, "dashboard.kpi": clean_kpi}

WIDGETS = [
    WidgetDecl("dashboard.approvals", N_("Approvals waiting for me"), "dashboard/_widget_approvals.html",
               approvals, size="md", icon="file-check"),
    WidgetDecl("dashboard.recent", N_("Recently changed by me"), "dashboard/_widget_recent.html", recent,
               size="md", icon="history"),
    WidgetDecl("dashboard.report_chart", N_("Chart of a saved report"), "dashboard/_widget_report.html",
               report_chart, permission="dashboard.report.read", size="md", icon="chart-bar"),
    WidgetDecl("dashboard.kpi", N_("Key figure"), "dashboard/_widget_kpi.html", kpi,
               permission="dashboard.report.read", size="sm", icon="chart-arrows-vertical"),
]
