"""The CRM's two small SVG charts, drawn on the server so they print and
need no JavaScript: a segment's members over time (a step line) and the
value report's cost against revenue (a scatter). Every text is escaped;
each chart has a ``<title>`` and a ``<desc>`` for screen readers. (The
dashboard plugin draws the report charts; the CRM does not depend on it.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',sans-serif"
GRADE_COLOURS = {"A": "#009E73", "B": "#0072B2", "C": "#E69F00", "D": "#D55E00"}
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36


@dataclass(frozen=True)
class Dot:
    """A point of the scatter: its values, its label (a tooltip) and grade."""

    x: float
    y: float
    label: str
    grade: str


def _nice(top: float) -> float:
    if top <= 0:
        return 1.0
    step = float(10 ** len(str(int(top)))) / 10
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * factor >= top:
            return step * factor
    return step * 10  # pragma: no cover


def _short(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 10_000:,.1f}万".replace(".0万", "万")
    return f"{value:,.0f}"


def _svg(title: str, desc: str, body: list[str], height: int = HEIGHT) -> Markup:
    # The title, the desc and every label in body are escaped where they are put in: bandit B704 reviewed.
    return Markup(  # nosec B704
        f'<svg class="crm-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'style="font-family:{FONT};font-size:12px" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>")


def _grid(top_value: float, x0: float, x1: float, y_of: object) -> list[str]:
    parts = []
    for i in range(5):
        value = top_value * i / 4
        y = y_of(value)  # type: ignore[operator]
        parts.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e7e9"/>'
                     f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#667382">'
                     f"{escape(_short(value))}</text>")
    return parts


def members_chart(title: str, points: Sequence[tuple[str, int]], *, empty: str) -> Markup:
    """Members per day as a step line: each point holds until the next one."""
    if not points:
        return _svg(title, empty, [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
                                   f'fill="#667382">{escape(empty)}</text>'], 80)
    highest = max(n for _, n in points)
    top = _nice(highest) if highest > 20 else float(max(4, -(-highest // 4) * 4))  # whole-number ticks
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP

    def y_of(value: float) -> float:
        return y0 - (y0 - y1) * value / top

    step = (x1 - x0) / max(len(points) - 1, 1)
    xs = [x0 + step * i for i in range(len(points))] if len(points) > 1 else [(x0 + x1) / 2]
    path = [f"M{xs[0]:.1f},{y_of(points[0][1]):.1f}"]
    path += [f"H{x:.1f} V{y_of(n):.1f}" for x, (_, n) in zip(xs[1:], points[1:], strict=True)]
    body = _grid(top, x0, x1, y_of)
    body.append(f'<path d="{" ".join(path)}" fill="none" stroke="#0072B2" stroke-width="2"/>')
    every = max(1, len(points) // 8)
    for i, (x, (label, n)) in enumerate(zip(xs, points, strict=True)):
        body.append(f'<circle cx="{x:.1f}" cy="{y_of(n):.1f}" r="3.5" fill="#0072B2">'
                    f"<title>{escape(label)}: {n}</title></circle>")
        if i % every == 0 or i == len(points) - 1:
            body.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle" fill="#667382">'
                        f"{escape(label[5:] if len(label) == 10 else label)}</text>")
    desc = "; ".join(f"{label}: {n}" for label, n in points[-12:])
    return _svg(title, desc, body)


def scatter(title: str, dots: Sequence[Dot], *, x_label: str, y_label: str, empty: str) -> Markup:
    """Dots coloured by value grade: ``x`` the cost of serving, ``y`` the revenue."""
    height = HEIGHT + 60
    if not dots:
        return _svg(title, empty, [f'<text x="{WIDTH / 2}" y="40" text-anchor="middle" fill="#667382">'
                                   f"{escape(empty)}</text>"], 80)
    x_top, y_top = _nice(max(d.x for d in dots)), _nice(max(d.y for d in dots))
    x0, x1, y0, y1 = LEFT + 10, WIDTH - RIGHT, height - BOTTOM - 14, TOP

    def y_of(value: float) -> float:
        return y0 - (y0 - y1) * value / y_top

    def x_of(value: float) -> float:
        return x0 + (x1 - x0) * value / x_top

    body = _grid(y_top, x0, x1, y_of)
    for i in range(5):
        value = x_top * i / 4
        body.append(f'<text x="{x_of(value):.1f}" y="{y0 + 16}" text-anchor="middle" fill="#667382">'
                    f"{escape(_short(value))}</text>")
    body.append(f'<text x="{(x0 + x1) / 2}" y="{height - 6}" text-anchor="middle" fill="#1d273b">'
                f"{escape(x_label)} →</text>")
    body.append(f'<text transform="translate(12,{(y0 + y1) / 2}) rotate(-90)" text-anchor="middle" '
                f'fill="#1d273b">{escape(y_label)} →</text>')
    for d in dots:
        colour = GRADE_COLOURS.get(d.grade, "#667382")
        body.append(f'<circle cx="{x_of(d.x):.1f}" cy="{y_of(d.y):.1f}" r="4.5" fill="{colour}" '
                    f'fill-opacity="0.75" stroke="#fff"><title>{escape(d.label)}</title></circle>')
    desc = "; ".join(d.label for d in dots[:20])
    return _svg(title, desc, body, height)
