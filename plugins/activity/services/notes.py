"""Notes: plain text written on a record."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError
from plugins.activity.models import Note
from plugins.activity.services.records import (
    Models,
    check_parent,
    clean_text,
    get_entry,
    owned_by,
    require,
)

MAX_CHARS = 10_000


def add_note(session: Session, actor: Actor, parent: Any, body: object) -> Note:
    """Write a note on a record the actor can read (``activity.note.create``)."""
    actor.require("activity.note.create")
    parent = check_parent(session, actor, parent)
    try:
        text = clean_text(body, max_chars=MAX_CHARS)
    except ValueError:
        raise ValidationError({"body": N_("The note is too long.")}) from None
    if not text:
        raise ValidationError({"body": N_("Write something first.")})
    note = Note(record_model=parent.__model_key__, record_id=parent.id, body=text, **owned_by(actor, parent))
    session.add(note)
    session.flush()
    return note


def delete_note(session: Session, actor: Actor, models: Models, note_id: Any) -> Note:
    """Delete a note: one's own, or another's with ``activity.note.delete`` in its scope."""
    note, _parent = get_entry(session, actor, models, Note, note_id)
    require(session, actor, note, "delete")
    session.delete(note)
    session.flush()
    return note
