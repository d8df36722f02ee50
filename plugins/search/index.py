"""Keeping the index current: one entry per record, written in the
transaction that writes the record (``on_record_*`` events), and a rebuild
of every declared model in batches (the ``search.reindex`` task).

An entry is replaced (delete, then insert) rather than updated: the FTS
triggers on SQLite and the trigram index on PostgreSQL follow either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from core import Base, SearchDecl, extra_fields_of, has_extra
from plugins.search import normalise as n
from plugins.search.models import SearchEntry

#: the index table, written with Core statements (see remove_record)
ENTRIES = cast(Table, SearchEntry.__table__)


class Registry(Protocol):
    """What the index reads of the kernel's registry."""

    search: dict[str, SearchDecl]
    models: dict[str, type[Base]]


#: custom field kinds whose values are text worth finding
EXTRA_TEXT_KINDS = frozenset({"text", "choice", "multi"})
BATCH = 1000


def _text(record: Any, name: str) -> str:
    value = getattr(record, name, None)
    return "" if value is None else str(value)


def _extra_texts(session: Session, record: Any) -> list[str]:
    if not has_extra(type(record)):
        return []
    values = getattr(record, "extra", None) or {}
    out: list[str] = []
    for field in extra_fields_of(session, record.__model_key__):
        if field.kind not in EXTRA_TEXT_KINDS or field.name not in values:
            continue
        raw = values[field.name]
        for value in raw if isinstance(raw, list) else [raw]:
            if value in (None, ""):
                continue
            out.append(str(value))
            if field.kind != "text":  # a choice: its labels too
                out += [label for key, labels in field.choices if key == value
                        for label in labels.values()]
    return out


def entry_values(session: Session, decl: SearchDecl, record: Any) -> dict[str, Any]:
    """The index row of ``record``, normalised."""
    title = _text(record, decl.title)
    texts = [title, *(_text(record, f) for f in decl.text), *_extra_texts(session, record)]
    spelled = [n.pinyin(t) for t in texts]
    title_key = n.fold(title)[:100]
    return {
        "model": decl.model,
        "record_id": record.id,
        "org_id": getattr(record, "org_id", None),
        "title": title[:300],
        "subtitle": _text(record, decl.subtitle)[:300] if decl.subtitle else "",
        "title_key": title_key,
        "blob": n.joined(n.fold(t) for t in texts),
        "pinyin": n.joined(full for full, _ in spelled),
        "initials": n.joined(ini for _, ini in spelled),
        "phones": n.joined(n.phone(_text(record, f)) for f in decl.phones)[:500],
        "emails": n.joined(n.fold(_text(record, f)) for f in decl.emails)[:500],
        "codes": n.joined(n.code(_text(record, f)) for f in decl.codes)[:500],
        "grams": n.grams(title_key, spelled[0][1]),
    }


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
        session.execute(insert(ENTRIES), [entry_values(session, decl, record)])


def remove_record(session: Session, model_key: str, record_id: int) -> None:
    # Core statements on the table: an ORM delete would first look for matching
    # objects in the session (synchronize_session), which grows with every row
    session.execute(delete(ENTRIES).where(ENTRIES.c.model == model_key, ENTRIES.c.record_id == record_id))


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
    session.execute(delete(ENTRIES).where(ENTRIES.c.model == model_key))
    count = 0
    for rows in _batches(session, model):
        session.execute(insert(ENTRIES), [entry_values(session, decl, r) for r in rows])
        count += len(rows)
    return count


def reindex(session: Session, registry: Registry, models: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the index of ``models`` (every declared one by default), and
    drop the entries of models no enabled plugin declares any more."""
    keys = [k for k in (models or registry.search) if k in registry.models]
    if models is None:
        session.execute(delete(ENTRIES).where(ENTRIES.c.model.not_in(keys)))
    return {key: reindex_model(session, registry, key) for key in keys}
