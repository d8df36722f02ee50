"""Priority points of exhibitors in an edition: computed, never stored.

The points of an exhibitor (a CRM customer) for edition N of a series come
from the earlier editions of the same series (numbers below N, of the same
organisation):

* **years**: 10 points for each earlier edition in which the exhibitor had a
  sold booth;
* **m²**: 1 point for each full 9 m² of sold booths in those editions;
* **spend**: 1 point for each full ¥10,000 of the totals of the booth
  contracts (approved, signed, executing or completed) of those booths;
* **adjustments**: the sum of the manual :class:`PointsAdjustment` rows of
  this edition (each with its reason; may be negative).

The ranking orders by total points, then by the earliest application,
waitlist entry or adjustment (first come first served), then by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, get_for, scope
from plugins.crm.models import Customer
from plugins.exhibitions.models import Application, Booth, Edition, PointsAdjustment, WaitlistEntry
from plugins.sales.models import Contract

YEAR_POINTS = 10
AREA_STEP = Decimal("9")
SPEND_STEP = Decimal("10000")
#: contract states whose totals count as spend
COUNTED = ("approved", "signed", "executing", "completed")


@dataclass(frozen=True)
class Points:
    customer_id: int
    years: int
    area: Decimal
    spend: Decimal
    adjustment: int

    @property
    def year_points(self) -> int:
        return self.years * YEAR_POINTS

    @property
    def area_points(self) -> int:
        return int((self.area / AREA_STEP).to_integral_value(rounding=ROUND_FLOOR))

    @property
    def spend_points(self) -> int:
        return int((self.spend / SPEND_STEP).to_integral_value(rounding=ROUND_FLOOR))

    @property
    def total(self) -> int:
        return self.year_points + self.area_points + self.spend_points + self.adjustment


def earlier_editions(db: Session, edition: Edition) -> list[int]:
    """The ids of the series' editions before ``edition`` (same organisation)."""
    return list(db.scalars(select(Edition.id).where(
        Edition.series_id == edition.series_id, Edition.org_id == edition.org_id,
        Edition.number < edition.number, Edition.deleted_at.is_(None))))


def points_of(db: Session, edition: Edition, customer_ids: list[int] | None = None) -> dict[int, Points]:
    """The points of each exhibitor with any history or adjustment (or of
    ``customer_ids`` only, each present, zero when nothing counts)."""
    earlier = earlier_editions(db, edition)
    years: dict[int, int] = {}
    areas: dict[int, Decimal] = {}
    spend: dict[int, Decimal] = {}
    wanted = set(customer_ids) if customer_ids is not None else None
    if earlier:
        sold = (Booth.edition_id.in_(earlier), Booth.status == "sold", Booth.customer_id.is_not(None),
                Booth.org_id == edition.org_id)
        query = select(Booth.customer_id, func.count(distinct(Booth.edition_id)),
                       func.coalesce(func.sum(Booth.area), 0)).where(*sold).group_by(Booth.customer_id)
        if wanted is not None:
            query = query.where(Booth.customer_id.in_(wanted))
        for customer, n, area in db.execute(query):
            if customer is not None:
                years[customer], areas[customer] = int(n), Decimal(area or 0)
        pairs = select(Booth.customer_id.label("customer_id"), Booth.contract_id.label("contract_id")) \
            .where(*sold, Booth.contract_id.is_not(None)).distinct().subquery()
        money = select(pairs.c.customer_id, func.coalesce(func.sum(Contract.total), 0)) \
            .join(Contract, Contract.id == pairs.c.contract_id) \
            .where(Contract.state.in_(COUNTED), Contract.deleted_at.is_(None)).group_by(pairs.c.customer_id)
        if wanted is not None:
            money = money.where(pairs.c.customer_id.in_(wanted))
        for customer, total in db.execute(money):
            spend[customer] = Decimal(total or 0)
    adjust_q = select(PointsAdjustment.customer_id, func.coalesce(func.sum(PointsAdjustment.points), 0)) \
        .where(PointsAdjustment.edition_id == edition.id).group_by(PointsAdjustment.customer_id)
    if wanted is not None:
        adjust_q = adjust_q.where(PointsAdjustment.customer_id.in_(wanted))
    adjust = {c: int(p) for c, p in db.execute(adjust_q)}
    ids = wanted if wanted is not None else set(years) | set(spend) | set(adjust)
    return {c: Points(c, years.get(c, 0), areas.get(c, Decimal(0)), spend.get(c, Decimal(0)), adjust.get(c, 0))
            for c in ids}


def points_by_edition(db: Session, editions: list[Edition], customer_id: int) -> dict[int, Points]:
    """One exhibitor's points in each of ``editions`` (the customer 360
    view), as :func:`points_of` counts them, in three queries for all the
    editions together: the customer's sold booths and their contracts, then
    the adjustments, grouped by edition; each edition sums its earlier ones."""
    if not editions:
        return {}
    series = {e.series_id for e in editions}
    history = db.execute(select(Edition.id, Edition.series_id, Edition.org_id, Edition.number,
                                func.count(Booth.id), func.coalesce(func.sum(Booth.area), 0))
                         .join(Booth, Booth.edition_id == Edition.id)
                         .where(Edition.series_id.in_(series), Edition.deleted_at.is_(None),
                                Booth.status == "sold", Booth.customer_id == customer_id,
                                Booth.org_id == Edition.org_id)
                         .group_by(Edition.id, Edition.series_id, Edition.org_id, Edition.number)).all()
    pairs = select(Booth.edition_id.label("edition_id"), Booth.contract_id.label("contract_id")).where(
        Booth.edition_id.in_([h[0] for h in history]), Booth.status == "sold", Booth.customer_id == customer_id,
        Booth.contract_id.is_not(None)).distinct().subquery()
    contracts = db.execute(select(pairs.c.edition_id, pairs.c.contract_id, Contract.total)
                           .join(Contract, Contract.id == pairs.c.contract_id)
                           .where(Contract.state.in_(COUNTED), Contract.deleted_at.is_(None))).all() \
        if history else []
    adjusted = func.coalesce(func.sum(PointsAdjustment.points), 0)
    adjust = dict(db.execute(select(PointsAdjustment.edition_id, adjusted)
                             .where(PointsAdjustment.edition_id.in_([e.id for e in editions]),
                                    PointsAdjustment.customer_id == customer_id)
                             .group_by(PointsAdjustment.edition_id)).all())
    out: dict[int, Points] = {}
    for edition in editions:
        earlier = {h[0] for h in history if (h[1], h[2]) == (edition.series_id, edition.org_id)
                   and h[3] < edition.number}
        spent = {c: Decimal(t or 0) for e, c, t in contracts if e in earlier}  # a contract counts once
        out[edition.id] = Points(customer_id, len(earlier),
                                 sum((Decimal(h[5] or 0) for h in history if h[0] in earlier), Decimal(0)),
                                 sum(spent.values(), Decimal(0)), int(adjust.get(edition.id, 0)))
    return out


@dataclass(frozen=True)
class Ranked:
    rank: int
    customer_id: int
    name: str
    points: Points


def ranking(db: Session, actor: Actor, edition_id: int) -> list[Ranked]:
    """The exhibitors of the edition the reader may see (anyone with history
    in the series, an adjustment, an application or a waitlist entry), best
    first. The rank counts every exhibitor, seen or not."""
    edition = get_for(db, actor, Edition, edition_id, "read")
    everyone = points_of(db, edition)
    for model in (Application, WaitlistEntry):
        for cid in db.scalars(select(model.customer_id).where(
                model.edition_id == edition.id, model.customer_id.is_not(None))):
            if cid is not None:
                everyone.setdefault(cid, Points(cid, 0, Decimal(0), Decimal(0), 0))
    missing = [c for c, p in everyone.items() if p.years == 0 and p.spend == 0 and p.adjustment == 0]
    if missing:
        everyone.update({c: p for c, p in points_of(db, edition, missing).items()})
    first = first_seen(db, edition.id)
    order = sorted(everyone.values(), key=lambda p: (-p.total, first.get(p.customer_id, ""), p.customer_id))
    names = dict(db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_(list(everyone)), scope(actor, Customer, "read"))).all()) if everyone else {}
    return [Ranked(i + 1, p.customer_id, names[p.customer_id], p) for i, p in enumerate(order)
            if p.customer_id in names]


def first_seen(db: Session, edition_id: int) -> dict[int, str]:
    """Each exhibitor's earliest application or waitlist entry in the edition
    (ISO text, for ordering ties)."""
    out: dict[int, str] = {}
    for model in (Application, WaitlistEntry):
        rows = db.execute(select(model.customer_id, func.min(model.created_at))
                          .where(model.edition_id == edition_id, model.customer_id.is_not(None))
                          .group_by(model.customer_id))
        for cid, when in rows:
            if cid is None:
                continue
            text = when.isoformat() if when is not None else ""
            if cid not in out or text < out[cid]:
                out[cid] = text
    return out


def adjust(db: Session, actor: Actor, edition_id: int, customer_id: object, points: object,
           reason: object) -> PointsAdjustment:
    """A manual adjustment of an exhibitor's points (``exhibitions.points_adjustment.create``):
    a whole number other than 0 between -1000 and 1000, and a reason."""
    actor.require("exhibitions.points_adjustment.create")
    edition = get_for(db, actor, Edition, edition_id, "read")
    errors: dict[str, str] = {}
    try:
        cid = int(str(customer_id))
    except ValueError:
        cid = 0
    if not cid or db.scalar(select(Customer.id).where(Customer.id == cid, Customer.org_id == edition.org_id,
                                                      scope(actor, Customer, "read"))) is None:
        errors["customer_id"] = N_("Choose an exhibitor among the customers you may see.")
    try:
        value = int(str(points).strip())
    except ValueError:
        value = 0
    if value == 0 or not -1000 <= value <= 1000:
        errors["points"] = N_("Give a whole number between -1,000 and 1,000, not 0.")
    text = str(reason or "").strip()
    if not text:
        errors["reason"] = N_("Give the reason.")
    elif len(text) > 300:
        errors["reason"] = N_("This is too long.")
    if errors:
        raise ValidationError(errors)
    row = PointsAdjustment(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id,
                           customer_id=cid, points=value, reason=text)
    db.add(row)
    db.flush()
    return row


def adjustments(db: Session, actor: Actor, edition_id: int) -> list[PointsAdjustment]:
    """The edition's adjustments the reader may see, newest first."""
    return list(db.scalars(select(PointsAdjustment).where(
        PointsAdjustment.edition_id == edition_id, scope(actor, PointsAdjustment, "read"),
        PointsAdjustment.customer_id.in_(select(Customer.id).where(scope(actor, Customer, "read"))))
        .order_by(PointsAdjustment.created_at.desc(), PointsAdjustment.id.desc()).limit(200)))
