"""Finding records: one query per declared model, each joined with the
model's own table under the reader's ``read`` scope, so that a record the
reader may not see is never fetched, nor counted.

Each model's hits are the first ``limit`` entries whose title starts with
the query (the B-tree on ``title_key``) and, unless those are enough, the
first ``limit`` the substring index finds; merged, the exact and prefix
title matches rank first. Neither query sorts all matches, so a common word
costs no more than a rare one.

Field rules: the values of a field some role hides or masks are in entries
of their own (``model#field``, see :func:`plugins.search.index.entry_rows`),
which are searched only for readers who may read the field in clear; a
reader who may not read a model's title field in clear finds none of its
records (the title is what a hit shows, and what a search matches); a
subtitle masked for the reader shows masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Integer, Select, column, exists, func, literal_column, or_, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from core import Actor, Base, SearchDecl, mask_kind, mask_value, scope
from plugins.search.index import Registry, part_key, withheld
from plugins.search.models import SearchEntry
from plugins.search.normalise import TRIGRAM, Query, parse

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


class FtsFirst(Join):
    """``search_fts CROSS JOIN search_entry ON …``: SQLite keeps the order of
    a ``CROSS JOIN``, so the full-text index drives the query.

    Without it, and without statistics (no installation runs ``ANALYZE``),
    SQLite reads every entry of the model through ``(model, record_id)``
    and asks the FTS5 table whether each one matches, one at a time: a
    search of contacts for a word 2,000 customers hold took 170 ms at 6,000
    entries, growing with the model. Read from the index, the matches come
    in one pass and each costs a lookup by id (1 ms).

    Driven by the model's entries, each one costs a lookup in every
    trigram's list of the phrase, which is worse than it sounds: 14 ms an
    entry for an 11-digit phone number at 1,000,000 customers, against
    30 ms for the whole index's matches. So a small model too reads the
    index's matches; what it costs is that a model reads them all when it
    has fewer hits than asked for (a spelling 1,000,000 customers match
    46,000 times: 250 ms a model). Models without entries are not searched
    at all (:func:`have_entries`).
    """

    __visit_name__ = "fts_first_join"
    inherit_cache = True


@compiles(FtsFirst)
def _fts_first(join: FtsFirst, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    assert join.onclause is not None  # _fts_entries gives one
    return (f"{compiler.process(join.left, **kw)} CROSS JOIN {compiler.process(join.right, **kw)} "
            f"ON {compiler.process(join.onclause, **kw)}")


def _fts_entries() -> FtsFirst:
    return FtsFirst(FTS, SearchEntry.__table__, SearchEntry.id == FTS.c.rowid)


def have_entries(session: Session, keys: Sequence[Sequence[str]]) -> list[bool]:
    """For each list of model keys (a model's and its withheld fields'),
    whether it has entries at all: one statement for every model, each an
    index probe. A global search skips the models that have none (an
    installation enables more plugins than it fills)."""
    def has(parts: Sequence[str]) -> Any:
        within = SearchEntry.model == parts[0] if len(parts) == 1 else SearchEntry.model.in_(parts)
        return exists().where(within)

    if not keys:
        return []
    return [bool(found) for found in session.execute(select(*(has(parts) for parts in keys))).one()]


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


def chunks(pattern: str) -> list[str]:
    """Non-overlapping trigrams of ``pattern`` from its start (``huaxinkeji``:
    hua, xin, kej; the rest is left to the check of the whole)."""
    return [pattern[i:i + TRIGRAM] for i in range(0, len(pattern) - TRIGRAM + 1, TRIGRAM)]


def spelled(query: Query) -> Select[Any]:
    """The entries a spelling (query kind ``pinyin``) finds on SQLite.

    Every trigram of a long spelling is common (``kej``, ``xin``, ``ang``),
    and FTS5 reads the whole list of each one a phrase names. So it is asked
    for a third of them, without overlap (``hua AND xin AND kej``), and the
    rows holding all of them are checked for the whole spelling (``instr``,
    a filter no index serves). At 1,000,000 entries this halves p95 (see
    docs/performance.md). PostgreSQL keeps the plain ``LIKE``: there a
    ``%hua%xin%kej%`` pattern is estimated badly, and the planner's
    sequential scan or the recheck of thousands of candidates cost more
    than the GIN index's reading every trigram.
    """
    cols = [getattr(SearchEntry, col) for col in query.patterns]
    pattern = next(iter(query.patterns.values()))
    pieces = " AND ".join(f'"{p}"' for p in chunks(pattern))
    found = literal_column("search_fts").op("MATCH")(f'{{{" ".join(query.patterns)}}} : ({pieces})')
    return (select(*_columns()).select_from(_fts_entries())
            .where(found, or_(*(func.instr(col, pattern) > 0 for col in cols))))


def matching(dialect: str, query: Query) -> Select[Any]:
    """The entries the substring index finds for ``query`` (all models)."""
    if dialect == "sqlite" and query.kind == "pinyin":
        return spelled(query)
    if dialect == "sqlite":
        return (select(*_columns()).select_from(_fts_entries())
                .where(literal_column("search_fts").op("MATCH")(fts_query(query))))
    likes = [getattr(SearchEntry, col).like(_like(p), escape="\\") for col, p in query.patterns.items()]
    return select(*_columns()).where(or_(*likes))


def prefixed(query: Query) -> Select[Any]:
    """The entries whose title starts with the query (a B-tree range)."""
    return select(*_columns()).where(SearchEntry.title_key >= query.text,
                                     SearchEntry.title_key < query.text + _TOP)


def readable(stmt: Select[Any], model: type[Base], parts: Sequence[str], predicate: Any) -> Select[Any]:
    """Narrow ``stmt`` to entries in ``parts`` (model keys, ``model#field``
    for a withheld field's values) whose record ``predicate`` admits."""
    ident = model.id  # type: ignore[attr-defined]  # every searchable model has one
    where = SearchEntry.model == parts[0] if len(parts) == 1 else SearchEntry.model.in_(parts)
    return stmt.join(model, ident == SearchEntry.record_id).where(where, predicate)


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
               *, limit: int, count: bool = False,
               parts: Sequence[str] = ()) -> tuple[tuple[Hit, ...], int | None]:
    """The best ``limit`` hits of one model under ``predicate``, and how many
    there are (up to one past :data:`COUNT_CAP`) when ``count``. ``parts``:
    the entries to look in besides the records' own (withheld fields the
    reader may see)."""
    rows: list[Any] = []
    if not query.short:  # titles starting with the query first: they rank first
        rows += session.execute(readable(prefixed(query), model, [model_key], predicate).limit(limit))
    found = readable(matching(session.get_bind().dialect.name, query), model, [model_key, *parts],
                     predicate)
    if len(rows) < limit or count:
        rows += session.execute(found.limit(limit))
    total = None
    if count:
        capped = found.with_only_columns(SearchEntry.record_id).distinct().limit(COUNT_CAP + 1).subquery()
        total = session.scalar(select(func.count()).select_from(capped))
    return ranked(query, rows, limit), total


def visible_parts(session: Session, actor: Actor, decl: SearchDecl, model: type[Base]) -> list[str] | None:
    """The withheld-field entries of ``decl.model`` that ``actor`` may search,
    or None when the actor may not see the title (no hits of the model at all)."""
    hidden = actor.hidden_fields(model)
    if decl.title in hidden:
        return None
    return [part_key(decl.model, name) for name in sorted(withheld(session, decl.model) - hidden)]


def search(session: Session, registry: Registry, actor: Actor, q: str, *, limit: int = 5,
           count: bool = False, models: Iterable[str] | None = None) -> list[Group]:
    """Records of every declared model that ``actor`` may read and that match
    ``q``, grouped by model (models without hits left out)."""
    query = parse(q)
    if query.kind == "empty":
        return []
    wanted = set(models) if models is not None else None
    searched = []
    for key, decl in registry.search.items():
        model = registry.models.get(key)
        if model is None or (wanted is not None and key not in wanted):
            continue
        parts = visible_parts(session, actor, decl, model)
        if parts is not None:
            searched.append((key, decl, model, parts))
    filled = have_entries(session, [[key, *parts] for key, _, _, parts in searched])
    groups = []
    for (key, decl, model, parts), has in zip(searched, filled, strict=True):
        if not has:
            continue
        hits, total = model_hits(session, query, model, key, scope(actor, model, "read"),
                                 limit=limit, count=count, parts=parts)
        if hits and decl.subtitle in actor.hidden_fields(model):
            masked = decl.subtitle in actor.masked_fields(model)
            kind = mask_kind(model, decl.subtitle)
            hits = tuple(replace(h, subtitle=mask_value(h.subtitle, kind) if masked else "") for h in hits)
        if hits:
            groups.append(Group(key, str(getattr(model, "__label__", key)), decl.icon, hits, total))
    return groups
