"""Floor plans and the booths drawn on them: creating a plan, generating a
range of booths in a grid, drawing, moving, resizing, editing and deleting
one, the open sides from the neighbours, the plan's background drawing,
and copying a plan to another edition.

Every function takes ``(db, actor, ...)``, reads through the actor's scope
(``get_for``: another organisation's record is a 404) and writes nothing
when it refuses (a :class:`~core.ValidationError` naming the field). The
booth's status is not changed here but in :mod:`.booths`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Conflict,
    ValidationError,
    check_version,
    create_many,
    get_for,
    scope,
    utcnow,
)
from plugins.exhibitions.models import Booth, Edition, FloorPlan, Space, Zone
from plugins.exhibitions.models.choices import CONSTRUCTIONS
from plugins.exhibitions.services import geometry
from plugins.exhibitions.services.geometry import Box, box_of

#: most booths one generation makes
MOST = 2000
#: how long a rebooking offer (the hold of a copied plan's booth) lasts by default
OFFER_DAYS = 30


#: what a clash of booth numbers says (the clashing numbers follow it)
NUMBERS_TAKEN = N_("These numbers are already used in the edition:")


class NumbersTaken(ValidationError):
    """Booth numbers already used in the edition: ``errors`` names
    ``numbers`` with the clashing ones; ``taken`` lists them."""

    def __init__(self, taken: list[str]) -> None:
        super().__init__({"numbers": f"{NUMBERS_TAKEN} {', '.join(taken)}"})
        self.taken = taken


# ------------------------------------------------------------------ plans


def create_plan(db: Session, actor: Actor, values: dict[str, Any]) -> FloorPlan:
    """A new plan of a hall in an edition (one per hall and edition)."""
    edition = _edition(db, actor, values.get("edition_id"))
    hall = _hall(db, actor, values.get("space_id"))
    _check_size(values)
    if db.scalar(select(FloorPlan.id).where(FloorPlan.edition_id == edition.id, FloorPlan.space_id == hall.id)):
        raise ValidationError({"space_id": N_("This hall already has a plan in that edition.")})
    plan = FloorPlan(org_id=edition.org_id, **{**values, "edition_id": edition.id, "space_id": hall.id})
    if not plan.title:
        plan.title = hall.name
    db.add(plan)
    db.flush()
    return plan


def update_plan(db: Session, actor: Actor, plan: FloorPlan, values: dict[str, Any]) -> None:
    """Change a plan's title, size, grid or note (edition and hall stay)."""
    _check_size({**{"width": plan.width, "depth": plan.depth, "grid": plan.grid}, **values})
    for name in ("title", "width", "depth", "grid", "note"):
        if name in values:
            setattr(plan, name, values[name])
    db.flush()


def _check_size(values: dict[str, Any]) -> None:
    for name in ("width", "depth"):
        value = values.get(name)
        if value is not None and not Decimal(0) < Decimal(value) <= Decimal(2000):
            raise ValidationError({name: N_("Give a size between 0 and 2,000 m.")})
    grid = values.get("grid")
    if grid is not None and not Decimal("0.1") <= Decimal(grid) <= Decimal(10):
        raise ValidationError({"grid": N_("Give a grid between 0.1 and 10 m.")})


def _edition(db: Session, actor: Actor, edition_id: Any) -> Edition:
    if edition_id in (None, ""):
        raise ValidationError({"edition_id": N_("Choose the edition.")})
    found = db.scalar(select(Edition).where(Edition.id == int(edition_id), scope(actor, Edition)))
    if found is None:
        raise ValidationError({"edition_id": N_("Choose an edition you may see.")})
    return found


def _hall(db: Session, actor: Actor, space_id: Any) -> Space:
    if space_id in (None, ""):
        raise ValidationError({"space_id": N_("Choose the hall.")})
    found = db.scalar(select(Space).where(Space.id == int(space_id), scope(actor, Space)))
    if found is None:
        raise ValidationError({"space_id": N_("Choose a hall you may see.")})
    return found


def set_background(db: Session, actor: Actor, plan_id: int, store: Any, *, filename: object,
                   stream: IO[bytes] | None, version: object) -> FloorPlan:
    """Upload the plan's background drawing (SVG or PNG) as an attachment of the plan."""
    from plugins.activity.services.attachments import add_attachment

    plan = get_for(db, actor, FloorPlan, plan_id, "update")
    check_version(plan, version)
    name = str(filename or "").lower()
    if not name.endswith((".svg", ".png")):
        raise ValidationError({"file": N_("Upload the drawing as an SVG or PNG file.")})
    attachment = add_attachment(db, actor, store, plan, filename=filename, stream=stream)
    plan.background_id = attachment.id
    db.flush()
    return plan


# ------------------------------------------------------------------ booths


@dataclass(frozen=True)
class GridSpec:
    """A range of booths to generate, row by row (see :func:`generate`).

    Rows are back to back in pairs (a block of two rows), an aisle between
    blocks, when ``back_to_back``; otherwise an aisle after every row."""

    prefix: str
    first: int
    last: int
    columns: int
    width: Decimal
    depth: Decimal
    aisle: Decimal
    x: Decimal = Decimal(0)
    y: Decimal = Decimal(0)
    construction: str = "shell"
    zone_id: int | None = None
    pavilion: str = ""
    back_to_back: bool = True


def generate(db: Session, actor: Actor, plan_id: int, spec: GridSpec) -> list[int]:
    """Draw booths ``prefix + first`` … ``prefix + last`` on a plan in a
    grid, in one bulk insert; numbers already used in the edition, booths
    outside the plan or over others are refused, naming the field, and
    nothing is written. The new booths' ids."""
    actor.require("exhibitions.booth.create")
    plan = get_for(db, actor, FloorPlan, plan_id)
    _check_spec(db, plan, spec)
    numbers = [f"{spec.prefix}{n}" for n in range(spec.first, spec.last + 1)]
    taken = set(db.scalars(select(Booth.number).where(Booth.edition_id == plan.edition_id,
                                                      Booth.number.in_(numbers))))
    if taken:
        raise NumbersTaken(sorted(taken))
    boxes = []
    for i in range(len(numbers)):
        row, col = divmod(i, spec.columns)
        gaps = (row // 2 if spec.back_to_back else row) * spec.aisle
        bx, by = spec.x + col * spec.width, spec.y + row * spec.depth + gaps
        boxes.append(Box(-(i + 1), float(bx), float(by), float(spec.width), float(spec.depth)))
    _check_inside(plan, boxes, "numbers")
    existing = [box_of(b) for b in _booths(db, plan.id)]
    if geometry.overlapping(boxes, existing):
        raise ValidationError({"numbers": N_("The booths would lie over booths already drawn.")})
    rows = [{"org_id": plan.org_id, "plan_id": plan.id, "edition_id": plan.edition_id, "number": number,
             "x": _m(b.x), "y": _m(b.y), "width": spec.width, "depth": spec.depth,
             "area": geometry.area(spec.width, spec.depth), "construction": spec.construction,
             "zone_id": spec.zone_id, "pavilion": spec.pavilion, "status": "available"}
            for number, b in zip(numbers, boxes, strict=True)]
    ids = create_many(db, actor, Booth, rows)
    recompute_sides(db, plan.id)
    return ids


def _check_spec(db: Session, plan: FloorPlan, spec: GridSpec) -> None:
    if not spec.prefix.strip() or len(spec.prefix) > 10:
        raise ValidationError({"prefix": N_("Give a prefix of 1 to 10 characters, such as A.")})
    if spec.first < 0 or spec.last < spec.first:
        raise ValidationError({"last": N_("The last number comes after the first.")})
    if spec.last - spec.first + 1 > MOST:
        raise ValidationError({"last": N_("Generate at most 2,000 booths at once.")})
    if spec.columns < 1:
        raise ValidationError({"columns": N_("Give at least one column.")})
    for name in ("width", "depth"):
        if not Decimal("0.5") <= getattr(spec, name) <= Decimal(200):
            raise ValidationError({name: N_("Give a size between 0.5 and 200 m.")})
    if spec.aisle < 0:
        raise ValidationError({"aisle": N_("An aisle is not negative.")})
    if spec.construction not in CONSTRUCTIONS:
        raise ValidationError({"construction": N_("Choose one of the offered values.")})
    _check_zone(db, plan, spec.zone_id)


def _check_zone(db: Session, plan: FloorPlan, zone_id: int | None) -> None:
    if zone_id is not None and db.scalar(select(Zone.space_id).where(Zone.id == zone_id)) != plan.space_id:
        raise ValidationError({"zone_id": N_("Choose a zone of the plan's hall.")})


def _check_inside(plan: FloorPlan, boxes: Sequence[Box], field: str) -> None:
    w, d = float(plan.width), float(plan.depth)
    if any(b.x < -geometry.TOUCH or b.y < -geometry.TOUCH or b.right > w + geometry.TOUCH
           or b.bottom > d + geometry.TOUCH for b in boxes):
        raise ValidationError({field: N_("The booths must lie inside the plan.")})


def _booths(db: Session, plan_id: int) -> list[Booth]:
    return list(db.scalars(select(Booth).where(Booth.plan_id == plan_id).order_by(Booth.id)))


def recompute_sides(db: Session, plan_id: int) -> int:
    """Set every booth's open sides and type on a plan from its neighbours;
    only the booths that change are written (without a new version: it is
    computed, no one's edit). How many changed."""
    rows = db.execute(select(Booth.id, Booth.x, Booth.y, Booth.width, Booth.depth, Booth.points,
                             Booth.open_sides, Booth.booth_type).where(Booth.plan_id == plan_id)).all()
    sides = geometry.open_sides([box_of(r) for r in rows])
    changed = [{"b_id": r.id, "b_sides": sides[r.id], "b_type": geometry.booth_type(sides[r.id])}
               for r in rows if (sides[r.id], geometry.booth_type(sides[r.id])) != (r.open_sides, r.booth_type)]
    if changed:
        table = cast("Table", Booth.__table__)
        db.execute(update(table).where(table.c.id == bindparam("b_id"))
                   .values(open_sides=bindparam("b_sides"), booth_type=bindparam("b_type")), changed)
        for obj in [o for o in db.identity_map.values() if isinstance(o, Booth)]:
            db.expire(obj, ["open_sides", "booth_type"])
    return len(changed)


def create_booth(db: Session, actor: Actor, values: dict[str, Any]) -> Booth:
    """One booth drawn on a plan (the form, or a drag on the plan)."""
    plan_id = values.get("plan_id")
    if plan_id in (None, ""):
        raise ValidationError({"plan_id": N_("Choose the floor plan.")})
    plan = db.scalar(select(FloorPlan).where(FloorPlan.id == int(plan_id), scope(actor, FloorPlan)))
    if plan is None:
        raise ValidationError({"plan_id": N_("Choose a floor plan you may see.")})
    booth = Booth(org_id=plan.org_id, plan_id=plan.id, edition_id=plan.edition_id, status="available")
    _apply(db, plan, booth, values)
    db.add(booth)
    db.flush()
    recompute_sides(db, plan.id)
    return booth


def update_booth(db: Session, actor: Actor, booth: Booth, values: dict[str, Any]) -> None:
    """Change a booth's number, kind, zone, pavilion, note or shape."""
    plan = db.get(FloorPlan, booth.plan_id)
    assert plan is not None
    _apply(db, plan, booth, {k: v for k, v in values.items() if k != "plan_id"})
    db.flush()
    recompute_sides(db, plan.id)


def reshape(db: Session, actor: Actor, booth_id: int, *, x: Any, y: Any, width: Any, depth: Any,
            version: object) -> Booth:
    """Move or resize a booth (a drag on the plan), snapped to the plan's
    grid; a polygon is moved and stretched with its box. A stale version
    is the kernel's conflict."""
    booth = get_for(db, actor, Booth, booth_id, "update")
    check_version(booth, version)
    plan = db.get(FloorPlan, booth.plan_id)
    assert plan is not None
    values: dict[str, Any] = {"x": _snap(x, plan.grid, "x"), "y": _snap(y, plan.grid, "y"),
                              "width": _snap(width, plan.grid, "width"),
                              "depth": _snap(depth, plan.grid, "depth"), "points": None}
    if booth.points and values["width"] > 0 and values["depth"] > 0:
        values["points"] = _stretched(booth, values)
    _apply(db, plan, booth, values)
    db.flush()
    recompute_sides(db, plan.id)
    return booth


def _stretched(booth: Booth, box: dict[str, Decimal]) -> list[list[float]]:
    """A polygon's corners moved and stretched from its box to ``box``."""
    sx, sy = box["width"] / booth.width, box["depth"] / booth.depth
    return [[float(((Decimal(str(p[0])) - booth.x) * sx + box["x"]).quantize(Decimal("0.01"))),
             float(((Decimal(str(p[1])) - booth.y) * sy + box["y"]).quantize(Decimal("0.01")))]
            for p in booth.points or ()]


def delete_booth(db: Session, actor: Actor, booth_id: int, version: object) -> int:
    """Delete an available booth; its plan's id."""
    booth = get_for(db, actor, Booth, booth_id, "delete")
    check_version(booth, version)
    if booth.status != "available":
        raise Conflict(N_("Booth {number} is not available: only available booths are deleted."),
                       number=booth.number)
    plan_id = booth.plan_id
    db.delete(booth)
    db.flush()
    recompute_sides(db, plan_id)
    return plan_id


def _snap(raw: Any, grid: Decimal, field: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError:
        raise ValidationError({field: N_("Enter a number.")}) from None
    if not value.is_finite():
        raise ValidationError({field: N_("Enter a number.")})
    step = grid if grid and grid > 0 else Decimal(1)
    return ((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(Decimal("0.01"))


def _apply(db: Session, plan: FloorPlan, booth: Booth, values: dict[str, Any]) -> None:
    """Set and check a booth's values: number unique in the edition, the
    shape inside the plan and over no other booth, area from the shape."""
    number = str(values.get("number", booth.number) or "").strip()
    if not number:
        raise ValidationError({"number": N_("Give the booth a number.")})
    clash = db.scalar(select(Booth.id).where(Booth.edition_id == plan.edition_id, Booth.number == number,
                                             Booth.id != (booth.id or 0)))
    if clash is not None:
        raise ValidationError({"number": N_("This number is already used in the edition.")})
    if values.get("construction", booth.construction or "shell") not in CONSTRUCTIONS:
        raise ValidationError({"construction": N_("Choose one of the offered values.")})
    if "zone_id" in values:
        _check_zone(db, plan, values["zone_id"])
    points = values.get("points", booth.points)
    if points:
        points = _polygon(points)
        x, y, width, depth = geometry.bounds(points)
    else:
        x, y, width, depth = (_value(values, booth, k, default)
                              for k, default in (("x", 0), ("y", 0), ("width", 3), ("depth", 3)))
    for name, size in (("width", width), ("depth", depth)):
        if size <= 0:
            raise ValidationError({name: N_("Give a size above 0 m.")})
    me = Box(booth.id or -1, float(x), float(y), float(width), float(depth),
             tuple((float(p[0]), float(p[1])) for p in points) if points else None)
    shape = "points" if points else "x"
    _check_inside(plan, [me], shape)
    others = [box_of(b) for b in _booths(db, plan.id) if b.id != booth.id]
    if geometry.overlapping([me], others):
        raise ValidationError({shape: N_("The booth would lie over another booth.")})
    for name in ("number", "construction", "zone_id", "pavilion", "note"):
        if name in values:
            setattr(booth, name, number if name == "number" else values[name])
    booth.x, booth.y, booth.width, booth.depth, booth.points = x, y, width, depth, points or None
    booth.area = geometry.area(width, depth, points)


def _polygon(raw: Any) -> list[list[float]]:
    """A polygon's corners checked: 3 to 64 pairs of numbers in metres (2 places), a simple
    polygon (no side crossing another) with an area. Refused naming ``points``."""
    if not isinstance(raw, list | tuple) or not 3 <= len(raw) <= geometry.MOST_CORNERS:
        raise ValidationError({"points": N_("Give a polygon of 3 to 64 corners.")})
    not_a_pair = ValidationError({"points": N_("Give each corner as a pair of numbers (x, y in metres).")})
    corners: list[list[float]] = []
    for p in raw:
        if not isinstance(p, list | tuple) or len(p) != 2:
            raise not_a_pair
        try:
            pair = [Decimal(str(v)).quantize(Decimal("0.01")) for v in p]
        except ArithmeticError:
            raise not_a_pair from None
        if any(not v.is_finite() or abs(v) > 100000 for v in pair):
            raise not_a_pair
        corners.append([float(pair[0]), float(pair[1])])
    if not geometry.is_simple([(p[0], p[1]) for p in corners]):
        crossing = N_("The outline crosses itself or has no area: draw a simple polygon.")
        raise ValidationError({"points": crossing})
    return corners


def _value(values: dict[str, Any], booth: Booth, name: str, default: int) -> Decimal:
    value = values.get(name, getattr(booth, name))
    return Decimal(str(value)) if value not in (None, "") else Decimal(default)


def _m(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


# ------------------------------------------------------------------ copy


def copy_plan(db: Session, actor: Actor, plan_id: int, edition_id: int, *,
              offer_until: datetime | None = None) -> FloorPlan:
    """The plan again in another edition: the same hall, size, background
    and booths (numbers, shapes, kinds, zones, pavilions), all available,
    but for a rebooking offer to each exhibitor of a booth sold in the
    source: that booth held for them until ``offer_until`` (default in
    30 days), so the previous exhibitors get first pick."""
    actor.require("exhibitions.floor_plan.create")
    actor.require("exhibitions.booth.create")
    source = get_for(db, actor, FloorPlan, plan_id)
    edition = _edition(db, actor, edition_id)
    if edition.id == source.edition_id:
        raise ValidationError({"edition_id": N_("Choose another edition than the plan's own.")})
    until = offer_until or utcnow() + timedelta(days=OFFER_DAYS)
    if until <= utcnow():
        raise ValidationError({"offer_until": N_("A hold ends in the future.")})
    plan = create_plan(db, actor, {"edition_id": edition.id, "space_id": source.space_id, "title": source.title,
                                   "width": source.width, "depth": source.depth, "grid": source.grid,
                                   "note": source.note})
    plan.background_id = source.background_id
    booths = _booths(db, source.id)
    numbers = [b.number for b in booths]
    taken = set(db.scalars(select(Booth.number).where(Booth.edition_id == edition.id,
                                                      Booth.number.in_(numbers))))
    if taken:
        raise NumbersTaken(sorted(taken))
    rows = []
    for b in booths:
        offered = b.status == "sold" and b.customer_id is not None
        rows.append({"org_id": plan.org_id, "plan_id": plan.id, "edition_id": edition.id, "number": b.number,
                     "x": b.x, "y": b.y, "width": b.width, "depth": b.depth, "points": b.points, "area": b.area,
                     "booth_type": b.booth_type, "open_sides": b.open_sides, "construction": b.construction,
                     "zone_id": b.zone_id, "pavilion": b.pavilion,
                     "status": "held" if offered else "available",
                     "customer_id": b.customer_id if offered else None,
                     "held_until": until if offered else None,
                     "owner_id": b.owner_id if offered else actor.user_id,
                     "note": b.note})
    create_many(db, actor, Booth, rows)
    return plan
