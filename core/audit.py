"""The audit trail: every insert, update and delete of an audited model
writes who, when, and each field's old and new value (``core_audit``).

It works at the ORM flush, so no service can forget it; the actor comes
from ``session.info["actor"]`` (set per request, never from input).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from core.db import Base, table_of, utcnow
from core.models import AuditLog, User

_PENDING = "audit.pending"
_ACC = "audit.rows"


#: values JSON takes as they are (checked by exact type: the common case, at C speed)
_JSON_READY = frozenset({str, int, float, bool, type(None), dict, list})


def _plain(value: Any) -> Any:
    if type(value) in _JSON_READY:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _changes(obj: Base, *, new: bool) -> dict[str, list[Any]]:
    state = inspect(obj)
    excluded = getattr(obj, "__audit_exclude__", frozenset()) | {"id", "version", "updated_at", "created_at"}
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in excluded:
            continue
        hist = state.attrs[key].history
        if new:
            value = getattr(obj, key)
            if value not in (None, ""):
                out[key] = [None, _plain(value)]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            value = hist.added[0] if hist.added else None
            if old != value:
                out[key] = [_plain(old), _plain(value)]
    return out


def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    """Collect changes; rows are written once per record at commit."""
    acc: dict[tuple[str, int], dict[str, Any]] = session.info.setdefault(_ACC, {})
    events: list[tuple[str, Base, dict[str, list[Any]]]] = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            changes = _changes(obj, new=True)
            acc[(obj.__model_key__, obj.id)] = {"action": "create", "changes": changes}
            events.append(("created", obj, changes))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            changes = _changes(obj, new=False)
            if not changes:
                continue
            action = "update"
            if "deleted_at" in changes:
                action = "delete" if changes["deleted_at"][1] else "restore"
            _merge(acc, (obj.__model_key__, obj.id), action, changes)
            events.append(("deleted" if action == "delete" else "updated", obj, changes))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            acc[(obj.__model_key__, obj.id)] = {"action": "purge", "changes": {}}
            events.append(("purged", obj, {}))
    if events:
        session.info.setdefault(_PENDING, []).extend(events)


def _merge(acc: dict[tuple[str, int], dict[str, Any]], key: tuple[str, int], action: str,
           changes: dict[str, list[Any]]) -> None:
    """Fold a later flush of the same record into the transaction's one row."""
    entry = acc.get(key)
    if entry is None:
        acc[key] = {"action": action, "changes": changes}
        return
    if entry["action"] in ("update", "restore") or action in ("delete", "restore"):
        entry["action"] = action if entry["action"] != "create" else "create"
    merged = entry["changes"]
    for field, (old, new) in changes.items():
        first_old = merged[field][0] if field in merged else old
        if first_old == new and entry["action"] != "create":
            merged.pop(field, None)
        else:
            merged[field] = [first_old, new]


def _before_commit(session: Session) -> None:
    session.flush()
    acc = session.info.pop(_ACC, None)
    if not acc:
        return
    actor = session.info.get("actor")
    user_id = getattr(actor, "user_id", None)
    now = utcnow()
    rows = [
        {"model": model, "record_id": record_id, "action": entry["action"], "user_id": user_id,
         "at": now, "changes": entry["changes"]}
        for (model, record_id), entry in acc.items()
        if entry["changes"] or entry["action"] != "update"
    ]
    if rows:
        session.execute(insert(table_of(AuditLog)), rows)  # Core: no ORM bookkeeping per row


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_ACC, None)
    session.info.pop(_PENDING, None)


def _after_flush_postexec(session: Session, _ctx: UOWTransaction) -> None:
    events = session.info.pop(_PENDING, None)
    hook = session.info.get("hook")
    if not events or hook is None:
        return
    actor = session.info.get("actor")
    for kind, obj, changes in events:
        if kind == "created":
            hook.on_record_created(session=session, actor=actor, record=obj)
        elif kind == "updated":
            hook.on_record_updated(session=session, actor=actor, record=obj, changes=changes)
        else:
            hook.on_record_deleted(session=session, actor=actor, record=obj, soft=kind == "deleted")


def record_created(session: Session, actor: Any, model: type[Base], rows: Sequence[Mapping[str, Any]],
                   load: Callable[[list[int]], Sequence[Base]]) -> None:
    """What the flush does for new records, for rows inserted without the ORM
    (:func:`core.bulk.create_many`; each row holds every column, ``id``
    included): one audit row each, written at commit with the others, and
    the created event, once for all the rows to each plugin that implements
    ``on_records_created`` and per record (``load`` gives the records of
    some ids) to each that implements only ``on_record_created``."""
    if not getattr(model, "__audited__", False) or not rows:
        return
    key = model.__model_key__
    excluded = getattr(model, "__audit_exclude__", frozenset()) | {"id", "version", "updated_at", "created_at"}
    acc: dict[tuple[str, int], dict[str, Any]] = session.info.setdefault(_ACC, {})
    for row in rows:
        acc[(key, row["id"])] = {"action": "create", "changes": {
            name: [None, _plain(value)] for name, value in row.items()
            if value is not None and value != "" and name not in excluded}}
    pm = session.info.get("plugins")
    if pm is None:
        return
    bulk = [impl.plugin for impl in pm.hook.on_records_created.get_hookimpls()]
    if bulk:
        pm.hook.on_records_created(session=session, actor=actor, model=model, rows=rows)
    single = pm.subset_hook_caller("on_record_created", remove_plugins=bulk)
    if single.get_hookimpls():
        for record in load([row["id"] for row in rows]):
            single(session=session, actor=actor, record=record)


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _forget)


# ------------------------------------------------------------------ reading the trail


@dataclass(frozen=True)
class Change:
    field: str
    label: str  # a message id to translate, or "" when the column has none
    old: Any
    new: Any
    #: old and new are message ids (a state's or a choice's label): translate them
    choice: bool = False


@dataclass(frozen=True)
class TrailEntry:
    id: int
    at: datetime
    action: str  # create | update | delete | restore | purge | share | unshare
    user_id: int | None
    user_name: str
    changes: tuple[Change, ...]


def trail(session: Session, actor: Any, record: Any, *, limit: int = 50) -> list[TrailEntry]:
    """A record's change history as ``actor`` may see it, newest first.

    Empty without ``core.audit.read``. Fields the actor may not see are left
    out, those masked for them show masked old and new values; references to
    other records show their name when the actor may read them (their id
    otherwise).
    """
    from core.masking import mask_kind  # the predicate imports the models, which import us
    from core.permissions import scope

    if not actor.can("core.audit.read") or not getattr(record, "__audited__", False):
        return []
    model = type(record)
    rows = list(session.execute(
        select(AuditLog, User.display_name).outerjoin(User, User.id == AuditLog.user_id)
        .where(AuditLog.model == model.__model_key__, AuditLog.record_id == record.id)
        .order_by(AuditLog.id.desc()).limit(limit)))
    masked = actor.masked_fields(model)
    hidden = actor.hidden_fields(model) - masked
    columns = {c.name: c for c in model.__table__.columns}
    names: dict[str, dict[Any, str]] = {}
    for name, column in columns.items():
        target = _referenced_model(column)
        label_col = getattr(target, "display_name", None) or getattr(target, "name", None)
        ids = {v for row, _ in rows for v in (row.changes or {}).get(name, ()) if isinstance(v, int)}
        if target is not None and label_col is not None and ids:
            stmt = select(target.id, label_col).where(target.id.in_(ids), scope(actor, target))
            names[name] = {key: text for key, text in session.execute(stmt)}
    extra_labels = _extra_labels(session, actor, model)
    labelled = _choice_labels(session, model, columns)
    out = []
    for row, user_name in rows:
        changes = tuple(
            Change(f, str(columns[f].info.get("label", "")) if f in columns else "",
                   *(_masked(old, new, mask_kind(model, f)) if f in masked
                     else _shown(f, old, new, names, labelled)))
            for f, (old, new) in (row.changes or {}).items() if f not in hidden and f != "extra"
        )
        if "extra" in (row.changes or {}) and "extra" not in hidden:
            changes += _extra_changes(row.changes["extra"], extra_labels, hidden, masked)
        out.append(TrailEntry(row.id, row.at, row.action, row.user_id, user_name or "", changes))
    return out


def _masked(old: Any, new: Any, kind: str | None = None) -> tuple[Any, Any, bool]:
    """A change of a field masked for the reader: both values masked (an empty one stays empty)."""
    from core.masking import mask_value

    def masked(value: Any) -> Any:
        return None if value is None else mask_value(value, kind)

    return masked(old), masked(new), False


def _shown(field: str, old: Any, new: Any, names: dict[str, dict[Any, str]],
           labelled: dict[str, dict[Any, str]]) -> tuple[Any, Any, bool]:
    """A change's values as a reader sees them: a reference by name, a state
    or a choice by its label (a message id; ``True`` says so), else as stored."""
    if field in labelled:
        labels = labelled[field]
        return _looked_up(labels, old), _looked_up(labels, new), True
    ref = names.get(field, {})
    return _looked_up(ref, old), _looked_up(ref, new), False


def _looked_up(table: dict[Any, str], value: Any) -> Any:
    """``value``'s name in ``table``, else ``value`` (a JSON list or object,
    which no table names, as it is)."""
    return table.get(value, value) if isinstance(value, Hashable) else value


def _choice_labels(session: Session, model: Any, columns: dict[str, Any]) -> dict[str, dict[Any, str]]:
    """Field -> value -> label (a message id): the workflow's states for
    ``state``, and the columns that declare ``info["choices"]`` (a mapping, or
    ``(value, label)`` pairs)."""
    out: dict[str, dict[Any, str]] = {}
    workflow = (session.info.get("workflows") or {}).get(model.__model_key__)
    if workflow is not None and "state" in columns:
        out["state"] = {state: workflow.state_label(state) for state in workflow.states}
    for name, column in columns.items():
        declared = column.info.get("choices")
        if isinstance(declared, dict):
            out[name] = {k: str(v) for k, v in declared.items()}
        elif isinstance(declared, list | tuple):
            out[name] = {k: str(v) for k, v in declared}
    return out


def _referenced_model(column: Any) -> Any:
    fks = list(column.foreign_keys)
    if not fks:
        return None
    table = fks[0].column.table.name
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    return None


def _extra_labels(session: Session, actor: Any, model: Any) -> dict[str, str]:
    """Labels of a model's run-time fields in the actor's language."""
    from core.fields import extra_fields_of, has_extra

    if not has_extra(model):
        return {}
    return {f.name: f.label_for(actor.locale) for f in extra_fields_of(session, model.__model_key__)}


def _extra_changes(pair: Any, labels: dict[str, str], hidden: set[str],
                   masked: set[str]) -> tuple[Change, ...]:
    """One change per run-time field whose value changed within ``extra``,
    leaving out hidden and removed ones (they are nowhere to be seen), with
    masked values for the fields masked for the reader (by name or all of
    ``extra``)."""
    old, new = (pair if isinstance(pair, list | tuple) and len(pair) == 2 else ({}, {}))
    old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
    return tuple(Change(name, labels[name], *(_masked(old.get(name), new.get(name))
                                              if name in masked or "extra" in masked
                                              else (old.get(name), new.get(name), False)))
                 for name in sorted(old.keys() | new.keys())
                 if old.get(name) != new.get(name) and name in labels and name not in hidden)
