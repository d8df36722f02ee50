"""Follow-ups (联系记录): the list (kind, result, owner, period), the
record's page and form (read-only once locked), and the quick "写跟进"
form of the customer page's panel, which posts with htmx and swaps the
panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from starlette.responses import Response

from core import (
    N_,
    Column,
    Crud,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    ValidationError,
    get_for,
    scope,
    utcnow,
)
from plugins.crm.models import Customer, FollowUp
from plugins.crm.models.choices import FOLLOWUP_KINDS, FOLLOWUP_RESULTS
from plugins.crm.routes.common import routes
from plugins.crm.routes.customers import readable_customers
from plugins.crm.routes.leads import org_people
from plugins.crm.services import followups as services
from plugins.crm.services.followups import LOCAL_TZ

PERIODS = [("today", N_("This day")), ("week", N_("Last 7 days")), ("month", N_("Last 30 days")),
           ("quarter", N_("Last 90 days"))]
PERIOD_DAYS = {"today": 0, "week": 6, "month": 29, "quarter": 89}
PERIOD_FILTER = Filter("period", N_("Period"), PERIODS)


@dataclass
class FollowUpList(ListView):
    """The kit's list, with a period (days back from today, China's time)."""

    def filtered(self, ctx: Ctx, *, stmt: Select[Any] | None = None, deleted: bool = False) -> Any:
        period = ctx.query.get("period", "")
        base = stmt if stmt is not None else self.base_query(ctx, deleted=deleted)
        if period in PERIOD_DAYS:
            today = utcnow().astimezone(LOCAL_TZ).date()
            start = datetime.combine(today - timedelta(days=PERIOD_DAYS[period]), time(0), tzinfo=LOCAL_TZ)
            base = base.where(FollowUp.happened_at >= start)
        else:
            period = ""
        result = super().filtered(ctx, stmt=base, deleted=deleted)
        result.filter_state.append((PERIOD_FILTER, PERIODS, period))
        return result


class FollowUpCrud(Crud):
    """The kit's pages, refusing to edit or delete a locked follow-up."""

    def edit(self, ctx: Ctx) -> Response:
        followup = get_for(ctx.db, ctx.user, FollowUp, ctx.params["id"], "update")
        services.ensure_unlocked(ctx.db, followup)
        return super().edit(ctx)

    def delete(self, ctx: Ctx) -> Response:
        services.delete_followup(ctx.db, ctx.user, ctx.params["id"], ctx.form.get("version"))
        return ctx.redirect("followup_list", flash="deleted")


def _detail_context(ctx: Ctx, followup: FollowUp) -> dict[str, Any]:
    customer = ctx.db.get(Customer, followup.customer_id)
    return {"history_locked": services.is_locked(ctx.db, followup),
            "lock_days": services.lock_days(ctx.db, followup.org_id), "customer": customer}


followups = FollowUpCrud(
    model=FollowUp, noun="followup", path="/followups", title=N_("Follow-ups"), title_attr="content",
    list_view=FollowUpList(FollowUp, [
        Column("happened_at", N_("When"), kind="datetime", link=True),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("kind", N_("Kind"), kind="choice", choices=FOLLOWUP_KINDS),
        Column("content", N_("Content"), sortable=False),
        Column("result", N_("Result"), kind="choice", choices=FOLLOWUP_RESULTS),
        Column("next_contact_on", N_("Next contact on"), kind="date"),
        Column("author_id", N_("Author"), kind="user"),
        Column("owner_id", N_("Owner"), kind="user"),
    ], search=("content",), filters=[
        Filter("kind", N_("Kind"), list(FOLLOWUP_KINDS.items())),
        Filter("result", N_("Result"), list(FOLLOWUP_RESULTS.items())),
        Filter("owner_id", N_("Owner"), org_people),
    ], default_sort="happened_at"),
    form=Form([
        FormField("customer_id", N_("Customer"), "select", required=True, choices=readable_customers),
        FormField("kind", N_("Kind"), "select", required=True, choices=list(FOLLOWUP_KINDS.items())),
        FormField("content", N_("Content"), "textarea", required=True, max_length=10_000),
        FormField("result", N_("Result"), "select", choices=list(FOLLOWUP_RESULTS.items())),
        FormField("next_contact_on", N_("Next contact on"), "date"),
        FormField("duration_minutes", N_("Duration (minutes)"), "int"),
        FormField("cost", N_("Expenses"), "decimal"),
    ]),
    create=services.create_followup, update=services.update_followup,
    detail_template="crm/followup_detail.html", detail_context=_detail_context,
    detail_fields=[
        Column("happened_at", N_("When"), kind="datetime"),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("kind", N_("Kind"), kind="choice", choices=FOLLOWUP_KINDS),
        Column("content", N_("Content")),
        Column("result", N_("Result"), kind="choice", choices=FOLLOWUP_RESULTS),
        Column("next_contact_on", N_("Next contact on"), kind="date"),
        Column("duration_minutes", N_("Duration (minutes)"), kind="number"),
        Column("cost", N_("Expenses"), kind="money"),
        Column("author_id", N_("Author"), kind="user"),
        Column("owner_id", N_("Owner"), kind="user"),
    ],
)
followups.register(routes)


# ------------------------------------------------------------------ the customer's panel


def panel_context(ctx_or_db: Any, actor: Any, customer: Customer, *, values: dict[str, Any] | None = None,
                  errors: dict[str, str] | None = None, saved: bool = False) -> dict[str, Any]:
    """What ``crm/_followup_panel.html`` shows: the quick form and the latest follow-ups."""
    db = ctx_or_db
    rows = services.recent(db, actor, customer.id, limit=10) if actor.can("crm.followup.read") else []
    locked = {f.id for f in rows if services.is_locked(db, f)}
    from plugins.crm import kernel

    return {"customer": customer, "followups": rows, "locked": locked,
            "names": kernel.names(db, [f.author_id for f in rows]),
            "contacts": services.contacts_of(db, customer.id), "values": values or {}, "errors": errors or {},
            "saved": saved, "may_write": _may_write(db, actor, customer),
            "kinds": FOLLOWUP_KINDS, "results": FOLLOWUP_RESULTS,
            "now": utcnow().astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")}


def _may_write(db: Any, actor: Any, customer: Customer) -> bool:
    """Whether the quick form is offered: the code, and the customer in the actor's update scope."""
    if not actor.can("crm.followup.create") or not actor.can("crm.customer.update"):
        return False
    return db.scalar(select(Customer.id).where(Customer.id == customer.id,
                                               scope(actor, Customer, "update"))) is not None


@routes.post("/customers/{id:int}/followups", name="followup_quick", permission="crm.followup.create")
def followup_quick(ctx: Ctx) -> Response:
    customer = get_for(ctx.db, ctx.user, Customer, ctx.params["id"], "update")
    values = {k: ctx.field(k) for k in ("kind", "contact_id", "happened_at", "content", "result",
                                        "next_contact_on", "duration_minutes", "cost")}
    try:
        with ctx.db.begin_nested():
            services.log_followup(ctx.db, ctx.user, customer.id, dict(values))
    except ValidationError as invalid:
        if not ctx.is_htmx:  # without JavaScript: back to the page, the first problem on top
            ctx.flash_problem(next(iter(invalid.errors.values())))
            return ctx.redirect("customer_detail", id=customer.id)
        errors = {k: ctx._(v) for k, v in invalid.errors.items()}
        context = panel_context(ctx.db, ctx.user, customer, values=values, errors=errors)
        return ctx.render("crm/_followup_panel.html", status=422, panel=_Panel(context))
    if not ctx.is_htmx:
        return ctx.redirect("customer_detail", id=customer.id, flash="saved")
    return ctx.render("crm/_followup_panel.html", panel=_Panel(panel_context(ctx.db, ctx.user, customer,
                                                                             saved=True)))


@dataclass
class _Panel:
    """The panel's partial reads ``panel.context``, as the record page gives it."""

    context: dict[str, Any]




def leads_panels(session: Any, record: Any, actor: Any) -> list[Any]:
    """The customer page's panels of this area: follow-ups (with the quick
    form) and care (``record_panels`` for ``crm.customer``)."""
    from core import Panel
    from plugins.crm.models.choices import CARE_KINDS, CARE_STATES
    from plugins.crm.services import care

    panels = []
    if actor.can("crm.followup.read") or actor.can("crm.followup.create"):
        panels.append(Panel("crm-followups", N_("Follow-ups"), "crm/_followup_panel.html",
                            panel_context(session, actor, record), order=40))
    if actor.can("crm.care.read"):
        panels.append(Panel("crm-care", N_("Customer care"), "crm/_care_panel.html",
                            {"customer": record, "cares": care.of_customer(session, actor, record.id),
                             "kinds": CARE_KINDS, "states": CARE_STATES,
                             "may_create": actor.can("crm.care.create")}, order=45))
    return panels


__all__ = ["followups", "leads_panels", "panel_context"]
