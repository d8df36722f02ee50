"""The receivables ageing report (应收账龄) and the receivables list.

As of a date, what each customer still owes on its open instalments
(``amount − received``), split by how long it is overdue: not yet due
(``due_on`` on or after the date), 1–30, 31–60, 61–90 and over 90 days.
One aggregate query (``CASE`` on ``due_on`` against the date's cut-offs,
``GROUP BY`` customer) filtered by the reader's scope of instalments, so a
figure never counts what the reader could not open; a figure drills to the
instalments behind it through the same predicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, scope
from plugins.crm.models import Customer
from plugins.sales.models import Contract, Instalment
from plugins.sales.services.receivables import OPEN_STATES, outstanding_expr

#: the scale of Money columns: sums come back at it on every database
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: bucket key -> label, in the report's order
BUCKETS = {"current": N_("Not yet due"), "d1_30": N_("1-30 days"), "d31_60": N_("31-60 days"),
           "d61_90": N_("61-90 days"), "over_90": N_("Over 90 days")}


@dataclass
class AgeingRow:
    customer_id: int | None
    name: str
    buckets: dict[str, Decimal]
    total: Decimal
    count: int


@dataclass
class Ageing:
    as_of: date
    rows: list[AgeingRow]
    totals: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    #: open instalments and customers owing, over the whole report (not just the rows of the page)
    count: int = 0
    customers: int = 0


def _bounds(as_of: date, bucket: str) -> Any:
    """The ``due_on`` condition of a bucket as of ``as_of``."""
    day = timedelta(days=1)
    ranges = {"current": (as_of, None), "d1_30": (as_of - 30 * day, as_of - day),
              "d31_60": (as_of - 60 * day, as_of - 31 * day), "d61_90": (as_of - 90 * day, as_of - 61 * day),
              "over_90": (None, as_of - 91 * day)}
    if bucket not in ranges:
        raise ValidationError({"bucket": N_("Unknown ageing bucket.")})
    low, high = ranges[bucket]
    conditions = []
    if low is not None:
        conditions.append(Instalment.due_on >= low)
    if high is not None:
        conditions.append(Instalment.due_on <= high)
    return and_(*conditions)


def _open(actor: Actor) -> Any:
    return and_(Instalment.state.in_(OPEN_STATES), scope(actor, Instalment, "read"))


def ageing(db: Session, actor: Actor, as_of: date, *, customer_id: int | None = None, limit: int = 200,
           offset: int = 0) -> Ageing:
    """The report as of ``as_of``: a page of customers owing anything (at
    most ``limit``, from ``offset``), those owing the most first, and the
    totals of the whole report. One query: the instalments grouped by
    customer (a sum per bucket, the total, the count), joined to the
    customers' names, the totals as window sums over every group."""
    actor.require("sales.instalment.read")
    due = outstanding_expr()
    # ``else 0.00``: an empty bucket sums to 0.00 at the Money scale on PostgreSQL too
    columns = [func.sum(case((_bounds(as_of, key), due), else_=literal_column("0.00"))).label(key)
               for key in BUCKETS]
    grouped = (select(Instalment.customer_id, *columns, func.sum(due).label("total"), func.count().label("n"))
               .where(_open(actor)).group_by(Instalment.customer_id))
    if customer_id is not None:
        grouped = grouped.where(Instalment.customer_id == customer_id)
    sums = grouped.subquery()
    whole = [func.sum(sums.c[key]).over() for key in (*BUCKETS, "total", "n")]
    query = (select(sums, Customer.name, func.count().over(), *whole)
             .join(Customer, Customer.id == sums.c.customer_id).where(sums.c.total != 0)
             .order_by(sums.c.total.desc(), Customer.name, sums.c.customer_id).limit(limit).offset(offset))
    report = Ageing(as_of=as_of, rows=[], totals=dict.fromkeys(BUCKETS, ZERO))
    keys, size = list(BUCKETS), len(BUCKETS)
    for row in db.execute(query):
        figures = [_money(v) for v in row[1:size + 1]]
        report.rows.append(AgeingRow(row[0], row[size + 3], dict(zip(keys, figures, strict=True)),
                                     _money(row[size + 1]), int(row[size + 2])))
        if not report.customers:  # the window sums: the same on every row
            whole_sums = row[size + 5:]
            report.customers = int(row[size + 4])
            report.totals = {key: _money(v) for key, v in zip(keys, whole_sums[:size], strict=True)}
            report.total, report.count = _money(whole_sums[size]), int(whole_sums[size + 1])
    return report


def _money(value: Any) -> Decimal:
    """A sum of Money at its scale (never empty: a group has at least one instalment)."""
    return value.quantize(CENT) if isinstance(value, Decimal) else Decimal(value or 0).quantize(CENT)


def behind(actor: Actor, as_of: date, *, customer_id: int | None = None,
           bucket: str | None = None) -> Select[Any]:
    """The drill-down: the open instalments behind a figure of the report
    (a customer's row, a bucket's column, or one cell), under the same
    scope, oldest due first."""
    query = select(Instalment).where(_open(actor))
    if customer_id is not None:
        query = query.where(Instalment.customer_id == customer_id)
    if bucket:
        query = query.where(_bounds(as_of, bucket))
    return query.order_by(Instalment.due_on, Instalment.id)


# ------------------------------------------------------------------ the receivables list


@dataclass(frozen=True)
class ListFilters:
    state: str = ""          # open, partial, paid, cancelled; "" every one; "unpaid" open and partial
    overdue: bool = False
    owner_id: int | None = None
    customer_id: int | None = None
    month: str = ""          # due month, YYYY-MM


def receivables(db: Session, actor: Actor, filters: ListFilters, *, on: date,
                limit: int = 200, offset: int = 0) -> tuple[list[tuple[Instalment, str, str]], int]:
    """Instalments ``actor`` may read, filtered in SQL, oldest due first,
    each with its contract's number and its customer's name; and how many
    there are (at most 1,000 counted)."""
    actor.require("sales.instalment.read")
    query = select(Instalment, Contract.number, Customer.name).join(
        Contract, Contract.id == Instalment.contract_id).join(Customer, Customer.id == Instalment.customer_id)
    query = query.where(scope(actor, Instalment, "read"))
    if filters.state == "unpaid":
        query = query.where(Instalment.state.in_(OPEN_STATES))
    elif filters.state:
        query = query.where(Instalment.state == filters.state)
    if filters.overdue:
        query = query.where(Instalment.state.in_(OPEN_STATES), Instalment.due_on < on)
    if filters.owner_id is not None:
        query = query.where(Instalment.owner_id == filters.owner_id)
    if filters.customer_id is not None:
        query = query.where(Instalment.customer_id == filters.customer_id)
    if filters.month:
        try:
            year, month = (int(p) for p in filters.month.split("-", 1))
            first = date(year, month, 1)
        except ValueError:
            raise ValidationError({"month": N_("Enter a month as YYYY-MM.")}) from None
        following = date(year + month // 12, month % 12 + 1, 1)
        query = query.where(Instalment.due_on >= first, Instalment.due_on < following)
    count = db.scalar(select(func.count()).select_from(query.with_only_columns(Instalment.id).limit(1000)
                                                       .subquery())) or 0
    rows = db.execute(query.order_by(Instalment.due_on, Instalment.id).limit(limit).offset(offset))
    return [(i, number, name) for i, number, name in rows], int(count)
