from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import Actor
from suanpan_notes.models import Note


def create_note(db: Session, actor: Actor, values: dict[str, Any]) -> Note:
    # org, owner and department come from the actor, never from the form (rule 8)
    note = Note(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                **values)
    db.add(note)
    return note


def update_note(db: Session, actor: Actor, note: Note, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(note, key, value)
