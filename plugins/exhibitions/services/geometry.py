"""A floor plan's geometry, without the database: a booth's area, its open
sides from its neighbours, overlaps.

Every booth is taken by its bounding box (``x``, ``y``, ``width``,
``depth`` in metres; a polygon keeps its box in those columns). A side of a
booth is closed when other booths touch it (their facing edge within
:data:`TOUCH` of it) along its whole length (their overlaps cover it, less
:data:`TOUCH`). Neighbours are found through a hash of edges on a 0.1 m
grid, so a plan of 2,000 booths is done in a few milliseconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: how close two edges must be to touch, in metres
TOUCH = 0.05
#: open sides -> booth type
TYPES = {0: "inline", 1: "inline", 2: "corner", 3: "peninsula", 4: "island"}


@dataclass(frozen=True)
class Box:
    """A booth's bounding box, in metres."""

    id: int
    x: float
    y: float
    w: float
    d: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.d


def box_of(booth: Any) -> Box:
    return Box(int(booth.id or 0), float(booth.x), float(booth.y), float(booth.width), float(booth.depth))


def area(width: Decimal, depth: Decimal, points: Sequence[Sequence[Any]] | None = None) -> Decimal:
    """A rectangle's width × depth, or a polygon's area by the shoelace formula (m², 2 places)."""
    if points:
        pts = [(Decimal(str(p[0])), Decimal(str(p[1]))) for p in points]
        twice = sum((x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True)),
                    Decimal(0))
        return (abs(twice) / 2).quantize(Decimal("0.01"))
    return (Decimal(width) * Decimal(depth)).quantize(Decimal("0.01"))


def bounds(points: Sequence[Sequence[Any]]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A polygon's bounding box: x, y, width, depth."""
    xs = [Decimal(str(p[0])) for p in points]
    ys = [Decimal(str(p[1])) for p in points]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _key(value: float) -> int:
    return round(value * 10)


def _covered(length_from: float, length_to: float, spans: Iterable[tuple[float, float]]) -> bool:
    """Do ``spans`` cover [length_from, length_to] but for TOUCH?"""
    reach = length_from
    for start, end in sorted(spans):
        if start > reach + TOUCH:
            break
        reach = max(reach, end)
    return reach >= length_to - TOUCH


def open_sides(boxes: Sequence[Box]) -> dict[int, int]:
    """Each box's number of open sides (0–4), by its id."""
    lefts: dict[int, list[Box]] = defaultdict(list)
    rights: dict[int, list[Box]] = defaultdict(list)
    tops: dict[int, list[Box]] = defaultdict(list)
    bottoms: dict[int, list[Box]] = defaultdict(list)
    for b in boxes:
        lefts[_key(b.x)].append(b)
        rights[_key(b.right)].append(b)
        tops[_key(b.y)].append(b)
        bottoms[_key(b.bottom)].append(b)

    def near(index: dict[int, list[Box]], at: float, edge: str, me: Box) -> list[Box]:
        k = _key(at)
        return [o for j in (k - 1, k, k + 1) for o in index.get(j, ())
                if o.id != me.id and abs(getattr(o, edge) - at) <= TOUCH]

    out: dict[int, int] = {}
    for b in boxes:
        closed = 0
        # right side: boxes whose left edge is at b.right, overlapping in y
        for index, at, edge, vertical in ((lefts, b.right, "x", True), (rights, b.x, "right", True),
                                          (tops, b.bottom, "y", False), (bottoms, b.y, "bottom", False)):
            others = near(index, at, edge, b)
            if vertical:
                spans = [(max(o.y, b.y), min(o.bottom, b.bottom)) for o in others
                         if o.y < b.bottom and o.bottom > b.y]
                closed += _covered(b.y, b.bottom, spans) if spans else 0
            else:
                spans = [(max(o.x, b.x), min(o.right, b.right)) for o in others
                         if o.x < b.right and o.right > b.x]
                closed += _covered(b.x, b.right, spans) if spans else 0
        out[b.id] = 4 - closed
    return out


def booth_type(sides: int) -> str:
    return TYPES[sides]


def overlapping(new: Sequence[Box], existing: Sequence[Box], cell: float = 5.0) -> list[tuple[Box, Box]]:
    """Pairs (new, other) whose insides overlap (touching is fine); ``other``
    among ``existing`` and the other new boxes."""
    grid: dict[tuple[int, int], list[Box]] = defaultdict(list)

    def cells(b: Box) -> Iterable[tuple[int, int]]:
        for i in range(int(b.x // cell), int((b.right - 1e-9) // cell) + 1):
            for j in range(int(b.y // cell), int((b.bottom - 1e-9) // cell) + 1):
                yield i, j

    for b in existing:
        for c in cells(b):
            grid[c].append(b)
    found: list[tuple[Box, Box]] = []
    for b in new:
        seen: set[int] = set()
        for c in cells(b):
            for o in grid[c]:
                if o.id in seen or o.id == b.id:
                    continue
                seen.add(o.id)
                if (b.x < o.right - TOUCH and o.x < b.right - TOUCH and b.y < o.bottom - TOUCH
                        and o.y < b.bottom - TOUCH):
                    found.append((b, o))
            grid[c].append(b)
    return found
