"""The timeline of a record: its notes, activities and attachments, its
change history and what other plugins add, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Base, audit_trail, utcnow
from plugins.activity import kernel
from plugins.activity.models import KINDS, Activity, Attachment, Note
from plugins.activity.services.activities import may_update
from plugins.activity.services.records import allowed_ids, title_of
from plugins.activity.storage import DEFAULT_MAX_MB, BlobStore

LIMIT = 100
AUDIT_ACTIONS = {
    "create": N_("Created"), "update": N_("Changed"), "delete": N_("Deleted"),
    "restore": N_("Restored"), "purge": N_("Purged"), "share": N_("Shared"),
    "unshare": N_("Sharing stopped"),
}
ICONS = {"note": "note", "call": "phone", "visit": "map-pin", "meeting": "users",
         "task": "checkbox", "attachment": "paperclip", "audit": "history"}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline.

    ``title`` is a message id, translated when shown (with ``params``);
    ``body`` is text shown as written. Give a ``template`` (a partial of your
    plugin, rendered with ``entry``) to show more than that.
    """

    at: datetime
    kind: str
    title: str
    body: str = ""
    author: str = ""
    icon: str = "point"
    params: dict[str, Any] = field(default_factory=dict)
    template: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    key: str = ""


@dataclass
class Timeline:
    """What the timeline partial shows for one record."""

    model_key: str
    record: Any
    title: str
    entries: list[TimelineEntry]
    can_note: bool
    can_log: bool
    can_upload: bool
    assignees: list[tuple[int, str]]
    max_bytes: int
    kinds: dict[str, str] = field(default_factory=lambda: dict(KINDS))
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    form: str = ""  # which form the errors belong to: note, activity, attachment
    now: datetime = field(default_factory=utcnow)

    @property
    def record_id(self) -> int:
        return int(self.record.id)

    @property
    def max_mb(self) -> str:
        return f"{round(self.max_bytes / (1024 * 1024), 2):g}"


def timeline(session: Session, actor: Actor, model_key: str, record: Any, *,
             hook: Any = None, store: BlobStore | None = None, limit: int = LIMIT) -> Timeline:
    """The timeline of a record the caller has checked the actor may read.

    ``hook`` is the kernel's hook relay: other plugins' entries come from
    ``activity_timeline_entries``.
    """
    entries = _own_entries(session, actor, model_key, record.id, limit)
    entries += _audit_entries(session, actor, model_key, record, limit)
    if hook is not None:
        for group in hook.activity_timeline_entries(session=session, actor=actor,
                                                    model_key=model_key, record=record):
            entries.extend(group or ())
    entries.sort(key=lambda e: (e.at, e.key), reverse=True)
    return Timeline(
        model_key=model_key, record=record, title=title_of(record, actor), entries=entries[:limit],
        can_note=actor.can("activity.note.create"), can_log=actor.can("activity.activity.create"),
        can_upload=actor.can("activity.attachment.create"),
        assignees=kernel.assignable_users(session, actor) if actor.can("activity.activity.create") else [],
        max_bytes=store.max_bytes if store else DEFAULT_MAX_MB * 1024 * 1024)


def _rows(session: Session, model: type[Note | Activity | Attachment], model_key: str,
          record_id: int, limit: int) -> list[Any]:
    stmt = (select(model).where(model.record_model == model_key, model.record_id == record_id)
            .order_by(model.created_at.desc(), model.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def _deletable(session: Session, actor: Actor, model: type[Base], rows: list[Any]) -> set[int]:
    mine = {r.id for r in rows if r.owner_id == actor.user_id}
    return mine | allowed_ids(session, actor, model, [r.id for r in rows if r.id not in mine], "delete")


def _own_entries(session: Session, actor: Actor, model_key: str, record_id: int,
                 limit: int) -> list[TimelineEntry]:
    notes = _rows(session, Note, model_key, record_id, limit)
    activities = _rows(session, Activity, model_key, record_id, limit)
    files = _rows(session, Attachment, model_key, record_id, limit)
    who = kernel.names(session, [r.owner_id for r in (*notes, *activities, *files)]
                       + [a.assignee_id for a in activities])
    out = []
    can_delete = _deletable(session, actor, Note, notes)
    for n in notes:
        out.append(TimelineEntry(n.created_at, "note", N_("Timeline note"), n.body, who.get(n.owner_id, ""),
                                 ICONS["note"], template="activity/_entry_note.html",
                                 context={"note": n, "can_delete": n.id in can_delete},
                                 key=f"activity-note-{n.id}"))
    can_delete, can_update = _deletable(session, actor, Activity, activities), may_update(
        session, actor, activities)
    for a in activities:
        out.append(TimelineEntry(a.created_at, a.kind, KINDS.get(a.kind, a.kind), a.content,
                                 who.get(a.owner_id, ""), ICONS.get(a.kind, "point"),
                                 template="activity/_entry_activity.html",
                                 context={"activity": a, "assignee": who.get(a.assignee_id or 0, ""),
                                          "can_delete": a.id in can_delete,
                                          "can_update": a.id in can_update},
                                 key=f"activity-activity-{a.id}"))
    can_delete = _deletable(session, actor, Attachment, files)
    for f in files:
        out.append(TimelineEntry(f.created_at, "attachment", N_("File"), "", who.get(f.owner_id, ""),
                                 ICONS["attachment"], template="activity/_entry_attachment.html",
                                 context={"attachment": f, "can_delete": f.id in can_delete},
                                 key=f"activity-attachment-{f.id}"))
    return out


def _audit_entries(session: Session, actor: Actor, model_key: str, record: Any,
                   limit: int) -> list[TimelineEntry]:
    """The record's change history from the kernel (``core.audit_trail``:
    holders of ``core.audit.read`` only, fields they may see, references by name)."""
    out = []
    for entry in audit_trail(session, actor, record, limit=limit):
        out.append(TimelineEntry(entry.at, "audit", AUDIT_ACTIONS.get(entry.action, entry.action),
                                 author=entry.user_name, icon=ICONS["audit"],
                                 template="activity/_entry_audit.html",
                                 context={"changes": entry.changes, "system": entry.user_id is None},
                                 key=f"activity-audit-{entry.id}"))
    return out
