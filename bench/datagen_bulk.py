"""Writing a million generated records fast, with what the app writes for each.

``core.create_many`` gives every new record its audit row, its search index
entries and its duplicate keys (the ``on_records_created`` hooks), then
inserts through SQLAlchemy: about 2.5 ms of one CPU per customer with its
contacts and follow-ups, 40 minutes for a million. Here the same rows are
computed with the app's own functions, in worker processes:

* each table's columns filled as ``create_many`` fills them (``core.bulk``),
  then turned into what the driver takes by SQLAlchemy's own bind processors;
* the audit row of a creation (``core.audit.record_created``);
* the search entries (``plugins.search.index.entry_rows``);
* the match keys (``plugins.dataio.duplicates.keys_of``, the plugins' rules);

and the one writing process sends them with the driver's ``executemany``
(SQLite, the FTS5 rows of the entries with them, as
``plugins.search.index.insert_entries`` does) or ``COPY`` (PostgreSQL).
tests/bench_support/test_bench_datagen.py checks that both ways write the
same rows.

Ids of records other rows refer to are given by the writer before a job
leaves (:class:`Ids`); the others are the database's. On PostgreSQL the
sequences are moved past the ids given (:func:`finish`).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from core import Base, utcnow
from core.app import Kernel
from core.audit import record_created
from core.bulk import _filled
from core.config import load_settings
from core.models import AuditLog
from plugins.dataio.api import MatchRule
from plugins.dataio.duplicates import all_rules, keys_of
from plugins.dataio.models import MatchKey
from plugins.search.index import FTS_COLUMNS, _Row, entry_rows, withheld
from plugins.search.models import SearchEntry

#: ``core.audit``'s collection of the transaction's audit rows in ``session.info``
AUDIT_ROWS = "audit.rows"
T = TypeVar("T")


def tables() -> dict[str, type[Base]]:
    """Every mapped model by its table's name."""
    return {m.local_table.name: cast(type[Base], m.class_) for m in Base.registry.mappers
            if isinstance(m.local_table, Table)}


@dataclass
class Job:
    """New records, table by table in the order they are written (a row
    refers only to rows of tables before it, or of its own table before it).
    Rows hold the columns they set; ``id`` where other rows refer to them."""

    tables: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def add(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.tables.append((table, rows))


@dataclass
class Batch:
    """A job's rows as the driver takes them: ``(table, columns, rows)``, in
    order; the search entries come without ids (the writer numbers them)."""

    parts: list[tuple[str, list[str], list[tuple[Any, ...]]]]
    records: int


# ---------------------------------------------------------------- in the workers


class Deriver:
    """What a worker needs: the kernel's registry and dialect, the plugins'
    search declarations and match rules, the fields some role withholds."""

    def __init__(self, kernel: Kernel) -> None:
        self.dialect: Dialect = kernel.db.engine.dialect
        self.models = tables()
        self.search = dict(kernel.registry.search)
        self.rules: dict[str, list[MatchRule]] = {}
        for rule in all_rules(kernel.pm.hook):
            self.rules.setdefault(rule.model, []).append(rule)
        # the search index reads the withheld fields once per session: read them
        # now, and keep that (closed) session for the index's functions to consult
        with kernel.db.session(write=False) as db:
            for key in self.search:
                withheld(db, key)
        self.index_session = db
        self.memo: dict[tuple[str, Any], str] = {}
        self._columns: dict[str, tuple[list[str], list[tuple[int, Callable[[Any], Any]]]]] = {}

    def columns(self, name: str, with_id: bool) -> tuple[list[str], list[tuple[int, Callable[[Any], Any]]]]:
        """A table's columns in order, and the bind processor of those that have one."""
        key = f"{name}:{with_id}"
        if key not in self._columns:
            table = cast(Table, self.models[name].__table__)
            names = [c.key for c in table.columns if with_id or c.key != "id"]
            # the dialect's own type (a DateTime, JSON... of SQLite or psycopg), as a statement uses it
            processors = [(n, table.c[c].type.dialect_impl(self.dialect).bind_processor(self.dialect))
                          for n, c in enumerate(names)]
            self._columns[key] = (names, [(n, p) for n, p in processors if p is not None])
        return self._columns[key]

    def tuples(self, name: str, rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Rows of a table as the driver takes them, every column in the table's order."""
        names, processors = self.columns(name, "id" in rows[0])
        get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
        out = []
        for row in rows:
            values = list(get(row))
            for n, process in processors:
                if values[n] is not None:
                    values[n] = process(values[n])
            out.append(tuple(values))
        return names, out

    def derive(self, job: Job) -> Batch:
        parts = []
        audit: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        records = 0
        now = utcnow()
        for name, rows in job.tables:
            model = self.models[name]
            filled = _filled(cast(Table, model.__table__), model, None, rows)
            parts.append((name, *self.tuples(name, filled)))
            key = getattr(model, "__model_key__", "")
            records += len(rows)
            audit += self.audit_rows(model, filled, now)
            decl = self.search.get(key)
            if decl is not None:
                entries += [e for row in filled if row.get("deleted_at") is None
                            for e in entry_rows(self.index_session, decl, _Row(key, row))]
            rules = self.rules.get(key)
            if rules:
                keys += [{"model": key, "record_id": row["id"], "field": rule.field, "kind": rule.kind,
                          "key": found[:255]}
                         for row in filled
                         for rule, found in keys_of(rules, {r.field: row.get(r.field) for r in rules},
                                                    self.memo)]
        for name, rows in (("core_audit", audit), ("search_entry", entries), ("dataio_match_key", keys)):
            if rows:
                model = self.models[name]
                filled = _filled(cast(Table, model.__table__), model, None, rows)
                parts.append((name, *self.tuples(name, filled)))
        return Batch(parts, records)

    def audit_rows(self, model: type[Base], rows: Sequence[dict[str, Any]], now: Any) -> list[dict[str, Any]]:
        """The rows ``core.audit`` writes at commit for records created in bulk (no actor)."""
        scratch = Session()
        record_created(scratch, None, model, rows, lambda ids: [])
        collected: dict[tuple[str, int], dict[str, Any]] = scratch.info.get(AUDIT_ROWS, {})
        return [{"model": model_key, "record_id": record_id, "action": entry["action"], "user_id": None,
                 "at": now, "changes": entry["changes"]} for (model_key, record_id), entry in collected.items()]


_DERIVER: Deriver | None = None


def start_worker(var: str, url: str) -> None:
    """A worker process's start: its own kernel on the database being written."""
    global _DERIVER
    _DERIVER = Deriver(Kernel(load_settings(var_dir=Path(var), database_url=url, inprocess_worker=False)))


def derive(job: Job) -> Batch:
    assert _DERIVER is not None, "start_worker first"
    return _DERIVER.derive(job)


# ---------------------------------------------------------------- in the writer


class Ids:
    """The next id of each table, taken by the writer before a job leaves."""

    def __init__(self, db: Session, names: Iterable[str]) -> None:
        models = tables()
        self.next: dict[str, int] = {}
        for name in names:
            table = cast(Table, models[name].__table__)
            self.next[name] = int(db.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1

    def take(self, name: str, count: int) -> range:
        start = self.next[name]
        self.next[name] = start + count
        return range(start, start + count)


def write(db: Session, batch: Batch, ids: Ids) -> None:
    """Insert a batch in the session's transaction, table by table."""
    conn = db.connection()
    sqlite = conn.dialect.name == "sqlite"
    for name, columns, rows in batch.parts:
        if name == "search_entry":
            numbers = ids.take(name, len(rows))
            rows = [(n, *row) for n, row in zip(numbers, rows, strict=True)]
            columns = ["id", *columns]
            if sqlite:  # the FTS5 rows, as plugins.search.index.insert_entries writes them
                at = [columns.index(c) for c in FTS_COLUMNS]
                _insert(conn, sqlite, name, columns, rows)
                name, columns = "search_fts", ["rowid", *FTS_COLUMNS]
                rows = [(row[0], *(row[i] for i in at)) for row in rows]
        _insert(conn, sqlite, name, columns, rows)


#: CPU seconds of the writer per table (``time.process_time``: the driver's and the database's work)
SPENT: defaultdict[str, float] = defaultdict(float)


def _insert(conn: Any, sqlite: bool, name: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    started = time.process_time()
    try:
        _send(conn, sqlite, name, columns, rows)
    finally:
        SPENT[name] += time.process_time() - started


def _send(conn: Any, sqlite: bool, name: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if sqlite:
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)
        return
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def finish(kernel: Kernel, names: Iterable[str]) -> None:
    """PostgreSQL: each table's id sequence past the largest id written."""
    if kernel.db.engine.dialect.name != "postgresql":
        return
    with kernel.db.session() as db:
        for name in names:
            db.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))


def bounded(jobs: Iterator[T], ahead: int) -> tuple[Iterator[T], Callable[[], None]]:
    """``jobs`` with at most ``ahead`` taken before ``done()`` is called for
    one: ``Pool.imap`` reads its input as fast as it can, which would make
    the whole run's rows at once."""
    slots = threading.Semaphore(ahead)

    def gated() -> Iterator[T]:
        for job in jobs:
            slots.acquire()
            yield job

    return gated(), slots.release


SEARCH_TABLES = (SearchEntry.__tablename__, MatchKey.__tablename__, AuditLog.__tablename__)
