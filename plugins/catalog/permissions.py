"""Permission codes of the catalog and its product manager role, as data.

Everyone who sells reads the whole catalog (scope ``all``: one group, one
catalog); the product manager of an organisation maintains its products,
categories and price lists. Currencies, rates and units are
installation-wide and kept by whoever holds ``catalog.currency.update`` /
``catalog.unit.update``.
"""

from __future__ import annotations

from core import N_, PermissionDecl, RoleDecl, RoleGrant, model_permissions
from plugins.catalog.models import Category, PriceList, Product

PERMISSIONS: list[PermissionDecl] = [
    *model_permissions(Product, ("read", "create", "update", "delete", "export", "import")),
    *model_permissions(Category, ("read", "create", "update", "delete")),
    *model_permissions(PriceList, ("read", "create", "update", "delete", "export", "import")),
    PermissionDecl("catalog.currency.read", N_("See currencies and exchange rates")),
    PermissionDecl("catalog.currency.create", N_("Add currencies")),
    PermissionDecl("catalog.currency.update", N_("Keep currencies and exchange rates")),
    PermissionDecl("catalog.unit.read", N_("See units of measure")),
    PermissionDecl("catalog.unit.create", N_("Add units of measure")),
    PermissionDecl("catalog.unit.update", N_("Keep units of measure")),
]

#: what everyone who sells may read
READ_ALL = {"catalog.product.read": "all", "catalog.category.read": "all", "catalog.price_list.read": "all",
            "catalog.currency.read": "all", "catalog.unit.read": "all"}

ROLES: list[RoleDecl] = [
    RoleDecl("manager", "产品管理员", "Product manager", grants={
        **READ_ALL,
        **{f"catalog.product.{a}": "org" for a in ("create", "update", "delete", "export", "import")},
        **{f"catalog.category.{a}": "org" for a in ("create", "update", "delete")},
        **{f"catalog.price_list.{a}": "org" for a in ("create", "update", "delete", "export", "import")},
        "catalog.currency.create": "all", "catalog.currency.update": "all",
        "catalog.unit.create": "all", "catalog.unit.update": "all",
    }, description=N_("Keeps the organisation's products, categories and price lists, and the "
                      "currencies, exchange rates and units everyone uses.")),
]

#: the CRM's sales roles read the catalog (when the CRM is on)
ROLE_GRANTS: list[RoleGrant] = [
    RoleGrant(role, READ_ALL) for role in ("crm.salesperson", "crm.manager", "crm.director")
]
