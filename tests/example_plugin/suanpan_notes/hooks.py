"""Everything the notes plugin registers: read this file first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import (
    N_,
    Column,
    Crud,
    DatasetDecl,
    Form,
    FormField,
    JobDecl,
    ListView,
    MenuItem,
    Panel,
    RoleDecl,
    Routes,
    Transition,
    WorkflowDecl,
    hookimpl,
    model_permissions,
)
from suanpan_notes import services
from suanpan_notes.models import Note

routes = Routes()
notes = Crud(
    model=Note, noun="note", path="", title=N_("Notes"), title_attr="title",
    list_view=ListView(Note, [
        Column("title", N_("Title"), link=True),
        Column("state", N_("State")),
        Column("updated_at", N_("Updated"), kind="datetime"),
    ], search=("title", "body")),
    form=Form([
        FormField("title", N_("Title"), required=True),
        FormField("body", N_("Body"), "textarea", max_length=5000),
    ]),
    create=services.create_note, update=services.update_note,
    detail_fields=[Column("title", N_("Title")), Column("body", N_("Body")), Column("state", N_("State"))],
)
notes.register(routes)
#: events seen by on_record_* hooks, so a test can watch them
EVENTS: list[tuple[str, str, int]] = []


def purge_old_drafts() -> None:
    """A scheduled job (the kernel's job runner calls it)."""


@hookimpl
def register_models():
    return [Note]


@hookimpl
def register_permissions():
    return model_permissions(Note)


@hookimpl
def register_roles():
    return [RoleDecl("writer", "便签作者", "Note writer", grants={
        "notes.note.read": "own", "notes.note.create": "own", "notes.note.update": "own",
        "notes.note.delete": "own"})]


@hookimpl
def register_routes():
    return routes


@hookimpl
def register_menu_items():
    return [MenuItem("notes", N_("Notes"), "notes:note_list", "notes.note.read", icon="note", order=50)]


@hookimpl
def register_workflows():
    return [WorkflowDecl(
        model="notes.note", states=("draft", "published"), initial="draft",
        transitions=(Transition("publish", ("draft",), "published", "notes.note.update"),),
        locked=("published",))]


@hookimpl
def register_report_datasets():
    return [DatasetDecl("notes.by_state", N_("Notes by state"), Note, ("state", "org_id"),
                        {"count": "count"})]


@hookimpl
def register_jobs():
    return [JobDecl("notes.purge_old_drafts", purge_old_drafts, "0 3 * * *")]


@hookimpl
def record_panels(session, model_key, record, actor):
    if model_key != "core.user":
        return []
    count = session.scalar(select(func.count()).select_from(Note).where(Note.owner_id == record.id))
    return [Panel("notes-count", N_("Notes"), "notes/_user_notes_panel.html", {"count": count})]


@hookimpl
def load_demo_data(session, orgs, users):
    for key, title in (("lina", "拜访北京百度客户的准备"), ("zhangwei", "季度销售计划"),
                       ("chenjie", "上海展会复盘")):
        if key in users:
            session.add(Note(org_id=session.get(_user(), users[key]).org_id, owner_id=users[key],
                             title=title, body=""))


def _user() -> Any:
    from core.models import User

    return User


@hookimpl
def on_record_created(session, actor, record):
    EVENTS.append(("created", record.__model_key__, record.id))


@hookimpl
def on_record_updated(session, actor, record, changes):
    EVENTS.append(("updated", record.__model_key__, record.id))


@hookimpl
def on_record_deleted(session, actor, record, soft):
    EVENTS.append(("deleted" if soft else "purged", record.__model_key__, record.id))
