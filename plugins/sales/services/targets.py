"""Sales targets: what a salesperson or a team (a department and those
below it) should reach each month of a year, and what they reached.

What counts (``SalesSettings.target_basis``):

* ``contracts``: the total of the contracts signed in the month (by
  ``signed_on``) and still standing (signed, executing or completed), by
  their owner and department;
* ``receipts``: the receipts of the month (by ``received_on``), refunds
  negative, voided receipts left out.

The actuals of a page are one SQL aggregate grouped by person (or
department), month and currency. Amounts in another currency than the base
one are converted at the rate valid on the last day of their month; a
currency without a rate then is left out and named in the page's notes. A
team's actual is the sum over its department and every department below it.

Who is seen is the reader's scope of ``sales.target.read`` (own: oneself;
department_tree: the people and teams of the department and below; org:
everyone); ``sales.target.update`` sets the targets, in one transaction.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, and_, extract, false, func, or_, select, true
from sqlalchemy.orm import Session

from core import N_, Actor, Department, Forbidden, NotFound, User, ValidationError, permission_holders
from plugins.catalog.services.money import base_currency, places_of, rate_on, rounded
from plugins.sales.models import Contract, Receipt, Target
from plugins.sales.services.settings import settings_of

#: contract states whose totals count as signed
SIGNED_STATES = ("signed", "executing", "completed")
KINDS = ("people", "teams")
MONTHS = tuple(range(1, 13))
MAX_AMOUNT = Decimal("1e14")
HUNDRED = Decimal(100)


@dataclass
class Cell:
    """One month of a row: its target (None: none set), what was reached,
    and the achievement in percent (None without a target)."""

    month: int
    target: Decimal | None
    actual: Decimal

    @property
    def percent(self) -> Decimal | None:
        return achievement(self.actual, self.target)


@dataclass
class Row:
    """A salesperson (``kind`` people, ``key`` the user id) or a team
    (``teams``, the department id) with its twelve months."""

    key: int
    name: str
    cells: list[Cell]

    @property
    def target(self) -> Decimal | None:
        set_ = [c.target for c in self.cells if c.target is not None]
        return sum(set_, Decimal(0)) if set_ else None

    @property
    def actual(self) -> Decimal:
        return sum((c.actual for c in self.cells), Decimal(0))

    @property
    def percent(self) -> Decimal | None:
        return achievement(self.actual, self.target)


@dataclass
class Grid:
    """The targets page of a year: rows of people or teams, the basis, the
    base currency, and the currencies left out for want of a rate."""

    year: int
    kind: str
    basis: str
    currency: str
    rows: list[Row]
    left_out: list[str] = field(default_factory=list)
    editable: bool = False

    @property
    def totals(self) -> list[Cell]:
        cells = []
        for m in MONTHS:
            targets = [t for r in self.rows if (t := r.cells[m - 1].target) is not None]
            cells.append(Cell(m, sum(targets, Decimal(0)) if targets else None,
                              sum((r.cells[m - 1].actual for r in self.rows), Decimal(0))))
        return cells


def achievement(actual: Decimal, target: Decimal | None) -> Decimal | None:
    """``actual`` of ``target`` in percent, one decimal (None without a positive target)."""
    if target is None or target <= 0:
        return None
    return rounded(actual * HUNDRED / target, 1)


# ------------------------------------------------------------------ who the reader reaches


def _grants(actor: Actor, code: str) -> list[Any]:
    return [g for g in actor.grants.get(code, ()) if g.scope == "all" or g.org_id == actor.org_id]


def people_reach(actor: Actor, code: str = "sales.target.read") -> ColumnElement[bool]:
    """The users of the actor's organisation whose targets ``code`` reaches."""
    clauses: list[ColumnElement[bool]] = []
    for g in _grants(actor, code):
        if g.scope in ("all", "org"):
            clauses.append(true())
        elif g.scope == "department_tree" and g.department_path:
            clauses.append(User.department_id.in_(
                select(Department.id).where(Department.path.startswith(g.department_path))))
        elif g.scope == "department" and g.department_id:
            clauses.append(User.department_id == g.department_id)
        elif g.scope == "own":
            clauses.append(User.id == actor.user_id)
    return and_(User.org_id == actor.org_id, or_(*clauses) if clauses else false())


def teams_reach(actor: Actor, code: str = "sales.target.read") -> ColumnElement[bool]:
    """The departments of the actor's organisation whose targets ``code`` reaches."""
    clauses: list[ColumnElement[bool]] = []
    for g in _grants(actor, code):
        if g.scope in ("all", "org"):
            clauses.append(true())
        elif g.scope == "department_tree" and g.department_path:
            clauses.append(Department.path.startswith(g.department_path))
        elif g.scope == "department" and g.department_id:
            clauses.append(Department.id == g.department_id)
    return and_(Department.org_id == actor.org_id, Department.deleted_at.is_(None),
                or_(*clauses) if clauses else false())


def _salespeople(db: Session, actor: Actor, code: str) -> list[tuple[int, str]]:
    """Active people of the organisation who may make contracts (they hold
    ``sales.contract.create`` there), within ``code``'s reach, by name."""
    sellers = permission_holders("sales.contract.create", actor.org_id)
    rows = db.execute(select(User.id, User.display_name).where(
        people_reach(actor, code), User.active.is_(True), User.id.in_(sellers))
        .order_by(User.display_name, User.id)).all()
    return [(int(i), str(n)) for i, n in rows]


def _teams(db: Session, actor: Actor, code: str) -> list[tuple[int, str, str]]:
    rows = db.execute(select(Department.id, Department.name, Department.path).where(teams_reach(actor, code))
                      .order_by(Department.path, Department.id)).all()
    return [(int(i), str(n), str(p)) for i, n, p in rows]


# ------------------------------------------------------------------ actuals


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def actuals(db: Session, org_id: int, year: int, *, by: str, basis: str,
            within: ColumnElement[bool] | None = None, month: int | None = None
            ) -> tuple[dict[tuple[int, int], Decimal], list[str]]:
    """What was reached in ``year`` (or its ``month``), per (owner or
    department id, month), in the base currency: ONE aggregate grouped by
    ``by`` (``owner`` or ``department``), month and currency. ``within``
    narrows the rows (the reader's reach). Also returns the currencies left
    out for want of an exchange rate."""
    if basis == "receipts":
        table: Any = Receipt
        when: Any = Receipt.received_on
        amount: Any = Receipt.amount
        kept: ColumnElement[bool] = Receipt.voided_at.is_(None)
    else:
        table = Contract
        when, amount = Contract.signed_on, Contract.total
        kept = and_(Contract.state.in_(SIGNED_STATES), Contract.deleted_at.is_(None))
    who = table.owner_id if by == "owner" else table.department_id
    start, end = (date(year, month, 1), _last_day(year, month)) if month else (date(year, 1, 1),
                                                                                date(year, 12, 31))
    month_of = extract("month", when)
    stmt = (select(who, month_of, table.currency_code, func.sum(amount))
            .where(table.org_id == org_id, kept, when >= start, when <= end, who.is_not(None))
            .group_by(who, month_of, table.currency_code))
    if within is not None:
        stmt = stmt.where(within)
    base = base_currency(db)
    places = places_of(db, base)
    found: dict[tuple[int, int], Decimal] = {}
    left_out: set[str] = set()
    for key, m, currency, total in db.execute(stmt):
        value = Decimal(total or 0)
        if currency != base:
            rate = rate_on(db, currency, _last_day(year, int(m)))
            if rate is None:
                left_out.add(str(currency))
                continue
            value = value * rate
        slot = (int(key), int(m))
        found[slot] = found.get(slot, Decimal(0)) + value
    return {k: rounded(v, places) for k, v in found.items()}, sorted(left_out)


def _targets(db: Session, org_id: int, year: int, kind: str, ids: list[int]) -> dict[tuple[int, int], Target]:
    if not ids:
        return {}
    col = Target.user_id if kind == "people" else Target.department_id
    other = Target.department_id if kind == "people" else Target.user_id
    rows = db.scalars(select(Target).where(Target.org_id == org_id, Target.year == year, col.in_(ids),
                                           other.is_(None)))
    return {(int(getattr(t, "user_id" if kind == "people" else "department_id")), t.month): t for t in rows}


def grid(db: Session, actor: Actor, year: int, kind: str = "people") -> Grid:
    """The targets page of ``year``: the reader's people (or teams), their
    targets and actuals per month."""
    actor.require("sales.target.read")
    if kind not in KINDS:
        kind = "people"
    basis = settings_of(db, actor.org_id).target_basis
    org_id = actor.org_id
    rows: list[Row] = []
    if kind == "people":
        people = _salespeople(db, actor, "sales.target.read")
        ids = [i for i, _ in people]
        table: Any = Receipt if basis == "receipts" else Contract
        figures, left_out = actuals(db, org_id, year, by="owner", basis=basis,
                                    within=table.owner_id.in_(ids or [-1]))
        targets = _targets(db, org_id, year, kind, ids)
        for uid, name in people:
            rows.append(Row(uid, name, [Cell(m, targets[(uid, m)].amount if (uid, m) in targets else None,
                                             figures.get((uid, m), Decimal(0))) for m in MONTHS]))
    else:
        teams = _teams(db, actor, "sales.target.read")
        ids = [i for i, _, _ in teams]
        reach = select(Department.id).where(teams_reach(actor, "sales.target.read"))
        table = Receipt if basis == "receipts" else Contract
        figures, left_out = actuals(db, org_id, year, by="department", basis=basis,
                                    within=table.department_id.in_(reach))
        paths: dict[int, str] = dict(db.execute(select(Department.id, Department.path)
                                .where(Department.org_id == org_id)).all())
        targets = _targets(db, org_id, year, kind, ids)
        for did, name, path in teams:
            below = {d for d, p in paths.items() if str(p).startswith(path)}
            cells = []
            for m in MONTHS:
                reached = sum((v for (d, mm), v in figures.items() if mm == m and d in below), Decimal(0))
                cells.append(Cell(m, targets[(did, m)].amount if (did, m) in targets else None, reached))
            rows.append(Row(did, name, cells))
    editable = bool(_grants(actor, "sales.target.update"))
    return Grid(year, kind, basis, base_currency(db), rows, left_out, editable)


def my_progress(db: Session, actor: Actor, year: int) -> list[Row]:
    """The workbench widget: the reader's own months of ``year``, and their
    team's (their department and below) when they read its targets."""
    basis = settings_of(db, actor.org_id).target_basis
    found: list[Row] = []
    figures, _ = actuals(db, actor.org_id, year, by="owner", basis=basis,
                         within=(Receipt if basis == "receipts" else Contract).owner_id == actor.user_id)
    mine = _targets(db, actor.org_id, year, "people", [actor.user_id])
    found.append(Row(actor.user_id, actor.display_name,
                     [Cell(m, mine[(actor.user_id, m)].amount if (actor.user_id, m) in mine else None,
                           figures.get((actor.user_id, m), Decimal(0))) for m in MONTHS]))
    if actor.department_id and actor.can("sales.target.read"):
        team = db.execute(select(Department.id, Department.name, Department.path).where(
            teams_reach(actor), Department.id == actor.department_id)).first()
        if team is not None:
            table: Any = Receipt if basis == "receipts" else Contract
            below = select(Department.id).where(Department.path.startswith(team.path))
            by_team, _ = actuals(db, actor.org_id, year, by="department", basis=basis,
                                 within=table.department_id.in_(below))
            theirs = _targets(db, actor.org_id, year, "teams", [team.id])
            found.append(Row(team.id, team.name, [
                Cell(m, theirs[(team.id, m)].amount if (team.id, m) in theirs else None,
                     sum((v for (_, mm), v in by_team.items() if mm == m), Decimal(0))) for m in MONTHS]))
    return found


def month_achievement(db: Session, org_id: int, user_id: int, month: date) -> Decimal | None:
    """The salesperson's achievement of their target in ``month`` (percent;
    None without a target), on the organisation's target basis: what the
    commission tiers read."""
    target = db.scalar(select(Target.amount).where(
        Target.org_id == org_id, Target.year == month.year, Target.month == month.month,
        Target.user_id == user_id, Target.department_id.is_(None)))
    if target is None:
        return None
    basis = settings_of(db, org_id).target_basis
    table: Any = Receipt if basis == "receipts" else Contract
    figures, _ = actuals(db, org_id, month.year, by="owner", basis=basis, month=month.month,
                         within=table.owner_id == user_id)
    return achievement(figures.get((user_id, month.month), Decimal(0)), Decimal(target))


# ------------------------------------------------------------------ saving


def _amount(raw: str, places: int) -> Decimal | None:
    """A target typed in: blank is None (no target); ValueError otherwise when bad."""
    text = raw.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value < 0 or value >= MAX_AMOUNT:
        raise ValueError(text)
    if value != rounded(value, places):
        raise ValueError(text)
    return value


def save_targets(db: Session, actor: Actor, year: Any, kind: str, values: Mapping[str, str]) -> int:
    """Set the targets of ``year`` from the grid's cells ``target_<id>_<month>``
    (``id`` a user's, or with ``kind`` teams a department's; blank: no target).
    Every cell is checked first: ValidationError names each bad cell and
    nothing is written. A person or team outside the reader's reach of
    ``sales.target.update`` is a NotFound. Returns how many targets changed."""
    if not _grants(actor, "sales.target.update"):
        raise Forbidden("sales.target.update")
    try:
        year = int(str(year))
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": N_("Choose a year from 2000 to 2100.")})
    if kind not in KINDS:
        raise ValidationError({"kind": N_("Choose people or teams.")})
    places = places_of(db, base_currency(db))
    errors: dict[str, str] = {}
    cells: dict[tuple[int, int], Decimal | None] = {}
    for name, raw in values.items():
        parts = name.split("_")
        if len(parts) != 3 or parts[0] != "target" or not parts[1].isdigit() or not parts[2].isdigit():
            continue
        key, month = int(parts[1]), int(parts[2])
        if month not in MONTHS:
            continue
        try:
            cells[(key, month)] = _amount(str(raw), places)
        except ValueError:
            errors[name] = N_("Enter an amount that is not negative, with no more decimals than the "
                              "currency has.")
    if errors:
        raise ValidationError(errors)
    ids = sorted({k for k, _ in cells})
    if kind == "people":
        reachable = {i for i, _ in _salespeople(db, actor, "sales.target.update")}
    else:
        reachable = {i for i, _, _ in _teams(db, actor, "sales.target.update")}
    if set(ids) - reachable:
        raise NotFound()
    existing = _targets(db, actor.org_id, year, kind, ids)
    changed = 0
    for (key, month), amount in sorted(cells.items()):
        target = existing.get((key, month))
        if amount is None:
            if target is not None:
                db.delete(target)
                changed += 1
            continue
        if target is None:
            db.add(Target(org_id=actor.org_id, year=year, month=month, amount=amount,
                          user_id=key if kind == "people" else None,
                          department_id=key if kind == "teams" else None))
            changed += 1
        elif target.amount != amount:
            target.amount = amount
            changed += 1
    db.flush()
    return changed
