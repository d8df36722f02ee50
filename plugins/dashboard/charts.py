"""Charts drawn as SVG on the server: they print, need no JavaScript, and
read well in Chinese.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
listing its numbers (what a screen reader says), a ``<title>`` tooltip on
every bar, point, slice and stage, labels in a CJK font, and the Okabe-Ito
palette, which people with the common colour-vision deficiencies tell
apart (a second line is dashed as well). Every text is escaped. Functions
take plain data (labels, floats, and the text to show for each value) and a
:class:`Canvas`: :data:`PAGE` on a report's page, :data:`CARD` in a
workbench card, where a smaller drawing keeps the 12-pixel text readable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

#: Okabe & Ito (2008): distinguishable with protanopia, deuteranopia and tritanopia
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FONT = "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',sans-serif"
#: at most this many bars, points or stages are drawn (the table shows every row)
MAX_CATEGORIES = 40
#: a pie shows this many slices, the rest as one "other" slice
MAX_SLICES = 7
_ids = count(1)


@dataclass(frozen=True)
class Canvas:
    """The drawing's size in SVG units (it is scaled to its container's width)."""

    width: int
    height: int


PAGE = Canvas(720, 340)
CARD = Canvas(460, 270)


@dataclass(frozen=True)
class Series:
    """One measure (or one column of a pivot) across the categories."""

    name: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...]  # each value as the table shows it


def _wide(ch: str) -> bool:
    return ord(ch) > 0x2E7F  # CJK and full-width forms take two columns


def _short(text: str, room: int) -> str:
    """``text`` cut to ``room`` (a Chinese character counts double) with an ellipsis."""
    used, out = 0, list[str]()
    for ch in text:
        used += 2 if _wide(ch) else 1
        if used > room:
            return "".join(out) + "…"
        out.append(ch)
    return text


def _svg(kind: str, canvas: Canvas, title: str, desc: str, body: list[str]) -> Markup:
    uid = f"sp-chart-{next(_ids)}"
    # Every label, value text, title and desc is escaped where put in: bandit B704 reviewed.
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sp-chart sp-chart-{kind}" role="img" '
        f'viewBox="0 0 {canvas.width} {canvas.height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{uid}-t {uid}-d" font-family="{FONT}" font-size="12" fill="#1f2937">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        f'<text x="{canvas.width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">'
        f'{escape(title)}</text>{"".join(body)}</svg>')


def _nice(top: float) -> float:
    """A round number at or above ``top`` for an axis (1, 2, 2.5, 5 × 10^n)."""
    if top <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(top))
    return next(float(step * power) for step in (1, 2, 2.5, 5, 10) if step * power >= top)


def _describe(labels: Sequence[str], series: Sequence[Series], limit: int = 12) -> str:
    parts = []
    for s in series:
        pairs = [f"{label} {text}" for label, text in zip(labels, s.texts, strict=False)][:limit]
        more = "…" if len(labels) > limit else ""
        parts.append(f"{s.name}: " + "; ".join(pairs) + more)
    return " / ".join(parts)


def _legend(series: Sequence[Series], left: float, top: float) -> list[str]:
    if len(series) < 2:
        return []
    out, x = [], left
    for i, s in enumerate(series):
        name = _short(s.name, 18)
        out.append(f'<g class="sp-legend"><rect x="{x:.1f}" y="{top - 10}" width="12" height="12" rx="2" '
                   f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                   f'<text x="{x + 17:.1f}" y="{top}">{escape(name)}</text></g>')
        x += 30 + 7 * sum(2 if _wide(c) else 1 for c in name)
    return out


@dataclass(frozen=True)
class _Axes:
    left: float
    top: float
    width: float
    height: float
    low: float
    high: float

    def y(self, value: float) -> float:
        return self.top + self.height * (self.high - value) / (self.high - self.low)


def _tilted(labels: Sequence[str], canvas: Canvas) -> bool:
    """Labels too many or too long to stand side by side are set at an angle."""
    step = (canvas.width - 92) / max(len(labels), 1)
    longest = max((sum(2 if _wide(c) else 1 for c in label) for label in labels), default=0)
    return longest * 6.5 > step * 1.6


def _axes(series: Sequence[Series], labels: Sequence[str], canvas: Canvas) -> tuple[_Axes, list[str]]:
    values = [v for s in series for v in s.values if v is not None]
    high = _nice(max([0.0, *values]))
    low = -_nice(-min([0.0, *values])) if min([0.0, *values]) < 0 else 0.0
    top = 54 if len(series) > 1 else 36
    bottom = 70 if _tilted(labels, canvas) else 30
    left = 20 + 7.5 * len(_tick_format(series).format(high))
    axes = _Axes(left=left, top=top, width=canvas.width - left - 16, height=canvas.height - top - bottom,
                 low=low, high=high)
    fmt = _tick_format(series)
    out = []
    for i in range(6):
        value = low + (high - low) * i / 5
        y = axes.y(value)
        out.append(f'<line x1="{axes.left}" x2="{axes.left + axes.width}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{"#9ca3af" if value == 0 else "#e5e7eb"}"/>'
                   f'<text x="{axes.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4b5563">'
                   f'{escape(fmt.format(value))}</text>')
    return axes, out


def _tick_format(series: Sequence[Series]) -> str:
    values = [abs(v) for s in series for v in s.values if v is not None]
    top = max(values, default=0)
    return "{:,.0f}" if top >= 10 or all(float(v).is_integer() for v in values) else "{:,.2f}"


def _x_labels(labels: Sequence[str], axes: _Axes, canvas: Canvas) -> list[str]:
    step = axes.width / max(len(labels), 1)
    tilt = _tilted(labels, canvas)
    out = []
    for i, label in enumerate(labels):
        x = axes.left + step * (i + 0.5)
        y = axes.top + axes.height + 16
        text = escape(_short(label, 12 if tilt else max(4, int(step / 6.5))))
        if tilt:
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="end" '
                       f'transform="rotate(-35 {x:.1f} {y:.1f})"><title>{escape(label)}</title>{text}</text>')
        else:
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle"><title>{escape(label)}</title>'
                       f'{text}</text>')
    return out


def _none(kind: str, canvas: Canvas, title: str, message: str) -> Markup:
    return _svg(kind, canvas, title, message, [
        f'<text x="{canvas.width / 2}" y="{canvas.height / 2}" text-anchor="middle" fill="#6b7280">'
        f'{escape(message)}</text>'])


def _cut(series: Series) -> Series:
    return Series(series.name, series.values[:MAX_CATEGORIES], series.texts[:MAX_CATEGORIES])


def _tip(label: str, series: Series, text: str, many: bool) -> str:
    return f"{label} · {series.name}: {text}" if many else f"{label}: {text}"


# ------------------------------------------------------------------ charts


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, empty: str,
              canvas: Canvas = PAGE) -> Markup:
    """Vertical bars, one group per label, one bar per series."""
    labels, series = list(labels)[:MAX_CATEGORIES], [_cut(s) for s in series]
    if not labels or not series:
        return _none("bar", canvas, title, empty)
    axes, body = _axes(series, labels, canvas)
    body += _legend(series, axes.left, 42)
    group = axes.width / len(labels)
    width = group * 0.78 / len(series)
    # values above the bars only where each fits over its bar (11-unit digits, about 6.2 wide)
    show_values = width >= 6.2 * max(len(t) for s in series for t in s.texts)
    zero = axes.y(0)
    for i, label in enumerate(labels):
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            x = axes.left + group * i + group * 0.11 + width * j
            y = min(axes.y(value), zero)
            h = max(abs(axes.y(value) - zero), 0.5)
            body.append(f'<rect class="sp-bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                        f'rx="2" fill="{PALETTE[j % len(PALETTE)]}">'
                        f'<title>{escape(_tip(label, s, s.texts[i], len(series) > 1))}</title></rect>')
            if show_values:
                body.append(f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                            f'font-size="11" fill="#374151">{escape(s.texts[i])}</text>')
    body += _x_labels(labels, axes, canvas)
    return _svg("bar", canvas, title, _describe(labels, series), body)


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, empty: str,
               canvas: Canvas = PAGE) -> Markup:
    """One line per series across the labels (months, days)."""
    labels, series = list(labels)[:MAX_CATEGORIES], [_cut(s) for s in series]
    if not labels or not series:
        return _none("line", canvas, title, empty)
    axes, body = _axes(series, labels, canvas)
    body += _legend(series, axes.left, 42)
    step = axes.width / len(labels)
    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        points = [(axes.left + step * (i + 0.5), axes.y(v), i) for i, v in enumerate(s.values) if v is not None]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _i in points)
        dashes = ' stroke-dasharray="6 3"' if j % 2 else ""  # told apart without colour too
        body.append(f'<polyline class="sp-line" points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dashes}/>')
        for x, y, i in points:
            body.append(f'<circle class="sp-point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" '
                        f'stroke="{colour}" stroke-width="2">'
                        f'<title>{escape(_tip(labels[i], s, s.texts[i], len(series) > 1))}</title></circle>')
    body += _x_labels(labels, axes, canvas)
    return _svg("line", canvas, title, _describe(labels, series), body)


def pie_chart(title: str, labels: Sequence[str], values: Sequence[float | None], texts: Sequence[str], *,
              other: str, empty: str, canvas: Canvas = PAGE) -> Markup:
    """Slices of one measure (the largest ones, then the rest as ``other``),
    with a legend giving each slice's value and share."""
    pairs = sorted(((lbl, v, t) for lbl, v, t in zip(labels, values, texts, strict=True) if v and v > 0),
                   key=lambda p: -float(p[1] or 0))
    if len(pairs) > MAX_SLICES + 1:
        rest = sum(float(v or 0) for _l, v, _t in pairs[MAX_SLICES:])
        pairs = [*pairs[:MAX_SLICES], (other, rest, f"{rest:,.2f}".rstrip("0").rstrip("."))]
    total = sum(float(v or 0) for _l, v, _t in pairs)
    if not total:
        return _none("pie", canvas, title, empty)
    r = min((canvas.height - 50) / 2, canvas.width * 0.2)
    cx, cy = 16 + r, 34 + (canvas.height - 34) / 2
    legend_x = cx + r + 28
    row = min(26.0, (canvas.height - 50) / len(pairs))
    body, angle = [], -math.pi / 2
    for i, (label, value, text) in enumerate(pairs):
        share = float(value or 0) / total
        tip = f"{label}: {text} ({share:.1%})"
        colour = PALETTE[i % len(PALETTE)]
        if share >= 0.9999:
            body.append(f'<circle class="sp-slice" cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}">'
                        f'<title>{escape(tip)}</title></circle>')
        else:
            end = angle + share * 2 * math.pi
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
            body.append(f'<path class="sp-slice" d="M{cx:.2f},{cy:.2f} L{x1:.2f},{y1:.2f} A{r:.2f},{r:.2f} 0 '
                        f'{1 if share > 0.5 else 0} 1 {x2:.2f},{y2:.2f} Z" fill="{colour}" stroke="#fff" '
                        f'stroke-width="1.5"><title>{escape(tip)}</title></path>')
            angle = end
        y = cy - row * len(pairs) / 2 + row * i + row / 2 + 4
        room = int((canvas.width - legend_x - 110) / 6.5)
        body.append(f'<rect x="{legend_x:.1f}" y="{y - 11:.1f}" width="12" height="12" rx="2" fill="{colour}"/>'
                    f'<text x="{legend_x + 18:.1f}" y="{y:.1f}"><title>{escape(label)}</title>'
                    f'{escape(_short(label, max(room, 6)))}</text>'
                    f'<text x="{canvas.width - 12}" y="{y:.1f}" text-anchor="end" fill="#374151">'
                    f'{escape(text)} · {share:.0%}</text>')
    desc = "; ".join(f"{label} {text} ({float(value or 0) / total:.1%})" for label, value, text in pairs)
    return _svg("pie", canvas, title, desc, body)


def funnel_chart(title: str, labels: Sequence[str], values: Sequence[float | None], texts: Sequence[str], *,
                 empty: str, canvas: Canvas = PAGE) -> Markup:
    """Stages in order, each as wide as its value (relative to the widest),
    with its share of the first stage."""
    stages = list(zip(labels, values, texts, strict=True))[:12]
    widest = max((float(v) for _l, v, _t in stages if v), default=0.0)
    if not stages or widest <= 0:
        return _none("funnel", canvas, title, empty)
    first = float(stages[0][1] or 0)
    row = min(40.0, (canvas.height - 44) / len(stages))
    canvas = Canvas(canvas.width, int(min(canvas.height, 44 + row * len(stages))))  # no empty band below
    label_room = canvas.width * 0.22
    span = canvas.width * 0.56
    body = []
    for i, (label, value, text) in enumerate(stages):
        w = max(span * float(value or 0) / widest, 2)
        x, y = label_room + 10 + (span - w) / 2, 34 + i * row
        share = f" · {float(value or 0) / first:.0%}" if first else ""
        middle = y + (row - 6) / 2 + 4
        tip = f"{label}: {text}{share}"
        body.append(f'<rect class="sp-stage" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{row - 6:.1f}" '
                    f'rx="3" fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(tip)}</title>'
                    f'</rect><text x="{label_room:.1f}" y="{middle:.1f}" text-anchor="end">'
                    f'<title>{escape(label)}</title>{escape(_short(label, int(label_room / 6.5)))}</text>'
                    f'<text x="{label_room + span + 20:.1f}" y="{middle:.1f}" font-weight="600">'
                    f'{escape(text + share)}</text>')
    desc = "; ".join(f"{label} {text}" for label, _v, text in stages)
    return _svg("funnel", canvas, title, desc, body)
