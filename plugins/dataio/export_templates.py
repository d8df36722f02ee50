"""Saved export templates: a user's named column sets, in order, per model."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict
from plugins.dataio.models import ExportTemplate


def for_user(db: Session, actor: Actor, model_key: str) -> list[ExportTemplate]:
    stmt = select(ExportTemplate).where(ExportTemplate.user_id == actor.user_id,
                                        ExportTemplate.model == model_key)
    return list(db.scalars(stmt.order_by(ExportTemplate.name)))


def save(db: Session, actor: Actor, model_key: str, name: str, columns: list[str]) -> ExportTemplate:
    """Create or replace the actor's template ``name`` for ``model_key``."""
    actor.require(f"{model_key}.export")
    if not name or not columns:
        raise Conflict(N_("Name the template and choose at least one column."))
    template = db.scalar(select(ExportTemplate).where(
        ExportTemplate.user_id == actor.user_id, ExportTemplate.model == model_key,
        ExportTemplate.name == name))
    if template is None:
        template = ExportTemplate(user_id=actor.user_id, model=model_key, name=name, columns=columns)
        db.add(template)
    else:
        template.columns = columns
    db.flush()
    return template
