"""The venues part's pages (registered on plugins.exhibitions.routes.routes):
venues, their spaces and zones, bookings of a space, show series and
editions (the kit's pages), an edition's "book its halls" and "next
edition", and the month calendar of a venue's spaces."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import (
    N_,
    BadParameter,
    Column,
    Crud,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    StaleVersion,
    ValidationError,
    check_version,
    get_for,
    load_refs,
    scope,
    shown_columns,
    visible_extra,
)
from plugins.crm.models.choices import INDUSTRIES
from plugins.exhibitions.models import Edition, FloorPlan, ShowSeries, Space, SpaceBooking, Venue, Zone
from plugins.exhibitions.models.choices import BOOKING_PURPOSES, BOOKING_STATES, EDITION_STATES, SPACE_KINDS
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import editions as edition_services
from plugins.exhibitions.services import venues as services

# ----------------------------------------------------------------- choices


def _venue_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), n) for i, n in ctx.db.execute(
        select(Venue.id, Venue.name).where(scope(ctx.user, Venue)).order_by(Venue.name))]


def _space_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(select(Space.id, Space.name, Venue.name).join(Venue, Venue.id == Space.venue_id)
                          .where(scope(ctx.user, Space)).order_by(Venue.name, Space.sequence, Space.code))
    return [(str(i), f"{v} · {n}") for i, n, v in rows]


def _series_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), n) for i, n in ctx.db.execute(
        select(ShowSeries.id, ShowSeries.name).where(scope(ctx.user, ShowSeries)).order_by(ShowSeries.name))]


def _edition_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), n) for i, n in ctx.db.execute(
        select(Edition.id, Edition.name).where(scope(ctx.user, Edition)).order_by(Edition.opens_on.desc()))]


NEW_BOOKING_STATES = [("hold", N_("On hold")), ("confirmed", N_("Confirmed"))]


class Prefilled(Crud):
    """A Crud whose new-record form takes the parent from the query
    (``/spaces/new?venue_id=3``), and whose field errors may carry
    parameters (a booking's clash)."""

    prefill: tuple[str, ...] = ()

    def new(self, ctx: Ctx) -> Response:
        values: dict[str, Any] = {f.name: f.default for f in visible_extra(ctx.db, ctx.user, self.model)
                                  if f.default is not None}
        values |= {name: ctx.query[name] for name in self.prefill if ctx.query.get(name, "").isdigit()}
        return self._form(ctx, None, values, {})

    def create_(self, ctx: Ctx) -> Response:
        try:
            values, extra = self.form.bind_all(ctx, self.model, None)
            record = self.form.saved(ctx, self.model, lambda: self.create(ctx.db, ctx.user, values), extra)
        except ValidationError as exc:
            return self._form(ctx, None, dict(ctx.form), services.field_errors(exc.errors, exc, ctx._),
                              status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")


class BookingCrud(Prefilled):
    """Bookings: a clash is shown with the clashing booking and its days."""

    def update_(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "update")
        try:
            check_version(record, ctx.form.get("version"))
        except StaleVersion:
            return self.stale(ctx, record)
        try:
            values = self.form.bind(ctx, model=self.model)
            with ctx.db.begin_nested():
                self.update(ctx.db, ctx.user, record, values)
        except ValidationError as exc:
            return self._form(ctx, record, dict(ctx.form), services.field_errors(exc.errors, exc, ctx._),
                              status=422)
        return ctx.redirect(f"{self.noun}_detail", id=ctx.params["id"], flash="saved")


def _table(ctx: Ctx, model: type[Any], columns: list[Column], rows: list[Any], route: str,
           empty: str) -> dict[str, Any]:
    """Related records for ``_venues_table.html``, as the reader may see them."""
    shown = shown_columns(ctx.user, model, columns)
    return {"columns": shown, "rows": rows, "refs": load_refs(ctx.db, ctx.user, shown, rows, ctx.t.locale),
            "route": route, "empty": empty}


def _unseen(ctx: Ctx, model: type[Any]) -> set[str]:
    """The fields of ``model`` the reader may not read in clear (hidden or masked)."""
    return set(ctx.user.hidden_fields(model)) | set(ctx.user.masked_fields(model))


# ----------------------------------------------------------------- venues, spaces, zones


def _venue_detail(ctx: Ctx, record: Venue) -> dict[str, Any]:
    columns = [Column("name", N_("Name")), Column("code", N_("Code")), _space_columns[0], *_space_columns[2:]]
    return {"spaces": _table(ctx, Space, columns,
                             services.venue_spaces(ctx.db, ctx.user, record.id), "space_detail",
                             N_("No hall or space yet."))}


venues = Crud(
    model=Venue, noun="venue", path="/venues", title=N_("Venues"), title_attr="name",
    list_view=ListView(Venue, [
        Column("name", N_("Name"), link=True),
        Column("name_en", N_("English name")),
        Column("city", N_("City")),
        Column("address", N_("Address"), sortable=False),
    ], search=("name", "name_en", "address"), default_sort="name", default_desc=False),
    form=Form([
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("city", N_("City"), max_length=40),
        FormField("address", N_("Address"), max_length=300),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=services.create_venue, update=services.update_venue,
    detail_fields=[Column("name_en", N_("English name")), Column("city", N_("City")),
                   Column("address", N_("Address")), Column("note", N_("Remarks"))],
    detail_template="exhibitions/venue_detail.html", detail_context=_venue_detail,
)


def _space_detail(ctx: Ctx, record: Space) -> dict[str, Any]:
    return {"zones": _table(ctx, Zone, [Column("code", N_("Code")), Column("name", N_("Name")),
                                        Column("name_en", N_("English name"))],
                            services.space_zones(ctx.db, ctx.user, record.id), "zone_detail",
                            N_("No zone yet.")),
            "bookings": _table(ctx, SpaceBooking, [Column("title", N_("Title")), *_booking_columns[1:]],
                               services.space_bookings(ctx.db, ctx.user, record.id), "booking_detail",
                               N_("No booking yet."))}


_space_columns = [
    Column("kind", N_("Kind"), kind="choice", choices=SPACE_KINDS),
    Column("code", N_("Code")),
    Column("area", N_("Area (m²)"), kind="number"),
    Column("capacity", N_("Capacity (people)"), kind="number"),
    Column("ceiling_height", N_("Ceiling height (m)"), kind="number"),
    Column("floor_load", N_("Floor load (kN/m²)"), kind="number"),
]

spaces = Prefilled(
    model=Space, noun="space", path="/spaces", title=N_("Halls and spaces"), title_attr="name",
    list_view=ListView(Space, [
        Column("name", N_("Name"), link=True),
        Column("venue_id", N_("Venue"), kind="ref", ref=Venue),
        *_space_columns,
    ], search=("name", "name_en", "code"), filters=[
        Filter("kind", N_("Kind"), list(SPACE_KINDS.items())),
        Filter("venue_id", N_("Venue"), _venue_choices),
    ], default_sort="code", default_desc=False),
    form=Form([
        FormField("venue_id", N_("Venue"), "select", required=True, choices=_venue_choices),
        FormField("kind", N_("Kind"), "select", required=True, choices=list(SPACE_KINDS.items())),
        FormField("code", N_("Code"), required=True, max_length=20),
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("name_en", N_("English name"), max_length=100),
        FormField("area", N_("Area (m²)"), "decimal"),
        FormField("capacity", N_("Capacity (people)"), "int"),
        FormField("ceiling_height", N_("Ceiling height (m)"), "decimal"),
        FormField("floor_load", N_("Floor load (kN/m²)"), "decimal"),
        FormField("sequence", N_("Order"), "int"),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_space, update=services.update_space,
    detail_fields=[Column("venue_id", N_("Venue"), kind="ref", ref=Venue),
                   Column("name_en", N_("English name")), *_space_columns,
                   Column("active", N_("Active"), kind="bool")],
    detail_template="exhibitions/space_detail.html", detail_context=_space_detail,
)
spaces.prefill = ("venue_id",)

zones = Prefilled(
    model=Zone, noun="zone", path="/zones", title=N_("Zones"), title_attr="name",
    list_view=ListView(Zone, [
        Column("code", N_("Code"), link=True),
        Column("name", N_("Name")),
        Column("space_id", N_("Hall or space"), kind="ref", ref=Space),
        Column("name_en", N_("English name")),
    ], search=("code", "name", "name_en"), filters=[Filter("space_id", N_("Hall or space"), _space_choices)],
       default_sort="code", default_desc=False),
    form=Form([
        FormField("space_id", N_("Hall or space"), "select", required=True, choices=_space_choices),
        FormField("code", N_("Code"), required=True, max_length=20),
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("name_en", N_("English name"), max_length=100),
    ]),
    create=services.create_zone, update=services.update_zone,
    detail_fields=[Column("space_id", N_("Hall or space"), kind="ref", ref=Space), Column("code", N_("Code")),
                   Column("name_en", N_("English name"))],
)
zones.prefill = ("space_id",)

# ----------------------------------------------------------------- bookings


def _booking_detail(ctx: Ctx, record: SpaceBooking) -> dict[str, Any]:
    return {}


_booking_columns = [
    Column("space_id", N_("Hall or space"), kind="ref", ref=Space),
    Column("starts_on", N_("First day"), kind="date"),
    Column("ends_on", N_("Last day"), kind="date"),
    Column("purpose", N_("Booked for"), kind="choice", choices=BOOKING_PURPOSES),
    Column("state", N_("State"), kind="choice", choices=BOOKING_STATES),
    Column("hold_until", N_("Held until"), kind="date"),
]

bookings = BookingCrud(
    model=SpaceBooking, noun="booking", path="/bookings", title=N_("Space bookings"), title_attr="title",
    list_view=ListView(SpaceBooking, [
        Column("title", N_("Title"), link=True), *_booking_columns,
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
    ], search=("title",), filters=[
        Filter("state", N_("State"), list(BOOKING_STATES.items())),
        Filter("purpose", N_("Booked for"), list(BOOKING_PURPOSES.items())),
        Filter("space_id", N_("Hall or space"), _space_choices),
    ], default_sort="starts_on"),
    form=Form([
        FormField("space_id", N_("Hall or space"), "select", required=True, choices=_space_choices),
        FormField("title", N_("Title")),
        FormField("starts_on", N_("First day"), "date", required=True),
        FormField("ends_on", N_("Last day"), "date", required=True),
        FormField("purpose", N_("Booked for"), "select", required=True, choices=list(BOOKING_PURPOSES.items())),
        FormField("edition_id", N_("Edition"), "select", choices=_edition_choices),
        FormField("state", N_("State"), "select", required=True, choices=NEW_BOOKING_STATES),
        FormField("hold_until", N_("Held until"), "date"),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=services.create_booking, update=services.update_booking,
    detail_fields=[*_booking_columns, Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("note", N_("Remarks"))],
    detail_template="exhibitions/booking_detail.html", detail_context=_booking_detail,
)
bookings.prefill = ("space_id", "edition_id")


BOOKING_UPDATE = "exhibitions.space_booking.update"


@routes.post("/bookings/{id:int}/confirm", name="booking_confirm", permission=BOOKING_UPDATE)
def booking_confirm(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.confirm(ctx.db, ctx.user, ctx.params["id"]))
    return ctx.redirect("booking_detail", id=ctx.params["id"])


@routes.post("/bookings/{id:int}/release", name="booking_release", permission=BOOKING_UPDATE)
def booking_release(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.release(ctx.db, ctx.user, ctx.params["id"]))
    return ctx.redirect("booking_detail", id=ctx.params["id"])


# ----------------------------------------------------------------- series and editions


def _series_detail(ctx: Ctx, record: ShowSeries) -> dict[str, Any]:
    found = ctx.db.scalars(select(Edition).where(Edition.series_id == record.id, scope(ctx.user, Edition))
                           .order_by(Edition.number.desc()))
    return {"editions": _table(ctx, Edition, [
        Column("name", N_("Name")), Column("number", N_("Edition number"), kind="number"),
        Column("opens_on", N_("Opens on"), kind="date"), Column("closes_on", N_("Closes on"), kind="date"),
        Column("state", N_("State"), kind="choice", choices=EDITION_STATES)], list(found), "edition_detail",
        N_("No edition yet."))}


series = Crud(
    model=ShowSeries, noun="series", path="/series", title=N_("Show series"), title_attr="name",
    list_view=ListView(ShowSeries, [
        Column("name", N_("Name"), link=True),
        Column("short_name", N_("Short name")),
        Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
        Column("organiser", N_("Organiser")),
    ], search=("name", "name_en", "short_name"), filters=[
        Filter("industry", N_("Industry"), list(INDUSTRIES.items())),
    ], default_sort="name", default_desc=False),
    form=Form([
        FormField("name", N_("Name"), required=True),
        FormField("name_en", N_("English name")),
        FormField("short_name", N_("Short name"), max_length=40),
        FormField("industry", N_("Industry"), "select", choices=list(INDUSTRIES.items())),
        FormField("organiser", N_("Organiser")),
        FormField("description", N_("Description"), "textarea", max_length=5000),
    ]),
    create=edition_services.create_series, update=edition_services.update_series,
    detail_fields=[Column("name_en", N_("English name")), Column("short_name", N_("Short name")),
                   Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
                   Column("organiser", N_("Organiser")), Column("description", N_("Description"))],
    detail_template="exhibitions/series_detail.html", detail_context=_series_detail,
)


def _edition_detail(ctx: Ctx, record: Edition) -> dict[str, Any]:
    plans = list(ctx.db.scalars(select(FloorPlan).where(FloorPlan.edition_id == record.id,
                                                        scope(ctx.user, FloorPlan)).order_by(FloorPlan.id)))
    booked = services.edition_bookings(ctx.db, ctx.user, record.id)
    halls = [s for s in services.venue_spaces(ctx.db, ctx.user, record.venue_id)
             if s.kind == "hall" and s.active] if record.venue_id else []
    names = {s.id: s.name for s in halls}
    missing = [i for i in {b.space_id for b in booked} | {p.space_id for p in plans} if i not in names]
    if missing:
        names |= dict(ctx.db.execute(select(Space.id, Space.name).where(Space.id.in_(missing),
                                                                         scope(ctx.user, Space))).all())
    hidden = _unseen(ctx, Edition)
    if "name" in _unseen(ctx, Space):
        names = {i: f"#{i}" for i in names}
    periods = [] if hidden & set(edition_services.PHASES) else services.edition_periods(record)
    booked_table = _table(ctx, SpaceBooking, [Column("title", N_("Title")), *_booking_columns[:5]], booked,
                          "booking_detail", N_("No booking yet."))
    return {"plans": plans, "booked": booked_table, "halls": halls, "space_names": names, "hidden": hidden,
            "plan_hidden": _unseen(ctx, FloorPlan), "periods": periods, "purposes": BOOKING_PURPOSES,
            "booking_states": BOOKING_STATES, "edition_states": EDITION_STATES, "today": services.today()}


_edition_form = [
    FormField("series_id", N_("Show series"), "select", required=True, choices=_series_choices),
    FormField("number", N_("Edition number"), "int", help=N_("Left empty: the series' next number.")),
    FormField("name", N_("Name"), required=True),
    FormField("name_en", N_("English name")),
    FormField("theme", N_("Theme")),
    FormField("industry", N_("Industry"), "select", choices=list(INDUSTRIES.items())),
    FormField("venue_id", N_("Venue"), "select", choices=_venue_choices),
    FormField("state", N_("State"), "select", required=True, choices=list(EDITION_STATES.items())),
    FormField("move_in_on", N_("Move-in from"), "date"),
    FormField("opens_on", N_("Opens on"), "date"),
    FormField("closes_on", N_("Closes on"), "date"),
    FormField("move_out_on", N_("Move-out until"), "date"),
    FormField("hours", N_("Opening hours"), max_length=100),
    FormField("organiser", N_("Organiser")),
    FormField("co_organisers", N_("Co-organisers"), "textarea", max_length=2000),
    FormField("target_area", N_("Target area (m²)"), "decimal"),
    FormField("target_revenue", N_("Target revenue"), "decimal"),
    FormField("hold_days", N_("Hold days"), "int"),
    FormField("deposit_percent", N_("Deposit (%)"), "decimal"),
    FormField("deposit_days", N_("Deposit due (days)"), "int"),
    FormField("balance_days", N_("Balance due (days before)"), "int"),
    FormField("description", N_("Description"), "textarea", max_length=5000),
]

editions = Prefilled(
    model=Edition, noun="edition", path="/editions", title=N_("Editions"), title_attr="name",
    list_view=ListView(Edition, [
        Column("name", N_("Name"), link=True),
        Column("series_id", N_("Show series"), kind="ref", ref=ShowSeries),
        Column("number", N_("Edition number"), kind="number"),
        Column("opens_on", N_("Opens on"), kind="date"),
        Column("closes_on", N_("Closes on"), kind="date"),
        Column("venue_id", N_("Venue"), kind="ref", ref=Venue),
        Column("target_area", N_("Target area (m²)"), kind="number"),
        Column("state", N_("State"), kind="choice", choices=EDITION_STATES),
    ], search=("name", "name_en", "theme"), filters=[
        Filter("state", N_("State"), list(EDITION_STATES.items())),
        Filter("series_id", N_("Show series"), _series_choices),
    ], default_sort="opens_on"),
    form=Form(_edition_form),
    create=edition_services.create_edition, update=edition_services.update_edition,
    detail_fields=[
        Column("series_id", N_("Show series"), kind="ref", ref=ShowSeries),
        Column("number", N_("Edition number"), kind="number"),
        Column("name_en", N_("English name")), Column("theme", N_("Theme")),
        Column("venue_id", N_("Venue"), kind="ref", ref=Venue),
        Column("previous_id", N_("Previous edition"), kind="ref", ref=Edition),
        Column("hours", N_("Opening hours")), Column("organiser", N_("Organiser")),
        Column("co_organisers", N_("Co-organisers")),
        Column("target_area", N_("Target area (m²)"), kind="number"),
        Column("target_revenue", N_("Target revenue"), kind="money"),
        Column("hold_days", N_("Hold days"), kind="number"),
        Column("deposit_percent", N_("Deposit (%)"), kind="number"),
        Column("deposit_days", N_("Deposit due (days)"), kind="number"),
        Column("balance_days", N_("Balance due (days before)"), kind="number"),
    ],
    detail_template="exhibitions/edition_detail.html", detail_context=_edition_detail,
)
editions.prefill = ("series_id",)


@routes.post("/editions/{id:int}/next", name="edition_next", permission="exhibitions.edition.create")
def edition_next(ctx: Ctx) -> Response:
    made: list[Edition] = []
    if ctx.attempt(lambda: made.append(edition_services.next_edition(ctx.db, ctx.user, ctx.params["id"]))):
        return ctx.redirect("edition_detail", id=made[0].id, flash="saved")
    return ctx.redirect("edition_detail", id=ctx.params["id"])


@routes.post("/editions/{id:int}/book", name="edition_book", permission="exhibitions.space_booking.create")
def edition_book(ctx: Ctx) -> Response:
    get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    raw = ctx.form.get("space_ids[]") or []
    picked = [int(v) for v in (raw if isinstance(raw, list) else [raw]) if str(v).isdigit()]
    state = "confirmed" if ctx.field("state") == "confirmed" else "hold"
    try:
        with ctx.db.begin_nested():
            services.book_edition(ctx.db, ctx.user, ctx.params["id"], picked or None, state=state)
    except services.Clash as clash:
        ctx.flash_problem(clash.message, clash.params)
        return ctx.redirect("edition_detail", id=ctx.params["id"])
    except ValidationError as invalid:
        ctx.flash_problem(next(iter(invalid.errors.values())))
        return ctx.redirect("edition_detail", id=ctx.params["id"])
    return ctx.redirect("edition_detail", id=ctx.params["id"], flash="saved")


# ----------------------------------------------------------------- the calendar


@routes.get("/calendar", name="calendar_month", permission="exhibitions.space_booking.read")
def calendar_month(ctx: Ctx) -> Response:
    first = services.month_of(ctx.query.get("month"))
    if first is None:
        raise BadParameter("month", N_("{name}: give a month as YYYY-MM."))
    venue = ctx.query.get("venue", "")
    if venue and not venue.isdigit():
        raise BadParameter("venue", N_("{name}: choose one of the offered values."))
    month = services.month_calendar(ctx.db, ctx.user, int(venue) if venue else None, first)
    context: dict[str, Any] = {"month": month, "purposes": BOOKING_PURPOSES, "states": BOOKING_STATES}
    if ctx.is_htmx:
        return ctx.render("exhibitions/_venues_calendar_grid.html", **context)
    return ctx.render("exhibitions/calendar_month.html", **context)


for crud in (venues, spaces, zones, bookings, series, editions):
    crud.register(routes)
