"""Commission pages: the rules (the director's), the statements (list,
detail with entries, confirm, mark paid, compute again, export to Excel)."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import Ctx, User, ValidationError
from plugins.catalog.models import Category
from plugins.catalog.services.money import base_currency
from plugins.sales.models.choices import COMMISSION_STATES
from plugins.sales.routes.common import routes
from plugins.sales.services import commissions as services
from plugins.sales.services.commissions import MAX_TIERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RULE_FIELDS = ("name", "category_id", "rate", "active",
               *(f"tier_{n}_{part}" for n in range(1, MAX_TIERS + 1) for part in ("from", "rate")))


# ------------------------------------------------------------------ rules


@routes.get("/commission-rules", name="commission_rule_list",
            permission="sales.commission_rule.read")
def commission_rule_list(ctx: Ctx) -> Response:
    rules = services.list_rules(ctx.db, ctx.user)
    return ctx.render("sales/commission_rule_list.html", rules=rules, categories=_categories(ctx))


@routes.get("/commission-rules/new", name="commission_rule_new",
            permission="sales.commission_rule.create")
def commission_rule_new(ctx: Ctx) -> Response:
    return _rule_form(ctx, None, {"active": "1"}, {})


@routes.post("/commission-rules/new", name="commission_rule_create",
             permission="sales.commission_rule.create")
def commission_rule_create(ctx: Ctx) -> Response:
    values = {f: ctx.field(f) for f in RULE_FIELDS}
    try:
        services.create_rule(ctx.db, ctx.user, values)
    except ValidationError as exc:
        return _rule_form(ctx, None, values, exc.errors, status=422)
    return ctx.redirect("commission_rule_list", flash="saved")


@routes.get("/commission-rules/{id:int}", name="commission_rule_edit",
            permission="sales.commission_rule.update")
def commission_rule_edit(ctx: Ctx) -> Response:
    rule = services.get_rule(ctx.db, ctx.user, ctx.params["id"], "update")
    values: dict[str, Any] = {"name": rule.name, "category_id": rule.category_id or "", "rate": rule.rate,
                              "active": "1" if rule.active else ""}
    for n, tier in enumerate(rule.tiers or [], start=1):
        values[f"tier_{n}_from"], values[f"tier_{n}_rate"] = tier["from"], tier["rate"]
    return _rule_form(ctx, rule, values, {})


@routes.post("/commission-rules/{id:int}", name="commission_rule_update",
             permission="sales.commission_rule.update")
def commission_rule_update(ctx: Ctx) -> Response:
    values = {f: ctx.field(f) for f in RULE_FIELDS}
    try:
        services.update_rule(ctx.db, ctx.user, ctx.params["id"], values)
    except ValidationError as exc:
        rule = services.get_rule(ctx.db, ctx.user, ctx.params["id"], "update")
        return _rule_form(ctx, rule, values, exc.errors, status=422)
    return ctx.redirect("commission_rule_list", flash="saved")


@routes.post("/commission-rules/{id:int}/delete", name="commission_rule_delete",
             permission="sales.commission_rule.delete")
def commission_rule_delete(ctx: Ctx) -> Response:
    services.delete_rule(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("commission_rule_list", flash="deleted")


def _categories(ctx: Ctx) -> list[Any]:
    return list(ctx.db.execute(select(Category.id, Category.name, Category.name_en, Category.path)
                               .where(Category.org_id == ctx.user.org_id, Category.active.is_(True))
                               .order_by(Category.path)).all())


def _rule_form(ctx: Ctx, rule: Any, values: dict[str, Any], errors: dict[str, str], *,
               status: int = 200) -> Response:
    return ctx.render("sales/commission_rule_edit.html", status=status, rule=rule, values=values,
                      categories=_categories(ctx), tiers=range(1, MAX_TIERS + 1),
                      errors={k: ctx._(v) for k, v in errors.items()})


# ------------------------------------------------------------------ statements


def _month(raw: Any) -> date | None:
    text = str(raw or "").strip()
    try:
        year, month = (int(p) for p in text.split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        return None


@routes.get("/commissions", name="commission_list", permission="sales.commission_statement.read")
def commission_list(ctx: Ctx) -> Response:
    month = _month(ctx.query.get("month"))
    state = ctx.query.get("state") if ctx.query.get("state") in COMMISSION_STATES else None
    rows = services.list_statements(ctx.db, ctx.user, month=month, state=state)
    return ctx.render("sales/commission_list.html", rows=rows, month=month, state=state,
                      states=COMMISSION_STATES, currency=base_currency(ctx.db))


@routes.get("/commissions/{id:int}", name="commission_detail", permission="sales.commission_statement.read")
def commission_detail(ctx: Ctx) -> Response:
    statement, entries = services.statement_detail(ctx.db, ctx.user, ctx.params["id"])
    owner = ctx.db.get(User, statement.owner_id)
    return ctx.render("sales/commission_detail.html", record=statement, entries=entries,
                      owner=owner.display_name if owner else "", states=COMMISSION_STATES,
                      currency=base_currency(ctx.db))


@routes.post("/commissions/{id:int}/confirm", name="commission_confirm",
             permission="sales.commission_statement.approve")
def commission_confirm(ctx: Ctx) -> Response:
    services.confirm(ctx.db, ctx.user, ctx.params["id"], ctx.field("version"))
    return ctx.redirect("commission_detail", id=ctx.params["id"], flash="saved")


@routes.post("/commissions/{id:int}/pay", name="commission_pay", permission="sales.commission_statement.pay")
def commission_pay(ctx: Ctx) -> Response:
    services.mark_paid(ctx.db, ctx.user, ctx.params["id"], ctx.field("version"))
    return ctx.redirect("commission_detail", id=ctx.params["id"], flash="saved")


@routes.post("/commissions/{id:int}/recompute", name="commission_recompute",
             permission="sales.commission_statement.approve")
def commission_recompute(ctx: Ctx) -> Response:
    services.recompute_statement(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("commission_detail", id=ctx.params["id"], flash="saved")


@routes.get("/commissions/{id:int}/export", name="commission_export",
            permission="sales.commission_statement.export")
def commission_export(ctx: Ctx) -> Response:
    from openpyxl import Workbook

    statement, entries = services.statement_detail(ctx.db, ctx.user, ctx.params["id"])
    owner = ctx.db.get(User, statement.owner_id)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = statement.month.strftime("%Y-%m")
    sheet.append([ctx._("Salesperson"), owner.display_name if owner else "", ctx._("Month"),
                  statement.month.strftime("%Y-%m"), ctx._("State"), ctx._(COMMISSION_STATES[statement.state])])
    sheet.append([ctx._("Date received"), ctx._("Receipt"), ctx._("Contract"), ctx._("Product"),
                  ctx._("Commission rule"), ctx._("Base"), ctx._("Rate (%)"), ctx._("Commission")])
    for row in entries:
        sheet.append([row.received_on, row.receipt_number, row.contract_number, row.product, row.rule,
                      row.entry.base, row.entry.rate, row.entry.amount])
    sheet.append(["", "", "", "", ctx._("Total"), statement.base, "", statement.total])
    out = BytesIO()
    book.save(out)
    name = f"commission-{statement.month:%Y-%m}-{statement.id}.xlsx"
    return Response(out.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
