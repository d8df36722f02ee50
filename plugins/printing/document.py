"""What a template reads of a record (design rule 9: the document, nothing else).

* ``doc``: the record's fields the reader may see (field rules:
  ``actor.hidden_fields``; a hidden one is None, a masked one its masked
  text), custom fields included under their names, as plain Python values,
  plus what the document type's ``context`` adds;
* ``text``: each of those fields as printed, in the print's language (a
  choice's or state's label, a referenced record's name, an amount with its
  currency);
* ``fields``: every such field in order, as ``{name, label, value, text,
  custom}``, for templates that print whatever the record has.

Values are plain data (``str``, numbers, ``Decimal``, dates, lists and dicts
of them): never an ORM object, which would lead a template to other data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, select
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Base,
    PrintDecl,
    extra_fields_of,
    extra_value,
    has_extra,
    is_masked,
    mask_kind,
    mask_value,
    scope,
    visible_extra,
)
from plugins.printing import formats
from plugins.printing.formats import Speaker

#: columns without a label of their own that a print may still show
UNLABELLED = {"id": N_("ID"), "created_at": N_("Created"), "updated_at": N_("Updated")}
#: columns never printed: bookkeeping, and the custom-field store (printed field by field)
NEVER = frozenset({"extra", "version", "deleted_at"})
#: the attribute naming a referenced record, the first the model has
TITLE_ATTRS = ("display_name", "name", "title", "subject", "code", "number", "username")
PLAIN = (str, int, float, Decimal, date, datetime, bool, type(None))


@dataclass
class Document:
    doc: dict[str, Any]
    text: dict[str, str]
    fields: list[dict[str, Any]]
    number: str
    org_id: int | None


def build(session: Session, actor: Actor, registry: Any, decl: PrintDecl, record: Any,
          speak: Speaker) -> Document:
    """The document ``actor`` may print of ``record`` (which they may read).

    A field hidden from the actor is in ``doc`` as None and in ``text`` as
    "" (so a template written for every reader still prints, without it),
    and not in ``fields``. A field masked for them is its masked text in
    ``doc``, ``text`` and ``fields`` (its printed text, masked)."""
    model = type(record)
    masked = actor.masked_fields(model)
    hidden = actor.hidden_fields(model) - masked
    kinds = _declared_kinds(registry, model)
    fields: list[dict[str, Any]] = []
    withheld: set[str] = set()
    for column in model.__table__.columns:
        name = column.key
        label = column.info.get("label") or UNLABELLED.get(name)
        if name in NEVER or not label:
            continue
        if name in hidden:
            withheld.add(name)
            continue
        value = getattr(record, name)
        fields.append({"name": name, "label": speak(kinds.get(name, {}).get("label") or label),
                       "value": value, "custom": False,
                       "text": _text(session, actor, registry, column, value, kinds.get(name), speak)})
    visible = visible_extra(session, actor, model, masked=True)
    for f in visible:
        value = extra_value(f, record)
        label = speak.pair(f.labels.get("zh_CN", ""), f.labels.get("en", "")) or f.name
        fields.append({"name": f.name, "label": label, "value": value, "custom": True,
                       "text": _extra_text(session, actor, registry, f, value, speak)})
    if has_extra(model):
        withheld |= {f.name for f in extra_fields_of(session, model.__model_key__)} - {f.name for f in visible}
    for shown in fields:
        if is_masked(actor, model, shown["name"]):
            shown["value"] = shown["text"] = formats.Masked(mask_value(shown["text"],
                                                                       mask_kind(model, shown["name"])))
    doc: dict[str, Any] = {f["name"]: f["value"] for f in fields}
    if decl.context is not None:
        doc.update(plain(decl.context(session, actor, record), f"context of {decl.key}"))
    # a context respects field rules too: a key named after a hidden field never
    # prints, one named after a masked field prints masked
    doc.update(dict.fromkeys(withheld))
    doc.update({f["name"]: f["value"] for f in fields if is_masked(actor, model, f["name"])})
    text = {f["name"]: f["text"] for f in fields} | dict.fromkeys(withheld, "")
    number = str(getattr(record, decl.number) or "") if decl.number and decl.number not in hidden else ""
    if decl.number and is_masked(actor, model, decl.number):
        number = mask_value(number, mask_kind(model, decl.number))
    return Document(doc, text, fields, number or str(record.id), org_of(record))


def _declared_kinds(registry: Any, model: type[Base]) -> dict[str, dict[str, Any]]:
    """What the model's pages say of its columns: label, kind and choices
    (from its ``Crud``), state labels (from its workflow)."""
    out: dict[str, dict[str, Any]] = {}
    entry = registry.cruds.get(model.__model_key__)
    if entry is not None:
        crud = entry[1]
        for column in [*crud.list_view.columns, *crud.detail_fields]:
            out.setdefault(column.name, {"label": column.label, "kind": column.kind,
                                         "choices": dict(column.choices or {})})
    workflow = registry.workflows.get(model.__model_key__)
    if workflow is not None and workflow.labels:
        state = out.setdefault("state", {"label": "", "kind": "choice", "choices": {}})
        state["choices"] = dict(workflow.labels)
    return out


def _text(session: Session, actor: Actor, registry: Any, column: Any, value: Any,
          kind: Mapping[str, Any] | None, speak: Speaker) -> str:
    if value is None or value == "":
        return ""
    if kind and kind.get("choices") and str(value) in kind["choices"]:
        return speak(kind["choices"][str(value)])
    if isinstance(value, bool):
        return speak(N_("Yes") if value else N_("No"))
    if column.foreign_keys:
        return _reference(session, actor, registry, next(iter(column.foreign_keys)).column.table.name,
                          value, speak)
    if isinstance(value, Decimal) and (
            (kind and kind.get("kind") == "money")
            or (isinstance(column.type, Numeric) and column.type.scale == 2)):
        return formats.money(value, speak.lang)
    if isinstance(value, int | float | Decimal):
        return formats.number(value, speak.lang)
    if isinstance(value, datetime):
        return formats.moment(value, speak.lang)
    if isinstance(value, date):
        return formats.when(value, speak.lang)
    return str(value)


def _extra_text(session: Session, actor: Actor, registry: Any, f: Any, value: Any, speak: Speaker) -> str:
    if value is None or value == "" or value == []:
        return ""
    if f.kind == "choice":
        return speak.pair(f.choice_label(str(value), "zh_CN"), f.choice_label(str(value), "en"))
    if f.kind == "multi":
        labels = (speak.pair(f.choice_label(str(v), "zh_CN"), f.choice_label(str(v), "en")) for v in value)
        return (", " if speak.lang == "en" else "、").join(labels)
    if f.kind in ("user", "link") and f.ref in registry.models:
        return _reference(session, actor, registry, registry.models[f.ref].__tablename__, value, speak)
    if f.kind == "money":
        return formats.money(value, speak.lang)
    if f.kind == "bool":
        return speak(N_("Yes") if value else N_("No"))
    if f.kind == "date":
        return formats.when(value, speak.lang)
    if f.kind == "number":
        return formats.number(value, speak.lang)
    return str(value)


def _reference(session: Session, actor: Actor, registry: Any, table: str, value: Any, speak: Speaker) -> str:
    """The name of a referenced record the reader may read, else its id."""
    model = next((m for m in registry.models.values() if m.__tablename__ == table), None)
    if model is None:
        return str(value)
    columns = model.__table__.columns
    attr = next((a for a in TITLE_ATTRS if a in columns), None)
    if attr is None or not actor.can(f"{model.__model_key__}.read"):
        return str(value)
    ident = columns["id"]
    chosen = [columns[attr]] + ([columns["name_en"]] if attr == "name" and "name_en" in columns else [])
    row = session.execute(select(*chosen).where(ident == value, scope(actor, model, "read"))).first()
    if row is None:
        return str(value)
    return speak.pair(row[0], row[1] if len(row) > 1 else "") if speak.lang != "zh_CN" else str(row[0])


def org_of(record: Any) -> int | None:
    columns = getattr(type(record), "__scope_columns__", None) or {"org": "org_id"}
    name = columns.get("org")
    value = getattr(record, name, None) if name else None
    return value if isinstance(value, int) else None


def plain(value: Any, where: str) -> Any:
    """``value`` if it is plain data all the way down; TypeError naming where it is not."""
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, Mapping):
        return {_key(k, where): plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where} is a {type(value).__name__}: a print reads plain values only")


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"{where} has a key {key!r}: keys must be text")
    return key


def as_json(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` as stored with an issued copy: dates as ISO text, amounts as decimal text."""
    return dict(json.loads(json.dumps(doc, default=_json_default, ensure_ascii=False)))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)
