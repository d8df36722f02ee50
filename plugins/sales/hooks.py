"""Everything the sales plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import (
    N_,
    MenuItem,
    PermissionDecl,
    RoleDecl,
    RoleGrant,
    Routes,
    SequenceDecl,
    WidgetDecl,
    WorkflowDecl,
    hookimpl,
)
from plugins.sales import widgets
from plugins.sales.models import MODELS
from plugins.sales.permissions import PERMISSIONS, ROLE_GRANTS, ROLES
from plugins.sales.routes import routes
from plugins.sales.workflows import WORKFLOWS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base


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
def register_role_grants() -> list[RoleGrant]:
    return ROLE_GRANTS


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [*widgets.MENU]


@hookimpl
def register_workflows() -> list[WorkflowDecl]:
    return WORKFLOWS


@hookimpl
def register_sequences() -> list[SequenceDecl]:
    return [SequenceDecl("sales.quote", N_("Quote number"), "BJ-{year}-{seq:05}"),
            SequenceDecl("sales.contract", N_("Contract number"), "HT-{year}-{seq:05}")]


# ----------------------------------------------------------------- targets and commissions


@hookimpl
def sales_receipt_recorded(session: Session, actor: Actor | None, receipt: Any, reversed: bool) -> None:
    """Commissions: the receipt's month is computed again (plugins.sales.services.commissions)."""
    from plugins.sales.services.commissions import on_receipt

    on_receipt(session, receipt, reversed)


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    return widgets.WIDGETS
