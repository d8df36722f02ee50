"""The customer value score: recency, frequency and monetary value of won
deals (and of what other plugins report through ``crm_customer_revenue``)
against the cost of serving the customer, as a score of 0 to 100 and a
grade A/B/C/D with the reasons behind it.

The job ``crm.compute_value`` reads everything it needs with a handful of
``GROUP BY`` statements per organisation, then scores the customers in
chunks of :data:`CHUNK` by id, each chunk one short transaction: one
``INSERT`` of history rows (``crm_customer_value``, one per customer and
day: a second run on the same day replaces the first) and one ``UPDATE``
of ``crm_customer.value_score``/``value_grade``. The weights and
thresholds are the organisation's ``crm_settings.value_model``
(:data:`DEFAULT_MODEL` fills the gaps).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, scope, utcnow
from plugins.crm.models import Care, Customer, CustomerValue, FollowUp, Opportunity, Settings
from plugins.crm.services.segment_rules import LOCAL_TZ, months_before

CHUNK = 5_000

#: the value model's settings: key -> (label, kind, lowest, highest)
MODEL_FIELDS: dict[str, tuple[str, str, int, int]] = {
    "window_months": (N_("Months of history counted"), "int", 1, 120),
    "hourly_rate": (N_("Cost of an hour of service (CNY)"), "decimal", 0, 100_000),
    "weight_recency": (N_("Weight of recency"), "int", 0, 100),
    "weight_frequency": (N_("Weight of frequency"), "int", 0, 100),
    "weight_monetary": (N_("Weight of revenue"), "int", 0, 100),
    "recency_full_days": (N_("Full recency points up to (days since the last deal)"), "int", 0, 3650),
    "recency_zero_days": (N_("No recency points after (days)"), "int", 1, 3650),
    "frequency_full": (N_("Won deals for full frequency points"), "int", 1, 1000),
    "monetary_full": (N_("Revenue for full revenue points (CNY)"), "decimal", 1, 10**12),
    "cost_ratio_percent": (N_("Service cost counts against a customer above (% of revenue)"), "int", 0, 1000),
    "cost_penalty": (N_("Points taken off for that"), "int", 0, 100),
    "grade_a": (N_("Lowest score of grade A"), "int", 0, 100),
    "grade_b": (N_("Lowest score of grade B"), "int", 0, 100),
    "grade_c": (N_("Lowest score of grade C"), "int", 0, 100),
}

DEFAULT_MODEL: dict[str, Any] = {
    "window_months": 24, "hourly_rate": "200", "weight_recency": 30, "weight_frequency": 30,
    "weight_monetary": 40, "recency_full_days": 90, "recency_zero_days": 730, "frequency_full": 5,
    "monetary_full": "500000", "cost_ratio_percent": 30, "cost_penalty": 20, "grade_a": 75, "grade_b": 50,
    "grade_c": 25,
}

Reason = tuple[str, dict[str, Any]]


# ------------------------------------------------------------------ the model


def model_of(db: Session, org_id: int) -> dict[str, Any]:
    """The organisation's value model: its stored settings over the defaults."""
    stored = db.scalar(select(Settings.value_model).where(Settings.org_id == org_id)) or {}
    model = dict(DEFAULT_MODEL)
    for key in MODEL_FIELDS:
        if key in stored:
            model[key] = stored[key]
    return model


def save_model(db: Session, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and store the actor's organisation's value model
    (``crm.settings.update``); ``ValidationError`` names each bad field."""
    actor.require("crm.settings.update")
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, (_label, kind, low, high) in MODEL_FIELDS.items():
        raw = str(values.get(key, DEFAULT_MODEL[key])).replace(",", "").strip()
        try:
            number = Decimal(raw) if kind == "decimal" else Decimal(int(raw))
        except (InvalidOperation, ValueError):
            errors[key] = N_("Enter a number.")
            continue
        if not number.is_finite() or not low <= number <= high:
            errors[key] = N_("This number is out of range.")
            continue
        clean[key] = str(number) if kind == "decimal" else int(number)
    if not errors and not clean["grade_a"] > clean["grade_b"] > clean["grade_c"]:
        errors["grade_b"] = N_("Grade A needs a higher score than B, and B than C.")
    if not errors and clean["recency_zero_days"] <= clean["recency_full_days"]:
        errors["recency_zero_days"] = N_("This must be more days than the full-points limit.")
    if errors:
        raise ValidationError(errors)
    settings = db.scalar(select(Settings).where(Settings.org_id == actor.org_id))
    if settings is None:
        settings = Settings(org_id=actor.org_id)
        db.add(settings)
    settings.value_model = clean
    db.flush()
    return clean


# ------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class Scored:
    score: int
    grade: str
    reasons: list[Reason]


def money(value: Decimal) -> str:
    return f"¥{value:,.0f}"


def score(model: Mapping[str, Any], *, recency_days: int | None, frequency: int, monetary: Decimal,
          cost: Decimal) -> Scored:
    """Score one customer: points for recency (full up to
    ``recency_full_days``, none after ``recency_zero_days``), frequency and
    revenue (each up to its full mark), weighted; minus ``cost_penalty`` when
    serving costs more than ``cost_ratio_percent`` of the revenue."""
    full, zero = int(model["recency_full_days"]), int(model["recency_zero_days"])
    if recency_days is None:
        r = 0.0
    elif recency_days <= full:
        r = 1.0
    else:
        r = max(0.0, 1 - (recency_days - full) / max(zero - full, 1))
    f = min(frequency / int(model["frequency_full"]), 1.0)
    m = min(float(monetary) / float(Decimal(str(model["monetary_full"]))), 1.0) if monetary > 0 else 0.0
    weights = [int(model[k]) for k in ("weight_recency", "weight_frequency", "weight_monetary")]
    total = sum(weights) or 1
    points = 100 * (weights[0] * r + weights[1] * f + weights[2] * m) / total
    reasons: list[Reason] = []
    if recency_days is None:
        reasons.append((N_("no won deal yet"), {}))
    elif recency_days > full:
        reasons.append((N_("no purchase for {months} months"), {"months": recency_days // 30}))
    else:
        reasons.append((N_("last purchase {days} days ago"), {"days": recency_days}))
    months = int(model["window_months"])
    if frequency:
        reasons.append((N_("{count} won deals worth {amount} in {months} months"),
                        {"count": frequency, "amount": money(monetary), "months": months}))
    percent = int(model["cost_ratio_percent"])
    if cost > 0 and cost * 100 > monetary * percent:
        points -= int(model["cost_penalty"])
        if monetary > 0:
            reasons.append((N_("service cost {cost} exceeds {percent}% of revenue"),
                            {"cost": money(cost), "percent": percent}))
        else:
            reasons.append((N_("service cost {cost} without revenue"), {"cost": money(cost)}))
    final = max(0, min(100, round(points)))
    grade = ("A" if final >= int(model["grade_a"]) else "B" if final >= int(model["grade_b"])
             else "C" if final >= int(model["grade_c"]) else "D")
    return Scored(final, grade, reasons)


def explain(gettext: Callable[..., str], grade: str, reasons: list[Any]) -> str:
    """The grade and its reasons in the reader's language: "C 级：14 个月没有成交"."""
    said = [gettext(str(msgid), **{k: str(v) for k, v in dict(params or {}).items()})
            for msgid, params in reasons]
    return gettext("Grade {grade}: {reasons}", grade=grade, reasons=gettext("; ").join(said))


# ------------------------------------------------------------------ the job


@dataclass
class _Stats:
    last: datetime | date | None = None
    count: int = 0
    amount: Decimal = Decimal("0")
    minutes: int = 0
    expenses: Decimal = Decimal("0")


def _local_day(value: datetime | date) -> date:
    return value.astimezone(LOCAL_TZ).date() if isinstance(value, datetime) else value


def _gather(db: Session, hook: Any, org_id: int, since_day: date) -> dict[int, _Stats]:
    since = datetime.combine(since_day, datetime.min.time(), LOCAL_TZ)
    stats: dict[int, _Stats] = {}
    recent = Opportunity.closed_at >= since
    won = (select(Opportunity.customer_id, func.max(Opportunity.closed_at),
                  func.sum(case((recent, 1), else_=0)), func.sum(case((recent, Opportunity.amount), else_=0)))
           .where(Opportunity.org_id == org_id, Opportunity.state == "won", Opportunity.deleted_at.is_(None))
           .group_by(Opportunity.customer_id))
    for cid, last, count, amount in db.execute(won):
        stats[cid] = _Stats(last, int(count or 0), Decimal(amount or 0))
    for answer in hook.crm_customer_revenue(session=db, org_id=org_id, since=since_day) if hook else []:
        for cid, amount, count, last in answer or ():
            s = stats.setdefault(int(cid), _Stats())
            s.amount += Decimal(amount)
            s.count += int(count)
            if last is not None and (s.last is None or _local_day(last) > _local_day(s.last)):
                s.last = last
    effort = [
        select(FollowUp.customer_id, func.sum(FollowUp.duration_minutes), func.sum(FollowUp.cost))
        .where(FollowUp.org_id == org_id, FollowUp.deleted_at.is_(None), FollowUp.happened_at >= since)
        .group_by(FollowUp.customer_id),
        select(Care.customer_id, func.sum(Care.duration_minutes), func.sum(Care.cost))
        .where(Care.org_id == org_id, Care.deleted_at.is_(None), Care.state == "done",
               Care.planned_on >= since_day)
        .group_by(Care.customer_id),
    ]
    for stmt in effort:
        for cid, minutes, expenses in db.execute(stmt):
            s = stats.setdefault(cid, _Stats())
            s.minutes += int(minutes or 0)
            s.expenses += Decimal(expenses or 0)
    return stats


Opener = Callable[..., AbstractContextManager[Session]]


def compute_org(open_session: Opener, hook: Any, org_id: int, today: date | None = None) -> int:
    """Score every customer of ``org_id`` as of ``today``; how many.
    ``open_session`` is ``kernel.db.session``: a read transaction gathers,
    then one write transaction per chunk of customers. A customer's score and
    grade are written only when they changed; its history row always."""
    day = today or utcnow().astimezone(LOCAL_TZ).date()
    with open_session(write=False) as db:
        model = model_of(db, org_id)
        stats = _gather(db, hook, org_id, months_before(day, int(model["window_months"])))
    rate = Decimal(str(model["hourly_rate"]))
    blank = _row(model, rate, org_id, day, 0, None)  # every customer without history scores the same
    done = 0
    for chunk in _chunks(open_session, org_id):
        rows = [_row(model, rate, org_id, day, cid, stats[cid]) if cid in stats
                else {**blank, "customer_id": cid} for cid, _score, _grade in chunk]
        changed = [{"cid": r["customer_id"], "s": r["score"], "g": r["grade"]}
                   for r, (_cid, old_score, old_grade) in zip(rows, chunk, strict=True)
                   if (r["score"], r["grade"]) != (old_score, old_grade)]
        with open_session() as db:
            # Core statements, one executemany each (the ORM's bulk insert would
            # split the rows by which columns are empty)
            history, table = CustomerValue.__table__, Customer.__table__
            assert isinstance(history, Table) and isinstance(table, Table)
            # by the (customer, day) index: the chunk's ids are the organisation's
            mine = select(Customer.id).where(Customer.org_id == org_id,
                                             Customer.id.between(chunk[0][0], chunk[-1][0]))
            db.execute(delete(history).where(history.c.customer_id.between(chunk[0][0], chunk[-1][0]),
                                             history.c.computed_on == day, history.c.customer_id.in_(mine)))
            db.execute(insert(history), rows)
            if changed:
                db.execute(update(table).where(table.c.id == bindparam("cid")).values(
                    value_score=bindparam("s"), value_grade=bindparam("g")), changed)
        done += len(chunk)
    return done


def _chunks(open_session: Opener, org_id: int) -> Iterator[list[tuple[int, int | None, str]]]:
    """The organisation's customers by id, ``CHUNK`` at a time, with their present score and grade."""
    after = 0
    while True:
        with open_session(write=False) as db:
            # the recycle bin is left out here, not in SQL: an index on deleted_at
            # must not tempt the planner away from (org_id, id)
            found = list(db.execute(
                select(Customer.id, Customer.value_score, Customer.value_grade, Customer.deleted_at).where(
                    Customer.org_id == org_id, Customer.id > after).order_by(Customer.id).limit(CHUNK)))
        if not found:
            return
        rows = [(i, s, g) for i, s, g, deleted in found if deleted is None]
        if rows:
            yield rows
        after = found[-1][0]


def _row(model: Mapping[str, Any], rate: Decimal, org_id: int, day: date, cid: int,
         s: _Stats | None) -> dict[str, Any]:
    s = s or _Stats()
    recency = (day - _local_day(s.last)).days if s.last is not None else None
    cost = (rate * s.minutes / 60 + s.expenses).quantize(Decimal("0.01"))
    scored = score(model, recency_days=recency, frequency=s.count, monetary=s.amount, cost=cost)
    return {"org_id": org_id, "customer_id": cid, "computed_on": day, "recency_days": recency,
            "frequency": s.count, "monetary": s.amount, "cost": cost, "effort_minutes": s.minutes,
            "score": scored.score, "grade": scored.grade, "reasons": [list(r) for r in scored.reasons],
            "note": ""}


def compute_all(kernel: Any, org_id: int | None = None) -> int:
    """Score the customers of ``org_id``, or of every organisation that has some."""
    with kernel.db.session(write=False) as db:
        orgs = [org_id] if org_id else list(db.scalars(select(Customer.org_id).distinct()))
    return sum(compute_org(kernel.db.session, kernel.pm.hook, o) for o in orgs)


# ------------------------------------------------------------------ reading


def latest(db: Session, actor: Actor, customer_id: int) -> CustomerValue | None:
    """The customer's latest computation (the caller checked it may read the customer)."""
    actor.require("crm.customer_value.read")
    return db.scalar(select(CustomerValue).where(CustomerValue.customer_id == customer_id)
                     .order_by(CustomerValue.computed_on.desc(), CustomerValue.id.desc()).limit(1))


#: the report's sorts: name -> (expression builder, descending)
REPORT_SORTS = ("ratio", "cost", "revenue", "score")
REPORT_LIMIT = 200


@dataclass(frozen=True)
class ReportRow:
    customer_id: int
    name: str
    owner_id: int | None
    score: int
    grade: str
    revenue: Decimal
    cost: Decimal
    effort_minutes: int
    ratio: Decimal | None


def report(db: Session, actor: Actor, *, grade: str = "", sort: str = "ratio",
           limit: int = REPORT_LIMIT) -> tuple[date | None, list[ReportRow]]:
    """Resources spent against value, per customer the actor may read, from
    the organisation's latest computation; most cost per revenue first."""
    actor.require("crm.customer_value.read")
    day = db.scalar(select(func.max(CustomerValue.computed_on)).where(CustomerValue.org_id == actor.org_id))
    if day is None:
        return None, []
    cv = CustomerValue
    ratio = case((cv.monetary > 0, cv.cost / cv.monetary), (cv.cost > 0, 1_000_000), else_=0)
    order = {"ratio": ratio.desc(), "cost": cv.cost.desc(), "revenue": cv.monetary.desc(),
             "score": cv.score.desc()}[sort if sort in REPORT_SORTS else "ratio"]
    stmt = (select(Customer.id, Customer.name, Customer.owner_id, cv.score, cv.grade, cv.monetary, cv.cost,
                   cv.effort_minutes)
            .join(cv, and_(cv.customer_id == Customer.id, cv.org_id == actor.org_id, cv.computed_on == day))
            .where(scope(actor, Customer, "read")).order_by(order, Customer.id).limit(limit))
    if grade:
        stmt = stmt.where(cv.grade == grade)
    rows = [ReportRow(i, n, o, s, g, Decimal(r), Decimal(c), int(m),
                      (Decimal(c) / Decimal(r)).quantize(Decimal("0.0001")) if r else None)
            for i, n, o, s, g, r, c, m in db.execute(stmt)]
    return day, rows
