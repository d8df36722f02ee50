"""Everything the printing plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, JobDecl, MenuItem, Panel, PermissionDecl, RoleDecl, Routes, TaskDecl, hookimpl
from plugins.printing import (
    batches,
    issued,
    prints,
    routes_admin,  # noqa: F401 - registers the administrators' pages
)
from plugins.printing.demo import load_demo
from plugins.printing.models import MODELS
from plugins.printing.permissions import PERMISSIONS, ROLES
from plugins.printing.routes import routes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base


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
    return [MenuItem("print-templates", N_("Print templates"), "printing:template_list",
                     "printing.template.update", icon="template", section=N_("Administration"), order=910),
            MenuItem("print-settings", N_("Print settings"), "printing:letterhead_list",
                     "printing.letterhead.update", icon="printer", section=N_("Administration"), order=911)]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl(batches.TASK, batches.run, max_attempts=2, timeout_seconds=1800)]


@hookimpl
def register_jobs() -> list[JobDecl]:
    return [JobDecl(batches.PURGE_JOB, batches.purge, "40 3 * * *")]


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """Print (and issue) any record a document type prints; its issued copies."""
    registry = session.info.get("registry")
    decls = prints.decls_of(registry, model_key) if registry is not None else []
    if not decls or not hasattr(record, "id"):
        return []
    kept = any(d.keep_issued for d in decls)
    return [Panel("printing-print", N_("Print"), "printing/_record_panel.html", {
        "decls": decls, "record_id": record.id,
        "may_issue": kept and actor.can(f"{model_key}.print"),
        "copies": issued.copies_of(session, registry, model_key, record.id) if kept else [],
    }, order=40)]


@hookimpl
def list_actions(session: Session, model_key: str, actor: Actor) -> list[Panel]:
    """Print the list as filtered, many documents in one PDF."""
    registry = session.info.get("registry")
    if registry is None or not prints.decls_of(registry, model_key) or not actor.can(f"{model_key}.read"):
        return []
    return [Panel("printing-batch", N_("Print"), "printing/_list_button.html", {"model": model_key}, order=40)]


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    load_demo(session, orgs)


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    """A purged record takes its issued copies along; one in the recycle bin keeps them."""
    if not soft and hasattr(record, "id"):
        issued.purge_record(session, getattr(record, "__model_key__", ""), record.id)
