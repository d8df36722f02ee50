"""Returns (退货单): the kit's list, detail and edit pages; the new return
is made from a contract (and optionally a delivery note) with a quantity
per line; approve, received, refund and cancel buttons on the detail page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import N_, Column, Ctx, Filter, Form, FormField, ListView
from plugins.crm.models import Customer
from plugins.sales.models import Contract, Delivery, SalesReturn
from plugins.sales.models.choices import RETURN_REASONS, RETURN_STATES
from plugins.sales.routes.common import routes
from plugins.sales.routes.deliveries import DocumentCrud, contract_form_context, made_from_contract
from plugins.sales.services import returns as services


def _form_context(ctx: Ctx, record: Any) -> dict[str, Any]:
    raw = ctx.query.get("delivery_id") or ""
    delivery_id = int(raw) if raw.isdigit() else None
    found = contract_form_context(ctx, record, "sales.return.create",
                                  lambda c: services.returnable(ctx.db, c.id, delivery_id))
    contract = found["contract"]
    found["deliveries"] = [] if contract is None else list(ctx.db.execute(
        select(Delivery.id, Delivery.number).where(Delivery.contract_id == contract.id,
                                                   Delivery.state.in_(("shipped", "received")))))
    found["delivery_id"] = delivery_id
    return found


def _detail_context(ctx: Ctx, record: SalesReturn) -> dict[str, Any]:
    return {"lines": services.return_lines(ctx.db, record),
            "contract": ctx.db.get(Contract, record.contract_id),
            "refund": services.refund_of(ctx.db, record), "states": RETURN_STATES}


def _update(db: Any, actor: Any, record: SalesReturn, values: dict[str, Any]) -> None:
    services.update_return(db, actor, record.id, values)


returns = DocumentCrud(
    model=SalesReturn, noun="return", path="/returns", title=N_("Returns"), title_attr="number",
    list_view=ListView(SalesReturn, [
        Column("number", N_("Return number"), link=True),
        Column("contract_id", N_("Contract"), kind="ref", ref=Contract, ref_label="number"),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("reason", N_("Reason"), kind="choice", choices=RETURN_REASONS),
        Column("returned_on", N_("Return date"), kind="date"),
        Column("refund_amount", N_("Refund amount"), kind="money"),
        Column("state", N_("State"), kind="choice", choices=RETURN_STATES),
    ], search=("number",), filters=[
        Filter("state", N_("State"), list(RETURN_STATES.items())),
        Filter("reason", N_("Reason"), list(RETURN_REASONS.items())),
    ], default_sort="id"),
    form=Form([
        FormField("reason", N_("Reason"), "select", required=True, choices=list(RETURN_REASONS.items())),
        FormField("returned_on", N_("Return date"), "date"),
        FormField("refund_amount", N_("Refund amount"), "decimal"),
        FormField("description", N_("Details"), "textarea", max_length=5000),
    ]),
    create=made_from_contract, update=_update,
    detail_fields=[
        Column("contract_id", N_("Contract"), kind="ref", ref=Contract, ref_label="number"),
        Column("delivery_id", N_("Delivery note"), kind="ref", ref=Delivery, ref_label="number"),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("state", N_("State"), kind="choice", choices=RETURN_STATES),
        Column("reason", N_("Reason"), kind="choice", choices=RETURN_REASONS),
        Column("returned_on", N_("Return date"), kind="date"),
        Column("refund_amount", N_("Refund amount"), kind="money"),
        Column("description", N_("Details")),
    ],
    detail_template="sales/return_detail.html", detail_context=_detail_context,
    form_template="sales/return_new.html", form_context=_form_context,
)
returns.make = lambda db, actor, contract_id, values, quantities: services.create_return(
    db, actor, contract_id, values, quantities)
returns.create_code = "sales.return.create"
returns.register(routes)


@routes.post("/returns/{id:int}/move", name="return_move", permission="sales.return.read")
def return_move(ctx: Ctx) -> Response:
    state = ctx.field("state")
    if ctx.attempt(lambda: services.move_return(ctx.db, ctx.user, ctx.params["id"], state)):
        return ctx.redirect("return_detail", id=ctx.params["id"], flash="saved")
    return ctx.redirect("return_detail", id=ctx.params["id"])
