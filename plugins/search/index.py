"""Keeping the index current: one entry per record, written in the
transaction that writes the record (``on_record_*`` events), and a rebuild
of every declared model in batches (the ``search.reindex`` task).

An entry is replaced (delete, then insert) rather than updated: the FTS
triggers on SQLite and the trigram index on PostgreSQL follow either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Table, and_, column, delete, event, func, insert, or_, select, table, text
from sqlalchemy.orm import Session

from core import Base, SearchDecl, extra_fields_of
from plugins.search import normalise as n
from plugins.search.models import SearchEntry

#: the index table, written with Core statements (see remove_record)
ENTRIES = cast(Table, SearchEntry.__table__)


class Registry(Protocol):
    """What the index reads of the kernel's registry."""

    search: dict[str, SearchDecl]
    models: dict[str, type[Base]]


#: the kernel's field rules (its model is not part of ``core``'s public surface)
FIELD_RULES = table("core_field_rule", column("model"), column("field"), column("mode"))
#: custom field kinds whose values are text worth finding
EXTRA_TEXT_KINDS = frozenset({"text", "choice", "multi"})
BATCH = 1000
#: between a model key and a withheld field's name in ``model`` (``notes.note#body``)
PART = "#"
_AFTER_PART = chr(ord(PART) + 1)
_WITHHELD = "search.withheld"


def _text(record: Any, name: str) -> str:
    value = getattr(record, name, None)
    return "" if value is None else str(value)


def _extra_texts(session: Session, record: Any) -> dict[str, list[str]]:
    """The text worth finding of each run-time field, by field name."""
    values = getattr(record, "extra", None)  # an ExtraMixin record's (has_extra)
    if not values:
        return {}
    out: dict[str, list[str]] = {}
    for field in extra_fields_of(session, record.__model_key__):
        if field.kind not in EXTRA_TEXT_KINDS or field.name not in values:
            continue
        raw = values[field.name]
        texts = out.setdefault(field.name, [])
        for value in raw if isinstance(raw, list) else [raw]:
            if value in (None, ""):
                continue
            texts.append(str(value))
            if field.kind != "text":  # a choice: its labels too
                texts += [label for key, labels in field.choices if key == value
                          for label in labels.values()]
    return out


def withheld(session: Session, model_key: str) -> frozenset[str]:
    """The fields of ``model_key`` some role hides or masks (a field rule):
    their values get entries of their own, which a reader who may not read
    the field in clear does not search (a masked phone number must not be
    confirmed by searching for it). Read once per session, for every model."""
    cache: dict[str, frozenset[str]] | None = session.info.get(_WITHHELD)
    if cache is None:  # every model's at once: a global search asks for each searchable model
        rules = FIELD_RULES.c
        found: dict[str, set[str]] = {}
        for model, field in session.execute(select(rules.model, rules.field).where(
                rules.mode.in_(("hidden", "masked")))):
            found.setdefault(model, set()).add(field)
        cache = session.info[_WITHHELD] = {model: frozenset(fields) for model, fields in found.items()}
    return cache.get(model_key, frozenset())


def part_key(model_key: str, field: str) -> str:
    """The ``model`` of the entry holding one withheld field's values."""
    return f"{model_key}{PART}{field}"


def _columns(texts: list[str], phones: list[str], emails: list[str], codes: list[str],
             title_spellings: list[tuple[str, str]]) -> dict[str, str]:
    """The matched columns of some values (the title's spellings, when given,
    first: then ``texts`` begins with the title, which is not spelled again)."""
    spelled = [*title_spellings, *(n.pinyin(t) for t in [*texts[1 if title_spellings else 0:], *emails])]
    return {
        "blob": n.joined(n.fold(t) for t in texts),
        "pinyin": n.joined(dict.fromkeys(full for full, _ in spelled)),
        "initials": n.joined(dict.fromkeys(ini for _, ini in spelled)),
        "phones": n.joined(n.phone(p) for p in phones)[:500],
        "emails": n.joined(n.fold(e) for e in emails)[:500],
        "codes": n.joined(n.code(c) for c in codes)[:500],
    }


def entry_rows(session: Session, decl: SearchDecl, record: Any) -> list[dict[str, Any]]:
    """The index rows of ``record``, normalised: the record's own entry, and
    one more for each withheld field (:func:`withheld`) that has a value."""
    title = _text(record, decl.title)
    title_key = n.fold(title)[:100]
    title_spellings = n.spellings(title)
    # field -> (kind, its values): a field may be declared under several kinds
    fields: dict[str, list[tuple[str, list[str]]]] = {}
    for kind, names in (("text", decl.text), ("phones", decl.phones), ("emails", decl.emails),
                        ("codes", decl.codes)):
        for name in names:
            fields.setdefault(name, []).append((kind, [_text(record, name)]))
    for name, texts in _extra_texts(session, record).items():
        fields.setdefault(name, []).append(("text", texts))
    hidden = withheld(session, decl.model) - {decl.title}
    common = {"record_id": record.id, "org_id": getattr(record, "org_id", None), "title": title[:300],
              "subtitle": _text(record, decl.subtitle)[:300] if decl.subtitle else "",
              "title_key": title_key}

    def row(model: str, names: Iterable[str], *, with_title: bool) -> dict[str, Any]:
        by_kind: dict[str, list[str]] = {"text": [title] if with_title else [], "phones": [],
                                         "emails": [], "codes": []}
        for name in names:
            for kind, values in fields[name]:
                by_kind[kind] += [v for v in values if v]
        columns = _columns(by_kind["text"], by_kind["phones"], by_kind["emails"], by_kind["codes"],
                           title_spellings if with_title else [])
        grams = n.grams(title_key, title_spellings[0][1]) if with_title else ""
        return {**common, "model": model, **columns, "grams": grams}

    rows = [row(decl.model, [f for f in fields if f not in hidden], with_title=True)]
    for name in sorted(hidden & set(fields)):
        if any(v for _, values in fields[name] for v in values):
            rows.append(row(part_key(decl.model, name), [name], with_title=False))
    return rows


def _gone(record: Any) -> bool:
    return getattr(record, "deleted_at", None) is not None


def index_record(session: Session, registry: Registry, record: Any) -> None:
    """Put ``record`` in the index (again), or take it out when it is in the
    recycle bin; a model nobody declared is left alone."""
    decl = registry.search.get(getattr(record, "__model_key__", ""))
    if decl is None or getattr(record, "id", None) is None:
        return
    remove_record(session, decl.model, record.id)
    if not _gone(record):
        insert_entries(session, entry_rows(session, decl, record))


class _Row:
    """A row of ``core.create_many`` read like a record: its columns as attributes."""

    def __init__(self, model_key: str, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)
        self.__model_key__ = model_key


def index_rows(
    session: Session, registry: Registry, model: type[Base], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Put new records given as rows (``core.create_many``) in the index, with one statement."""
    key = model.__model_key__
    decl = registry.search.get(key)
    if decl is None:
        return
    entries = [e for row in rows if row.get("deleted_at") is None
               for e in entry_rows(session, decl, _Row(key, row))]
    for start in range(0, len(entries), BATCH * 5):
        insert_entries(session, entries[start:start + BATCH * 5])


#: the FTS5 table's columns (SQLite), in its order
FTS_COLUMNS = ("blob", "pinyin", "initials", "phones", "emails", "codes", "grams")
# Constant column names; the values are bound: bandit B608 reviewed.
FTS_INSERT = text(f"INSERT INTO search_fts(rowid, {', '.join(FTS_COLUMNS)}) "  # nosec B608
                   f"VALUES (:id, {', '.join(':' + c for c in FTS_COLUMNS)})")


def insert_entries(session: Session, entries: list[dict[str, Any]]) -> None:
    """Write index entries. On SQLite their FTS5 rows too, with one statement
    for all: an ``AFTER INSERT`` trigger made FTS5 write out its pending terms
    per row (4.5 times slower). The ids are taken after the largest, as
    SQLite itself would, under the transaction's write lock (``BEGIN
    IMMEDIATE``). Deletes and updates keep their triggers."""
    if not entries:
        return
    if session.get_bind().dialect.name != "sqlite":
        session.execute(insert(ENTRIES), entries)
        return
    last = session.scalar(select(func.coalesce(func.max(ENTRIES.c.id), 0))) or 0
    for ident, entry in enumerate(entries, last + 1):
        entry["id"] = ident
    session.execute(insert(ENTRIES), entries)
    session.execute(FTS_INSERT, [{"id": e["id"], **{c: e[c] for c in FTS_COLUMNS}} for e in entries])


@event.listens_for(SearchEntry, "after_insert")
def _fts_row(_mapper: Any, connection: Connection, entry: SearchEntry) -> None:
    """An entry written through the ORM (not :func:`insert_entries`) gets its
    FTS5 row too: deleting an entry tells FTS5 its old values, which must be
    there, or the index is corrupt."""
    if connection.dialect.name == "sqlite":
        connection.execute(FTS_INSERT, {"id": entry.id, **{c: getattr(entry, c) for c in FTS_COLUMNS}})


def of_model(model_key: str) -> Any:
    """The entries of ``model_key``: its records' own and their withheld fields'
    (``model#field``: a range of the unique index on model, record_id)."""
    model = ENTRIES.c.model
    return or_(model == model_key, and_(model > model_key + PART, model < model_key + _AFTER_PART))


def remove_record(session: Session, model_key: str, record_id: int) -> None:
    # Core statements on the table: an ORM delete would first look for matching
    # objects in the session (synchronize_session), which grows with every row
    session.execute(delete(ENTRIES).where(of_model(model_key), ENTRIES.c.record_id == record_id))


# ------------------------------------------------------------------ rebuilding


def _batches(session: Session, model: type[Base]) -> Iterator[list[Any]]:
    """All live records of ``model``, ``BATCH`` at a time, by id."""
    ident = model.id  # type: ignore[attr-defined]  # every declared model has one
    last = None
    while True:
        stmt = select(model).order_by(ident).limit(BATCH)
        if last is not None:
            stmt = stmt.where(ident > last)
        if hasattr(model, "deleted_at"):
            stmt = stmt.where(model.deleted_at.is_(None))
        rows: list[Any] = list(session.scalars(stmt))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def reindex_model(session: Session, registry: Registry, model_key: str) -> int:
    """Rebuild the entries of one model; the number indexed."""
    decl = registry.search[model_key]
    model = registry.models[model_key]
    session.execute(delete(ENTRIES).where(of_model(model_key)))
    session.info.pop(_WITHHELD, None)  # the field rules as they are now
    count = 0
    for rows in _batches(session, model):
        insert_entries(session, [e for r in rows for e in entry_rows(session, decl, r)])
        count += len(rows)
    return count


def reindex(session: Session, registry: Registry, models: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the index of ``models`` (every declared one by default), and
    drop the entries of models no enabled plugin declares any more."""
    keys = [k for k in (models or registry.search) if k in registry.models]
    if models is None:
        stored = session.scalars(select(ENTRIES.c.model).distinct())
        gone = [m for m in stored if m.split(PART, 1)[0] not in keys]
        if gone:
            session.execute(delete(ENTRIES).where(ENTRIES.c.model.in_(gone)))
    return {key: reindex_model(session, registry, key) for key in keys}
