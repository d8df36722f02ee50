"""Everything the catalog registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import N_, MenuItem, PermissionDecl, RoleDecl, RoleGrant, Routes, SearchDecl, hookimpl
from plugins.catalog.models import MODELS
from plugins.catalog.permissions import PERMISSIONS, ROLE_GRANTS, ROLES
from plugins.catalog.routes import routes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Base
    from plugins.dataio.api import ImportDecl


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
    catalog, admin = N_("Catalog"), N_("Administration")
    return [
        MenuItem("catalog.products", N_("Products"), "catalog:product_list", "catalog.product.read",
                 icon="package", section=catalog, order=40),
        MenuItem("catalog.price_lists", N_("Price lists"), "catalog:price_list_list", "catalog.price_list.read",
                 icon="report-money", section=catalog, order=41),
        MenuItem("catalog.categories", N_("Categories"), "catalog:category_list", "catalog.category.read",
                 icon="category", section=catalog, order=42),
        MenuItem("catalog.currencies", N_("Currencies and exchange rates"), "catalog:currency_list",
                 "catalog.currency.update", icon="currency-yuan", section=admin, order=930),
        MenuItem("catalog.units", N_("Units"), "catalog:unit_list", "catalog.unit.update", icon="ruler-measure",
                 section=admin, order=931),
    ]


# ----------------------------------------------------------------- other plugins' hooks


@hookimpl
def register_search() -> list[SearchDecl]:
    return [SearchDecl("catalog.product", "name", text=("name_en", "spec"), codes=("code", "barcode"),
                       subtitle="code", icon="package")]


@hookimpl
def dataio_importables() -> list[ImportDecl]:
    from plugins.dataio.api import ImportDecl

    return [ImportDecl("catalog.product", match_keys=("code", "id"))]


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    from plugins.catalog.services import demo

    demo.load(session, orgs, users)
