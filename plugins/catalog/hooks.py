"""Everything the catalog registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import MenuItem, PermissionDecl, RoleDecl, RoleGrant, Routes, hookimpl
from plugins.catalog.models import MODELS
from plugins.catalog.permissions import PERMISSIONS, ROLE_GRANTS, ROLES
from plugins.catalog.routes import routes

if TYPE_CHECKING:
    from core import Base


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
    return []
