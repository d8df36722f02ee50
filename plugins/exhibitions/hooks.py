"""Everything the exhibitions plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import PermissionDecl, RoleDecl, RoleGrant, Routes, hookimpl
from plugins.exhibitions.models import MODELS
from plugins.exhibitions.permissions import PERMISSIONS, ROLE_GRANTS, ROLES
from plugins.exhibitions.routes import routes

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
