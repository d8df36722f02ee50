"""The kernel's own registrations: the table of contents of core.admin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import approvals, audit
from core.admin import approvals as approval_pages
from core.admin.permissions import PERMISSIONS, ROLES
from core.admin.routes import routes
from core.admin.routes.choices import user_label
from core.db import Base, HasId
from core.hookspecs import hookimpl
from core.i18n import N_
from core.jobs import JobContext, purge_jobs
from core.models import KERNEL_MODELS, RecordShare, User
from core.permissions import Actor, scope
from core.registry import JobDecl, MenuItem, Panel, PermissionDecl, RoleDecl, SearchDecl
from core.web import AUTHENTICATED, Routes
from core.workflows import history


@hookimpl
def register_models() -> list[type[Base]]:
    return list(KERNEL_MODELS)


@hookimpl
def register_permissions() -> list[PermissionDecl]:
    return PERMISSIONS


@hookimpl
def register_roles() -> list[RoleDecl]:
    return ROLES


@hookimpl
def register_search() -> list[SearchDecl]:
    return [
        SearchDecl("core.user", "display_name", text=("username", "position"), phones=("phone",),
                   emails=("email",), subtitle="position", icon="user"),
        SearchDecl("core.org", "name", text=("name_en",), codes=("code",), icon="building"),
        SearchDecl("core.department", "name", text=("name_en",), icon="sitemap"),
    ]


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [
        MenuItem("home", N_("Workbench"), "core:workbench_home", AUTHENTICATED, icon="home", order=0),
        MenuItem("approvals", N_("Approvals"), "core:approval_inbox", AUTHENTICATED, icon="file-check",
                 order=5),
        MenuItem("orgs", N_("Organisations"), "core:org_list", "core.org.read",
                 icon="building", section=N_("Administration"), order=900),
        MenuItem("departments", N_("Departments"), "core:department_list", "core.department.read",
                 icon="sitemap", section=N_("Administration"), order=901),
        MenuItem("users", N_("Users"), "core:user_list", "core.user.read",
                 icon="users", section=N_("Administration"), order=902),
        MenuItem("roles", N_("Roles"), "core:role_list", "core.role.read",
                 icon="shield-lock", section=N_("Administration"), order=903),
        MenuItem("sequences", N_("Document numbering"), "core:sequence_list", "core.sequence.manage",
                 icon="list-numbers", section=N_("Administration"), order=904),
        MenuItem("workflows", N_("Workflows and approvals"), "core:workflow_list", "core.approval_chain.read",
                 icon="route", section=N_("Administration"), order=904),
        MenuItem("plugins", N_("Plugins"), "core:plugin_list", "core.plugin.manage",
                 icon="puzzle", section=N_("Administration"), order=904),
        MenuItem("recycle", N_("Recycle bin"), "core:recycle_bin", "core.recycle.read",
                 icon="trash", section=N_("Administration"), order=905),
        MenuItem("jobs", N_("Background jobs"), "core:job_list", "core.job.read",
                 icon="clock-play", section=N_("Administration"), order=906),
    ]


@hookimpl
def register_jobs() -> list[JobDecl]:
    return [JobDecl("core.purge_jobs", purge_jobs, "30 4 * * *"),
            JobDecl("core.approval_timeouts", approval_timeouts, "*/5 * * * *")]


def approval_timeouts(ctx: JobContext) -> None:
    """Remind and escalate approval steps past their timeout (core.approvals.sweep)."""
    result = approvals.sweep(ctx.session, ctx.kernel.registry)
    ctx.log(f"reminded {result.reminded}, escalated {result.escalated}")


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """The sharing panel and the audit trail of any record."""
    return [*_approval_panel(session, model_key, record, actor),
            *_workflow_panel(session, model_key, record, actor),
            *_sharing_panel(session, model_key, record, actor),
            *_audit_panel(session, model_key, record, actor)]


def _approval_panel(session: Session, model_key: str, record: HasId, actor: Actor) -> list[Panel]:
    """The record's latest approval: its steps, and the reader's own decision to make."""
    wf = session.info.get("workflows", {}).get(model_key)
    if wf is None or not wf.approvals:
        return []
    latest = approval_pages.requests_of(session, model_key, record.id)
    if not latest:
        return []
    view = approval_pages.request_view(session, session.info["registry"], actor, latest[0].id)
    return [Panel("approval", N_("Approval"), "core/_approval_panel.html",
                  {"view": view, "states": approval_pages.REQUEST_STATES,
                   "step_states": approval_pages.STEP_STATES, "task_states": approval_pages.TASK_STATES},
                  order=10)]


def _workflow_panel(session: Session, model_key: str, record: HasId, actor: Actor) -> list[Panel]:
    """The transitions a record went through, on models with a workflow."""
    wf = session.info.get("workflows", {}).get(model_key)
    if wf is None:
        return []
    rows = history(session, actor, model_key, record.id)
    names = {**approvals.EVENTS, "amend": N_("Amended"),
             **{t.name: t.label or t.name for t in wf.transitions}}
    return [Panel("workflow", N_("Workflow history"), "core/_workflow_panel.html",
                  {"rows": rows, "names": names, "wf": wf}, order=700)]


def _sharing_panel(session: Session, model_key: str, record: HasId, actor: Actor) -> list[Panel]:
    if not actor.can(f"{model_key}.share"):
        return []
    shares = list(session.execute(
        select(RecordShare.id, User.display_name, RecordShare.can_write)
        .join(User, User.id == RecordShare.user_id)
        .where(RecordShare.model == model_key, RecordShare.record_id == record.id)
        .order_by(User.display_name)))
    users = [(i, user_label(actor, i, n, u)) for i, n, u in session.execute(
        select(User.id, User.display_name, User.username)
        .where(scope(actor, User), User.active.is_(True), User.id != actor.user_id)
        .order_by(User.username).limit(500))]
    return [Panel("sharing", N_("Shared with"), "core/_sharing_panel.html",
                  {"shares": shares, "users": users, "model": model_key}, order=800)]


def _audit_panel(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """The audit trail of any record, for those who may read it."""
    if not actor.can("core.audit.read") or not getattr(record, "__audited__", False):
        return []
    entries = audit.trail(session, actor, record)
    return [Panel("audit", N_("Change history"), "core/_audit_panel.html", {"entries": entries},
                  order=900)]
