"""Customer care (回访/关怀): care records (list, page, form, done or
dropped), "my care to do", and care plans."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import N_, Column, Crud, Ctx, Filter, Form, FormField, ListView, scope
from plugins.crm.models import Care, CarePlan, Customer, Segment
from plugins.crm.models.choices import CARE_KINDS, CARE_STATES
from plugins.crm.routes.common import routes
from plugins.crm.routes.customers import readable_customers
from plugins.crm.routes.leads import org_people
from plugins.crm.services import care as services
from plugins.crm.services.followups import contacts_of


def readable_segments(ctx: Ctx) -> list[tuple[str, str]]:
    if not ctx.user.can("crm.segment.read"):
        return []
    stmt = select(Segment.id, Segment.name).where(scope(ctx.user, Segment, "read")).order_by(Segment.name)
    return [(str(i), n) for i, n in ctx.db.execute(stmt.limit(200))]


def _care_context(ctx: Ctx, care: Care) -> dict[str, Any]:
    return {"contacts": contacts_of(ctx.db, care.customer_id), "may_update": ctx.user.can("crm.care.update"),
            "values": {}, "errors": {}}


cares = Crud(
    model=Care, noun="care", path="/care", title=N_("Customer care"), title_attr="content",
    list_view=ListView(Care, [
        Column("planned_on", N_("Planned on"), kind="date", link=True),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("kind", N_("Kind"), kind="choice", choices=CARE_KINDS),
        Column("state", N_("State"), kind="choice", choices=CARE_STATES),
        Column("content", N_("Content"), sortable=False),
        Column("satisfaction", N_("Satisfaction"), kind="number"),
        Column("owner_id", N_("Owner"), kind="user"),
        Column("plan_id", N_("Care plan"), kind="ref", ref=CarePlan),
    ], search=("content",), filters=[
        Filter("state", N_("State"), list(CARE_STATES.items())),
        Filter("kind", N_("Kind"), list(CARE_KINDS.items())),
        Filter("owner_id", N_("Owner"), org_people),
    ], default_sort="planned_on"),
    form=Form([
        FormField("customer_id", N_("Customer"), "select", required=True, choices=readable_customers),
        FormField("kind", N_("Kind"), "select", required=True, choices=list(CARE_KINDS.items())),
        FormField("planned_on", N_("Planned on"), "date", required=True),
        FormField("content", N_("Content"), "textarea", max_length=10_000),
        FormField("duration_minutes", N_("Duration (minutes)"), "int"),
        FormField("cost", N_("Expenses"), "decimal"),
    ]),
    create=services.create_care, update=services.update_care,
    detail_template="crm/care_detail.html", detail_context=_care_context,
    detail_fields=[
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("kind", N_("Kind"), kind="choice", choices=CARE_KINDS),
        Column("state", N_("State"), kind="choice", choices=CARE_STATES),
        Column("planned_on", N_("Planned on"), kind="date"),
        Column("done_at", N_("Done at"), kind="datetime"),
        Column("content", N_("Content")),
        Column("satisfaction", N_("Satisfaction"), kind="number"),
        Column("duration_minutes", N_("Duration (minutes)"), kind="number"),
        Column("cost", N_("Expenses"), kind="money"),
        Column("plan_id", N_("Care plan"), kind="ref", ref=CarePlan),
        Column("owner_id", N_("Owner"), kind="user"),
    ],
)


@routes.get("/care/mine", name="care_mine", permission="crm.care.read")
def care_mine(ctx: Ctx) -> Response:
    rows = services.my_todo(ctx.db, ctx.user)
    return ctx.render("crm/care_mine.html", rows=rows, today=services.today(), kinds=CARE_KINDS)


cares.register(routes)


@routes.post("/care/{id:int}/done", name="care_done", permission="crm.care.update")
def care_done(ctx: Ctx) -> Response:
    values = {k: ctx.field(k) for k in ("satisfaction", "content", "duration_minutes", "cost", "contact_id")}
    if ctx.attempt(lambda: services.complete_care(ctx.db, ctx.user, ctx.params["id"], values)):
        return ctx.redirect("care_detail", id=ctx.params["id"], flash="saved")
    return ctx.redirect("care_detail", id=ctx.params["id"])


@routes.post("/care/{id:int}/drop", name="care_drop", permission="crm.care.update")
def care_drop(ctx: Ctx) -> Response:
    ctx.attempt(lambda: services.drop_care(ctx.db, ctx.user, ctx.params["id"]))
    return ctx.redirect("care_detail", id=ctx.params["id"])


care_plans = Crud(
    model=CarePlan, noun="care_plan", path="/care-plans", title=N_("Care plans"), title_attr="name",
    list_view=ListView(CarePlan, [
        Column("name", N_("Name"), link=True),
        Column("kind", N_("Kind"), kind="choice", choices=CARE_KINDS),
        Column("segment_id", N_("Segment"), kind="ref", ref=Segment),
        Column("interval_days", N_("Every (days)"), kind="number"),
        Column("next_run_on", N_("Next run"), kind="date"),
        Column("active", N_("Active"), kind="bool"),
        Column("owner_id", N_("Owner"), kind="user"),
    ], search=("name",), default_sort="name", default_desc=False),
    form=Form([
        FormField("name", N_("Name"), required=True),
        FormField("kind", N_("Kind"), "select", required=True, choices=list(CARE_KINDS.items())),
        FormField("segment_id", N_("Segment"), "select", choices=readable_segments,
                  help=N_("Empty: all customers you own.")),
        FormField("starts_on", N_("Starts on"), "date", required=True),
        FormField("interval_days", N_("Every (days)"), "int", required=True),
        FormField("instructions", N_("Instructions"), "textarea", max_length=5000),
        FormField("active", N_("Active"), "bool"),
    ]),
    create=services.create_plan, update=services.update_plan,
    detail_fields=[
        Column("kind", N_("Kind"), kind="choice", choices=CARE_KINDS),
        Column("segment_id", N_("Segment"), kind="ref", ref=Segment),
        Column("starts_on", N_("Starts on"), kind="date"),
        Column("interval_days", N_("Every (days)"), kind="number"),
        Column("next_run_on", N_("Next run"), kind="date"),
        Column("instructions", N_("Instructions")),
        Column("active", N_("Active"), kind="bool"),
        Column("owner_id", N_("Owner"), kind="user"),
    ],
)
care_plans.register(routes)
