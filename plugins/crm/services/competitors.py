"""Competitors of an organisation: shared by its salespeople, met on deals,
named as the winner of lost ones (their win/loss is in ``funnel``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError
from plugins.crm.models import Competitor


def create_competitor(db: Session, actor: Actor, values: dict[str, Any]) -> Competitor:
    """A competitor of ``actor``'s organisation (org never from the form)."""
    _check_name(db, actor.org_id, None, str(values.get("name") or ""))
    competitor = Competitor(org_id=actor.org_id, **values)
    db.add(competitor)
    return competitor


def update_competitor(db: Session, actor: Actor, competitor: Competitor, values: Mapping[str, Any]) -> None:
    if "name" in values:
        _check_name(db, competitor.org_id, competitor.id, str(values["name"] or ""))
    for key, value in values.items():
        setattr(competitor, key, value)


def _check_name(db: Session, org_id: int, competitor_id: int | None, name: str) -> None:
    stmt = select(func.count(Competitor.id)).where(Competitor.org_id == org_id, Competitor.name == name.strip(),
                                                   Competitor.deleted_at.is_(None))
    if competitor_id is not None:
        stmt = stmt.where(Competitor.id != competitor_id)
    if db.scalar(stmt):
        raise ValidationError({"name": N_("A competitor of this name exists already.")})


def org_competitors(db: Session, org_id: int) -> list[tuple[int, str]]:
    """The organisation's competitors as ``(id, name)`` by name."""
    return [(i, n) for i, n in db.execute(select(Competitor.id, Competitor.name).where(
        Competitor.org_id == org_id, Competitor.deleted_at.is_(None)).order_by(Competitor.name))]
