"""What the interactive plan shows: every booth of a plan in one query, the
exhibitors' names and industries the reader may read in one more, the
unpaid contracts in a third, and the SVG built on the server as one string (2,000 booths in a
few milliseconds; ``bench/exhibitions_plan.py`` measures the page).

An exhibitor's name is shown only for a customer inside the reader's
``crm.customer.read`` scope, and only as the field rules let them read it;
the industry likewise (the highlight by industry); the unpaid mark only for
contracts they may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Actor, scope, shown_value
from plugins.crm.models import Customer
from plugins.crm.models.choices import INDUSTRIES
from plugins.exhibitions.models import Booth, FloorPlan, Zone
from plugins.exhibitions.models.choices import BOOTH_STATES, BOOTH_TYPES, CONSTRUCTIONS
from plugins.exhibitions.services import geometry

#: the columns the plan reads (never whole rows: 2,000 of them)
COLUMNS = (Booth.id, Booth.version, Booth.number, Booth.x, Booth.y, Booth.width, Booth.depth, Booth.points,
           Booth.area, Booth.booth_type, Booth.construction, Booth.zone_id, Booth.pavilion, Booth.status,
           Booth.customer_id, Booth.contract_id, Booth.price, Booth.held_until)


@dataclass
class Tally:
    count: int = 0
    area: Decimal = Decimal(0)


@dataclass
class PlanView:
    """A plan's booths as shown: rows (plain values), the legend, the options of the filters."""

    booths: list[dict[str, Any]]
    legend: dict[str, Tally]
    pavilions: list[str]
    zones: list[tuple[int, str]]
    total: Tally = field(default_factory=Tally)
    #: the exhibitors' industries on the plan (those the reader may read): code, label
    industries: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Exhibitor:
    """What the plan shows of a booth's exhibitor: the short name (or name) and the industry's code."""

    name: str
    industry: str


def exhibitors(db: Session, actor: Actor, ids: Iterable[int | None]) -> dict[int, Exhibitor]:
    """The customers among ``ids`` the reader may read, in one query: their short
    names (or names) and industries, as the field rules let the reader read them."""
    wanted = {i for i in ids if i is not None}
    if not wanted or not actor.can("crm.customer.read"):
        return {}
    rows = db.execute(select(Customer.id, Customer.name, Customer.short_name, Customer.industry)
                      .where(Customer.id.in_(wanted), scope(actor, Customer))).all()
    industry_withheld = "industry" in actor.hidden_fields(Customer) | actor.masked_fields(Customer)
    out = {}
    for r in rows:
        short = shown_value(actor, Customer, "short_name", r.short_name)
        name = shown_value(actor, Customer, "name", r.name)
        out[r.id] = Exhibitor(str(short or name or ""), "" if industry_withheld else r.industry or "")
    return out


def customer_names(db: Session, actor: Actor, ids: Iterable[int | None]) -> dict[int, str]:
    """Short names (or names) of the customers among ``ids`` the reader may read."""
    return {i: e.name for i, e in exhibitors(db, actor, ids).items() if e.name}


def unpaid_contracts(db: Session, actor: Actor, ids: Iterable[int | None]) -> set[int]:
    """The contracts among ``ids`` the reader may read that have received less than their total."""
    from plugins.sales.models import Contract

    wanted = {i for i in ids if i is not None}
    if not wanted or not actor.can("sales.contract.read"):
        return set()
    return set(db.scalars(select(Contract.id).where(Contract.id.in_(wanted), scope(actor, Contract),
                                                    Contract.received < Contract.total)))


def plan_view(db: Session, actor: Actor, plan: FloorPlan, t: Any) -> PlanView:
    """The plan's booths, each a dict of what the plan shows, in the reader's language ``t``."""
    rows = db.execute(select(*COLUMNS).where(Booth.plan_id == plan.id, scope(actor, Booth))
                      .order_by(Booth.number)).all()
    zones = [(z.id, z.name) for z in db.execute(select(Zone.id, Zone.name).where(Zone.space_id == plan.space_id,
                                                                                 scope(actor, Zone))
                                                .order_by(Zone.code))]
    booths = plan_view_of(db, actor, rows, t)
    legend = {status: Tally() for status in BOOTH_STATES}
    total = Tally()
    for b in booths:
        legend[b["status"]].count += 1
        legend[b["status"]].area += b["area"]
        total.count += 1
        total.area += b["area"]
    pavilions = sorted({b["pavilion"] for b in booths if b["pavilion"]})
    return PlanView(booths, legend, pavilions, zones, total, industries(booths, t))


def industries(booths: Iterable[dict[str, Any]], t: Any) -> list[tuple[str, str]]:
    """The industries of the booths' exhibitors: code and label in the reader's language, in the
    CRM's order of its choices (the same in both languages), codes it no longer offers last."""
    codes = {b["industry"] for b in booths if b["industry"]}
    order = {code: i for i, code in enumerate(INDUSTRIES)}
    return [(c, t.gettext(INDUSTRIES[c]) if c in INDUSTRIES else c)
            for c in sorted(codes, key=lambda c: (order.get(c, len(order)), c))]


def plan_view_of(db: Session, actor: Actor, rows: Sequence[Any], t: Any) -> list[dict[str, Any]]:
    """Booths (rows or records with the :data:`COLUMNS`) as the plan shows them."""
    people = exhibitors(db, actor, (r.customer_id for r in rows))
    nobody = Exhibitor("", "")
    unpaid = unpaid_contracts(db, actor, (r.contract_id for r in rows if r.status == "sold"))
    types = {k: t.gettext(v) for k, v in BOOTH_TYPES.items()}
    kinds = {k: t.gettext(v) for k, v in CONSTRUCTIONS.items()}
    withheld = actor.hidden_fields(Booth) | actor.masked_fields(Booth)
    if withheld:  # what the reader may not read in clear is not drawn
        rows = [_Withheld(r, withheld) for r in rows]
    return [{"id": r.id, "version": r.version, "number": r.number, "x": r.x, "y": r.y,
             "width": r.width, "depth": r.depth, "points": r.points, "area": r.area,
             "type": r.booth_type, "type_label": types.get(r.booth_type, r.booth_type),
             "construction": r.construction, "construction_label": kinds.get(r.construction, ""),
             "zone_id": r.zone_id, "pavilion": r.pavilion, "status": r.status,
             "exhibitor": people.get(r.customer_id, nobody).name if r.customer_id else "",
             "industry": people.get(r.customer_id, nobody).industry if r.customer_id else "",
             "held_until": r.held_until,
             "unpaid": r.contract_id in unpaid, "price": t.money(r.price) if r.price else "",
             "rate": _rate(r)} for r in rows]


def _rate(row: Any) -> Decimal | None:
    """A booth's price per m² (the heat map's value), or None when unpriced or blocked."""
    price, area = Decimal(row.price or 0), Decimal(row.area or 0)
    if row.status == "blocked" or price <= 0 or area <= 0:
        return None
    return (price / area).quantize(Decimal("0.01"))


# ------------------------------------------------------------------ the heat map (colour by revenue per m²)

#: how a plan may be coloured: ``?colour=`` of the plan page (anything else is a 400)
COLOURINGS = ("status", "revenue")
#: the sequential scale, light to dark (ColorBrewer YlOrRd), and the grey of unpriced or blocked booths
HEAT_STOPS = ((0xFF, 0xFF, 0xCC), (0xFE, 0xB2, 0x4C), (0xE3, 0x1A, 0x1C))
HEAT_NONE = "#cbd5e1"


@dataclass(frozen=True)
class HeatScale:
    """The range of prices per m² the heat map spreads its colours over (None: no priced booth)."""

    low: Decimal | None
    high: Decimal | None

    @property
    def key(self) -> str:
        """The range as text (the plan's ``data-heat``): a booth changed on the heat
        map fits the plan's colours only while the range stays the same."""
        return "" if self.low is None or self.high is None else f"{self.low}:{self.high}"

    def colour(self, rate: Decimal | None) -> str:
        """The fill of a booth of ``rate`` per m²: grey when unpriced, else on the scale."""
        if rate is None or self.low is None or self.high is None:
            return HEAT_NONE
        span = self.high - self.low
        share = float((rate - self.low) / span) if span > 0 else 1.0
        return heat_colour(min(max(share, 0.0), 1.0))

    def stops(self, count: int = 5) -> list[str]:
        """Colours evenly along the scale, for the legend's gradient."""
        return [heat_colour(i / (count - 1)) for i in range(count)]


def heat_colour(share: float) -> str:
    """The colour at ``share`` (0 to 1) of the sequential scale, as ``#rrggbb``."""
    scaled = share * (len(HEAT_STOPS) - 1)
    i = min(int(scaled), len(HEAT_STOPS) - 2)
    f = scaled - i
    a, b = HEAT_STOPS[i], HEAT_STOPS[i + 1]
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b, strict=True))


def heat_scale(booths: Iterable[dict[str, Any]]) -> HeatScale:
    """The lowest and highest price per m² among the booths (those priced and not blocked)."""
    rates = [b["rate"] for b in booths if b.get("rate") is not None]
    return HeatScale(min(rates), max(rates)) if rates else HeatScale(None, None)


class _Withheld:
    """A booth row with the fields the reader may not read in clear left blank."""

    BLANK: dict[str, Any] = {"number": "", "pavilion": "", "price": Decimal(0), "customer_id": None,
                             "contract_id": None, "held_until": None, "zone_id": None}

    def __init__(self, row: Any, withheld: set[str] | frozenset[str]) -> None:
        self._row, self._withheld = row, withheld

    def __getattr__(self, name: str) -> Any:
        if name in self._withheld and name in self.BLANK:
            return self.BLANK[name]
        return getattr(self._row, name)


def _n(value: Any) -> str:
    """A coordinate as short text: 12, 4.5."""
    text = f"{Decimal(value).normalize():f}" if isinstance(value, Decimal) else f"{float(value):g}"
    return text


def booth_svg(b: dict[str, Any], heat: HeatScale | None = None) -> str:
    """One booth as an SVG group: its shape coloured by status (or, given the
    ``heat`` scale, by its price per m²), its number, and the exhibitor's short name."""
    x, y, w, d = float(b["x"]), float(b["y"]), float(b["width"]), float(b["depth"])
    unpaid = " exh-unpaid" if b["unpaid"] else ""
    attrs = (f'id="exh-booth-{b["id"]}" class="exh-booth exh-{b["status"]}{unpaid}" '
             f'data-id="{b["id"]}" data-v="{b["version"]}" data-n="{escape(b["number"])}" '
             f'data-a="{_n(b["area"])}" data-t="{escape(b["type_label"])}" data-k="{b["construction"]}" '
             f'data-kl="{escape(b["construction_label"])}" data-z="{b["zone_id"] or ""}" '
             f'data-pv="{escape(b["pavilion"])}" data-p="{escape(b["price"])}" '
             f'data-e="{escape(b["exhibitor"])}" '
             + (f'data-ind="{escape(b["industry"])}" ' if b.get("industry") else "") +
             f'data-x="{_n(b["x"])}" data-y="{_n(b["y"])}" data-w="{_n(b["width"])}" data-d="{_n(b["depth"])}"')
    fill = ""
    if heat is not None:
        rate = b.get("rate")
        fill = f' style="fill:{heat.colour(rate)}"'
        attrs += f' data-r="{"" if rate is None else _n(rate)}"'
    if b["points"]:
        pts = " ".join(f"{float(p[0]):g},{float(p[1]):g}" for p in b["points"])
        shape = f'<polygon points="{pts}"{fill}/>'
    else:
        shape = f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{d:g}"{fill}/>'
    size = max(0.6, min(w / (len(b["number"]) * 0.62 + 0.4), d / 2.6, 2.4))
    cx, cy = geometry.label_point(b["points"]) if b["points"] else (x + w / 2, y + d / 2)
    label = f'<text x="{cx:g}" y="{cy - (size * 0.15 if b["exhibitor"] else -size * 0.35):g}" ' \
            f'font-size="{size:.2f}">{escape(b["number"])}</text>'
    if b["exhibitor"] and d >= 2.5:
        small = size * 0.62
        name = b["exhibitor"][: max(2, int(w / small))]
        label += f'<text class="exh-name" x="{cx:g}" y="{cy + small * 1.2:g}" font-size="{small:.2f}">' \
                 f'{escape(name)}</text>'
    return f"<g {attrs}>{shape}{label}</g>"


def plan_svg(plan: FloorPlan, booths: list[dict[str, Any]], background_url: str | None = None, *,
             heat: HeatScale | None = None, svg_id: str = "exh-plan-svg") -> str:
    """The whole plan: a viewBox in metres, the background drawing under the booths, the grid, the booths.
    Given the ``heat`` scale, booths are coloured by their price per m² instead of their status."""
    w, d = _n(plan.width), _n(plan.depth)
    heat_class = " exh-heatmap" if heat is not None else ""
    heat_key = f' data-heat="{heat.key}"' if heat is not None else ""
    parts = [f'<svg id="{escape(svg_id)}" class="exh-plan{heat_class}"{heat_key} '
             'xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="-1 -1 '
             f'{float(plan.width) + 2:g} {float(plan.depth) + 2:g}" data-grid="{_n(plan.grid)}" '
             f'data-w="{w}" data-d="{d}" preserveAspectRatio="xMidYMid meet" role="img">',
             f'<rect class="exh-hall" x="0" y="0" width="{w}" height="{d}"/>']
    if background_url:
        parts.append(f'<image class="exh-background" href="{escape(background_url)}" x="0" y="0" width="{w}" '
                     f'height="{d}" preserveAspectRatio="none"/>')
    if heat is not None:  # the status colours' dark text on the grey of blocked booths
        parts.append("<style>.exh-heatmap .exh-booth text{fill:#0f172a}</style>")
    parts.append('<g class="exh-booths">')
    parts += [booth_svg(b, heat) for b in booths]
    parts.append("</g></svg>")
    return "".join(parts)
