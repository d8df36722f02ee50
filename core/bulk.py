"""Writing many new records at once: an import, a generator, a sync.

The ORM's unit of work costs tens of microseconds per object, and the audit
trail and the record events add as much again, one record at a time.
:func:`create_many` inserts a list of rows with one ``INSERT`` per chunk
and gives each row what the ORM path gives a record: column defaults, the
actor's organisation, owner and department, the audit row (``create``, the
same values), and the created event, which a plugin may take for all the
rows at once (``on_records_created``) or, if it implements only
``on_record_created``, per record as usual.

    ids = create_many(session, actor, Note, [{"title": "…", "body": "…"}, …])

A domain plugin exposes it through its Crud (``Crud.create_many``) only
when its create service does nothing per record beyond setting values:
the rows bypass that service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy import ColumnDefault, Table, func, insert, select, text
from sqlalchemy.orm import Session

from core.audit import record_created
from core.db import Base, OrgScopedMixin, id_column, table_of
from core.permissions import Actor

#: rows per INSERT statement (and per event call)
CHUNK = 2000
#: filled by the database, never by a row
_SERVER_SET = frozenset({"id"})


def create_many(
    session: Session, actor: Actor | None, model: type[Base], rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert ``rows`` (column name -> value) as new records of ``model`` and
    return their ids, in the order of ``rows``.

    In the caller's transaction, after flushing what the session holds. A
    column a row leaves out gets its default (the same for every row of a
    scalar default, called per row for a callable one); the ownership
    columns of an :class:`~core.db.OrgScopedMixin` model default to the
    actor's organisation, user and department. ``rows`` are not checked:
    they hold what a create service would set, after the caller's checks
    (permissions, the form's cleaning). Unknown keys raise ``KeyError``.
    """
    if not rows:
        return []
    session.flush()
    table = table_of(model)
    filled = _filled(table, model, actor, rows)
    ids: list[int] = []
    ident = id_column(model)
    for start in range(0, len(filled), CHUNK):
        chunk = filled[start:start + CHUNK]
        new_ids = _new_ids(session, table, len(chunk))
        for row, new_id in zip(chunk, new_ids, strict=True):
            row["id"] = new_id
        session.execute(insert(table), chunk)
        ids += new_ids
        record_created(session, actor, model, chunk, lambda chunk_ids: list(
            session.scalars(select(model).where(ident.in_(chunk_ids)).order_by(ident))))
    return ids


def _new_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for ``count`` new rows, taken before the insert: a multi-row
    ``INSERT … RETURNING`` does not promise the order of the ids it returns
    (SQLAlchemy then sends one row per statement on SQLite). PostgreSQL: from
    the column's sequence, as its default would. SQLite: after the largest id,
    as SQLite itself picks (a rowid table without AUTOINCREMENT), which no
    other writer can take meanwhile: a write transaction holds the database's
    write lock from its first statement (``BEGIN IMMEDIATE``)."""
    if session.get_bind().dialect.name == "postgresql":
        sequence = session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        return sorted(session.scalars(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                      {"s": sequence, "n": count}))
    last = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(last + 1, last + count + 1))


def _filled(
    table: Table, model: type[Base], actor: Actor | None, rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every row with the same keys (one statement for all), defaults filled in."""
    names = {name for row in rows for name in row}
    unknown = names - set(table.columns.keys())
    if unknown:
        raise KeyError(f"{model.__model_key__}: no column {', '.join(sorted(unknown))}")
    owned: dict[str, Any] = {}
    if issubclass(model, OrgScopedMixin) and actor is not None:
        owned = {"org_id": actor.org_id, "owner_id": actor.user_id, "department_id": actor.department_id}
    scalars: dict[str, Any] = {}
    calls: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        name, default = column.key, column.default
        if name in _SERVER_SET:
            continue
        if name in owned:
            scalars[name] = owned[name]
        elif isinstance(default, ColumnDefault) and default.is_callable:
            calls[name] = partial(default.arg, None)  # SQLAlchemy wraps it to take a context
        elif isinstance(default, ColumnDefault) and default.is_scalar:
            scalars[name] = default.arg
        else:
            scalars[name] = None
    out = []
    for row in rows:
        values = dict(scalars)
        for name, call in calls.items():
            if name not in row:
                values[name] = call()
        values.update(row)
        out.append(values)
    return out
