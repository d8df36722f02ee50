"""A report as people read it: run in SQL (the kernel's ``aggregate``, once
for the groups and once per level of subtotals or pivot totals), then laid
out as a grouped table with subtotals or a pivot, every number linking to
the records behind it, and drawn as a chart.

Labels are translated and numbers formatted here, in the reader's language;
the XLSX export and the e-mail take the same :class:`Table`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from core import Actor, Dimension, Measure, ReportResult, aggregate
from plugins.dashboard import charts
from plugins.dashboard.specs import NONE, ReportSpec

#: ``link(keys)``: the drill-down address of the records behind a number, or None
Linker = Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class Computed:
    """What SQL answered: the groups, and the totals of each level."""

    main: ReportResult
    #: row depth (1, 2, ...) -> the result grouped by that many row dimensions
    subtotals: dict[int, ReportResult] = field(default_factory=dict)
    #: pivots: grouped by the rows only, and by the columns only
    row_totals: ReportResult | None = None
    column_totals: ReportResult | None = None


def compute(session: Session, actor: Actor, registry: Any, spec: ReportSpec) -> Computed:
    """Run ``spec`` as ``actor``: the kernel checks every name and counts only
    the rows the actor may read."""
    main = aggregate(session, actor, registry, spec.query())
    if spec.columns:
        by_columns = aggregate(session, actor, registry, spec.query(rows=spec.columns, columns=()))
        by_rows = aggregate(session, actor, registry, spec.query(columns=())) if spec.rows else None
        return Computed(main, row_totals=by_rows, column_totals=by_columns)
    levels = {depth: aggregate(session, actor, registry, spec.query(rows=spec.rows[:depth]))
              for depth in range(1, len(spec.rows))}
    return Computed(main, subtotals=levels)


# ------------------------------------------------------------------ text


@dataclass(frozen=True)
class Formatter:
    """Keys and numbers as the reader reads them."""

    gettext: Callable[..., str]
    date: Callable[[Any], str]

    def key(self, result: ReportResult, dim: Dimension, key: Any) -> str:
        text = result.label(dim.name, key)
        return self.gettext(text) if key is None or dim.kind in ("choice", "bool") else text

    def value(self, measure: Measure, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime | date):
            return self.date(value)
        if isinstance(value, Decimal) or measure.kind == "decimal":
            return f"{Decimal(value):,.2f}"
        return f"{value:,}" if isinstance(value, int) else str(value)

    def dimension(self, dim: Dimension) -> str:
        from core import GRAIN_LABELS

        label = self.gettext(dim.label)
        if not dim.grain:
            return label
        grain = self.gettext(GRAIN_LABELS[dim.grain])
        return self.gettext("{dimension} ({grain})", dimension=label, grain=grain)


def number(value: Any) -> float | None:
    """A measure's value for drawing (dates are not drawn)."""
    return float(value) if isinstance(value, int | float | Decimal) else None


# ------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Cell:
    text: str
    value: Any = None
    href: str | None = None


@dataclass(frozen=True)
class Line:
    """One line of a table: a ``group``, a ``subtotal`` (``level`` row
    dimensions deep) or the ``total``."""

    kind: str
    labels: tuple[str, ...]
    cells: tuple[Cell, ...]
    level: int = 0


@dataclass(frozen=True)
class Table:
    head: tuple[str, ...]  # the row dimensions' labels
    #: a pivot's column keys over their measures: (label, span)
    bands: tuple[tuple[str, int], ...]
    columns: tuple[str, ...]  # the measures' labels, once per band
    lines: tuple[Line, ...]
    truncated: bool


def _cells(result: ReportResult, values: Sequence[Any], fmt: Formatter, href: str | None) -> list[Cell]:
    return [Cell(fmt.value(m, v), v, href) for m, v in zip(result.measures, values, strict=True)]


def grouped(computed: Computed, fmt: Formatter, link: Linker, *, total: str,
            subtotal: Callable[[str], str]) -> Table:
    """Rows in order of their keys; after each run of equal leading keys, its
    subtotal (computed in SQL, so averages and distinct counts are right)."""
    main = computed.main
    dims = main.row_dimensions
    depth = len(dims)
    levels = {n: {r.keys: r.values for r in res.rows} for n, res in computed.subtotals.items()}
    lines: list[Line] = []

    def subtotals(keys: tuple[Any, ...], down_to: int) -> None:
        """The subtotals of ``keys``'s levels deeper than ``down_to``, deepest first."""
        for level in range(depth - 1, down_to, -1):
            prefix = keys[:level]
            label = subtotal(fmt.key(main, dims[level - 1], prefix[-1]))
            values = levels[level].get(prefix, (None,) * len(main.measures))
            lines.append(Line("subtotal", ("",) * (level - 1) + (label,) + ("",) * (depth - level),
                              tuple(_cells(main, values, fmt, link(_keys(dims, prefix)))), level))

    previous: tuple[Any, ...] | None = None
    for row in main.rows:
        same = 0 if previous is None else _common(previous, row.keys)
        if previous is not None:
            subtotals(previous, same)
        labels = tuple("" if i < same else fmt.key(main, d, row.keys[i]) for i, d in enumerate(dims))
        lines.append(Line("group", labels, tuple(_cells(main, row.values, fmt, link(_keys(dims, row.keys))))))
        previous = row.keys
    if previous is not None:
        subtotals(previous, 0)
    lines.append(Line("total", (total,) + ("",) * max(depth - 1, 0),
                      tuple(_cells(main, main.totals, fmt, link({})))))
    return Table(tuple(fmt.dimension(d) for d in dims), (), tuple(fmt.gettext(m.label) for m in main.measures),
                 tuple(lines), main.truncated)


def _common(a: Sequence[Any], b: Sequence[Any]) -> int:
    """How many leading keys two rows share."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), len(a))


def pivot(computed: Computed, fmt: Formatter, link: Linker, *, total: str) -> Table:
    """Row keys down, column keys across (each over every measure), with the
    rows' totals at the right and the columns' at the bottom."""
    main, across = computed.main, computed.column_totals
    assert across is not None
    rows_dims, col_dims = main.row_dimensions, main.column_dimensions
    row_keys = list(dict.fromkeys(r.keys for r in main.rows))
    col_keys = [r.keys for r in across.rows]
    cells = {(r.keys, r.columns): r.values for r in main.rows}
    row_totals = {r.keys: r.values for r in computed.row_totals.rows} if computed.row_totals else {}
    empty = (None,) * len(main.measures)
    lines = []
    for rk in row_keys:
        out: list[Cell] = []
        for ck in col_keys:
            values = cells.get((rk, ck), empty)
            href = link({**_keys(rows_dims, rk), **_keys(col_dims, ck)}) if values != empty else None
            out += _cells(main, values, fmt, href)
        out += _cells(main, row_totals.get(rk, main.totals if not rows_dims else empty), fmt,
                      link(_keys(rows_dims, rk)))
        labels = tuple(fmt.key(main, d, rk[i]) for i, d in enumerate(rows_dims)) or (total,)
        lines.append(Line("group", labels, tuple(out)))
    if rows_dims:
        foot: list[Cell] = []
        by_column = {r.keys: r.values for r in across.rows}
        for ck in col_keys:
            foot += _cells(main, by_column.get(ck, empty), fmt, link(_keys(col_dims, ck)))
        foot += _cells(main, main.totals, fmt, link({}))
        lines.append(Line("total", (total,) + ("",) * (len(rows_dims) - 1), tuple(foot)))
    bands = tuple((" · ".join(fmt.key(main, d, ck[i]) for i, d in enumerate(col_dims)), len(main.measures))
                  for ck in col_keys) + ((total, len(main.measures)),)
    measures = tuple(fmt.gettext(m.label) for m in main.measures) * len(bands)
    head = tuple(fmt.dimension(d) for d in rows_dims) or ("",)
    return Table(head, bands, measures, tuple(lines), main.truncated or across.truncated)


def table_of(computed: Computed, fmt: Formatter, link: Linker) -> Table:
    total = fmt.gettext("Total")
    if computed.main.column_dimensions:
        return pivot(computed, fmt, link, total=total)
    return grouped(computed, fmt, link, total=total,
                   subtotal=lambda name: fmt.gettext("Subtotal: {name}", name=name))


def _keys(dims: Sequence[Dimension], keys: Sequence[Any]) -> dict[str, Any]:
    return {d.name: k for d, k in zip(dims, keys, strict=False)}


def key_param(key: Any) -> str:
    """A key as a drill-down link carries it."""
    return NONE if key is None else str(key)


# ------------------------------------------------------------------ charts


def chart_of(computed: Computed, kind: str, fmt: Formatter, *, title: str, empty: str, other: str,
             canvas: charts.Canvas = charts.PAGE) -> Markup | None:
    """The report's chart: its first measure over the row keys (one series per
    column key in a pivot); None for a table-only report."""
    main = computed.main
    if kind == "table" or not main.measures:
        return None
    measure = main.measures[0]
    rows_dims, col_dims = main.row_dimensions, main.column_dimensions
    categories = list(dict.fromkeys(r.keys for r in main.rows)) if rows_dims else [()]
    labels = [" · ".join(fmt.key(main, d, k[i]) for i, d in enumerate(rows_dims)) or fmt.gettext("Total")
              for k in categories]
    if col_dims and computed.column_totals is not None:
        lookup = {(r.keys, r.columns): r.values[0] for r in main.rows}
        series = []
        for ck in (r.keys for r in computed.column_totals.rows):
            values = [lookup.get((k, ck)) for k in categories]
            name = " · ".join(fmt.key(main, d, ck[i]) for i, d in enumerate(col_dims))
            series.append(charts.Series(name, tuple(number(v) for v in values),
                                        tuple(fmt.value(measure, v) for v in values)))
    else:
        first = {r.keys: r.values[0] for r in main.rows} if rows_dims else {(): main.totals[0]}
        values = [first.get(k) for k in categories]
        series = [charts.Series(fmt.gettext(measure.label), tuple(number(v) for v in values),
                                tuple(fmt.value(measure, v) for v in values))]
    if kind == "line":
        return charts.line_chart(title, labels, series, empty=empty, canvas=canvas)
    if kind == "pie":
        return charts.pie_chart(title, labels, series[0].values, series[0].texts, other=other, empty=empty,
                                canvas=canvas)
    if kind == "funnel":
        return charts.funnel_chart(title, labels, series[0].values, series[0].texts, empty=empty, canvas=canvas)
    return charts.bar_chart(title, labels, series, empty=empty, canvas=canvas)
