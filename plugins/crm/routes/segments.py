"""Segments: the list, the rule builder (rows re-drawn and the preview
counted with htmx), a segment's page with its members over time and its
present members, refresh and delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import N_, Column, Ctx, ListView, ValidationError
from plugins.crm import charts, kernel
from plugins.crm.models import Customer, Tag
from plugins.crm.models.choices import INDUSTRIES, LEVELS, VALUE_GRADES
from plugins.crm.routes.common import routes
from plugins.crm.services import segments
from plugins.crm.services.segment_rules import FIELDS, MATCHES, OPS, clean_rules, describe, rules_from_form

MEMBERS = ListView(Customer, [
    Column("name", N_("Name"), link=True),
    Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
    Column("level", N_("Level"), kind="choice", choices=LEVELS),
    Column("city", N_("City")),
    Column("owner_id", N_("Owner"), kind="user"),
    Column("value_grade", N_("Value grade"), kind="choice", choices=VALUE_GRADES),
], search=("name", "short_name"), default_sort="name", default_desc=False, page_size=20, extra=False)

#: the first row of a new segment's builder
FIRST_ROW = {"field": "industry", "op": "eq", "value": ""}


def _rows(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raw rules as the builder's rows: the value (and the months of an amount) as text."""
    rows = []
    for rule in raw:
        value = rule.get("value")
        months = ""
        if isinstance(value, dict):
            value, months = value.get("amount", ""), value.get("months", "")
        spec = FIELDS.get(str(rule.get("field")), FIELDS["industry"])
        op = rule.get("op") if rule.get("op") in spec.ops else spec.ops[0]
        field = rule.get("field") if rule.get("field") in FIELDS else "industry"
        rows.append({"field": field, "op": op, "value": "" if value is None else str(value),
                     "months": str(months or "12")})
    return rows


def _builder(ctx: Ctx, rows: list[dict[str, Any]], errors: dict[str, str] | None = None) -> dict[str, Any]:
    tags = list(ctx.db.execute(select(Tag.id, Tag.name).where(Tag.org_id == ctx.user.org_id)
                               .order_by(Tag.name)))
    return {"rows": rows, "fields": FIELDS, "ops": OPS, "matches": MATCHES, "errors": errors or {},
            "people": kernel.org_users(ctx.db, ctx.user.org_id), "tags": tags}


def _preview(ctx: Ctx, raw: list[dict[str, Any]], match: str) -> dict[str, Any]:
    try:
        rules = clean_rules(ctx.db, ctx.user.org_id, raw)
    except ValidationError as exc:
        return {"preview": None, "preview_errors": exc.errors}
    return {"preview": segments.preview(ctx.db, ctx.user, rules, match if match in MATCHES else "all"),
            "preview_errors": {}}


def _values(ctx: Ctx) -> dict[str, Any]:
    rules = ctx.form.get("rules")
    return {"name": ctx.field("name"), "description": ctx.field("description"), "match": ctx.field("match"),
            "shared": ctx.form.get("shared"),
            "rules": rules if isinstance(rules, list) else rules_from_form(ctx.form)}


def _form(ctx: Ctx, template: str, segment: Any, values: dict[str, Any], errors: dict[str, str],
          status: int = 200) -> Response:
    raw = values.get("rules") or []
    return ctx.render(template, status=status, segment=segment, values=values, form_errors=errors,
                      **_builder(ctx, _rows(raw), errors),
                      **_preview(ctx, raw, str(values.get("match") or "all")))


@routes.get("/segments", name="segment_list", permission="crm.segment.read")
def segment_list(ctx: Ctx) -> Response:
    items = segments.visible_segments(ctx.db, ctx.user)
    return ctx.render("crm/segment_list.html", items=items,
                      counts=segments.member_counts(ctx.db, ctx.user, [s.id for s in items]),
                      owners=kernel.names(ctx.db, {s.owner_id for s in items}))


@routes.get("/segments/new", name="segment_new", permission="crm.segment.create")
def segment_new(ctx: Ctx) -> Response:
    return _form(ctx, "crm/segment_new.html", None, {"match": "all", "rules": [FIRST_ROW]}, {})


@routes.post("/segments", name="segment_create", permission="crm.segment.create")
def segment_create(ctx: Ctx) -> Response:
    values = _values(ctx)
    try:
        segment = segments.create_segment(ctx.db, ctx.user, values)
    except ValidationError as exc:
        return _form(ctx, "crm/segment_new.html", None, values, exc.errors, status=422)
    return ctx.redirect("segment_detail", id=segment.id, flash="saved")


@routes.get("/segments/rules", name="segment_rules", permission="crm.segment.read")
def segment_rules(ctx: Ctx) -> Response:
    """The builder's rows again (a field changed, a row added or removed),
    and the preview with them (out of band)."""
    raw = rules_from_form(ctx.query)
    if ctx.query.get("add"):
        raw.append(dict(FIRST_ROW))
    if (remove := ctx.query.get("remove", "")).isdigit() and int(remove) < len(raw):
        raw.pop(int(remove))
    return ctx.render("crm/_segment_rules.html", oob=True, **_builder(ctx, _rows(raw)),
                      **_preview(ctx, raw, ctx.query.get("match", "all")))


@routes.get("/segments/preview", name="segment_preview", permission="crm.segment.read")
def segment_preview(ctx: Ctx) -> Response:
    return ctx.render("crm/_segment_preview.html",
                      **_preview(ctx, rules_from_form(ctx.query), ctx.query.get("match", "all")))


@routes.get("/segments/{id:int}", name="segment_detail", permission="crm.segment.read")
def segment_detail(ctx: Ctx) -> Response:
    segment = segments.get_segment(ctx.db, ctx.user, ctx.params["id"])
    page = MEMBERS.page(ctx, stmt=segments.members_stmt(ctx.user, segment))
    if ctx.is_htmx and ctx.request.headers.get("hx-target") == "crm-segment-members":
        return ctx.render("crm/_segment_members.html", segment=segment, page=page)
    points = [(day.isoformat(), n) for day, n in segments.history(ctx.db, ctx.user, segment)]
    names = kernel.names(ctx.db, [segment.owner_id, *(r.get("value") for r in segment.rules
                                                      if r.get("field") == "owner")])
    tags = {i: n for i, n in ctx.db.execute(select(Tag.id, Tag.name).where(Tag.org_id == segment.org_id))}
    chart = charts.members_chart(ctx._("Members over time"), points, empty=ctx._("Not refreshed yet."))
    return ctx.render("crm/segment_detail.html", segment=segment, page=page, chart=chart, names=names,
                      sentences=[describe(r, ctx._, names, tags) for r in segment.rules or []],
                      may_update=_may(ctx, segment, "update"), may_delete=_may(ctx, segment, "delete"))


def _may(ctx: Ctx, segment: Any, action: str) -> bool:
    try:
        segments.get_segment(ctx.db, ctx.user, segment.id, action)
    except Exception:  # noqa: BLE001 - Forbidden or NotFound: not theirs to change
        return False
    return True


@routes.get("/segments/{id:int}/edit", name="segment_edit", permission="crm.segment.update")
def segment_edit(ctx: Ctx) -> Response:
    segment = segments.get_segment(ctx.db, ctx.user, ctx.params["id"], "update")
    values = {"name": segment.name, "description": segment.description, "match": segment.match,
              "shared": segment.shared, "rules": list(segment.rules or [])}
    return _form(ctx, "crm/segment_edit.html", segment, values, {})


@routes.post("/segments/{id:int}", name="segment_update", permission="crm.segment.update")
def segment_update(ctx: Ctx) -> Response:
    values = _values(ctx)
    try:
        segments.update_segment(ctx.db, ctx.user, ctx.params["id"], values)
    except ValidationError as exc:
        segment = segments.get_segment(ctx.db, ctx.user, ctx.params["id"], "update")
        return _form(ctx, "crm/segment_edit.html", segment, values, exc.errors, status=422)
    return ctx.redirect("segment_detail", id=ctx.params["id"], flash="saved")


@routes.post("/segments/{id:int}/refresh", name="segment_refresh", permission="crm.segment.update")
def segment_refresh(ctx: Ctx) -> Response:
    segments.refresh(ctx.db, segments.get_segment(ctx.db, ctx.user, ctx.params["id"], "update"))
    return ctx.redirect("segment_detail", id=ctx.params["id"], flash="saved")


@routes.post("/segments/{id:int}/delete", name="segment_delete", permission="crm.segment.delete")
def segment_delete(ctx: Ctx) -> Response:
    segments.delete_segment(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("segment_list", flash="deleted")
