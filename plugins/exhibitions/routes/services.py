"""The services part's pages (registered on plugins.exhibitions.routes.routes):
an edition's catalogue of services sold to exhibitors (the kit's pages), and
service orders: a form with the order's lines, its page with what it
booked and its sales order, confirming and cancelling it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select
from starlette.responses import JSONResponse, Response

from core import (
    N_,
    Column,
    Conflict,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    StaleVersion,
    ValidationError,
    check_version,
    get_for,
    scope,
)
from plugins.catalog.models import Product
from plugins.crm.models import Customer
from plugins.exhibitions.models import (
    Booth,
    Edition,
    ExhibitorService,
    ServiceBooking,
    ServiceOrder,
    ServiceOrderLine,
)
from plugins.exhibitions.models.choices import (
    ORDER_CHANNELS,
    PRICE_TIERS,
    SERVICE_CATEGORIES,
    SERVICE_ORDER_STATES,
)
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import service_orders as services
from plugins.exhibitions.services import venues as venue_services
from plugins.exhibitions.services.editions import ident
from plugins.sales.models import Contract

#: blank lines the order form offers beyond those filled
BLANK_LINES = 3


def _product_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), f"{c} · {n}" if c else n) for i, c, n in ctx.db.execute(
        select(Product.id, Product.code, Product.name).where(scope(ctx.user, Product))
        .order_by(Product.code, Product.name).limit(500))]


_service_columns = [
    Column("category", N_("Category"), kind="choice", choices=SERVICE_CATEGORIES),
    Column("advance_price", N_("Advance price"), kind="money"),
    Column("standard_price", N_("Standard price"), kind="money"),
    Column("onsite_price", N_("On-site price"), kind="money"),
    Column("capacity", N_("Units a day (limited)")),
]
_tier_dates = [Column("advance_until", N_("Advance price until"), kind="date"),
               Column("standard_until", N_("Standard price until"), kind="date")]

catalogue = Prefilled(
    model=ExhibitorService, noun="service", path="/services", title=N_("Exhibitor services"),
    title_attr="name",
    list_view=ListView(ExhibitorService, [
        Column("name", N_("Name"), link=True),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        *_service_columns,
    ], search=("name", "name_en"), filters=[
        Filter("edition_id", N_("Edition"), _edition_choices),
        Filter("category", N_("Category"), list(SERVICE_CATEGORIES.items())),
    ], default_sort="edition_id"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("product_id", N_("Product"), "select", required=True, choices=_product_choices),
        FormField("name", N_("Name"), max_length=200),
        FormField("name_en", N_("English name"), max_length=200),
        FormField("category", N_("Category"), "select", required=True,
                  choices=list(SERVICE_CATEGORIES.items())),
        FormField("advance_price", N_("Advance price"), "decimal"),
        FormField("advance_until", N_("Advance price until"), "date"),
        FormField("standard_price", N_("Standard price"), "decimal"),
        FormField("standard_until", N_("Standard price until"), "date"),
        FormField("onsite_price", N_("On-site price"), "decimal"),
        FormField("per_area", N_("Charged per m² of booth"), "bool"),
        FormField("capacity", N_("Units a day (limited)"), "int"),
        FormField("active", N_("On sale"), "bool"),
        FormField("sequence", N_("Order"), "int"),
        FormField("note", N_("Remarks"), "textarea", max_length=2000),
    ]),
    create=services.create_service, update=services.update_service,
    detail_fields=[Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("product_id", N_("Product"), kind="ref", ref=Product),
                   Column("name_en", N_("English name")), *_service_columns, *_tier_dates,
                   Column("per_area", N_("Charged per m² of booth"), kind="bool"),
                   Column("active", N_("On sale"), kind="bool"), Column("note", N_("Remarks"))],
)
catalogue.prefill = ("edition_id",)


# ------------------------------------------------------------------ orders


def parse_lines(form: Any) -> list[dict[str, Any]]:
    """The order form's lines (``line_<n>_<field>``), in their order."""
    numbers = sorted({int(k.split("_")[1]) for k in form
                      if k.startswith("line_") and k.split("_")[1].isdigit()})
    fields = ("service_id", "quantity", "starts_on", "ends_on", "note")
    return [{f: form.get(f"line_{n}_{f}", "") for f in fields} for n in numbers]


def _order_form_context(ctx: Ctx, record: ServiceOrder | None) -> dict[str, Any]:
    """The services the lines may take (of the order's edition, or the
    edition of the query), the lines as posted or saved, and blank ones."""
    edition_id = record.edition_id if record is not None else (
        int(ctx.form.get("edition_id") or ctx.query.get("edition_id") or 0) if str(
            ctx.form.get("edition_id") or ctx.query.get("edition_id") or "").isdigit() else None)
    offered = services.catalogue(ctx.db, ctx.user, edition_id) if edition_id else []
    if ctx.request.method == "POST":
        lines = parse_lines(ctx.form)
    elif record is not None:
        lines = [{"service_id": str(line.service_id),
                  "quantity": "" if service.per_area else str(line.quantity),
                  "starts_on": line.starts_on.isoformat() if line.starts_on else "",
                  "ends_on": line.ends_on.isoformat() if line.ends_on else "", "note": line.note}
                 for line, service, _product in services.lines_of(ctx.db, record.id)]
    else:
        lines = []
    lines = [*lines, *({"service_id": "", "quantity": "", "starts_on": "", "ends_on": "", "note": ""}
                       for _ in range(BLANK_LINES))]
    return {"offered": offered, "lines": lines, "tiers": PRICE_TIERS, "edition_id": edition_id}


#: exhibitors the order form lists before one types (the picker searches the rest)
LISTED_EXHIBITORS = 50


def _exhibitors(ctx: Ctx, text: str = "", limit: int = LISTED_EXHIBITORS) -> list[tuple[int, str]]:
    """Customers the reader may read, those with a booth booked in the form's
    edition first; whose name holds ``text`` when given."""
    edition_id = ident(ctx.form.get("edition_id") or ctx.query.get("edition_id")) or 0
    booked = (select(Booth.customer_id).where(Booth.edition_id == edition_id, Booth.customer_id.is_not(None),
                                              Booth.status.in_(services.BOOKED)))
    stmt = select(Customer.id, Customer.name).where(scope(ctx.user, Customer, "read"))
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Customer.name.ilike(like, escape="\\") | Customer.short_name.ilike(like, escape="\\"))
    exhibiting = case((Customer.id.in_(booked), 0), else_=1)
    stmt = stmt.order_by(exhibiting, Customer.name, Customer.id).limit(limit)
    return [(i, n) for i, n in ctx.db.execute(stmt)]


def exhibitor_choices(model: Any) -> Any:
    """The choices of a form's exhibitor field for records of ``model``: the
    edition's exhibitors first, and the chosen customer (of the record being
    edited, the query or the form) wherever it is in the list."""

    def choices(ctx: Ctx) -> list[tuple[str, str]]:
        options = _exhibitors(ctx)
        chosen = ident(ctx.form.get("customer_id") or ctx.query.get("customer_id"))
        record_id = ident(ctx.params.get("id"))
        if chosen is None and record_id is not None:
            chosen = ctx.db.scalar(select(model.customer_id).where(model.id == record_id))
        if chosen is not None and chosen not in {i for i, _ in options}:
            options += [(i, n) for i, n in ctx.db.execute(select(Customer.id, Customer.name).where(
                Customer.id == chosen, scope(ctx.user, Customer, "read")))]
        return [(str(i), n) for i, n in options]

    return choices


_customer_choices = exhibitor_choices(ServiceOrder)


@routes.get("/service-orders/customers", name="service_order_customers",
            permission="exhibitions.service_order.create")
def service_order_customers(ctx: Ctx) -> Response:
    """The order form's exhibitor search (``?q=``, ``?edition_id=``): the
    readable customers whose name holds ``q``, the edition's exhibitors first, as JSON."""
    text = (ctx.query.get("q") or "").strip()[:60]
    return JSONResponse([{"value": str(i), "text": n} for i, n in _exhibitors(ctx, text, 30)])


def _order_detail(ctx: Ctx, record: ServiceOrder) -> dict[str, Any]:
    lines = services.lines_of(ctx.db, record.id)
    line_ids = [line.id for line, _s, _p in lines]
    booked: dict[int, list[Any]] = {}
    for booking in ctx.db.scalars(select(ServiceBooking).where(ServiceBooking.line_id.in_(line_ids))
                                  .order_by(ServiceBooking.day, ServiceBooking.unit)):
        booked.setdefault(booking.line_id, []).append(booking)
    contract = ctx.db.get(Contract, record.contract_id) if record.contract_id else None
    readable_contract = contract is not None and ctx.user.can("sales.contract.read") and ctx.db.scalar(
        select(Contract.id).where(Contract.id == contract.id, scope(ctx.user, Contract, "read"))) is not None
    return {"lines": lines, "booked": booked, "tiers": PRICE_TIERS, "states": SERVICE_ORDER_STATES,
            "channels": ORDER_CHANNELS, "contract": contract if readable_contract else None,
            "can_confirm": ctx.user.can("exhibitions.service_order.confirm"),
            "read_only": record.state != "draft"}


class OrderCrud(Prefilled):
    """The kit's pages of service orders, whose form also carries the lines;
    only a draft is edited."""

    def edit(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, ServiceOrder, ctx.params["id"], "update")
        if record.state != "draft":
            ctx.flash_problem(services.NOT_A_DRAFT)
            return ctx.redirect(f"{self.noun}_detail", id=record.id)
        return super().edit(ctx)

    def create_(self, ctx: Ctx) -> Response:
        try:
            values, extra = self.form.bind_all(ctx, self.model, None)
            values["lines"] = parse_lines(ctx.form)
            record = self.form.saved(ctx, self.model, lambda: self.create(ctx.db, ctx.user, values), extra)
        except ValidationError as exc:
            return self._form(ctx, None, dict(ctx.form), venue_services.field_errors(exc.errors, exc, ctx._),
                              status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")

    def update_(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, ServiceOrder, ctx.params["id"], "update")
        try:
            check_version(record, ctx.form.get("version"))
        except StaleVersion:
            return self.stale(ctx, record)
        try:
            with ctx.db.begin_nested():
                self.update(ctx.db, ctx.user, record, {"lines": parse_lines(ctx.form),
                                                       "note": ctx.form.get("note", "")})
        except Conflict as refused:
            ctx.flash_problem(str(refused), refused.params)
            return ctx.redirect(f"{self.noun}_detail", id=record.id)
        except ValidationError as exc:
            return self._form(ctx, record, dict(ctx.form), venue_services.field_errors(exc.errors, exc, ctx._),
                              status=422)
        return ctx.redirect(f"{self.noun}_detail", id=ctx.params["id"], flash="saved")


orders = OrderCrud(
    model=ServiceOrder, noun="service_order", path="/service-orders", title=N_("Service orders"),
    title_attr="number",
    list_view=ListView(ServiceOrder, [
        Column("number", N_("Order number"), link=True),
        Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        Column("state", N_("State"), kind="choice", choices=SERVICE_ORDER_STATES),
        Column("ordered_on", N_("Ordered on"), kind="date"),
        Column("total", N_("Total"), kind="money"),
        Column("channel", N_("Entered by"), kind="choice", choices=ORDER_CHANNELS),
    ], search=("number",), filters=[
        Filter("edition_id", N_("Edition"), _edition_choices),
        Filter("state", N_("State"), list(SERVICE_ORDER_STATES.items())),
    ], default_sort="id"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("customer_id", N_("Exhibitor"), "select", required=True, choices=_customer_choices),
        FormField("note", N_("Remarks"), "textarea", max_length=2000),
    ]),
    create=services.create_order, update=services.update_order,
    detail_fields=[Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
                   Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("state", N_("State"), kind="choice", choices=SERVICE_ORDER_STATES),
                   Column("ordered_on", N_("Ordered on"), kind="date"),
                   Column("channel", N_("Entered by"), kind="choice", choices=ORDER_CHANNELS),
                   Column("total", N_("Total"), kind="money"), Column("note", N_("Remarks"))],
    detail_template="exhibitions/service_order_detail.html", detail_context=_order_detail,
    form_template="exhibitions/service_order_edit.html", form_context=_order_form_context,
)
orders.prefill = ("edition_id", "customer_id")


def _act(ctx: Ctx, action: Any) -> Response:
    """Confirm or cancel; a refusal (fully booked, a sales order awaiting
    approval) is shown on the order's page and nothing of it is kept."""
    order = get_for(ctx.db, ctx.user, ServiceOrder, ctx.params["id"])
    ctx.attempt(lambda: action(ctx.db, ctx.user, order.id))
    return ctx.redirect("service_order_detail", id=order.id)


@routes.post("/service-orders/{id:int}/confirm", name="service_order_confirm",
             permission="exhibitions.service_order.confirm")
def service_order_confirm(ctx: Ctx) -> Response:
    return _act(ctx, services.confirm)


@routes.post("/service-orders/{id:int}/cancel", name="service_order_cancel",
             permission="exhibitions.service_order.confirm")
def service_order_cancel(ctx: Ctx) -> Response:
    return _act(ctx, services.cancel)


catalogue.register(routes)
orders.register(routes)

__all__ = ["ServiceOrderLine", "catalogue", "orders"]
