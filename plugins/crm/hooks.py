"""Everything the CRM registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import N_, MenuItem, Panel, PermissionDecl, RoleDecl, Routes, SearchDecl, hookimpl
from plugins.crm.models import MODELS
from plugins.crm.permissions import PERMISSIONS, ROLES
from plugins.crm.routes import routes
from plugins.dataio.api import ImportDecl, MatchRule

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
    ]




# ------------------------------------------------------------------ customers and contacts


@hookimpl
def register_search() -> list[SearchDecl]:
    return [
        SearchDecl("crm.customer", "name", text=("short_name", "name_en"), phones=("phone",),
                   emails=("email",), codes=("uscc",), subtitle="city", icon="building"),
        SearchDecl("crm.contact", "name", text=("position",), phones=("mobile", "phone"), emails=("email",),
                   subtitle="position", icon="user"),
    ]


@hookimpl
def dataio_match_rules() -> list[MatchRule]:
    return [
        MatchRule("crm.customer", "name", "name", fuzzy=True), MatchRule("crm.customer", "uscc", "uscc"),
        MatchRule("crm.customer", "phone", "phone"), MatchRule("crm.customer", "email", "email"),
        MatchRule("crm.contact", "mobile", "phone"), MatchRule("crm.contact", "phone", "phone"),
        MatchRule("crm.contact", "email", "email"),
    ]


@hookimpl
def dataio_importables() -> list[ImportDecl]:
    return [ImportDecl("crm.customer", match_keys=("name", "uscc")),
            ImportDecl("crm.contact", match_keys=("mobile", "email"))]


@hookimpl
def form_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """The customer form's duplicate prompt, in place of dataio's plain one:
    it says who owns a customer the user may not read, or that it is in a pool."""
    if model_key != "crm.customer":
        return []
    return [Panel("crm-duplicates", N_("Possible duplicates"), "crm/_customer_duplicates_panel.html",
                  {"exclude": getattr(record, "id", "")}, order=40, replaces=("dataio-duplicates",))]


@hookimpl
def list_actions(session: Session, model_key: str, actor: Actor) -> list[Panel]:
    """The batch menu of the customer list (the rows' checkboxes)."""
    if model_key != "crm.customer":
        return []
    return [Panel("crm-batch", N_("Batch actions"), "crm/_customer_batch_menu.html", order=40)]


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    from plugins.crm.services import demo

    demo.load(session, orgs, users)
