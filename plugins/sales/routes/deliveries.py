"""Delivery notes (发货单): the kit's list, detail and edit pages; the new
note is made from a contract with a quantity per line; ship, received and
cancel buttons on the detail page; the delivery note print."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from core import (
    N_,
    BadRequest,
    Column,
    Conflict,
    Crud,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    ValidationError,
    get_for,
)
from plugins.crm.models import Customer
from plugins.sales.models import Contract, Delivery
from plugins.sales.models.choices import DELIVERY_STATES
from plugins.sales.routes.common import routes
from plugins.sales.services import deliveries as services
from plugins.sales.services.receivables import contract_for


def made_from_contract(db: Any, actor: Any, values: dict[str, Any]) -> Any:
    """A document made from a contract is created by ``DocumentCrud.create_``, never through this."""
    raise BadRequest("made from a contract")


class DocumentCrud(Crud):
    """The kit's pages of a document made from a contract: ``make(db, actor,
    contract_id, values, quantities)`` creates it from the form's fields and
    its ``qty_<contract line id>`` inputs; deleting needs it cancelled."""

    make: Callable[..., Any]
    create_code: str

    def create_(self, ctx: Ctx) -> Response:
        quantities = {k[4:]: v for k, v in ctx.form.items() if k.startswith("qty_")}
        try:
            values, _extra = self.form.bind_all(ctx, self.model, None)
            values["delivery_id"] = ctx.form.get("delivery_id")
            record = self.make(ctx.db, ctx.user, ctx.form.get("contract_id"), values, quantities)
        except ValidationError as exc:
            params = getattr(exc, "params", {})
            errors = {name: ctx._(message, **params) for name, message in exc.errors.items()}
            return self._form(ctx, None, dict(ctx.form), errors, status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")

    def delete(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "delete")
        if getattr(record, "state", "") != "cancelled":
            raise Conflict(N_("Cancel the document before deleting it."))
        return super().delete(ctx)


def contract_form_context(ctx: Ctx, record: Any, code: str, left: Callable[[Contract], dict[int, Any]]) \
        -> dict[str, Any]:
    """The contract a new document is made from (``?contract_id=``) and its
    lines with what each may still take."""
    if record is not None:
        return {"contract": None, "lines": []}
    raw = ctx.query.get("contract_id") or ctx.form.get("contract_id") if ctx.request.method == "POST" \
        else ctx.query.get("contract_id")
    if not raw:
        return {"contract": None, "lines": []}
    contract = contract_for(ctx.db, ctx.user, raw, code)
    limits = left(contract)
    return {"contract": contract, "lines": [(line, limits.get(line.id, 0))
                                            for line in services.lines_of(ctx.db, contract.id)]}


def _form_context(ctx: Ctx, record: Any) -> dict[str, Any]:
    return contract_form_context(ctx, record, "sales.delivery.create",
                                 lambda c: {line.id: line.quantity - line.delivered
                                            for line in services.lines_of(ctx.db, c.id)})


def _detail_context(ctx: Ctx, record: Delivery) -> dict[str, Any]:
    contract = ctx.db.get(Contract, record.contract_id)
    return {"lines": services.delivery_lines(ctx.db, record), "contract": contract,
            "customer": ctx.db.get(Customer, record.customer_id), "states": DELIVERY_STATES,
            "may_update": ctx.user.can("sales.delivery.update")}


def _update(db: Any, actor: Any, record: Delivery, values: dict[str, Any]) -> None:
    services.update_delivery(db, actor, record.id, values)


deliveries = DocumentCrud(
    model=Delivery, noun="delivery", path="/deliveries", title=N_("Delivery notes"), title_attr="number",
    list_view=ListView(Delivery, [
        Column("number", N_("Delivery number"), link=True),
        Column("contract_id", N_("Contract"), kind="ref", ref=Contract, ref_label="number"),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("ship_on", N_("Ship date"), kind="date"),
        Column("carrier", N_("Carrier")),
        Column("tracking_no", N_("Tracking number")),
        Column("state", N_("State"), kind="choice", choices=DELIVERY_STATES),
    ], search=("number", "tracking_no", "receiver"), filters=[
        Filter("state", N_("State"), list(DELIVERY_STATES.items())),
    ], default_sort="id"),
    form=Form([
        FormField("ship_on", N_("Ship date"), "date"),
        FormField("address", N_("Delivery address"), max_length=300),
        FormField("receiver", N_("Receiver"), max_length=100),
        FormField("receiver_phone", N_("Receiver's phone"), max_length=50),
        FormField("carrier", N_("Carrier"), max_length=100),
        FormField("tracking_no", N_("Tracking number"), max_length=100),
        FormField("note", N_("Remarks"), "textarea", max_length=5000),
    ]),
    create=made_from_contract, update=_update,
    detail_fields=[
        Column("contract_id", N_("Contract"), kind="ref", ref=Contract, ref_label="number"),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("state", N_("State"), kind="choice", choices=DELIVERY_STATES),
        Column("ship_on", N_("Ship date"), kind="date"), Column("address", N_("Delivery address")),
        Column("receiver", N_("Receiver")), Column("receiver_phone", N_("Receiver's phone")),
        Column("carrier", N_("Carrier")), Column("tracking_no", N_("Tracking number")),
        Column("note", N_("Remarks")),
    ],
    detail_template="sales/delivery_detail.html", detail_context=_detail_context,
    form_template="sales/delivery_new.html", form_context=_form_context,
)
deliveries.make = services.create_delivery
deliveries.create_code = "sales.delivery.create"
deliveries.register(routes)


@routes.post("/deliveries/{id:int}/move", name="delivery_move", permission="sales.delivery.update")
def delivery_move(ctx: Ctx) -> Response:
    state = ctx.field("state")
    if ctx.attempt(lambda: services.move_delivery(ctx.db, ctx.user, ctx.params["id"], state)):
        return ctx.redirect("delivery_detail", id=ctx.params["id"], flash="saved")
    return ctx.redirect("delivery_detail", id=ctx.params["id"])
