"""Domain operations on notes: plain functions taking (session, actor, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import Actor, Ctx, JobContext, ReportQuery, aggregate, create_many, scope, utcnow
from suanpan_notes.models import Expense, Note

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


def create_notes(db: Session, actor: Actor, rows: list[dict[str, Any]]) -> list[int]:
    """Many notes at once (an import): ``create_note`` sets nothing but the
    values and the actor's ownership, which ``create_many`` does too."""
    return create_many(db, actor, Note, rows)


def my_expenses(ctx: Ctx) -> dict[str, Any]:
    """The workbench widget: my own claims by state, counted by the kernel's
    report service (``notes.expenses``) with my permissions."""
    query = ReportQuery("notes.expenses", rows=("state",), measures=("claims", "amount"),
                        filters={"owner_id": [ctx.user.user_id]})
    return {"result": aggregate(ctx.db, ctx.user, ctx.kernel.registry, query)}


def create_expense(db: Session, actor: Actor, values: dict[str, Any]) -> Expense:
    expense = Expense(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                      **values)
    db.add(expense)
    return expense


def update_note(db: Session, actor: Actor, note: Note, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(note, key, value)


def count_visible(db: Session, actor: Actor, owner_id: int) -> int:
    """Notes of ``owner_id`` that ``actor`` may read: the same predicate as the list."""
    stmt = select(func.count()).select_from(Note).where(
        Note.owner_id == owner_id, scope(actor, Note, "read"))
    return db.scalar(stmt) or 0


#: drafts untouched for this long go to the recycle bin (``notes.purge_old_drafts``)
DRAFT_LIFETIME = timedelta(days=90)


def purge_old_drafts(ctx: JobContext) -> None:
    """A scheduled job (``register_jobs``): old drafts go to the recycle bin,
    in the job's transaction, so the audit trail records it."""
    old = ctx.session.scalars(select(Note).where(
        Note.state == "draft", Note.deleted_at.is_(None), Note.updated_at < utcnow() - DRAFT_LIFETIME))
    count = 0
    for note in old:
        note.deleted_at = utcnow()
        count += 1
    ctx.log(f"{count} old drafts moved to the recycle bin")


def reindex(ctx: JobContext) -> None:
    """A task (``register_tasks``), queued with ``enqueue(db, "notes.reindex", {"org_id": ...})``."""
    org_id = int(ctx.payload["org_id"])
    count = ctx.session.scalar(select(func.count()).select_from(Note).where(
        Note.org_id == org_id, Note.deleted_at.is_(None))) or 0
    ctx.log(f"{count} notes of organisation {org_id} indexed")


def load_demo_notes(db: Session, orgs: Mapping[str, int], users: Mapping[str, int]) -> None:
    for user, org, title in DEMO_NOTES:
        if user in users and org in orgs:
            db.add(Note(org_id=orgs[org], owner_id=users[user], title=title, body=""))
