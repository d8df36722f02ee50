"""Receivables pages: a contract's receivable plan with its receipts and
the record-receipt form, the plan editor, the receivables list, the ageing
report; the panels on the contract's page and the customer 360 view."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from core import N_, Actor, Ctx, Panel, ValidationError
from plugins.crm.kernel import org_users
from plugins.crm.models import Customer
from plugins.sales.models.choices import INSTALMENT_STATES, PAYMENT_METHODS
from plugins.sales.routes.common import routes
from plugins.sales.services import ageing as reports
from plugins.sales.services import documents as docs
from plugins.sales.services import receipts as receipt_service
from plugins.sales.services import receivables as services


def _errors(invalid: ValidationError) -> tuple[dict[str, str], dict[str, str]]:
    return invalid.errors, getattr(invalid, "params", {})


def _page(ctx: Ctx, contract_id: Any, *, status: int = 200, errors: dict[str, str] | None = None,
          params: dict[str, str] | None = None, values: dict[str, Any] | None = None,
          template: str = "sales/receivable_contract.html") -> Response:
    contract, plan = services.plan_for(ctx.db, ctx.user, contract_id)
    customer = ctx.db.get(Customer, contract.customer_id)
    receipts = (receipt_service.receipts_of(ctx.db, ctx.user, contract.id)
                if ctx.user.can("sales.receipt.read") else [])
    return ctx.render(template, status=status, contract=contract, customer=customer, plan=plan,
                      receipts=receipts, states=INSTALMENT_STATES, methods=PAYMENT_METHODS,
                      errors=errors or {}, params=params or {}, values=values or {}, today=docs.today(),
                      may_receive=services.allowed(ctx.db, ctx.user, "sales.receipt.create", contract),
                      may_plan=services.allowed(ctx.db, ctx.user, "sales.instalment.update", contract))


@routes.get("/contracts/{id:int}/receivables", name="receivable_contract", permission="sales.instalment.read")
def receivable_contract(ctx: Ctx) -> Response:
    return _page(ctx, ctx.params["id"])


@routes.post("/contracts/{id:int}/receipts", name="receivable_receipt_create",
             permission="sales.receipt.create")
def receivable_receipt_create(ctx: Ctx) -> Response:
    values = {k: ctx.field(k) for k in ("amount", "received_on", "method", "reference", "payer", "note",
                                        "instalment_id")}
    try:
        receipt_service.record_receipt(ctx.db, ctx.user, ctx.params["id"], values)
    except ValidationError as invalid:
        errors, params = _errors(invalid)
        return _page(ctx, ctx.params["id"], status=422, errors=errors, params=params, values=values)
    return ctx.redirect("receivable_contract", id=ctx.params["id"], flash="saved")


@routes.get("/contracts/{id:int}/plan", name="receivable_plan_edit", permission="sales.instalment.update")
def receivable_plan_edit(ctx: Ctx) -> Response:
    _contract, plan = services.plan_for(ctx.db, ctx.user, ctx.params["id"])
    rows = [{"id": str(i.id), "label": i.label, "percent": "" if i.percent is None else str(i.percent),
             "amount": str(i.amount), "due_on": i.due_on.isoformat()} for i in plan if i.state != "cancelled"]
    return _page(ctx, ctx.params["id"], values={"rows": rows}, template="sales/receivable_plan_edit.html")


def _rows(ctx: Ctx) -> list[dict[str, str]]:
    fields = ("id", "label", "percent", "amount", "due_on")
    columns = {f: list(ctx.form.get(f"{f}[]") or []) for f in fields}  # a ``[]`` field is always a list
    count = max((len(v) for v in columns.values()), default=0)
    return [{f: (columns[f][n] if n < len(columns[f]) else "") for f in fields} for n in range(count)]


@routes.post("/contracts/{id:int}/plan", name="receivable_plan_save", permission="sales.instalment.update")
def receivable_plan_save(ctx: Ctx) -> Response:
    rows = _rows(ctx)
    try:
        services.save_plan(ctx.db, ctx.user, ctx.params["id"], rows)
    except ValidationError as invalid:
        errors, params = _errors(invalid)
        return _page(ctx, ctx.params["id"], status=422, errors=errors, params=params, values={"rows": rows},
                     template="sales/receivable_plan_edit.html")
    return ctx.redirect("receivable_contract", id=ctx.params["id"], flash="saved")


#: customers per page of the ageing report (those owing the most first; the totals cover all)
AGEING_PAGE = 200


def _as_of(ctx: Ctx) -> date:
    return docs.parse_date(ctx.query.get("as_of")) or docs.today()


@routes.get("/receivables", name="receivable_list", permission="sales.instalment.read")
def receivable_list(ctx: Ctx) -> Response:
    q = ctx.query
    filters = reports.ListFilters(state=q.get("state", "unpaid") if q.get("state") in (
        *INSTALMENT_STATES, "unpaid", "") else "unpaid", overdue=q.get("overdue") == "1",
        owner_id=docs.as_int(q.get("owner_id")), customer_id=docs.as_int(q.get("customer_id")),
        month=q.get("month", ""))
    page = max(docs.as_int(q.get("page")) or 1, 1)
    rows, count = reports.receivables(ctx.db, ctx.user, filters, on=docs.today(), offset=(page - 1) * 100,
                                      limit=100)
    sees_others = any(g.scope != "own" for g in ctx.user.grants.get("sales.instalment.read", ()))
    customer = ctx.db.get(Customer, filters.customer_id) if filters.customer_id else None
    return ctx.render("sales/receivable_list.html", rows=rows, count=count, filters=filters, page=page,
                      states=INSTALMENT_STATES, today=docs.today(),
                      owners=org_users(ctx.db, ctx.user.org_id) if sees_others else [],
                      customer_name=customer.name if customer is not None else "")


@routes.get("/ageing", name="ageing_report", permission="sales.instalment.read")
def ageing_report(ctx: Ctx) -> Response:
    as_of = _as_of(ctx)
    page = max(docs.as_int(ctx.query.get("page")) or 1, 1)
    report = reports.ageing(ctx.db, ctx.user, as_of, limit=AGEING_PAGE, offset=(page - 1) * AGEING_PAGE)
    return ctx.render("sales/ageing_report.html", report=report, buckets=reports.BUCKETS, as_of=as_of,
                      page=page, pages=max(1, -(-report.customers // AGEING_PAGE)))


@routes.get("/ageing/instalments", name="ageing_instalments", permission="sales.instalment.read")
def ageing_instalments(ctx: Ctx) -> Response:
    as_of = _as_of(ctx)
    bucket = ctx.query.get("bucket") or None
    if bucket and bucket not in reports.BUCKETS:
        bucket = None
    customer_id = docs.as_int(ctx.query.get("customer_id"))
    rows = list(ctx.db.scalars(reports.behind(ctx.user, as_of, customer_id=customer_id, bucket=bucket)
                               .limit(500)))
    names = {i: name for i, name in ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_({r.customer_id for r in rows})))}
    return ctx.render("sales/ageing_instalments.html", rows=rows, names=names, as_of=as_of, bucket=bucket,
                      buckets=reports.BUCKETS, states=INSTALMENT_STATES, customer_id=customer_id)


# ------------------------------------------------------------------ panels


def contract_panels(session: Session, actor: Actor, contract: Any) -> list[Panel]:
    """The receivables panel on the contract's page (its plan and receipts)."""
    if not actor.can("sales.instalment.read") or not services.allowed(session, actor, "sales.instalment.read",
                                                                      contract):
        return []
    plan = services.plan(session, contract.id)
    return [Panel("sales-receivables", N_("Receivable plan"), "sales/_receivable_panel.html",
                  {"contract": contract, "plan": plan, "states": INSTALMENT_STATES, "today": docs.today()},
                  order=150)]


def customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """The customer 360 view's "Receivables" tab: outstanding and overdue."""
    if not actor.can("sales.instalment.read"):
        return []
    found = services.of_customer(session, actor, customer.id)
    unpaid = reports.ListFilters(state="unpaid", customer_id=customer.id)
    rows, _count = reports.receivables(session, actor, unpaid,
                                       on=docs.today(), limit=20)
    return [Panel("sales-customer-receivables", N_("Receivables"), "sales/_receivable_customer.html",
                  {"summary": found, "rows": rows, "customer": customer, "states": INSTALMENT_STATES,
                   "today": docs.today()}, order=160)]
