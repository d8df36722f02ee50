"""The on-site desk's pages (registered on plugins.exhibitions.routes.routes):
the requests (the kit's pages, with dispatching, resolving, closing and
reopening on a request's page), the desk's queue of an edition (the
waiting requests, overdue first, refreshed every half minute), and the
organisation's service levels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import N_, Column, Ctx, Filter, Form, FormField, ListView, get_for, scope, utcnow
from plugins.activity.kernel import names
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, DeskRequest, DeskSla, Edition
from plugins.exhibitions.models.choices import DESK_CATEGORIES, DESK_CHANNELS, DESK_PRIORITIES, DESK_STATES
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import desk as services
from plugins.exhibitions.services.editions import ident

#: how often the desk's queue refreshes itself, in seconds
REFRESH = 30


def _edition_of(ctx: Ctx) -> int | None:
    return ident(ctx.form.get("edition_id") or ctx.query.get("edition_id"))


def _exhibitor_choices(ctx: Ctx) -> list[tuple[str, str]]:
    """Customers with a booth in the edition of the form (or in any edition)."""
    edition_id = _edition_of(ctx)
    stmt = (select(Customer.id, Customer.name).join(Booth, Booth.customer_id == Customer.id)
            .where(scope(ctx.user, Customer, "read")).distinct().order_by(Customer.name).limit(500))
    if edition_id is not None:
        stmt = stmt.where(Booth.edition_id == edition_id)
    return [(str(i), n) for i, n in ctx.db.execute(stmt)]


def _booth_choices(ctx: Ctx) -> list[tuple[str, str]]:
    """The booths of the edition that have an exhibitor, with its name."""
    edition_id = _edition_of(ctx)
    if edition_id is None:
        return []
    return [(str(i), f"{b} · {n}") for i, b, n in ctx.db.execute(
        select(Booth.id, Booth.number, Customer.name).join(Customer, Customer.id == Booth.customer_id)
        .where(Booth.edition_id == edition_id, scope(ctx.user, Customer, "read"))
        .order_by(Booth.number).limit(1000))]


def _request_detail(ctx: Ctx, record: DeskRequest) -> dict[str, Any]:
    row = next(iter(ctx.db.execute(services.location().where(DeskRequest.id == record.id))), None)
    can = ctx.user.can
    assignee = names(ctx.db, [record.assignee_id]).get(record.assignee_id or 0, "")
    return {"assignee": assignee, "states": DESK_STATES, "booth": row[2] if row else "",
            "hall": row[3] if row else "",
            "overdue": record.state in services.ACTIVE and record.due_at < utcnow(),
            "assignees": (services.assignees(ctx.db, record.org_id)
                          if can("exhibitions.desk_request.dispatch") else []),
            "can_dispatch": can("exhibitions.desk_request.dispatch"), "can_resolve": can(services.RESOLVER),
            "can_update": can("exhibitions.desk_request.update")}


requests = Prefilled(
    model=DeskRequest, noun="desk_request", path="/desk", title=N_("Desk requests"), title_attr="number",
    list_view=ListView(DeskRequest, [
        Column("number", N_("Request number"), link=True),
        Column("title", N_("Subject")),
        Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
        Column("category", N_("Category"), kind="choice", choices=DESK_CATEGORIES),
        Column("priority", N_("Priority"), kind="choice", choices=DESK_PRIORITIES),
        Column("state", N_("State"), kind="choice", choices=DESK_STATES),
        Column("due_at", N_("Due by"), kind="datetime"),
    ], search=("number", "title", "reported_by"), filters=[
        Filter("edition_id", N_("Edition"), _edition_choices),
        Filter("state", N_("State"), list(DESK_STATES.items())),
        Filter("category", N_("Category"), list(DESK_CATEGORIES.items())),
        Filter("priority", N_("Priority"), list(DESK_PRIORITIES.items())),
    ], default_sort="id"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("customer_id", N_("Exhibitor"), "select", required=True, choices=_exhibitor_choices),
        FormField("booth_id", N_("Booth"), "select", choices=_booth_choices),
        FormField("category", N_("Category"), "select", required=True, choices=list(DESK_CATEGORIES.items())),
        FormField("priority", N_("Priority"), "select", required=True, choices=list(DESK_PRIORITIES.items())),
        FormField("title", N_("Subject"), required=True, max_length=200),
        FormField("description", N_("Description"), "textarea", max_length=4000),
        FormField("reported_by", N_("Reported by"), max_length=100),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("channel", N_("How it came in"), "select", choices=list(DESK_CHANNELS.items())),
    ]),
    create=services.open_request, update=services.update_request,
    detail_fields=[Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
                   Column("category", N_("Category"), kind="choice", choices=DESK_CATEGORIES),
                   Column("priority", N_("Priority"), kind="choice", choices=DESK_PRIORITIES),
                   Column("state", N_("State"), kind="choice", choices=DESK_STATES),
                   Column("opened_at", N_("Opened at"), kind="datetime"),
                   Column("due_at", N_("Due by"), kind="datetime"),
                   Column("reported_by", N_("Reported by")), Column("phone", N_("Phone")),
                   Column("channel", N_("How it came in"), kind="choice", choices=DESK_CHANNELS),
                   Column("description", N_("Description"))],
    detail_template="exhibitions/desk_request_detail.html", detail_context=_request_detail,
)
requests.prefill = ("edition_id", "customer_id", "booth_id")

levels = Prefilled(
    model=DeskSla, noun="desk_sla", path="/desk-levels", title=N_("Desk service levels"),
    list_view=ListView(DeskSla, [
        Column("name", N_("Name"), link=True),
        Column("category", N_("Category"), kind="choice", choices=DESK_CATEGORIES),
        Column("priority", N_("Priority"), kind="choice", choices=DESK_PRIORITIES),
        Column("minutes", N_("Minutes to resolve")),
    ], filters=[Filter("category", N_("Category"), list(DESK_CATEGORIES.items()))], default_sort="category",
                       default_desc=False),
    form=Form([
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("category", N_("Category"), "select", required=True, choices=list(DESK_CATEGORIES.items())),
        FormField("priority", N_("Priority"), "select", required=True, choices=list(DESK_PRIORITIES.items())),
        FormField("minutes", N_("Minutes to resolve"), "int", required=True),
    ]),
    create=services.create_sla, update=services.update_sla,
    detail_fields=[Column("category", N_("Category"), kind="choice", choices=DESK_CATEGORIES),
                   Column("priority", N_("Priority"), kind="choice", choices=DESK_PRIORITIES),
                   Column("minutes", N_("Minutes to resolve"))],
)


def _act(ctx: Ctx, action: Any, *args: Any) -> Response:
    """Dispatch, resolve, close or reopen; a refusal is shown on the request's page."""
    record = get_for(ctx.db, ctx.user, DeskRequest, ctx.params["id"])
    ctx.attempt(lambda: action(ctx.db, ctx.user, record.id, *args))
    return ctx.redirect("desk_request_detail", id=record.id)


@routes.post("/desk/{id:int}/dispatch", name="desk_request_dispatch",
             permission="exhibitions.desk_request.dispatch")
def desk_request_dispatch(ctx: Ctx) -> Response:
    return _act(ctx, services.dispatch, ctx.form.get("assignee_id"))


@routes.post("/desk/{id:int}/resolve", name="desk_request_resolve", permission=services.RESOLVER)
def desk_request_resolve(ctx: Ctx) -> Response:
    return _act(ctx, services.resolve, ctx.form.get("resolution"))


@routes.post("/desk/{id:int}/close", name="desk_request_close", permission="exhibitions.desk_request.update")
def desk_request_close(ctx: Ctx) -> Response:
    return _act(ctx, services.close)


@routes.post("/desk/{id:int}/reopen", name="desk_request_reopen", permission="exhibitions.desk_request.update")
def desk_request_reopen(ctx: Ctx) -> Response:
    return _act(ctx, services.reopen, ctx.form.get("reason"))


@routes.get("/editions/{id:int}/desk", name="desk_queue", permission="exhibitions.desk_request.read")
def desk_queue(ctx: Ctx) -> Response:
    """The desk's queue of an edition: the waiting requests (``?all=1``:
    every request), of one hall (``?hall=``), the overdue first; htmx
    asks for the table alone every half minute."""
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    hall = ident(ctx.query.get("hall"))
    waiting = ctx.query.get("all", "") != "1"
    rows = services.queue(ctx.db, ctx.user, edition.id, hall=hall, waiting=waiting)
    context: dict[str, Any] = {
        "edition": edition, "rows": rows, "figures": services.figures(ctx.db, ctx.user, edition.id),
        "halls": services.halls(ctx.db, edition.id), "hall": hall, "waiting": waiting,
        "categories": DESK_CATEGORIES, "priorities": DESK_PRIORITIES, "states": DESK_STATES, "refresh": REFRESH}
    template = "exhibitions/_desk_queue.html" if ctx.is_htmx else "exhibitions/desk_queue.html"
    return ctx.render(template, **context)


requests.register(routes)
levels.register(routes)
