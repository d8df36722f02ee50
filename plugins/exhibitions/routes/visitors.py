"""The visitors part's pages (registered on plugins.exhibitions.routes.routes):
visitors of an edition (the kit's pages), and the gate: a page any browser
opens at an entrance, where a scanner (or a person) types a ticket's code
and the answer shows at once (htmx), with the day's counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import N_, Column, Ctx, Filter, Form, FormField, ListView, get_for
from plugins.exhibitions.models import Edition, Visitor, VisitorGate
from plugins.exhibitions.models.choices import SCAN_RESULTS, VISITOR_KINDS
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import visitors as services

visitors = Prefilled(
    model=Visitor, noun="visitor", path="/visitors", title=N_("Visitors"), title_attr="name",
    list_view=ListView(Visitor, [
        Column("name", N_("Name"), link=True),
        Column("company", N_("Company")),
        Column("kind", N_("Kind of visitor"), kind="choice", choices=VISITOR_KINDS),
        Column("delegation", N_("Delegation")),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        Column("code", N_("Ticket code"), sortable=False),
    ], search=("name", "company", "code", "delegation"), filters=[
        Filter("edition_id", N_("Edition"), _edition_choices),
        Filter("kind", N_("Kind of visitor"), list(VISITOR_KINDS.items())),
    ], default_sort="id"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("company", N_("Company")),
        FormField("title", N_("Job title"), max_length=100),
        FormField("mobile", N_("Mobile"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("kind", N_("Kind of visitor"), "select", required=True, choices=list(VISITOR_KINDS.items())),
        FormField("delegation", N_("Delegation")),
        FormField("qualified", N_("Qualified buyer"), "bool"),
    ]),
    create=services.register, update=services.update_visitor,
    detail_template="exhibitions/visitor_detail.html",
    detail_fields=[Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("company", N_("Company")), Column("title", N_("Job title")),
                   Column("mobile", N_("Mobile")), Column("email", N_("E-mail")),
                   Column("kind", N_("Kind of visitor"), kind="choice", choices=VISITOR_KINDS),
                   Column("delegation", N_("Delegation")),
                   Column("qualified", N_("Qualified buyer"), kind="bool"),
                   Column("code", N_("Ticket code"))],
)
visitors.prefill = ("edition_id",)


def _gate(ctx: Ctx, edition: Edition, scanned: services.Scan | None = None) -> dict[str, Any]:
    return {"edition": edition, "scanned": scanned, "results": SCAN_RESULTS, "kinds": VISITOR_KINDS,
            "counts": services.day_counts(ctx.db, ctx.user, edition.id),
            "gate": ctx.query.get("gate", "") or ctx.form.get("gate", ""),
            "gate_names": list(ctx.db.scalars(select(VisitorGate.name).where(
                VisitorGate.edition_id == edition.id).order_by(VisitorGate.name)))}


@routes.get("/editions/{id:int}/gate", name="visitor_gate", permission="exhibitions.visitor.admit")
def visitor_gate(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    return ctx.render("exhibitions/visitor_gate.html", **_gate(ctx, edition))


@routes.post("/editions/{id:int}/gate", name="visitor_scan", permission="exhibitions.visitor.admit")
def visitor_scan(ctx: Ctx) -> Response:
    """A scan: the answer and the counts, swapped in by htmx (the whole page without it)."""
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    scanned = services.scan(ctx.db, ctx.user, edition.id, str(ctx.form.get("code", "")),
                            gate=str(ctx.form.get("gate", "")))
    template = "exhibitions/_visitor_scan.html" if ctx.is_htmx else "exhibitions/visitor_gate.html"
    return ctx.render(template, **_gate(ctx, edition, scanned))


visitors.register(routes)
