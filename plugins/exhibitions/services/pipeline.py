"""The space-sales pipeline of an edition: each exhibitor's deal is a CRM
opportunity, linked to the edition by an :class:`EditionDeal` with its m²
and amount, in the organisation's pipeline 招展 (space sales) whose stages
are :data:`SPACE_STAGES` (made on first use, like the CRM's defaults).

The edition's figures: m² sold (sold and reserved booths) against the
target, the revenue contracted (approved and later booth contracts) against
the target, and the curve of m² contracted by day before opening against
the previous edition's. The curve is read from the booth contracts' dates
(a contract's ``signed_on``, else the day it was approved, else made): those
dates are kept on the contract and never rewritten, whereas a booth's audit
trail is lost when a booth is redrawn or moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core import N_, Actor, get_for, scope
from plugins.crm.models import Opportunity, Pipeline, Stage
from plugins.crm.services import opportunities
from plugins.exhibitions.models import Booth, Edition, EditionDeal
from plugins.exhibitions.models.choices import SPACE_STAGES
from plugins.sales.models import Contract

PIPELINE_NAME, PIPELINE_NAME_EN = "招展", "Space sales"
#: the pipeline's stages: key, Chinese name, probability, kind (the CRM's)
STAGES: tuple[tuple[str, str, int, str], ...] = (
    ("prospect", "意向", 10, "open"), ("applied", "已申请", 25, "open"), ("approved", "已审核", 40, "open"),
    ("contracted", "已签约", 70, "open"), ("deposit_paid", "已付定金", 90, "open"),
    ("paid", "全款到账", 100, "won"),
    ("lost", "流失", 0, "lost"),
)
#: contract states that count as contracted revenue
CONTRACTED = ("approved", "signed", "executing", "completed")


def space_pipeline(db: Session, org_id: int) -> tuple[Pipeline, dict[str, int]]:
    """The organisation's 招展 pipeline and its stage ids by key (made once)."""
    found = db.scalar(select(Pipeline).where(Pipeline.org_id == org_id, Pipeline.name_en == PIPELINE_NAME_EN))
    if found is None:
        seq = (db.scalar(select(func.max(Pipeline.sequence)).where(Pipeline.org_id == org_id)) or 0) + 10
        pipeline_id = db.scalar(insert(Pipeline).returning(Pipeline.id).values(
            org_id=org_id, name=PIPELINE_NAME, name_en=PIPELINE_NAME_EN, sequence=seq, is_default=False,
            active=True))
        db.execute(insert(Stage), [
            {"pipeline_id": pipeline_id, "name": name, "name_en": SPACE_STAGES.get(key, "Lost"),
             "probability": p, "kind": kind, "sequence": (i + 1) * 10}
            for i, (key, name, p, kind) in enumerate(STAGES)])
        found = db.get(Pipeline, pipeline_id)
        assert found is not None
    by_name = dict((a, b) for a, b in db.execute(select(Stage.name_en, Stage.id)
                                                 .where(Stage.pipeline_id == found.id)))
    ids = {key: by_name[SPACE_STAGES.get(key, "Lost")] for key, *_ in STAGES
           if SPACE_STAGES.get(key, "Lost") in by_name}
    return found, ids


def stage_ids(db: Session, org_id: int) -> dict[str, int]:
    """The 招展 pipeline's stage ids by key, without making it (empty when none)."""
    found = db.scalar(select(Pipeline.id).where(Pipeline.org_id == org_id,
                                                Pipeline.name_en == PIPELINE_NAME_EN))
    if found is None:
        return {}
    by_name = dict((a, b) for a, b in db.execute(select(Stage.name_en, Stage.id)
                                                 .where(Stage.pipeline_id == found)))
    return {key: by_name[SPACE_STAGES.get(key, "Lost")] for key, *_ in STAGES
            if SPACE_STAGES.get(key, "Lost") in by_name}


def record_deal(db: Session, actor: Actor, edition: Edition, customer_id: int, *, area: Decimal,
                amount: Decimal, stage: str) -> EditionDeal | None:
    """The customer's deal in the edition, made (a CRM opportunity in the
    招展 pipeline, by the actor's own rights) or brought up to date: its m²,
    amount and stage (never moved back). None when the actor may not create
    opportunities (the booth work goes on without the pipeline)."""
    pipeline, stages = space_pipeline(db, edition.org_id)
    deal = deal_of(db, edition.id, customer_id)
    if deal is None:
        if not actor.can("crm.opportunity.create"):
            return None
        opportunity = opportunities.create_opportunity(db, actor, {
            "name": f"{edition.name} 展位", "customer_id": customer_id, "pipeline_id": pipeline.id,
            "stage_id": stages[stage], "amount": amount, "currency": edition.currency_code or "CNY",
            "expected_close_on": edition.opens_on, "source": "exhibition",
            "description": ""})
        db.flush()
        deal = EditionDeal(edition_id=edition.id, opportunity_id=opportunity.id, area=area, amount=amount)
        db.add(deal)
        db.flush()
        return deal
    deal.area, deal.amount = area, amount
    opportunity_row = db.get(Opportunity, deal.opportunity_id)
    if opportunity_row is not None:
        opportunity_row.amount = amount
        order = [key for key, *_ in STAGES]
        current = next((k for k, i in stages.items() if i == opportunity_row.stage_id), "prospect")
        if stage in order and order.index(stage) > order.index(current) \
                and db.scalar(select(Opportunity.id).where(Opportunity.id == opportunity_row.id,
                                                           scope(actor, Opportunity, "update"))) is not None:
            opportunities.move_stage(db, actor, opportunity_row.id, stages[stage])
    db.flush()
    return deal


def deal_of(db: Session, edition_id: int, customer_id: int) -> EditionDeal | None:
    """The customer's deal in the edition (not lost), if any."""
    return db.scalar(select(EditionDeal).join(Opportunity, Opportunity.id == EditionDeal.opportunity_id)
                     .where(EditionDeal.edition_id == edition_id, Opportunity.customer_id == customer_id,
                            Opportunity.state != "lost").order_by(EditionDeal.id).limit(1))


# ------------------------------------------------------------------ the sales page


@dataclass(frozen=True)
class Figures:
    area_sold: Decimal
    area_target: Decimal
    revenue: Decimal
    revenue_target: Decimal
    deals: int
    deal_area: Decimal
    deal_amount: Decimal
    #: days before opening -> m² contracted by then, this edition and the previous one
    curve: list[tuple[int, Decimal]]
    previous_curve: list[tuple[int, Decimal]]
    by_stage: list[tuple[str, int, Decimal, Decimal]]


def _contracted_by_day(db: Session, actor: Actor, edition: Edition) -> list[tuple[int, Decimal]]:
    """(days before opening, m² contracted by then), one point per contract
    day, of the contracts the reader may read (as the amounts beside it)."""
    if edition.opens_on is None:
        return []
    rows = db.execute(select(Contract.signed_on, Contract.approved_at, Contract.created_at,
                             func.sum(Booth.area))
                      .join(Booth, Booth.contract_id == Contract.id)
                      .where(Booth.edition_id == edition.id, Contract.state.in_(CONTRACTED),
                             scope(actor, Contract, "read"))
                      .group_by(Contract.id, Contract.signed_on, Contract.approved_at, Contract.created_at))
    points: dict[int, Decimal] = {}
    for signed, approved, created, area in rows:
        day = signed or (approved or created).date()
        before = (edition.opens_on - day).days
        points[before] = points.get(before, Decimal(0)) + Decimal(area or 0)
    total = Decimal(0)
    out = []
    for before in sorted(points, reverse=True):
        total += points[before]
        out.append((before, total))
    return out


def figures(db: Session, actor: Actor, edition_id: int) -> Figures:
    """The edition's figures, for a reader of the edition; the amounts count
    only the contracts and opportunities the reader may read."""
    edition = get_for(db, actor, Edition, edition_id, "read")
    area_sold = db.scalar(select(func.coalesce(func.sum(Booth.area), 0)).where(
        Booth.edition_id == edition.id, Booth.status.in_(("sold", "reserved")),
        scope(actor, Booth, "read"))) or Decimal(0)
    revenue = Decimal(0)
    if actor.can("sales.contract.read"):
        ids = select(Booth.contract_id).where(Booth.edition_id == edition.id, Booth.contract_id.is_not(None))
        revenue = db.scalar(select(func.coalesce(func.sum(Contract.total), 0)).where(
            Contract.id.in_(ids), Contract.state.in_(CONTRACTED), scope(actor, Contract, "read"))) or Decimal(0)
    by_stage: list[tuple[str, int, Decimal, Decimal]] = []
    deals, deal_area, deal_amount = 0, Decimal(0), Decimal(0)
    if actor.can("crm.opportunity.read"):
        stages = stage_ids(db, edition.org_id)  # a read: the pipeline is made by the first deal
        rows = db.execute(select(Opportunity.stage_id, func.count(),
                                 func.coalesce(func.sum(EditionDeal.area), 0),
                                 func.coalesce(func.sum(EditionDeal.amount), 0))
                          .join(EditionDeal, EditionDeal.opportunity_id == Opportunity.id)
                          .where(EditionDeal.edition_id == edition.id, scope(actor, Opportunity, "read"))
                          .group_by(Opportunity.stage_id)).all()
        counted = {stage: (int(n), Decimal(a), Decimal(m)) for stage, n, a, m in rows}
        for key, *_ in STAGES:
            n, a, m = counted.get(stages.get(key, -1), (0, Decimal(0), Decimal(0)))
            by_stage.append((SPACE_STAGES.get(key, N_("Lost")), n, a, m))
            deals, deal_area, deal_amount = deals + n, deal_area + a, deal_amount + m
    previous = db.get(Edition, edition.previous_id) if edition.previous_id else None
    same_org = previous is not None and previous.org_id == edition.org_id
    before = _contracted_by_day(db, actor, previous) if previous is not None and same_org else []
    return Figures(Decimal(area_sold), edition.target_area, Decimal(revenue), edition.target_revenue, deals,
                   deal_area, deal_amount, _contracted_by_day(db, actor, edition), before, by_stage)


def curve_svg(curve: list[tuple[int, Decimal]], previous: list[tuple[int, Decimal]], *, label: str,
              previous_label: str, axis_label: str, empty: str = "") -> Markup:
    """The m² contracted against days before opening (right: the opening
    day), this edition's line solid and the previous one's dashed; ``empty``
    is written across it when neither edition has a contract yet."""
    width, height, left, bottom, top, right = 640, 260, 56, 36, 16, 16
    days = [d for d, _ in curve + previous] or [0]
    span = max(max(days), 30)
    peak = max([float(a) for _, a in curve + previous] or [0])
    top_value = _nice(max(peak, 10.0))  # 10, 20, 25, 50, 100...: five steps of whole m²

    def x(day: int) -> float:
        return left + (width - left - right) * (1 - day / span)

    def y(area: Decimal | float) -> float:
        return height - bottom - (height - bottom - top) * float(area) / top_value

    def path(points: list[tuple[int, Decimal]]) -> str:
        steps: list[str] = []
        level: Decimal = Decimal(0)
        for day, area in points:
            steps.append(f"{x(day):.1f},{y(level):.1f} {x(day):.1f},{y(area):.1f}")
            level = area
        if points:
            steps.append(f"{x(0):.1f},{y(level):.1f}")
        return " ".join(steps)

    grid = []
    for i in range(6):
        value = top_value * i / 5
        grid.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                    f'stroke="#e6e7e9"/><text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                    f'font-size="11" fill="#667382">{value:,.0f}</text>')
    for i in range(5):
        day = round(span * i / 4)
        grid.append(f'<text x="{x(day):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                    f'fill="#667382">{day}</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'class="w-100" aria-label="{escape(label)}">' + "".join(grid)
           + f'<text x="{width - right}" y="{height - 4}" text-anchor="end" font-size="11" fill="#667382">'
           f'{escape(axis_label)}</text>'
           + (f'<polyline fill="none" stroke="#adb5bd" stroke-width="2" stroke-dasharray="5 4" '
              f'points="{path(previous)}"><title>{escape(previous_label)}</title></polyline>'
              if previous else "")
           + f'<polyline fill="none" stroke="#206bc4" stroke-width="2.5" points="{path(curve)}">'
           f'<title>{escape(label)}</title></polyline>'
           + (f'<text x="{(left + width - right) / 2:.0f}" y="{(top + height - bottom) / 2:.0f}" '
              f'text-anchor="middle" font-size="14" fill="#667382">{escape(empty)}</text>'
              if empty and not curve and not previous else "")
           + "</svg>")
    # Every text in it is escaped where put in, the rest are numbers: bandit B704 reviewed.
    return Markup(svg)  # nosec B704


def _nice(top: float) -> float:
    step = 10 ** max(len(str(int(top))) - 1, 0)
    for factor in (1, 2, 2.5, 5, 10):
        if top <= step * factor:
            return float(step * factor)
    return float(step * 10)


def today_before(edition: Edition, on: date) -> int | None:
    return (edition.opens_on - on).days if edition.opens_on else None
