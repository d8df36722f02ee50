"""Everything the dataio plugin registers: read this file first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core import AUTHENTICATED, N_, MenuItem, Panel, PermissionDecl, Routes, TaskDecl, hookimpl
from plugins.dataio import duplicates, services
from plugins.dataio.api import ImportDecl, MatchRule
from plugins.dataio.models import Batch, BatchRow, ExportTemplate, MatchKey, MergeLog, SavedMapping
from plugins.dataio.permissions import PERMISSIONS
from plugins.dataio.routes import routes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Base


@hookimpl
def register_models() -> list[type[Base]]:
    return [Batch, BatchRow, SavedMapping, ExportTemplate, MatchKey, MergeLog]


@hookimpl
def register_permissions() -> list[PermissionDecl]:
    return PERMISSIONS


@hookimpl
def register_routes() -> Routes:
    return routes


@hookimpl
def register_menu_items() -> list[MenuItem]:
    return [MenuItem("dataio", N_("Import and export"), "dataio:importable_list", AUTHENTICATED,
                     icon="file-import", section=N_("Tools"), order=900)]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl("dataio.check", services.check_task, max_attempts=1, timeout_seconds=3600,
                     on_give_up=services.give_up),
            TaskDecl("dataio.commit", services.commit_task, max_attempts=1, timeout_seconds=3600,
                     on_give_up=services.give_up)]


@hookimpl
def list_actions(session: Session, model_key: str, actor: Actor) -> list[Panel]:
    """Export (and import, for importable models) buttons on every list page."""
    can_export = actor.can(f"{model_key}.export")
    can_import = actor.can(f"{model_key}.import") and model_key in _importable(session)
    if not (can_export or can_import):
        return []
    return [Panel("dataio-actions", N_("Import and export"), "dataio/_list_actions.html",
                  {"model": model_key, "export": can_export, "import": can_import}, order=50)]


@hookimpl
def form_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    """On a new record's form of a model with match rules: possible duplicates,
    looked up as the fields change, before saving."""
    if record is not None or not duplicates.rules_of(session, model_key):
        return []
    return [Panel("dataio-duplicates", N_("Possible duplicates"), "dataio/_form_duplicates.html",
                  {"model": model_key}, order=50)]


def _importable(session: Session) -> set[str]:
    from plugins.dataio.importer import targets

    hook, registry = session.info.get("hook"), session.info.get("registry")
    return set(targets(hook, registry)) if hook is not None and registry is not None else set()


@hookimpl
def dataio_importables() -> list[ImportDecl]:
    # the kernel's departments; users are left out: an import must not set passwords
    return [ImportDecl("core.department", match_keys=("name",))]


@hookimpl
def dataio_match_rules() -> list[MatchRule]:
    return [MatchRule("core.user", "email", "email")]


@hookimpl
def on_record_created(session: Session, actor: Actor | None, record: Any) -> None:
    duplicates.sync_record(session, record, new=True)


@hookimpl
def on_records_created(session: Session, actor: Actor | None, model: type[Base],
                       rows: Sequence[Mapping[str, Any]]) -> None:
    duplicates.sync_rows(session, model.__model_key__, rows)


@hookimpl
def on_record_updated(
    session: Session, actor: Actor | None, record: Any, changes: dict[str, list[Any]]
) -> None:
    if any(r.field in changes for r in duplicates.rules_of(session, record.__model_key__)):
        duplicates.sync_record(session, record)


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    if not soft and duplicates.rules_of(session, record.__model_key__):
        duplicates.forget_record(session, record.__model_key__, record.id)
