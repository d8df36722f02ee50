"""The sales funnel of a pipeline and the win/loss by competitor, computed
in SQL over the deals the reader may read (the one permission predicate).

* **In stage**: the deals now in each stage, their amounts and weighted
  amounts (amount × the deal's probability).
* **Reached**: the deals that ever entered each step of the chain (the
  open stages in order, then the won stage), from the stage log; a deal
  that entered a later step counts as having passed the earlier ones, so
  the counts never grow down the chain. **Conversion** from a step to the
  next is reached(next) / reached(step).
* **Median days** per stage: the median of the whole days deals spent in
  it before they left (``StageLog.days_in_from``).
* **Win rate**: won / (won + lost) among the closed deals.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, case, func, select, union_all
from sqlalchemy.orm import Session

from core import Actor, scope
from plugins.crm.models import Competitor, Opportunity, OpportunityCompetitor, Pipeline, Stage, StageLog
from plugins.crm.services.board import CHINA, BoardFilter, conditions
from plugins.crm.services.pipelines import stages_of


@dataclass(frozen=True)
class FunnelFilter:
    owner_id: int | None = None
    department_id: int | None = None
    #: "created" or "closed": which date the period reads
    period_field: str = "created"
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class FunnelStage:
    stage: Stage
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)
    #: deals that entered this step of the chain or a later one (None off the chain: lost stages)
    reached: int | None = None
    #: reached(next step) / reached(this step), None for the last step or when none reached it
    conversion: float | None = None
    median_days: float | None = None


@dataclass
class Funnel:
    pipeline: Pipeline
    stages: list[FunnelStage]
    won: int
    lost: int
    open: int

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None

    @property
    def chain(self) -> list[FunnelStage]:
        return [s for s in self.stages if s.reached is not None]


def _where(actor: Actor, pipeline: Pipeline, flt: FunnelFilter) -> list[ColumnElement[bool]]:
    where = [Opportunity.pipeline_id == pipeline.id,
             *conditions(actor, BoardFilter(owner_id=flt.owner_id, department_id=flt.department_id))]
    column = Opportunity.closed_at if flt.period_field == "closed" else Opportunity.created_at
    if flt.date_from is not None:
        where.append(column >= _start_of(flt.date_from))
    if flt.date_to is not None:
        where.append(column < _start_of(flt.date_to + timedelta(days=1)))
    return where


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA)


def funnel(db: Session, actor: Actor, pipeline: Pipeline, flt: FunnelFilter) -> Funnel:
    stages = stages_of(db, pipeline.id)
    rows = {s.id: FunnelStage(s) for s in stages}
    where = _where(actor, pipeline, flt)
    for stage_id, currency, n, total, weighted in db.execute(
            select(Opportunity.stage_id, Opportunity.currency, func.count(Opportunity.id),
                   func.sum(Opportunity.amount), func.sum(Opportunity.amount * Opportunity.probability))
            .where(*where).group_by(Opportunity.stage_id, Opportunity.currency)):
        if stage_id in rows:
            row = rows[stage_id]
            row.count += n
            row.totals[currency] = Decimal(total or 0).quantize(Decimal("0.01"))
            row.weighted[currency] = (Decimal(weighted or 0) / 100).quantize(Decimal("0.01"))
    chain = [s for s in stages if s.kind == "open"] + [s for s in stages if s.kind == "won"]
    _reached(db, where, chain, rows)
    _median_days(db, where, rows)
    states = dict(db.execute(select(Opportunity.state, func.count(Opportunity.id)).where(*where)
                             .group_by(Opportunity.state)).all())
    return Funnel(pipeline, list(rows.values()), int(states.get("won", 0)), int(states.get("lost", 0)),
                  int(states.get("open", 0)))


def _reached(db: Session, where: list[ColumnElement[bool]], chain: list[Stage],
             rows: dict[int, FunnelStage]) -> None:
    if not chain:
        return
    index = {s.id: i for i, s in enumerate(chain)}
    ids = select(Opportunity.id).where(*where)
    steps = union_all(
        select(StageLog.opportunity_id.label("oid"), case(index, value=StageLog.to_stage_id).label("step"))
        .where(StageLog.opportunity_id.in_(ids)),
        select(Opportunity.id.label("oid"), case(index, value=Opportunity.stage_id).label("step"))
        .where(*where)).subquery()
    furthest = select(steps.c.oid, func.max(steps.c.step).label("top")).group_by(steps.c.oid).subquery()
    counts: dict[int, int] = {int(top): int(n) for top, n in db.execute(
        select(furthest.c.top, func.count()).where(furthest.c.top.is_not(None)).group_by(furthest.c.top))}
    reached = [sum(n for top, n in counts.items() if top >= i) for i in range(len(chain))]
    for i, stage in enumerate(chain):
        row = rows[stage.id]
        row.reached = reached[i]
        if i + 1 < len(chain) and reached[i]:
            row.conversion = reached[i + 1] / reached[i]


def _median_days(db: Session, where: list[ColumnElement[bool]], rows: dict[int, FunnelStage]) -> None:
    days: dict[int, list[int]] = defaultdict(list)
    ids = select(Opportunity.id).where(*where)
    for stage_id, n in db.execute(select(StageLog.from_stage_id, StageLog.days_in_from).where(
            StageLog.opportunity_id.in_(ids), StageLog.from_stage_id.in_(list(rows)),
            StageLog.days_in_from.is_not(None))):
        if stage_id is not None and n is not None:
            days[stage_id].append(n)
    for stage_id, values in days.items():
        rows[stage_id].median_days = float(statistics.median(values))


# ------------------------------------------------------------------ the drawing


def funnel_svg(f: Funnel, *, title: str, labels: dict[int, str], empty: str, width: int = 480) -> Markup:
    """The chain as a funnel: one band per step, its width the deals that
    reached it, the conversion to the next step beside it. SVG, so it prints."""
    chain = f.chain
    top = max((s.reached or 0 for s in chain), default=0)
    band, gap, left, room = 36, 6, 96, width - 96 - 56
    height = max(len(chain), 1) * (band + gap) + 10
    body: list[str] = []
    desc = "; ".join(f"{labels.get(s.stage.id, s.stage.name)}: {s.reached}" for s in chain)
    if not top:
        body.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#667382">'
                    f'{escape(empty)}</text>')
    for i, s in enumerate(chain if top else ()):
        y = 5 + i * (band + gap)
        w = max(room * (s.reached or 0) / top, 2)
        x = left + (room - w) / 2
        colour = "#009E73" if s.stage.kind == "won" else ("#0072B2", "#3B8BC2", "#56B4E9", "#7CC3EC")[min(i, 3)]
        name = escape(labels.get(s.stage.id, s.stage.name))
        body.append(f'<g><title>{name}: {s.reached}</title>'
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{band}" rx="3" fill="{colour}"/>'
                    f'<text x="{left - 8}" y="{y + band / 2 + 4}" text-anchor="end" fill="#1d273b">'
                    f'{name}</text>'
                    f'<text x="{left + room / 2}" y="{y + band / 2 + 5}" text-anchor="middle" '
                    f'fill="{"#ffffff" if w > 40 else "#1d273b"}" font-weight="600">{s.reached}</text>')
        if s.conversion is not None:
            body.append(f'<text x="{left + room + 10}" y="{y + band + gap / 2 + 4}" fill="#667382">'
                        f'↓ {s.conversion:.0%}</text>')
        body.append("</g>")
    # Stage names, title, desc and the empty text are escaped above: bandit B704 reviewed.
    return Markup(  # nosec B704
        f'<svg class="crm-funnel" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="\'PingFang SC\',\'Noto Sans CJK SC\',sans-serif" '
        f'font-size="14"><title>{escape(title)}</title><desc>{escape(desc)}</desc>{"".join(body)}</svg>')


# ------------------------------------------------------------------ competitors


@dataclass
class WinLoss:
    competitor: Competitor
    met: int = 0
    won: int = 0
    lost: int = 0
    open: int = 0
    won_amount: Decimal = Decimal("0")
    lost_amount: Decimal = Decimal("0")
    #: deals lost to this competitor (named as the winner)
    lost_to: int = 0
    lost_to_amount: Decimal = Decimal("0")

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


def win_loss(db: Session, actor: Actor, org_id: int, competitor_id: int | None = None) -> list[WinLoss]:
    """Per competitor of ``org_id``: the deals they were met on (won, lost,
    open, amounts) and the deals lost to them, among those ``actor`` may
    read; most met first."""
    stmt = select(Competitor).where(scope(actor, Competitor, "read"), Competitor.org_id == org_id)
    if competitor_id is not None:
        stmt = stmt.where(Competitor.id == competitor_id)
    rows = {c.id: WinLoss(c) for c in db.scalars(stmt.order_by(Competitor.name))}
    if not rows:
        return []
    readable = scope(actor, Opportunity, "read")
    won = case((Opportunity.state == "won", 1), else_=0)
    lost = case((Opportunity.state == "lost", 1), else_=0)
    for cid, met, n_won, n_lost, won_amount, lost_amount in db.execute(
            select(OpportunityCompetitor.competitor_id, func.count(Opportunity.id), func.sum(won),
                   func.sum(lost),
                   func.sum(case((Opportunity.state == "won", Opportunity.amount), else_=0)),
                   func.sum(case((Opportunity.state == "lost", Opportunity.amount), else_=0)))
            .join(Opportunity, Opportunity.id == OpportunityCompetitor.opportunity_id)
            .where(readable, OpportunityCompetitor.competitor_id.in_(list(rows)))
            .group_by(OpportunityCompetitor.competitor_id)):
        row = rows[cid]
        row.met, row.won, row.lost = int(met), int(n_won or 0), int(n_lost or 0)
        row.open = row.met - row.won - row.lost
        row.won_amount = Decimal(won_amount or 0).quantize(Decimal("0.01"))
        row.lost_amount = Decimal(lost_amount or 0).quantize(Decimal("0.01"))
    for cid, n, amount in db.execute(
            select(Opportunity.lost_to_id, func.count(Opportunity.id), func.sum(Opportunity.amount))
            .where(readable, Opportunity.state == "lost", Opportunity.lost_to_id.in_(list(rows)))
            .group_by(Opportunity.lost_to_id)):
        if cid is not None:
            rows[cid].lost_to = int(n)
            rows[cid].lost_to_amount = Decimal(amount or 0).quantize(Decimal("0.01"))
    return sorted(rows.values(), key=lambda r: (-r.met, -r.lost_to, r.competitor.name))


def competitor_deals(db: Session, actor: Actor, competitor_id: int, limit: int = 20) -> list[Any]:
    """Deals ``actor`` may read where the competitor was met or won, newest first."""
    met = select(OpportunityCompetitor.opportunity_id).where(
        OpportunityCompetitor.competitor_id == competitor_id)
    return list(db.scalars(select(Opportunity).where(
        scope(actor, Opportunity, "read"),
        (Opportunity.id.in_(met)) | (Opportunity.lost_to_id == competitor_id))
        .order_by(Opportunity.id.desc()).limit(limit)))
