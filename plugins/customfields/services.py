"""Field definitions: add, change, remove and restore; and their
:class:`core.ExtraField` form for the ``extra_fields`` hook.

Every change calls :func:`core.forget_extra_fields` (``core.fields.forget``) so the same transaction sees
the new definitions (the kernel caches them per session).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import (
    EXTRA_KINDS,
    N_,
    Actor,
    Base,
    ExtraField,
    NotFound,
    ValidationError,
    convert_extra,
    forget_extra_fields,
    get_for,
    has_extra,
    utcnow,
)
from plugins.customfields.models import Field

#: kinds a unique value makes sense for
UNIQUE_KINDS = frozenset({"text", "number", "money", "date", "choice", "user", "link"})
#: kinds that take choices
CHOICE_KINDS = frozenset({"choice", "multi"})
#: kinds that take a default (a user or a record is not one value for every organisation)
DEFAULT_KINDS = frozenset({"text", "number", "money", "date", "choice", "multi", "bool"})
#: what a yes/no default may be sent as
BOOL_TEXT = frozenset({"", "1", "on", "true", "yes", "0", "off", "false", "no"})
NAME_RE = re.compile(r"x_[a-z0-9_]{1,57}")


def to_extra_field(row: Field) -> ExtraField:
    labels = {"zh_CN": row.label_zh, "en": row.label_en or row.label_zh}
    choices = tuple((c["value"], {"zh_CN": c.get("zh_CN") or c["value"], "en": c.get("en") or c["value"]})
                    for c in row.choices or ())
    return ExtraField(row.name, labels, row.kind, row.required, row.unique, row.default, choices,
                      "core.user" if row.kind == "user" else row.ref, row.order)


def active_fields(db: Session, model_key: str) -> list[ExtraField]:
    """The fields of ``model_key`` not removed, in order: one query."""
    rows = db.scalars(select(Field).where(Field.model == model_key, Field.deleted_at.is_(None))
                      .order_by(Field.order, Field.id))
    return [to_extra_field(r) for r in rows]


def fields_of(db: Session, actor: Actor, model_key: str) -> list[Field]:
    """Every field of a model, removed ones included (the admin list)."""
    actor.require("customfields.field.read")
    return list(db.scalars(select(Field).where(Field.model == model_key).order_by(
        Field.deleted_at.is_not(None), Field.order, Field.id)))


def parse_choices(text: str) -> list[dict[str, str]]:
    """Lines ``value|中文|English`` (labels optional) to the stored list."""
    out: list[dict[str, str]] = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        value = parts[0][:60]
        zh = parts[1] if len(parts) > 1 and parts[1] else value
        en = parts[2] if len(parts) > 2 and parts[2] else zh
        if value not in {c["value"] for c in out}:
            out.append({"value": value, "zh_CN": zh[:200], "en": en[:200]})
    return out


def choices_text(choices: list[dict[str, str]] | None) -> str:
    return "\n".join(f"{c['value']}|{c.get('zh_CN', '')}|{c.get('en', '')}" for c in choices or ())


def slug_name(db: Session, model_key: str, label_en: str) -> str:
    """A new field's name: ``x_`` and a slug of its English label, or
    ``x_<n>``; unique within the model (removed fields included)."""
    taken = set(db.scalars(select(Field.name).where(Field.model == model_key)))
    slug = re.sub(r"[^a-z0-9]+", "_", label_en.lower()).strip("_")[:40]
    base = f"x_{slug}" if slug else f"x_{len(taken) + 1}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def convert_default(kind: str, choices: list[dict[str, str]], raw: Any) -> Any:
    """A default for a field of ``kind`` (with ``choices``, as stored), as
    ``extra`` stores a value of it (None when empty); ValueError with a
    message id taking ``{label}`` when it does not fit the kind."""
    if raw is None or raw == "" or raw == []:
        return None
    if kind not in DEFAULT_KINDS:
        raise ValueError(N_("{label}: user and link fields take no default."))
    if kind == "bool" and not isinstance(raw, bool) and str(raw).strip().lower() not in BOOL_TEXT:
        raise ValueError(N_("{label}: choose one of the offered values."))
    if kind == "multi" and isinstance(raw, str):
        raw = [v.strip() for v in raw.split(",")]
    probe = ExtraField("x_probe", {}, kind, choices=tuple((c["value"], {}) for c in choices))
    value = convert_extra(probe, raw)
    return None if value is False or value == [] else value


def _check(db: Session, values: Mapping[str, Any], models: Mapping[str, type[Base]]) -> dict[str, Any]:
    """Validate a definition's values; convert the default and the choices.
    Whatever the form showed, what was posted is checked against the kind:
    a default that does not fit it, or unique for a kind that cannot be
    unique, is refused; choices and a link target of other kinds are dropped."""
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "")
    if kind not in EXTRA_KINDS:
        errors["kind"] = N_("{label}: choose one of the offered values.")
    if not str(values.get("label_zh") or "").strip():
        errors["label_zh"] = N_("{label} is required.")
    choices = parse_choices(str(values.get("choices") or "")) if kind in CHOICE_KINDS else []
    if kind in CHOICE_KINDS and not choices:
        errors["choices"] = N_("{label}: give at least one line value|中文|English.")
    order = str(values.get("order") or "100").strip()
    if not re.fullmatch(r"-?\d{1,6}", order):
        errors["order"] = N_("{label} must be a whole number.")
    ref = None
    if kind == "link":
        ref = str(values.get("ref") or "")
        if ref not in models:
            errors["ref"] = N_("{label}: choose one of the offered values.")
    if kind == "user":
        ref = "core.user"
    unique = bool(values.get("unique"))
    if unique and kind in EXTRA_KINDS and kind not in UNIQUE_KINDS:
        errors["unique"] = N_("{label}: not offered for multiple choice and yes/no fields.")
    default = None
    if "kind" not in errors and "choices" not in errors:
        try:
            default = convert_default(kind, choices, values.get("default"))
        except ValueError as exc:
            errors["default"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind, "label_zh": str(values.get("label_zh") or "").strip()[:200],
        "label_en": str(values.get("label_en") or "").strip()[:200],
        "required": bool(values.get("required")), "unique": unique,
        "choices": choices, "ref": ref, "order": int(order), "default": default,
    }


def create_field(
    db: Session, actor: Actor, model_key: str, values: Mapping[str, Any], models: Mapping[str, type[Base]]
) -> Field:
    actor.require("customfields.field.create")
    if model_key not in models or not has_extra(models[model_key]):
        raise NotFound()
    clean = _check(db, values, models)
    field = Field(model=model_key, name=slug_name(db, model_key, clean["label_en"]), **clean)
    db.add(field)
    db.flush()
    forget_extra_fields(db)
    return field


def update_field(
    db: Session, actor: Actor, field_id: int, values: Mapping[str, Any], models: Mapping[str, type[Base]]
) -> Field:
    """Change a definition; its name never changes, and its kind only while
    no record holds a value of it."""
    field = get_for(db, actor, Field, field_id, "update")
    clean = _check(db, values, models)
    if clean["kind"] != field.kind and values_exist(db, models.get(field.model), field.name):
        raise ValidationError({"kind": N_("{label}: the kind cannot change while records hold values "
                                          "of this field.")})
    for key, value in clean.items():
        setattr(field, key, value)
    forget_extra_fields(db)
    return field


def values_exist(db: Session, model: type[Base] | None, name: str) -> bool:
    """Does any record (deleted ones included) hold a value of field ``name``?"""
    if model is None or not has_extra(model):
        return False
    value = model.extra[name].as_string()  # type: ignore[attr-defined]  # an ExtraMixin model
    return bool(db.scalar(select(func.count()).select_from(model).where(value.is_not(None))))


def remove_field(db: Session, actor: Actor, field_id: int) -> Field:
    """Remove a field: it disappears everywhere; records keep its values."""
    field = get_for(db, actor, Field, field_id, "delete")
    field.deleted_at = utcnow()
    forget_extra_fields(db)
    return field


def restore_field(db: Session, actor: Actor, field_id: int) -> Field:
    """Bring a removed field back, with the values records kept."""
    field = get_for(db, actor, Field, field_id, "update", include_deleted=True)
    field.deleted_at = None
    forget_extra_fields(db)
    return field


def count_by_model(db: Session) -> dict[str, int]:
    """Active fields per model key."""
    stmt = select(Field.model, func.count()).where(Field.deleted_at.is_(None)).group_by(Field.model)
    return {key: int(n) for key, n in db.execute(stmt)}
