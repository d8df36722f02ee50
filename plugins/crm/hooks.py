"""Everything the CRM registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import (
    N_,
    DatasetDecl,
    JobDecl,
    MenuItem,
    Panel,
    PermissionDecl,
    RoleDecl,
    Routes,
    SearchDecl,
    TaskDecl,
    WidgetDecl,
    WorkflowDecl,
    hookimpl,
)
from plugins.crm import sales
from plugins.crm.models import MODELS, Lead
from plugins.crm.permissions import PERMISSIONS, ROLES
from plugins.crm.routes import routes
from plugins.crm.routes.pools import pools_panels
from plugins.crm.services import care, followups, leads, protection, segments, sfa_run, value
from plugins.crm.value_panels import value_area_panels

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base, JobContext
    from plugins.activity.api import TimelineEntry
    from plugins.dataio.api import ImportDecl, MatchRule


# ----------------------------------------------------------------- declarations


@hookimpl
def register_models() -> list[type[Base]]:
    return list(MODELS)


@hookimpl
def register_permissions() -> list[PermissionDecl]:
    return PERMISSIONS


@hookimpl
def register_roles() -> list[RoleDecl]:
    return ROLES


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [
        MenuItem("crm.customers", N_("Customers"), "crm:customer_list", "crm.customer.read", icon="building",
                 order=10),
        MenuItem("crm.contacts", N_("Contacts"), "crm:contact_list", "crm.contact.read", icon="address-book",
                 order=11),
        MenuItem("crm.pools", N_("Public pools"), "crm:pool_list", "crm.pool.read", icon="ripple", order=12),
        MenuItem("crm.leads", N_("Leads"), "crm:lead_list", "crm.lead.read", icon="user-search", order=13),
        MenuItem("crm.followups", N_("Follow-ups"), "crm:followup_list", "crm.followup.read",
                 icon="message-dots", order=14),
        *sales.MENU,
        MenuItem("crm.sfa", N_("SFA workbench"), "crm:sfa_workbench", "crm.enrollment.read", icon="list-check",
                 order=24),
        MenuItem("crm.segments", N_("Segments"), "crm:segment_list", "crm.segment.read", icon="chart-pie",
                 order=25),
        MenuItem("crm.value", N_("Customer value"), "crm:value_report", "crm.customer_value.read",
                 icon="chart-dots", order=26),
        MenuItem("crm.sequences", N_("SFA sequences"), "crm:sequence_list", "crm.sequence.read",
                 icon="route", order=27),
        MenuItem("crm.care_mine", N_("My care to do"), "crm:care_mine", "crm.care.read", icon="heart-handshake",
                 order=30),
        MenuItem("crm.care_plans", N_("Care plans"), "crm:care_plan_list", "crm.care_plan.read",
                 icon="calendar-heart", order=31),
        MenuItem("crm.lead_report", N_("Leads by source"), "crm:lead_report", "crm.lead.read",
                 icon="chart-funnel", order=32),
        MenuItem("crm.webforms", N_("Web forms"), "crm:webform_list", "crm.webform.update", icon="forms",
                 section=N_("Administration"), order=919),
        MenuItem("crm.pool_admin", N_("Public pools"), "crm:pool_admin", "crm.pool.update", icon="ripple",
                 section=N_("Administration"), order=920),
        MenuItem("crm.settings", N_("CRM settings"), "crm:settings_edit", "crm.settings.update",
                 icon="adjustments", section=N_("Administration"), order=921),
    ]


@hookimpl
def register_workflows() -> list[WorkflowDecl]:
    return [leads.WORKFLOW]


@hookimpl
def register_jobs() -> list[JobDecl]:
    return [
        JobDecl("crm.return_to_pool", protection.return_to_pool, "30 2 * * *"),
        JobDecl("crm.care_plans", care.run_care_plans, "30 6 * * *"),
        JobDecl("crm.birthdays", care.run_birthdays, "0 8 * * *"),
        JobDecl("crm.refresh_segments", _refresh_segments, "0 2 * * *"),
        JobDecl("crm.compute_value", _compute_value, "0 3 * * *"),
        JobDecl("crm.run_sequences", sfa_run.run_sequences, "5 * * * *"),
    ]


def _refresh_segments(ctx: JobContext) -> None:
    ctx.log(f"{segments.refresh_all(ctx.session)} segments refreshed")


def _compute_value(ctx: JobContext) -> None:
    org_id = ctx.payload.get("org_id") if isinstance(ctx.payload, dict) else None
    ctx.log(f"{value.compute_all(ctx.kernel, int(org_id) if org_id else None)} customers scored")


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl("crm.birthday_notice", care.birthday_notice, max_attempts=3)]


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    return sales.WIDGETS


@hookimpl
def register_report_datasets() -> list[DatasetDecl]:
    # every converted lead made a contact of its own: counting distinct contacts counts conversions
    return [*sales.DATASETS,
            DatasetDecl("crm.leads", N_("Leads"), Lead,
                        ("source", "campaign", "state", "owner_id", "webform_id", "created_at"),
                        {"leads": "count", "converted": "count_distinct:contact_id"},
                        filters=("source", "campaign", "state", "owner_id", "created_at"),
                        labels={"leads": N_("Leads"), "converted": N_("Converted")})]


# ----------------------------------------------------------------- UI slots


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    if model_key != "crm.customer":
        return []
    from plugins.crm.routes.followups import leads_panels

    return [*pools_panels(session, record, actor), *leads_panels(session, record, actor),
            *sales.customer_panels(session, record, actor), *value_area_panels(session, record, actor)]


@hookimpl
def list_actions(session: Session, model_key: str, actor: Actor) -> list[Panel]:
    if model_key == "crm.customer":
        # the batch menu of the customer list (the rows' checkboxes)
        return [Panel("crm-batch", N_("Batch actions"), "crm/_customer_batch_menu.html", order=40)]
    return sales.list_actions(model_key, actor)


@hookimpl
def form_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """The customer form's duplicate prompt, in place of dataio's plain one:
    it says who owns a customer the user may not read, or that it is in a pool."""
    if model_key != "crm.customer":
        return []
    return [Panel("crm-duplicates", N_("Possible duplicates"), "crm/_customer_duplicates_panel.html",
                  {"exclude": getattr(record, "id", "")}, order=40, replaces=("dataio-duplicates",))]


# ----------------------------------------------------------------- other plugins' hooks


@hookimpl
def activity_timeline_entries(session: Session, actor: Actor, model_key: str,
                              record: Any) -> list[TimelineEntry]:
    if model_key != "crm.customer":
        return []
    return followups.timeline_entries(session, actor, record)


@hookimpl
def register_search() -> list[SearchDecl]:
    return [
        SearchDecl("crm.customer", "name", text=("short_name", "name_en"), phones=("phone",),
                   emails=("email",), codes=("uscc",), subtitle="city", icon="building"),
        SearchDecl("crm.contact", "name", text=("position",), phones=("mobile", "phone"), emails=("email",),
                   subtitle="position", icon="user"),
    ]


@hookimpl
def activity_delivery_finished(session: Session, delivery_id: int, ref: str, sent: bool, error: str) -> None:
    sfa_run.delivery_finished(session, ref, sent, error)


@hookimpl
def dataio_importables() -> list[ImportDecl]:
    from plugins.dataio.api import ImportDecl

    return [ImportDecl("crm.customer", match_keys=("name", "uscc")),
            ImportDecl("crm.contact", match_keys=("mobile", "email")),
            ImportDecl("crm.lead", match_keys=("mobile", "email", "id"))]


@hookimpl
def dataio_match_rules() -> list[MatchRule]:
    from plugins.dataio.api import MatchRule

    return [
        MatchRule("crm.customer", "name", "name", fuzzy=True), MatchRule("crm.customer", "uscc", "uscc"),
        MatchRule("crm.customer", "phone", "phone"), MatchRule("crm.customer", "email", "email"),
        MatchRule("crm.contact", "mobile", "phone"), MatchRule("crm.contact", "phone", "phone"),
        MatchRule("crm.contact", "email", "email"),
        MatchRule("crm.lead", "mobile", "phone"), MatchRule("crm.lead", "phone", "phone"),
        MatchRule("crm.lead", "email", "email"), MatchRule("crm.lead", "company", "name", fuzzy=True),
    ]


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    from plugins.crm.services import demo

    demo.load(session, orgs, users)


# ----------------------------------------------------------------- events


@hookimpl
def on_record_updated(session: Session, actor: Actor | None, record: Any,
                      changes: dict[str, list[Any]]) -> None:
    followups.guard_lock(session, record, changes)
    if record.__model_key__ == "activity.activity" and "done_at" in changes:
        sfa_run.task_changed(session, record.id, changes["done_at"][1] is not None)


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    if soft:
        followups.guard_lock(session, record, None)


@hookimpl
def on_record_transitioned(session: Session, actor: Actor, record: Any, transition: str, from_state: str,
                           to_state: str, comment: str) -> None:
    leads.on_transitioned(session, record, to_state, comment)
