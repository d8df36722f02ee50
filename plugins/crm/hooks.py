"""Everything the CRM registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, DatasetDecl, MenuItem, Panel, PermissionDecl, RoleDecl, Routes, WidgetDecl, hookimpl
from plugins.crm import sales
from plugins.crm.models import MODELS
from plugins.crm.permissions import PERMISSIONS, ROLES
from plugins.crm.routes import routes

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
    ]


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    if model_key == "crm.customer":
        return sales.customer_panels(session, record, actor)
    return []


@hookimpl
def list_actions(session: Session, model_key: str, actor: Actor) -> list[Panel]:
    return sales.list_actions(model_key, actor)


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    return sales.WIDGETS


@hookimpl
def register_report_datasets() -> list[DatasetDecl]:
    return sales.DATASETS


