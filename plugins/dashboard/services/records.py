"""The records behind a number (the drill-down), a page at a time: each
with its name, a link to its own page, and the dataset's fields the reader
may see, shown as the report shows them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Actor, DatasetView, Dimension, ReportQuery, records_behind
from plugins.dashboard.services.builder import name_column, readable_names, referenced
from plugins.dashboard.specs import NONE, ReportSpec

PAGE = 50


@dataclass(frozen=True)
class RecordRow:
    id: int
    title: str
    href: str | None
    cells: tuple[str, ...]


@dataclass(frozen=True)
class RecordPage:
    columns: tuple[str, ...]  # labels (message ids)
    numeric: tuple[bool, ...]  # which columns hold numbers (set flush right)
    rows: tuple[RecordRow, ...]
    after: int | None  # the id to continue after, when there are more


def page(session: Session, actor: Actor, registry: Any, view: DatasetView, query: ReportQuery,
         keys: Mapping[str, Any], *, after: int, link: Callable[[str, int], str | None],
         text: Callable[[Dimension, Any], str]) -> RecordPage:
    """The records behind ``keys`` of ``query``, ``PAGE`` at a time after the id ``after``."""
    stmt = records_behind(actor, registry, query, keys)
    ident = stmt.selected_columns[0]
    ids = list(session.scalars(stmt.where(ident > after).limit(PAGE + 1)))
    more, ids = len(ids) > PAGE, ids[:PAGE]
    model = view.model
    id_col = model.__table__.columns["id"]
    records = {rid: r for rid, r in session.execute(select(id_col, model).where(id_col.in_(ids)))}
    fields = [*view.dimensions, *_measured(view)]
    names = {d.column: _names(session, actor, registry, view, d, records.values())
             for d in fields if d.kind == "ref"}
    title = name_column(actor, model)
    rows = []
    for rid in ids:
        record = records[rid]
        cells = tuple(text(d, names[d.column].get(getattr(record, d.column)) if d.kind == "ref"
                              else getattr(record, d.column)) for d in fields)
        label = str(getattr(record, title.key)) if title is not None else f"#{rid}"
        rows.append(RecordRow(rid, label, link(model.__model_key__, rid), cells))
    return RecordPage(tuple(d.label for d in fields), tuple(d.kind == "number" for d in fields), tuple(rows),
                      ids[-1] if more else None)


def _measured(view: DatasetView) -> list[Dimension]:
    """The columns the measures add up (an amount), once each."""
    seen = {d.column for d in view.dimensions}
    out = []
    for m in view.measures:
        if m.column and m.column not in seen and m.aggregate not in ("count_distinct", "count_readable"):
            seen.add(m.column)
            out.append(Dimension(m.column, m.column, m.label, "number"))
    return out


def _names(session: Session, actor: Actor, registry: Any, view: DatasetView, dim: Dimension,
           records: Any) -> dict[Any, Any]:
    """Names of the records a reference points to, where the reader may read them."""
    ids = {getattr(r, dim.column) for r in records} - {None}
    ref = referenced(registry, view.model, dim.column)
    found = readable_names(session, actor, ref, ids) if ref is not None and ids else None
    known = dict(found or ())
    return {i: known.get(i, f"#{i}") for i in ids}


def cell_text(gettext: Callable[[str], str], day: Callable[[Any], str]) -> Callable[[Dimension, Any], str]:
    """How a field shows in the list: labels translated, dates and amounts formatted."""

    def text(dim: Dimension, value: Any) -> str:
        if value is None:
            return "—"
        if dim.choices:
            return gettext(dict(dim.choices).get(value, str(value)))
        if isinstance(value, datetime | date):
            return day(value)
        if isinstance(value, Decimal):
            return f"{value:,.2f}"
        return str(value)

    return text


def key_labels(session: Session, actor: Actor, registry: Any, view: DatasetView, spec: ReportSpec,
               keys: Mapping[str, Any], gettext: Callable[[str], str]) -> list[tuple[Dimension, str]]:
    """Each key of a drill-down with its dimension (grain included) and its text."""
    out = []
    for name in (*spec.rows, *spec.columns):
        column, _, grain = name.partition(":")
        base = next((d for d in view.dimensions if d.column == column), None)
        if base is not None and name in keys:
            dim = Dimension(name, base.column, base.label, base.kind, grain or None, base.choices)
            out.append((dim, value_text(session, actor, registry, view, dim, keys[name], gettext)))
    return out


def filter_labels(session: Session, actor: Actor, registry: Any, view: DatasetView, spec: ReportSpec,
                  gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    """Each filter of the report as (its label, what it keeps), for the reader."""
    out = []
    for name, value in spec.filters.items():
        dim = next((d for d in view.filters if d.column == name), None)
        if dim is None:
            continue
        if isinstance(value, Mapping):
            text = f"{value.get('from') or '…'} – {value.get('to') or '…'}"
        else:
            text = "、".join(value_text(session, actor, registry, view, dim, None if v == NONE else v, gettext)
                            for v in value)
        out.append((gettext(dim.label), text))
    return out


def value_text(session: Session, actor: Actor, registry: Any, view: DatasetView, dim: Dimension, key: Any,
               gettext: Callable[[str], str]) -> str:
    """A key or filter value as the reader reads it: a choice's label, a name
    they may read (else ``#id``), anything else as it is."""
    if key is None:
        return gettext("(none)")
    if dim.choices:
        return gettext(dict((str(v), t) for v, t in dim.choices).get(str(key), str(key)))
    if dim.kind == "ref" and str(key).isdigit():
        ref = referenced(registry, view.model, dim.column)
        names = dict(readable_names(session, actor, ref, [int(key)]) or ()) if ref is not None else {}
        return names.get(int(key), f"#{key}")
    return str(key)
