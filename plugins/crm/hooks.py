"""Everything the CRM registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, JobDecl, MenuItem, Panel, PermissionDecl, RoleDecl, Routes, hookimpl
from plugins.crm.models import MODELS
from plugins.crm.permissions import PERMISSIONS, ROLES
from plugins.crm.routes import routes
from plugins.crm.services import segments, sfa_run, value
from plugins.crm.value_panels import value_area_panels

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base, JobContext


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
        MenuItem("crm.sfa", N_("SFA workbench"), "crm:sfa_workbench", "crm.enrollment.read", icon="list-check",
                 order=16),
        MenuItem("crm.segments", N_("Segments"), "crm:segment_list", "crm.segment.read", icon="filter",
                 order=17),
        MenuItem("crm.value", N_("Customer value"), "crm:value_report", "crm.customer_value.read",
                 icon="chart-dots", order=18),
        MenuItem("crm.sequences", N_("SFA sequences"), "crm:sequence_list", "crm.sequence.read",
                 icon="route", order=19),
    ]


# ------------------------------------------------------------------ segments, value, SFA (area "value")


@hookimpl
def register_jobs() -> list[JobDecl]:
    return [
        JobDecl("crm.refresh_segments", _refresh_segments, "30 2 * * *"),
        JobDecl("crm.compute_value", _compute_value, "0 3 * * *"),
        JobDecl("crm.run_sequences", sfa_run.run_sequences, "5 * * * *"),
    ]


def _refresh_segments(ctx: JobContext) -> None:
    ctx.log(f"{segments.refresh_all(ctx.session)} segments refreshed")


def _compute_value(ctx: JobContext) -> None:
    org_id = ctx.payload.get("org_id") if isinstance(ctx.payload, dict) else None
    ctx.log(f"{value.compute_all(ctx.kernel, int(org_id) if org_id else None)} customers scored")


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    if model_key != "crm.customer":
        return []
    return value_area_panels(session, record, actor)


@hookimpl
def on_record_updated(session: Session, actor: Actor | None, record: Any,
                      changes: dict[str, list[Any]]) -> None:
    if record.__model_key__ == "activity.activity" and "done_at" in changes:
        sfa_run.task_changed(session, record.id, changes["done_at"][1] is not None)


@hookimpl
def activity_delivery_finished(session: Session, delivery_id: int, ref: str, sent: bool, error: str) -> None:
    sfa_run.delivery_finished(session, ref, sent, error)


