"""What the dashboard reads of the kernel beyond its public API: roles and
who holds them (sharing, role layouts, e-mail recipients), users' names and
home organisations, and the audit trail (recently changed records).

The kernel exports no model class for these, so they are read as tables of
the one ``Base``'s metadata, here and nowhere else in the plugin (as the
activity plugin does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, func, or_, select
from sqlalchemy.orm import Session

from core import Actor, Base

#: the newest audit rows "recently changed by me" looks through: an index
#: range on the primary key, whatever the trail's length
RECENT_WINDOW = 50_000
#: a shared report e-mails at most this many people
MAX_RECIPIENTS = 500


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def roles(session: Session) -> list[tuple[int, str, str]]:
    """Every role as ``(id, name, English name)``, by name."""
    r = _table("core_role").c
    return [(rid, name, name_en) for rid, name, name_en in
            session.execute(select(r.id, r.name, r.name_en).order_by(r.name))]


def role_exists(session: Session, role_id: int) -> bool:
    r = _table("core_role").c
    return session.scalar(select(r.id).where(r.id == role_id)) is not None


def held_roles(actor: Actor, org_id: int | None = None) -> Select[Any]:
    """The ids of the roles the actor holds in ``org_id`` (their current one by default)."""
    a = _table("core_role_assignment").c
    return select(a.role_id).where(a.user_id == actor.user_id, a.org_id == (org_id or actor.org_id))


def holds_role(role_id_column: object, user_id_column: object, org_id_column: object) -> Select[Any]:
    """A correlated test: the user holds the role in the organisation."""
    a = _table("core_role_assignment").c
    return select(a.id).where(a.role_id == role_id_column, a.user_id == user_id_column,
                              a.org_id == org_id_column)


def names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of users, by id (one query)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    u = _table("core_user").c
    return {uid: name for uid, name in session.execute(select(u.id, u.display_name).where(u.id.in_(ids)))}


def role_members(session: Session, role_ids: Iterable[int], org_id: int) -> list[int]:
    """Active users holding any of ``role_ids`` in ``org_id``."""
    ids = list(role_ids)
    if not ids:
        return []
    a, u = _table("core_role_assignment").c, _table("core_user").c
    stmt = (select(u.id).join_from(_table("core_user"), _table("core_role_assignment"), a.user_id == u.id)
            .where(a.role_id.in_(ids), a.org_id == org_id, u.active.is_(True))
            .distinct().order_by(u.id).limit(MAX_RECIPIENTS))
    return list(session.scalars(stmt))


def org_members(session: Session, org_id: int) -> list[int]:
    """Active users at home in ``org_id`` or holding a role or a position there."""
    a, m, u = _table("core_role_assignment").c, _table("core_membership").c, _table("core_user").c
    stmt = (select(u.id).where(u.active.is_(True), or_(
        u.org_id == org_id,
        u.id.in_(select(a.user_id).where(a.org_id == org_id)),
        u.id.in_(select(m.user_id).where(m.org_id == org_id))))
        .order_by(u.id).limit(MAX_RECIPIENTS))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Change:
    """The latest change the user made to one record."""

    model: str
    record_id: int
    action: str  # create, update, delete, restore, ...
    at: datetime


def my_changes(session: Session, user_id: int, limit: int) -> list[Change]:
    """The records ``user_id`` changed last, newest first, each once, among the
    newest :data:`RECENT_WINDOW` audit rows."""
    t = _table("core_audit").c
    newest = select(func.max(t.id)).scalar_subquery()
    stmt = (select(t.model, t.record_id, t.action, t.at)
            .where(t.user_id == user_id, t.id > newest - RECENT_WINDOW)
            .order_by(t.id.desc()).limit(limit * 5))
    seen: dict[tuple[str, int], Change] = {}
    for model, record_id, action, at in session.execute(stmt):
        seen.setdefault((model, record_id), Change(model, record_id, action, at))
        if len(seen) >= limit:
            break
    return list(seen.values())
