"""The SQL of a report: one ``GROUP BY`` and one totals query
(:func:`aggregate`), the names of the keys found, and the records behind a
number (:func:`records_behind`). Date grains have one expression per dialect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from core.db import Base, id_column
from core.errors import ValidationError
from core.i18n import N_
from core.permissions import Actor, scope
from core.reports.datasets import Plan, checked
from core.reports.shapes import Dimension, Measure, Registry, ReportQuery, ReportResult, ResultRow
from core.reports.values import convert, grain_bounds, midnight, stored_type

#: attributes that name a referenced record, the first one present wins
NAME_ATTRS = ("name", "display_name", "title", "subject", "number", "code")
_SQLITE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
_PG_FORMATS = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
#: China's offset from UTC (no daylight saving since 1991), for each dialect
_SQLITE_SHIFT = "+8 hours"
_PG_SHIFT = "INTERVAL '8 hours'"


def _grouping(dialect: str, column: Any, dim: Dimension) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """(what to group by, what to select) for a dimension."""
    if dim.grain is None and dialect == "sqlite":
        # ``+column``: SQLite would otherwise walk an index on the column to
        # skip sorting, fetching every row by id (3-5 times slower than a scan)
        plain = UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)
        return plain, plain
    if dim.grain is None:
        return column, column
    day_times = isinstance(stored_type(column), DateTime)
    if dialect == "postgresql":
        # a fixed offset, as on SQLite: half the time of timezone('Asia/Shanghai', ...) per row
        local = column + literal_column(_PG_SHIFT) if day_times else column
        truncated = func.date_trunc(dim.grain, local)
        return truncated, func.to_char(truncated, _PG_FORMATS[dim.grain])
    shift = (_SQLITE_SHIFT,) if day_times else ()
    if dim.grain == "quarter":
        month = cast(func.strftime("%m", column, *shift), Integer)
        key = func.strftime("%Y", column, *shift).concat("-Q").concat(
            cast((month + 2) // 3, String))
    else:
        key = func.strftime(_SQLITE_FORMATS[dim.grain], column, *shift)
    return key, key


def _ordering(group: ColumnElement[Any], dim: Dimension) -> list[ColumnElement[Any]]:
    """Choices in their declared order (a funnel's stages), then by key; empty keys last."""
    order: list[ColumnElement[Any]] = []
    if dim.kind == "choice":
        known = case({value: i for i, (value, _label) in enumerate(dim.choices)}, value=group,
                     else_=len(dim.choices))
        order.append(known)
    order.append(group.is_(None))
    order.append(group)
    return order


def _aggregate(column: Any, measure: Measure, registry: Registry, actor: Actor) -> ColumnElement[Any]:
    if measure.aggregate == "count":
        return func.count()
    if measure.aggregate == "count_distinct":
        return func.count(distinct(column))
    if measure.aggregate == "count_readable":
        return func.count(distinct(_readable_key(column, referenced_model(registry, column), actor)))
    return getattr(func, measure.aggregate)(column)  # type: ignore[no-any-return]


def _readable_key(column: Any, model: type[Base] | None, actor: Actor) -> Any:
    """For ``count_readable``: the referenced key where the reader may read
    the record (``scope(actor, model, "read")``), else NULL (not counted)."""
    if model is None:
        return column
    readable = select(id_column(model)).where(scope(actor, model, "read"))
    return case((column.in_(readable), column), else_=None)


def _value(measure: Measure, column: Any, value: Any) -> Any:
    """A measure's value as Python: counts ``int``, sums and averages of
    decimal columns ``Decimal`` at the column's scale, others as stored."""
    if value is None:
        return None
    if measure.kind == "count":
        return int(value)
    if measure.kind == "decimal":
        stored = stored_type(column)
        scale = stored.scale if isinstance(stored, Numeric) and stored.scale is not None else 2
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-scale))
    return value


#: aggregates whose total is that of the groups' values (so it needs no query of its own)
ADDITIVE: dict[str, Callable[[list[Any]], Any]] = {"count": sum, "sum": sum, "min": min, "max": max}


def _combine(measure: Measure, values: list[Any]) -> Any:
    """The total of a measure from its groups' values (None when none has one)."""
    present = [v for v in values if v is not None]
    if not present:
        return 0 if measure.aggregate == "count" else None
    return ADDITIVE[measure.aggregate](present)


def aggregate(session: Session, actor: Actor, registry: Registry, query: ReportQuery) -> ReportResult:
    """Run ``query`` as ``actor``: one ``GROUP BY`` over the rows their
    ``<model>.<action>`` scope allows, and one query for the totals (not
    needed when every measure is a count, sum, minimum or maximum and no group
    was cut off: the totals are then the groups' together).

    ``Forbidden`` without that permission; ``ValidationError`` naming each
    name the dataset does not declare, or that a field rule hides from them.
    """
    plan = checked(actor, registry, query)
    model, dialect = plan.decl.model, session.get_bind().dialect.name
    columns = [model.__table__.columns[d.column] for d in plan.dimensions]
    groups = [_grouping(dialect, c, d) for c, d in zip(columns, plan.dimensions, strict=True)]
    measured = [model.__table__.columns[m.column] if m.column else None for m in plan.measures]
    values = [_aggregate(c, m, registry, actor).label(f"m{i}")
              for i, (c, m) in enumerate(zip(measured, plan.measures, strict=True))]
    where = and_(*plan.where)
    rows: list[ResultRow] = []
    truncated = False
    if plan.dimensions:
        stmt = (select(*(shown.label(f"d{i}") for i, (_g, shown) in enumerate(groups)), *values)
                .select_from(model).where(where)
                .group_by(*(g for g, _s in groups))
                .order_by(*(o for (g, _s), d in zip(groups, plan.dimensions, strict=True)
                            for o in _ordering(g, d)))
                .limit(query.limit + 1))
        found = session.execute(stmt).all()
        truncated = len(found) > query.limit
        split, width = len(query.rows), len(plan.dimensions)
        for row in found[:query.limit]:
            keys = tuple(row[:width])
            rows.append(ResultRow(keys[:split], keys[split:], tuple(
                _value(m, c, v) for m, c, v in zip(plan.measures, measured, row[width:], strict=True))))
    if plan.dimensions and not truncated and all(m.aggregate in ADDITIVE for m in plan.measures):
        totals = tuple(_combine(m, [r.values[i] for r in rows]) for i, m in enumerate(plan.measures))
    else:  # an average or a distinct count of everything is not one of its groups'
        found_totals = session.execute(select(*values).select_from(model).where(where)).one()
        totals = tuple(_value(m, c, v) for m, c, v in zip(plan.measures, measured, found_totals, strict=True))
    result = ReportResult(query, plan.decl.label, plan.dimensions, plan.measures, rows, totals, truncated)
    result.names = _names(session, actor, registry, plan, rows)
    return result


# ------------------------------------------------------------------ display names


def _names(session: Session, actor: Actor, registry: Registry, plan: Plan,
           rows: list[ResultRow]) -> dict[str, dict[Any, str]]:
    """Labels of the keys found: choices and yes/no by their labels, and the
    names of referenced records the reader may open (one query per dimension)."""
    out: dict[str, dict[Any, str]] = {}
    for i, dim in enumerate(plan.dimensions):
        if dim.choices:
            out[dim.name] = dict(dim.choices)
        elif dim.kind == "ref":
            keys = {(r.keys + r.columns)[i] for r in rows} - {None}
            column = plan.decl.model.__table__.columns[dim.column]
            out[dim.name] = _ref_names(session, actor, registry, column, keys)
    return out


def referenced_model(registry: Registry, column: Any) -> type[Base] | None:
    """The model a foreign-key column points to, if it is a registered one."""
    fk = next(iter(column.foreign_keys), None)
    if fk is None:
        return None
    table = fk.column.table.name
    return next((m for m in registry.models.values() if m.__table__.name == table), None)  # type: ignore[attr-defined]


def _ref_names(session: Session, actor: Actor, registry: Registry, column: Any,
               keys: set[Any]) -> dict[Any, str]:
    model = referenced_model(registry, column)
    if model is None or not keys or not actor.can(f"{model.__model_key__}.read"):
        return {}
    shown = set(model.__table__.columns.keys()) - actor.hidden_fields(model)
    attr = next((a for a in NAME_ATTRS if a in shown), None)
    if attr is None:
        return {}
    ident = id_column(model)
    stmt = select(ident, getattr(model, attr)).where(ident.in_(keys), scope(actor, model, "read"))
    return {key: str(name) for key, name in session.execute(stmt)}


# ------------------------------------------------------------------ drill-down


def records_behind(actor: Actor, registry: Registry, query: ReportQuery,
                   keys: Mapping[str, Any]) -> Select[Any]:
    """The ids of the records behind one number of ``query``'s result: ``keys``
    maps grouped dimensions (grain included) to their keys; a dimension left
    out is not narrowed (a subtotal, a total). Same scope and filters as
    :func:`aggregate`; ordered by id, for paging."""
    plan = checked(actor, registry, query)
    model = plan.decl.model
    where = list(plan.where)
    errors: dict[str, str] = {}
    for name, key in keys.items():
        dim = next((d for d in plan.dimensions if d.name == name), None)
        if dim is None:
            errors[name] = N_("Not a dimension this report groups by.")
            continue
        try:
            where.append(_key_clause(model.__table__.columns[dim.column], dim, key))
        except (ValueError, TypeError):
            errors[name] = N_("Not a valid value for this field.")
    if errors:
        raise ValidationError(errors)
    ident = id_column(model)
    return select(ident).where(*where).order_by(ident)


def _key_clause(column: Any, dim: Dimension, key: Any) -> ColumnElement[bool]:
    if key is None:
        return column.is_(None)  # type: ignore[no-any-return]
    if dim.grain is None:
        return column == convert(column, key)  # type: ignore[no-any-return]
    first, after = grain_bounds(dim.grain, str(key))
    if isinstance(stored_type(column), DateTime):
        return and_(column >= midnight(first), column < midnight(after))
    return and_(column >= first, column < after)
