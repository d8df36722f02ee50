"""Everything the customfields plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import N_, ExtraField, MenuItem, PermissionDecl, Routes, hookimpl
from plugins.customfields import services
from plugins.customfields.models import MODELS
from plugins.customfields.permissions import PERMISSIONS
from plugins.customfields.routes import routes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Base


@hookimpl
def register_models() -> list[type[Base]]:
    return list(MODELS)


@hookimpl
def register_permissions() -> list[PermissionDecl]:
    return PERMISSIONS


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [MenuItem("custom-fields", N_("Custom fields"), "customfields:model_list",
                     "customfields.field.read", icon="forms", section=N_("Administration"), order=904)]


@hookimpl
def extra_fields(session: Session, model_key: str) -> list[ExtraField]:
    """The active fields of ``model_key`` (one query; the kernel caches the answer)."""
    return services.active_fields(session, model_key)
