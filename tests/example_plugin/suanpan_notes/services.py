"""Domain operations on notes: plain functions taking (session, actor, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import Actor, scope
from suanpan_notes.models import Note

#: (demo user key, demo org key, title) for ``load_demo_data``
DEMO_NOTES = (
    ("lina", "HQ", "拜访北京百度客户的准备"),
    ("zhangwei", "HQ", "季度销售计划"),
    ("chenjie", "EAST", "上海展会复盘"),
)


def create_note(db: Session, actor: Actor, values: dict[str, Any]) -> Note:
    # org, owner and department come from the actor, never from the form (rule 8)
    note = Note(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                **values)
    db.add(note)
    return note


def update_note(db: Session, actor: Actor, note: Note, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(note, key, value)


def count_visible(db: Session, actor: Actor, owner_id: int) -> int:
    """Notes of ``owner_id`` that ``actor`` may read: the same predicate as the list."""
    stmt = select(func.count()).select_from(Note).where(
        Note.owner_id == owner_id, scope(actor, Note, "read"))
    return db.scalar(stmt) or 0


def purge_old_drafts() -> None:
    """A scheduled job, declared through ``register_jobs``."""


def load_demo_notes(db: Session, orgs: Mapping[str, int], users: Mapping[str, int]) -> None:
    for user, org, title in DEMO_NOTES:
        if user in users and org in orgs:
            db.add(Note(org_id=orgs[org], owner_id=users[user], title=title, body=""))
