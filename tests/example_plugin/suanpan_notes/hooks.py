"""Everything the notes plugin registers: read this file first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import (
    N_,
    DatasetDecl,
    JobDecl,
    MenuItem,
    Panel,
    PermissionDecl,
    RoleDecl,
    Routes,
    SearchDecl,
    SequenceDecl,
    TaskDecl,
    WidgetDecl,
    WorkflowDecl,
    hookimpl,
)
from suanpan_notes import services
from suanpan_notes.models import Expense, Note
from suanpan_notes.permissions import PERMISSIONS, ROLES
from suanpan_notes.routes import routes
from suanpan_notes.workflows import WORKFLOWS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from core import Actor, Base

#: events seen by the on_record_* hooks, so a test can watch them
EVENTS: list[tuple[str, str, int]] = []


@hookimpl
def register_models() -> list[type[Base]]:
    return [Note, Expense]


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
    return [MenuItem("notes", N_("Notes"), "notes:note_list", "notes.note.read", icon="note",
                     order=50),
            MenuItem("expenses", N_("Expense claims"), "notes:expense_list", "notes.expense.read",
                     icon="receipt", order=51)]


@hookimpl
def register_workflows() -> list[WorkflowDecl]:
    return WORKFLOWS


@hookimpl
def register_report_datasets() -> list[DatasetDecl]:
    return [DatasetDecl("notes.by_state", N_("Notes by state"), Note, ("state", "org_id"),
                        {"count": "count"}),
            # expense claims by category, state, month (of created_at) and owner, with their sums
            DatasetDecl("notes.expenses", N_("Expense claims"), Expense,
                        ("category", "state", "created_at", "owner_id", "org_id"),
                        {"claims": "count", "amount": "sum:amount", "average": "avg:amount",
                         "claimants": "count_distinct:owner_id"},
                        filters=("category", "state", "created_at", "owner_id", "amount"),
                        labels={"claims": N_("Claims"), "amount": N_("Amount"),
                                "average": N_("Average amount"), "claimants": N_("Claimants"),
                                "created_at": N_("Created on")})]


@hookimpl
def register_widgets() -> list[WidgetDecl]:
    """A block for the dashboard's workbench: my claims by state."""
    return [WidgetDecl("notes.my_expenses", N_("My expense claims"), "notes/_widget_expenses.html",
                       services.my_expenses, permission="notes.expense.read", size="sm", icon="receipt")]


@hookimpl
def register_search() -> list[SearchDecl]:
    return [SearchDecl("notes.note", "title", text=("body",), icon="note"),
            SearchDecl("notes.expense", "title", icon="receipt")]


@hookimpl
def register_print_templates() -> list[Any]:
    """The expense claim prints as a 报销单 (the printing plugin renders it);
    issued copies are kept for the finance department."""
    from core import PrintDecl
    from suanpan_notes.printing import expense_context

    return [PrintDecl("notes.expense", N_("Expense claim"), Expense, "notes/print/expense.html",
                      context=expense_context, keep_issued=True)]


@hookimpl
def register_jobs() -> list[JobDecl]:
    return [JobDecl("notes.purge_old_drafts", services.purge_old_drafts, "0 3 * * *")]


@hookimpl
def register_tasks() -> list[TaskDecl]:
    return [TaskDecl("notes.reindex", services.reindex, max_attempts=3)]


@hookimpl
def register_sequences() -> list[SequenceDecl]:
    return [SequenceDecl("notes.note", N_("Note number"), "BQ-{year}-{seq:04}")]


@hookimpl
def record_panels(session: Session, model_key: str, record: Any, actor: Actor) -> list[Panel]:
    if model_key != "core.user" or not actor.can("notes.note.read"):
        return []
    count = services.count_visible(session, actor, record.id)
    return [Panel("notes-count", N_("Notes"), "notes/_user_notes_panel.html", {"count": count})]


@hookimpl
def load_demo_data(session: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    services.load_demo_notes(session, orgs, users)


@hookimpl
def on_record_created(session: Session, actor: Actor | None, record: Any) -> None:
    EVENTS.append(("created", record.__model_key__, record.id))


@hookimpl
def on_records_created(session: Session, actor: Actor | None, model: type[Base],
                       rows: Sequence[Mapping[str, Any]]) -> None:
    """Many at once (``core.create_many``): without this, the kernel would load
    each record to call ``on_record_created``."""
    EVENTS.extend(("created", model.__model_key__, row["id"]) for row in rows)


@hookimpl
def on_record_updated(
    session: Session, actor: Actor | None, record: Any, changes: dict[str, list[Any]]
) -> None:
    EVENTS.append(("updated", record.__model_key__, record.id))


@hookimpl
def on_record_deleted(session: Session, actor: Actor | None, record: Any, soft: bool) -> None:
    EVENTS.append(("deleted" if soft else "purged", record.__model_key__, record.id))


@hookimpl
def on_record_transitioned(
    session: Session, actor: Actor, record: Any, transition: str, from_state: str, to_state: str,
    comment: str,
) -> None:
    EVENTS.append((f"transitioned:{transition}", record.__model_key__, record.id))


# The dataio plugin's hooks: optional, so notes loads without it.
@hookimpl(optionalhook=True)
def dataio_importables() -> list[Any]:
    from plugins.dataio.api import ImportDecl

    return [ImportDecl("notes.note", match_keys=("title",)),
            ImportDecl("notes.expense", match_keys=("title",))]


@hookimpl(optionalhook=True)
def dataio_match_rules() -> list[Any]:
    from plugins.dataio.api import MatchRule

    return [MatchRule("notes.note", "title", "name", fuzzy=True)]
