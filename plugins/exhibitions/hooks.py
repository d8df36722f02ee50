"""Everything the exhibitions plugin registers: read this file first.

The plugin has sixteen parts, each declaring its menu entries, jobs, prints,
datasets, widgets, searches, sequences, demo data and customer panels in a
module of its own (``parts/venues.py``: venues, halls, bookings, series and
editions; ``parts/plans.py``: floor plans and booths; ``parts/selling.py``:
pricing, applications, booth quotes and contracts, the pipeline;
``parts/apply.py``, ``parts/reports.py``; ``parts/services.py``: the
services sold to exhibitors and their orders; ``parts/visitors.py``:
visitors and the gates; ``parts/registration.py``: visitor
pre-registration, the e-ticket mail and the visitor badge;
``parts/badges.py``: exhibitor staff badges; ``parts/decoration.py``: stand
builders and special-decoration projects with their permits;
``parts/manual.py``: the exhibitor manual's forms, status board and
reminders; ``parts/storage.py``: advance-warehouse receipts and their
labels; ``parts/desk.py``: the on-site service desk; ``parts/portal.py``:
the exhibitor portal's accounts, directory profiles and leads; after the
show, ``parts/surveys.py``: post-show surveys and NPS,
``parts/rebooking.py``: offers for the next edition, ``parts/insights.py``:
segments, the rebooking model, service plans and the demo's history over
three editions). The
hooks below gather them, in that order.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from core import (
    DatasetDecl,
    JobDecl,
    MenuItem,
    Panel,
    PermissionDecl,
    PrintDecl,
    RoleDecl,
    RoleGrant,
    Routes,
    SearchDecl,
    SequenceDecl,
    TaskDecl,
    WidgetDecl,
    hookimpl,
)
from plugins.exhibitions.models import MODELS
from plugins.exhibitions.parts import (
    apply,
    badges,
    decoration,
    desk,
    insights,
    manual,
    plans,
    portal,
    rebooking,
    registration,
    reports,
    selling,
    services,
    storage,
    surveys,
    venues,
    visitors,
)
from plugins.exhibitions.permissions import PERMISSIONS, ROLE_GRANTS, ROLES
from plugins.exhibitions.routes import routes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base

PARTS: tuple[ModuleType, ...] = (venues, plans, selling, apply, reports, services, visitors, registration,
                                 badges, decoration, manual, storage, desk, portal, surveys, rebooking,
                                 insights)


def _gathered(name: str) -> list[Any]:
    return [item for part in PARTS for item in getattr(part, name, ())]


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
    return _gathered("MENU")


@hookimpl
def register_jobs() -> list[JobDecl]:
    return _gathered("JOBS")


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return _gathered("TASKS")


@hookimpl
def register_sequences() -> list[SequenceDecl]:
    return _gathered("SEQUENCES")


@hookimpl
def register_search() -> list[SearchDecl]:
    return _gathered("SEARCH")


@hookimpl
def register_print_templates() -> list[PrintDecl]:
    return _gathered("PRINTS")


@hookimpl
def register_report_datasets() -> list[DatasetDecl]:
    return _gathered("DATASETS")


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    return _gathered("WIDGETS")


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    """Each part's ``load_demo(session, orgs, users, made)``, in order; ``made``
    carries what one part made to the next (the venue, halls, editions)."""
    made: dict[str, Any] = {}
    for part in PARTS:
        load = getattr(part, "load_demo", None)
        if load is not None:
            load(session, orgs, users, made)


# ----------------------------------------------------------------- panels


@hookimpl
def crm_customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """The exhibitor on the customer 360 view: each part's panels."""
    out: list[Panel] = []
    for part in PARTS:
        panels = getattr(part, "customer_panels", None)
        if panels is not None:
            out += panels(session, actor, customer)
    return out


@hookimpl
def activity_timeline_entries(session: Session, actor: Actor, model_key: str, record: Any) -> list[Any]:
    """The exhibitor's timeline: each part's entries (the desk's requests)."""
    out: list[Any] = []
    for part in PARTS:
        entries = getattr(part, "timeline_entries", None)
        if entries is not None:
            out += entries(session, actor, model_key, record)
    return out


# ----------------------------------------------------------------- the sales plugin's hooks


@hookimpl
def sales_contract_approved(session: Session, actor: Actor | None, contract: Any) -> None:
    selling.on_contract_approved(session, actor, contract)


@hookimpl
def on_record_transitioned(session: Session, actor: Actor, record: Any, transition: str, from_state: str,
                           to_state: str, comment: str) -> None:
    """A booth contract terminated: its booths come free (the selling part)."""
    if getattr(record, "__model_key__", "") == "sales.contract":
        selling.on_contract_transitioned(session, record, transition)
