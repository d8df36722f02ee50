"""Parent records: every note, activity and attachment hangs on one, and
inherits its access (design rule 4)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Actor, Base, Forbidden, NotFound, get_for, mask_kind, mask_value, scope
from plugins.activity.models import MODELS

E = TypeVar("E", bound=Base)
Models = Mapping[str, type[Base]]
#: the title of a record, from the first of these attributes it has
TITLE_ATTRS = ("title", "name", "subject", "display_name", "username", "code", "number")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
OWN_KEYS = frozenset(m.__model_key__ for m in MODELS)


def parent_model(models: Models, model_key: str) -> type[Base]:
    """The model of a parent record; unknown or disabled models are not found,
    and the timeline's own records carry no timeline."""
    model = models.get(model_key)
    if model is None or model_key in OWN_KEYS or not hasattr(model, "id"):
        raise NotFound()
    return model


def get_parent(session: Session, actor: Actor, models: Models, model_key: str,
               record_id: Any, action: str = "read") -> Any:
    """The parent record if the actor may ``action`` it, else NotFound (404),
    also when the actor may not read that kind of record at all."""
    model = parent_model(models, model_key)
    try:
        return get_for(session, actor, model, record_id, action)
    except Forbidden:
        raise NotFound() from None


def check_parent(session: Session, actor: Actor, record: Any) -> Any:
    """``record`` again, if the actor may read it (NotFound otherwise): what
    the API's write functions check before writing on a record."""
    key = getattr(record, "__model_key__", "")
    if key in OWN_KEYS or not hasattr(record, "id"):
        raise NotFound()
    try:
        return get_for(session, actor, type(record), record.id)
    except Forbidden:
        raise NotFound() from None


def get_entry(session: Session, actor: Actor, models: Models, model: type[E],
              entry_id: Any) -> tuple[E, Any]:
    """A note, activity or attachment and its parent, if the actor may read the parent."""
    try:
        entry = session.get(model, int(entry_id))
    except (TypeError, ValueError):
        entry = None
    if entry is None:
        raise NotFound()
    parent = get_parent(session, actor, models, entry.record_model, entry.record_id)  # type: ignore[attr-defined]
    return entry, parent


def owned_by(actor: Actor, parent: Any) -> dict[str, Any]:
    """org, owner and department of a new entry: the parent's organisation
    (the author's when the parent has none), the author, the author's department."""
    org_id = org_of(parent) or actor.org_id
    return {"org_id": org_id, "owner_id": actor.user_id,
            "department_id": actor.department_id if org_id == actor.org_id else None}


def org_of(record: Any) -> int | None:
    columns = getattr(type(record), "__scope_columns__", None) or {"org": "org_id"}
    name = columns.get("org")
    value = getattr(record, name, None) if name else None
    return value if isinstance(value, int) else None


def may(session: Session, actor: Actor, entry: Any, action: str) -> bool:
    """Whether the actor may ``action`` (delete, update) an entry: always
    their own, someone else's with the plugin's code in its scope."""
    if entry.owner_id == actor.user_id:
        return True
    return bool(allowed_ids(session, actor, type(entry), [entry.id], action))


def allowed_ids(session: Session, actor: Actor, model: type[Base], ids: list[int],
                action: str) -> set[int]:
    """Of ``ids``, those the actor may ``action`` through the code's scope (one query)."""
    if not ids or not actor.can(f"{model.__model_key__}.{action}"):
        return set()
    id_col = model.id  # type: ignore[attr-defined]
    return set(session.scalars(select(id_col).where(id_col.in_(ids), scope(actor, model, action))))


def require(session: Session, actor: Actor, entry: Any, action: str) -> None:
    if not may(session, actor, entry, action):
        raise Forbidden(f"{entry.__model_key__}.{action}")


def title_of(record: Any, actor: Actor) -> str:
    """A short name for a record, from an attribute the actor may see (masked
    when it is masked for them)."""
    model = type(record)
    masked = actor.masked_fields(model)
    hidden = actor.hidden_fields(model) - masked
    for attr in TITLE_ATTRS:
        value = getattr(record, attr, None)
        if attr not in hidden and isinstance(value, str) and value.strip():
            return mask_value(value, mask_kind(model, attr)) if attr in masked else value
    return f"#{record.id}"


def clean_text(value: object, *, max_chars: int) -> str:
    """Plain text as typed: newlines normalised, control characters dropped,
    trimmed; the templates escape it. Longer than ``max_chars``: ValueError."""
    text = value if isinstance(value, str) else ""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > max_chars:
        raise ValueError(text)
    return text


def load_parents(session: Session, actor: Actor, models: Models,
                 links: set[tuple[str, int]]) -> dict[tuple[str, int], Any]:
    """The parent records of ``links`` the actor may read: one query per model."""
    by_model: dict[str, set[int]] = {}
    for key, record_id in links:
        by_model.setdefault(key, set()).add(record_id)
    out: dict[tuple[str, int], Any] = {}
    record: Any
    for key, ids in by_model.items():
        try:
            model = parent_model(models, key)
        except NotFound:
            continue
        id_col = model.id  # type: ignore[attr-defined]
        for record in session.scalars(select(model).where(id_col.in_(ids), scope(actor, model, "read"))):
            out[(key, record.id)] = record
    return out
