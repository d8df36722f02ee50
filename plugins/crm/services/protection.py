"""Protection rules and the nightly return to the pool (``crm.return_to_pool``).

A rule of a pool protects the customers of one level (or of every level
without a rule of its own) in the pool's organisation: a customer not
followed up for ``no_followup_days``, or without a won deal for
``no_won_days``, goes back to the rule's pool; its owner is warned
``warn_days`` before. Days count from the later of the last follow-up (or
won deal) and ``owned_since``, in whole days of China's calendar: a
customer last followed up on 1 March under a 30-day rule is protected
through 31 March and returns in the night after (its *return date* is
1 April, the first run of that day).

Everything is set-based: per rule one ``SELECT`` of the customers due
(compared with a cut-off computed once, so no date arithmetic in SQL and
the same statement on SQLite and PostgreSQL), one ``ownership.move`` for
them (a statement per table and chunk of 900), and one ``SELECT`` of those
entering the warning window, whose owners get one notification per return
date. ``return_warned_on`` remembers the return date a customer was warned
for, so each warning is sent once; a follow-up that moves the date makes a
later warning possible again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from core import N_, JobContext, notify, utcnow
from plugins.crm.models import Customer, OwnershipLog, Pool, PoolRule
from plugins.crm.services.ownership import NO_SYNC, move
from plugins.crm.services.pools import CHINA

#: the checks of a rule: (reason key, days attribute of the rule, customer column)
CHECKS = (("followup", "no_followup_days", "last_followup_at"), ("won", "no_won_days", "last_won_at"))

#: customers named in one warning's text
NAMED = 5


@dataclass
class Outcome:
    returned: int = 0
    warned: int = 0
    notified: int = 0
    per_rule: dict[int, tuple[int, int]] = field(default_factory=dict)


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in China, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)


Effective = tuple[PoolRule, Pool, tuple[str, ...]]


def effective_rules(session: Session, org_id: int | None = None) -> list[Effective]:
    """The rules that apply, per organisation: active pools only, one rule
    per level (the oldest), and for the rule of every level the levels it
    leaves to their own rules."""
    stmt = (select(PoolRule, Pool).join(Pool, Pool.id == PoolRule.pool_id).where(Pool.active.is_(True))
            .order_by(Pool.org_id, PoolRule.id))
    if org_id is not None:
        stmt = stmt.where(Pool.org_id == org_id)
    by_org: dict[int, dict[str, tuple[PoolRule, Pool]]] = defaultdict(dict)
    for rule, pool in session.execute(stmt):
        by_org[pool.org_id].setdefault(rule.level, (rule, pool))
    out = []
    for levels in by_org.values():
        specific = tuple(sorted(lv for lv in levels if lv))
        out += [(rule, pool, specific if not rule.level else ()) for rule, pool in levels.values()]
    return out


def _owned(rule: PoolRule, pool: Pool, others: tuple[str, ...]) -> list[Any]:
    where = [Customer.org_id == pool.org_id, Customer.owner_id.is_not(None), Customer.deleted_at.is_(None)]
    if rule.level:
        where.append(Customer.level == rule.level)
    elif others:
        where.append(Customer.level.not_in(others))
    return where


def _since() -> Any:
    """Where protection counts from when nothing happened since: owned_since."""
    return func.coalesce(Customer.owned_since, Customer.created_at)


def _idle(column: str, cut: datetime) -> Any:
    """Nothing (``column``) since before ``cut``, and owned since before it."""
    col = getattr(Customer, column)
    return and_(_since() < cut, or_(col.is_(None), col < cut))


def run(session: Session, now: datetime | None = None, *, org_id: int | None = None) -> Outcome:
    """Apply every rule once (the nightly job; tests call it with a moved clock)."""
    now = now or utcnow()
    today = now.astimezone(CHINA).date()
    outcome = Outcome()
    for rule, pool, others in effective_rules(session, org_id):
        returned = _return(session, rule, pool, others, today, now)
        warned, notes = _warn(session, rule, pool, others, today, now) if rule.warn_days else (0, 0)
        outcome.returned += returned
        outcome.warned += warned
        outcome.notified += notes
        outcome.per_rule[rule.id] = (returned, warned)
    return outcome


def _return(session: Session, rule: PoolRule, pool: Pool, others: tuple[str, ...], today: date,
            now: datetime) -> int:
    moved = 0
    for key, days_attr, column in CHECKS:
        days = getattr(rule, days_attr)
        if not days:
            continue
        cut = day_start(today - timedelta(days=days))
        due = session.execute(select(Customer.id, Customer.owner_id).where(
            *_owned(rule, pool, others), _idle(column, cut)).order_by(Customer.id).with_for_update()).all()
        moved += move(session, None, pool.org_id, [(r.id, r.owner_id) for r in due], action="auto_return",
                      to_user_id=None, pool_id=pool.id, reason=f"{key}:{days}", at=now)
    return moved


def return_date(rule: PoolRule, since: datetime, last_followup: datetime | None,
                last_won: datetime | None) -> tuple[date, str, int] | None:
    """When a customer of ``rule`` returns, and by which check: the earliest
    of its checks, as ``(date, reason key, days)``."""
    found: list[tuple[date, str, int]] = []
    for key, days_attr, _column in CHECKS:
        days = getattr(rule, days_attr)
        if not days:
            continue
        last = last_followup if key == "followup" else last_won
        start = max(since, last) if last is not None else since
        found.append((start.astimezone(CHINA).date() + timedelta(days=days + 1), key, days))
    return min(found) if found else None


def _warn(session: Session, rule: PoolRule, pool: Pool, others: tuple[str, ...], today: date,
          now: datetime) -> tuple[int, int]:
    soon = [_idle(column, day_start(today - timedelta(days=getattr(rule, attr) - rule.warn_days)))
            for _key, attr, column in CHECKS if getattr(rule, attr)]
    rows = session.execute(select(
        Customer.id, Customer.name, Customer.owner_id, _since().label("since"), Customer.last_followup_at,
        Customer.last_won_at, Customer.return_warned_on).where(*_owned(rule, pool, others), or_(*soon))
        .order_by(Customer.id)).all()
    fresh: dict[date, list[Any]] = defaultdict(list)
    reasons: dict[int, str] = {}
    for r in rows:
        since = r.since if r.since.tzinfo else r.since.replace(tzinfo=UTC)
        when = return_date(rule, since, r.last_followup_at, r.last_won_at)
        if when is None or when[0] <= today or r.return_warned_on == when[0]:
            continue
        fresh[when[0]].append(r)
        reasons[r.id] = f"{when[1]}:{when[2]}:{when[0].isoformat()}"
    warned = notes = 0
    for day, some in sorted(fresh.items()):
        ids = [r.id for r in some]
        for chunk in (ids[i:i + 900] for i in range(0, len(ids), 900)):
            session.execute(update(Customer).where(Customer.id.in_(chunk)).values(return_warned_on=day),
                            execution_options=NO_SYNC)
        session.execute(insert(OwnershipLog), [
            {"org_id": pool.org_id, "customer_id": r.id, "action": "warn", "from_user_id": r.owner_id,
             "to_user_id": r.owner_id, "pool_id": pool.id, "actor_id": None, "reason": reasons[r.id], "at": now}
            for r in some])
        owners: dict[int, list[Any]] = defaultdict(list)
        for r in some:
            owners[r.owner_id].append(r)
        for owner_id, theirs in owners.items():
            names = "、".join(r.name for r in theirs[:NAMED]) + ("…" if len(theirs) > NAMED else "")
            link = f"/crm/customers/{theirs[0].id}" if len(theirs) == 1 else \
                "/crm/customers?sort=last_followup_at&dir=asc"
            notify(session, user_ids=[owner_id], category="reminder", link=link,
                   subject=N_("Customers about to return to the public pool: {count}"),
                   body=N_("Unless followed up, they go back to {pool} on {date}: {names}"),
                   params={"count": len(theirs), "pool": pool.name, "date": day.isoformat(), "names": names},
                   record=("crm.customer", theirs[0].id) if len(theirs) == 1 else None)
            notes += 1
        warned += len(some)
    session.expire_all()
    return warned, notes


def customer_return(session: Session, customer: Customer) -> tuple[date, str, int] | None:
    """When an owned customer returns to a pool under the rules, if ever
    (the hint on its page): the rule of its level, else the rule of every level."""
    if customer.owner_id is None:
        return None
    for rule, _pool, others in effective_rules(session, customer.org_id):
        if rule.level == customer.level or (not rule.level and customer.level not in others):
            since = customer.owned_since or customer.created_at
            return return_date(rule, since, customer.last_followup_at, customer.last_won_at)
    return None


def return_to_pool(ctx: JobContext) -> None:
    """The scheduled job ``crm.return_to_pool`` (02:30 every night)."""
    outcome = run(ctx.session)
    ctx.log(f"returned {outcome.returned} customers to their pools, warned the owners of {outcome.warned} "
            f"({outcome.notified} notifications)")
