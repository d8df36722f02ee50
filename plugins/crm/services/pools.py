"""The public pools (公海): who sees which pool, claiming from it, and the
managers' and owners' moves (assign, transfer, recall, release).

Every function here checks the actor's permissions and the pool's rules,
then writes through ``ownership.move`` (the one place that changes an
owner), in the caller's transaction. Refusals raise before anything is
written.

Concurrency. Twenty salespeople may race for the same customers, and one
salesperson may claim from two tabs at once; neither may give a customer
two owners nor push anyone past a cap:

* **per person** the checks of the caps and the write happen under a lock
  on the receiving person: on PostgreSQL a transaction-scoped advisory lock
  (``pg_advisory_xact_lock(namespace, user id)``), on SQLite the one writer
  (``BEGIN IMMEDIATE``) that every write transaction already holds. Two
  claims of one person run one after the other, so the second counts the
  first's customers;
* **per customer** the rows are read ``FOR UPDATE`` in id order (on
  PostgreSQL; SQLite is serialised anyway) before they are checked: a
  concurrent claim of the same customer waits for the first to commit, then
  sees its owner and is refused with "已被他人领取", having written nothing.
  Locking in id order means two batches never wait for each other in a
  circle (no deadlock), and locks are always taken person first, rows second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, Forbidden, NotFound, ValidationError, scope, utcnow
from plugins.crm import kernel
from plugins.crm.models import Customer, OwnershipLog, Pool, PoolRole, PoolRule, Settings
from plugins.crm.models.choices import LEVELS
from plugins.crm.services.ownership import move

CHINA = ZoneInfo("Asia/Shanghai")

#: the first key of the PostgreSQL advisory locks that serialise one person's
#: claims and assignments ("CRMP")
LOCK_NAMESPACE = 0x43524D50 & 0x7FFFFFFF

#: how many customers one call may move from a page (batch actions pass more
#: through assign/recall, which have no such limit)
MAX_CLAIM = 200

#: the actions after which the person who lost the customer must wait out
#: the pool's cooling period before claiming it again
LOST_ACTIONS = ("release", "recall", "auto_return")


# ------------------------------------------------------------------ who sees which pool


def holds(actor: Actor, code: str, org_id: int) -> bool:
    """Does ``actor`` hold ``code`` in ``org_id`` (any scope)?"""
    return any(g.scope == "all" or g.org_id == org_id for g in actor.grants.get(code, ()))


def visible_pools(db: Session, actor: Actor) -> list[Pool]:
    """The active pools of the actor's organisation they may open: those that
    list one of their roles, or list none. Administrators of the pools
    (``crm.pool.update``) see them all. Default pool first, then by name."""
    org_id = actor.org_id
    if not holds(actor, "crm.pool.read", org_id):
        return []
    stmt = select(Pool).where(Pool.org_id == org_id, Pool.active.is_(True))
    if not holds(actor, "crm.pool.update", org_id):
        roles = kernel.held_role_ids(db, actor, org_id)
        stmt = stmt.where(or_(Pool.id.not_in(select(PoolRole.pool_id)),
                              Pool.id.in_(select(PoolRole.pool_id).where(PoolRole.role_id.in_(roles)))))
    return list(db.scalars(stmt.order_by(Pool.is_default.desc(), Pool.name, Pool.id)))


def visible_pool(db: Session, actor: Actor, pool_id: int) -> Pool:
    """One pool the actor may open, else NotFound (404: a pool one's roles do
    not admit is not there)."""
    for pool in visible_pools(db, actor):
        if pool.id == pool_id:
            return pool
    raise NotFound()


def default_pool(db: Session, org_id: int) -> Pool | None:
    """Where customers go when no pool is named: the settings' default pool,
    else the pool marked default, if active."""
    settings = db.scalar(select(Settings).where(Settings.org_id == org_id))
    if settings is not None and settings.default_pool_id is not None:
        pool = db.get(Pool, settings.default_pool_id)
        if pool is not None and pool.active:
            return pool
    return db.scalar(select(Pool).where(Pool.org_id == org_id, Pool.is_default.is_(True),
                                        Pool.active.is_(True)).order_by(Pool.id).limit(1))


def pooled_customers(pool: Pool) -> Any:
    """The customers sitting in ``pool``, as a statement to page (the pool
    page's base statement: nobody's, in this pool of this organisation)."""
    return select(Customer).where(Customer.org_id == pool.org_id, Customer.pool_id == pool.id,
                                  Customer.owner_id.is_(None), Customer.deleted_at.is_(None))


# ------------------------------------------------------------------ counts the caps read


def today_start(now: datetime) -> datetime:
    """The start of ``now``'s day in China, in UTC: daily caps count from here."""
    local = now.astimezone(CHINA)
    return datetime(local.year, local.month, local.day, tzinfo=CHINA).astimezone(UTC)


def holding(db: Session, org_id: int, user_id: int) -> int:
    """How many customers of ``org_id`` ``user_id`` owns (recycle bin aside)."""
    return db.scalar(select(func.count()).select_from(Customer).where(
        Customer.org_id == org_id, Customer.owner_id == user_id, Customer.deleted_at.is_(None))) or 0


def claims_today(db: Session, user_id: int, pool_id: int, now: datetime | None = None) -> int:
    """How many customers ``user_id`` claimed from ``pool_id`` today (China's day)."""
    since = today_start(now or utcnow())
    return db.scalar(select(func.count()).select_from(OwnershipLog).where(
        OwnershipLog.to_user_id == user_id, OwnershipLog.action == "claim",
        OwnershipLog.at >= since, OwnershipLog.pool_id == pool_id)) or 0


@dataclass(frozen=True)
class Quota:
    """What a person may still take from a pool (the pool page's header)."""

    held: int
    holding_cap: int
    claimed_today: int
    daily_cap: int


def quota(db: Session, actor: Actor, pool: Pool) -> Quota:
    return Quota(holding(db, pool.org_id, actor.user_id), pool.holding_cap,
                 claims_today(db, actor.user_id, pool.id), pool.daily_claim_cap)


# ------------------------------------------------------------------ claiming


def claim(db: Session, actor: Actor, pool_id: int, customer_ids: Sequence[int]) -> int:
    """Take customers from a pool the actor may see, within the pool's
    holding cap, daily claim cap and cooling period. Returns how many moved."""
    actor.require("crm.pool.claim")
    ids = _ids(customer_ids, limit=MAX_CLAIM)
    pool = visible_pool(db, actor, pool_id)
    if not holds(actor, "crm.pool.claim", pool.org_id):
        raise Forbidden("crm.pool.claim")
    now = utcnow()
    _lock_person(db, actor.user_id)
    rows = _locked(db, ids, pool.org_id)
    taken = [r for r in rows if r.owner_id is not None or r.pool_id != pool.id]
    if taken:
        # only a customer that sat in this pool is named; any other id is not there (404)
        was_here = db.scalar(select(OwnershipLog.id).where(OwnershipLog.customer_id == taken[0].id,
                                                           OwnershipLog.pool_id == pool.id).limit(1))
        if was_here is None:
            raise NotFound()
        raise Conflict(N_("{customer} has already been claimed by someone else."), customer=taken[0].name)
    _check_holding(db, pool, actor.user_id, len(ids), own=True)
    if pool.daily_claim_cap:
        done = claims_today(db, actor.user_id, pool.id, now)
        if done + len(ids) > pool.daily_claim_cap:
            raise Conflict(N_("You have claimed {count} customers from {pool} today; its daily cap is {cap} "
                              "per person."), count=str(done), pool=pool.name, cap=str(pool.daily_claim_cap))
    if pool.cooling_days:
        _check_cooling(db, pool, actor.user_id, ids, now)
    return move(db, actor, pool.org_id, [(r.id, None) for r in rows], action="claim",
                to_user_id=actor.user_id, pool_id=pool.id, at=now)


def _check_holding(db: Session, pool: Pool, user_id: int, adding: int, *, own: bool,
                   name: str = "") -> None:
    if not pool.holding_cap:
        return
    held = holding(db, pool.org_id, user_id)
    if held + adding <= pool.holding_cap:
        return
    if own:
        raise Conflict(N_("You hold {held} customers and {pool} allows {cap} per person: you can claim {left} "
                          "more."), held=str(held), pool=pool.name, cap=str(pool.holding_cap),
                       left=str(max(0, pool.holding_cap - held)))
    raise Conflict(N_("{user} holds {held} customers and {pool} allows {cap} per person."),
                   user=name, held=str(held), pool=pool.name, cap=str(pool.holding_cap))


def _check_cooling(db: Session, pool: Pool, user_id: int, ids: list[int], now: datetime) -> None:
    since = now - timedelta(days=pool.cooling_days)
    row = db.execute(select(OwnershipLog.customer_id, func.max(OwnershipLog.at)).where(
        OwnershipLog.customer_id.in_(ids), OwnershipLog.from_user_id == user_id,
        OwnershipLog.action.in_(LOST_ACTIONS), OwnershipLog.at > since)
        .group_by(OwnershipLog.customer_id).order_by(OwnershipLog.customer_id).limit(1)).first()
    if row is None:
        return
    name = db.scalar(select(Customer.name).where(Customer.id == row[0])) or ""
    until = (row[1] + timedelta(days=pool.cooling_days)).astimezone(CHINA).date()
    raise Conflict(N_("{customer} left you less than {days} days ago: you may claim it again from {date}."),
                   customer=name, days=str(pool.cooling_days), date=until.isoformat())


# ------------------------------------------------------------------ managers and owners


def assign(db: Session, actor: Actor, customer_ids: Sequence[int], to_user_id: int, reason: str) -> int:
    """Give customers to ``to_user_id``: pooled ones (from pools the actor
    may see: "assign", within the pool's holding cap) and owned ones within
    the actor's ``crm.customer.assign`` scope ("transfer"). The new owner
    must be within that scope too. Customers already theirs are left as
    they are. Returns how many moved."""
    actor.require("crm.customer.assign")
    ids = _ids(customer_ids)
    org_id = _one_org(db, ids)
    _check_reach(db, actor, org_id, *_split(db, ids))  # out of reach: 404 before anything else
    why = _reason(reason)
    name = _assignee(db, actor, org_id, to_user_id)
    _lock_person(db, to_user_id)
    rows = [r for r in _locked(db, ids, org_id) if r.owner_id != to_user_id]
    pooled = [r for r in rows if r.owner_id is None]
    _check_reach(db, actor, org_id, [r for r in rows if r.owner_id is not None], pooled)
    by_pool: dict[int | None, list[Any]] = defaultdict(list)
    for r in pooled:
        by_pool[r.pool_id].append(r)
    pools = {p.id: p for p in db.scalars(select(Pool).where(Pool.id.in_([k for k in by_pool if k])))}
    for pool_id, some in by_pool.items():
        if pool_id in pools:
            _check_holding(db, pools[pool_id], to_user_id, len(some), own=False, name=name)
    moved = 0
    for pool_id, some in by_pool.items():
        moved += move(db, actor, org_id, [(r.id, None) for r in some], action="assign", to_user_id=to_user_id,
                      pool_id=pool_id, reason=why)
    owned = [(r.id, r.owner_id) for r in rows if r.owner_id is not None]
    moved += move(db, actor, org_id, owned, action="transfer", to_user_id=to_user_id, reason=why)
    return moved


def recall(db: Session, actor: Actor, customer_ids: Sequence[int], pool_id: int | None, reason: str) -> int:
    """Take customers from their owners (within the actor's assign scope)
    into ``pool_id``, or the organisation's default pool. Customers already
    in a pool are left there. Returns how many moved."""
    actor.require("crm.customer.assign")
    ids = _ids(customer_ids)
    org_id = _one_org(db, ids)
    _check_reach(db, actor, org_id, *_split(db, ids))
    why = _reason(reason)
    pool = _target_pool(db, org_id, pool_id, None)
    rows = [r for r in _locked(db, ids, org_id) if r.owner_id is not None]
    _check_reach(db, actor, org_id, rows, [])
    return move(db, actor, org_id, [(r.id, r.owner_id) for r in rows], action="recall", to_user_id=None,
                pool_id=pool.id, reason=why)


def release(db: Session, actor: Actor, customer_ids: Sequence[int], pool_id: int | None, reason: str) -> int:
    """The owner gives their own customers back to a pool they may see (or
    the default pool). Returns how many moved."""
    actor.require("crm.customer.release")
    ids = _ids(customer_ids)
    org_id = _one_org(db, ids)
    _check_own(db, actor, ids)
    why = _reason(reason)
    pool = _target_pool(db, org_id, pool_id, actor)
    rows = _locked(db, ids, org_id)
    _check_own(db, actor, ids)  # again, now that the rows are locked
    return move(db, actor, org_id, [(r.id, actor.user_id) for r in rows], action="release", to_user_id=None,
                pool_id=pool.id, reason=why)


# ------------------------------------------------------------------ helpers of the moves


def _ids(customer_ids: Iterable[Any], *, limit: int | None = None) -> list[int]:
    try:
        ids = sorted({int(i) for i in customer_ids})
    except (TypeError, ValueError):
        raise ValidationError({"customer_ids": N_("Choose customers from the list.")}) from None
    if not ids:
        raise ValidationError({"customer_ids": N_("Choose at least one customer.")})
    if limit is not None and len(ids) > limit:
        raise ValidationError({"customer_ids": N_("Choose at most 200 customers at a time.")})
    return ids


def _reason(reason: str) -> str:
    why = " ".join((reason or "").split())
    if not why:
        raise ValidationError({"reason": N_("Say why: the reason is kept in the ownership history.")})
    if len(why) > 500:
        raise ValidationError({"reason": N_("Keep the reason under 500 characters.")})
    return why


def _one_org(db: Session, ids: list[int]) -> int:
    orgs = set(db.scalars(select(Customer.org_id).where(Customer.id.in_(ids)).distinct()))
    if len(orgs) > 1:
        raise ValidationError({"customer_ids": N_("Choose customers of one organisation at a time.")})
    if not orgs:
        raise NotFound()
    return int(next(iter(orgs)))


def _lock_person(db: Session, user_id: int) -> None:
    """Serialise what changes one person's holdings (see the module's docstring)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:ns, :id)"),
                   {"ns": LOCK_NAMESPACE, "id": user_id % 2_147_483_647})


def _locked(db: Session, ids: list[int], org_id: int) -> list[Any]:
    """The customers ``ids`` of ``org_id``, locked in id order (PostgreSQL),
    as they are once any concurrent change committed; NotFound when one is
    missing or in the recycle bin."""
    rows = db.execute(select(Customer.id, Customer.name, Customer.owner_id, Customer.pool_id).where(
        Customer.id.in_(ids), Customer.org_id == org_id, Customer.deleted_at.is_(None))
        .order_by(Customer.id).with_for_update()).all()
    if len(rows) != len(ids):
        raise NotFound()
    return list(rows)


def _check_own(db: Session, actor: Actor, ids: list[int]) -> None:
    mine = set(db.scalars(select(Customer.id).where(Customer.id.in_(ids), Customer.owner_id == actor.user_id,
                                                    scope(actor, Customer, "release"))))
    if len(mine) != len(ids):
        raise NotFound()


def _split(db: Session, ids: list[int]) -> tuple[list[Any], list[Any]]:
    """The customers ``ids`` as they are now (unlocked): owned ones, pooled ones."""
    rows = db.execute(select(Customer.id, Customer.owner_id, Customer.pool_id)
                      .where(Customer.id.in_(ids))).all()
    return [r for r in rows if r.owner_id is not None], [r for r in rows if r.owner_id is None]


def _check_reach(db: Session, actor: Actor, org_id: int, owned: list[Any], pooled: list[Any]) -> None:
    """Owned customers must be within the actor's assign scope, pooled ones
    in pools the actor may see; otherwise NotFound, as for a page."""
    if owned:
        ids = [r.id for r in owned]
        reach = set(db.scalars(select(Customer.id).where(Customer.id.in_(ids),
                                                         scope(actor, Customer, "assign"))))
        if len(reach) != len(ids):
            raise NotFound()
    if pooled:
        seen = {p.id for p in visible_pools(db, actor)} if org_id == actor.org_id else set()
        if not holds(actor, "crm.customer.assign", org_id) or any(r.pool_id not in seen for r in pooled):
            raise NotFound()


def assignable_people(db: Session, actor: Actor, org_id: int) -> list[tuple[int, str]]:
    """Whom ``actor`` may hand customers to: active people of the
    organisation within their ``crm.customer.assign`` scope."""
    return [(uid, name) for uid, name, dept, path in kernel.org_people(db, org_id)
            if _reaches(actor, org_id, uid, dept, path)]


def _reaches(actor: Actor, org_id: int, user_id: int, dept: int | None, path: str) -> bool:
    for g in actor.grants.get("crm.customer.assign", ()):
        if g.scope == "all" or (g.org_id == org_id and g.scope == "org"):
            return True
        if g.org_id != org_id:
            continue
        if g.scope == "own" and user_id == actor.user_id:
            return True
        if g.scope == "department" and dept is not None and dept == g.department_id:
            return True
        if g.scope == "department_tree" and dept is not None and g.department_path \
                and path.startswith(g.department_path):
            return True
    return False


def _assignee(db: Session, actor: Actor, org_id: int, user_id: int) -> str:
    for uid, name in assignable_people(db, actor, org_id):
        if uid == user_id:
            return name
    raise ValidationError({"to_user_id": N_("Choose a salesperson within your reach.")})


def _target_pool(db: Session, org_id: int, pool_id: int | None, actor: Actor | None) -> Pool:
    """The pool customers go to: the one named (active, of the organisation,
    and for an owner's release one they may see, or the default), else the
    default pool."""
    fallback = default_pool(db, org_id)
    if pool_id is None:
        if fallback is None:
            raise ValidationError({"pool_id": N_("There is no default public pool: choose one, or ask an "
                                                 "administrator to set one up.")})
        return fallback
    pool = db.get(Pool, pool_id)
    if pool is None or pool.org_id != org_id or not pool.active:
        raise ValidationError({"pool_id": N_("Choose an active public pool.")})
    if actor is not None and pool.id != (fallback.id if fallback else None) \
            and pool.id not in {p.id for p in visible_pools(db, actor)}:
        raise ValidationError({"pool_id": N_("Choose an active public pool.")})
    return pool


# ------------------------------------------------------------------ the ownership history


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    action: str
    from_name: str
    to_name: str
    by_name: str
    pool_name: str
    reason: str
    #: a readable reason for the scheduled job's rows (message id and params)
    rule: tuple[str, dict[str, str]] | None


def history(db: Session, customer_id: int, limit: int = 50) -> list[HistoryRow]:
    """A customer's ownership log, newest first, with names."""
    logs = list(db.scalars(select(OwnershipLog).where(OwnershipLog.customer_id == customer_id)
                           .order_by(OwnershipLog.at.desc(), OwnershipLog.id.desc()).limit(limit)))
    names = kernel.names(db, [x for r in logs for x in (r.from_user_id, r.to_user_id, r.actor_id)])
    pools = {pid: name for pid, name in db.execute(select(Pool.id, Pool.name).where(
        Pool.id.in_({r.pool_id for r in logs if r.pool_id})))}
    return [HistoryRow(r.at, r.action, names.get(r.from_user_id or 0, ""), names.get(r.to_user_id or 0, ""),
                       names.get(r.actor_id or 0, ""), pools.get(r.pool_id or 0, ""), r.reason,
                       rule_reason(r.reason) if r.action in ("auto_return", "warn") else None)
            for r in logs]


#: the scheduled job's reasons: "<check>:<days>[:<return date>]"
RULE_REASONS = {
    "followup": N_("No follow-up for {days} days"),
    "won": N_("No won deal for {days} days"),
}


def rule_reason(reason: str) -> tuple[str, dict[str, str]] | None:
    """The message id and params of a reason the scheduled job wrote."""
    parts = reason.split(":")
    if len(parts) < 2 or parts[0] not in RULE_REASONS:
        return None
    params = {"days": parts[1], "date": parts[2] if len(parts) > 2 else ""}
    return RULE_REASONS[parts[0]], params


def pool_arrivals(db: Session, customer_ids: Sequence[int]) -> dict[int, tuple[datetime, int | None]]:
    """When each customer last came into a pool and from whom (the pool
    page's "days in pool" and "previous owner"), in one query."""
    if not customer_ids:
        return {}
    out: dict[int, tuple[datetime, int | None]] = {}
    for cid, at, who in db.execute(select(OwnershipLog.customer_id, OwnershipLog.at, OwnershipLog.from_user_id)
                                   .where(OwnershipLog.customer_id.in_(list(customer_ids)),
                                          OwnershipLog.action.in_(LOST_ACTIONS))
                                   .order_by(OwnershipLog.at.desc(), OwnershipLog.id.desc())):
        out.setdefault(cid, (at, who))
    return out


def days_between(then: datetime, now: datetime) -> int:
    return (now.astimezone(CHINA).date() - then.astimezone(CHINA).date()).days


# ------------------------------------------------------------------ administration


POOL_FIELDS = ("name", "description", "holding_cap", "daily_claim_cap", "cooling_days", "is_default", "active")


def _require_admin(actor: Actor, org_id: int, code: str = "crm.pool.update") -> None:
    if not holds(actor, code, org_id):
        raise Forbidden(code)


def admin_pools(db: Session, actor: Actor) -> list[Pool]:
    _require_admin(actor, actor.org_id)
    return list(db.scalars(select(Pool).where(Pool.org_id == actor.org_id)
                           .order_by(Pool.active.desc(), Pool.is_default.desc(), Pool.name, Pool.id)))


def admin_pool(db: Session, actor: Actor, pool_id: int) -> Pool:
    pool = db.get(Pool, pool_id)
    if pool is None or pool.org_id != actor.org_id or not holds(actor, "crm.pool.update", pool.org_id):
        raise NotFound()
    return pool


def pool_role_ids(db: Session, pool_id: int) -> set[int]:
    return set(db.scalars(select(PoolRole.role_id).where(PoolRole.pool_id == pool_id)))


def save_pool(db: Session, actor: Actor, pool: Pool | None, values: dict[str, Any],
              role_ids: Iterable[int]) -> Pool:
    """Create (``pool`` None) or change a pool of the actor's organisation
    and the roles that see it."""
    org_id = pool.org_id if pool is not None else actor.org_id
    _require_admin(actor, org_id)
    clean = _clean_pool(values)
    if pool is None:
        pool = Pool(org_id=org_id, **clean)
        db.add(pool)
    else:
        for key, value in clean.items():
            setattr(pool, key, value)
    db.flush()
    wanted = {int(r) for r in role_ids}
    known = {rid for rid, _, _ in kernel.roles(db)}
    if wanted - known:
        raise ValidationError({"role_ids": N_("Choose roles from the list.")})
    db.execute(delete(PoolRole).where(PoolRole.pool_id == pool.id))
    db.add_all(PoolRole(pool_id=pool.id, role_id=r) for r in sorted(wanted))
    if pool.is_default:
        _make_default(db, org_id, pool.id)
    elif (settings := settings_of(db, org_id)) is not None and settings.default_pool_id == pool.id:
        settings.default_pool_id = None
    db.flush()
    return pool


def _clean_pool(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = N_("Give the pool a name.")
    elif len(name) > 100:
        errors["name"] = N_("Keep the name under 100 characters.")
    out: dict[str, Any] = {"name": name, "description": str(values.get("description") or "")[:2000],
                           "is_default": bool(values.get("is_default")), "active": bool(values.get("active"))}
    for key in ("holding_cap", "daily_claim_cap", "cooling_days"):
        out[key] = _days(values.get(key), key, errors, top=100_000)
    if errors:
        raise ValidationError(errors)
    return out


def _days(raw: Any, key: str, errors: dict[str, str], *, top: int = 3650) -> int:
    text_ = str(raw if raw is not None else "").strip() or "0"
    try:
        number = int(text_)
    except ValueError:
        errors[key] = N_("Enter a whole number, 0 or more.")
        return 0
    if number < 0 or number > top:
        errors[key] = N_("Enter a whole number, 0 or more.")
    return number


def _make_default(db: Session, org_id: int, pool_id: int | None) -> None:
    for other in db.scalars(select(Pool).where(Pool.org_id == org_id)):
        other.is_default = other.id == pool_id
    settings = settings_of(db, org_id, create=True)
    assert settings is not None
    settings.default_pool_id = pool_id


def rules_of(db: Session, pool_id: int) -> list[PoolRule]:
    return list(db.scalars(select(PoolRule).where(PoolRule.pool_id == pool_id).order_by(PoolRule.level,
                                                                                         PoolRule.id)))


def save_rule(db: Session, actor: Actor, pool: Pool, rule: PoolRule | None, values: dict[str, Any]) -> PoolRule:
    """Create or change a protection rule of ``pool``. A level has at most
    one rule in an organisation (the pool it returns to is the rule's)."""
    _require_admin(actor, pool.org_id)
    errors: dict[str, str] = {}
    level = str(values.get("level") or "")
    if level and level not in LEVELS:
        errors["level"] = N_("Choose a level from the list.")
    days = {k: _days(values.get(k), k, errors) for k in ("no_followup_days", "no_won_days", "warn_days")}
    clean: dict[str, Any] = {"level": level, **days}
    if not errors and not (days["no_followup_days"] or days["no_won_days"]):
        errors["no_followup_days"] = N_("Give days without a follow-up, days without a won deal, or both.")
    longest = max(days["no_followup_days"], days["no_won_days"])
    if not errors and days["warn_days"] and days["warn_days"] >= longest:
        errors["warn_days"] = N_("Warn fewer days before than the protection lasts.")
    clash = db.scalar(select(PoolRule.id).join(Pool, Pool.id == PoolRule.pool_id).where(
        Pool.org_id == pool.org_id, PoolRule.level == level, PoolRule.id != (rule.id if rule else 0)).limit(1))
    if clash is not None:
        errors["level"] = N_("This level already has a protection rule in this organisation.")
    if errors:
        raise ValidationError(errors)
    if rule is None:
        rule = PoolRule(pool_id=pool.id, **clean)
        db.add(rule)
    else:
        for key, value in clean.items():
            setattr(rule, key, value)
    db.flush()
    return rule


def admin_rule(db: Session, actor: Actor, rule_id: int) -> tuple[PoolRule, Pool]:
    rule = db.get(PoolRule, rule_id)
    if rule is None:
        raise NotFound()
    return rule, admin_pool(db, actor, rule.pool_id)


def delete_rule(db: Session, actor: Actor, rule_id: int) -> Pool:
    rule, pool = admin_rule(db, actor, rule_id)
    db.delete(rule)
    db.flush()
    return pool


def settings_of(db: Session, org_id: int, *, create: bool = False) -> Settings | None:
    settings = db.scalar(select(Settings).where(Settings.org_id == org_id))
    if settings is None and create:
        settings = Settings(org_id=org_id, followup_lock_days=30, value_model={})
        db.add(settings)
        db.flush()
    return settings


def save_settings(db: Session, actor: Actor, values: dict[str, Any]) -> Settings:
    """The organisation's CRM settings: follow-up lock days, default pool."""
    org_id = actor.org_id
    _require_admin(actor, org_id, "crm.settings.update")
    errors: dict[str, str] = {}
    lock = _days(values.get("followup_lock_days"), "followup_lock_days", errors)
    raw = str(values.get("default_pool_id") or "").strip()
    pool_id: int | None = None
    if raw:
        pool = db.get(Pool, int(raw)) if raw.isdigit() else None
        if pool is None or pool.org_id != org_id or not pool.active:
            errors["default_pool_id"] = N_("Choose an active public pool.")
        else:
            pool_id = pool.id
    if errors:
        raise ValidationError(errors)
    settings = settings_of(db, org_id, create=True)
    assert settings is not None
    settings.followup_lock_days = lock
    _make_default(db, org_id, pool_id)
    db.flush()
    return settings


def pool_counts(db: Session, org_id: int) -> dict[int, int]:
    """Customers waiting in each pool of ``org_id``."""
    rows = db.execute(select(Customer.pool_id, func.count()).where(
        Customer.org_id == org_id, Customer.owner_id.is_(None), Customer.pool_id.is_not(None),
        Customer.deleted_at.is_(None)).group_by(Customer.pool_id)).all()
    return {int(pool_id): n for pool_id, n in rows if pool_id is not None}


def china_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(CHINA).date()
