"""The kanban of a pipeline: one column per stage with its count and sums,
and the first cards of each column (the biggest deals first), so a board
over thousands of deals reads a few dozen rows per column. Everything
goes through the permission predicate: a reader sees only deals they may
read, and the headers count only those."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from core import Actor, scope, utcnow
from plugins.crm import kernel
from plugins.crm.models import Customer, Opportunity, Pipeline, Stage
from plugins.crm.services.pipelines import stages_of

CHINA = ZoneInfo("Asia/Shanghai")
#: cards a column shows before "more"
CARDS_PER_COLUMN = 50


def today() -> date:
    """Today in China's time."""
    return utcnow().astimezone(CHINA).date()


@dataclass(frozen=True)
class BoardFilter:
    """What the board (and the funnel) narrows deals to."""

    owner_id: int | None = None
    #: "mine": deals the reader owns; "team": those of the reader's department and below
    who: str = ""
    department_id: int | None = None
    #: an expected-close period (CLOSE_PERIODS)
    period: str = ""


@dataclass
class Card:
    opportunity: Opportunity
    customer: str
    owner: str
    days_in_stage: int
    overdue: bool


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    #: currency -> sum of amounts, the home currency first
    totals: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)
    cards: list[Card] = field(default_factory=list)
    #: the cursor of the next cards, when there are more
    more: str | None = None


def conditions(actor: Actor, flt: BoardFilter, *, on: date | None = None) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on Opportunity (the reader's scope included)."""
    where: list[ColumnElement[bool]] = [scope(actor, Opportunity, "read")]
    if flt.owner_id is not None:
        where.append(Opportunity.owner_id == flt.owner_id)
    if flt.who == "mine":
        where.append(Opportunity.owner_id == actor.user_id)
    department = flt.department_id or (actor.department_id if flt.who == "team" else None)
    if department is not None:
        where.append(Opportunity.department_id.in_(kernel.department_subtree(department)))
    where += period_conditions(flt.period, on or today())
    return where


def period_conditions(period: str, on: date) -> list[ColumnElement[bool]]:
    col = Opportunity.expected_close_on
    if period == "overdue":
        return [col < on, Opportunity.state == "open"]
    if period == "none":
        return [col.is_(None)]
    span = _span(period, on)
    return [col >= span[0], col < span[1]] if span else []


def _span(period: str, on: date) -> tuple[date, date] | None:
    month = on.replace(day=1)
    if period == "this_month":
        return month, _add_months(month, 1)
    if period == "next_month":
        return _add_months(month, 1), _add_months(month, 2)
    if period == "this_quarter":
        start = month.replace(month=(on.month - 1) // 3 * 3 + 1)
        return start, _add_months(start, 3)
    if period == "this_year":
        return on.replace(month=1, day=1), on.replace(year=on.year + 1, month=1, day=1)
    return None


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def board(db: Session, actor: Actor, pipeline: Pipeline, flt: BoardFilter,
          limit: int = CARDS_PER_COLUMN) -> list[BoardColumn]:
    """The columns of ``pipeline``'s kanban under ``flt``."""
    columns = {s.id: BoardColumn(s) for s in stages_of(db, pipeline.id)}
    where = [Opportunity.pipeline_id == pipeline.id, *conditions(actor, flt)]
    for stage_id, currency, n, total, weighted in db.execute(
            select(Opportunity.stage_id, Opportunity.currency, func.count(Opportunity.id),
                   func.sum(Opportunity.amount), func.sum(Opportunity.amount * Opportunity.probability))
            .where(*where).group_by(Opportunity.stage_id, Opportunity.currency)):
        column = columns.get(stage_id)
        if column is None:
            continue
        column.count += n
        column.totals[currency] = Decimal(total or 0).quantize(Decimal("0.01"))
        column.weighted[currency] = (Decimal(weighted or 0) / 100).quantize(Decimal("0.01"))
    for column in columns.values():
        column.totals = _home_first(column.totals)
        column.weighted = _home_first(column.weighted)
        if column.count:
            column.cards, column.more = stage_cards(db, actor, column.stage, flt, limit=limit)
    return list(columns.values())


def stage_cards(db: Session, actor: Actor, stage: Stage, flt: BoardFilter, *, after: str | None = None,
                limit: int = CARDS_PER_COLUMN) -> tuple[list[Card], str | None]:
    """One column's cards, biggest first, after the keyset cursor ``after``
    (``"<amount>:<id>"``); with the cursor of the next ones if there are more."""
    stmt = select(Opportunity).where(Opportunity.stage_id == stage.id, *conditions(actor, flt))
    cursor = _cursor(after)
    if cursor is not None:
        amount, ident = cursor
        stmt = stmt.where(or_(Opportunity.amount < amount,
                              and_(Opportunity.amount == amount, Opportunity.id < ident)))
    rows = list(db.scalars(stmt.order_by(Opportunity.amount.desc(), Opportunity.id.desc()).limit(limit + 1)))
    more = f"{rows[limit - 1].amount}:{rows[limit - 1].id}" if len(rows) > limit else None
    return cards(db, actor, rows[:limit]), more


def cards(db: Session, actor: Actor, rows: Sequence[Opportunity]) -> list[Card]:
    """Cards of ``rows`` with their customers' and owners' names (one query each)."""
    customer_ids = {o.customer_id for o in rows}
    customers: dict[int, str] = {}
    if customer_ids:
        customers = {i: n for i, n in db.execute(select(Customer.id, Customer.name).where(
            Customer.id.in_(customer_ids), scope(actor, Customer, "read")))}
    owners = kernel.names(db, (o.owner_id for o in rows))
    now, day = utcnow(), today()
    return [Card(o, customers.get(o.customer_id, ""), owners.get(o.owner_id or 0, ""),
                 max(0, (now - o.stage_entered_at).days) if o.stage_entered_at else 0,
                 o.state == "open" and o.expected_close_on is not None and o.expected_close_on < day)
            for o in rows]


def column_header(db: Session, actor: Actor, stage: Stage, flt: BoardFilter) -> BoardColumn:
    """A column's count and sums without its cards (after a card moved)."""
    column = BoardColumn(stage)
    for currency, n, total in db.execute(
            select(Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount))
            .where(Opportunity.stage_id == stage.id, *conditions(actor, flt)).group_by(Opportunity.currency)):
        column.count += n
        column.totals[currency] = Decimal(total or 0).quantize(Decimal("0.01"))
    column.totals = _home_first(column.totals)
    return column


def _home_first(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return dict(sorted(totals.items(), key=lambda kv: (kv[0] != "CNY", kv[0])))


def _cursor(token: str | None) -> tuple[Decimal, int] | None:
    if not token or ":" not in token:
        return None
    amount, _, ident = token.partition(":")
    try:
        return Decimal(amount), int(ident)
    except (ArithmeticError, ValueError):
        return None


def my_pipeline(db: Session, actor: Actor) -> list[dict[str, Any]]:
    """The workbench's "my pipeline": the reader's own open deals per
    pipeline, stage and currency, with counts, sums and weighted sums."""
    rows = db.execute(
        select(Pipeline.name, Stage.name, Stage.sequence, Opportunity.pipeline_id, Opportunity.stage_id,
               Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount),
               func.sum(Opportunity.amount * Opportunity.probability))
        .join(Stage, Stage.id == Opportunity.stage_id).join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .where(Opportunity.owner_id == actor.user_id, Opportunity.state == "open",
               scope(actor, Opportunity, "read"))
        .group_by(Pipeline.name, Stage.name, Stage.sequence, Opportunity.pipeline_id, Opportunity.stage_id,
                  Pipeline.sequence, Opportunity.currency)
        .order_by(Pipeline.sequence, Opportunity.pipeline_id, Stage.sequence, Opportunity.stage_id,
                  Opportunity.currency))
    return [{"pipeline": p, "stage": s, "pipeline_id": pid, "stage_id": sid, "currency": cur, "count": n,
             "amount": Decimal(total or 0).quantize(Decimal("0.01")),
             "weighted": (Decimal(weighted or 0) / 100).quantize(Decimal("0.01"))}
            for p, s, _seq, pid, sid, cur, n, total, weighted in rows]
