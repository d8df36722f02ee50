"""Receipts and refunds: the list (filtered in SQL by the reader's scope),
a receipt's page with its allocations, voiding, the voucher print."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from core import Ctx, get_for, scope
from plugins.crm.models import Customer
from plugins.sales.models import Contract, Receipt
from plugins.sales.models.choices import PAYMENT_METHODS, RECEIPT_KINDS
from plugins.sales.routes.common import routes
from plugins.sales.services import receipts as services
from plugins.sales.services.documents import parse_date

PAGE = 100


@routes.get("/receipts", name="receipt_list", permission="sales.receipt.read")
def receipt_list(ctx: Ctx) -> Response:
    q = ctx.query
    query = (select(Receipt, Contract.number, Customer.name)
             .join(Contract, Contract.id == Receipt.contract_id)
             .join(Customer, Customer.id == Receipt.customer_id)
             .where(scope(ctx.user, Receipt, "read")))
    if q.get("kind") in RECEIPT_KINDS:
        query = query.where(Receipt.kind == q["kind"])
    since, until = parse_date(q.get("since")), parse_date(q.get("until"))
    if since:
        query = query.where(Receipt.received_on >= since)
    if until:
        query = query.where(Receipt.received_on <= until)
    if q.get("search"):
        text = q["search"][:40]
        query = query.where(Receipt.number.contains(text) | Contract.number.contains(text))
    rows = ctx.db.execute(query.order_by(Receipt.received_on.desc(), Receipt.id.desc()).limit(PAGE))
    return ctx.render("sales/receipt_list.html", rows=list(rows), kinds=RECEIPT_KINDS, methods=PAYMENT_METHODS,
                      since=since, until=until, kind=q.get("kind", ""), search=q.get("search", ""))


@routes.get("/receipts/{id:int}", name="receipt_detail", permission="sales.receipt.read")
def receipt_detail(ctx: Ctx) -> Response:
    receipt = get_for(ctx.db, ctx.user, Receipt, ctx.params["id"])
    return ctx.render("sales/receipt_detail.html", receipt=receipt,
                      contract=ctx.db.get(Contract, receipt.contract_id),
                      customer=ctx.db.get(Customer, receipt.customer_id),
                      allocations=services.allocations_of(ctx.db, receipt.id), kinds=RECEIPT_KINDS,
                      methods=PAYMENT_METHODS)


@routes.post("/receipts/{id:int}/void", name="receipt_void", permission="sales.receipt.void")
def receipt_void(ctx: Ctx) -> Response:
    if ctx.attempt(lambda: services.void_receipt(ctx.db, ctx.user, ctx.params["id"])):
        return ctx.redirect("receipt_detail", id=ctx.params["id"], flash="saved")
    return ctx.redirect("receipt_detail", id=ctx.params["id"])
