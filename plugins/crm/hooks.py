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
    WidgetDecl,
    hookimpl,
)
from plugins.crm import sales
from plugins.crm.models import MODELS
from plugins.crm.permissions import PERMISSIONS, ROLES
from plugins.crm.routes import routes
from plugins.crm.routes.pools import pools_panels
from plugins.crm.services import protection

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
    return [
        MenuItem("crm.customers", N_("Customers"), "crm:customer_list", "crm.customer.read", icon="building",
                 order=10),
        MenuItem("crm.contacts", N_("Contacts"), "crm:contact_list", "crm.contact.read", icon="address-book",
                 order=11),
        *sales.MENU,
        MenuItem("crm.pools", N_("Public pools"), "crm:pool_list", "crm.pool.read", icon="ripple", order=12),
        MenuItem("crm.pool_admin", N_("Public pools"), "crm:pool_admin", "crm.pool.update", icon="ripple",
                 section=N_("Administration"), order=920),
        MenuItem("crm.settings", N_("CRM settings"), "crm:settings_edit", "crm.settings.update",
                 icon="adjustments", section=N_("Administration"), order=921),
    ]


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    if model_key != "crm.customer":
        return []
    return [*pools_panels(session, record, actor), *sales.customer_panels(session, record, actor)]


@hookimpl
def list_actions(session: Session, model_key: str, actor: Actor) -> list[Panel]:
    return sales.list_actions(model_key, actor)


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    return sales.WIDGETS


@hookimpl
def register_report_datasets() -> list[DatasetDecl]:
    return sales.DATASETS


@hookimpl
def register_jobs() -> list[JobDecl]:
    return [JobDecl("crm.return_to_pool", protection.return_to_pool, "30 2 * * *")]


