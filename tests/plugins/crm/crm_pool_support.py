"""Helpers of the public pool's tests: pools, pooled customers, actors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from core.app import Kernel
from core.models import Role, User
from core.permissions import Actor, load_actor
from plugins.crm.models import Customer, OwnershipLog, Pool, PoolRole, PoolRule
from plugins.crm.services.pools import CHINA


def actor_of(kernel: Kernel, db: Any, user: User) -> Actor:
    """The actor ``user`` is in a request (as the CRM's conftest makes it)."""
    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


def beijing(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(UTC)


def make_pool(kernel: Kernel, org_id: int, name: str = "华东公海", *, roles: tuple[str, ...] = (),
              **values: Any) -> int:
    """A pool of ``org_id``; ``roles`` are role keys that alone may see it."""
    with kernel.db.session() as db:
        pool = Pool(org_id=org_id, name=name, **values)
        db.add(pool)
        db.flush()
        for key in roles:
            role_id = db.scalar(select(Role.id).where(Role.key == key))
            db.add(PoolRole(pool_id=pool.id, role_id=role_id))
        return int(pool.id)


def make_rule(kernel: Kernel, pool_id: int, **values: Any) -> int:
    with kernel.db.session() as db:
        rule = PoolRule(pool_id=pool_id, **values)
        db.add(rule)
        db.flush()
        return int(rule.id)


def pooled(kernel: Kernel, pool_id: int, *names: str, **values: Any) -> list[int]:
    """Customers sitting in ``pool_id`` (nobody's), as an import into a pool makes them."""
    with kernel.db.session() as db:
        pool = db.get(Pool, pool_id)
        assert pool is not None
        rows = [Customer(org_id=pool.org_id, owner_id=None, department_id=None, pool_id=pool_id, name=n,
                         **values) for n in names]
        db.add_all(rows)
        db.flush()
        return [int(r.id) for r in rows]


def call(kernel: Kernel, user: User, fn: Any, *args: Any) -> Any:
    """``fn(db, actor, *args)`` as ``user``, in a transaction of its own."""
    with kernel.db.session() as db:
        return fn(db, actor_of(kernel, db, user), *args)


def owner_of(kernel: Kernel, customer_id: int) -> tuple[int | None, int | None]:
    """(owner, pool) of a customer."""
    with kernel.db.session(write=False) as db:
        row = db.execute(select(Customer.owner_id, Customer.pool_id).where(Customer.id == customer_id)).one()
        return row.owner_id, row.pool_id


def log_of(kernel: Kernel, customer_id: int) -> list[tuple[str, int | None, int | None, str]]:
    """(action, from, to, reason) of a customer's ownership log, oldest first."""
    with kernel.db.session(write=False) as db:
        return [tuple(r) for r in db.execute(  # type: ignore[misc]
            select(OwnershipLog.action, OwnershipLog.from_user_id, OwnershipLog.to_user_id, OwnershipLog.reason)
            .where(OwnershipLog.customer_id == customer_id).order_by(OwnershipLog.id))]


def count_owned(kernel: Kernel, user_id: int) -> int:
    with kernel.db.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(Customer).where(Customer.owner_id == user_id)) or 0
