"""Run-time fields (custom fields): the kernel's side.

A model with the ``extra`` JSON column (:class:`core.db.ExtraMixin`) may
carry values of fields an administrator added in the browser. The kernel
does not store their definitions: it asks the ``extra_fields`` hook (the
customfields plugin answers) at most once per model and transaction, and
the kit, the API, import and export, search and printing read them through
:func:`extra_fields_of`.

Values are stored as JSON: text, choice and date (``YYYY-MM-DD``) as
strings, money as a decimal string (``"1234.50"``, exact), number as a JSON
number, multi as a list of choice values, user and link as a record id,
bool as ``true``/``false``. :func:`extra_value` gives the Python value
(``date``, ``Decimal``), :func:`extra_column` the SQL expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import ColumnElement, Numeric, and_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from core.db import Base, ExtraMixin, SoftDeleteMixin, id_column
from core.errors import ValidationError
from core.i18n import N_
from core.permissions import Actor, _col, scope
from core.registry import ExtraField

__all__ = [
    "clean_extra", "convert_extra", "editable_extra", "extra_column", "extra_errors", "extra_fields_of",
    "extra_value", "has_extra", "model_of", "visible_extra",
]

_CACHE = "extra_fields"
#: the longest text a custom text field takes
TEXT_MAX = 1000
#: kinds whose values the unique check compares (not multi, not bool)
UNIQUE_KINDS = frozenset({"text", "number", "money", "date", "choice", "user", "link"})
#: kinds a list can sort by
SORTABLE_KINDS = frozenset({"text", "number", "money", "date", "choice", "user", "link", "bool"})


def has_extra(model: type[Base]) -> bool:
    """Does ``model`` carry run-time field values (an ``extra`` column)?"""
    return issubclass(model, ExtraMixin)


def extra_fields_of(session: Session, model_key: str) -> list[ExtraField]:
    """The run-time fields of ``model_key``, in order; cached in the session."""
    cache: dict[str, list[ExtraField]] = session.info.setdefault(_CACHE, {})
    found = cache.get(model_key)
    if found is None:
        hook: Any = session.info.get("hook")
        groups = hook.extra_fields(session=session, model_key=model_key) if hook is not None else []
        found = sorted((f for group in groups for f in group or ()), key=lambda f: (f.order, f.name))
        cache[model_key] = found
    return found


def forget(session: Session) -> None:
    """Drop the cached definitions (after an administrator changed them)."""
    session.info.pop(_CACHE, None)


def visible_extra(
    session: Session, actor: Actor, model: type[Base], *, masked: bool = False
) -> list[ExtraField]:
    """The run-time fields of ``model`` the actor may read in clear (field
    rules: a rule on a field's name, or on ``extra`` itself, hides or masks
    it); with ``masked``, also those they read masked
    (:func:`core.masking.is_masked` tells which, ``shown_value`` masks)."""
    if not has_extra(model):
        return []
    hidden = actor.hidden_fields(model)
    if masked:
        hidden -= actor.masked_fields(model)
    if "extra" in hidden:
        return []
    return [f for f in extra_fields_of(session, model.__model_key__) if f.name not in hidden]


def editable_extra(session: Session, actor: Actor, model: type[Base]) -> list[ExtraField]:
    """The run-time fields of ``model`` the actor may change (not hidden, masked or read-only)."""
    if not has_extra(model):
        return []
    locked = actor.readonly_fields(model)
    if "extra" in locked:
        return []
    return [f for f in extra_fields_of(session, model.__model_key__) if f.name not in locked]


def model_of(model_key: str) -> type[Base] | None:
    """The mapped class whose model key is ``model_key`` (for ``user``/``link`` refs)."""
    for mapper in Base.registry.mappers:
        cls = cast("type[Base]", mapper.class_)
        if getattr(cls, "__model_key__", None) == model_key:
            return cls
    return None


def ref_model(field: ExtraField) -> type[Base] | None:
    """The model a ``user`` or ``link`` field points to."""
    if field.kind == "user":
        return model_of("core.user")
    return model_of(field.ref) if field.kind == "link" and field.ref else None


# ------------------------------------------------------------------ SQL


def extra_column(model: type[Base], field: ExtraField) -> ColumnElement[Any]:
    """The JSON value of ``field`` in ``model.extra``, typed for comparison and
    sorting (the same on SQLite and PostgreSQL); NULL where a record has none."""
    if not has_extra(model):
        raise TypeError(f"{model.__name__} has no extra column: it is no ExtraMixin")
    value: Any = cast("type[ExtraMixin]", model).extra[field.name]
    typed: ColumnElement[Any]
    if field.kind == "number":
        typed = value.as_float()
    elif field.kind == "money":
        typed = sql_cast(value.as_string(), Numeric(18, 2))
    elif field.kind == "bool":
        typed = value.as_boolean()
    elif field.kind in ("user", "link"):
        typed = value.as_integer()
    else:
        typed = value.as_string()  # text, choice, date (ISO sorts by date), multi (its JSON text)
    return typed


def sql_value(field: ExtraField, value: Any) -> Any:
    """A stored value as :func:`extra_column` compares it (cursor, filter, unique check)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if field.kind == "money":
        return Decimal(str(value))
    if field.kind == "number":
        return float(value)
    return value


# ------------------------------------------------------------------ values


def extra_value(field: ExtraField, record: object) -> Any:
    """The Python value of ``field`` on ``record``: ``date``, ``Decimal`` for
    money and number, a list for multi, an id for user and link, else as stored."""
    raw = (getattr(record, "extra", None) or {}).get(field.name)
    if raw is None or raw == "":
        return [] if field.kind == "multi" else None
    try:
        if field.kind == "date":
            return date.fromisoformat(str(raw))
        if field.kind in ("money", "number"):
            return Decimal(str(raw))
    except (ValueError, InvalidOperation):
        return None
    return raw


def display_value(field: ExtraField, record: object, locale: str) -> Any:
    """What a list or detail cell shows: choice labels in the reader's
    language, multi as a comma-separated list, the rest as :func:`extra_value`."""
    value = extra_value(field, record)
    if field.kind == "choice" and value is not None:
        return field.choice_label(str(value), locale)
    if field.kind == "multi":
        return "、".join(field.choice_label(str(v), locale) for v in value) if locale.startswith("zh") \
            else ", ".join(field.choice_label(str(v), locale) for v in value)
    return value


def extra_errors(
    session: Session, model_key: str, errors: Mapping[str, str], gettext: Callable[..., str], locale: str
) -> dict[str, str]:
    """The messages of :func:`clean_extra`'s ``ValidationError`` translated,
    each naming its field's label in ``locale``."""
    labels = {f.name: f.label_for(locale) for f in extra_fields_of(session, model_key)}
    return {name: gettext(msg, label=labels.get(name, name)) for name, msg in errors.items()}


def clean_extra(
    session: Session, actor: Actor | None, model: type[Base], record: Base | None,
    raw: Mapping[str, Any], *, partial: bool = False,
) -> dict[str, Any]:
    """The sent values of the run-time fields the actor may edit, converted to
    what ``record.extra`` stores; ``ValidationError({name: message_id})``
    (each message takes ``{label}``: see :func:`extra_errors`) otherwise.

    ``record`` is None for a new record: then defaults fill empty fields,
    including ones the actor may not edit. A missing key is an empty value,
    unless ``partial`` (an API patch), where only the sent keys are read.
    ``user`` and ``link`` values must be records the actor may read; a
    ``unique`` value may not be used by another record of the same
    organisation. ``actor`` None (a system import) skips the field rules and
    the scope check.
    """
    if not has_extra(model):
        return {}
    every = extra_fields_of(session, model.__model_key__)
    editable = editable_extra(session, actor, model) if actor is not None else every
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in editable:
        if partial and f.name not in raw:
            continue
        try:
            value = convert_extra(f, raw.get(f.name))
            if _empty(value) and record is None and f.default not in (None, "", []):
                value = convert_extra(f, f.default)
            if _empty(value) and f.required and f.kind != "bool":
                raise ValueError(N_("{label} is required."))
            _check_ref(session, actor, f, value)
            _check_unique(session, actor, model, record, f, value)
        except ValueError as exc:
            errors[f.name] = str(exc)
            continue
        values[f.name] = value
    if record is None:
        shown = {f.name for f in editable}
        for f in every:
            if f.name not in shown and f.default not in (None, "", []):
                try:
                    values[f.name] = convert_extra(f, f.default)
                except ValueError:
                    continue  # a default that no longer fits its field is left out
    if errors:
        raise ValidationError(errors)
    return values


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def convert_extra(f: ExtraField, raw: Any) -> Any:
    """One value of ``f``, from form text or a JSON value, to what ``extra``
    stores (None or ``[]`` when empty); ValueError with a message id taking
    ``{label}`` when it does not fit the field's kind or choices."""
    if f.kind == "multi":
        items = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
        wanted = [str(v).strip() for v in items if str(v).strip()]
        allowed = [key for key, _ in f.choices]
        if any(v not in allowed for v in wanted):
            raise ValueError(N_("{label}: choose one of the offered values."))
        return [key for key in allowed if key in wanted]  # in the offered order, once each
    if isinstance(raw, list | tuple | dict):
        raise ValueError(N_("{label}: send one value."))
    if f.kind == "bool":
        return raw if isinstance(raw, bool) else str(raw or "").strip().lower() in {"1", "on", "true", "yes"}
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if f.kind == "text":
        if len(text) > TEXT_MAX:
            raise ValueError(N_("{label} is too long."))
        return text
    if f.kind in ("number", "money"):
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError(N_("{label} must be a number.")) from None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 16:
            raise ValueError(N_("{label} must be a number."))
        if f.kind == "money":
            return str(number.quantize(Decimal("0.01")))
        return int(number) if number == number.to_integral_value() else float(number)
    if f.kind == "date":
        try:
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise ValueError(N_("{label} must be a date (YYYY-MM-DD).")) from None
    if f.kind == "choice":
        if text not in {key for key, _ in f.choices}:
            raise ValueError(N_("{label}: choose one of the offered values."))
        return text
    if f.kind in ("user", "link"):
        if not re.fullmatch(r"\d{1,18}", text):
            raise ValueError(N_("{label}: choose one of the offered values."))
        return int(text)
    raise ValueError(N_("{label}: choose one of the offered values."))  # an unknown kind takes nothing


def _check_ref(session: Session, actor: Actor | None, f: ExtraField, value: Any) -> None:
    if f.kind not in ("user", "link") or value is None:
        return
    target = ref_model(f)
    if target is None:
        raise ValueError(N_("{label}: choose a record you can see."))
    stmt = select(id_column(target)).where(id_column(target) == value)
    if actor is not None:
        stmt = stmt.where(scope(actor, target, "read"))
    elif issubclass(target, SoftDeleteMixin):
        stmt = stmt.where(target.deleted_at.is_(None))
    if session.scalar(stmt) is None:
        raise ValueError(N_("{label}: choose a record you can see."))


def _check_unique(
    session: Session, actor: Actor | None, model: type[Base], record: Base | None, f: ExtraField, value: Any
) -> None:
    if not f.unique or f.kind not in UNIQUE_KINDS or value is None:
        return
    conds = [extra_column(model, f) == sql_value(f, value)]
    org_col = _col(model, "org")
    org_id = getattr(record, org_col.key, None) if record is not None and org_col is not None else None
    if org_col is not None:
        org_id = org_id if org_id is not None else (actor.org_id if actor is not None else None)
        if org_id is not None:
            conds.append(org_col == org_id)
    if record is not None:
        conds.append(id_column(model) != getattr(record, "id", None))
    if issubclass(model, SoftDeleteMixin):
        conds.append(model.deleted_at.is_(None))
    if session.scalar(select(id_column(model)).where(and_(*conds)).limit(1)) is not None:
        raise ValueError(N_("{label}: this value is already used by another record."))
