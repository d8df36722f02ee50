"""The audit trail: every insert, update and delete of an audited model
writes who, when, and each field's old and new value (``core_audit``).

It works at the ORM flush, so no service can forget it; the actor comes
from ``session.info["actor"]`` (set per request, never from input).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from core.db import utcnow
from core.models import AuditLog

_PENDING = "audit.pending"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _changes(obj: Any, *, new: bool) -> dict[str, list[Any]]:
    state = inspect(obj)
    excluded = getattr(obj, "__audit_exclude__", frozenset()) | {"version", "updated_at", "created_at"}
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


def _after_flush(session: Session, _ctx: Any) -> None:
    actor = session.info.get("actor")
    user_id = getattr(actor, "user_id", None)
    rows: list[dict[str, Any]] = []
    events: list[tuple[str, Any, dict[str, list[Any]]]] = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            changes = _changes(obj, new=True)
            rows.append(_row(obj, "create", user_id, changes))
            events.append(("created", obj, changes))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            changes = _changes(obj, new=False)
            if not changes:
                continue
            action = "update"
            if "deleted_at" in changes:
                action = "delete" if changes["deleted_at"][1] else "restore"
            rows.append(_row(obj, action, user_id, changes))
            events.append(("deleted" if action == "delete" else "updated", obj, changes))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append(_row(obj, "purge", user_id, {}))
            events.append(("purged", obj, {}))
    if rows:
        session.execute(insert(AuditLog), rows)
        session.info.setdefault(_PENDING, []).extend(events)


def _after_flush_postexec(session: Session, _ctx: Any) -> None:
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


def _row(obj: Any, action: str, user_id: int | None, changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": obj.__model_key__,
        "record_id": obj.id,
        "action": action,
        "user_id": user_id,
        "at": utcnow(),
        "changes": changes,
    }


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
