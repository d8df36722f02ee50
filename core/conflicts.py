"""A stale save, explained: what the user sent against what is saved now.

Two people open the same record; the first saves; the second's save carries
a version that is no longer current and :func:`core.kit.check_version`
refuses it (:class:`core.errors.StaleVersion`, nothing is written). Instead of
an error page the kit shows the form again with what they typed and a panel
(``kit/_conflict.html``) listing, field by field, their value, the value now
saved, and who saved it and when (from the audit trail). The form now
carries the current version, so saving again applies their values over the
other save; reloading starts from what is saved.

Only fields the user may edit and read in clear are compared: a hidden or
masked value is never shown. A form that is not the kit's ``Crud`` gets the
same panel on a page of its own (:func:`stale_page`), which sends what they
typed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, Text, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from core.db import Base, id_column
from core.fields import convert_extra, display_value, editable_extra, has_extra, ref_model
from core.masking import is_hidden, is_masked
from core.models import AuditLog, User
from core.permissions import scope
from core.registry import ExtraField

if TYPE_CHECKING:
    from starlette.responses import Response

    from core.errors import StaleVersion
    from core.kit import FormField
    from core.web import Ctx

#: how many of a record's latest audit rows are read for who changed which field
AUDIT_ROWS = 100
#: a value longer than this is cut in the panel
SHOWN_CHARS = 300
#: what the panel shows for an empty value
EMPTY = "—"
#: form keys that are never fields of the record
NOT_FIELDS = frozenset({"csrf_token", "version", "next"})


@dataclass(frozen=True)
class Save:
    """Who saved, and when (``by`` empty when the audit trail does not say)."""

    by: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Difference:
    """One field whose value the user sent differs from the one saved now."""

    name: str
    label: str  # in the reader's language
    theirs: str
    saved: str
    save: Save = field(default_factory=Save)


@dataclass(frozen=True)
class Stale:
    """What the conflict panel shows."""

    version: int  # saved now: the form carries it, so that saving again applies over it
    last: Save
    differences: list[Difference]
    reload_url: str


# ------------------------------------------------------------------ who saved


def saves(session: Session, record: Any) -> tuple[Save, dict[str, Save]]:
    """The record's latest save, and per field (custom fields by name) the
    latest save that changed it: from the audit trail of an audited model,
    else the record's ``updated_at`` with nobody named."""
    if not getattr(record, "__audited__", False):
        return Save(at=getattr(record, "updated_at", None)), {}
    rows = session.execute(
        select(AuditLog.changes, AuditLog.at, User.display_name).outerjoin(User, User.id == AuditLog.user_id)
        .where(AuditLog.model == type(record).__model_key__, AuditLog.record_id == record.id)
        .order_by(AuditLog.id.desc()).limit(AUDIT_ROWS)).all()
    if not rows:
        return Save(at=getattr(record, "updated_at", None)), {}
    per_field: dict[str, Save] = {}
    for changes, at, name in rows:
        save = Save(name or "", at)
        for key in _changed(changes or {}):
            per_field.setdefault(key, save)
    changes, at, name = rows[0]
    return Save(name or "", at), per_field


def _changed(changes: Mapping[str, Any]) -> Iterable[str]:
    """The fields an audit row changed; within ``extra``, each custom field."""
    for key, pair in changes.items():
        if key != "extra":
            yield key
            continue
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else ({}, {})
        old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        yield from (k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


# ------------------------------------------------------------------ comparing


def same_value(theirs: Any, saved: Any) -> bool:
    """Do a value sent and a value saved say the same (an empty text and
    nothing, "12.50" and 12.5, CRLF and LF line ends)?"""
    theirs, saved = _plain(theirs), _plain(saved)
    if theirs is None or saved is None:
        return theirs is saved
    if isinstance(theirs, bool) or isinstance(saved, bool):
        return bool(theirs) == bool(saved)
    left, right = _number(theirs), _number(saved)
    if left is not None and right is not None and (
            not isinstance(theirs, str) or not isinstance(saved, str)):
        return left == right
    return str(theirs) == str(saved)


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").strip()
    return None if value in ("", [], None) else value


def _number(value: Any) -> Decimal | None:
    if isinstance(value, Decimal | int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.replace(",", ""))
        except ArithmeticError:
            return None
        return number if number.is_finite() else None
    return None


def form_differences(
    ctx: Ctx, model: type[Base], record: Any, fields: Sequence[FormField], *,
    extras: Sequence[ExtraField] = (), form: Mapping[str, Any] | None = None,
) -> list[Difference]:
    """The ``fields`` (declared form fields) and ``extras`` (custom fields)
    whose value in ``form`` (the request's by default) differs from
    ``record``'s, leaving out those the reader may not edit or read in clear."""
    from core.kit import Form

    form = ctx.form if form is None else form
    user = ctx.user
    last, per_field = saves(ctx.db, record)
    ruled = user.readonly_fields(model)  # read-only, hidden and masked ones
    cleaner = Form(list(fields))
    out = []
    for f in fields:
        if f.name in ruled or f.kind == "password":
            continue
        raw = form.get(f"{f.name}[]", form.get(f.name)) if f.kind == "multi" else form.get(f.name)
        try:
            theirs = cleaner.clean(f, raw, ctx)
            shown_theirs = _shown_field(ctx, model, f, theirs)
        except ValueError:
            theirs = shown_theirs = _text(raw)
        saved = getattr(record, f.name, None)
        if not same_value(theirs, saved):
            out.append(Difference(f.name, ctx._(f.label), shown_theirs, _shown_field(ctx, model, f, saved),
                                  per_field.get(f.name, last)))
    for ef in extras:
        if is_hidden(user, model, ef.name) or is_masked(user, model, ef.name):
            continue
        raw = form.get(f"{ef.name}[]", form.get(ef.name)) if ef.kind == "multi" else form.get(ef.name)
        try:
            theirs = convert_extra(ef, raw)
            shown_theirs = _shown_extra(ctx, ef, theirs)
        except ValueError:
            theirs = shown_theirs = _text(raw)
        saved = (getattr(record, "extra", None) or {}).get(ef.name)
        if not same_value(theirs, saved):
            out.append(Difference(ef.name, ef.label_for(ctx.t.locale), shown_theirs,
                                  _shown_extra(ctx, ef, saved), per_field.get(ef.name, last)))
    return out


def stale(ctx: Ctx, record: Any, differences: Sequence[Difference], reload_url: str) -> Stale:
    """The panel's content for ``record`` as saved now; a difference that
    names no save of its own (a document's line) gets the record's last."""
    last, _ = saves(ctx.db, record)
    named = [d if d.save.by or d.save.at else replace(d, save=last) for d in differences]
    return Stale(int(record.version), last, named, reload_url)


# ------------------------------------------------------------------ showing values


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if not isinstance(v, UploadFile))
    if isinstance(value, UploadFile):
        return value.filename or EMPTY
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _shown_field(ctx: Ctx, model: type[Base], f: FormField, value: Any) -> str:
    """A declared field's value as the form shows it: a choice by its label,
    a reference by its name (when the reader may read it), yes or no, a date
    in the reader's way."""
    if value is None or value == "":
        return EMPTY
    if f.kind == "bool" or isinstance(value, bool):
        return ctx._("Yes") if value else ctx._("No")
    if f.choices is not None:
        from core.kit import _choices

        labels = {str(k): label for k, label in _choices(f.choices, ctx)}
        if f.kind == "multi" and isinstance(value, list | tuple):
            return _text([ctx._(labels.get(str(v), str(v))) for v in value])
        if str(value) in labels:
            return _text(ctx._(labels[str(value)]))
    if isinstance(value, date) and not isinstance(value, datetime):
        return ctx.t.date(value)
    column = model.__table__.columns.get(f.name)
    if column is not None and column.foreign_keys and isinstance(value, int):
        return record_name(ctx, _target(column), value)
    return _text(value)


def _shown_extra(ctx: Ctx, ef: ExtraField, value: Any) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if ef.kind == "bool":
        return ctx._("Yes") if value else ctx._("No")
    if ef.kind in ("user", "link") and isinstance(value, int):
        return record_name(ctx, ref_model(ef), value)
    shown = display_value(ef, SimpleNamespace(extra={ef.name: value}), ctx.t.locale)
    if isinstance(shown, date):
        return ctx.t.date(shown)
    return _text(shown)


def _target(column: Any) -> type[Base] | None:
    table = next(iter(column.foreign_keys)).column.table.name
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    return None


def record_name(ctx: Ctx, target: type[Base] | None, ident: int) -> str:
    """The name of a referenced record the reader may read, else its number."""
    if target is None:
        return f"#{ident}"
    columns = target.__table__.columns
    name = next((n for n in ("display_name", "name", "title", "number", "code") if n in columns), None)
    if name is None:
        return f"#{ident}"
    if target is User:
        found = ctx.db.scalar(select(User.display_name).where(User.id == ident))
    else:
        key = id_column(target)
        found = ctx.db.scalar(select(getattr(target, name)).where(key == ident,
                                                                   scope(ctx.user, target, "read")))
    return _text(found) if found else f"#{ident}"


# ------------------------------------------------------------------ any form


def posted_fields(ctx: Ctx, model: type[Base]) -> tuple[list[FormField], list[ExtraField]]:
    """Fields of ``model`` a form that is not the kit's sent (its keys that
    name columns, typed from the column), and the custom fields it sent."""
    from core.kit import FormField

    form = ctx.form
    out = []
    for column in model.__table__.columns:
        name = column.name
        if name in NOT_FIELDS or column.primary_key or name == "extra" or name not in form:
            continue
        kind = ("bool" if isinstance(column.type, Boolean) else "date" if isinstance(column.type, Date)
                and not isinstance(column.type, DateTime) else "decimal" if isinstance(column.type, Numeric)
                else "int" if isinstance(column.type, Integer) else "textarea" if isinstance(column.type, Text)
                else "text")
        declared = column.info.get("choices")  # a state's or a choice's labels (message ids)
        choices = list(declared.items()) if isinstance(declared, dict) else list(declared or ()) or None
        out.append(FormField(name, str(column.info.get("label") or name), kind, max_length=10**6,
                             choices=choices))
    extras = [ef for ef in editable_extra(ctx.db, ctx.user, model)
              if ef.name in form or f"{ef.name}[]" in form] if has_extra(model) else []
    return out, extras


def resend_fields(form: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a form sent, as hidden inputs that send it again (not the CSRF
    token and the version, which the page sets; files cannot be sent again)."""
    out = []
    for key, value in form.items():
        if key in ("csrf_token", "version"):
            continue
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, UploadFile):
                out.append((key, "" if item is None else str(item)))
    return out


def stale_page(ctx: Ctx, refused: StaleVersion) -> Response:
    """The conflict panel on a page of its own, for a form that is not the
    kit's: the differences, a button that sends what they typed again over
    the current version, and a link back to the page the form was on."""
    record = refused.record
    model = type(record)
    fields, extras = posted_fields(ctx, model)
    panel = stale(ctx, record, form_differences(ctx, model, record, fields, extras=extras),
                  reload_url=_back(ctx, record))
    return ctx.render("kit/conflict.html", status=409, conflict=panel, action=ctx.request.url.path,
                      resend=resend_fields(ctx.form))


def _back(ctx: Ctx, record: Any) -> str:
    """The page the form was on (same site only), else the record's own page."""
    referer = ctx.request.headers.get("referer", "")
    base = str(ctx.request.base_url).rstrip("/")
    if referer.startswith(base + "/"):
        path = referer[len(base):]
        if not path.startswith("//") and "\n" not in path and "\r" not in path:
            return path
    return ctx.kernel.record_path(type(record).__model_key__, record.id) or "/"
