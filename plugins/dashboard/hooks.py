"""Everything the dashboard registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import N_, JobDecl, MenuItem, PermissionDecl, RoleDecl, Routes, TaskDecl, WidgetDecl, hookimpl
from plugins.dashboard.models import MODELS
from plugins.dashboard.permissions import PERMISSIONS, ROLES
from plugins.dashboard.routes import routes
from plugins.dashboard.routes.workbench import home
from plugins.dashboard.services import schedules
from plugins.dashboard.widgets import WIDGETS

if TYPE_CHECKING:
    from starlette.responses import Response

    from core import Base, Ctx


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
    return [MenuItem("reports", N_("Reports"), "dashboard:report_list", "dashboard.report.read",
                     icon="chart-bar", order=20),
            MenuItem("role-workbenches", N_("Role workbenches"), "dashboard:layout_list",
                     "dashboard.layout.update", icon="layout-dashboard", section=N_("Administration"),
                     order=909)]


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    return WIDGETS


@hookimpl
def home_page(ctx: Ctx) -> Response | None:
    """The workbench of widgets at ``/``."""
    return home(ctx)


@hookimpl
def register_jobs() -> list[JobDecl]:
    """Every hour: e-mail the saved reports whose schedule is due."""
    return [JobDecl(schedules.JOB, schedules.send_due, "0 * * * *")]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl(schedules.TASK, schedules.send, max_attempts=3, timeout_seconds=600)]
