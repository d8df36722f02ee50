"""Everything the activity plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import AUTHENTICATED, N_, MenuItem, Panel, PermissionDecl, RoleDecl, Routes, hookimpl
from plugins.activity.models import MODELS
from plugins.activity.permissions import PERMISSIONS, ROLES
from plugins.activity.routes import routes
from plugins.activity.services.demo import load_demo
from plugins.activity.services.purge import purge_record
from plugins.activity.services.records import OWN_KEYS
from plugins.activity.services.timeline import timeline
from plugins.activity.storage import BlobStore

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
    return [MenuItem("tasks", N_("My tasks"), "activity:task_list", AUTHENTICATED,
                     icon="checklist", order=10)]


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """The timeline, on the page of every record (the page checked it may be read)."""
    if model_key in OWN_KEYS or not hasattr(record, "id"):
        return []
    view = timeline(session, actor, model_key, record, hook=session.info.get("hook"),
                    store=_store(session))
    # the timeline shows the change history itself: the kernel's panel would repeat it
    return [Panel("activity-timeline", N_("Timeline"), "activity/_record_panel.html",
                  {"timeline": view}, order=50, replaces=("audit",))]


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    load_demo(session, users)


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    """A purged record takes its notes, activities and files along; one in the
    recycle bin keeps them (it may come back)."""
    key = getattr(record, "__model_key__", "")
    if not soft and key not in OWN_KEYS and hasattr(record, "id"):
        purge_record(session, _store(session), key, record.id)


def _store(session: Session) -> BlobStore | None:
    settings = session.info.get("settings")  # set by the kernel for web requests
    return BlobStore.from_settings(settings) if settings is not None else None
