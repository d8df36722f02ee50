"""Actors kept between requests.

Building an actor reads the user's role assignments, their grants and field
rules (a few queries and a loop over every permission code a role grants):
about a third of a page's server time. Each process keeps the actors it
built, per user, and builds one again only when something it is made of
changed: every such change moves a counter (``core_acl_stamp``) forward in
its own transaction, which a request reads with one indexed query.

What moves the counter (so no service can forget it): any write to roles,
role permissions, role assignments, memberships or field rules, through the
ORM or a statement, and a change of a user's organisation or department or
of a department's place in the tree. A user's name and language are taken
from the user row of each request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from itertools import chain
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from core.models import AclStamp, Department, User
from core.permissions import Actor, load_actor

#: tables an actor is built from: any write to them moves the counter
ACL_TABLES = frozenset({"core_role", "core_role_permission", "core_role_assignment", "core_membership",
                        "core_field_rule", "core_department"})
#: the columns of other rows that matter: a user's place, a department's path
WATCHED: dict[type[Any], tuple[str, ...]] = {User: ("org_id", "department_id"),
                                             Department: ("path", "parent_id", "deleted_at")}
_TOUCHED = "acl.touched"


def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    if session.info.get(_TOUCHED):
        return
    for obj in chain(session.dirty, session.deleted, session.new):
        columns = WATCHED.get(type(obj))
        if columns is not None:
            state = inspect(obj)
            if obj in session.deleted or any(state.attrs[c].history.has_changes() for c in columns):
                session.info[_TOUCHED] = True
                return
        elif getattr(obj, "__tablename__", None) in ACL_TABLES and not isinstance(obj, Department):
            session.info[_TOUCHED] = True
            return


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in ACL_TABLES:
            state.session.info[_TOUCHED] = True


def _before_commit(session: Session) -> None:
    session.flush()  # what is still pending may touch the tables above
    if session.info.pop(_TOUCHED, False):
        session.execute(update(AclStamp).where(AclStamp.id == 1).values(version=AclStamp.version + 1))


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_TOUCHED, None)


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _forget)


def stamp(session: Session) -> int | None:
    """The counter as this transaction sees it (None: no row, nothing is kept)."""
    return session.scalar(select(AclStamp.version).where(AclStamp.id == 1))


class ActorCache:
    """The actors one process built, by user, each with the counter it was
    built under; at most ``size`` users (the least recently seen go first)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[int, Actor]] = OrderedDict()
        self._lock = threading.Lock()

    def actor(self, session: Session, user: User, all_codes: Iterable[str]) -> Actor:
        """The actor of ``user`` as :func:`core.permissions.load_actor` builds
        it, from the cache while the counter has not moved. The stamp is read
        before the actor is built, so an actor is never kept under a counter
        older than what it was built from."""
        current = stamp(session)
        with self._lock:
            hit = self._items.get(user.id)
            if hit is not None:
                self._items.move_to_end(user.id)
        if hit is not None and hit[0] == current:
            base = hit[1]
        else:
            base = load_actor(session, user, all_codes=set(all_codes))
            if current is not None:
                with self._lock:
                    self._items[user.id] = (current, base)
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
        # a fresh copy per request: the name and language as the user row has them now
        return replace(base, username=user.username, display_name=user.display_name, locale=user.locale)
