"""Payment terms (付款方式), under administration: a list and a form whose
instalment rows (label, percent, days, basis) add up to 100 %."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from core import Ctx, ValidationError
from plugins.sales.routes.common import routes, translated
from plugins.sales.services import payment_terms as services


def _rows(ctx: Ctx) -> list[dict[str, Any]]:
    def listed(name: str) -> list[str]:
        value = ctx.form.get(f"instalment_{name}[]", [])
        return [value] if isinstance(value, str) else list(value)

    columns = {name: listed(name) for name in ("label", "percent", "days", "basis")}
    count = max(len(v) for v in columns.values())
    return [{name: (values[i] if i < len(values) else "") for name, values in columns.items()}
            for i in range(count)]


def _values(ctx: Ctx) -> dict[str, Any]:
    return {"name": ctx.field("name"), "name_en": ctx.field("name_en"), "active": ctx.field("active") == "1",
            "instalments": _rows(ctx)}


def _form(ctx: Ctx, term: Any, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    rows = list(values.get("instalments") or [])
    rows += [{}] * max(4 - len(rows), 1)
    return ctx.render("sales/payment_term_edit.html", status=status, term=term, values=values, rows=rows,
                      errors=errors, bases=services.BASES)


@routes.get("/payment-terms", name="payment_term_list", permission="sales.payment_term.read")
def payment_term_list(ctx: Ctx) -> Response:
    return ctx.render("sales/payment_term_list.html", terms=services.org_terms(ctx.db, ctx.user),
                      bases=services.BASES)


@routes.get("/payment-terms/new", name="payment_term_new", permission="sales.payment_term.create")
def payment_term_new(ctx: Ctx) -> Response:
    return _form(ctx, None, {"active": True, "instalments": []}, {})


@routes.post("/payment-terms", name="payment_term_create", permission="sales.payment_term.create")
def payment_term_create(ctx: Ctx) -> Response:
    values = _values(ctx)
    try:
        services.create_term(ctx.db, ctx.user, values)
    except ValidationError as exc:
        return _form(ctx, None, values, translated(ctx, exc.errors), status=422)
    return ctx.redirect("payment_term_list", flash="saved")


@routes.get("/payment-terms/{id:int}/edit", name="payment_term_edit", permission="sales.payment_term.update")
def payment_term_edit(ctx: Ctx) -> Response:
    term = services.term_for(ctx.db, ctx.user, ctx.params["id"], "update")
    return _form(ctx, term, {"name": term.name, "name_en": term.name_en, "active": term.active,
                             "instalments": list(term.instalments)}, {})


@routes.post("/payment-terms/{id:int}", name="payment_term_update", permission="sales.payment_term.update")
def payment_term_update(ctx: Ctx) -> Response:
    term = services.term_for(ctx.db, ctx.user, ctx.params["id"], "update")
    values = _values(ctx)
    try:
        with ctx.db.begin_nested():
            services.update_term(ctx.db, ctx.user, term, values)
    except ValidationError as exc:
        ctx.db.refresh(term)
        return _form(ctx, term, values, translated(ctx, exc.errors), status=422)
    return ctx.redirect("payment_term_list", flash="saved")


@routes.post("/payment-terms/{id:int}/delete", name="payment_term_delete",
             permission="sales.payment_term.delete")
def payment_term_delete(ctx: Ctx) -> Response:
    services.delete_term(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("payment_term_list", flash="deleted")
