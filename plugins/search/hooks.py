"""Everything the search plugin registers: read this file first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core import N_, MenuItem, PermissionDecl, Routes, TaskDecl, hookimpl
from plugins.search import tasks
from plugins.search.index import index_record, index_rows, remove_record
from plugins.search.models import MODELS
from plugins.search.permissions import PERMISSIONS
from plugins.search.routes import routes

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
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [MenuItem("search-index", N_("Search index"), "search:index_detail", "search.entry.update",
                     icon="search", section=N_("Administration"), order=909)]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl(tasks.TASK, tasks.run, max_attempts=3, timeout_seconds=3600)]


# The index follows every write in the writing transaction: a rollback
# takes the entry back with the record.


@hookimpl
def on_record_created(session: Session, actor: Actor | None, record: Any) -> None:
    index_record(session, session.info["registry"], record)


@hookimpl
def on_records_created(session: Session, actor: Actor | None, model: type[Base],
                       rows: Sequence[Mapping[str, Any]]) -> None:
    index_rows(session, session.info["registry"], model, rows)


@hookimpl
def on_record_updated(session: Session, actor: Actor | None, record: Any,
                      changes: dict[str, list[Any]]) -> None:
    """Also a restore from the recycle bin (``deleted_at`` back to empty)."""
    index_record(session, session.info["registry"], record)


@hookimpl
def on_field_rules_changed(session: Session, role_id: int, model_keys: list[str]) -> None:
    """Hidden fields are kept out of a record's main entry: rebuild the
    entries of the models whose rules changed, so a newly hidden field stops
    matching for the readers it is hidden from."""
    declared = [key for key in model_keys if key in session.info["registry"].search]
    if declared:
        tasks.queue(session, declared)


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    """In the recycle bin or purged: out of the index either way."""
    key = getattr(record, "__model_key__", "")
    if key in session.info["registry"].search and getattr(record, "id", None) is not None:
        remove_record(session, key, record.id)


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    """Other plugins may load theirs after ours: index everything once all is committed."""
    tasks.queue(session)
