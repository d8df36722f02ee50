"""The merge wizard's service: move every reference to the duplicates onto
the surviving record, retire the duplicates and log the merge.

References are found in the SQLAlchemy metadata, so a plugin needs to
declare nothing: every foreign key to the model's table, and every table
linking records by ``record_model``/``record_id`` (the activity timeline).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Table, and_, func, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, Base, Conflict, SoftDeleteMixin, get_for, utcnow
from plugins.dataio.duplicates import forget_record
from plugins.dataio.models import MergeLog


def references(model: type[Base]) -> list[Column[Any]]:
    """Every column of any table with a foreign key to ``model``'s table."""
    table: Table = model.__table__  # type: ignore[assignment]
    out = []
    for other in Base.metadata.sorted_tables:
        for column in other.columns:
            if any(fk.column.table is table for fk in column.foreign_keys):
                out.append(column)
    return out


def link_tables() -> list[Table]:
    """Tables that point at records of any model by key and id."""
    return [t for t in Base.metadata.sorted_tables
            if "record_model" in t.columns and "record_id" in t.columns]


def _check(db: Session, actor: Actor, model: type[Base], survivor_id: int,
           duplicate_ids: Sequence[int]) -> tuple[Any, list[Any]]:
    others = sorted({int(i) for i in duplicate_ids} - {survivor_id})
    if not others:
        raise Conflict(N_("Choose at least one record to merge into the surviving one."))
    survivor = get_for(db, actor, model, survivor_id, "update")
    return survivor, [get_for(db, actor, model, i, "delete") for i in others]


def preview(db: Session, actor: Actor, model: type[Base], survivor_id: int,
            duplicate_ids: Sequence[int]) -> dict[str, int]:
    """``table.column`` -> how many rows a merge would point at the survivor."""
    _, others = _check(db, actor, model, survivor_id, duplicate_ids)
    ids = [o.id for o in others]
    counts: dict[str, int] = {}
    for column in references(model):
        n = db.scalar(select(func.count()).select_from(column.table).where(column.in_(ids))) or 0
        if n:
            counts[f"{column.table.name}.{column.name}"] = n
    for table in link_tables():
        cond = and_(table.c.record_model == model.__model_key__, table.c.record_id.in_(ids))
        n = db.scalar(select(func.count()).select_from(table).where(cond)) or 0
        if n:
            counts[f"{table.name}.record_id"] = n
    return counts


def merge(db: Session, actor: Actor, model: type[Base], survivor_id: int,
          duplicate_ids: Sequence[int]) -> MergeLog:
    """Merge the duplicates into the survivor in the caller's transaction."""
    survivor, others = _check(db, actor, model, survivor_id, duplicate_ids)
    ids = [o.id for o in others]
    moved = preview(db, actor, model, survivor_id, ids)
    for column in references(model):
        db.execute(update(column.table).where(column.in_(ids)).values({column.name: survivor.id}))
    for table in link_tables():
        db.execute(update(table).where(table.c.record_model == model.__model_key__,
                                       table.c.record_id.in_(ids)).values(record_id=survivor.id))
    db.expire_all()
    for record_id in ids:
        record = db.get(model, record_id)
        if record is None:
            continue
        forget_record(db, model.__model_key__, record_id)
        if isinstance(record, SoftDeleteMixin):
            record.deleted_at = utcnow()
        else:
            db.delete(record)
    log = MergeLog(org_id=getattr(survivor, "org_id", None) or actor.org_id, owner_id=actor.user_id,
                   department_id=actor.department_id, model=model.__model_key__,
                   survivor_id=survivor.id, merged_ids=ids, moved=moved)
    db.add(log)
    db.flush()
    return log
