"""Everything the CRM registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import N_, MenuItem, PermissionDecl, RoleDecl, Routes, hookimpl
from plugins.crm.models import MODELS
from plugins.crm.permissions import PERMISSIONS, ROLES
from plugins.crm.routes import routes

if TYPE_CHECKING:
    from core import Base


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
    ]


