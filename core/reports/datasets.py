"""A dataset as one reader may use it: :func:`describe` for a report
builder, :func:`checked` to check a query (every name declared, no field
hidden from the reader, every filter value converted)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, Numeric

from core.errors import ValidationError
from core.i18n import N_
from core.permissions import Actor, scope
from core.registry import DATE_GRAINS, DatasetDecl
from core.reports.shapes import BOOL_LABELS, DatasetView, Dimension, Measure, Registry, ReportQuery
from core.reports.values import filter_clause, is_date, stored_type

MAX_LIMIT = 100_000
HIDDEN = N_("This field is hidden from you: a report cannot use it.")


def describe(actor: Actor, registry: Registry, dataset: str) -> DatasetView:
    """The dimensions, measures and filters of ``dataset`` that ``actor`` may
    use (``Forbidden`` without ``<model>.<action>``), for a report builder."""
    decl = dataset_of(registry, dataset)
    actor.require(permission_of(decl))
    hidden = actor.hidden_fields(decl.model)
    measures = tuple(m for n in decl.measures if ((m := measure_of(decl, n)).column or "") not in hidden)
    return DatasetView(
        decl.key, decl.label, decl.model,
        tuple(dimension_of(registry, decl, c) for c in decl.dimensions if c not in hidden), measures,
        tuple(dimension_of(registry, decl, c) for c in decl.filters if c not in hidden))


def permission_of(decl: DatasetDecl) -> str:
    return f"{decl.model.__model_key__}.{decl.action}"


def dataset_of(registry: Registry, key: str) -> DatasetDecl:
    decl = registry.datasets.get(key)
    if decl is None:
        raise ValidationError({"dataset": N_("No such report dataset.")})
    return decl


def column_of(decl: DatasetDecl, name: str) -> Any:
    return decl.model.__table__.columns[name]


def dimension_of(registry: Registry, decl: DatasetDecl, name: str, grain: str | None = None,
               shown: str | None = None) -> Dimension:
    column = column_of(decl, name)
    label = decl.labels.get(name) or str(column.info.get("label") or name)
    shown = shown or name
    stored = stored_type(column)
    if is_date(column):
        return Dimension(shown, name, label, "date", grain)
    choices = choices_of(registry, decl, column)
    if choices:
        return Dimension(shown, name, label, "choice", choices=choices)
    if column.foreign_keys:
        return Dimension(shown, name, label, "ref")
    if isinstance(stored, Boolean):
        return Dimension(shown, name, label, "bool", choices=tuple(BOOL_LABELS.items()))
    return Dimension(shown, name, label, "number" if isinstance(stored, Integer | Numeric) else "text")


def choices_of(registry: Registry, decl: DatasetDecl, column: Any) -> tuple[tuple[Any, str], ...]:
    """A workflow's states (for its ``state`` column), else ``info["choices"]``
    (a mapping value -> label, or ``(value, label)`` pairs)."""
    workflow = registry.workflows.get(decl.model.__model_key__)
    if workflow is not None and column.name == "state":
        return tuple((s, workflow.state_label(s)) for s in workflow.states)
    declared = column.info.get("choices")
    if isinstance(declared, Mapping):
        return tuple((k, str(v)) for k, v in declared.items())
    if isinstance(declared, Sequence) and not isinstance(declared, str):
        return tuple((k, str(v)) for k, v in declared)
    return ()


def measure_of(decl: DatasetDecl, name: str) -> Measure:
    aggregate_, _, col = decl.measures[name].partition(":")
    label = decl.labels.get(name, name)
    if aggregate_ in ("count", "count_distinct", "count_readable"):
        return Measure(name, aggregate_, col or None, label, "count")
    column = column_of(decl, col)
    stored = stored_type(column)
    if aggregate_ in ("min", "max") and is_date(column):
        kind = "date"
    elif aggregate_ == "avg" or (isinstance(stored, Numeric) and not isinstance(stored, Integer)):
        kind = "decimal"
    else:
        kind = "number"
    return Measure(name, aggregate_, col, label, kind)


# ------------------------------------------------------------------ checking a query


@dataclass(frozen=True)
class Plan:
    decl: DatasetDecl
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    where: tuple[ColumnElement[bool], ...]


def checked(actor: Actor, registry: Registry, query: ReportQuery) -> Plan:
    """The query checked against the dataset and the reader: every name
    declared, no field hidden from them, every filter value converted.
    ``ValidationError`` names each offending field."""
    decl = dataset_of(registry, query.dataset)
    actor.require(permission_of(decl))
    hidden = actor.hidden_fields(decl.model)
    errors: dict[str, str] = {}
    if not 1 <= query.limit <= MAX_LIMIT:
        errors["limit"] = N_("A report shows from 1 to 100,000 groups.")
    if len(set(query.grouped)) != len(query.grouped):
        errors["rows"] = N_("Group by each dimension once.")
    dims = []
    for name in query.grouped:
        column, _, grain = name.partition(":")
        problem = dimension_problem(decl, column, grain, hidden)
        if problem:
            errors[name] = problem
        else:
            at = (grain or "day") if is_date(column_of(decl, column)) else None
            dims.append(dimension_of(registry, decl, column, at, name))
    measures = []
    for name in query.measures or tuple(decl.measures):
        if name not in decl.measures:
            errors[name] = N_("Not a measure of this dataset.")
        elif (measure_of(decl, name).column or "") in hidden:
            errors[name] = HIDDEN
        else:
            measures.append(measure_of(decl, name))
    where = [scope(actor, decl.model, decl.action)]
    for name, value in query.filters.items():
        if name not in decl.filters:
            errors[name] = N_("Not a filter of this dataset.")
        elif name in hidden:
            errors[name] = HIDDEN
        else:
            try:
                where.append(filter_clause(column_of(decl, name), value))
            except (ValueError, TypeError):
                errors[name] = N_("Not a valid value for this field.")
    if errors:
        raise ValidationError(errors)
    return Plan(decl, tuple(dims), tuple(measures), tuple(where))


def dimension_problem(decl: DatasetDecl, column: str, grain: str, hidden: set[str]) -> str | None:
    if column not in decl.dimensions:
        return N_("Not a dimension of this dataset.")
    if column in hidden:
        return HIDDEN
    if grain and grain not in DATE_GRAINS:
        return N_("Group a date by day, month, quarter or year.")
    if grain and not is_date(column_of(decl, column)):
        return N_("Only a date is grouped by day, month, quarter or year.")
    return None
