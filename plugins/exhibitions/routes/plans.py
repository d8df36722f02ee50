"""The plans part's pages: floor plans (the interactive plan at
``/exhibitions/plans/<id>``), booths (their list, the panel beside the
plan, status actions, drawing, moving and deleting), generating a range,
the background drawing, copying a plan to another edition."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, JSONResponse, Response

from core import (
    AUTHENTICATED,
    N_,
    BadParameter,
    Column,
    Conflict,
    Crud,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    NotFound,
    ValidationError,
    get_for,
    scope,
    shown_value,
)
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, Edition, FloorPlan, Space, Zone
from plugins.exhibitions.models.choices import BOOTH_STATES, BOOTH_TYPES, CONSTRUCTIONS
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import booths as booth_services
from plugins.exhibitions.services import plan_view, plans
from plugins.exhibitions.services.booths import MOVABLE, MOVES

STATIC = Path(__file__).resolve().parent.parent / "static" / "plans"
ASSETS = {"plan.js": "text/javascript", "plan.css": "text/css"}
#: most customers the hold picker offers (the seller types to narrow it)
PICKER = 500


# ------------------------------------------------------------------ choices


def edition_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(select(Edition.id, Edition.name).where(scope(ctx.user, Edition))
                          .order_by(Edition.opens_on.desc(), Edition.id.desc())).all()
    return [(str(r.id), _shown(ctx, Edition, "name", r.name, r.id)) for r in rows]


def _shown(ctx: Ctx, model: Any, name: str, value: str, ident: int) -> str:
    """A record's name in a choice as the reader may read it (masked, or its id when hidden)."""
    shown = shown_value(ctx.user, model, name, value)
    return f"#{ident}" if shown is None else str(shown)


def hall_choices(ctx: Ctx) -> list[tuple[str, str]]:
    halls = select(Space.id, Space.name).where(scope(ctx.user, Space), Space.kind != "meeting_room")
    rows = ctx.db.execute(halls.order_by(Space.name)).all()
    return [(str(r.id), _shown(ctx, Space, "name", r.name, r.id)) for r in rows]


def plan_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(select(FloorPlan.id, FloorPlan.title, Edition.name).join(Edition)
                          .where(scope(ctx.user, FloorPlan)).order_by(FloorPlan.id.desc())).all()
    return [(str(r.id), " · ".join((_shown(ctx, Edition, "name", r.name, r.id),
                                     _shown(ctx, FloorPlan, "title", r.title, r.id)))) for r in rows]


def zone_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(select(Zone.id, Zone.name, Space.name.label("hall")).join(Space)
                          .where(scope(ctx.user, Zone)).order_by(Space.name, Zone.code)).all()
    return [(str(r.id), " · ".join((_shown(ctx, Space, "name", r.hall, r.id),
                                     _shown(ctx, Zone, "name", r.name, r.id)))) for r in rows]


def _pairs(choices: dict[str, str]) -> list[tuple[str, str]]:
    return list(choices.items())


# ------------------------------------------------------------------ floor plans


class PlanCrud(Crud):
    """The kit's plan pages, with the interactive plan as the detail page."""

    def detail(self, ctx: Ctx) -> Response:
        plan = get_for(ctx.db, ctx.user, FloorPlan, ctx.params["id"])
        return ctx.render("exhibitions/floor_plan_detail.html", **plan_context(ctx, plan))


def plan_colour(ctx: Ctx) -> str:
    """The plan's ``?colour=`` (by ``status``, the default, or ``revenue`` per m²); anything else is a 400.
    The booth panel's actions carry it as a form field, so the plan keeps its colours after them."""
    colour = ctx.query.get("colour", "") or ctx.field("colour") or "status"
    if colour not in plan_view.COLOURINGS:
        raise BadParameter("colour", N_("{name}: choose one of the offered values."))
    return colour


def plan_context(ctx: Ctx, plan: FloorPlan) -> dict[str, Any]:
    colour = plan_colour(ctx)
    view = plan_view.plan_view(ctx.db, ctx.user, plan, ctx.t)
    heat = plan_view.heat_scale(view.booths) if colour == "revenue" else None
    edition = ctx.db.get(Edition, plan.edition_id)
    hall = ctx.db.get(Space, plan.space_id)
    user = ctx.user
    names = {"title": floor_plans.title_of(user, plan),
             "edition": shown_value(user, Edition, "name", edition.name if edition else "") or "",
             "hall": shown_value(user, Space, "name", hall.name if hall else "") or ""}
    return {"plan": plan, "view": view, "names": names, "crud": floor_plans,
            "svg": plan_view.plan_svg(plan, view.booths, _background(ctx, plan), heat=heat),
            "states": BOOTH_STATES,
            "colour": colour, "heat": heat, "currency": (edition.currency_code if edition else "") or "CNY",
            "constructions": CONSTRUCTIONS, "selected": ctx.query.get("booth", "")}


def _background(ctx: Ctx, plan: FloorPlan) -> str | None:
    """The background drawing's address (the activity plugin's download of the plan's attachment)."""
    return None if plan.background_id is None else f"/activity/attachments/{plan.background_id}?inline=1"


floor_plans = PlanCrud(
    model=FloorPlan, noun="floor_plan", path="plans", title=N_("Floor plans"), title_attr="title",
    list_view=ListView(FloorPlan, [
        Column("title", N_("Title"), link=True),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        Column("space_id", N_("Hall or space"), kind="ref", ref=Space),
        Column("width", N_("Width (m)"), kind="number"),
        Column("depth", N_("Depth (m)"), kind="number"),
    ], search=("title",), filters=[Filter("edition_id", N_("Edition"), edition_choices)]),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=edition_choices),
        FormField("space_id", N_("Hall or space"), "select", required=True, choices=hall_choices),
        FormField("title", N_("Title")),
        FormField("width", N_("Width (m)"), "decimal", required=True),
        FormField("depth", N_("Depth (m)"), "decimal", required=True),
        FormField("grid", N_("Grid (m)"), "decimal", required=True),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=plans.create_plan, update=plans.update_plan,
    detail_fields=[Column("title", N_("Title"))],
)
floor_plans.register(routes)


@routes.get("/plans/{id:int}/svg", name="floor_plan_svg", permission="exhibitions.floor_plan.read")
def floor_plan_svg(ctx: Ctx) -> Response:
    """The plan's canvas again (after a drag, a drawing, or a status change that moved the heat
    map's range), with its legends out of band."""
    plan = get_for(ctx.db, ctx.user, FloorPlan, ctx.params["id"])
    return ctx.render("exhibitions/_plans_canvas.html", oob=True, **plan_context(ctx, plan))


GRID_FIELDS = ("prefix", "first", "last", "columns", "width", "depth", "aisle", "x", "y", "construction",
               "zone_id", "pavilion", "back_to_back")


@routes.get("/plans/{id:int}/generate", name="floor_plan_generate_form", permission="exhibitions.booth.create")
def floor_plan_generate_form(ctx: Ctx) -> Response:
    plan = get_for(ctx.db, ctx.user, FloorPlan, ctx.params["id"])
    values = {"prefix": "A", "first": "101", "last": "150", "columns": "10", "width": "3", "depth": "3",
              "aisle": "3", "x": "0", "y": "0", "construction": "shell", "back_to_back": "1"}
    return _generate_page(ctx, plan, values, {})


def _generate_page(ctx: Ctx, plan: FloorPlan, values: dict[str, Any], errors: dict[str, str],
                   status: int = 200) -> Response:
    zones = [(z.id, z.name) for z in ctx.db.scalars(select(Zone).where(Zone.space_id == plan.space_id,
                                                                        scope(ctx.user, Zone)))]
    return ctx.render("exhibitions/floor_plan_generate_form.html", status=status, plan=plan, values=values,
                      errors=errors, zones=zones, constructions=CONSTRUCTIONS,
                      plan_title=floor_plans.title_of(ctx.user, plan))


@routes.post("/plans/{id:int}/generate", name="floor_plan_generate", permission="exhibitions.booth.create")
def floor_plan_generate(ctx: Ctx) -> Response:
    plan = get_for(ctx.db, ctx.user, FloorPlan, ctx.params["id"])
    values = {name: ctx.field(name) for name in GRID_FIELDS}
    try:
        made = plans.generate(ctx.db, ctx.user, plan.id, _grid_spec(values))
    except plans.NumbersTaken as exc:
        taken = f"{ctx._(plans.NUMBERS_TAKEN)} {', '.join(exc.taken)}"
        return _generate_page(ctx, plan, values, {"numbers": taken}, 422)
    except ValidationError as exc:
        return _generate_page(ctx, plan, values, {k: ctx._(v) for k, v in exc.errors.items()}, 422)
    ctx.db.flush()
    del made
    return ctx.redirect("floor_plan_detail", id=plan.id, flash="saved")


def _grid_spec(values: dict[str, str]) -> plans.GridSpec:
    def dec(name: str) -> Decimal:
        return _dec(values[name] or "0", name)

    zone = values["zone_id"]
    return plans.GridSpec(prefix=values["prefix"].strip(), first=_int(values["first"], "first"),
                          last=_int(values["last"], "last"), columns=_int(values["columns"], "columns"),
                          width=dec("width"), depth=dec("depth"), aisle=dec("aisle"), x=dec("x"), y=dec("y"),
                          construction=values["construction"] or "shell",
                          zone_id=_int(zone, "zone_id") if zone else None,
                          pavilion=values["pavilion"].strip()[:100],
                          back_to_back=values["back_to_back"] in ("1", "on"))


def _int(raw: str, name: str) -> int:
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise ValidationError({name: N_("Enter a whole number.")})
    return int(text)


def _dec(raw: str, name: str) -> Decimal:
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation:
        raise ValidationError({name: N_("Enter a number.")}) from None
    if not value.is_finite() or abs(value) > 100000:
        raise ValidationError({name: N_("Enter a number.")})
    return value


@routes.post("/plans/{id:int}/background", name="floor_plan_background",
             permission="exhibitions.floor_plan.update")
def floor_plan_background(ctx: Ctx) -> Response:
    from plugins.activity.storage import BlobStore

    upload = ctx.form.get("file")
    is_file = isinstance(upload, UploadFile)
    plans.set_background(ctx.db, ctx.user, ctx.params["id"], BlobStore.from_settings(ctx.kernel.settings),
                         filename=upload.filename if is_file else "",  # type: ignore[union-attr]
                         stream=upload.file if is_file else None,  # type: ignore[union-attr]
                         version=ctx.form.get("version"))
    return ctx.redirect("floor_plan_detail", id=ctx.params["id"], flash="saved")


@routes.get("/plans/{id:int}/copy", name="floor_plan_copy_form", permission="exhibitions.floor_plan.create")
def floor_plan_copy_form(ctx: Ctx) -> Response:
    plan = get_for(ctx.db, ctx.user, FloorPlan, ctx.params["id"])
    return _copy_page(ctx, plan, {}, {})


def _copy_page(ctx: Ctx, plan: FloorPlan, values: dict[str, Any], errors: dict[str, str],
               status: int = 200) -> Response:
    return ctx.render("exhibitions/floor_plan_copy_form.html", status=status, plan=plan,
                      editions=edition_choices(ctx), errors=errors, values=values,
                      plan_title=floor_plans.title_of(ctx.user, plan))


@routes.post("/plans/{id:int}/copy", name="floor_plan_copy", permission="exhibitions.floor_plan.create")
def floor_plan_copy(ctx: Ctx) -> Response:
    plan = get_for(ctx.db, ctx.user, FloorPlan, ctx.params["id"])
    values = {"edition_id": ctx.field("edition_id"), "offer_until": ctx.field("offer_until")}
    try:
        until = _until(values["offer_until"], "offer_until")
        copied = plans.copy_plan(ctx.db, ctx.user, plan.id, _int(values["edition_id"], "edition_id"),
                                 offer_until=until)
    except plans.NumbersTaken as exc:
        errors = {"edition_id": f"{ctx._(plans.NUMBERS_TAKEN)} {', '.join(exc.taken)}"}
        return _copy_page(ctx, plan, values, errors, 422)
    except ValidationError as exc:
        return _copy_page(ctx, plan, values, {k: ctx._(v) for k, v in exc.errors.items()}, 422)
    return ctx.redirect("floor_plan_detail", id=copied.id, flash="saved")


def _until(raw: str, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.combine(datetime.fromisoformat(raw).date(), time(23, 59), tzinfo=UTC)
    except ValueError:
        raise ValidationError({name: N_("Enter a date (YYYY-MM-DD).")}) from None


@routes.post("/plans/{id:int}/booths", name="floor_plan_draw", permission="exhibitions.booth.create")
def floor_plan_draw(ctx: Ctx) -> Response:
    """A booth drawn on the plan: a rectangle (a drag in drawing mode: ``x``, ``y``,
    ``width``, ``depth``) or a polygon (its corners clicked: ``points``, JSON
    ``[[x, y], ...]``), snapped to the grid; JSON."""
    plan = get_for(ctx.db, ctx.user, FloorPlan, ctx.params["id"])
    values: dict[str, Any] = {"number": ctx.field("number"),
                              "construction": ctx.field("construction") or "shell"}
    try:
        if ctx.field("points"):
            values["points"] = _corners(ctx.field("points"), plan.grid)
        else:
            for name in ("x", "y", "width", "depth"):
                values[name] = plans._snap(ctx.field(name), plan.grid, name)
        booth = plans.create_booth(ctx.db, ctx.user, {**values, "plan_id": plan.id})
    except ValidationError as exc:
        return JSONResponse({"errors": {k: ctx._(v) for k, v in exc.errors.items()}}, status_code=422)
    return JSONResponse({"id": booth.id, "version": booth.version, "area": str(booth.area)})


def _corners(raw: str, grid: Decimal) -> list[list[Decimal]]:
    """A drawn polygon's corners (JSON ``[[x, y], ...]``), each snapped to the grid."""
    try:
        corners = json.loads(raw)
    except ValueError:
        corners = None
    if not isinstance(corners, list) or not all(isinstance(p, list) and len(p) == 2 for p in corners):
        raise ValidationError({"points": N_("Give each corner as a pair of numbers (x, y in metres).")})
    if len(corners) > 64:
        raise ValidationError({"points": N_("Give a polygon of 3 to 64 corners.")})
    return [[plans._snap(p[0], grid, "points"), plans._snap(p[1], grid, "points")] for p in corners]


@routes.get("/plans/assets/{name:str}", name="plan_asset", permission=AUTHENTICATED)
def plan_asset(ctx: Ctx) -> Response:
    """The plan's own small script and style."""
    name = ctx.params["name"]
    if name not in ASSETS:
        raise NotFound()
    return FileResponse(STATIC / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "private, max-age=3600"})


# ------------------------------------------------------------------ booths


def booth_detail_context(ctx: Ctx, booth: Booth) -> dict[str, Any]:
    return {"plan_url": ctx.url_for("floor_plan_detail", id=booth.plan_id) + f"?booth={booth.id}"}


def booth_list_context(ctx: Ctx) -> dict[str, Any]:
    raw = ctx.query.get("plan_id", "")
    return {"plan_id": int(raw) if raw.isdigit() else None}


booths = Crud(
    model=Booth, noun="booth", path="booths", title=N_("Booths"), title_attr="number",
    list_view=ListView(Booth, [
        Column("number", N_("Booth number"), link=True),
        Column("plan_id", N_("Floor plan"), kind="ref", ref=FloorPlan, ref_label="title"),
        Column("area", N_("Area (m²)"), kind="number"),
        Column("booth_type", N_("Booth type"), kind="choice", choices=BOOTH_TYPES),
        Column("construction", N_("Construction"), kind="choice", choices=CONSTRUCTIONS),
        Column("pavilion", N_("Pavilion")),
        Column("status", N_("Status"), kind="choice", choices=BOOTH_STATES),
        Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
        Column("price", N_("Price"), kind="money"),
    ], search=("number", "pavilion"), default_sort="number", default_desc=False, page_size=100, filters=[
        Filter("plan_id", N_("Floor plan"), plan_choices),
        Filter("status", N_("Status"), _pairs(BOOTH_STATES)),
        Filter("construction", N_("Construction"), _pairs(CONSTRUCTIONS)),
        Filter("booth_type", N_("Booth type"), _pairs(BOOTH_TYPES)),
        Filter("zone_id", N_("Zone"), zone_choices),
    ]),
    form=Form([
        FormField("plan_id", N_("Floor plan"), "select", required=True, choices=plan_choices),
        FormField("number", N_("Booth number"), required=True, max_length=20),
        FormField("x", N_("X (m)"), "decimal", required=True),
        FormField("y", N_("Y (m)"), "decimal", required=True),
        FormField("width", N_("Width (m)"), "decimal", required=True),
        FormField("depth", N_("Depth (m)"), "decimal", required=True),
        FormField("construction", N_("Construction"), "select", required=True, choices=_pairs(CONSTRUCTIONS)),
        FormField("zone_id", N_("Zone"), "select", choices=zone_choices),
        FormField("pavilion", N_("Pavilion"), max_length=100),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=plans.create_booth, update=plans.update_booth,
    detail_fields=[Column("number", N_("Booth number")),
                   Column("plan_id", N_("Floor plan"), kind="ref", ref=FloorPlan, ref_label="title"),
                   Column("area", N_("Area (m²)"), kind="number"),
                   Column("booth_type", N_("Booth type"), kind="choice", choices=BOOTH_TYPES),
                   Column("open_sides", N_("Open sides"), kind="number"),
                   Column("construction", N_("Construction"), kind="choice", choices=CONSTRUCTIONS),
                   Column("zone_id", N_("Zone"), kind="ref", ref=Zone),
                   Column("pavilion", N_("Pavilion")),
                   Column("status", N_("Status"), kind="choice", choices=BOOTH_STATES),
                   Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
                   Column("held_until", N_("Held until"), kind="datetime"),
                   Column("price", N_("Price"), kind="money")],
    detail_template="exhibitions/booth_detail.html", detail_context=booth_detail_context,
    list_template="exhibitions/booth_list.html", list_context=booth_list_context,
)
booths.register(routes)


def panel_context(ctx: Ctx, booth: Booth, error: str = "") -> dict[str, Any]:
    """What the booth panel beside the plan shows and offers."""
    row = next(iter(plan_view.plan_view_of(ctx.db, ctx.user, [booth], ctx.t)), None)
    can_sell = ctx.user.can("exhibitions.booth.sell")
    actions = [a for a, (froms, _to) in MOVES.items() if booth.status in froms] if can_sell else []
    customers: list[tuple[int, str]] = []
    if can_sell and {"hold", "reserve", "sell"} & set(actions):
        customers = [(r.id, _shown(ctx, Customer, "name", r.name, r.id)) for r in ctx.db.execute(
            select(Customer.id, Customer.name).where(scope(ctx.user, Customer)).order_by(Customer.name)
            .limit(PICKER))]
    targets: list[tuple[int, str]] = []
    numbers_shown = "number" not in ctx.user.hidden_fields(Booth)
    if can_sell and booth.status in MOVABLE and numbers_shown:
        free = select(Booth.id, Booth.number).where(Booth.edition_id == booth.edition_id,
                                                    Booth.status == "available", scope(ctx.user, Booth, "sell"))
        targets = [(r.id, r.number) for r in ctx.db.execute(free.order_by(Booth.number).limit(PICKER))]
    return {"booth": booth, "row": row, "actions": actions, "customers": customers, "targets": targets,
            "states": BOOTH_STATES, "error": error, "colour": plan_colour(ctx)}


@routes.get("/booths/{id:int}/panel", name="booth_panel", permission="exhibitions.booth.read")
def booth_panel(ctx: Ctx) -> Response:
    booth = get_for(ctx.db, ctx.user, Booth, ctx.params["id"])
    return ctx.render("exhibitions/_plans_booth_panel.html", **panel_context(ctx, booth))


@routes.post("/booths/{id:int}/status", name="booth_status", permission="exhibitions.booth.sell")
def booth_status(ctx: Ctx) -> Response:
    """Hold, reserve, sell, vacate, block or unblock a booth from its panel."""
    action = ctx.field("action")
    version = ctx.field("version")
    customer = ctx.field("customer_id")
    try:
        with ctx.db.begin_nested():  # a refusal leaves the session usable for the panel
            changed = booth_services.change(
                ctx.db, ctx.user, ctx.params["id"], action,
                customer_id=int(customer) if customer.isdigit() else None,
                until=_until(ctx.field("until"), "until"), version=int(version) if version.isdigit() else None)
    except (Conflict, ValidationError) as exc:
        return _refused(ctx, exc)
    return _changed(ctx, changed.booth)


@routes.post("/booths/{id:int}/move", name="booth_move", permission="exhibitions.booth.sell")
def booth_move(ctx: Ctx) -> Response:
    """Move the exhibitor to another available booth."""
    target = ctx.field("to_booth_id")
    try:
        if not target.isdigit():
            raise ValidationError({"to_booth_id": N_("Choose the booth to move to.")})
        with ctx.db.begin_nested():
            moved = booth_services.move(ctx.db, ctx.user, ctx.params["id"], int(target))
    except (Conflict, ValidationError) as exc:
        return _refused(ctx, exc)
    return _changed(ctx, moved, also=ctx.params["id"])


def _changed(ctx: Ctx, booth: Booth, also: int | None = None) -> Response:
    """The panel again, the legend out of band and the changed booths' markup in an
    ``HX-Trigger`` event, coloured as the plan is (on the heat map: on its scale, which
    the event carries, so the plan reloads when the scale moved)."""
    colour = plan_colour(ctx)
    if not ctx.is_htmx:
        return _to_plan(ctx, booth.plan_id, colour)
    ctx.db.flush()
    ids = [booth.id] + ([also] if also else [])
    changed = ctx.db.scalars(select(Booth).where(Booth.id.in_(ids))).all()
    rows = plan_view.plan_view_of(ctx.db, ctx.user, list(changed), ctx.t)
    panel = ctx.kernel.render("exhibitions/_plans_booth_panel.html", ctx, **panel_context(ctx, booth))
    plan = ctx.db.get(FloorPlan, booth.plan_id)
    assert plan is not None
    view = plan_view.plan_view(ctx.db, ctx.user, plan, ctx.t)
    legend = ctx.kernel.render("exhibitions/_plans_legend.html", ctx, states=BOOTH_STATES, oob=True, view=view)
    event: dict[str, Any] = {"booths": [plan_view.booth_svg(r) for r in rows]}
    if colour == "revenue":
        heat = plan_view.heat_scale(view.booths)
        event = {"booths": [plan_view.booth_svg(r, heat) for r in rows], "heat": heat.key}
    trigger = {"exh-booths-changed": event}
    return Response(panel + legend, media_type="text/html",
                    headers={"HX-Trigger": json.dumps(trigger, ensure_ascii=True)})


def _to_plan(ctx: Ctx, plan_id: int, colour: str, flash: str = "saved") -> Response:
    """Back to the plan (no htmx), in the colours it was in."""
    response = ctx.redirect("floor_plan_detail", id=plan_id, flash=flash)
    if colour != "status":
        location = "HX-Redirect" if ctx.is_htmx else "location"
        response.headers[location] = response.headers[location] + f"?colour={colour}"
    return response


def _refused(ctx: Ctx, exc: Exception) -> Response:
    """The panel again with what was refused (409 or 422: nothing written)."""
    if isinstance(exc, ValidationError):
        message, status = " ".join(ctx._(m) for m in exc.errors.values()), 422
    else:
        assert isinstance(exc, Conflict)
        message, status = ctx._(str(exc), **exc.params), 409
    if not ctx.is_htmx:
        raise exc
    booth = get_for(ctx.db, ctx.user, Booth, ctx.params["id"])
    return ctx.render("exhibitions/_plans_booth_panel.html", status=status,
                      **panel_context(ctx, booth, error=message))


@routes.post("/booths/{id:int}/shape", name="booth_shape", permission="exhibitions.booth.update")
def booth_shape(ctx: Ctx) -> Response:
    """Move or resize a booth dragged on the plan (snapped to the grid)."""
    f = ctx.field
    try:
        booth = plans.reshape(ctx.db, ctx.user, ctx.params["id"], x=f("x"), y=f("y"), width=f("width"),
                              depth=f("depth"), version=ctx.form.get("version"))
    except ValidationError as exc:
        if not ctx.is_htmx and "application/json" not in ctx.request.headers.get("accept", ""):
            raise
        return JSONResponse({"errors": {k: ctx._(v) for k, v in exc.errors.items()}}, status_code=422)
    if "application/json" in ctx.request.headers.get("accept", ""):
        return JSONResponse({"id": booth.id, "version": booth.version})
    return ctx.redirect("floor_plan_detail", id=booth.plan_id, flash="saved")


@routes.post("/booths/{id:int}/delete", name="booth_delete", permission="exhibitions.booth.delete")
def booth_delete(ctx: Ctx) -> Response:
    colour = plan_colour(ctx)
    plan_id = plans.delete_booth(ctx.db, ctx.user, ctx.params["id"], ctx.form.get("version"))
    return _to_plan(ctx, plan_id, colour, "deleted")
