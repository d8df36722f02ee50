"""Contracts and orders: the list (with the Excel export), the form with the
line editor and the buyer's particulars, the detail page (lines, totals,
workflow buttons, amendments) and amending."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from starlette.responses import Response

from core import N_, Column, Ctx, Filter, Form, FormField, ListView
from plugins.crm.models import Customer
from plugins.sales.models import Contract, ContractLine
from plugins.sales.models.choices import CONTRACT_KINDS, CONTRACT_STATES
from plugins.sales.routes.common import DocumentCrud, customer_choices, owner_choices, refs_of, routes
from plugins.sales.routes.quotes import currency_choices
from plugins.sales.services import contracts as services
from plugins.sales.services import payment_terms as term_services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the most contracts one export holds
EXPORT_LIMIT = 20_000


def term_choices(ctx: Ctx) -> list[tuple[str, str]]:
    if not ctx.user.can("sales.payment_term.read"):
        return []
    english = ctx.t.locale.startswith("en")
    return [(str(t.id), (t.name_en if english and t.name_en else t.name))
            for t in term_services.org_terms(ctx.db, ctx.user, active_only=True)]


FORM = Form([
    FormField("kind", N_("Document type"), "select", required=True, choices=list(CONTRACT_KINDS.items())),
    FormField("title", N_("Subject"), max_length=200),
    FormField("customer_id", N_("Customer"), "int", required=True),
    FormField("contact_id", N_("Contact"), "int"),
    FormField("opportunity_id", N_("Opportunity"), "int"),
    FormField("currency_code", N_("Currency"), "select", required=True, choices=currency_choices),
    FormField("tax_included", N_("Prices include tax"), "bool"),
    FormField("signed_on", N_("Signing date"), "date"),
    FormField("start_on", N_("Start date"), "date"),
    FormField("end_on", N_("End date"), "date"),
    FormField("renewal_notice_days", N_("Renewal reminder (days before end)"), "int"),
    FormField("payment_term_id", N_("Payment terms"), "select", choices=term_choices),
    FormField("buyer_name", N_("Buyer"), max_length=200),
    FormField("buyer_address", N_("Buyer's address"), max_length=300),
    FormField("buyer_tax_no", N_("Buyer's tax number"), max_length=30),
    FormField("buyer_representative", N_("Buyer's representative"), max_length=100),
    FormField("buyer_phone", N_("Buyer's phone"), max_length=50),
    FormField("payment_terms", N_("Payment terms (text)"), "textarea", max_length=20000),
    FormField("delivery_terms", N_("Delivery terms"), "textarea", max_length=20000),
    FormField("terms", N_("Terms and conditions"), "textarea", max_length=20000),
    FormField("note", N_("Internal note"), "textarea", max_length=20000),
])


class ContractCrud(DocumentCrud):
    layout = (("kind", 3), ("title", 5), ("currency_code", 2), ("renewal_notice_days", 2), ("signed_on", 4),
              ("start_on", 4), ("end_on", 4), ("payment_term_id", 6), ("tax_included", 6))
    texts = (("buyer_name", 6), ("buyer_tax_no", 6), ("buyer_address", 12), ("buyer_representative", 6),
             ("buyer_phone", 6), ("payment_terms", 6), ("delivery_terms", 6), ("terms", 12), ("note", 12))
    date_column = "signed_on"
    new_title = N_("New contract")

    def defaults(self, ctx: Ctx) -> dict[str, Any]:
        return {"kind": "contract", "currency_code": "CNY", "tax_included": True, "renewal_notice_days": 30,
                "customer_id": ctx.query.get("customer_id")}


def _detail_context(ctx: Ctx, record: Contract) -> dict[str, Any]:
    return {"lines": services.contract_lines(ctx.db, record.id), "names": refs_of(ctx, record),
            "revisions": services.revisions(ctx.db, ctx.user, record), "states": CONTRACT_STATES,
            "can_amend": record.state in services.AMENDABLE and ctx.user.can("sales.contract.update")
            and ctx.user.can("sales.contract.create"), "show_delivered": record.state in ("signed", "executing",
                                                                                         "completed")}


contracts = ContractCrud(
    model=Contract, noun="contract", path="/contracts", title=N_("Contracts"), title_attr="number",
    list_view=ListView(Contract, [
        Column("number", N_("Contract number"), link=True),
        Column("kind", N_("Document type"), kind="choice", choices=CONTRACT_KINDS),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("signed_on", N_("Signing date"), kind="date"),
        Column("end_on", N_("End date"), kind="date"),
        Column("state", N_("State"), kind="choice", choices=CONTRACT_STATES),
        Column("total", N_("Total"), kind="money"),
        Column("received", N_("Received"), kind="money"),
        Column("owner_id", N_("Owner"), kind="user"),
    ], search=("number", "title", "buyer_name"), filters=[
        Filter("state", N_("State"), list(CONTRACT_STATES.items())),
        Filter("kind", N_("Document type"), list(CONTRACT_KINDS.items())),
        Filter("owner_id", N_("Owner"), owner_choices),
        Filter("customer_id", N_("Customer"), customer_choices),
    ], default_sort="id"),
    form=FORM, create=services.create_contract, update=services.update_contract,
    detail_fields=[
        Column("kind", N_("Document type"), kind="choice", choices=CONTRACT_KINDS),
        Column("title", N_("Subject")),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("revision", N_("Revision"), kind="number"),
        Column("buyer_name", N_("Buyer")),
        Column("buyer_address", N_("Buyer's address")),
        Column("buyer_tax_no", N_("Buyer's tax number")),
        Column("buyer_representative", N_("Buyer's representative")),
        Column("buyer_phone", N_("Buyer's phone")),
        Column("signed_on", N_("Signing date"), kind="date"),
        Column("start_on", N_("Start date"), kind="date"),
        Column("end_on", N_("End date"), kind="date"),
        Column("renewal_notice_days", N_("Renewal reminder (days before end)"), kind="number"),
        Column("currency_code", N_("Currency")),
        Column("tax_included", N_("Prices include tax"), kind="bool"),
        Column("payment_terms", N_("Payment terms (text)")),
        Column("delivery_terms", N_("Delivery terms")),
        Column("terms", N_("Terms and conditions")),
        Column("received", N_("Received"), kind="money"),
        Column("approved_at", N_("Approved at"), kind="datetime"),
        Column("note", N_("Internal note")),
        Column("owner_id", N_("Owner"), kind="user"),
    ],
    detail_template="sales/contract_detail.html", detail_context=_detail_context,
    list_template="sales/contract_list.html", form_template="sales/contract_edit.html",
)
contracts.lines_of = services.contract_lines


@routes.post("/contracts/{id:int}/amend", name="contract_amend", permission="sales.contract.update")
def contract_amend(ctx: Ctx) -> Response:
    """Start an amendment of an approved, signed or executing contract."""
    copy = services.amend_contract(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("contract_edit", id=copy.id, flash="saved")


@routes.get("/contracts/export.xlsx", name="contract_export", permission="sales.contract.export")
def contract_export(ctx: Ctx) -> Response:
    """The contracts as listed (filters, search, date range) in an Excel
    workbook: a sheet of contracts and one of their lines, numbers as numbers."""
    stmt = contracts.range_stmt(ctx)
    rows = list(ctx.db.scalars(contracts.list_view.filtered(ctx, stmt=stmt).stmt.order_by(None)
                               .order_by(Contract.id).limit(EXPORT_LIMIT)))
    names = dict(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_({r.customer_id for r in rows}))).all()) if rows else {}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = ctx._("Contracts")
    sheet.append([ctx._(label) for label in (
        N_("Contract number"), N_("Revision"), N_("Document type"), N_("Customer"), N_("Subject"), N_("State"),
        N_("Signing date"), N_("Start date"), N_("End date"), N_("Currency"), N_("Amount excl. tax"), N_("Tax"),
        N_("Total"), N_("Received"))])
    for c in rows:
        sheet.append([c.number, c.revision, ctx._(CONTRACT_KINDS[c.kind]),
                      names.get(c.customer_id, c.buyer_name), c.title, ctx._(CONTRACT_STATES[c.state]),
                      c.signed_on, c.start_on, c.end_on, c.currency_code,
                      c.subtotal, c.tax_total, c.total, c.received])
    lines = book.create_sheet(ctx._("Contract lines"))
    lines.append([ctx._(label) for label in (
        N_("Contract number"), N_("Revision"), N_("No."), N_("Description"), N_("Unit"), N_("Quantity"),
        N_("Unit price"), N_("Discount (%)"), N_("Tax rate (%)"), N_("Amount excl. tax"), N_("Tax"),
        N_("Total"))])
    by_id = {c.id: c for c in rows}
    for i in range(0, len(rows), 1000):
        chunk = [r.id for r in rows[i:i + 1000]]
        for line in ctx.db.scalars(select(ContractLine).where(ContractLine.contract_id.in_(chunk))
                                   .order_by(ContractLine.contract_id, ContractLine.sequence, ContractLine.id)):
            c = by_id[line.contract_id]
            lines.append([c.number, c.revision, line.sequence // 10, line.description, line.unit, line.quantity,
                          line.unit_price, line.discount, line.tax_rate, line.amount, line.tax, line.total])
    for ws in (sheet, lines):
        for column in ws.iter_cols(min_row=2):
            for cell in column:
                if cell.data_type == "n" and not isinstance(cell.value, int):
                    cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="contracts.xlsx"'})


contracts.register(routes)
