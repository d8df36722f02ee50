"""Server-rendered SVG diagrams: workflows (state machines) and approval chains.

Pure Python, no layout engine: :func:`workflow_svg` places states in layers
from the initial state (longest path, left to right) and routes every edge so
that it never crosses a box — an edge to the next layer is a straight line
through the free gap between two columns; any other edge (a back edge, or a
forward edge skipping layers) leaves its box to the top or the bottom, runs
along a horizontal *lane* above or below all boxes and comes back down (or
up) into its target. :func:`chain_svg` draws an approval chain as columns of
parallel steps joined by orthogonal connectors.

The output is one inline ``<svg>`` (presentation attributes only, so it
prints and survives a sanitiser that drops ``<style>``), deterministic for a
given input, with every piece of text escaped. Text widths are estimated
(a CJK character is about 1 em, a Latin letter about 0.58 em) and labels
wider than their room are cut with an ellipsis and a ``<title>`` tooltip.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["Edge", "StepBox", "chain_svg", "fit_text", "text_width", "workflow_svg"]

FONT_STACK = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
BLUE, GREEN, RED, ORANGE = "#206bc4", "#2fb344", "#d63939", "#f76707"
LIGHT, GREY, MUTED, TEXT, WHITE = "#e6e7e9", "#616876", "#9aa0ac", "#1d273b", "#ffffff"

STATE_FONT, EDGE_FONT, LINE_FONT = 13.0, 12.0, 12.0
BOX_H, BOX_MIN_W, BOX_MAX_W, BOX_PAD = 38.0, 96.0, 200.0, 14.0
EDGE_LABEL_MAX = 170.0
LANE_H, LANE_OFFSET, CHANNEL_STEP, RADIUS = 26.0, 26.0, 10.0, 8.0
STATUSES = ("", "waiting", "active", "approved", "rejected", "skipped")

_NARROW = set("iljtfI.,:;'|!()[]{} \"`")
_WIDE_LATIN = set("mwMW@%&")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- text ---------------------------------------------------------------------------------------

def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` in px at font ``size``: CJK and
    other full-width characters count 1 em, Latin letters about 0.58 em."""
    em = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        if unicodedata.east_asian_width(char) in ("W", "F"):
            em += 1.0
        elif char in _NARROW:
            em += 0.32
        elif char.isupper() or char in _WIDE_LATIN:
            em += 0.72
        else:
            em += 0.58
    return em * size * (1.06 if bold else 1.0)


def fit_text(text: str, size: float, max_width: float, *, bold: bool = False) -> str:
    """``text``, cut with an ellipsis so it fits ``max_width`` px."""
    if text_width(text, size, bold=bold) <= max_width + 0.01:
        return text
    cut = text
    while cut and text_width(cut + "…", size, bold=bold) > max_width:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def _esc(text: str) -> str:
    return escape(_CONTROL.sub(" ", text), quote=True)


def _n(value: float) -> str:
    out = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def _text(x: float, y: float, full: str, shown: str, *, size: float, fill: str,
          weight: str = "normal", anchor: str = "middle") -> str:
    """A one-line label centred vertically on ``y``; a cut label carries the full text as tooltip."""
    el = (f'<text x="{_n(x)}" y="{_n(y + size * 0.35)}" font-size="{_n(size)}" fill="{fill}" '
          f'font-weight="{weight}" text-anchor="{anchor}">{_esc(shown)}</text>')
    return el if shown == full else f"<g><title>{_esc(full)}</title>{el}</g>"


# --- canvas -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, other: _Box, margin: float = 0.0) -> bool:
        return (self.x < other.right + margin and other.x < self.right + margin
                and self.y < other.bottom + margin and other.y < self.bottom + margin)


@dataclass
class _Canvas:
    """SVG fragments in paint order (edges, boxes, labels) and the extent they cover."""

    edges: list[str] = field(default_factory=list)
    boxes: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    extent: list[float] = field(default_factory=lambda: [1e9, 1e9, -1e9, -1e9])

    def cover(self, box: _Box) -> None:
        e = self.extent
        e[:] = [min(e[0], box.x), min(e[1], box.y), max(e[2], box.right), max(e[3], box.bottom)]

    def render(self, *, uid: str, kind: str, title: str, markers: Iterable[tuple[str, str]]) -> str:
        pad = 10.0
        x0, y0 = int(self.extent[0] - pad), int(self.extent[1] - pad)
        w, h = int(self.extent[2] + pad + 1) - x0, int(self.extent[3] + pad + 1) - y0
        defs = "".join(
            f'<marker id="{uid}-{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" '
            f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>' for name, color in markers)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0} {y0} {w} {h}" width="{w}" '
                f'height="{h}" role="img" aria-label="{_esc(title)}" class="sp-diagram sp-diagram-{kind}" '
                f'id="{uid}" font-family="{FONT_STACK}">'
                f"<title>{_esc(title)}</title><defs>{defs}</defs><style>{_SHRINK}</style>"
                f'<g class="sp-edges" fill="none">{"".join(self.edges)}</g>'
                f'<g class="sp-boxes">{"".join(self.boxes)}</g>'
                f'<g class="sp-labels">{"".join(self.labels)}</g></svg>')


#: fit the page (and the printed A4) by default; a page can opt out with a more specific rule
_SHRINK = "svg.sp-diagram{max-width:100%;height:auto}"


def _uid(*parts: object) -> str:
    """A short id derived from the content, so two diagrams on one page never share marker ids."""
    return "spd-" + hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:10]


def _rounded(points: Sequence[tuple[float, float]], radius: float = RADIUS) -> str:
    """Path data for an orthogonal polyline with its corners rounded by quadratic curves."""
    pts: list[tuple[float, float]] = []
    for p in points:
        if not pts or abs(p[0] - pts[-1][0]) + abs(p[1] - pts[-1][1]) > 0.01:
            pts.append(p)
    d = [f"M{_n(pts[0][0])},{_n(pts[0][1])}"]
    for prev, (x, y), nxt in zip(pts, pts[1:], pts[2:], strict=False):
        a, b = abs(x - prev[0]) + abs(y - prev[1]), abs(nxt[0] - x) + abs(nxt[1] - y)
        r = min(radius, a / 2, b / 2)
        ax, ay = x + (prev[0] - x) * r / a, y + (prev[1] - y) * r / a
        bx, by = x + (nxt[0] - x) * r / b, y + (nxt[1] - y) * r / b
        d.append(f"L{_n(ax)},{_n(ay)} Q{_n(x)},{_n(y)} {_n(bx)},{_n(by)}")
    d.append(f"L{_n(pts[-1][0])},{_n(pts[-1][1])}")
    return " ".join(d)


def _pill(canvas: _Canvas, cx: float, cy: float, label: str, *, color: str, approval: bool) -> _Box:
    """An edge label on a white pill (drawn over the lines), with the approval badge if asked."""
    shown = fit_text(label, EDGE_FONT, EDGE_LABEL_MAX)
    icon = 16.0 if approval else 0.0
    box = _Box(cx - (text_width(shown, EDGE_FONT) + icon) / 2 - 5, cy - 9, text_width(shown, EDGE_FONT)
               + icon + 10, 18)
    parts = [f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="18" rx="9" '
             f'fill="{WHITE}" fill-opacity="0.94"/>']
    if approval:
        ix = box.x + 11
        parts.append(f'<circle cx="{_n(ix)}" cy="{_n(cy)}" r="6.5" fill="{ORANGE}"/>'
                     f'<circle cx="{_n(ix)}" cy="{_n(cy - 1.8)}" r="1.9" fill="{WHITE}"/>'
                     f'<path d="M{_n(ix - 3.4)},{_n(cy + 3.6)} Q{_n(ix)},{_n(cy - 1.4)} '
                     f'{_n(ix + 3.4)},{_n(cy + 3.6)} z" fill="{WHITE}"/>')
    parts.append(_text(box.x + 5 + icon + (box.w - 10 - icon) / 2, cy, label, shown, size=EDGE_FONT,
                       fill=color))
    canvas.labels.append(f'<g class="sp-edge-label">{"".join(parts)}</g>')
    canvas.cover(box)
    return box


# --- workflows ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edge:
    """One transition to draw: ``label`` is its translated name; ``approval``
    marks a transition that starts an approval chain (drawn dashed, orange, with a badge)."""

    name: str
    source: tuple[str, ...]
    target: str
    label: str
    approval: bool = False


@dataclass
class _Arrow:
    """All transitions from one state to another, drawn as one arrow."""

    source: str
    target: str
    labels: list[str]
    approval: bool
    kind: str = "straight"      # "straight" (next layer), "loop", "top" or "bottom" (lane)
    sides: tuple[str, str] = ("r", "l")

    @property
    def label(self) -> str:
        return " / ".join(self.labels)


def _pill_width(a: _Arrow) -> float:
    return text_width(fit_text(a.label, EDGE_FONT, EDGE_LABEL_MAX), EDGE_FONT) + (26.0 if a.approval else 10.0)


_Style = Callable[[_Arrow | None], tuple[str, str]]


def _arrows(order: Sequence[str], edges: Sequence[Edge]) -> list[_Arrow]:
    known = set(order)
    merged: dict[tuple[str, str], _Arrow] = {}
    for edge in edges:
        for source in edge.source:
            for state in (source, edge.target):
                if state not in known:
                    raise ValueError(f"transition {edge.name!r} refers to unknown state {state!r}")
            arrow = merged.setdefault((source, edge.target), _Arrow(source, edge.target, [], False))
            if edge.label not in arrow.labels:
                arrow.labels.append(edge.label)
            arrow.approval = arrow.approval or edge.approval
    return list(merged.values())


def _back_edges(order: Sequence[str], initial: str, arrows: Sequence[_Arrow]) -> set[tuple[str, str]]:
    """Edges closing a cycle in a depth-first walk from ``initial`` (edges into it included)."""
    succ: dict[str, list[str]] = {s: [] for s in order}
    for a in arrows:
        if a.source != a.target and a.target not in succ[a.source]:
            succ[a.source].append(a.target)
    back = {(a.source, a.target) for a in arrows if a.target == initial and a.source != initial}
    seen: dict[str, bool] = {}          # state -> still on the stack
    for root in (initial, *order):
        if root in seen:
            continue
        seen[root] = True
        stack = [(root, iter(succ[root]))]
        while stack:
            node, successors = stack[-1]
            nxt = next(successors, None)
            if nxt is None:
                seen[node] = False
                stack.pop()
            elif (node, nxt) not in back and seen.get(nxt):
                back.add((node, nxt))
            elif nxt not in seen:
                seen[nxt] = True
                stack.append((nxt, iter(succ[nxt])))
    return back


def _columns(order: Sequence[str], arrows: Sequence[_Arrow], back: set[tuple[str, str]]) -> list[list[str]]:
    """States in layers by longest path over the forward edges, ordered in each layer by the
    mean row of their predecessors (declaration order breaks ties)."""
    preds: dict[str, list[str]] = {s: [] for s in order}
    for a in arrows:
        if a.source != a.target and (a.source, a.target) not in back and a.source not in preds[a.target]:
            preds[a.target].append(a.source)
    layer: dict[str, int] = {}
    while len(layer) < len(order):
        for s in order:
            if s not in layer and all(p in layer for p in preds[s]):
                layer[s] = max((layer[p] + 1 for p in preds[s]), default=0)
    index = {s: i for i, s in enumerate(order)}
    cols = [[s for s in order if layer[s] == c] for c in range(max(layer.values()) + 1)]
    for _ in range(2):
        for col in cols[1:]:
            row = {s: i for c in cols for i, s in enumerate(c)}
            col.sort(key=lambda s: (sum(row[p] for p in preds[s]) / max(len(preds[s]), 1), index[s]))
    return cols


def _lock(x: float, y: float, color: str) -> str:
    return (f'<rect x="{_n(x - 5)}" y="{_n(y - 1)}" width="10" height="8" rx="1.5" fill="{color}"/>'
            f'<path d="M{_n(x - 3)},{_n(y - 1)} V{_n(y - 4)} A3,3 0 0 1 {_n(x + 3)},{_n(y - 4)} '
            f'V{_n(y - 1)}" fill="none" stroke="{color}" stroke-width="1.6"/>')


class _WorkflowLayout:
    """Grid positions, ports, channels and lanes of one workflow diagram."""

    def __init__(self, order: Sequence[str], initial: str, arrows: list[_Arrow],
                 labels: dict[str, str], locked: Collection[str]) -> None:
        self.initial, self.arrows, self.labels = initial, arrows, labels
        back = _back_edges(order, initial, arrows)
        self.cols = _columns(order, arrows, back)
        self.col = {s: c for c, states in enumerate(self.cols) for s in states}
        self.row = {s: r for states in self.cols for r, s in enumerate(states)}
        icon = 16.0 if locked else 0.0
        widest = max(text_width(labels[s], STATE_FONT) for s in order)
        self.box_w = min(max(widest + 2 * BOX_PAD + icon, BOX_MIN_W), BOX_MAX_W)
        self.text_w = self.box_w - 2 * BOX_PAD - icon
        for a in arrows:
            a.kind, a.sides = self._route(a)
        self.ports = self._ports()
        self.channels = self._channels()
        self.boxes = self._place()

    def _extreme(self, state: str, top: bool) -> bool:
        return self.row[state] == (0 if top else len(self.cols[self.col[state]]) - 1)

    def _route(self, a: _Arrow) -> tuple[str, tuple[str, str]]:
        span = self.col[a.target] - self.col[a.source]
        if a.source == a.target:
            return "loop", ("t", "t")
        if span == 1:
            return "straight", ("r", "l")
        ends = (a.source, a.target)
        top_ok = all(self._extreme(s, True) for s in ends)
        bottom_ok = all(self._extreme(s, False) for s in ends)
        top = not (bottom_ok and not top_ok) if span > 0 else (top_ok and not bottom_ok)
        vertical = "t" if top else "b"
        out_side, in_side = ("r", "l") if span > 0 else ("l", "r")
        return ("top" if top else "bottom"), (
            vertical if self._extreme(a.source, top) else out_side,
            vertical if self._extreme(a.target, top) else in_side)

    def _ports(self) -> dict[tuple[int, int], tuple[str, str, int, int]]:
        """(arrow index, end) -> (state, side, slot, slots); end 0 is the source, 1 the target,
        and arrow index -1 is the initial marker."""
        sides: dict[tuple[str, str], list[tuple[tuple[float, float, int], int, int]]] = {}
        for i, a in enumerate(self.arrows):
            for end, (state, other) in enumerate(((a.source, a.target), (a.target, a.source))):
                side = a.sides[end]
                if side in "tb":
                    dist = self.col[other] - self.col[state]
                    key = (0.5, 0.0, i) if dist == 0 else ((0, dist, i) if dist < 0 else (1, -dist, i))
                else:
                    far = {"top": -1.0, "bottom": 1e6}.get(a.kind, float(self.row[other]))
                    key = (far, 0.0, i)
                sides.setdefault((state, side), []).append((key, i, end))
                if a.kind == "loop":
                    break
        sides.setdefault((self.initial, "l"), []).append(((float(self.row[self.initial]), 0.0, -1), -1, 0))
        ports = {}
        for (state, side), items in sides.items():
            for slot, (_, i, end) in enumerate(sorted(items)):
                ports[(i, end)] = (state, side, slot, len(items))
        return ports

    def _channels(self) -> dict[tuple[int, int], int]:
        """(arrow index, end) -> rank of its vertical channel beside its column, inner first."""
        by_side: dict[tuple[int, str], list[tuple[int, int, int, int]]] = {}
        for (i, end), (state, side, slot, _) in self.ports.items():
            if i >= 0 and side in "lr" and self.arrows[i].kind in ("top", "bottom"):
                up = self.arrows[i].kind == "top"
                row = self.row[state] if up else -self.row[state]
                by_side.setdefault((self.col[state], side), []).append((int(not up), row, slot, i * 2 + end))
        ranks = {}
        for items in by_side.values():
            for rank, (*_, key) in enumerate(sorted(items)):
                ranks[(key // 2, key % 2)] = rank
        return ranks

    def _place(self) -> dict[str, _Box]:
        loops_below_top = any(a.kind == "loop" and self.row[a.source] > 0 for a in self.arrows)
        row_gap = 62.0 if loops_below_top else 42.0
        xs, x = [], 40.0
        for c in range(len(self.cols)):
            xs.append(x)
            labels = [_pill_width(a) for a in self.arrows if a.kind == "straight" and self.col[a.source] == c]
            channels = sum(1 for (i, end), (s, side, *_) in self.ports.items() if (i, end) in self.channels
                           and ((self.col[s] == c and side == "r") or (self.col[s] == c + 1 and side == "l")))
            x += self.box_w + max(60.0, max(labels, default=0.0) + 40) + CHANNEL_STEP * channels
        return {s: _Box(xs[self.col[s]], self.row[s] * (BOX_H + row_gap), self.box_w, BOX_H)
                for s in self.col}

    def port(self, i: int, end: int) -> tuple[float, float, str]:
        state, side, slot, slots = self.ports[(i, end)]
        b = self.boxes[state]
        along = (slot + 1) / (slots + 1)
        return {"t": (b.x + b.w * along, b.y, side), "b": (b.x + b.w * along, b.bottom, side),
                "l": (b.x, b.y + b.h * along, side), "r": (b.right, b.y + b.h * along, side)}[side]

    def channel_x(self, i: int, end: int) -> float:
        _, _, side = self.port(i, end)
        b = self.boxes[self.arrows[i].target if end else self.arrows[i].source]
        step = 12 + CHANNEL_STEP * self.channels[(i, end)]
        return b.right + step if side == "r" else b.x - step


def _lanes(spans: Sequence[tuple[float, float]]) -> list[int]:
    """Lane index per span, short spans nearest the boxes, spans sharing a lane never overlapping."""
    used: list[list[tuple[float, float]]] = []
    lanes = [0] * len(spans)
    for i in sorted(range(len(spans)), key=lambda i: (spans[i][1] - spans[i][0], spans[i][0], i)):
        a, b = spans[i]
        lane = next((k for k, taken in enumerate(used) if all(b < u0 or a > u1 for u0, u1 in taken)), len(used))
        if lane == len(used):
            used.append([])
        used[lane].append((a, b))
        lanes[i] = lane
    return lanes


def _draw_lane_edges(canvas: _Canvas, lay: _WorkflowLayout, style: _Style) -> None:
    loops_on_top = any(a.kind == "loop" and lay.row[a.source] == 0 for a in lay.arrows)
    top_y = -(50.0 if loops_on_top else 0.0) - LANE_OFFSET
    bottom_y = max(b.bottom for b in lay.boxes.values()) + LANE_OFFSET
    for kind, base, step in (("top", top_y, -LANE_H), ("bottom", bottom_y, LANE_H)):
        idx = [i for i, a in enumerate(lay.arrows) if a.kind == kind]
        ends: list[tuple[list[tuple[float, float]], list[tuple[float, float]]]] = []
        spans = []
        for i in idx:
            legs: list[list[tuple[float, float]]] = []
            for end in (0, 1):
                x, y, side = lay.port(i, end)
                legs.append([(x, y)] if side in "tb" else [(x, y), (lay.channel_x(i, end), y)])
            xa, xb = legs[0][-1][0], legs[1][-1][0]
            half = _pill_width(lay.arrows[i]) / 2 + 10
            mid = (xa + xb) / 2
            spans.append((min(xa, xb, mid - half) - 6, max(xa, xb, mid + half) + 6))
            ends.append((legs[0], legs[1]))
        for i, lane, (src, tgt) in zip(idx, _lanes(spans), ends, strict=True):
            y = base + step * lane
            points = [*src, (src[-1][0], y), (tgt[-1][0], y), *reversed(tgt)]
            _edge(canvas, lay.arrows[i], _rounded(points), style)
            _pill(canvas, (src[-1][0] + tgt[-1][0]) / 2, y, lay.arrows[i].label, color=style(lay.arrows[i])[0],
                  approval=lay.arrows[i].approval)
            canvas.cover(_Box(min(p[0] for p in points), y - 9, 1, 18))


def _edge(canvas: _Canvas, a: _Arrow, d: str, style: _Style) -> None:
    color, marker = style(a)
    dash = ' stroke-dasharray="5 4"' if a.approval else ""
    canvas.edges.append(
        f'<g class="sp-edge sp-edge-{a.kind}" data-source="{_esc(a.source)}" data-target="{_esc(a.target)}">'
        f"<title>{_esc(a.label)}</title>"
        f'<path d="{d}" stroke="{color}" stroke-width="1.5"{dash} marker-end="url(#{marker})"/></g>')


def _draw_other_edges(canvas: _Canvas, lay: _WorkflowLayout, style: _Style) -> None:
    placed: list[_Box] = []
    for i, a in enumerate(lay.arrows):
        if a.kind == "loop":
            x, y, _ = lay.port(i, 0)
            d = f"M{_n(x - 9)},{_n(y)} C{_n(x - 26)},{_n(y - 38)} {_n(x + 26)},{_n(y - 38)} {_n(x + 9)},{_n(y)}"
            _edge(canvas, a, d, style)
            placed.append(_pill(canvas, x, y - 38, a.label, color=style(a)[0], approval=a.approval))
        elif a.kind == "straight":
            (x0, y0, _), (x1, y1, _) = lay.port(i, 0), lay.port(i, 1)
            _edge(canvas, a, f"M{_n(x0)},{_n(y0)} L{_n(x1)},{_n(y1)}", style)
            width = _pill_width(a)
            spots = [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in (0.5, 0.32, 0.68, 0.2, 0.8)]
            free = [p for p in spots if not any(_Box(p[0] - width / 2, p[1] - 9, width, 18).overlaps(b, 2)
                                                for b in placed)]
            cx, cy = (free or spots)[0]
            placed.append(_pill(canvas, cx, cy, a.label, color=style(a)[0], approval=a.approval))
    x, y, _ = lay.port(-1, 0)
    canvas.edges.append(f'<g class="sp-initial"><circle cx="{_n(x - 30)}" cy="{_n(y)}" r="5" fill="{TEXT}"/>'
                        f'<path d="M{_n(x - 25)},{_n(y)} L{_n(x)},{_n(y)}" stroke="{TEXT}" stroke-width="1.5" '
                        f'marker-end="url(#{style(None)[1]})"/></g>')


def workflow_svg(states: Sequence[str], initial: str, edges: Sequence[Edge], *,
                 state_label: Callable[[str], str], locked: Collection[str] = (),
                 current: str | None = None, title: str = "") -> str:
    """A state machine as an inline <svg>: states as rounded boxes laid out in layers from the
    initial state (longest-path layering, left to right), one arrow per (source, target) pair
    with the transition labels joined by " / "; edges to the next layer are straight lines,
    others (going back, or skipping layers) run along lanes above or below all boxes so they
    cross none; self-loops are drawn as a loop on top of the box; locked states are grey with
    a padlock; the initial state gets a dot and an arrow; ``current`` is filled blue and its
    outgoing transitions are blue. Raises ValueError for a transition to or from an unknown state."""
    order = list(dict.fromkeys(states))
    if initial not in order:
        raise ValueError(f"initial state {initial!r} is not among the states")
    labels = {s: state_label(s) for s in order}
    lay = _WorkflowLayout(order, initial, _arrows(order, edges), labels, locked)
    uid = _uid(order, initial, list(edges), labels, sorted(locked), current, title)

    def style(a: _Arrow | None) -> tuple[str, str]:
        if a is not None and a.source == current:
            return BLUE, f"{uid}-current"
        if a is not None and a.approval:
            return ORANGE, f"{uid}-approval"
        return (TEXT, f"{uid}-initial") if a is None else (GREY, f"{uid}-arrow")

    canvas = _Canvas()
    _draw_lane_edges(canvas, lay, style)
    _draw_other_edges(canvas, lay, style)
    for s in order:
        b, is_locked = lay.boxes[s], s in locked
        fill, stroke, ink = ((BLUE, BLUE, WHITE) if s == current else (LIGHT, MUTED, TEXT) if is_locked
                             else (WHITE, GREY, TEXT))
        shown = fit_text(labels[s], STATE_FONT, lay.text_w, bold=s == current)
        shift = -8.0 if is_locked else 0.0
        parts = [f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" rx="8" '
                 f'fill="{fill}" stroke="{stroke}" stroke-width="{"2" if s == current else "1.2"}"/>',
                 _text(b.cx + shift, b.cy, labels[s], shown, size=STATE_FONT, fill=ink,
                       weight="bold" if s == current else "normal")]
        if is_locked:
            parts.append(_lock(b.right - BOX_PAD - 4, b.cy - 1.5, WHITE if s == current else GREY))
        classes = "sp-state" + (" sp-locked" if is_locked else "") + (" sp-current" if s == current else "")
        canvas.boxes.append(f'<g class="{classes}" data-state="{_esc(s)}">{"".join(parts)}</g>')
        canvas.cover(b)
    canvas.cover(_Box(lay.boxes[initial].x - 36, lay.boxes[initial].y, 1, 1))
    markers = [("arrow", GREY), ("approval", ORANGE), ("current", BLUE), ("initial", TEXT)]
    return canvas.render(uid=uid, kind="workflow", title=title, markers=markers)


# --- approval chains ----------------------------------------------------------------------------

@dataclass(frozen=True)
class StepBox:
    """One approval step: a bold ``title`` over smaller ``lines`` (role, quorum, condition,
    timeout); ``status`` is one of "", "waiting", "active", "approved", "rejected", "skipped"."""

    title: str
    lines: tuple[str, ...] = ()
    status: str = ""


#: status -> (fill, stroke, stroke width, dash, text colour)
_STATUS_STYLE = {
    "": (WHITE, GREY, "1.2", "", TEXT),
    "waiting": ("#f6f8fb", MUTED, "1.2", "", TEXT),
    "active": ("#edf3fb", BLUE, "2.2", "", TEXT),
    "approved": ("#eaf7ec", GREEN, "1.5", "", TEXT),
    "rejected": ("#fbebeb", RED, "1.5", "", TEXT),
    "skipped": ("#f1f2f3", MUTED, "1.2", "5 4", GREY),
}


def _status_icon(x: float, y: float, status: str) -> str:
    if status == "approved":
        return (f'<circle cx="{_n(x)}" cy="{_n(y)}" r="7" fill="{GREEN}"/><path d="M{_n(x - 3.2)},{_n(y)} '
                f'L{_n(x - 0.8)},{_n(y + 2.4)} L{_n(x + 3.4)},{_n(y - 2.4)}" fill="none" stroke="{WHITE}" '
                f'stroke-width="1.7"/>')
    if status == "rejected":
        return (f'<circle cx="{_n(x)}" cy="{_n(y)}" r="7" fill="{RED}"/><path d="M{_n(x - 2.6)},{_n(y - 2.6)} '
                f'L{_n(x + 2.6)},{_n(y + 2.6)} M{_n(x + 2.6)},{_n(y - 2.6)} L{_n(x - 2.6)},{_n(y + 2.6)}" '
                f'stroke="{WHITE}" stroke-width="1.7"/>')
    if status == "active":
        return (f'<circle cx="{_n(x)}" cy="{_n(y)}" r="6" fill="none" stroke="{BLUE}" stroke-width="1.6"/>'
                f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.6" fill="{BLUE}"/>')
    if status in ("waiting", "skipped"):
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="5.5" fill="none" stroke="{MUTED}" stroke-width="1.5"/>'
    return ""


def _step_size(step: StepBox) -> tuple[float, float]:
    widest = max([text_width(step.title, STATE_FONT, bold=True),
                  *(text_width(line, LINE_FONT) for line in step.lines)])
    icon = 18.0 if step.status else 0.0
    return min(max(widest + 2 * BOX_PAD + icon, 150.0), 240.0), 20 + 18 + 17 * len(step.lines)


def _step(box: _Box, step: StepBox) -> str:
    fill, stroke, width, dash, ink = _STATUS_STYLE[step.status]
    icon = 18.0 if step.status else 0.0
    room = box.w - 2 * BOX_PAD - icon
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{_n(box.h)}" rx="8" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dashed}/>',
             _text(box.x + BOX_PAD, box.y + 19, step.title, fit_text(step.title, STATE_FONT, room, bold=True),
                   size=STATE_FONT, fill=ink, weight="bold", anchor="start")]
    for n, line in enumerate(step.lines):
        parts.append(_text(box.x + BOX_PAD, box.y + 38 + 17 * n, line, fit_text(line, LINE_FONT, room),
                           size=LINE_FONT, fill=GREY, anchor="start"))
    parts.append(_status_icon(box.right - BOX_PAD - 3, box.y + 19, step.status))
    return f'<g class="sp-step sp-step-{step.status or "plain"}">{"".join(parts)}</g>'


def chain_svg(stages: Sequence[Sequence[StepBox]], *, start_label: str, end_label: str, title: str = "") -> str:
    """An approval chain: a start node, then each stage as a column; steps of one stage stacked
    vertically (they run in parallel), orthogonal arrows fan out/in between stages, then an end
    node. Box fill reflects ``status`` (approved green, rejected red, active blue outline,
    skipped grey dashed); the lines are drawn under the title in a smaller font. Empty stages
    are left out; an unknown status raises ValueError."""
    columns = [list(stage) for stage in stages if stage]
    for step in (s for col in columns for s in col):
        if step.status not in _STATUS_STYLE:
            raise ValueError(f"unknown step status {step.status!r}; expected one of {STATUSES}")
    sizes = [[_step_size(s) for s in col] for col in columns]
    heights = [sum(h for _, h in col) + 18 * (len(col) - 1) for col in sizes]
    mid = max([32.0, *heights]) / 2
    start_w, end_w = (min(max(text_width(label, STATE_FONT) + 32, 64.0), BOX_MAX_W + 32)
                      for label in (start_label, end_label))
    nodes = [[_Box(0, mid - 16, start_w, 32)]]
    x = start_w + 56
    for col, height in zip(sizes, heights, strict=True):
        col_w, y = max(w for w, _ in col), mid - height / 2
        nodes.append([])
        for _, h in col:
            nodes[-1].append(_Box(x, y, col_w, h))
            y += h + 18
        x += col_w + 56
    nodes.append([_Box(x, mid - 16, end_w, 32)])
    uid = _uid([[*col] for col in columns], start_label, end_label, title)
    canvas = _Canvas()
    for sources, targets in zip(nodes, nodes[1:], strict=False):
        bus = sources[0].right + 28
        for a in sources:
            for b in targets:
                points = [(a.right, a.cy), (bus, a.cy), (bus, b.cy), (b.x, b.cy)]
                canvas.edges.append(f'<path class="sp-connector" d="{_rounded(points)}" stroke="{GREY}" '
                                    f'stroke-width="1.5" marker-end="url(#{uid}-arrow)"/>')
    for label, node in ((start_label, nodes[0][0]), (end_label, nodes[-1][0])):
        shown = fit_text(label, STATE_FONT, BOX_MAX_W)
        canvas.boxes.append(
            f'<g class="sp-terminal"><rect x="{_n(node.x)}" y="{_n(node.y)}" width="{_n(node.w)}" height="32" '
            f'rx="16" fill="{LIGHT}" stroke="{MUTED}" stroke-width="1"/>'
            f"{_text(node.cx, node.cy, label, shown, size=STATE_FONT, fill=TEXT)}</g>")
        canvas.cover(node)
    for steps, boxes in zip(columns, nodes[1:-1], strict=True):
        for step, box in zip(steps, boxes, strict=True):
            canvas.boxes.append(_step(box, step))
            canvas.cover(box)
    return canvas.render(uid=uid, kind="chain", title=title, markers=[("arrow", GREY)])
