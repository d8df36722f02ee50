"""What the activity plugin reads of the kernel beyond its public API: the
audit trail (``core_audit``) and people's names and addresses (``core_user``).

The kernel exports no model class for either, so they are read as tables of
the one ``Base``'s metadata (and the user model by its key), here and nowhere
else in the plugin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from core import Actor, Base, scope

MAX_ASSIGNEES = 500


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def user_model() -> type[Base]:
    """The kernel's user model (``core.user``), for the permission predicate."""
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__model_key__", None) == "core.user":
            return mapper.class_
    raise LookupError("core.user")


def names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of users, by id (one query). Shown next to what they
    wrote on a record the reader may see, as the change history does."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    users = _table("core_user")
    stmt = select(users.c.id, users.c.display_name).where(users.c.id.in_(ids))
    return {uid: name for uid, name in session.execute(stmt)}


def assignable_users(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """People the actor may give a task to: themselves, and, with
    ``activity.activity.assign``, the active users they may see."""
    me = [(actor.user_id, actor.display_name)]
    if not actor.can("activity.activity.assign"):
        return me
    user = user_model()
    stmt = (select(user.id, user.display_name)  # type: ignore[attr-defined]
            .where(scope(actor, user, "read"), user.active.is_(True),  # type: ignore[attr-defined]
                   user.id != actor.user_id)  # type: ignore[attr-defined]
            .order_by(user.display_name).limit(MAX_ASSIGNEES))  # type: ignore[attr-defined]
    return me + [(uid, name) for uid, name in session.execute(stmt)]



@dataclass(frozen=True)
class Person:
    """What notifications need of a user: where to reach them, in which language."""

    id: int
    display_name: str
    email: str
    phone: str
    locale: str
    org_id: int
    active: bool


def people(session: Session, user_ids: Iterable[int]) -> dict[int, Person]:
    """The users ``user_ids`` as :class:`Person`, by id (one query)."""
    ids = set(user_ids)
    if not ids:
        return {}
    u = _table("core_user").c
    stmt = select(u.id, u.display_name, u.email, u.phone, u.locale, u.org_id, u.active).where(u.id.in_(ids))
    return {row.id: Person(*row) for row in session.execute(stmt)}
