"""Leads: the kit's pages, the conversion page (转化线索), assigning, and
the attribution report (leads by source and campaign → converted → won)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import (
    N_,
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
    scope,
)
from plugins.crm import kernel
from plugins.crm.models import Lead, WebForm
from plugins.crm.models.choices import LEAD_STATES, SOURCES
from plugins.crm.routes.common import routes
from plugins.crm.services import conversion
from plugins.crm.services import leads as services


def org_people(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(uid), name) for uid, name in kernel.org_users(ctx.db, ctx.user.org_id)]


def campaigns(ctx: Ctx) -> list[tuple[str, str]]:
    stmt = (select(Lead.campaign).distinct().where(scope(ctx.user, Lead, "read"), Lead.campaign != "")
            .order_by(Lead.campaign).limit(100))
    return [(c, c) for c in ctx.db.scalars(stmt)]


def _detail_context(ctx: Ctx, lead: Lead) -> dict[str, Any]:
    return {"may_convert": lead.state in services.OPEN_STATES and ctx.user.can("crm.lead.update")
            and ctx.user.can("crm.contact.create"),
            "may_assign": ctx.user.can("crm.lead.assign") and lead.state in services.OPEN_STATES,
            "people": org_people(ctx) if ctx.user.can("crm.lead.assign") else []}


leads = Crud(
    model=Lead, noun="lead", path="/leads", title=N_("Leads"), title_attr="name",
    list_view=ListView(Lead, [
        Column("name", N_("Name"), link=True),
        Column("company", N_("Company")),
        Column("mobile", N_("Mobile")),
        Column("source", N_("Source"), kind="choice", choices=SOURCES),
        Column("campaign", N_("Campaign")),
        Column("state", N_("State"), kind="choice", choices=LEAD_STATES),
        Column("owner_id", N_("Owner"), kind="user"),
        Column("created_at", N_("Created"), kind="datetime"),
    ], search=("name", "company", "mobile"), filters=[
        Filter("state", N_("State"), list(LEAD_STATES.items())),
        Filter("source", N_("Source"), list(SOURCES.items())),
        Filter("campaign", N_("Campaign"), campaigns),
        Filter("owner_id", N_("Owner"), org_people),
    ], default_sort="created_at"),
    form=Form([
        FormField("name", N_("Name"), required=True, max_length=100),
        FormField("company", N_("Company")),
        FormField("position", N_("Position"), max_length=100),
        FormField("mobile", N_("Mobile"), max_length=40),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("email", N_("E-mail"), "email"),
        FormField("wechat", N_("WeChat ID"), max_length=60),
        FormField("province", N_("Province"), max_length=40),
        FormField("city", N_("City"), max_length=40),
        FormField("source", N_("Source"), "select", choices=list(SOURCES.items())),
        FormField("campaign", N_("Campaign"), max_length=100),
        FormField("message", N_("Message"), "textarea", max_length=5000),
    ]),
    create=services.create_lead, update=services.update_lead, create_many=services.create_leads,
    detail_template="crm/lead_detail.html", detail_context=_detail_context,
    detail_fields=[
        Column("company", N_("Company")), Column("position", N_("Position")),
        Column("mobile", N_("Mobile")), Column("phone", N_("Phone")), Column("email", N_("E-mail")),
        Column("wechat", N_("WeChat ID")), Column("province", N_("Province")), Column("city", N_("City")),
        Column("source", N_("Source"), kind="choice", choices=SOURCES), Column("campaign", N_("Campaign")),
        Column("webform_id", N_("Web form"), kind="ref", ref=WebForm),
        Column("message", N_("Message")), Column("owner_id", N_("Owner"), kind="user"),
        Column("disqualify_reason", N_("Reason for disqualifying")),
        Column("converted_at", N_("Converted at"), kind="datetime"),
    ],
)


@routes.get("/leads/report", name="lead_report", permission="crm.lead.read")
def lead_report(ctx: Ctx) -> Response:
    rows = services.by_source(ctx.db, ctx.user)
    return ctx.render("crm/lead_report.html", rows=rows, sources=SOURCES,
                      total=sum(r.leads for r in rows), converted=sum(r.converted for r in rows),
                      won=sum(r.won for r in rows))


leads.register(routes)


@routes.post("/leads/{id:int}/assign", name="lead_assign", permission="crm.lead.assign")
def lead_assign(ctx: Ctx) -> Response:
    raw = ctx.field("owner_id")
    if ctx.attempt(lambda: services.assign_lead(ctx.db, ctx.user, ctx.params["id"],
                                                int(raw) if raw.isdigit() else 0)):
        return ctx.redirect("lead_detail", id=ctx.params["id"], flash="saved")
    return ctx.redirect("lead_detail", id=ctx.params["id"])


@routes.get("/leads/{id:int}/convert", name="lead_convert", permission="crm.lead.update")
def lead_convert(ctx: Ctx) -> Response:
    lead = get_for(ctx.db, ctx.user, Lead, ctx.params["id"], "update")
    values = conversion.prefill(lead)
    return _convert_page(ctx, lead, values, {})


@routes.post("/leads/{id:int}/convert", name="lead_convert_save", permission="crm.lead.update")
def lead_convert_save(ctx: Ctx) -> Response:
    lead = get_for(ctx.db, ctx.user, Lead, ctx.params["id"], "update")
    values = {k: v for k, v in ctx.form.items() if isinstance(v, str)}
    try:
        with ctx.db.begin_nested():
            done = conversion.convert_lead(ctx.db, ctx.user, lead.id, values)
    except ValidationError as invalid:
        errors = {k: ctx._(v) for k, v in invalid.errors.items()}
        return _convert_page(ctx, lead, values, errors, status=422)
    except Conflict as refused:
        return _convert_page(ctx, lead, values, {}, problem=ctx._(str(refused), **refused.params), status=409)
    return ctx.redirect("customer_detail", id=done.customer.id, flash="saved")


def _convert_page(ctx: Ctx, lead: Lead, values: dict[str, Any], errors: dict[str, str], *,
                  problem: str = "", status: int = 200) -> Response:
    if lead.state not in services.OPEN_STATES:
        raise Conflict(N_("Only a lead that is not yet converted or disqualified can be converted."))
    found = conversion.duplicates(ctx.db, ctx.user, values)
    return ctx.render("crm/lead_convert.html", status=status, lead=lead, values=values, errors=errors,
                      found=found, problem=problem, source_label=SOURCES.get(lead.source, ""),
                      may_opportunity=ctx.user.can("crm.opportunity.create"))
