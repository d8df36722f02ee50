"""Finding records: one query per declared model, each joined with the
model's own table under the reader's ``read`` scope, so that a record the
reader may not see is never fetched, nor counted.

Each model's hits are the first ``limit`` entries whose title starts with
the query (the B-tree on ``title_key``) and the first ``limit`` the
substring index finds; merged, the exact and prefix title matches rank
first. Neither query sorts all matches, so a common word costs no more than
a rare one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from core import Actor, Base, scope
from plugins.search.index import Registry
from plugins.search.models import SearchEntry
from plugins.search.normalise import Query, parse

#: counts stop here ("1000+"): counting every match of a common word would cost
COUNT_CAP = 1000
#: the SQLite FTS5 table over search_entry (created by the migration, not a model)
FTS = table("search_fts", column("rowid", Integer))
_TOP = "\U0010ffff"  # sorts after every character: the end of a prefix range


@dataclass(frozen=True)
class Hit:
    record_id: int
    title: str
    subtitle: str


@dataclass(frozen=True)
class Group:
    """The hits of one model; ``count`` is capped at :data:`COUNT_CAP`
    (``None`` when not asked for)."""

    model: str
    label: str
    icon: str
    hits: tuple[Hit, ...]
    count: int | None = None

    @property
    def capped(self) -> bool:
        return self.count is not None and self.count > COUNT_CAP


def fts_query(query: Query) -> str:
    """The FTS5 MATCH expression: any column's phrase (a trigram phrase is a
    substring). Columns looking for the same text share one phrase (the
    tokenizer folds case), so it is looked up once."""
    columns: dict[str, list[str]] = {}
    for col, pattern in query.patterns.items():
        columns.setdefault(pattern.lower(), []).append(col)
    return " OR ".join(f'{{{" ".join(cols)}}} : "{pattern.replace(chr(34), chr(34) * 2)}"'
                       for pattern, cols in columns.items())


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _columns() -> tuple[Any, ...]:
    return (SearchEntry.record_id, SearchEntry.title, SearchEntry.subtitle, SearchEntry.title_key)


def matching(dialect: str, query: Query) -> Select[Any]:
    """The entries the substring index finds for ``query`` (all models)."""
    if dialect == "sqlite":
        return (select(*_columns()).select_from(FTS).join(SearchEntry, SearchEntry.id == FTS.c.rowid)
                .where(literal_column("search_fts").op("MATCH")(fts_query(query))))
    likes = [getattr(SearchEntry, col).like(_like(p), escape="\\") for col, p in query.patterns.items()]
    return select(*_columns()).where(or_(*likes))


def prefixed(query: Query) -> Select[Any]:
    """The entries whose title starts with the query (a B-tree range)."""
    return select(*_columns()).where(SearchEntry.title_key >= query.text,
                                     SearchEntry.title_key < query.text + _TOP)


def readable(stmt: Select[Any], model: type[Base], model_key: str, predicate: Any) -> Select[Any]:
    """Narrow ``stmt`` to entries of ``model_key`` whose record ``predicate`` admits."""
    ident = model.id  # type: ignore[attr-defined]  # every searchable model has one
    return stmt.join(model, ident == SearchEntry.record_id).where(SearchEntry.model == model_key,
                                                                 predicate)


def ranked(query: Query, rows: Iterable[Any], limit: int) -> tuple[Hit, ...]:
    """Exact title first, then titles starting with the query, then the rest."""
    seen: dict[int, Any] = {}
    for row in rows:
        seen.setdefault(row.record_id, row)

    def key(row: Any) -> tuple[int, int, int]:
        rank = 0 if row.title_key == query.text else 1 if row.title_key.startswith(query.text) else 2
        return rank, len(row.title), row.record_id

    best = sorted(seen.values(), key=key)[:limit]
    return tuple(Hit(r.record_id, r.title, r.subtitle) for r in best)


def model_hits(session: Session, query: Query, model: type[Base], model_key: str, predicate: Any,
               *, limit: int, count: bool = False) -> tuple[tuple[Hit, ...], int | None]:
    """The best ``limit`` hits of one model under ``predicate``, and how many
    there are (up to one past :data:`COUNT_CAP`) when ``count``."""
    found = readable(matching(session.get_bind().dialect.name, query), model, model_key, predicate)
    rows = list(session.execute(found.limit(limit)))
    if not query.short:
        rows += session.execute(readable(prefixed(query), model, model_key, predicate).limit(limit))
    total = None
    if count:
        capped = found.with_only_columns(SearchEntry.record_id).limit(COUNT_CAP + 1).subquery()
        total = session.scalar(select(func.count()).select_from(capped))
    return ranked(query, rows, limit), total


def search(session: Session, registry: Registry, actor: Actor, q: str, *, limit: int = 5,
           count: bool = False, models: Iterable[str] | None = None) -> list[Group]:
    """Records of every declared model that ``actor`` may read and that match
    ``q``, grouped by model (models without hits left out)."""
    query = parse(q)
    if query.kind == "empty":
        return []
    wanted = set(models) if models is not None else None
    groups = []
    for key, decl in registry.search.items():
        model = registry.models.get(key)
        if model is None or (wanted is not None and key not in wanted):
            continue
        hits, total = model_hits(session, query, model, key, scope(actor, model, "read"),
                                 limit=limit, count=count)
        if hits:
            groups.append(Group(key, str(getattr(model, "__label__", key)), decl.icon, hits, total))
    return groups
