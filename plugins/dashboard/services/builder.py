"""What the report builder offers a reader: the dimensions (each date at
each grain), and an input per filter with its choices: a workflow's states
or a column's choices, the referenced records the reader may read, a range
for dates and numbers, text otherwise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import GRAIN_LABELS, Actor, Base, DatasetView, Dimension, scope

#: the referenced records a filter offers at most (beyond, it takes ids)
MAX_OPTIONS = 200
NAME_ATTRS = ("name", "display_name", "title", "subject", "number", "code")


@dataclass(frozen=True)
class FilterInput:
    """``kind``: ``choice`` (pick any of ``options``), ``date`` or ``number``
    (a range), ``text`` (one value), ``ids`` (record ids, when the reader may
    not list the referenced records)."""

    dimension: Dimension
    kind: str
    options: tuple[tuple[str, str], ...] = ()


def dimension_choices(view: DatasetView, gettext: Callable[..., str]) -> list[tuple[str, str]]:
    """(value, label) for the row and column selects; a date once per grain."""
    out = []
    for dim in view.dimensions:
        label = gettext(dim.label)
        if dim.kind == "date":
            out += [(f"{dim.column}:{g}", gettext("{dimension} ({grain})", dimension=label,
                                                  grain=gettext(text))) for g, text in GRAIN_LABELS.items()]
        else:
            out.append((dim.column, label))
    return out


def referenced(registry: Any, model: type[Base], column: str) -> type[Base] | None:
    """The registered model a foreign-key column of ``model`` points to."""
    fk = next(iter(model.__table__.columns[column].foreign_keys), None)
    if fk is None:
        return None
    table = fk.column.table.name
    return next((m for m in registry.models.values() if m.__table__.name == table), None)


def name_column(actor: Actor, model: type[Base]) -> Any:
    shown = set(model.__table__.columns.keys()) - actor.hidden_fields(model)
    attr = next((a for a in NAME_ATTRS if a in shown), None)
    return model.__table__.columns[attr] if attr else None


def readable_names(session: Session, actor: Actor, model: type[Base], ids: Any = None, *,
                   limit: int = MAX_OPTIONS) -> list[tuple[int, str]] | None:
    """(id, name) of records of ``model`` the actor may read (those of ``ids``,
    or the first ``limit`` by name); None when they may not read any."""
    name = name_column(actor, model)
    if name is None or not actor.can(f"{model.__model_key__}.read"):
        return None
    ident = model.__table__.columns["id"]
    stmt = select(ident, name).where(scope(actor, model, "read"))
    stmt = stmt.where(ident.in_(list(ids))) if ids is not None else stmt.order_by(name).limit(limit)
    return [(rid, str(text)) for rid, text in session.execute(stmt)]


def filter_inputs(session: Session, actor: Actor, registry: Any, view: DatasetView,
                  gettext: Callable[[str], str]) -> list[FilterInput]:
    out = []
    for dim in view.filters:
        if dim.choices:
            out.append(FilterInput(dim, "choice", tuple((str(v), gettext(t)) for v, t in dim.choices)))
        elif dim.kind == "ref":
            ref = referenced(registry, view.model, dim.column)
            names = readable_names(session, actor, ref) if ref is not None else None
            out.append(FilterInput(dim, "choice", tuple((str(i), n) for i, n in names)) if names is not None
                       else FilterInput(dim, "ids"))
        elif dim.kind in ("date", "number"):
            out.append(FilterInput(dim, dim.kind))
        else:
            out.append(FilterInput(dim, "text"))
    return out
