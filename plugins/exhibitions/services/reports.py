"""An edition's reports: occupancy per hall, revenue per m² by hall and by
booth type, the unpaid booths, the exhibitors by industry and by province,
and a heat map of each hall (the plan coloured by price per m²).

Every figure is aggregated in SQL under the reader's scope: booths through
``core.scope(actor, Booth)``, exhibitors through ``scope(actor, Customer)``
(a customer the reader may not read is neither counted nor named),
contracts through ``scope(actor, Contract)``. Python only walks the grouped
rows (a handful a hall or a status), never the booths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import Actor, get_for, scope
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, Edition, FloorPlan
from plugins.exhibitions.services import plan_view

#: statuses that count as sold space (a reservation is space promised)
TAKEN = ("sold", "reserved")
ZERO = Decimal(0)


@dataclass
class Hall:
    """One hall (floor plan) of the edition: booths and m² by where they are in selling them."""

    plan_id: int
    title: str
    booths: int = 0
    area: Decimal = ZERO
    taken: int = 0
    taken_area: Decimal = ZERO
    held: int = 0
    held_area: Decimal = ZERO
    available: int = 0
    available_area: Decimal = ZERO
    blocked: int = 0
    blocked_area: Decimal = ZERO

    @property
    def occupancy(self) -> Decimal | None:
        """m² sold and reserved over m² drawn, in per cent (None when nothing is drawn)."""
        if self.area <= 0:
            return None
        return (self.taken_area * 100 / self.area).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Rate:
    """Revenue per m² of a group of sold and reserved booths."""

    key: Any
    label: str
    booths: int
    area: Decimal
    revenue: Decimal

    @property
    def per_m2(self) -> Decimal | None:
        return (self.revenue / self.area).quantize(Decimal("0.01")) if self.area > 0 else None


@dataclass(frozen=True)
class Unpaid:
    contract_id: int
    number: str
    customer: str
    booths: int
    area: Decimal
    total: Decimal
    received: Decimal

    @property
    def due(self) -> Decimal:
        return self.total - self.received


@dataclass
class Report:
    edition: Edition
    halls: list[Hall]
    total: Hall
    by_hall: list[Rate] = field(default_factory=list)
    by_type: list[Rate] = field(default_factory=list)
    revenue_total: Rate | None = None
    prices_shown: bool = True
    unpaid: list[Unpaid] | None = None
    by_industry: list[tuple[str, int]] | None = None
    by_province: list[tuple[str, int]] | None = None
    exhibitors: int = 0


def _plans(db: Session, actor: Actor, edition_id: int) -> list[tuple[int, str]]:
    rows = db.execute(select(FloorPlan.id, FloorPlan.title).where(FloorPlan.edition_id == edition_id,
                                                                  scope(actor, FloorPlan))
                      .order_by(FloorPlan.title, FloorPlan.id)).all()
    return [(r.id, r.title or f"#{r.id}") for r in rows]


def occupancy(db: Session, actor: Actor, edition_id: int) -> tuple[list[Hall], Hall]:
    """Booths and m² per hall and status (one grouped query), and the edition's total."""
    halls = {pid: Hall(pid, title) for pid, title in _plans(db, actor, edition_id)}
    rows = db.execute(select(Booth.plan_id, Booth.status, func.count(Booth.id),
                             func.coalesce(func.sum(Booth.area), 0))
                      .where(Booth.edition_id == edition_id, scope(actor, Booth))
                      .group_by(Booth.plan_id, Booth.status)).all()
    total = Hall(0, "")
    for plan_id, status, count, area in rows:
        hall = halls.get(plan_id)
        if hall is None:  # a plan the reader may not read: its booths still count in the total
            hall = halls[plan_id] = Hall(plan_id, f"#{plan_id}")
        for target in (hall, total):
            _add(target, status, int(count), Decimal(area))
    return list(halls.values()), total


def _add(hall: Hall, status: str, count: int, area: Decimal) -> None:
    hall.booths += count
    hall.area += area
    if status in TAKEN:
        hall.taken, hall.taken_area = hall.taken + count, hall.taken_area + area
    elif status == "held":
        hall.held, hall.held_area = hall.held + count, hall.held_area + area
    elif status == "available":
        hall.available, hall.available_area = hall.available + count, hall.available_area + area
    else:
        hall.blocked, hall.blocked_area = hall.blocked + count, hall.blocked_area + area


def revenue_per_m2(db: Session, actor: Actor, edition_id: int, column: Any,
                   labels: dict[Any, str]) -> list[Rate]:
    """Sum of price over sum of m² of the sold and reserved booths, grouped by ``column``."""
    rows = db.execute(select(column, func.count(Booth.id), func.coalesce(func.sum(Booth.area), 0),
                             func.coalesce(func.sum(Booth.price), 0))
                      .where(Booth.edition_id == edition_id, Booth.status.in_(TAKEN), scope(actor, Booth))
                      .group_by(column).order_by(column)).all()
    return [Rate(key, labels.get(key, str(key) if key is not None else ""), int(n), Decimal(a), Decimal(p))
            for key, n, a, p in rows]


def unpaid(db: Session, actor: Actor, edition_id: int) -> list[Unpaid]:
    """Sold booths whose contract has received less than its total, one line a contract
    (contracts and booths the reader may read; the exhibitor named only when they may read them)."""
    from plugins.sales.models import Contract

    rows = db.execute(select(Contract.id, Contract.number, Contract.customer_id, Contract.total,
                             Contract.received, func.count(Booth.id), func.coalesce(func.sum(Booth.area), 0))
                      .join(Booth, Booth.contract_id == Contract.id)
                      .where(Booth.edition_id == edition_id, Booth.status == "sold",
                             Contract.received < Contract.total, scope(actor, Booth), scope(actor, Contract))
                      .group_by(Contract.id, Contract.number, Contract.customer_id, Contract.total,
                                Contract.received)
                      .order_by((Contract.total - Contract.received).desc(), Contract.number)).all()
    names = plan_view.customer_names(db, actor, (r.customer_id for r in rows))
    withheld = actor.hidden_fields(Contract) | actor.masked_fields(Contract)
    return [Unpaid(r.id, "" if "number" in withheld else r.number, names.get(r.customer_id, ""), int(r[5]),
                   Decimal(r[6]), Decimal(r.total), Decimal(r.received)) for r in rows]


def exhibitors_by(db: Session, actor: Actor, edition_id: int, column: Any) -> list[tuple[str, int]]:
    """Exhibitors (customers on a sold or reserved booth of the edition), each counted once,
    grouped by a column of the customer; only customers the reader may read."""
    on_booths = select(Booth.customer_id).where(Booth.edition_id == edition_id, Booth.status.in_(TAKEN),
                                                Booth.customer_id.is_not(None), scope(actor, Booth))
    rows = db.execute(select(column, func.count(func.distinct(Customer.id)))
                      .where(Customer.id.in_(on_booths), scope(actor, Customer))
                      .group_by(column).order_by(func.count(func.distinct(Customer.id)).desc(), column)).all()
    return [(value or "", int(n)) for value, n in rows]


def exhibitor_count(db: Session, actor: Actor, edition_id: int) -> int:
    on_booths = select(Booth.customer_id).where(Booth.edition_id == edition_id, Booth.status.in_(TAKEN),
                                                Booth.customer_id.is_not(None), scope(actor, Booth))
    return int(db.scalar(select(func.count(Customer.id)).where(Customer.id.in_(on_booths),
                                                               scope(actor, Customer))) or 0)


def report(db: Session, actor: Actor, edition_id: int, t: Any) -> Report:
    """The edition's reports for a reader of the edition, in their language ``t``."""
    from plugins.exhibitions.models.choices import BOOTH_TYPES

    edition = get_for(db, actor, Edition, edition_id, "read")
    halls, total = occupancy(db, actor, edition.id)
    out = Report(edition, halls, total)
    withheld = actor.hidden_fields(Booth) | actor.masked_fields(Booth)
    out.prices_shown = not ({"price", "area"} & withheld)
    if out.prices_shown:
        titles = {h.plan_id: h.title for h in halls}
        out.by_hall = revenue_per_m2(db, actor, edition.id, Booth.plan_id, titles)
        types = {k: t.gettext(v) for k, v in BOOTH_TYPES.items()}
        out.by_type = revenue_per_m2(db, actor, edition.id, Booth.booth_type, types)
        out.revenue_total = Rate(None, "", sum(r.booths for r in out.by_hall),
                                 sum((r.area for r in out.by_hall), ZERO),
                                 sum((r.revenue for r in out.by_hall), ZERO))
    if actor.can("sales.contract.read"):
        out.unpaid = unpaid(db, actor, edition.id)
    if actor.can("crm.customer.read"):
        hidden = actor.hidden_fields(Customer) | actor.masked_fields(Customer)
        out.exhibitors = exhibitor_count(db, actor, edition.id)
        if "industry" not in hidden:
            from plugins.crm.models.choices import INDUSTRIES

            out.by_industry = [(t.gettext(INDUSTRIES[v]) if v in INDUSTRIES else v, n)
                               for v, n in exhibitors_by(db, actor, edition.id, Customer.industry)]
        if "province" not in hidden:
            out.by_province = exhibitors_by(db, actor, edition.id, Customer.province)
    return out


def heat_maps(db: Session, actor: Actor, edition_id: int, t: Any) -> list[dict[str, Any]]:
    """Each hall's plan coloured by price per m², on one scale for the whole edition."""
    plans = list(db.scalars(select(FloorPlan).where(FloorPlan.edition_id == edition_id, scope(actor, FloorPlan))
                            .order_by(FloorPlan.title, FloorPlan.id)))
    views = [(p, plan_view.plan_view(db, actor, p, t)) for p in plans]
    scale = plan_view.heat_scale(b for _, v in views for b in v.booths)
    return [{"plan": p, "scale": scale,
             "svg": plan_view.plan_svg(p, v.booths, heat=scale, svg_id=f"exh-heat-{p.id}")} for p, v in views]


def edition_scale(maps: list[dict[str, Any]]) -> plan_view.HeatScale:
    return maps[0]["scale"] if maps else plan_view.HeatScale(None, None)


# ----------------------------------------------------------------- across editions (the cycle after the show)


@dataclass
class CycleRow:
    """One edition of the series: exhibitors, who of the previous edition's came back, service revenue
    (confirmed orders) in all, per exhibitor and per m², the rebooking offers, the exhibitor NPS."""

    edition: Edition
    exhibitors: int = 0
    area: Decimal = ZERO
    returned: int = 0
    previous: int = 0
    revenue: Decimal = ZERO
    offers: int = 0
    accepted: int = 0
    nps: float | None = None

    @property
    def rebooking_rate(self) -> Decimal | None:
        """The previous edition's exhibitors with space in this one, in per cent."""
        if not self.previous:
            return None
        return (Decimal(self.returned) * 100 / self.previous).quantize(Decimal("0.1"))

    @property
    def per_exhibitor(self) -> Decimal | None:
        return (self.revenue / self.exhibitors).quantize(Decimal("0.01")) if self.exhibitors else None

    @property
    def per_m2(self) -> Decimal | None:
        return (self.revenue / self.area).quantize(Decimal("0.01")) if self.area > 0 else None


@dataclass
class Complaints:
    """The service desk's requests of an edition by category, and the share resolved by their due time."""

    by_category: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    in_time: int = 0

    @property
    def sla_met(self) -> Decimal | None:
        return (Decimal(self.in_time) * 100 / self.resolved).quantize(Decimal("0.1")) if self.resolved else None


def cycle(db: Session, actor: Actor, edition_id: int) -> tuple[list[CycleRow], Complaints | None]:
    """Every edition of the edition's series up to it, oldest first (each
    figure grouped in SQL under the reader's scope), and the edition's
    complaints (None when the service desk part is not installed)."""
    from sqlalchemy import and_, case

    from plugins.exhibitions.models import RebookingOffer, ServiceOrder
    from plugins.exhibitions.services import insights, surveys

    edition = get_for(db, actor, Edition, edition_id)
    editions = list(db.scalars(select(Edition).where(
        Edition.series_id == edition.series_id, Edition.number <= edition.number, Edition.deleted_at.is_(None),
        scope(actor, Edition)).order_by(Edition.number)))
    rows = {e.id: CycleRow(e) for e in editions}
    ids = list(rows)
    booked = [Booth.status.in_(insights.BOOKED), Booth.customer_id.is_not(None), scope(actor, Booth)]
    for eid, n, area in db.execute(select(Booth.edition_id, func.count(func.distinct(Booth.customer_id)),
                                        func.sum(Booth.area)).where(Booth.edition_id.in_(ids), *booked)
                                 .group_by(Booth.edition_id)):
        rows[eid].exhibitors, rows[eid].area = int(n), Decimal(area or 0)
    later = Booth.__table__.alias("later")
    for ed in editions:
        before = next((p for p in editions if p.number == ed.number - 1), None)
        if before is None:
            continue
        came_back = select(later.c.id).where(later.c.edition_id == ed.id,
                                             later.c.customer_id == Booth.customer_id,
                                             later.c.status.in_(insights.BOOKED))
        rows[ed.id].previous, rows[ed.id].returned = db.execute(select(
            func.count(func.distinct(Booth.customer_id)),
            func.count(func.distinct(case((came_back.exists(), Booth.customer_id))))).where(
            Booth.edition_id == before.id, *booked)).one()
    for eid, total in db.execute(select(ServiceOrder.edition_id, func.sum(ServiceOrder.total)).where(
            ServiceOrder.edition_id.in_(ids), ServiceOrder.state == "confirmed", scope(actor, ServiceOrder))
            .group_by(ServiceOrder.edition_id)):
        rows[eid].revenue = Decimal(total or 0)
    for eid, n, accepted in db.execute(select(RebookingOffer.next_edition_id, func.count(), func.sum(
            case((RebookingOffer.state == "accepted", 1), else_=0))).where(
            RebookingOffer.next_edition_id.in_(ids), scope(actor, RebookingOffer))
            .group_by(RebookingOffer.next_edition_id)):
        rows[eid].offers, rows[eid].accepted = int(n), int(accepted or 0)
    for ed, nps, _n in surveys.nps_trend(db, actor, edition.series_id):
        if ed.id in rows:
            rows[ed.id].nps = nps
    complaints = None
    model = insights.complaint_model()
    if model is not None and all(hasattr(model, a) for a in ("category", "due_at", "resolved_at")):
        complaints = Complaints()
        where = [model.edition_id == edition.id, scope(actor, model)]
        complaints.by_category = {str(c): int(n) for c, n in db.execute(
            select(model.category, func.count()).where(*where).group_by(model.category))}
        resolved, in_time = db.execute(select(
            func.count(model.resolved_at),
            func.sum(case((and_(model.resolved_at.is_not(None), model.resolved_at <= model.due_at), 1),
                          else_=0))).where(*where)).one()
        complaints.resolved, complaints.in_time = int(resolved or 0), int(in_time or 0)
    return [rows[e.id] for e in editions], complaints
