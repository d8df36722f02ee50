"""Database: one declarative ``Base``, engines tuned for SQLite and PostgreSQL,
transactional sessions, and the mixins every plugin model builds on.

Rule 11 of the design: SQLite writes begin with ``BEGIN IMMEDIATE`` and one
writer at a time in the process, so a deferred transaction never has to
upgrade its lock (which skips the busy handler and fails under load).

On PostgreSQL a transaction may be aborted by the server because of another
one (a deadlock, or a serialization failure): :func:`is_transient` tells
those apart, and the request wrapper (:mod:`core.web`) runs such a request
again instead of showing the error.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, Protocol, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import ConnectionPoolEntry

from core import clock
from core.i18n import N_

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, from the kernel's injectable clock (:mod:`core.clock`)."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


# Integer primary keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

intpk = Annotated[int, mapped_column(BigId, primary_key=True)]
str40 = Annotated[str, mapped_column(String(40))]
str200 = Annotated[str, mapped_column(String(200))]
Money = Annotated[Decimal, mapped_column(Numeric(18, 2))]
Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}

    #: permission/model key, ``<plugin>.<noun>``; derived from the table name.
    __model_key__: ClassVar[str]
    #: translatable singular label, marked with ``N_`` for extraction.
    __label__: ClassVar[str] = ""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        table = cls.__dict__.get("__tablename__")
        if table and "__model_key__" not in cls.__dict__:
            cls.__model_key__ = table.replace("_", ".", 1)


def model_key(model: type[Base] | Base) -> str:
    return model.__model_key__


def table_of(model: type[Base]) -> Table:
    """The table a model maps. Declarative models map a ``Table``, but
    ``DeclarativeBase`` types ``__table__`` as any ``FromClause`` (which has
    no ``name``)."""
    return cast(Table, model.__table__)


# ---------------------------------------------------------------- mixins


class IdMixin:
    id: Mapped[intpk]


class HasId(Protocol):
    """A record with an integer primary key ``id``: a row of an :class:`IdMixin` model.

    ``Base`` declares no ``id`` (sessions, throttles and plugin states key on
    strings), yet the kit, sharing, the audit trail and the permission
    predicate only handle models that have one.
    """

    @property
    def id(self) -> int: ...


def id_column(model: type[Base]) -> InstrumentedAttribute[int]:
    """``model.id``, typed: the integer primary key of a model that has one (:class:`HasId`).

    A protocol cannot describe a class attribute that is a mapped column
    (mypy matches protocols against what an *instance* has), hence the cast.
    """
    return cast("type[IdMixin]", model).id


def id_of(record: Base) -> int:
    """``record.id`` of a record whose model has an integer ``id`` (:class:`HasId`)."""
    return cast(HasId, record).id


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class OrgScopedMixin:
    """Rows that belong to an organisation, an owner and a department.

    The permission predicate reads these three columns; they never bind from
    request input (rule 8): services set them from the actor.
    """

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("core_org.id"), index=True,
                             info={"label": N_("Organisation")})

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("core_user.id"), index=True, info={"label": N_("Owner")})

    @declared_attr
    def department_id(cls) -> Mapped[int | None]:
        return mapped_column(BigId, ForeignKey("core_department.id"), index=True,
                             info={"label": N_("Department")})


class ExtraMixin:
    """Rows that carry values of fields an administrator added at run time
    (custom fields): one JSON object, field name -> value, in ``extra``.

    The kernel reads the field definitions through the ``extra_fields`` hook
    (the customfields plugin answers it); the kit shows, binds, validates,
    filters and sorts them like declared columns. Keys start with ``x_``.
    """

    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Custom fields")})


class SoftDeleteMixin:
    """Deleted rows stay in the table (the recycle bin) until purged."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class VersionedMixin:
    """Optimistic locking: a stale save raises a conflict instead of overwriting."""

    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class AuditedMixin:
    """Marker: every insert, update and delete writes a ``core_audit`` row."""

    __audited__: ClassVar[bool] = True


# ---------------------------------------------------------------- engine


#: the engines of this process, one per database and options (see _engine)
_ENGINES: dict[tuple[str, bool, int, str], tuple[Engine, threading.Lock]] = {}
_ENGINES_LOCK = threading.Lock()


def _engine(url: str, echo: bool, pool_size: int,
            trace_dir: str | Path | None) -> tuple[Engine, threading.Lock]:
    """The process's engine for ``url`` (with these options), and its SQLite
    write lock: made once, as SQLAlchemy advises. A statement is compiled for
    an engine and kept in its cache, so a new engine per kernel (a test's, a
    command's) compiled every statement again: a sixth of the time of the
    test suite. The engine's idle connections are closed when it is handed
    out again, so a new :class:`Database` never gets a connection that an
    earlier one opened (to a file since restored, say)."""
    key = (url, echo, pool_size, str(trace_dir or ""))
    with _ENGINES_LOCK:
        found = _ENGINES.get(key)
        if found is not None:
            found[0].dispose()
            return found
        if url.startswith("sqlite"):
            engine = create_engine(url, echo=echo, pool_size=pool_size,
                                   connect_args={"check_same_thread": False, "timeout": 30})
            if trace_dir:
                _trace_sqlite(engine, Path(trace_dir))
            _tune_sqlite(engine)
        else:
            engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size)
        _ENGINES[key] = engine, threading.Lock()
        return _ENGINES[key]


class Database:
    """An engine plus the transaction discipline of the suite."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 6,
                 trace_dir: str | Path | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        #: one writer at a time per SQLite database and process: shared by the
        #: Database objects of one engine
        self.engine, self._write_lock = _engine(url, echo, pool_size, trace_dir)
        if self.is_sqlite:
            self._write_engine: Engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        else:
            self._write_engine = self.engine
        #: copied into every session's ``info`` (the kernel puts its hook relay here)
        self.info: dict[str, Any] = {}
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)

    @contextmanager
    def session(self, *, write: bool = True, wait: bool = True) -> Iterator[Session]:
        """One transaction: commit when the block ends, roll back on any error.

        ``wait=False``: raise :class:`WriterBusy` at once instead of waiting
        while another thread of this process writes to SQLite (for work that
        may as well be skipped, such as renewing a job's lease)."""
        maker = self._write_sessions if write else self._read_sessions
        lock = self._write_lock if (write and self.is_sqlite) else None
        if lock is not None and not lock.acquire(blocking=wait):
            raise WriterBusy()
        try:
            with maker() as session, session.begin():
                session.info.update(self.info)
                yield session
        finally:
            if lock is not None:
                lock.release()

    def dispose(self) -> None:
        self.engine.dispose()


class WriterBusy(Exception):
    """Another thread of this process holds SQLite's one write transaction."""


#: SQLSTATEs of PostgreSQL's "run the transaction again" errors:
#: serialization_failure and deadlock_detected
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is the database aborting a transaction because of
    another one (a deadlock, a serialization failure): the same transaction
    run again from the start can succeed. Never true on SQLite, where
    writers take turns (``BEGIN IMMEDIATE``) and so cannot deadlock."""
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    return getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES


_trace_files = itertools.count(1)


def _trace_sqlite(engine: Engine, folder: Path) -> None:
    """Diagnostics (the ``sql_trace_dir`` setting): every connection writes
    each statement SQLite runs for it, as SQLite sees it (PRAGMAs and
    ``BEGIN`` included), to a file of its own, one JSON string a line.

    Registered before :func:`_tune_sqlite`, so the trace starts with the
    connection's own set-up. The load tests read it to check every
    connection of a real server."""
    folder.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        name = folder / f"{os.getpid()}-{next(_trace_files)}.sql"
        out = name.open("a", encoding="utf-8", buffering=1)  # a line at a time: readable while serving
        record.info["sql_trace"] = out
        dbapi_conn.set_trace_callback(lambda statement: out.write(json.dumps(statement) + "\n"))

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_conn: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        out = record.info.pop("sql_trace", None)
        if out is not None:
            out.close()


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Driver-level autocommit: SQLAlchemy's "begin" event below emits BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
